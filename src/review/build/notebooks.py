"""The workbook's notebooks: which ones make up the report, in what order, and what each page is called."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import Problem, WorkbookError

NOTEBOOK_RE = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")
NAMING = "NN-verb-object.ipynb (two digits, then lower-case words joined by hyphens, e.g. 03-grade-outcomes.ipynb)"


@dataclass(frozen=True)
class Page:
    """One report page: the notebook it comes from, its file name, its title and first paragraph."""

    notebook: str
    html_name: str
    title: str
    summary: str


def notebook_paths(root: Path) -> list[Path]:
    """The workbook's notebooks, in step order; a notebook named off the pattern is refused, not skipped.

    A notebook that would silently be left out of the report is worse than a
    build that stops and says how to name it.
    """
    found = sorted((root / "notebooks").glob("*.ipynb"))
    off = [p.name for p in found if not NOTEBOOK_RE.match(p.name)]
    if off:
        raise WorkbookError([
            Problem(f"notebooks/{name}", 0, "", f"notebook name is not {NAMING}; rename it to that pattern, or move it out of notebooks/")
            for name in off
        ])
    return found


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """The first markdown heading of a notebook, and the first paragraph after it."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.strip().splitlines()
        if lines and lines[0].startswith("# "):
            title = lines[0][2:].strip()
            rest = "\n".join(lines[1:]).strip().split("\n\n")[0]
            summary = re.sub(r"\s+", " ", re.sub(r"[*_`]", "", rest)).strip()
            return title, re.sub(r"\s*:$", ".", summary)  # a paragraph introducing a list ends in a colon; alone it must not
    return fallback, ""


def page_of(path: Path, nb: nbformat.NotebookNode | None = None) -> Page:
    """A notebook's page in the report. Its title and summary come from its markdown, so they are known before it runs."""
    title, summary = notebook_title(nb if nb is not None else nbformat.read(path, as_version=4), path.stem)
    return Page(path.name, path.with_suffix(".html").name, title, summary)


#: the tag (cell metadata ``tags``) of the cell whose chart the index shows: the popularity-against-evidence chart
FRONT_CHART_TAG = "front-page-chart"


def has_front_chart(nb: nbformat.NotebookNode) -> bool:
    """Whether a code cell of the notebook is tagged to give the index its chart."""
    return any(c.cell_type == "code" and FRONT_CHART_TAG in c.get("metadata", {}).get("tags", []) for c in nb.cells)


def front_chart(nb: nbformat.NotebookNode) -> tuple[str, str] | None:
    """The PNG (base64) and alt text the tagged cell of an executed notebook showed, or None.

    The index shows the same chart as the notebook, drawn once, in the kernel.
    """
    for cell in nb.cells:
        if cell.cell_type != "code" or FRONT_CHART_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
                return "".join(png.split()), str(alt)
    return None
