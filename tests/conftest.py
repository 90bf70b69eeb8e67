"""Shared fixtures: a valid minimal campaign, written into ``tmp_path``, to break on purpose.

Usage::

    from conftest import make_campaign, problems

    def test_something(tmp_path, monkeypatch):
        spec = make_campaign(tmp_path, {"poster.headline": "新标题", "brand.slogan": DELETE})
        spec = make_campaign(tmp_path, text=lambda t: t.replace("png]", "gif]"))
        spec = make_campaign(tmp_path, text="just: a whole new file\n")

or through the ``campaign`` fixture, which is ``make_campaign`` bound to ``tmp_path``::

    def test_other(campaign):
        spec = campaign({"theme.primary": "red"})

The campaign folder is ``tmp_path`` itself: ``campaign.yaml``, ``assets/logo.png`` (64×64
RGBA) and ``assets/avatar.jpg`` (64×64 RGB), all generated, so tests depend on nothing in
the source tree.  :data:`BASE_YAML` is written verbatim when no override is given, so its
line numbers (listed in its comment) are stable for exact ``file:line`` assertions.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

import pytest

#: Value for ``overrides`` that removes the key.
DELETE = object()

# Line numbers, for exact assertions:
#  1 version      6 brand         13 poster        20 price          25 theme       31 output
#  2 campaign     7   name        14   headline    21   now          26   primary   32   templates
#  3   id         8   logo        15   subheadline 22   original     27   background 33  sizes
#  4   name       9   slogan      16   benefits    23   label        28 qr          34   formats
#  5 landing_url 10 inviter       17-19 items      24   scarcity     29   logo
#                11   nickname                                       30   error_correction
#                12   avatar
BASE_YAML = """\
version: 1
campaign:
  id: tea-invite-3
  name: 新品奶茶邀请
landing_url: https://h5.example.com/tea/invite
brand:
  name: 山茶小馆
  logo: assets/logo.png
  slogan: 一杯好茶 慢慢喝
inviter:
  nickname: 小李
  avatar: assets/avatar.jpg
poster:
  headline: 邀3位好友，新品杨枝甘露免费喝！
  subheadline: 好友助力 · 三人成团立享
  benefits:
    - 新鲜芒果现切，每杯都有满满果肉
    - 全国 200 家门店通用，到店出示即可兑换
    - 邀请越多奖励越多，最高可得 10 杯
  price:
    now: "0"
    original: "28"
    label: 助力价
  scarcity: 仅限前 500 名 · 11月30日截止
theme:
  primary: "#E8432E"
  background: "#FFF6EE"
qr:
  logo: assets/logo.png
  error_correction: auto
output:
  templates: [bold]
  sizes: [1080x1920]
  formats: [png]
"""


def png_bytes(size=(64, 64), mode="RGBA", color=(232, 67, 46, 255)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, color[: len(mode)] if mode != "L" else 128).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(size=(64, 64), color=(30, 120, 200)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def write_assets(folder: Path) -> None:
    assets = folder / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "logo.png").write_bytes(png_bytes())
    (assets / "avatar.jpg").write_bytes(jpeg_bytes())


def _set(data: Any, dotted_path: str, value: Any) -> None:
    keys = [int(k) if k.isdigit() else k for k in dotted_path.split(".")]
    node = data
    for key in keys[:-1]:
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    if value is DELETE:
        del node[keys[-1]]
    elif isinstance(node, list) and keys[-1] == len(node):
        node.append(value)
    else:
        node[keys[-1]] = value


def make_campaign(
    tmp_path: Path,
    overrides: dict[str, Any] | None = None,
    text: str | Callable[[str], str] | None = None,
    assets: bool = True,
) -> Path:
    """Write a valid campaign into *tmp_path* (changed as asked); return its spec path.

    * ``overrides`` maps dotted paths to new values (``"poster.benefits.0"``, ``"qr.logo"``;
      digits index lists); :data:`DELETE` removes a key.  The base text is edited with
      ruamel's round-trip mode, so untouched lines keep their layout and line numbers.
    * ``text`` replaces the YAML: a string is the whole file; a callable gets the YAML
      (after ``overrides``) and returns the text to write.
    * ``assets=False`` skips generating ``assets/``.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    if assets:
        write_assets(tmp_path)
    yaml_text = BASE_YAML
    if overrides:
        from ruamel.yaml import YAML

        yaml = YAML(typ="rt")
        yaml.width = 4096
        yaml.preserve_quotes = True
        yaml.indent(mapping=2, sequence=4, offset=2)
        data = yaml.load(BASE_YAML)
        for key, value in overrides.items():
            _set(data, key, value)
        buf = io.StringIO()
        yaml.dump(data, buf)
        yaml_text = buf.getvalue()
    if isinstance(text, str):
        yaml_text = text
    elif callable(text):
        yaml_text = text(yaml_text)
    spec = tmp_path / "campaign.yaml"
    spec.write_text(yaml_text, encoding="utf-8")
    return spec


def problems(spec: Path | str, strict: bool = False) -> list[str]:
    """The problems ``load_campaign(spec)`` reports, as strings; fails if it loads."""
    from postergen.errors import SpecError
    from postergen.loader import load_campaign

    try:
        load_campaign(spec, strict=strict)
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    raise AssertionError(f"{spec} loaded without problems")


@pytest.fixture
def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """``make_campaign`` bound to ``tmp_path``, run from inside it.

    The working directory is ``tmp_path`` and the returned path is the relative
    ``campaign.yaml``, so problems read ``campaign.yaml:14 poster.headline: …`` and can be
    asserted exactly.
    """
    monkeypatch.chdir(tmp_path)

    def make(overrides: dict[str, Any] | None = None, text=None, assets: bool = True) -> Path:
        spec = make_campaign(tmp_path, overrides, text, assets)
        return spec.relative_to(tmp_path)

    return make
