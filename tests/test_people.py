"""People files for `postergen batch`: formats, encodings, mapping, every row and file problem."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tracemalloc
import zipfile

import pytest

from postergen.batch import csvsource, people
from postergen.batch.idindex import IdIndex
from postergen.batch.people import Person, PeopleFileError, RowError, open_people, parse_mapping
from postergen.errors import PostergenError

EXAMPLE = '{"id": "u1", "nickname": "小王", "avatar": "avatars/u1.jpg"}'

# Nicknames as people really write them: ZWJ family, flag, keycap, skin tone, text-style
# selector, a character outside the BMP (𠮷), a Hangul filler "blank" nickname.
NICKNAMES = ["👨‍👩‍👧 小明一家", "🇨🇳中国", "1️⃣号", "👍🏽点赞", "☺︎ok", "𠮷野家", "ㅤ", "Ana ❤️ Ñ"]


def write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(path, **kw):
    with open_people(path, **kw) as pf:
        return pf, list(pf)


def problems(path, **kw) -> list[str]:
    with pytest.raises(PeopleFileError) as info:
        open_people(path, **kw)
    assert all(p.file == str(path) for p in info.value.problems)
    return [p.message for p in info.value.problems]


def canonical(fields: dict) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- CSV


def test_csv_rows_fields_and_digest(tmp_path):
    path = write(tmp_path, "people.csv", "id,nickname,avatar,city\nu1, 小王 ,avatars/u1.jpg,北京\nu2,,https://thirdwx.qlogo.cn/mmopen/x/132,\n")
    pf, rows = read(path)
    assert (pf.format, pf.encoding, pf.columns, pf.warnings) == ("csv", "utf-8", ["id", "nickname", "avatar", "city"], [])
    a, b = rows
    assert a == Person(2, "u1", "小王", "avatars/u1.jpg", {"id": "u1", "nickname": "小王", "avatar": "avatars/u1.jpg", "city": "北京"}, a.digest)
    assert a.digest == canonical(a.fields)
    assert (b.row, b.nickname, b.avatar, b.fields["city"]) == (3, "", "https://thirdwx.qlogo.cn/mmopen/x/132", "")


def test_digest_changes_with_the_row_only(tmp_path):
    before = read(write(tmp_path, "a.csv", "id,nickname\nu1,A\nu2,B\n"))[1]
    after = read(write(tmp_path, "b.csv", "id,nickname\nu1,A\nu2,B2\n"))[1]
    assert before[0].digest == after[0].digest
    assert before[1].digest != after[1].digest
    same = read(write(tmp_path, "c.jsonl", '{"id": "u1", "nickname": "A"}\n'))[1]
    assert same[0].digest == before[0].digest  # content, not format


def test_missing_standard_columns_are_blank_and_extra_columns_kept(tmp_path):
    pf, (p,) = read(write(tmp_path, "p.csv", "id,奖品\n7,茶包\n"))
    assert pf.columns == ["id", "奖品"]
    assert p.fields == {"id": "7", "奖品": "茶包", "nickname": "", "avatar": ""}
    assert (p.nickname, p.avatar) == ("", "")


def test_row_numbers_count_blank_lines_and_multiline_cells(tmp_path):
    text = 'id,nickname,bio\r\nu1,"Wang, Xiao","line one\r\nline ""two"""\r\n\r\n,,\r\nu2,b,c\r\n'
    _, rows = read(write(tmp_path, "p.csv", text))
    assert [(r.row, r.id) for r in rows] == [(2, "u1"), (5, "u2")]
    assert rows[0].fields["nickname"] == "Wang, Xiao"
    assert rows[0].fields["bio"] == 'line one\r\nline "two"'


def test_quote_inside_an_unquoted_cell_is_literal(tmp_path):
    _, rows = read(write(tmp_path, "p.csv", 'id,nickname\nu1,say "hi\nu2,b\n'))
    assert [(r.id, r.nickname) for r in rows] == [("u1", 'say "hi'), ("u2", "b")]


def test_header_only_is_zero_rows(tmp_path):
    pf, rows = read(write(tmp_path, "p.csv", "id,nickname\n"))
    assert rows == [] and pf.columns == ["id", "nickname"]


def test_fewer_cells_are_blank_more_cells_are_a_row_error(tmp_path):
    _, rows = read(write(tmp_path, "p.csv", "id,nickname,avatar\nu1\nu2,b,c,,\nu3,b,c,,oops\n"))
    assert rows[0].fields == {"id": "u1", "nickname": "", "avatar": ""}
    assert isinstance(rows[1], Person)  # empty trailing cells, as spreadsheets write them
    assert rows[2] == RowError(4, "u3", "", (
        "this row has text in column 5 (E), past the last headed column (3, C): 'oops'; "
        "remove it or give that column a header"))


def test_trailing_empty_headers_are_not_columns(tmp_path):
    pf, (p,) = read(write(tmp_path, "p.csv", "id,nickname,,\nu1,a,,\n"))
    assert pf.columns == ["id", "nickname"] and p.fields["nickname"] == "a"


@pytest.mark.parametrize("nickname", NICKNAMES)
def test_emoji_nicknames_survive_byte_exact_in_every_format(tmp_path, nickname):
    import openpyxl

    wanted = nickname.strip().encode("utf-8")
    csv_path = write(tmp_path, "p.csv", f'id,nickname\nu1,"{nickname}"\n')
    gb_path = write(tmp_path, "gb.csv", f"id,nickname\nu1,{nickname}\n".encode("gb18030"))
    jsonl = write(tmp_path, "p.jsonl", json.dumps({"id": "u1", "nickname": nickname}) + "\n")  # \\uXXXX escapes
    book = openpyxl.Workbook()
    book.active.append(["id", "nickname"])
    book.active.append(["u1", nickname])
    book.save(tmp_path / "p.xlsx")
    for path in (csv_path, gb_path, jsonl, tmp_path / "p.xlsx"):
        (p,) = read(path)[1]
        assert p.nickname.encode("utf-8") == wanted, path.name


def test_utf8_bom(tmp_path):
    pf, (p,) = read(write(tmp_path, "p.csv", b"\xef\xbb\xbfid,nickname\r\nu1,\xe5\xb0\x8f\xe7\x8e\x8b\r\n"))
    assert (pf.encoding, pf.columns, p.id, p.nickname) == ("utf-8-sig", ["id", "nickname"], "u1", "小王")


def test_gb18030_as_excel_in_china_saves_it(tmp_path):
    path = write(tmp_path, "p.csv", "用户ID,微信昵称,头像\r\nu1,小王😀,头像/u1.jpg\r\nu2,𠮷田,\r\n".encode("gb18030"))
    pf, rows = read(path, mapping={"id": "用户ID", "nickname": "微信昵称", "avatar": "头像"})
    assert pf.encoding == "gb18030" and pf.columns == ["id", "nickname", "avatar"]
    assert [(r.id, r.nickname, r.avatar) for r in rows] == [("u1", "小王😀", "头像/u1.jpg"), ("u2", "𠮷田", "")]


def test_given_encoding(tmp_path):
    path = write(tmp_path, "p.csv", "id,nickname\nu1,小王\n".encode("gb18030"))
    pf, (p,) = read(path, encoding="GB18030")
    assert (pf.encoding, p.nickname) == ("gb18030", "小王")
    pf, (p,) = read(write(tmp_path, "b.csv", "id,nickname\nu1,小王\n".encode("big5")), encoding="big5")
    assert (pf.encoding, p.nickname) == ("big5", "小王")


def test_a_late_row_in_another_encoding_fails_alone(tmp_path):
    # The first 64 KiB are ASCII, so the file is taken as UTF-8; a GB18030 row comes later.
    head = "id,nickname\n" + "".join(f"a{i},name{i}\n" for i in range(7000))
    assert len(head) > csvsource.CHUNK
    path = write(tmp_path, "p.csv", head.encode() + "b1,小王\n".encode("gb18030") + b"b2,ok\n")
    pf, rows = read(path)
    assert pf.encoding == "utf-8"
    assert rows[-2] == RowError(7002, "", "", (
        "this row is not valid UTF-8 text but reads as GB18030 (the start of the file is plain ASCII, so the "
        "file was taken as UTF-8); pass --encoding gb18030, or save the file as 'CSV UTF-8'"))
    assert (rows[-1].row, rows[-1].id) == (7003, "b2")


def test_undecodable_rows_in_gb18030_and_utf8(tmp_path):
    gb = write(tmp_path, "gb.csv", "id,nickname\nu1,小王\n".encode("gb18030") + b"u2,\xff\xfe\nu3,ok\n")
    rows = read(gb)[1]
    assert rows[1] == RowError(3, "", "", "this row is not valid GB18030 text; save the file as 'CSV UTF-8' or pass --encoding")
    assert rows[2].id == "u3"
    utf8 = write(tmp_path, "u.csv", "id,nickname\nu1,小王\n".encode() + b"u2,\xff\nu3,ok\n")
    assert read(utf8)[1][1].message == "this row is not valid UTF-8 text; save the file as 'CSV UTF-8' or pass --encoding"
    mixed = write(tmp_path, "m.csv", "id,nickname\nu1,小王\n".encode() + "u2,小李\n".encode("gb18030"))
    assert read(mixed)[1][1].message == (
        "this row is not valid UTF-8 text but reads as GB18030, while the start of the file is UTF-8: the file "
        "mixes two encodings; retype the row or save the file again as 'CSV UTF-8'")


def test_a_multiline_cell_with_a_bad_byte_fails_only_its_row(tmp_path):
    data = "id,nickname\nu1,小王\n".encode() + b'u2,"two\nlines \xff"\nu3,ok\n'
    rows = read(write(tmp_path, "p.csv", data))[1]
    assert [type(r).__name__ for r in rows] == ["Person", "RowError", "Person"]
    assert (rows[1].row, rows[2].row, rows[2].id) == (3, 4, "u3")


def test_unclosed_quote_and_overlong_rows(tmp_path, monkeypatch):
    rows = read(write(tmp_path, "p.csv", 'id,nickname\nu1,"Wang\nu2,b\n'))[1]
    assert rows == [RowError(2, "", "", (
        "a quoted cell that starts on this row is never closed (a '\"' is missing), so everything to the end of "
        "the file was read into it: add the closing '\"'"))]
    monkeypatch.setattr(csvsource, "MAX_RECORD", 2000)
    rows = read(write(tmp_path, "q.csv", "id,nickname\nu1," + "x" * 5000 + "\nu2,b\n"))[1]
    assert rows[0] == RowError(2, "", "", (
        "this row is over 2000 bytes long; check for a '\"' that opens a quoted cell and is never closed, or shorten the row"))
    assert (rows[1].row, rows[1].id) == (3, "u2")


def test_stray_carriage_return(tmp_path):
    rows = read(write(tmp_path, "p.csv", 'id,nickname\nu1,"a"b\rc\nu2,x\n'))[1]
    assert rows[0] == RowError(2, "", "", "this row has a line break (CR) outside quotes; remove it or put the cell in quotes")
    assert rows[1].id == "u2"


# --------------------------------------------------------------------------- row problems


def test_id_problems(tmp_path):
    long_id = "x" * 129
    text = "\n".join([
        "id,nickname",
        "u42,a", ",blank id", "u42,again", f"{long_id},long", "u\u200bzw,zero width", '"tab\tid",tab',
        "1.23457E+17,excel", "u7,ok",
    ]) + "\n"
    rows = read(write(tmp_path, "p.csv", text))[1]
    assert rows == [
        rows[0],
        RowError(3, "", "id", "the id is blank; every person needs a unique id: fill it in or delete the row"),
        RowError(4, "u42", "id", "duplicate id 'u42' (first on row 2); ids must be unique: fix or remove one of the rows"),
        RowError(5, "", "id", "the id is 129 characters long; ids are at most 128 characters: shorten it"),
        RowError(6, "", "id", "the id contains the control or invisible character U+200B (ZERO WIDTH SPACE); ids must be visible text: remove it"),
        RowError(7, "", "id", "the id contains the control or invisible character U+0009 (unnamed); ids must be visible text: remove it"),
        RowError(8, "", "id", (
            "the id '1.23457E+17' is a number in scientific notation: the spreadsheet stored a long id as a number "
            "and rounded it; format the id column as Text, enter the ids again and save")),
        rows[-1],
    ]
    assert isinstance(rows[0], Person) and rows[-1].id == "u7"


def test_a_failed_row_still_claims_its_id(tmp_path):
    rows = read(write(tmp_path, "p.csv", "id,nickname\nu1," + "n" * 4097 + "\nu1,b\n"))[1]
    assert rows[0] == RowError(2, "u1", "nickname", "the 'nickname' cell is 4097 characters long; cells are at most 4096 characters: shorten it")
    assert rows[1].message.startswith("duplicate id 'u1' (first on row 2)")


def test_every_problem_of_a_row_is_reported(tmp_path):
    rows = read(write(tmp_path, "p.csv", "id,nickname,bio\n ," + "n" * 4100 + ",ok\n"))[1]
    assert rows == [RowError(2, "", "id", (
        "the id is blank; every person needs a unique id: fill it in or delete the row. "
        "Also: the 'nickname' cell is 4100 characters long; cells are at most 4096 characters: shorten it"))]


# --------------------------------------------------------------------------- file problems


def test_file_problems(tmp_path):
    assert problems(write(tmp_path, "e.csv", b"")) == [
        "is empty; a people file starts with a header row naming the columns (at least 'id'), then one row per person"]
    assert problems(write(tmp_path, "b.csv", "\n \n,,\n")) == [
        "has no header row (only blank lines); the first row must name the columns, at least 'id'"]
    assert problems(write(tmp_path, "x.tsv", "id\n")) == [
        "'.tsv' files are not people files postergen reads; use .csv, .xlsx, .jsonl, .ndjson or .parquet (the extension decides how it is read)"]
    assert problems(write(tmp_path, "x.xls", "id\n")) == [
        "old Excel .xls workbooks are not read; in Excel use Save As › Excel Workbook (.xlsx) or 'CSV UTF-8'"]
    assert problems(write(tmp_path, "z.csv", b"PK\x03\x04\x14\x00rest")) == [
        "is a ZIP archive (an XLSX workbook?), not CSV text; name it .xlsx"]
    assert problems(write(tmp_path, "u.csv", "id,nickname\n".encode("utf-16"))) == [
        "is UTF-16 text (Excel's 'Unicode Text'), not CSV text; export the people as 'CSV UTF-8'"]
    assert problems(write(tmp_path, "l.csv", "id,nickname\nu1,café\n".encode("cp1252"))) == [
        "is neither UTF-8 nor GB18030 text; save it as 'CSV UTF-8' or pass --encoding with its encoding"]
    assert problems(write(tmp_path, "m.csv", b"id\rmac\r")) == [
        "ends its lines with a bare carriage return (old Mac format); save it as 'CSV UTF-8'"]


def test_encoding_option_problems(tmp_path):
    path = write(tmp_path, "p.csv", "id\nu1\n")
    assert problems(path, encoding="klingon") == ["unknown encoding 'klingon'; use utf-8, or gb18030 for what Excel in China saves"]
    assert problems(path, encoding="utf-16") == [
        "encoding 'utf-16' cannot be read as CSV here; save the file as 'CSV UTF-8' (or pass utf-8 or gb18030)"]
    bom = write(tmp_path, "bom.csv", b"\xef\xbb\xbfid\nu1\n")
    assert problems(bom, encoding="gb18030") == [
        "starts with a UTF-8 byte-order mark, so it is UTF-8, not gb18030: drop --encoding"]
    assert read(bom, encoding="utf-8")[1][0].id == "u1"
    assert problems(write(tmp_path, "p.jsonl", '{"id": 1}\n'), encoding="gb18030") == [
        "--encoding applies to CSV files only; XLSX and JSON Lines files are always read as they are stored"]
    assert problems(path, sheet="Sheet1") == ["--sheet applies to XLSX workbooks only"]


def test_not_a_regular_file(tmp_path, monkeypatch):
    (tmp_path / "people.csv").write_text("id\n")
    assert problems(tmp_path / "peple.csv") == [f"file not found — did you mean '{tmp_path / 'people.csv'}'?"]
    assert problems(tmp_path / "nobody.csv") == ["file not found"]
    (tmp_path / "dir.csv").mkdir()
    assert problems(tmp_path / "dir.csv") == ["is a folder, not a people file; pass the CSV, XLSX or JSON Lines file inside it"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.csv")  # opening a FIFO for reading would block: it must be refused first
        assert problems(tmp_path / "fifo.csv") == [
            "is not a regular file (a pipe, socket or device); save the people to a file and pass its path"]
    monkeypatch.setattr(people, "MAX_FILE_BYTES", 1000)
    assert problems(write(tmp_path, "big.csv", "id\n" + "u\n" * 1000)) == [
        "is 2003 bytes; people files are at most 1000 bytes: split it into several files and run the batch once per file"]


def test_header_problems_are_all_reported_with_the_line(tmp_path):
    path = write(tmp_path, "p.csv", "\nname,,name,city\nu1,a,b,c\n")
    with pytest.raises(PeopleFileError) as info:
        open_people(path)
    assert [(p.line, p.message) for p in info.value.problems] == [
        (2, "column 2 (B) has no header; name it (templates bind columns by their header) or delete the column"),
        (2, "columns 1 (A) and 3 (C) are both headed 'name'; headers must be unique: rename one"),
        (2, "no 'id' column (columns: 'name', 'name', 'city'); add an 'id' column with a unique id per person, "
            "or name yours with --map id=HEADER"),
    ]
    assert str(info.value).startswith(f"{path}:2: column 2 (B) has no header")


@pytest.mark.parametrize("header,guess", [("ID", "ID"), ("用户ID", "用户ID"), ("编号", "编号"), ("User ID", "User ID")])
def test_missing_id_suggests_the_likely_column(tmp_path, header, guess):
    path = write(tmp_path, "p.csv", f"{header},昵称\n1,a\n")
    assert problems(path) == [
        f"no 'id' column (columns: '{header}', '昵称') — did you mean '{guess}'? Pass --map id={guess}, "
        f"or rename that column to 'id'"]


def test_semicolon_separated_header(tmp_path):
    assert problems(write(tmp_path, "p.csv", "id;nickname\nu1;a\n")) == [
        "no 'id' column (columns: 'id;nickname'); the header is separated by semicolons, not commas: "
        "save the file as comma-separated CSV"]


# --------------------------------------------------------------------------- mapping


def test_mapping_chinese_headers(tmp_path):
    path = write(tmp_path, "p.csv", "用户ID,微信昵称,头像,城市\nu1,小王,a.jpg,北京\n")
    pf, (p,) = read(path, mapping=parse_mapping(["id=用户ID", "nickname = 微信昵称", "avatar＝头像"]))
    assert pf.columns == ["id", "nickname", "avatar", "城市"]
    assert (p.id, p.nickname, p.avatar, p.fields["城市"]) == ("u1", "小王", "a.jpg", "北京")


def test_mapping_problems(tmp_path):
    path = write(tmp_path, "p.csv", "用户ID,微信昵称,头像,nickname\nu1,小王,a.jpg,x\n")
    assert problems(path, mapping={"id": "用户ID", "avatar": "头象"}) == [
        "--map avatar=头象: there is no column '头象' (columns: '用户ID', '微信昵称', '头像', 'nickname') — did you mean '头像'?"]
    assert problems(path, mapping={"id": "用户id"}) == [
        "--map id=用户id: there is no column '用户id' (columns: '用户ID', '微信昵称', '头像', 'nickname') — did you mean '用户ID'?"]
    assert problems(path, mapping={"id": "用户ID", "nickname": "微信昵称"}) == [
        "--map nickname=微信昵称 makes a second 'nickname' column (column 4 (D) is already headed 'nickname'); "
        "drop the --map, or rename or map that column"]
    assert problems(path, mapping={"id": "用户ID", "nick": "微信昵称", "name": "微信昵称"}) == [
        "--map nick=微信昵称 and --map name=微信昵称 both take the column '微信昵称'; map each column once"]
    # mapping the other column away resolves the clash
    pf, (p,) = read(path, mapping={"id": "用户ID", "nickname": "微信昵称", "nick_en": "nickname"})
    assert pf.columns == ["id", "nickname", "头像", "nick_en"] and (p.nickname, p.fields["nick_en"]) == ("小王", "x")


def test_likely_columns_give_warnings(tmp_path):
    pf, _ = read(write(tmp_path, "p.csv", "id,微信昵称,头像\nu1,a,b\n"))
    assert [(w.severity, w.line, w.message) for w in pf.warnings] == [
        ("warning", 1, "no 'nickname' column, but '微信昵称' looks like one: pass --map nickname=微信昵称 to use it"),
        ("warning", 1, "no 'avatar' column, but '头像' looks like one: pass --map avatar=头像 to use it"),
    ]


def test_parse_mapping():
    assert parse_mapping([]) == {}
    assert parse_mapping(["nickname=微信昵称", " avatar = 头像 ", "key=a=b"]) == {"nickname": "微信昵称", "avatar": "头像", "key": "a=b"}
    for item, message in [
        ("nickname", "--map 'nickname': write NAME=HEADER, the name templates bind and the column's header in the file, e.g. --map nickname=微信昵称"),
        ("=头像", "--map '=头像': write NAME=HEADER, the name templates bind and the column's header in the file, e.g. --map nickname=微信昵称"),
        ("nick-name=x", "--map 'nick-name=x': 'nick-name' cannot be a column name; templates bind it as {person.nick-name}, so use letters, digits and _ (not starting with a digit)"),
    ]:
        with pytest.raises(PostergenError) as info:
            parse_mapping([item])
        assert str(info.value) == message
    with pytest.raises(PostergenError, match=re.escape("--map nickname= is given twice ('a' and 'b'); keep one")):
        parse_mapping(["nickname=a", "nickname=b"])


# --------------------------------------------------------------------------- XLSX


def _workbook(path, rows, title="Sheet1", more=None):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, extra in (more or {}).items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


def test_xlsx_values_as_excel_shows_them(tmp_path):
    path = _workbook(tmp_path / "p.xlsx", [
        ["用户ID", "微信昵称", "avatar", "joined", "at", "vip", "score", "phone", None, None],
        [10001, "小王😀", None, dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 1, 9, 30), True, 12.5, 13800138000.0],
        [],
        [10002.0, "  ", "a.png", dt.date(2024, 6, 2), None, False, 0.1 + 0.2, "+86 138"],
    ])
    pf, rows = read(path, mapping={"id": "用户ID", "nickname": "微信昵称"})
    assert (pf.format, pf.encoding, pf.columns[:3]) == ("xlsx", None, ["id", "nickname", "avatar"])
    assert len(pf.columns) == 8  # the empty header cells at the end are not columns
    a, b = rows
    assert (a.row, a.id, a.nickname, a.avatar) == (2, "10001", "小王😀", "")
    assert {k: a.fields[k] for k in ("joined", "at", "vip", "score", "phone")} == {
        "joined": "2024-05-01", "at": "2024-05-01T09:30:00", "vip": "TRUE", "score": "12.5", "phone": "13800138000"}
    assert (b.row, b.id, b.nickname, b.fields["joined"], b.fields["vip"], b.fields["score"]) == (4, "10002", "", "2024-06-02", "FALSE", "0.3")


def test_xlsx_row_problems(tmp_path):
    path = _workbook(tmp_path / "p.xlsx", [
        # an 18-digit id typed into a General cell: Excel keeps it as a double, 15 digits
        ["id", "nickname"], ["u1", "a", None, "stray"], [123456789012345678.0, "rounded"], ["u1", "dup"]])
    rows = read(path)[1]
    assert rows[0] == RowError(2, "u1", "", (
        "this row has text in column 4 (D), past the last headed column (2, B): 'stray'; remove it or give that column a header"))
    assert rows[1] == RowError(3, "", "id", (
        "the id '1.23456789012346e+17' is a number in scientific notation: the spreadsheet stored a long id as a "
        "number and rounded it; format the id column as Text, enter the ids again and save"))
    assert rows[2].message == "duplicate id 'u1' (first on row 2); ids must be unique: fix or remove one of the rows"


def test_xlsx_sheets(tmp_path):
    path = _workbook(tmp_path / "p.xlsx", [["note"], ["not people"]], title="说明",
                     more={"名单": [["id", "nickname"], ["u1", "小王"]]})
    pf, (p,) = read(path, sheet="名单")
    assert (p.row, p.id) == (2, "u1")
    assert problems(path, sheet="名称") == ["has no sheet '名称' (sheets: '说明', '名单') — did you mean '名单'?; pass one of them as --sheet"]
    assert problems(path) == [
        "no 'id' column (columns: 'note'); add an 'id' column with a unique id per person, or name yours with --map id=HEADER"]


def test_xlsx_with_a_wrong_recorded_size_loses_no_rows(tmp_path):
    path = _workbook(tmp_path / "p.xlsx", [["id", "nickname"]] + [[f"u{i}", f"n{i}"] for i in range(50)])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B51" />' in data
                data = data.replace(b'<dimension ref="A1:B51" />', b'<dimension ref="A1:B2" />')
            dst.writestr(info, data)
    assert [r.id for r in read(broken)[1]] == [f"u{i}" for i in range(50)]


def test_xlsx_file_problems(tmp_path):
    assert problems(write(tmp_path, "p.xlsx", "id,nickname\n")) == [
        "is not an XLSX workbook: it is not a ZIP archive (CSV text renamed .xlsx?); save it from Excel as .xlsx, "
        "or give a CSV file a .csv name"]
    assert problems(write(tmp_path, "e.xlsx", b"")) == [
        "is not an XLSX workbook: it is an empty file; save it from Excel as .xlsx, or give a CSV file a .csv name"]
    with zipfile.ZipFile(tmp_path / "z.xlsx", "w") as z:
        z.writestr("hello.txt", "not a workbook")
    (message,) = problems(tmp_path / "z.xlsx")
    assert message.startswith("cannot be read as an XLSX workbook (") and message.endswith(
        "); open it in Excel and save it again as .xlsx")
    assert problems(_workbook(tmp_path / "empty.xlsx", [])) == [
        "sheet 'Sheet1' is empty; its first row must name the columns (at least 'id'), then one row per person"]


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_rows_and_values(tmp_path):
    lines = [
        '\ufeff{"id": 10001, "nickname": "小王", "vip": true, "score": 1.5, "n": 3.0, "note": null}',
        "",
        '{"id": "u2", "nickname": "\\ud83d\\ude00", "extra": "later keys are kept"}',
    ]
    pf, rows = read(write(tmp_path, "p.ndjson", "\n".join(lines) + "\n"))
    assert (pf.format, pf.encoding, pf.columns) == ("jsonl", None, ["id", "nickname", "vip", "score", "n", "note"])
    a, b = rows
    assert a.row == 1 and a.fields == {"id": "10001", "nickname": "小王", "vip": "true", "score": "1.5", "n": "3", "note": "", "avatar": ""}
    assert (b.row, b.nickname, b.fields["extra"]) == (3, "😀", "later keys are kept")


def test_jsonl_row_problems(tmp_path):
    lines = [
        '{"id": "u1", "tags": ["a"], "addr": {"city": "x"}}',
        "[1, 2]",
        '{"id": "u2", "id": "u3"}',
        "{not json",
        '{"nickname": "no id"}',
        '{"id": NaN}',
        '{"id": "u4", "bio": "\\ud83d"}',
        '{"id": "u5", " ": 1}',
    ]
    path = write(tmp_path, "p.jsonl", "\n".join(lines).encode() + b"\n\xff\xfe\n")
    rows = read(path)[1]
    assert rows == [
        RowError(1, "u1", "tags", (
            "'tags' is a list; values must be text, numbers, true/false or null: flatten it into separate keys. "
            "Also: 'addr' is an object; values must be text, numbers, true/false or null: flatten it into separate keys")),
        RowError(2, "", "", f"this line is a list, not a JSON object; each line must be one object like {EXAMPLE}"),
        RowError(3, "u2", "id", "the key 'id' appears twice in this object; keep one"),
        RowError(4, "", "", f"this line is not valid JSON (Expecting property name enclosed in double quotes at column 2); each line must be one object like {EXAMPLE}"),
        RowError(5, "", "id", "this object has no 'id' key; every person needs a unique id: add one"),
        RowError(6, "", "", f"this line is not valid JSON (NaN is not allowed in JSON); each line must be one object like {EXAMPLE}"),
        RowError(7, "u4", "bio", "the 'bio' cell contains a broken character (an unpaired UTF-16 surrogate \\ud83d, half an emoji?); fix the JSON escape"),
        RowError(8, "u5", "", 'this object has an empty key ""; name it or remove it'),
        RowError(9, "", "", "this line is not valid UTF-8 text; JSON Lines files must be UTF-8: save the file as UTF-8"),
    ]


def test_jsonl_file_problems_and_mapping(tmp_path):
    assert problems(write(tmp_path, "e.jsonl", b"")) == [
        f"is empty; a JSON Lines people file has one object per line, like {EXAMPLE}"]
    assert problems(write(tmp_path, "b.jsonl", "\n  \n")) == [
        f"has no JSON objects (only blank lines); write one object per line, like {EXAMPLE}"]
    assert problems(write(tmp_path, "u.jsonl", '{"uid": 1, "nick": "a"}\n')) == [
        "the first object has no 'id' key (keys: 'uid', 'nick') — did you mean 'uid'? Pass --map id=uid, or rename that key to 'id'"]
    path = write(tmp_path, "m.jsonl", '{"uid": 1, "nick": "a"}\n{"uid": 2, "nick": "b", "nickname": "c"}\n')
    pf, rows = read(path, mapping={"id": "uid", "nickname": "nick", "avatar": "headimgurl"})
    assert [w.message for w in pf.warnings] == [
        "--map avatar=headimgurl: there is no key 'headimgurl' (keys: 'uid', 'nick') (only the first object was checked)"]
    assert rows[0].nickname == "a"
    assert rows[1] == RowError(2, "2", "nickname", (
        "this object has both 'nick' and 'nickname', which both become 'nickname' (--map nickname=nick); keep one"))


def test_jsonl_first_line_broken_is_a_row_error(tmp_path):
    pf, rows = read(write(tmp_path, "p.jsonl", 'oops\n{"id": "u1"}\n'))
    assert pf.columns == []
    assert [type(r).__name__ for r in rows] == ["RowError", "Person"]


# --------------------------------------------------------------------------- the reader object


def test_reiterating_starts_over_and_closing(tmp_path):
    path = write(tmp_path, "p.csv", "id\nu1\nu2\n")
    pf = open_people(path)
    with pf:
        first, second = list(pf), list(pf)  # the id index starts over too: no false duplicates
        assert first == second and all(isinstance(r, Person) for r in first)
        assert pf.tell() == pf.size == path.stat().st_size
    with pytest.raises(ValueError):
        list(pf)


def test_id_index_is_exact():
    index = IdIndex(capacity=4)
    ids = [f"u{i}" for i in range(20000)] + ["", "😀", "𠮷" * 128]
    for row, key in enumerate(ids, start=2):
        assert index.add(key, row) is None
    for row, key in enumerate(ids, start=2):
        assert index.add(key, row + 10**6) == row
    assert index.add("u20000", 5) is None and len(index) == len(ids) + 1
    assert index.nbytes() < 64 * len(index)  # a dict[str, int] holds ~130 bytes per id


def test_memory_stays_flat_in_the_number_of_rows(tmp_path):
    n = 100_000
    path = tmp_path / "many.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("id,nickname,avatar,city\n")
        for i in range(n):
            fh.write(f"u{i:06d},用户{i}😀,https://thirdwx.qlogo.cn/mmopen/vi_32/{i}/132,北京\n")
    tracemalloc.start()
    try:
        with open_people(path) as pf:
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            count = sum(isinstance(r, Person) for r in pf)
            streamed = tracemalloc.get_traced_memory()[1] - start
        # what keeping the rows would cost, measured on the first 10,000
        with open_people(path) as pf:
            start = tracemalloc.get_traced_memory()[0]
            kept = [r for r, _ in zip(pf, range(10_000))]
            per_row = (tracemalloc.get_traced_memory()[0] - start) / len(kept)
    finally:
        tracemalloc.stop()
    assert count == n
    bound = 16 * 2**20  # the id index (~5 MB for 100,000 ids, ~7 MB while it grows) and buffers
    assert per_row * n > 4 * bound, f"keeping the rows would take {per_row * n / 2**20:.0f} MB"
    assert streamed < bound, f"peak {streamed / 2**20:.1f} MB while streaming {n} rows"


def test_xlsx_with_a_forged_zip_directory_is_refused_before_it_is_listed(tmp_path):
    path = _workbook(tmp_path / "p.xlsx", [["id"], ["u1"]])
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    data[at + 8 : at + 12] = (0xFFFF).to_bytes(2, "little") * 2  # entries: the ZIP64 marker
    assert problems(write(tmp_path, "forged.xlsx", bytes(data))) == [
        "is a ZIP archive of more than 10000 files, not a workbook postergen reads; save the people from Excel as .xlsx or CSV"]
