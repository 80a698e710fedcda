"""The command line as a researcher uses it."""

from __future__ import annotations

from pathlib import Path

from conftest import snapshot

from review.cli import main


def test_validate_passes_on_the_real_workbook(capsys):
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("workbook is valid:")


def test_validate_fails_with_path_row_column_messages(workbook: Path, capsys):
    path = workbook / "data" / "outcomes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",efficacy,", ",beauty,", 1), encoding="utf-8")
    before = snapshot(workbook)
    assert main(["validate", "--root", str(workbook)]) == 1
    out = capsys.readouterr()
    assert "data/outcomes.csv:2: category: value 'beauty' is not allowed; allowed: efficacy, mechanism, safety, cost, procedure, regulatory" in out.out.splitlines()
    assert "1 problem found" in out.err
    assert snapshot(workbook) == before  # validate never writes


def test_validate_reports_missing_folder(tmp_path: Path, capsys):
    assert main(["validate", "--root", str(tmp_path / "nope")]) == 1
    assert "workbook folder does not exist" in capsys.readouterr().err
