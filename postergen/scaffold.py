"""``postergen init``: copy the bundled starter campaign into a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import PostergenError

STARTER = Path(__file__).parent / "scaffold"


def scaffold(folder: str | Path, force: bool = False) -> list[Path]:
    """Create a working campaign in *folder*; return the files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise PostergenError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise PostergenError(f"{folder} is not empty; choose a new folder or pass --force")
    written = []
    for src in sorted(STARTER.rglob("*")):
        if src.is_dir() or src.name.startswith(".") or "__pycache__" in src.parts:
            continue
        dest = folder / src.relative_to(STARTER)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        written.append(dest)
    return written
