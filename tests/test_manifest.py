"""The build manifest is streamed row by row (postergen.manifest) and must be byte for byte
what writing it at once gives."""

from __future__ import annotations

import json

import pytest

from postergen.csvsafe import csv_text
from postergen.manifest import MANIFEST_FIELDS, ManifestWriter, read_rows

HEAD = {"postergen": "0.9", "campaign": "tea", "spec_sha256": "ab" * 32,
        "variants": [{"name": "A", "weight": 1, "factors": {"threshold": 3, "奖励": "杨枝甘露"}}]}
ROW = {
    "path": "posters/moments/bold-1080x1920.jpg", "kind": "poster", "variant": "", "channel": "moments",
    "template": "bold", "size": "1080x1920", "format": "jpeg", "code": "K7Q2", "url": "https://h5.example.com/?a=1&b=2",
    "sha256": "cd" * 32, "spec_sha256": "ab" * 32, "inputs_sha256": "ef" * 32,
}
ODD = {
    **ROW, "path": "site/落地页/index.html", "kind": "landing", "code": "=1+1",
    "warnings": ['line one\nline "two"', "emoji 👨‍👩‍👧 and tab\t"], "assets": [], "depends": {},
    "csp": {"script-src": ["'self'", "'sha256-x'"]},
}


@pytest.mark.parametrize("rows", [[], [ROW], [ROW, ODD, ROW]], ids=["none", "one", "several"])
def test_a_streamed_manifest_is_the_manifest_written_at_once(tmp_path, rows):
    writer = ManifestWriter(tmp_path, HEAD)
    for row in rows:
        writer.add(row)
    writer.close()
    whole = json.dumps({**HEAD, "files": rows}, ensure_ascii=False, indent=2) + "\n"
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == whole
    assert (tmp_path / "manifest.csv").read_text(encoding="utf-8") == csv_text(MANIFEST_FIELDS, rows)
    assert read_rows(tmp_path) == rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv", "manifest.json"]  # no temporary file left


def test_an_aborted_manifest_leaves_nothing(tmp_path):
    writer = ManifestWriter(tmp_path, HEAD)
    writer.add(ROW)
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    assert read_rows(tmp_path) == []


def test_a_build_streams_its_rows_and_reads_them_back(tmp_path):
    """BuildResult keeps counts, not rows: .rows is the manifest on disk."""
    from conftest import make_campaign

    from postergen.pipeline import BuildResult, build

    assert "rows" not in BuildResult.__dataclass_fields__
    spec = make_campaign(tmp_path / "c", {"output.sizes": ["1080x1920", "1080x1080"]})
    result = build(spec, tmp_path / "out", jobs=1)
    rows = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert result.rows == rows and len(rows) == sum(result.kinds.values())
    assert result.kinds["poster"] == sum(1 for r in rows if r["kind"] == "poster") > 0
    assert result.manifest is None


def test_a_write_back_error_fails_the_build_and_leaves_no_manifest(tmp_path, monkeypatch):
    """Posters are written without a fsync each; a write-back error the one sync before
    the manifest meets (EIO, a full disk, a quota) fails the build instead of a manifest
    claiming files that never reached the disk."""
    import errno

    from conftest import make_campaign

    from postergen import writer
    from postergen.pipeline import build

    spec = make_campaign(tmp_path / "c")

    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer, "_syncfs", failing)
    with pytest.raises(writer.WriteError, match="reported a write error while the output was flushed"):
        build(spec, tmp_path / "out", jobs=1)
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".manifest")]


def test_a_full_disk_while_streaming_the_manifest_is_a_write_error(tmp_path, monkeypatch):
    import errno

    from postergen.writer import WriteError

    writer = ManifestWriter(tmp_path, HEAD)
    writer.add(ROW)

    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            raise OSError(errno.ENOSPC, "No space left on device")

    fh, tmp, name = writer._files[1]
    fh.close()
    writer._files[1] = (Full(), tmp, name)
    writer._json = writer._files[1][0]
    with pytest.raises(WriteError, match="cannot write the manifest"):
        writer.add(ROW)
    assert list(tmp_path.iterdir()) == []  # both temporary files gone, nothing renamed into place
