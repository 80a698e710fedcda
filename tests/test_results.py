"""`review grade` output: written together or not at all, safe to open in a spreadsheet, safe to run twice at once."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import snapshot

from review.cli import main
from review.outdir import GRADE_MARKER, csv_bytes

GRADE_FILES = ("grades.csv", "verdicts.csv", "citation_checks.csv", "quantity_checks.csv")


def review_cmd() -> list[str]:
    script = Path(sys.executable).with_name("review")
    return [str(script)] if script.exists() else [sys.executable, "-m", "review.cli"]


def test_a_failed_write_leaves_the_previous_set_intact(workbook: Path, tmp_path: Path):
    """A file-size limit (RLIMIT_FSIZE) makes the largest CSV fail mid-write, as a full disk would."""
    out = tmp_path / "grades"
    assert main(["grade", "--root", str(workbook), "--out", str(out)]) == 0
    sizes = {name: (out / name).stat().st_size for name in os.listdir(out) if name.endswith(".csv")}
    for name in sizes:  # a recognisable previous set: any file replaced by the failed run shows
        (out / name).write_text(f"previous {name}\n", encoding="utf-8")
    before = snapshot(out)
    limit = max(sizes.values()) - 1

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(review_cmd() + ["grade", "--root", str(workbook), "--out", str(out)], capture_output=True, text=True, preexec_fn=small_files, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) <= 3 and lines[0].startswith(f"review grade: cannot write {out}"), proc.stderr
    assert "File too large" in proc.stderr and "free some space" in proc.stderr
    assert snapshot(out) == before  # no partial .tmp, no mix of old and new files


def test_disk_full_is_a_message_naming_the_file(workbook: Path, tmp_path: Path, monkeypatch, capsys):
    import errno

    from review import outdir

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outdir, "_write_fd", full)
    out = tmp_path / "grades"
    assert main(["grade", "--root", str(workbook), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"review grade: cannot write {out}") and "No space left on device; free some space" in err
    assert sorted(os.listdir(out)) == []  # nothing half-written, not even the marker


def test_another_runs_temporary_file_is_not_in_the_way(workbook: Path, tmp_path: Path):
    """Two `review grade` runs at once: each writes its own temporary names."""
    out = tmp_path / "grades"
    assert main(["grade", "--root", str(workbook), "--out", str(out)]) == 0
    expected = snapshot(out)
    for name in GRADE_FILES:  # where a fixed temporary name would put the other run's files
        (out / f".{name}.tmp").mkdir()
    assert main(["grade", "--root", str(workbook), "--out", str(out)]) == 0
    assert {k: v for k, v in snapshot(out).items() if not k.endswith(".tmp")} == expected


def test_two_concurrent_grades_both_succeed(workbook: Path, tmp_path: Path):
    out = tmp_path / "grades"
    cmd = review_cmd() + ["grade", "--root", str(workbook), "--out", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert set(GRADE_FILES) | {GRADE_MARKER} <= set(os.listdir(out))
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', "'=HYPERLINK(\"http://x\")"),
        ("+1 (555) 010", "'+1 (555) 010"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("-1.5", "-1.5"),  # a genuine negative number stays a number
        ("+2", "+2"),
        ("plain text", "plain text"),
    ],
)
def test_csv_cells_that_spreadsheets_would_run_are_escaped(cell: str, written: str):
    """OWASP's CSV-injection advice: a cell starting with = + - @ tab or CR gets a leading single quote."""
    text = csv_bytes(pd.DataFrame({"note": [cell], "effect": [-0.5]})).decode("utf-8")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back.loc[0, "note"] == written
    assert back.loc[0, "effect"] == "-0.5"  # numeric columns are untouched
