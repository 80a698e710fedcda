"""nbval compares a notebook's stored outputs with a fresh run; a notebook saved without outputs would pass unchecked.

"Clear All Outputs" and nbstripout leave code cells with no outputs and no
execution count, and nbval then has nothing to compare. Every committed
notebook must therefore be saved after one run from top to bottom.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def unrun_cells(nb: nbformat.NotebookNode) -> list[str]:
    """Why the notebook's stored outputs cannot be trusted: cells not run, or not run in order from the top."""
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    problems = [f"cell {i} ({c.source.strip().splitlines()[0][:40]!r}) was not run" for i, c in enumerate(code, 1) if c.execution_count is None]
    counts = [c.execution_count for c in code]
    if not problems and counts != list(range(1, len(code) + 1)):
        problems.append(f"cells were not run once from the top (execution counts {counts})")
    if code and not any(c.outputs for c in code):
        problems.append("no code cell has a stored output")
    return problems


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_its_outputs(path: Path):
    problems = unrun_cells(nbformat.read(path, as_version=4))
    assert not problems, f"{path.name}: " + "; ".join(problems) + f". Re-run it: review execute {path.name}"


@pytest.mark.parametrize("how", ["clear_all_outputs", "nbstripout", "one_cell_cleared"])
def test_a_cleared_notebook_is_caught(how: str):
    nb = nbformat.read(NOTEBOOKS[-1], as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    cleared = code if how != "one_cell_cleared" else code[-1:]
    for cell in cleared:
        cell.outputs = []
        cell.execution_count = None
    if how == "nbstripout":
        nb.metadata.pop("widgets", None)
    assert unrun_cells(nb)


#: a file path a reviewer could meet in the text: data/..., or a file name with a data, bib, settings or docs suffix
FILE_PATH = r"(?<![\w/.-])(?:data/[\w./-]*|[\w-]+\.(?:csv|bib|toml|md))(?![\w/-])"


def paths_for_reviewers(text: str) -> list[str]:
    """File paths in ``text`` outside a paragraph marked *For researchers*: reviewers read pages and never see files."""
    import re

    return [m for para in re.split(r"\n\s*\n", text) if "for researchers" not in para.lower() for m in re.findall(FILE_PATH, para)]


def test_paths_for_reviewers_finds_paths_outside_researchers_notes():
    assert paths_for_reviewers("Every study is a row in `data/studies.csv`; see references.bib.") == ["data/studies.csv", "references.bib"]
    assert paths_for_reviewers("*For researchers:* the columns are described in README.md.") == []
    assert paths_for_reviewers("Five excellent benefits of micro-needling, 4.5 sessions, 95% CI, e.g. 01-catalogue-claims.ipynb") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_text_names_tables_not_files(path: Path):
    nb = nbformat.read(path, as_version=4)
    found = {i: paths_for_reviewers(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"}
    assert not {i: p for i, p in found.items() if p}, f"{path.name}: say what the table is, not where it lives (cell: paths)"
