#!/usr/bin/env python3
"""Build the bundled CJK fonts in fonts/ from Debian's fonts-noto-cjk.

Takes the Simplified Chinese face (TTC index 2, "Noto Sans CJK SC") out of
NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc, subsets it to every
character encodable in GBK or Big5 plus a few extra Latin/symbol ranges and
the face's supplementary-plane ideographs (rare name characters such as 𠮷), and
writes NotoSansSC-Regular.otf, NotoSansSC-Bold.otf, OFL.txt and README.md.

The output is deterministic: the same input package gives byte-identical files.

Usage (from the repository root):

    apt-get update
    tmp=$(mktemp -d) && (cd "$tmp" && apt-get download fonts-noto-cjk)
    python tools/make_fonts.py "$tmp"/fonts-noto-cjk_*.deb
    # or, with the package already unpacked by `dpkg-deb -x PKG.deb DIR`:
    python tools/make_fonts.py DIR

Needs: fonttools (pip install fonttools).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import lzma
import re
import sys
import tarfile
import unicodedata
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "fonts"

PACKAGE = "fonts-noto-cjk"
FONT_SUBDIR = Path("usr/share/fonts/opentype/noto")
DOC_SUBDIR = Path("usr/share/doc") / PACKAGE
FACE_INDEX = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK, 5-9 Mono
EXPECTED_FAMILY_TAG = "SC"
KEEP_LANGSYS = "ZHS "  # OpenType language system kept besides each script's default
WEIGHTS = ("Regular", "Bold")

# Extra ranges kept besides GBK/Big5 (inclusive), each intersected with the
# face's cmap. Many of these are already in GBK; listing them documents intent.
EXTRA_RANGES = [
    (0x0020, 0x007E, "Basic Latin"),
    (0x00A0, 0x00FF, "Latin-1 Supplement"),
    (0x2000, 0x206F, "General Punctuation"),
    (0x20A0, 0x20CF, "Currency Symbols"),
    (0x2100, 0x214F, "Letterlike Symbols (incl. \u2116 \u2103)"),
    (0x2150, 0x218F, "Number Forms"),
    (0x2190, 0x21FF, "Arrows"),
    (0x2460, 0x2473, "Circled numbers \u2460-\u2473"),
    (0x25A0, 0x25FF, "Geometric Shapes"),
    (0x2605, 0x2606, "\u2605 \u2606"),
    (0x2713, 0x2714, "\u2713 \u2714"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0xFE30, 0xFE4F, "CJK Compatibility Forms"),
    (0xFF00, 0xFFEF, "Halfwidth and Fullwidth Forms"),
    (0x20000, 0x2FA1F, "CJK Extensions B-F: rare characters of names and nicknames (\U00020BB7)"),
]
# Characters the posters explicitly rely on; the build fails if the face lacks
# one. (U+2714 HEAVY CHECK MARK is wanted too but no Noto Sans CJK face has it,
# so it is only reported, under the extra ranges; use U+2713 instead.)
REQUIRED = (
    "\u00a5\u20ac\u00a3\uffe5\u2190\u2192\u2191\u2193\u2713\u2605\u2606"
    "\u25cf\u25cb\u25a0\u25a1\u25b2\u25b3\u25c6\u25c7\u2022\u00b7\u00d7\u00f7"
    "\u00b0\u2030\u2116\u2103" + "".join(chr(c) for c in range(0x2460, 0x2474))
)


def encodable(codec: str) -> set[int]:
    out = set()
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        try:
            chr(cp).encode(codec)
        except UnicodeEncodeError:
            continue
        out.add(cp)
    return out


# --------------------------------------------------------------------------
# Input: a .deb (read with the standard library) or an unpacked directory.


def _ar_members(data: bytes):
    if not data.startswith(b"!<arch>\n"):
        raise SystemExit("not a Debian package (ar archive)")
    pos = 8
    while pos + 60 <= len(data):
        hdr = data[pos : pos + 60]
        name = hdr[:16].decode().strip().rstrip("/")
        size = int(hdr[48:58].decode().strip())
        yield name, data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)


def _open_tar(name: str, blob: bytes) -> tarfile.TarFile:
    if name.endswith(".xz"):
        blob = lzma.decompress(blob)
    elif name.endswith(".gz"):
        blob = gzip.decompress(blob)
    elif not name.endswith(".tar"):
        raise SystemExit(f"unsupported compression in .deb member {name}; "
                         "unpack it with `dpkg-deb -x` and pass the directory")
    return tarfile.open(fileobj=io.BytesIO(blob))


def unpack_deb(deb: Path, dest: Path) -> str:
    """Extract the data members we need into dest; return the package version."""
    version = None
    for name, blob in _ar_members(deb.read_bytes()):
        if name.startswith("control.tar"):
            with _open_tar(name, blob) as tf:
                control = tf.extractfile("./control").read().decode()
            version = re.search(r"^Version:\s*(\S+)", control, re.M).group(1)
        elif name.startswith("data.tar"):
            with _open_tar(name, blob) as tf:
                wanted = [m for m in tf.getmembers() if m.isfile() and (
                    m.name.endswith(".ttc") and "NotoSansCJK-" in m.name
                    or m.name.endswith(("/copyright", "/changelog.Debian.gz")))]
                tf.extractall(dest, members=wanted, filter="data")
    if version is None:
        raise SystemExit("no control member in the .deb")
    return version


def version_from_dir(root: Path) -> str:
    changelog = root / DOC_SUBDIR / "changelog.Debian.gz"
    first = gzip.decompress(changelog.read_bytes()).decode().splitlines()[0]
    m = re.match(rf"{re.escape(PACKAGE)} \(([^)]+)\)", first)
    if not m:
        raise SystemExit(f"cannot read the version from {changelog}")
    return m.group(1)


def find_root(path: Path) -> Path:
    """Accept the unpack root, the fonts dir itself, or anything in between."""
    for cand in (path, *path.parents):
        if (cand / FONT_SUBDIR).is_dir():
            return cand
    raise SystemExit(f"{path}: no {FONT_SUBDIR} inside; pass the .deb or "
                     "the directory made by `dpkg-deb -x`")


# --------------------------------------------------------------------------
# Licence text


def ofl_from_copyright(copyright_file: Path) -> str:
    """The 'License: SIL-1.1' paragraph of a DEP-5 copyright file, unwrapped."""
    text = copyright_file.read_text(encoding="utf-8")
    m = re.search(r"^License: SIL-1\.1\n((?: .*\n?)+)", text, re.M)
    if not m:
        raise SystemExit(f"no 'License: SIL-1.1' text in {copyright_file}")
    lines = []
    for line in m.group(1).splitlines():
        line = line[1:]  # DEP-5: one leading space; a lone "." is a blank line
        lines.append("" if line == "." else line)
    return "\n".join(lines).strip("\n") + "\n"


def files_copyright(copyright_file: Path) -> str:
    text = copyright_file.read_text(encoding="utf-8")
    m = re.search(r"^Files: \*\nCopyright: (.+)$", text, re.M)
    return m.group(1).strip() if m else ""


# --------------------------------------------------------------------------


def load_face(ttc: Path) -> TTFont:
    coll = TTCollection(str(ttc), lazy=False, recalcTimestamp=False, recalcBBoxes=False)
    font = coll.fonts[FACE_INDEX]
    family = font["name"].getDebugName(1) or ""
    if EXPECTED_FAMILY_TAG not in family.split():
        raise SystemExit(f"{ttc.name} face {FACE_INDEX} is {family!r}, "
                         f"expected a family containing {EXPECTED_FAMILY_TAG!r}")
    return font


def prune_language_systems(face: TTFont, keep: str = KEEP_LANGSYS) -> None:
    """Keep only each script's default and `keep` language systems in GSUB/GPOS.

    The TTC faces share one glyph set; the SC face's 'locl' feature for the
    JAN/KOR/ZHT/ZHH language systems maps to ~17,700 regional glyph variants
    that Simplified Chinese text never uses. Dropping those language systems
    (default and ZHS shaping are untouched) lets the subsetter drop the glyphs,
    which almost halves the file size.
    """
    for tag in ("GSUB", "GPOS"):
        if tag not in face:
            continue
        for rec in face[tag].table.ScriptList.ScriptRecord:
            script = rec.Script
            script.LangSysRecord = [r for r in script.LangSysRecord if r.LangSysTag == keep]
            script.LangSysCount = len(script.LangSysRecord)


def subset_options() -> subset.Options:
    o = subset.Options()
    # defaults already include palt/halt/vert/kern/locl; listed for clarity
    o.layout_features = sorted(set(o.layout_features) | {"palt", "halt", "kern", "locl"})
    o.layout_scripts = ["*"]
    o.hinting = False            # drop CFF hints: smaller, fine for raster output
    o.desubroutinize = False     # keep subroutines: smaller CFF
    o.name_IDs = ["*"]           # keep every name record (copyright, licence, ...)
    o.name_languages = ["*"]
    o.name_legacy = True
    o.notdef_glyph = True
    o.notdef_outline = True
    o.glyph_names = False
    o.retain_gids = False        # glyphs keep their original relative order
    o.recalc_bounds = True
    o.recalc_timestamp = False   # keep the source head.created/modified
    o.canonical_order = True     # fixed table order
    o.ignore_missing_unicodes = True
    return o


def build(face: TTFont, codepoints: set[int], all_languages: bool = False) -> bytes:
    if not all_languages:
        prune_language_systems(face)
    sub = subset.Subsetter(options=subset_options())
    sub.populate(unicodes=sorted(codepoints))
    sub.subset(face)
    face.recalcTimestamp = False
    buf = io.BytesIO()
    subset.save_font(face, buf, subset_options())
    return buf.getvalue()


def fmt_ranges(cps: list[int]) -> str:
    return ", ".join(f"U+{c:04X} {unicodedata.name(chr(c), '?')}" for c in cps)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path,
                    help=f"{PACKAGE}_*.deb, or the directory it was unpacked into "
                         "with `dpkg-deb -x` (or its fonts dir)")
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT,
                    help="output directory (default: fonts/)")
    ap.add_argument("--all-languages", action="store_true",
                    help="keep the JAN/KOR/ZHT/ZHH language systems and their "
                         "'locl' glyphs (about 17,700 more glyphs, ~9 MB per file)")
    ap.add_argument("--no-docs", action="store_true",
                    help="write only the .otf files, not OFL.txt/README.md")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        if args.source.is_file():
            version = unpack_deb(args.source, Path(tmp))
            root = Path(tmp)
        else:
            root = find_root(args.source.resolve())
            version = version_from_dir(root)
        print(f"source: {PACKAGE} {version}")
        source_desc = f"Debian package {PACKAGE} {version}"

        gbk, big5 = encodable("gbk"), encodable("big5")
        wanted = gbk | big5
        for lo, hi, _ in EXTRA_RANGES:
            wanted.update(range(lo, hi + 1))

        args.out.mkdir(parents=True, exist_ok=True)
        results = []
        for weight in WEIGHTS:
            ttc = root / FONT_SUBDIR / f"NotoSansCJK-{weight}.ttc"
            face = load_face(ttc)
            names = {i: face["name"].getDebugName(i) for i in (0, 1, 4, 5, 6)}
            head = face["head"]
            created, modified = head.created, head.modified
            cmap = set(face.getBestCmap())
            n_orig = len(face.getGlyphOrder())
            keep = wanted & cmap
            miss_gbk = sorted(c for c in gbk - cmap if chr(c).isprintable())
            miss_big5 = sorted(c for c in big5 - cmap if chr(c).isprintable())
            missing_req = [c for c in REQUIRED if ord(c) not in cmap]
            if missing_req:
                raise SystemExit(f"face lacks required characters: {missing_req}")
            data = build(face, keep, args.all_languages)

            out_file = args.out / f"NotoSansSC-{weight}.otf"
            out_file.write_bytes(data)
            check = TTFont(io.BytesIO(data))
            got = set(check.getBestCmap())
            lost = (gbk | big5) & cmap - got
            if lost or check["head"].modified != modified:
                raise SystemExit(f"{out_file.name}: lost {len(lost)} characters "
                                 "or the timestamp changed")
            res = dict(
                weight=weight, file=out_file, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                glyphs=len(check.getGlyphOrder()), orig_glyphs=n_orig,
                chars=len(got), names=names, created=created, modified=modified,
                gbk_cov=len(gbk & got), big5_cov=len(big5 & got),
                miss_gbk=miss_gbk, miss_big5=miss_big5,
                extra_missing=sorted(c for lo, hi, _ in EXTRA_RANGES
                                     for c in range(lo, hi + 1)
                                     if c not in cmap and chr(c).isprintable()),
            )
            results.append(res)
            print(f"{out_file}: {res['size']} bytes, {res['glyphs']} glyphs "
                  f"(of {n_orig}), {res['chars']} characters, sha256 {res['sha256']}")
            print(f"  GBK: {len(gbk)} encodable, {res['gbk_cov']} in subset; face lacks "
                  f"{len(miss_gbk)} (besides controls): {fmt_ranges(miss_gbk)}")
            print(f"  Big5: {len(big5)} encodable, {res['big5_cov']} in subset; face lacks "
                  f"{len(miss_big5)} (besides controls): {fmt_ranges(miss_big5)}")
            print(f"  extra ranges: {len(res['extra_missing'])} code points not in face"
                  f"{' incl. U+2714' if 0x2714 in res['extra_missing'] else ''}")

        if not args.no_docs:
            cp_file = root / DOC_SUBDIR / "copyright"
            write_ofl(args.out / "OFL.txt", cp_file, results, source_desc)
            write_readme(args.out / "README.md", results, version, gbk, big5,
                         files_copyright(cp_file))
    return 0


def write_ofl(path: Path, copyright_file: Path, results, source_desc: str) -> None:
    names = results[0]["names"]
    text = (
        "Noto Sans CJK SC (subset bundled as NotoSansSC-Regular.otf / NotoSansSC-Bold.otf)\n"
        "\n"
        f"Copyright notice in the fonts (name ID 0): {names[0]}\n"
        f"Copyright line in the package's debian/copyright (Files: *): "
        f"{files_copyright(copyright_file)}\n"
        "\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n"
        f"The licence text below is copied verbatim from {source_desc},\n"
        f"/{DOC_SUBDIR}/copyright (License: SIL-1.1).\n"
        "\n"
        + ofl_from_copyright(copyright_file)
    )
    path.write_text(text, encoding="utf-8")


def write_readme(path: Path, results, version, gbk, big5, deb_copyright) -> None:
    r0 = results[0]
    ranges = "\n".join(f"| U+{lo:04X}-U+{hi:04X} | {desc} |" for lo, hi, desc in EXTRA_RANGES)
    files = "\n".join(
        f"| `{r['file'].name}` | {r['names'][4]} | {r['size']:,} | {r['glyphs']:,} "
        f"(of {r['orig_glyphs']:,}) | {r['chars']:,} | `{r['sha256']}` |"
        for r in results)
    miss = "\n".join(
        f"- {r['weight']}: GBK {len(r['miss_gbk'])} missing"
        f"{' (' + fmt_ranges(r['miss_gbk']) + ')' if r['miss_gbk'] else ''}; "
        f"Big5 {len(r['miss_big5'])} missing"
        f"{' (' + fmt_ranges(r['miss_big5']) + ')' if r['miss_big5'] else ''}; "
        f"extra ranges: {len(r['extra_missing'])} code points absent from the face "
        "(mostly unassigned or rare symbols)"
        for r in results)
    if any(0x2714 in r["extra_missing"] for r in results):
        miss += ("\n- U+2714 \u2714 HEAVY CHECK MARK is in no Noto Sans CJK face, so it "
                 "renders as .notdef; use U+2713 \u2713 instead.")
    text = f"""# Bundled fonts

Generated by `tools/make_fonts.py` — do not edit by hand; this README is
written by the same script.

## Source

- Debian package `{PACKAGE}`, version `{version}` (architecture `all`).
- Files `/{FONT_SUBDIR}/NotoSansCJK-Regular.ttc` and `NotoSansCJK-Bold.ttc`,
  face index **{FACE_INDEX}** = "{r0['names'][1]}" (Simplified Chinese; index 0 is
  Japanese). The script checks the family name contains "{EXPECTED_FAMILY_TAG}".
- Upstream font version: `{r0['names'][5]}`.

## Files

| file | full name | bytes | glyphs | characters (cmap) | sha256 |
| --- | --- | ---: | ---: | ---: | --- |
{files}

`head.created`/`head.modified` are kept from the source face
({r0['created']}/{r0['modified']}, seconds since 1904), so rebuilding from
the same package gives byte-identical files.

## What the subset covers

Every code point encodable in Python's `gbk` codec ({len(gbk):,}) or `big5`
codec ({len(big5):,}; {len(gbk | big5):,} together), plus these ranges, all
intersected with what the face's cmap has:

| range | what |
| --- | --- |
{ranges}

Characters the face itself lacks (controls excluded):

{miss}

Subsetting: OpenType layout features are fontTools' defaults (these include
`palt`, `halt`, `kern`, `locl`, `vert`); all scripts, but in GSUB/GPOS only
each script's default language system and `ZHS` are kept — the JAN/KOR/ZHT/ZHH
ones only select Japanese/Korean/Traditional regional glyph variants through
`locl` (~17,700 glyphs, which would nearly double the size; `--all-languages`
keeps them); hinting dropped;
CFF subroutines kept; all name records kept (copyright, trademark, licence
text and URL); `.notdef` outline kept. Family/full names are unchanged
("{r0['names'][1]}").

## Licence

SIL Open Font License 1.1, see `OFL.txt` (copied from the package's
`/{DOC_SUBDIR}/copyright`). Copyright notice in the fonts: "{r0['names'][0]}";
the package's `debian/copyright` gives "{deb_copyright}" for `Files: *`.

- The OFL allows modifying (subsetting) and redistributing the fonts bundled
  with software, provided the copyright notice and the licence go with every
  copy (`OFL.txt` here, and the name table records kept in the fonts) and the
  fonts are not sold by themselves.
- Reserved Font Names: the package's copyright file and the fonts' name table
  declare none. Noto Sans CJK is derived from Adobe's Source Han Sans, whose
  upstream licence reserves the name "Source" (not stated in this package);
  the subset's name does not contain "Source", so no rename is needed either
  way, and the family name "Noto Sans CJK SC" is kept. "Noto is a trademark of Google
  Inc." (name ID 7) is a trademark notice, not a Reserved Font Name; OFL §4
  means Google's and Adobe's names must not be used to promote the subset.
- The subset stays under the OFL 1.1 (it cannot be relicensed); documents and
  images made with it are not affected.

## Regenerate

```sh
apt-get update
tmp=$(mktemp -d) && (cd "$tmp" && apt-get download {PACKAGE})
python tools/make_fonts.py "$tmp"/{PACKAGE}_*_all.deb
# or, unpacked: dpkg-deb -x "$tmp"/{PACKAGE}_*_all.deb "$tmp/x" && python tools/make_fonts.py "$tmp/x"
```

Needs `pip install fonttools`. Options: `-o DIR` (default `fonts/`),
`--no-docs` (fonts only). The script prints sizes, glyph counts, sha256 and
the GBK/Big5 characters the face lacks, and fails if any GBK/Big5 character
the face has is missing from a subset.
""" + EMOJI_SECTION
    path.write_text(text, encoding="utf-8")


#: The README's section on the colour emoji font, which this script does not build.
EMOJI_SECTION = """
## Colour emoji: `NotoColorEmoji.ttf`

Not generated by this script: copied unmodified from Debian package
`fonts-noto-color-emoji` 2.042-0+deb12u1 (`/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf`;
upstream "Version 2.042;GOOG;noto-emoji:20231129", Unicode 15.1), 10,980,856 bytes, sha256
`e5899ed38b8ed83e08bd3ac5de09791e9d19d288333a796de1d35ad17396f1ec`.

- Every font chain ends with it, so emoji in nicknames and campaign text are drawn in
  colour (see `docs/text.md`). ZWJ sequences, flags, keycaps and skin tones shape into
  single glyphs through Pillow's libraqm.
- A CBDT bitmap font with one strike: Pillow opens it only at 109 px (any other size is
  `OSError: invalid pixel size`); postergen draws each emoji at 109 px and scales it to
  the text.
- Licence: SIL Open Font License 1.1, see `OFL-NotoColorEmoji.txt` (copied from the
  package's `/usr/share/doc/fonts-noto-color-emoji/copyright`, `Files: fonts/*`;
  copyright 2013-2017 Google Inc., Arjen Nienhuis; name ID 0 "Copyright 2022 Google
  Inc."). No Reserved Font Name is declared; it is bundled unmodified, name unchanged.
- Update: `apt-get download fonts-noto-color-emoji`, `dpkg-deb -x` it, copy the `.ttf`
  here, and update the version, size and sha256 above and in `OFL-NotoColorEmoji.txt`.
"""


if __name__ == "__main__":
    sys.exit(main())
