"""No lost work: builds are deterministic, write only what they say, and an interrupted build leaves the old reports."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, snapshot, write_notebook

from review.cli import main
from review.build import ReportError, execute, notebook_paths, parallel

INPUTS = ("data", "references.bib", "notebooks")


def inputs(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if k.split("/")[0] in INPUTS}


def test_every_notebook_gives_identical_outputs_when_executed_twice(workbook: Path):
    paths = notebook_paths(workbook)
    first, second = (parallel(lambda p: nbformat.writes(execute(p, workbook)), paths) for _ in range(2))
    for path, a, b in zip(paths, first, second):
        assert a == b, f"{path.name} gave different outputs on a second run"


def test_grade_twice_writes_byte_identical_files(workbook: Path):
    assert main(["grade", "--root", str(workbook), "--out", str(workbook / "g1")]) == 0
    assert main(["grade", "--root", str(workbook), "--out", str(workbook / "g2")]) == 0
    one, two = snapshot(workbook / "g1"), snapshot(workbook / "g2")
    assert sorted(one) == [".review-grade", "citation_checks.csv", "claim_facets.csv", "grades.csv", "pooled.csv", "quantity_checks.csv", "summary_of_findings.csv", "verdicts.csv"]
    assert one == two


def test_grading_and_reporting_never_write_into_data_bib_or_notebooks(workbook: Path):
    before = inputs(workbook)
    assert main(["grade", "--root", str(workbook)]) == 0
    assert main(["report", "--root", str(workbook)]) == 0
    assert inputs(workbook) == before
    assert (workbook / "reports" / "index.html").is_file()


def test_a_broken_workbook_fails_in_the_notebook_with_the_validation_message_not_a_traceback(workbook: Path):
    path = workbook / "data" / "findings.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",benefit,", ",positive,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReportError) as info:
        execute(workbook / "notebooks" / "01-catalogue-claims.ipynb", workbook)
    message = str(info.value)
    assert "notebooks/01-catalogue-claims.ipynb: cell 3 failed" in message
    assert "data/findings.csv:2: direction: value 'positive' is not allowed; allowed: benefit, no difference" in message
    assert "Fix the file(s) named above" in message
    assert ".py\", line" not in message and "pandas" not in message  # no frames from inside the package or pandas


def test_killing_make_report_mid_way_leaves_the_previous_reports_intact(workbook: Path):
    nbs = workbook / "notebooks"
    shutil.rmtree(nbs)
    nbs.mkdir()
    write_notebook(nbs / "01-read-claims.ipynb", ["import review\nwb = review.load_workbook()", "len(wb.claims)"], "Claims")
    out = workbook / "reports"
    assert main(["report", "--root", str(workbook), "--out", str(out)]) == 0
    good = snapshot(out)
    slow = ["import review\nwb = review.load_workbook()", "import pathlib, time\npathlib.Path(r'%s').touch()\ntime.sleep(60)"]
    started = workbook / "kernel-started"
    write_notebook(nbs / "02-wait.ipynb", [slow[0], slow[1] % started], "Slow")
    proc = subprocess.Popen(
        ["make", "-s", "-C", str(REPO), "report", f"ARGS=--root {workbook} --out {out}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started.exists() and proc.poll() is None, "the build was not running a notebook when it was to be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # make, review and the kernels, as a closed terminal would
        proc.wait()
    assert snapshot(out) == good
    (nbs / "02-wait.ipynb").unlink()
    assert main(["report", "--root", str(workbook), "--out", str(out)]) == 0  # and the next build works
    assert sorted(p.name for p in out.iterdir()) == [".review-report", "01-read-claims.html", "articles.html", "claims.html", "index.html", "references.html"]
    assert not list(workbook.glob(".reports.building-*")), "the killed build's half-written folder was not cleaned up"
