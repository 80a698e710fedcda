"""Execute the notebooks and export reviewer pages, atomically.

Every notebook is executed in a fresh kernel (nbclient) with ``REVIEW_ROOT``
pointing at the workbook, exported with nbconvert without code or prompts,
and written into a temporary folder beside the output. Only when every
notebook succeeded is the old report folder swapped for the new one; a
failure leaves the previous reports untouched and names the notebook and cell.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

from .bib import Bib
from .errors import Problem, WorkbookError
from .reportpage import enhance
from .results import compute
from .verdicts import furthest_from_evidence, verdict_counts
from .workbook import Workbook, check_workbook, load_workbook

TEMPLATES = Path(__file__).parent / "templates"
NOTEBOOK_RE = re.compile(r"^\d\d-[a-z0-9-]+\.ipynb$")
CELL_TIMEOUT = 600


class ReportError(RuntimeError):
    """A notebook failed while the reports were being built."""


@dataclass(frozen=True)
class Page:
    notebook: str
    html_name: str
    title: str
    summary: str


def notebook_paths(root: Path) -> list[Path]:
    """The workbook's notebooks, in step order (``NN-verb-object.ipynb``)."""
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if NOTEBOOK_RE.match(p.name))


def data_files(root: Path) -> list[Path]:
    """Every input a report is built from: data tables and the bibliography."""
    files = sorted(p for p in (root / "data").rglob("*.csv") if p.is_file())
    bib = root / "references.bib"
    return files + ([bib] if bib.exists() else [])


def fingerprint(paths: list[Path], root: Path) -> str:
    """A short SHA-256 over the files' relative names and contents."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:12]


def git_commit(root: Path) -> str:
    """The commit the workbook is at, with ``+changes`` when the work tree differs; 'unknown' outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """The first markdown heading of a notebook, and the first paragraph after it."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.strip().splitlines()
        if lines and lines[0].startswith("# "):
            title = lines[0][2:].strip()
            rest = "\n".join(lines[1:]).strip().split("\n\n")[0]
            return title, re.sub(r"\s+", " ", re.sub(r"[*_`]", "", rest))
    return fallback, ""


def execute(path: Path, root: Path, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel; raise :class:`ReportError` naming the failing cell."""
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "REVIEW_ROOT": str(root)}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the notebook: outputs stay byte-identical across runs
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = f"cell {index + 1}" if index is not None else "a cell"
        summary = str(exc).strip().splitlines()
        raise ReportError(f"{path.relative_to(root)}: {where} failed: {summary[-1] if summary else exc}\n{exc}") from None
    except (CellTimeoutError, DeadKernelError) as exc:
        raise ReportError(f"{path.relative_to(root)}: {exc}") from None
    return nb


def execute_in_place(root: Path, names: list[str] | None = None) -> list[Path]:
    """Re-execute notebooks (all, or those named) and save their outputs, with no timing metadata.

    This is how committed outputs are refreshed after a deliberate change;
    nbval then checks that every later run reproduces them.
    """
    paths = notebook_paths(root)
    if names:
        wanted = {Path(n).name for n in names}
        unknown = wanted - {p.name for p in paths}
        if unknown:
            raise WorkbookError([Problem("notebooks", 0, "", f"no notebook named {', '.join(sorted(unknown))}")])
        paths = [p for p in paths if p.name in wanted]
    checked = check_workbook(root)
    if checked.problems:
        raise WorkbookError(checked.problems)
    for path in paths:
        nb = execute(path, root)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        tmp = path.with_name(f".{path.name}.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
    return paths


def export_page(nb: nbformat.NotebookNode, title: str, footer: str, keys: list[str] | None = None) -> str:
    """A reviewer's HTML page: outputs and markdown only, self-contained, links to .ipynb made .html."""
    exporter = HTMLExporter(
        template_name="reviewer",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    resources = {
        "review_css": (TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "review_js": (TEMPLATES / "tables.js").read_text(encoding="utf-8"),
        "review_footer": html.escape(footer),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = re.sub(r'href="(\d\d-[a-z0-9-]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', body)
    return enhance(body, keys or [])


def _render(template: str, **context: object) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template(template).render(css=css, **context)


def executive_summary(wb: Workbook) -> dict[str, object]:
    """What the index page says: what was reviewed, verdict counts, the most overstated claims."""
    res = compute(wb)
    top = furthest_from_evidence(res.verdicts, wb.claims)
    return {
        "articles": len(wb.sources),
        "claims": len(wb.claims),
        "outcomes": int(wb.claims["outcome_id"].nunique()),
        "studies": len(wb.studies),
        "verdicts": verdict_counts(res.verdicts).to_dict("records"),
        "top": top.to_dict("records"),
        "certainty": [
            ("high", "Further research is very unlikely to change the picture."),
            ("moderate", "The true effect is probably close to what the studies found."),
            ("low", "The true effect may be substantially different."),
            ("very low", "Any estimate of the effect is very uncertain."),
        ],
    }


def render_index(pages: list[Page], commit: str, data_id: str, summary: dict[str, object] | None = None) -> str:
    """The report's front page: executive summary and a link to every page (all text escaped)."""
    return _render("index.html.j2", pages=pages, commit=commit, data_id=data_id, summary=summary)


def render_references(bib: Bib, keys: list[str], footer: str) -> str:
    """One page listing every reference, anchored by bib key, with DOI and PubMed links."""
    from .citations import full_reference_html

    items = [(k, full_reference_html(k, bib)) for k in sorted(keys)]
    return _render("references.html.j2", items=items, footer=footer)


def _write(path: Path, text: str) -> None:
    """Write one report file (inside the temporary build folder, so a failure never shows)."""
    path.write_text(text, encoding="utf-8")


def build_reports(root: Path, out: Path) -> Path:
    """Execute every notebook and write the reports to ``out``; return the index path.

    Refuses to run on a workbook with problems. Builds in a temporary folder
    beside ``out`` and swaps it in only when everything succeeded.
    """
    wb = load_workbook(root)
    notebooks = notebook_paths(root)
    if not notebooks:
        raise WorkbookError([Problem("notebooks", 0, "", "no notebooks named NN-verb-object.ipynb found")])
    commit = git_commit(root)
    data_id = fingerprint(data_files(root), root)
    footer = f"Built from commit {commit}, data {data_id} (SHA-256 of data/ and references.bib)."
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; reports are for reading
    try:
        pages: list[Page] = []
        keys = sorted(wb.bib.entries)
        for path in notebooks:
            nb = execute(path, root)
            title, summary = notebook_title(nb, path.stem)
            name = path.with_suffix(".html").name
            _write(tmp / name, export_page(nb, title, footer, keys))
            pages.append(Page(path.name, name, title, summary))
        _write(tmp / "references.html", render_references(wb.bib, keys, footer))
        _write(tmp / "index.html", render_index(pages, commit, data_id, executive_summary(wb)))
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is, keeping the old folder until the new one is in place."""
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
