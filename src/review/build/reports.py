"""``review report``: execute the notebooks, export their pages, add the build's own pages, swap them in.

Every notebook is executed in a fresh kernel (nbclient) with ``REVIEW_ROOT``
pointing at the workbook, exported with nbconvert without code or prompts,
and written into a temporary folder beside the output. Only when every
notebook succeeded is the old report folder swapped for the new one; a
failure leaves the previous reports untouched and names the notebook and cell.

The first kernels start before the workbook is loaded (for notebooks with no
cached page, which will certainly run), the notebooks run in the order that
last build's times say ends soonest, and the build's own pages
(index, claims, articles, references, What's new) are made on the first
worker free after the last notebook starts, and both kinds of page are reused
from the cache while their inputs are unchanged.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat

from .. import cache
from ..errors import Problem, ReportError, WorkbookError
from ..gitinfo import commit_of, head_commit, last_commit_date, latest_tag
from ..outdir import REPORT_MARKER, check_report_folder
from ..workbook import load_workbook
from .kernels import KernelPool, Say, jobs_default, quiet, run_with_progress, start_order
from .export import export_page
from .notebooks import FRONT_CHART_TAG, front_chart, has_front_chart, notebook_paths, page_of
from .pagecache import PageBuild, PageCache, SiteCache, data_files, never_cached
from .swap import building_folder, swap

#: stands for the page footer in cached pages; the footer names the commit, which changes more often than the page
FOOTER_TOKEN = "@@review-footer@@"
#: stand for the index's chart (PNG, alt text) until the notebook drawing it has run
CHART_TOKENS = ("@@front-chart-png@@", "@@front-chart-alt@@")


def fingerprint(paths: list[Path], root: Path) -> str:
    """A short SHA-256 over the files' relative names and contents."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:12]


def last_seconds(log_path: Path) -> dict[str, float]:
    """How long each notebook took when it last executed, from the last build's log (empty when there is none)."""
    log = cache.read_json(log_path)
    seconds = log.get("seconds") if isinstance(log, dict) else None
    if not isinstance(seconds, dict):
        return {}
    return {str(k): float(v) for k, v in seconds.items() if isinstance(v, (int, float))}


def last_site_seconds(log_path: Path) -> float:
    """How long the build's own pages took when they were last made (0 when never recorded)."""
    log = cache.read_json(log_path)
    value = log.get("site_seconds") if isinstance(log, dict) else None
    return float(value) if isinstance(value, (int, float)) else 0.0


def _write(path: Path, text: str) -> None:
    """Write one report file (inside the temporary build folder, so a failure never shows)."""
    path.write_text(text, encoding="utf-8")


def _export(path: Path, nb: nbformat.NotebookNode, labels: dict[str, str], review: str) -> PageBuild:
    """An executed notebook's page (``review``: the review's title, for its link back), and the chart it gives the index."""
    page = page_of(path, nb)
    return PageBuild(page, export_page(nb, page.title, FOOTER_TOKEN, labels, review), False, front_chart(nb))


def build_reports(root: Path, out: Path, jobs: int | None = None, use_cache: bool = True, say: Say = quiet, since: str | None = None) -> Path:
    """Execute the notebooks and write the reports to ``out``; return the index path.

    Refuses to run on a workbook with problems. A notebook whose inputs (its
    cells, the package code, and the data files and bibliography it read last
    time) are unchanged is not executed again: its page comes from the cache.
    The others execute in parallel, one per core, in the order that ends soonest
    by the last build's times (:func:`~review.build.kernels.start_order`). Everything
    is written into a temporary folder beside ``out`` and swapped in only when
    every page succeeded. ``say`` receives one progress line per step. A
    "What's new" page compares with git revision ``since`` (default: the
    latest tag; none without a tag).
    """
    out = check_report_folder(out, root)  # before any work: never replace a folder the build did not write
    notebooks = notebook_paths(root)
    if not notebooks:
        raise WorkbookError([Problem("notebooks", 0, "", "no notebooks named NN-verb-object.ipynb found")])
    work = Path(tempfile.mkdtemp(prefix="review-traces-"))  # outside the workbook: the kernels record what they read in it
    # kernels for notebooks that will certainly run (no cached page at all) start now and get ready (about 0.6 s
    # each) while the workbook loads. Not for the others: a rebuild that reuses every page would start and stop
    # kernels for nothing (0.45 s more on a 0.7 s rebuild)
    certain = len(notebooks) if not use_cache else len(never_cached(root, notebooks))
    kernels = KernelPool(root, notebooks[0].parent, min(jobs or jobs_default(), len(notebooks)), traces=work, expected=certain)
    try:
        return _build(root, out, notebooks, kernels, jobs, use_cache, say, since)
    finally:
        kernels.close()
        shutil.rmtree(work, ignore_errors=True)


def _build(
    root: Path, out: Path, notebooks: list[Path], kernels: KernelPool, jobs: int | None, use_cache: bool, say: Say, since: str | None,
) -> Path:
    """:func:`build_reports` once its kernels have started: load, execute what changed, export, swap in."""
    wb = load_workbook(root)
    footer = f"Built from commit {head_commit(root)}, data {fingerprint(data_files(root), root)} (SHA-256 of data/ and references.bib)."
    log_path = cache.cache_dir(root) / "last-build.json"
    earlier = last_seconds(log_path)
    from ..citations import citation_labels, warm_cache

    # every reference is formatted once, into the cache, before any notebook runs, and the kernels read it back.
    # Formatting them while the notebooks start saved 0.25 s here, but a notebook that reached a citation first (a
    # 5,000-entry bibliography takes 11 s to format) would format them all again itself. The kernels started
    # already run no notebook until then
    warm_cache(wb.bib)
    labels = citation_labels(wb.bib)
    pages_cache = PageCache(root, labels)
    sources = {p: nbformat.read(p, as_version=4) for p in notebooks}
    pages = [page_of(p, nb) for p, nb in sources.items()]
    chart_from = [p for p, nb in sources.items() if has_front_chart(nb)]  # the index shows this notebook's chart, not a second drawing
    compare = since or latest_tag(root)
    site_cache = SiteCache(pages_cache, {
        "pages": json.dumps([p.__dict__ for p in pages]),
        "commit_date": last_commit_date(root) or "",  # the date the pages give the data
        "compare": f"{compare} = {commit_of(root, compare)}" if compare else "",
        "required": str(bool(since)),
        "chart": "notebook" if chart_from else "drawn",
    })
    tmp = building_folder(out)
    try:
        found = {p: pages_cache.get(p) if use_cache else None for p in notebooks}
        reused = sum(1 for b in found.values() if b is not None)
        site = site_cache.get() if use_cache else None
        if reused or site is not None:
            said = [f"{reused} cached page{'s' if reused != 1 else ''}"] if reused else []
            said += ["the cached index, claim entries, article scorecards and references"] if site is not None else []
            say(f"reused {' and '.join(said)}")
        seconds: dict[str, float] = {}

        exports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-export")

        def export(path: Path, nb: nbformat.NotebookNode, used: list[str]) -> PageBuild:
            build = _export(path, nb, labels, wb.settings.review_title)
            pages_cache.put(path, build, used)
            return build

        def run(path: Path) -> Future[PageBuild]:
            nb, used = kernels.execute(path)
            return exports.submit(export, path, nb, used)  # on its own thread: this worker starts the next kernel now

        made: list[dict[str, str]] = []
        site_seconds: list[float] = []

        def make_site() -> None:
            # imported only now that the kernels have started: grading takes a second to import.
            # IPython first: matplotlib reads sys.modules["IPython"] directly, and another worker exporting
            # a page may be importing IPython at this moment (the import lock makes this line wait for it).
            import IPython  # noqa: F401

            from .site import site_pages

            start = time.perf_counter()
            made.append(site_pages(root, wb, pages, labels, FOOTER_TOKEN, compare, bool(since), say, CHART_TOKENS if chart_from else None))
            site_cache.put(made[0])
            site_seconds.append(round(time.perf_counter() - start, 2))

        # ordered with the site pages in the plan: they go to the first worker free once every notebook has started
        earlier_site = last_site_seconds(log_path)
        missing = start_order([p for p in notebooks if found[p] is None], earlier, jobs or jobs_default(), earlier_site if site is None else 0.0)
        kernels.expect(len(missing))
        # the build's own pages need no notebook: they are made on the first worker free after the last notebook starts
        try:
            exporting = run_with_progress(run, missing, say, jobs, then=make_site if site is None else None, seconds=seconds)
            fresh = {p: f.result() for p, f in zip(missing, exporting)}
        finally:
            exports.shutdown(wait=True, cancel_futures=True)
        builds = [found[p] or fresh[p] for p in notebooks]
        if site is None:
            (site,) = made
            say("writing the index, claim entries, article scorecards and references")
        tokens = {FOOTER_TOKEN: html.escape(footer)}
        if chart_from:
            chart = next((b.front_chart for b in builds if b.front_chart), None)
            if chart is None:
                where = ", ".join(f"notebooks/{p.name}" for p in chart_from)
                raise ReportError(f"{where}: the cell tagged {FRONT_CHART_TAG} showed no chart (PNG) for the index; make it return a figure, or remove the tag")
            tokens |= {CHART_TOKENS[0]: chart[0], CHART_TOKENS[1]: html.escape(chart[1])}
        for name, text in [*((b.page.html_name, b.html) for b in builds), *site.items()]:
            for token, value in tokens.items():
                text = text.replace(token, value)
            _write(tmp / name, text)
        _write(tmp / REPORT_MARKER, "Written by `review report`; a later build may replace this folder.\n")
        swap(tmp, out)
        log = {
            "executed": [b.page.notebook for b in builds if not b.cached],
            "cached": [b.page.notebook for b in builds if b.cached],
            # how long each notebook took, kept from earlier builds: the next build orders the notebooks by them
            "seconds": dict(sorted({**earlier, **seconds}.items())),
            "site_seconds": site_seconds[0] if site_seconds else earlier_site,
        }
        cache.write_json(log_path, log)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"
