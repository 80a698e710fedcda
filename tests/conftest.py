"""Shared fixtures: the real workbook, and throwaway copies of it to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()
WORKBOOK_FILES = ("data", "references.bib", "workbook.toml", "notebooks")


@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    """A copy of the real workbook in a temporary folder, archive pointing at the real seeds."""
    root = tmp_path / "wb"
    root.mkdir()
    for name in WORKBOOK_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(src, root / name)
    (root / "workbook.toml").write_text(f'archive = "{SEEDS.as_posix()}"\n', encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, for asserting that nothing changed."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
