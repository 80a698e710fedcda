"""Execute the notebooks and export reviewer pages, atomically.

Every notebook is executed in a fresh kernel (nbclient) with ``REVIEW_ROOT``
pointing at the workbook, exported with nbconvert without code or prompts,
and written into a temporary folder beside the output. Only when every
notebook succeeded is the old report folder swapped for the new one; a
failure leaves the previous reports untouched and names the notebook and cell.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, TypeVar

import nbformat
import psutil

from . import cache
from .bib import Bib
from .errors import Problem, WorkbookError
from .outdir import REPORT_MARKER, check_report_folder
from .reportpage import enhance
from .results import compute
from .verdicts import furthest_from_evidence, verdict_counts
from .workbook import ALL_INPUTS, TRACE_ENV, Workbook, archive_dir, check_workbook, load_workbook

T = TypeVar("T")
R = TypeVar("R")

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


def execute(path: Path, root: Path, timeout: int = CELL_TIMEOUT, trace: Path | None = None) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel; raise :class:`ReportError` naming the failing cell.

    With ``trace``, the kernel records in that file every workbook input the notebook used.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "REVIEW_ROOT": str(root)}
    if trace is not None:
        env[TRACE_ENV] = str(trace)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the notebook: outputs stay byte-identical across runs
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        asyncio.run(client.async_execute(env=env))  # its own event loop, closed after: safe in a worker thread
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

    def run(path: Path) -> Path:
        nb = execute(path, root)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        cache.write_atomic(path, nbformat.writes(nb).encode("utf-8") + b"\n")
        return path

    return parallel(run, paths)


def jobs_default() -> int:
    """Notebooks executed at once: one per core (``REVIEW_JOBS`` overrides)."""
    return max(1, int(os.environ.get("REVIEW_JOBS") or os.cpu_count() or 1))


def parallel(fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None) -> list[R]:
    """``fn`` over ``items`` on up to ``jobs`` threads (each notebook runs in its own kernel process).

    Results come back in the order of ``items``. Every item is run even when
    one fails; then the failures are raised together, in item order.
    """
    items = list(items)
    workers = max(1, min(jobs or jobs_default(), len(items)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, item) for item in items]
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        if len(errors) == 1 or not all(isinstance(e, ReportError) for e in errors):
            raise errors[0]
        raise ReportError("\n\n".join(str(e) for e in errors))
    return [f.result() for f in futures]


@functools.cache
def _exporter_class() -> type:
    """nbconvert's HTML exporter without its BeautifulSoup pass over the finished page.

    That pass only adds image alt text and keyboard focus, and took about 8 s
    on a 5 MB page; :func:`review.reportpage.enhance` adds both in its own
    single pass over the page. Everything else is nbconvert's own code.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReviewerExporter(HTMLExporter):  # type: ignore[misc]
        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReviewerExporter


def export_page(nb: nbformat.NotebookNode, title: str, footer: str, keys: list[str] | None = None) -> str:
    """A reviewer's HTML page: outputs and markdown only, self-contained, links to .ipynb made .html."""
    exporter = _exporter_class()(
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
    top = furthest_from_evidence(res.verdicts, wb.claims, scales=wb.scales)
    return {
        "articles": len(wb.sources),
        "claims": len(wb.claims),
        "outcomes": int(wb.claims["outcome_id"].nunique()),
        "studies": len(wb.studies),
        "verdicts": verdict_counts(res.verdicts, wb.scales).to_dict("records"),
        "top": top.to_dict("records"),
        "certainty": [(wb.scales.rated(c), wb.scales.implications[c]) for c in reversed(wb.scales.levels)],
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


#: stands for the page footer in cached pages; the footer names the commit, which changes more often than the page
FOOTER_TOKEN = "@@review-footer@@"


@dataclass(frozen=True)
class PageBuild:
    """One notebook's exported page (footer still a token), and whether it came from the cache."""

    page: Page
    html: str
    cached: bool


def notebook_digest(path: Path) -> str:
    """Digest of what a notebook *does*: its cells' types and sources and its kernel, not its stored outputs."""
    nb = nbformat.read(path, as_version=4)
    cells = [(c.cell_type, c.source) for c in nb.cells]
    return cache.sha256_bytes(json.dumps([path.name, cells, nb.metadata.get("kernelspec", {})]).encode())


def input_digests(root: Path, names: Iterable[str]) -> dict[str, str]:
    """Current digest of each traced input: a workbook-relative file, or ``*`` for every data file and article."""
    out: dict[str, str] = {}
    for name in sorted(set(names)):
        if name == ALL_INPUTS:
            files = data_files(root)
            archive = archive_dir(root)
            parts = cache.digest_files(files, root)
            if archive.is_dir():
                parts.update({f"archive/{k}": v for k, v in cache.digest_files([p for p in archive.iterdir() if p.is_file()], archive).items()})
            out[name] = cache.combine(parts)
        else:
            p = root / name
            out[name] = cache.sha256_bytes(p.read_bytes()) if p.is_file() else "missing"
    return out


class PageCache:
    """Exported pages by notebook, keyed on the notebook, the code, and the inputs the notebook used last time."""

    def __init__(self, root: Path, keys: list[str]):
        self.root = root
        self.dir = cache.cache_dir(root) / "pages"
        self.base = cache.combine({
            "code": cache.code_digest([root / "requirements.lock", root / "pyproject.toml"]),
            "config": cache.sha256_bytes((root / "workbook.toml").read_bytes()) if (root / "workbook.toml").is_file() else "",
            "bibkeys": cache.sha256_bytes("\n".join(keys).encode()),  # pages link every bib key they mention
        })

    def _path(self, notebook: Path) -> Path:
        return self.dir / f"{notebook.stem}-{cache.combine({'base': self.base, 'nb': notebook_digest(notebook)})[:24]}.json"

    def get(self, notebook: Path) -> PageBuild | None:
        """The cached page, if every input it used still has the digest it had; None otherwise."""
        record = cache.read_json(self._path(notebook))
        if not isinstance(record, dict) or not isinstance(record.get("inputs"), dict):
            return None
        if input_digests(self.root, record["inputs"]) != record["inputs"]:
            return None
        return PageBuild(Page(**record["page"]), record["html"], True)

    def put(self, notebook: Path, build: PageBuild, used: Iterable[str]) -> None:
        record = {"page": build.page.__dict__, "html": build.html, "inputs": input_digests(self.root, used)}
        path = self._path(notebook)
        for old in self.dir.glob(f"{notebook.stem}-*.json"):  # one entry per notebook version is enough
            if old != path:
                old.unlink(missing_ok=True)
        cache.write_json(path, record)


def _build_page(path: Path, root: Path, keys: list[str], work: Path) -> tuple[PageBuild, list[str]]:
    """Execute one notebook (tracing its inputs) and export its page; return the page and the inputs used."""
    trace = work / f"{path.stem}.inputs"
    trace.write_text("", encoding="utf-8")
    nb = execute(path, root, trace=trace)
    used = trace.read_text(encoding="utf-8").split()
    title, summary = notebook_title(nb, path.stem)
    page = Page(path.name, path.with_suffix(".html").name, title, summary)
    return PageBuild(page, export_page(nb, title, FOOTER_TOKEN, keys), False), used


def build_reports(root: Path, out: Path, jobs: int | None = None, use_cache: bool = True) -> Path:
    """Execute the notebooks and write the reports to ``out``; return the index path.

    Refuses to run on a workbook with problems. A notebook whose inputs (its
    cells, the package code, and the data files and bibliography it read last
    time) are unchanged is not executed again: its page comes from
    ``build/cache``. The others execute in parallel, one per core. Everything
    is written into a temporary folder beside ``out`` and swapped in only when
    every page succeeded.
    """
    out = check_report_folder(out, root)  # before any work: never replace a folder the build did not write
    wb = load_workbook(root)
    notebooks = notebook_paths(root)
    if not notebooks:
        raise WorkbookError([Problem("notebooks", 0, "", "no notebooks named NN-verb-object.ipynb found")])
    commit = git_commit(root)
    data_id = fingerprint(data_files(root), root)
    footer = f"Built from commit {commit}, data {data_id} (SHA-256 of data/ and references.bib)."
    keys = sorted(wb.bib.entries)
    from .citations import warm_cache

    warm_cache(wb.bib)  # format every reference once, before the kernels need them
    pages_cache = PageCache(root, keys)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-{os.getpid()}-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; reports are for reading
    work = Path(tempfile.mkdtemp(prefix="review-traces-"))  # outside the workbook: the kernels record what they read in it
    try:
        found = {p: pages_cache.get(p) if use_cache else None for p in notebooks}

        def run(path: Path) -> PageBuild:
            build, used = _build_page(path, root, keys, work)
            pages_cache.put(path, build, used)
            return build

        missing = [p for p in notebooks if found[p] is None]
        fresh = dict(zip(missing, parallel(run, missing, jobs)))
        builds = [found[p] or fresh[p] for p in notebooks]
        for b in builds:
            _write(tmp / b.page.html_name, b.html.replace(FOOTER_TOKEN, html.escape(footer)))
        _write(tmp / "references.html", render_references(wb.bib, keys, footer))
        _write(tmp / REPORT_MARKER, "Written by `review report`; a later build may replace this folder.\n")
        _write(tmp / "index.html", render_index([b.page for b in builds], commit, data_id, executive_summary(wb)))
        _swap(tmp, out)
        log = {"executed": [b.page.notebook for b in builds if not b.cached], "cached": [b.page.notebook for b in builds if b.cached]}
        cache.write_json(cache.cache_dir(root) / "last-build.json", log)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out / "index.html"


def _remove_abandoned(out: Path) -> None:
    """Delete half-built report folders left by builds that were killed (their process no longer exists)."""
    for folder in out.parent.glob(f".{out.name}.building-*"):
        m = re.match(rf"\.{re.escape(out.name)}\.building-(\d+)-", folder.name)
        if not m:
            continue
        try:
            alive = psutil.Process(int(m.group(1))).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        except psutil.Error:
            alive = True  # cannot tell (another user's process): leave it
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)


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
