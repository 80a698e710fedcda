"""Shared fixtures: the real workbook, and throwaway copies of it to break."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()
WORKBOOK_FILES = ("data", "references.bib", "workbook.toml", "notebooks")


def copy_workbook(dest: Path, archive: Path | str = SEEDS) -> Path:
    """Copy the real workbook's data, bib, settings and notebooks to ``dest``, with its archive set to ``archive``."""
    dest.mkdir(parents=True)
    for name in WORKBOOK_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    settings = (REPO / "workbook.toml").read_text(encoding="utf-8")
    settings = re.sub(r'(?m)^archive = ".*"$', lambda _: f'archive = "{Path(archive).as_posix()}"', settings)
    (dest / "workbook.toml").write_text(settings, encoding="utf-8")
    return dest


@pytest.fixture()
def workbook(tmp_path: Path) -> Path:
    """A copy of the real workbook in a temporary folder, archive pointing at the real seeds."""
    return copy_workbook(tmp_path / "wb")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, for asserting that nothing changed."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def write_notebook(path: Path, sources: list[str], title: str) -> None:
    """A small notebook: a title cell, then one code cell per source."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
