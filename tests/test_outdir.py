"""No command deletes or overwrites a folder it did not create (`--out` checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_workbook, snapshot

from review.cli import main
from review.outdir import GRADE_MARKER, REPORT_MARKER, check_grade_folder, check_report_folder
from review.errors import WorkbookError


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return copy_workbook(tmp_path / "wb")


@pytest.mark.parametrize("target", [".", "data", "notebooks", "data/sub", "..", "references.bib"])
def test_report_refuses_the_workbook_its_inputs_and_their_parents(root: Path, target: str, capsys):
    before = snapshot(root.parent)
    assert main(["report", "--root", str(root), "--out", str(root / target)]) == 1
    err = capsys.readouterr().err
    assert "--out:" in err and ("workbook" in err)
    assert snapshot(root.parent) == before


def test_report_refuses_a_folder_of_user_files_and_names_them(root: Path, tmp_path: Path, capsys):
    mine = tmp_path / "my-notes"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"precious")
    assert main(["report", "--root", str(root), "--out", str(mine)]) == 1
    err = capsys.readouterr().err
    assert "thesis.docx" in err and "did not write" in err
    assert (mine / "thesis.docx").read_bytes() == b"precious"


def test_grade_refuses_data_and_user_folders(root: Path, tmp_path: Path, capsys):
    before = snapshot(root)
    assert main(["grade", "--root", str(root), "--out", str(root / "data")]) == 1
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "grades.csv").write_text("my own grades\n")
    assert main(["grade", "--root", str(root), "--out", str(mine)]) == 1
    assert (mine / "grades.csv").read_text() == "my own grades\n"
    assert snapshot(root) == before
    assert "did not write" in capsys.readouterr().err


def test_allowed_folders(root: Path, tmp_path: Path):
    missing = tmp_path / "new" / "reports"
    assert check_report_folder(missing, root) == missing.resolve()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_report_folder(empty, root) == empty.resolve()
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / REPORT_MARKER).write_text("")
    (previous / "index.html").write_text("")
    assert check_report_folder(previous, root) == previous.resolve()
    legacy = tmp_path / "legacy"  # written before the marker existed: only report pages
    legacy.mkdir()
    for name in ("index.html", "references.html", "03-grade-outcomes.html"):
        (legacy / name).write_text("")
    assert check_report_folder(legacy, root) == legacy.resolve()
    assert check_grade_folder(root / "build", root) == (root / "build").resolve()
    graded = tmp_path / "graded"
    graded.mkdir()
    (graded / GRADE_MARKER).write_text("")
    (graded / "grades.csv").write_text("")
    assert check_grade_folder(graded, root) == graded.resolve()


def test_a_file_is_not_a_folder(root: Path, tmp_path: Path):
    f = tmp_path / "out.html"
    f.write_text("x")
    with pytest.raises(WorkbookError, match="is a file"):
        check_report_folder(f, root)


def test_grade_twice_into_its_own_folder(root: Path, tmp_path: Path):
    out = tmp_path / "g"
    assert main(["grade", "--root", str(root), "--out", str(out)]) == 0
    assert (out / GRADE_MARKER).exists()
    assert main(["grade", "--root", str(root), "--out", str(out)]) == 0
