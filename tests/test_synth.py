"""The synthetic workbook used for scale benchmarks: the right size, valid, gradable, reproducible, and marked as fake."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, snapshot

from review.bib import read_bib
from review.cli import main
from review.synth import sizes, write_synthetic
from review.workbook import check_workbook


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "wb"
    write_synthetic(out, 3, REPO)
    return out


def test_sizes_grow_with_the_scale():
    s = sizes(100)
    assert (s.claims, s.studies, s.findings, s.bib, s.sources) == (7000, 4000, 10000, 5000, 500)


def test_synthetic_workbook_has_the_promised_rows_and_validates(synth: Path):
    checked = check_workbook(synth)
    assert checked.problems == []
    want = sizes(3)
    rows = {name: len(t.rows) for name, t in checked.tables.items()}
    assert (rows["claims"], rows["studies"], rows["findings"], rows["sources"], rows["outcomes"]) == (
        want.claims, want.studies, want.findings, want.sources, want.outcomes,
    )
    assert len(checked.bib.entries) == want.bib


def test_synthetic_bib_has_latex_accents_and_cannot_pass_for_real(synth: Path):
    text = (synth / "references.bib").read_text(encoding="utf-8")
    assert '{\\"u}' in text and "{\\c{C}}" in text
    bib = read_bib(synth)
    assert all(f["doi"].startswith("10.5555/") and f["note"] == "SYNTHETIC" for f in bib.entries.values())


def test_synthetic_workbook_grades(synth: Path):
    assert main(["grade", "--root", str(synth), "--out", str(synth / "build")]) == 0
    verdicts = (synth / "build" / "verdicts.csv").read_text(encoding="utf-8").splitlines()
    assert len(verdicts) == sizes(3).claims + 1


def test_same_scale_and_seed_give_the_same_files(tmp_path: Path, synth: Path):
    again = tmp_path / "again"
    write_synthetic(again, 3, REPO)
    ours = {k: v for k, v in snapshot(synth).items() if not k.startswith("build/")}
    assert snapshot(again) == ours


def test_synth_refuses_to_overwrite_a_folder(synth: Path):
    with pytest.raises(FileExistsError):
        write_synthetic(synth, 1, REPO)
