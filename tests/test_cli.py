"""The command line as a researcher uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    "command",
    [["validate"], ["grade"], ["report"], ["execute"], ["execute", "01-catalogue-claims.ipynb"], ["intake", "ARTICLE", "--source-id", "S9"]],
    ids=lambda c: "-".join(c[:2]),
)
def test_a_workbook_toml_syntax_error_is_one_message_from_every_command(workbook: Path, tmp_path: Path, command: list[str], capsys):
    """(synth is left out: it reads only the template's frameworks and notebooks, never its settings.)"""
    (workbook / "workbook.toml").write_text('treatment = "microneedling"\ntitle = Microneedling claims\n', encoding="utf-8")
    before = snapshot(workbook)
    (tmp_path / "article.txt").write_text("Microneedling erases every scar in one session.\n", encoding="utf-8")
    argv = [a.replace("ARTICLE", str(tmp_path / "article.txt")) for a in command]
    assert main([argv[0], "--root", str(workbook), *argv[1:]]) == 1
    out, err = capsys.readouterr()
    if command[0] == "validate":  # validate lists problems on stdout, one a line
        assert "workbook.toml:2: not valid TOML: Invalid value; see https://toml.io (strings need double quotes)" in out.splitlines(), out
    else:
        assert err.startswith(f"review {command[0]}: the workbook has 1 problem; fix it and run again:\n  workbook.toml:2: not valid TOML: "), err
    assert "Traceback" not in out + err
    assert snapshot(workbook) == before



@pytest.mark.parametrize("scale", ["0", "-3", "two"])
def test_synth_scale_must_be_a_whole_number(scale: str, tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["synth", "--scale", scale, "--out", str(tmp_path / "s")])
    assert exit_.value.code == 2  # argparse's usage error
    assert f"argument --scale: {scale!r} is not a whole number >= 1" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_synth_into_an_existing_folder_is_one_line(tmp_path: Path, capsys):
    assert main(["synth", "--scale", "1", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"review synth: {tmp_path} already exists; choose a new folder\n"
