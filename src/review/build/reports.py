"""``review report``: execute the notebooks, export their pages, add the build's own pages, swap them in.

Every notebook is executed in a fresh kernel (nbclient) with ``REVIEW_ROOT``
pointing at the workbook, exported with nbconvert without code or prompts,
and written into a temporary folder beside the output. Only when every
notebook succeeded is the old report folder swapped for the new one; a
failure leaves the previous reports untouched and names the notebook and cell.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import cache
from ..errors import Problem, WorkbookError
from ..outdir import REPORT_MARKER, check_report_folder
from ..changes import changes_since, latest_tag
from ..results import compute
from ..workbook import load_workbook
from .execute import Say, execute, quiet, run_with_progress
from .export import export_page
from .notebooks import Page, notebook_paths, notebook_title
from .pagecache import PageBuild, PageCache, data_files
from .site import front_page, popularity_chart, render_articles, render_claims, render_index, render_references, render_whatsnew, site_info
from .swap import building_folder, swap
from .trace import read_trace

#: stands for the page footer in cached pages; the footer names the commit, which changes more often than the page
FOOTER_TOKEN = "@@review-footer@@"


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


def _write(path: Path, text: str) -> None:
    """Write one report file (inside the temporary build folder, so a failure never shows)."""
    path.write_text(text, encoding="utf-8")


def _build_page(path: Path, root: Path, labels: dict[str, str], work: Path) -> tuple[PageBuild, list[str]]:
    """Execute one notebook (tracing its inputs) and export its page; return the page and the inputs used."""
    trace = work / f"{path.stem}.inputs"
    trace.write_text("", encoding="utf-8")
    nb = execute(path, root, trace=trace)
    title, summary = notebook_title(nb, path.stem)
    page = Page(path.name, path.with_suffix(".html").name, title, summary)
    return PageBuild(page, export_page(nb, title, FOOTER_TOKEN, labels), False), read_trace(trace)


def build_reports(root: Path, out: Path, jobs: int | None = None, use_cache: bool = True, say: Say = quiet, since: str | None = None) -> Path:
    """Execute the notebooks and write the reports to ``out``; return the index path.

    Refuses to run on a workbook with problems. A notebook whose inputs (its
    cells, the package code, and the data files and bibliography it read last
    time) are unchanged is not executed again: its page comes from the cache.
    The others execute in parallel, one per core. Everything is written into a
    temporary folder beside ``out`` and swapped in only when every page
    succeeded. ``say`` receives one progress line per step. A "What's new"
    page compares with git revision ``since`` (default: the latest tag; none
    without a tag).
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
    from ..citations import short_citation, warm_cache

    warm_cache(wb.bib)  # format every reference once, before the kernels need them
    labels = {k: short_citation(k, wb.bib) for k in keys}
    pages_cache = PageCache(root, labels)
    tmp = building_folder(out)
    work = Path(tempfile.mkdtemp(prefix="review-traces-"))  # outside the workbook: the kernels record what they read in it
    try:
        found = {p: pages_cache.get(p) if use_cache else None for p in notebooks}
        reused = sum(1 for b in found.values() if b is not None)
        if reused:
            say(f"reused {reused} cached page{'s' if reused != 1 else ''}")

        def run(path: Path) -> PageBuild:
            build, used = _build_page(path, root, labels, work)
            pages_cache.put(path, build, used)
            return build

        missing = [p for p in notebooks if found[p] is None]
        fresh = dict(zip(missing, run_with_progress(run, missing, say, jobs)))
        builds = [found[p] or fresh[p] for p in notebooks]
        say("writing the index, claim entries, article scorecards and references")
        res = compute(wb)
        site = site_info(root, wb, footer)
        for b in builds:
            _write(tmp / b.page.html_name, b.html.replace(FOOTER_TOKEN, html.escape(footer)))
        _write(tmp / "claims.html", render_claims(wb, res, site, labels))
        _write(tmp / "articles.html", render_articles(wb, res, site, labels))
        _write(tmp / "references.html", render_references(wb.bib, keys, site))
        _write(tmp / REPORT_MARKER, "Written by `review report`; a later build may replace this folder.\n")
        ref = since or latest_tag(root)
        if ref:
            say(f"comparing with {ref} for the What's new page")
            try:
                _write(tmp / "whatsnew.html", render_whatsnew(changes_since(root, ref), wb, site, labels))
            except WorkbookError as exc:
                if since:
                    raise  # asked for by name: say why it cannot be done
                say(f"no What's new page: {exc}")
                ref = None
        _write(tmp / "index.html", render_index(wb, [b.page for b in builds], site, front_page(wb, res), popularity_chart(wb, res), labels, whatsnew=bool(ref)))
        swap(tmp, out)
        log = {"executed": [b.page.notebook for b in builds if not b.cached], "cached": [b.page.notebook for b in builds if b.cached]}
        cache.write_json(cache.cache_dir(root) / "last-build.json", log)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out / "index.html"
