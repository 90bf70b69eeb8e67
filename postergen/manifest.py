"""A build's manifest, ``manifest.csv`` and ``manifest.json``, written row by row.

:class:`ManifestWriter` streams each row into temporary files next to the manifest as
the build records it, so a build with hundreds of thousands of outputs never holds its
rows in memory; ``close()`` renames the CSV and then the JSON into place (the JSON last:
a folder with ``manifest.json`` is a complete build).  The bytes are exactly those of
``json.dumps(manifest, ensure_ascii=False, indent=2)`` and of
:func:`postergen.csvsafe.csv_text` (a test compares them), so a streamed manifest and a
manifest written at once cannot be told apart.

:func:`read_rows` reads the rows back (``BuildResult.rows``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .csvsafe import SafeWriter
from .writer import TEMP_INFIX, WriteError

MANIFEST_FIELDS = [
    "path", "kind", "variant", "channel", "template", "size", "format", "code", "url", "sha256", "spec_sha256",
    "inputs_sha256",
]

_EMPTY = '"files": []\n}'


class ManifestWriter:
    """``add(row)`` for every output in order, then ``close()``; ``abort()`` on failure
    (the temporary files go, no manifest appears) — or use it as a context manager, which
    does either as its block ends.  *head* is the manifest without its ``files``:
    postergen's version, the campaign, the spec hash, the variants."""

    def __init__(self, out: Path, head: dict):
        self.out = Path(out)
        self.count = 0
        self._files: list[tuple] = []  # (open file, temporary path, final name)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._csv = SafeWriter(self._open("manifest.csv"), MANIFEST_FIELDS)
            self._csv.writeheader()
            self._json = self._open("manifest.json")
            text = json.dumps({**head, "files": []}, ensure_ascii=False, indent=2)
            assert text.endswith(_EMPTY), "'files' must come last"
            self._json.write(text[: -len("[]\n}")] + "[")
        except OSError as exc:
            self.abort()
            raise WriteError(f"cannot write {self.out / 'manifest.json'}: {exc.strerror or exc}") from None

    def _open(self, name: str):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}{TEMP_INFIX}", suffix=".part", dir=self.out)
        fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._files.append((fh, tmp, name))
        return fh

    def add(self, row: dict) -> None:
        body = json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        try:
            self._csv.writerow(row)
            self._json.write(("," if self.count else "") + "\n    " + body)
        except OSError as exc:  # disk full, file too large: the build stops with what and where
            self.abort()
            raise WriteError(f"cannot write the manifest in {self.out}: {exc.strerror or exc}") from None
        self.count += 1

    def close(self) -> None:
        """Finish both files, flush them to disk and rename them into place."""
        try:
            self._json.write(("\n  ]" if self.count else "]") + "\n}\n")
            for fh, tmp, name in self._files:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
                os.chmod(tmp, 0o644)
                os.replace(tmp, self.out / name)  # the CSV first, the JSON last
        except OSError as exc:
            self.abort()
            raise WriteError(f"cannot write {self.out / 'manifest.json'}: {exc.strerror or exc}") from None
        self._files = []

    def __enter__(self) -> ManifestWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def abort(self) -> None:
        """Remove the temporary files; never raises (it runs while another error is on its
        way up, which must not be replaced)."""
        files, self._files = self._files, []
        for fh, tmp, _ in files:
            try:
                fh.close()  # (may fail again: a full disk cannot take the buffered rest)
            except OSError:
                pass
            try:
                os.unlink(tmp)
            except OSError:
                pass


def read_rows(out: Path) -> list[dict]:
    """The rows of the manifest in *out* ([] when there is none)."""
    try:
        return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        return []
