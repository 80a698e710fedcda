"""Building pages: which notebooks make the report, progress lines, failed-cell messages, input tracing."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import copy_workbook, write_notebook

from review.build import ReportError, build_reports, execute, notebook_paths
from review.build.kernels import cell_failure
from review.errors import WorkbookError

NO_ARCHIVE = "no-archive-here"


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    """The real data with one tiny notebook that reads the claims table."""
    root = copy_workbook(tmp_path / "wb", NO_ARCHIVE)
    shutil.rmtree(root / "notebooks")
    (root / "notebooks").mkdir()
    write_notebook(root / "notebooks" / "01-count-claims.ipynb", ["import review\nwb = review.load_workbook()", "len(wb.claims)"], "Claims")
    return root


def test_notebook_paths_accepts_the_naming_pattern(small: Path):
    write_notebook(small / "notebooks" / "00-overview.ipynb", ["1"], "Overview")
    assert [p.name for p in notebook_paths(small)] == ["00-overview.ipynb", "01-count-claims.ipynb"]


@pytest.mark.parametrize("name", ["Untitled.ipynb", "3-grade.ipynb", "03_grade_outcomes.ipynb", "03-Grade-Outcomes.ipynb"])
def test_notebook_paths_rejects_names_off_the_pattern_instead_of_skipping_them(small: Path, name: str):
    write_notebook(small / "notebooks" / name, ["1"], "Stray")
    with pytest.raises(WorkbookError) as info:
        notebook_paths(small)
    assert f"notebooks/{name}: notebook name is not NN-verb-object.ipynb" in str(info.value)
    assert "rename it" in str(info.value)


def test_failed_cell_names_notebook_cell_and_error_first_without_ansi():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("x = 1\ny = x / 0")]
    nb.cells[1].outputs = [nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=["\x1b[0;31m---------\x1b[0m", "Cell \x1b[0;32mIn[2], line 2\x1b[0m", "\x1b[0;32m----> 2\x1b[0m y \x1b[38;5;241m=\x1b[39m x \x1b[38;5;241m/\x1b[39m \x1b[38;5;241m0\x1b[39m", "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
    )]
    message = cell_failure(nb, "notebooks/03-grade-outcomes.ipynb")
    assert message.splitlines()[0] == "notebooks/03-grade-outcomes.ipynb: cell 2 failed: ZeroDivisionError: division by zero"
    assert message.splitlines()[1] == "  failing line: 2 y = x / 0"
    assert "\x1b" not in message


def test_build_says_what_it_executes_and_what_it_reuses(small: Path):
    lines: list[str] = []
    build_reports(small, small / "reports", say=lines.append)
    assert lines[0] == "executing 1/1 01-count-claims …"
    assert lines[1].startswith("  done 01-count-claims (")
    lines.clear()
    build_reports(small, small / "reports", say=lines.append)
    assert lines[0] == "reused 1 cached page and the cached index, claim entries, article scorecards and references"
    assert not any(line.startswith("executing") for line in lines)


def test_kernel_records_the_tables_a_notebook_reads(small: Path, tmp_path: Path):
    trace = tmp_path / "inputs"
    trace.write_text("", encoding="utf-8")
    execute(small / "notebooks" / "01-count-claims.ipynb", small, trace=trace)
    assert trace.read_text(encoding="utf-8").split() == ["data/claims.csv"]


def test_a_failing_cell_raises_report_error_with_the_cell(small: Path):
    write_notebook(small / "notebooks" / "02-break-it.ipynb", ["1 / 0"], "Broken")
    with pytest.raises(ReportError) as info:
        execute(small / "notebooks" / "02-break-it.ipynb", small)
    assert str(info.value).startswith("notebooks/02-break-it.ipynb: cell 2 failed: ZeroDivisionError: division by zero")


def test_kernel_records_direct_reads_of_data_but_not_imports(small: Path, tmp_path: Path):
    write_notebook(small / "notebooks" / "02-read-directly.ipynb", ["import review.citations, seaborn\nopen('../data/sources.csv').read()[:0]"], "Direct")
    trace = tmp_path / "inputs"
    trace.write_text("", encoding="utf-8")
    execute(small / "notebooks" / "02-read-directly.ipynb", small, trace=trace)
    assert trace.read_text(encoding="utf-8").split() == ["data/sources.csv"]


def test_notebooks_start_longest_first_by_last_time_then_by_size(tmp_path: Path):
    from review.build.kernels import longest_first

    paths = []
    for name, size in (("00-a.ipynb", 10), ("01-b.ipynb", 5000), ("02-c.ipynb", 300), ("03-d.ipynb", 20)):
        (tmp_path / name).write_text("x" * size, encoding="utf-8")
        paths.append(tmp_path / name)
    # timed ones first, longest first; then the others by file size (their stored outputs), largest first
    assert [p.name for p in longest_first(paths, {"00-a.ipynb": 2.0, "03-d.ipynb": 9.5})] == ["03-d.ipynb", "00-a.ipynb", "01-b.ipynb", "02-c.ipynb"]
    assert [p.name for p in longest_first(paths, {})] == ["01-b.ipynb", "02-c.ipynb", "03-d.ipynb", "00-a.ipynb"]


def test_build_records_how_long_each_notebook_took_for_the_next_build(small: Path):
    from review import cache
    from review.build.reports import last_seconds

    build_reports(small, small / "reports")
    seconds = last_seconds(cache.cache_dir(small) / "last-build.json")
    assert list(seconds) == ["01-count-claims.ipynb"] and seconds["01-count-claims.ipynb"] > 0


def _tag(path: Path, index: int, tag: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[index].metadata["tags"] = [tag]
    nbformat.write(nb, path)


CHART_CELL = (
    "from matplotlib.figure import Figure\nfrom review import theme\ntheme.setup_notebook()\n"
    "fig = Figure(figsize=(2, 1))\nfig.subplots().plot([0, 1], [0, 1])\nfig.get_axes()[0].set_title('a line for the index')\nfig"
)


def test_index_shows_the_chart_of_the_tagged_cell_drawn_once_in_its_kernel(small: Path):
    import base64
    import re

    from review.build.notebooks import FRONT_CHART_TAG

    path = small / "notebooks" / "01-count-claims.ipynb"
    write_notebook(path, ["import review\nwb = review.load_workbook()", "len(wb.claims)", CHART_CELL], "Claims")
    _tag(path, 3, FRONT_CHART_TAG)
    build_reports(small, small / "reports")
    index = (small / "reports" / "index.html").read_text(encoding="utf-8")
    png, alt = re.search(r'<img src="data:image/png;base64,([^"]*)" alt="([^"]*)"', index).groups()
    assert base64.b64decode(png).startswith(b"\x89PNG")
    assert "a line for the index" in alt  # the notebook's own alt text, escaped into the page
    page = (small / "reports" / "01-count-claims.html").read_text(encoding="utf-8")
    assert png in page.replace("\n", "")  # the very image the notebook page shows
    build_reports(small, small / "reports")  # from the cache: the chart comes with the cached page
    assert (small / "reports" / "index.html").read_text(encoding="utf-8") == index


def test_a_tagged_cell_without_a_chart_stops_the_build_and_keeps_the_reports(small: Path):
    from review.build.notebooks import FRONT_CHART_TAG

    build_reports(small, small / "reports")
    before = (small / "reports" / "index.html").read_text(encoding="utf-8")
    _tag(small / "notebooks" / "01-count-claims.ipynb", 2, FRONT_CHART_TAG)  # len(wb.claims): a number, not a chart
    with pytest.raises(ReportError) as info:
        build_reports(small, small / "reports")
    assert str(info.value).startswith(f"notebooks/01-count-claims.ipynb: the cell tagged {FRONT_CHART_TAG} showed no chart")
    assert (small / "reports" / "index.html").read_text(encoding="utf-8") == before


def test_parallel_runs_then_once_every_item_has_started_and_raises_item_failures_first():
    import threading
    import time

    from review.build import parallel

    started: list[int] = []
    lock = threading.Lock()

    def fn(i: int) -> int:
        with lock:
            started.append(i)
        time.sleep(0.05)
        return i * 2

    seen: list[list[int]] = []
    assert parallel(fn, [1, 2, 3, 4], jobs=2, then=lambda: seen.append(sorted(started))) == [2, 4, 6, 8]
    assert seen == [[1, 2, 3, 4]]  # queued after the items: it never holds a thread a notebook could use

    def fail(i: int) -> int:
        raise ReportError(f"notebook {i} failed")

    def broken() -> None:
        raise ValueError("site pages failed")

    with pytest.raises(ReportError, match="notebook 1 failed"):
        parallel(fail, [1], jobs=2, then=broken)
    with pytest.raises(ValueError, match="site pages failed"):
        parallel(fn, [1], jobs=2, then=broken)


def test_a_kernels_tracer_loads_no_page_building_code():
    """Every traced kernel imports review.build.trace at start-up; nbformat and nbconvert are the build's, not the kernel's."""
    import subprocess
    import sys

    code = "import sys, review.build.trace; print(sorted(m for m in ('nbformat', 'nbconvert', 'nbclient', 'review.build.reports') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_start_order_puts_the_two_longest_on_one_worker_when_that_ends_sooner(tmp_path: Path):
    from review.build.kernels import finish_time, longest_first, start_order

    seconds = {"00-a.ipynb": 2.0, "01-b.ipynb": 2.8, "02-c.ipynb": 4.4, "03-d.ipynb": 3.5, "04-e.ipynb": 3.2}
    paths = [tmp_path / name for name in seconds]
    lpt = longest_first(paths, seconds)
    assert finish_time([seconds[p.name] for p in lpt], 2) == pytest.approx(8.7)  # 4.4 + 2.8 and 3.5 + 3.2 + 2.0
    order = start_order(paths, seconds, 2)
    assert sorted(order) == sorted(paths)
    assert finish_time([seconds[p.name] for p in order], 2) == pytest.approx(8.0)  # 4.4 + 3.5 and 3.2 + 2.8 + 2.0
    # on one worker, or with a worker per notebook, every order ends together: longest first is kept
    assert start_order(paths, seconds, 1) == lpt
    assert start_order(paths, seconds, 5) == lpt
    # a notebook never timed: no basis for a search, so longest first (then by file size)
    for p in paths:
        p.write_text("x", encoding="utf-8")
    partly = {k: v for k, v in seconds.items() if k != "01-b.ipynb"}
    assert start_order(paths, partly, 2) == longest_first(paths, partly)


def test_start_order_leaves_room_for_the_site_pages_queued_after_the_notebooks(tmp_path: Path):
    from review.build.kernels import finish_time, start_order

    seconds = {"00-a.ipynb": 1.9, "01-b.ipynb": 3.0, "02-c.ipynb": 6.3, "03-d.ipynb": 3.9, "04-e.ipynb": 3.6}
    paths = [tmp_path / name for name in seconds]
    blind = start_order(paths, seconds, 2)  # 6.3 + 3.0 and 3.9 + 3.6 + 1.9: both workers free at 9.3-9.4
    aware = start_order(paths, seconds, 2, then=2.0)  # the 2 s pages need a worker free early
    assert finish_time([seconds[p.name] for p in blind], 2, then=2.0) == pytest.approx(11.3)
    assert finish_time([seconds[p.name] for p in aware], 2, then=2.0) == pytest.approx(10.5)


def test_build_records_how_long_its_own_pages_took_for_the_next_order(small: Path):
    from review import cache
    from review.build.reports import last_site_seconds

    log = cache.cache_dir(small) / "last-build.json"
    assert last_site_seconds(log) == 0.0
    build_reports(small, small / "reports")
    made = last_site_seconds(log)
    assert made > 0
    build_reports(small, small / "reports")  # pages reused: the time they took when made is kept
    assert last_site_seconds(log) == made


def test_finish_time_starts_each_job_on_the_first_free_worker():
    from review.build.kernels import finish_time

    assert finish_time([3.0, 1.0, 1.0, 1.0], 2) == 3.0  # the three short ones follow each other on the second worker
    assert finish_time([1.0, 1.0, 3.0], 2) == 4.0
    assert finish_time([2.0, 2.0], 1) == 4.0
    assert finish_time([3.0, 1.0], 2, then=1.5) == 3.0  # the queued job goes to the worker free at 1.0


def _kernel_processes(at_least: int = 0, at_most: int | None = None) -> set[int]:
    """This process's running kernels; waits (up to 20 s) until at least ``at_least`` and at most ``at_most`` are running.

    A kernel that ran its notebook is shut down in the background, so it may take a moment to go.
    """
    import time

    import psutil

    deadline = time.monotonic() + 20
    while True:
        found = set()
        for p in psutil.Process().children(recursive=True):
            try:
                if "ipykernel" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE:
                    found.add(p.pid)
            except psutil.Error:
                pass
        if (len(found) >= at_least and (at_most is None or len(found) <= at_most)) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_kernel_pool_runs_notebooks_in_kernels_started_ahead_and_records_their_inputs(small: Path, tmp_path: Path):
    from review.build.kernels import KernelPool

    write_notebook(small / "notebooks" / "02-read-sources.ipynb", ["import review\nwb = review.load_workbook()", "len(wb.sources)"], "Sources")
    before = _kernel_processes()
    with KernelPool(small, small / "notebooks", 2, traces=tmp_path) as pool:
        assert len(_kernel_processes(at_least=len(before) + 2) - before) == 2  # started before any notebook is given
        claims, used_claims = pool.execute(small / "notebooks" / "01-count-claims.ipynb")
        sources, used_sources = pool.execute(small / "notebooks" / "02-read-sources.ipynb")
        third, used_third = pool.execute(small / "notebooks" / "01-count-claims.ipynb")  # beyond the two: started when asked
    assert used_claims == used_third == ["data/claims.csv"] and used_sources == ["data/sources.csv"]
    assert claims.cells[-1].outputs[0]["data"]["text/plain"] == third.cells[-1].outputs[0]["data"]["text/plain"]
    assert int(claims.cells[-1].outputs[0]["data"]["text/plain"]) > 100
    assert _kernel_processes() == before  # each kernel shut down after its notebook


def test_kernel_pool_shuts_down_kernels_it_never_used_and_reports_a_failed_cell(small: Path):
    from review.build.kernels import KernelPool

    write_notebook(small / "notebooks" / "02-break-it.ipynb", ["1 / 0"], "Broken")
    before = _kernel_processes()
    with KernelPool(small, small / "notebooks", 3) as pool:  # one more kernel than notebooks
        assert len(_kernel_processes(at_least=len(before) + 3) - before) == 3
        with pytest.raises(ReportError) as info:
            pool.execute(small / "notebooks" / "02-break-it.ipynb")
        assert str(info.value).startswith("notebooks/02-break-it.ipynb: cell 2 failed: ZeroDivisionError: division by zero")
        nb, used = pool.execute(small / "notebooks" / "01-count-claims.ipynb")  # the pool goes on after a failure
    assert used == [] and nb.cells[-1].outputs
    assert _kernel_processes() == before  # the failed notebook's kernel and the unused one: none left behind


def test_a_clean_build_starts_kernels_only_for_notebooks_without_a_cached_page(small: Path):
    from review.build.pagecache import never_cached

    notebook = small / "notebooks" / "01-count-claims.ipynb"
    assert never_cached(small, [notebook]) == [notebook]
    build_reports(small, small / "reports")
    assert never_cached(small, [notebook]) == []  # a rebuild reusing every page starts no kernel for nothing


@pytest.mark.parametrize("when", ["kernel started", "at once"])
def test_closing_the_pool_while_a_notebook_runs_stops_its_kernel_and_frees_the_waiting_thread(small: Path, when: str):
    """An interrupted build must not hang on a notebook whose kernel loop has stopped, nor leave its kernel running.

    Closed "at once", the thread asking for the notebook is usually still waiting for its kernel to start.
    """
    import threading

    from review.build.kernels import KernelPool

    write_notebook(small / "notebooks" / "02-sleep.ipynb", ["import time\ntime.sleep(40)"], "Sleeps")
    before = _kernel_processes()
    pool = KernelPool(small, small / "notebooks", 1)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            pool.execute(small / "notebooks" / "02-sleep.ipynb")
        except BaseException as exc:  # noqa: BLE001 - whatever it is, the thread must end with it
            failed.append(exc)

    waiting = threading.Thread(target=run, daemon=True)  # a regression fails the test, not hangs the run at exit
    waiting.start()
    if when == "kernel started":
        _kernel_processes(at_least=len(before) + 1)
    pool.close()
    waiting.join(timeout=30)
    assert not waiting.is_alive() and len(failed) == 1
    assert _kernel_processes() == before


def test_kernel_pool_starts_the_next_notebooks_kernel_while_one_runs_only_as_many_as_expected(small: Path):
    from review.build.kernels import KernelPool

    notebook = small / "notebooks" / "01-count-claims.ipynb"
    before = _kernel_processes()
    with KernelPool(small, small / "notebooks", 1) as pool:
        pool.expect(3)
        one = len(before) + 1
        pool.execute(notebook)
        assert len(_kernel_processes(at_least=one, at_most=one) - before) == 1  # the second notebook's, started ahead
        pool.execute(notebook)
        assert len(_kernel_processes(at_least=one, at_most=one) - before) == 1  # the third's
        pool.execute(notebook)
        assert _kernel_processes(at_most=len(before)) == before  # three notebooks expected: no fourth kernel
    with KernelPool(small, small / "notebooks", 1) as pool:  # not told of more: one kernel, one notebook
        pool.execute(notebook)
        assert _kernel_processes(at_most=len(before)) == before


def test_a_pool_closed_while_its_kernels_are_still_starting_shuts_them_down(small: Path):
    """A build refused after its kernels were started (a broken workbook) stops them without error and leaves none."""
    from review.build.kernels import KernelPool

    before = _kernel_processes()
    KernelPool(small, small / "notebooks", 2).close()
    assert _kernel_processes() == before
    (small / "data" / "claims.csv").write_text("claim_id\nS0-01\n", encoding="utf-8")
    with pytest.raises(WorkbookError):
        build_reports(small, small / "reports")
    assert _kernel_processes() == before
