#!/usr/bin/env python3
"""Write the example people file of tea-invite: 36 participants as WeChat exports them.

    python examples/make_people.py

Writes ``examples/tea-invite/people.csv`` and ``examples/tea-invite/avatars/*.jpg``
(132×132 JPEG, the size WeChat serves avatars at; flat illustrations of made-up people,
drawn by make_assets.py's ``avatar``).  The nicknames are the kind real participants
write: emoji (a ZWJ family, a flag, skin tones, a keycap), a rare character outside the
BMP (𠮷, in the bundled font since it carries CJK Extension B), Latin and mixed scripts, a blank nickname, a very long one, a spreadsheet
formula.  A few rows name an avatar file that does not exist, and a few have none: the
batch draws a placeholder for those and says so in people.csv.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from PIL import Image

import make_assets as art

HERE = Path(__file__).parent / "tea-invite"
STYLES = [
    # bg, skin, hair, shirt, style, extras
    ("#FFE3C2", "#F6D2B8", "#3B2A25", "#2FA37A", "bob", {}),
    ("#CFE3F5", "#C98E66", "#2A1F1B", "#E07A3F", "short", {"glasses": True}),
    ("#E6DEF7", "#F3CBAE", "#5A3A2E", "#7A5BD1", "long", {}),
    ("#D9F2E4", "#E8B896", "#1F1A17", "#2F6FB3", "curly", {}),
    ("#FBE0E6", "#F6D2B8", "#2E2622", "#E0566E", "bun", {}),
    ("#FFF1C9", "#B97A55", "#2A1F1B", "#3A8F5C", "short", {"beard": True}),
    ("#DDEBFF", "#F3CBAE", "#8A5A3B", "#F2A541", "bob", {"glasses": True}),
    ("#E8F5D8", "#D9A57E", "#1F1A17", "#C94C3C", "long", {}),
    ("#F4E1D2", "#F6D2B8", "#46352C", "#4C9A8E", "curly", {}),
    ("#E0E7EF", "#C98E66", "#2A1F1B", "#5B6B8C", "short", {}),
]

# id, nickname, avatar file (None: no avatar column value; "missing": a file that is not there), phone-free extras
PEOPLE = [
    ("u1001", "小鹿", 0),
    ("u1002", "阿杰🏀", 1),
    ("u1003", "Lily🌸", 2),
    ("u1004", "奶茶续命中☕️", 3),
    ("u1005", "👨‍👩‍👧 幸福一家人", 4),
    ("u1006", "𠮷野家的小吉", 5),
    ("u1007", "", 6),
    ("u1008", "王小明", None),
    ("u1009", "🇨🇳 中国心", 7),
    ("u1010", "点赞狂魔👍🏽", 8),
    ("u1011", "1️⃣号店长", 9),
    ("u1012", "a茶屿会员·永远十八岁的快乐小仙女不接受反驳", 0),
    ("u1013", "Kevin 凯文", 1),
    ("u1014", "  ", "missing"),
    ("u1015", "=HYPERLINK(\"http://example.com\")", 2),
    ("u1016", "晴天☀️", 3),
    ("u1017", "陈sir", 4),
    ("u1018", "🐱喵喵酱🐱", 5),
    ("u1019", "张三丰", "missing"),
    ("u1020", "Zoë", 6),
    ("u1021", "李老师📚", 7),
    ("u1022", "ゆき", 8),
    ("u1023", "❤️小红", 9),
    ("u1024", "店员07·小周", None),
    ("u1025", "Mr. 橙子🍊", 0),
    ("u1026", "早睡早起💤", 1),
    ("u1027", "👩🏻‍💻程序媛", 2),
    ("u1028", "阿May", 3),
    ("u1029", "森林🌲", "missing"),
    ("u1030", "老刘", 4),
    ("u1031", "Coco", 5),
    ("u1032", "芒果味的夏天🥭", 6),
    ("u1033", "开心果😄😄😄", 7),
    ("u1034", "Grace", 8),
    ("u1035", "周末去爬山⛰️", 9),
    ("u1036", "小雨", None),
]


def main() -> None:
    avatars = HERE / "avatars"
    avatars.mkdir(exist_ok=True)
    art.REPO = Path("/")  # its log lines name paths relative to REPO; ours are in a temp folder
    with tempfile.TemporaryDirectory() as tmp:
        for i, (bg, skin, hair, shirt, style, extra) in enumerate(STYLES):
            big = Path(tmp) / f"{i}.png"
            art.avatar(big, bg, skin, hair, shirt, style, **extra)
            small = Image.open(big).convert("RGB").resize((132, 132), Image.Resampling.LANCZOS)
            small.save(avatars / f"a{i:02d}.jpg", "JPEG", quality=82, optimize=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "nickname", "avatar", "store"])
    stores = ["静安店", "徐汇店", "天河店", "南山店"]
    for n, (pid, nick, av) in enumerate(PEOPLE):
        if av is None:
            path = ""
        elif av == "missing":
            path = f"avatars/{pid}.jpg"
        else:
            path = f"avatars/a{av:02d}.jpg"
        w.writerow([pid, nick, path, stores[n % len(stores)]])
    (HERE / "people.csv").write_text(buf.getvalue(), encoding="utf-8")
    print(f"  {HERE / 'people.csv'}: {len(PEOPLE)} people")


if __name__ == "__main__":
    main()
