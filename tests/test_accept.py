"""review intake --accept: accepted candidates join the workbook, all or nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conftest import SEEDS, copy_workbook, snapshot
from review.accept import _next_ids
from review.cli import main
from review.workbook import check_workbook

ARTICLE = """Microneedling for acne scars

Microneedling can reduce acne scars after 3 sessions. It is completely safe.

Some redness may last for 2 days.
"""


@pytest.fixture()
def wb(tmp_path: Path) -> Path:
    """A copy of the workbook whose archive is a writable copy of the seeds."""
    archive = tmp_path / "archive"
    archive.mkdir()
    for f in SEEDS.iterdir():
        (archive / f.name).write_bytes(f.read_bytes())
    return copy_workbook(tmp_path / "wb", archive)


def propose(wb: Path, tmp_path: Path, source_id: str = "S5") -> Path:
    article = tmp_path / "acne-article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert main(["intake", str(article), "--source-id", source_id, "--root", str(wb)]) == 0
    return wb / "build" / "intake" / f"{source_id}.csv"


def edit(path: Path, change: dict[int, dict[str, str]], default: dict[str, str] | None = None) -> None:
    """Set cells of the candidates CSV: ``change[i]`` for data row i, ``default`` for every row."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for i, row in enumerate(rows):
        row.update(default or {})
        row.update(change.get(i, {}))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def claims(wb: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((wb / "data" / "claims.csv").read_text(encoding="utf-8"))))


def test_accept_adds_accepted_rows_with_fresh_ids_and_the_article(wb: Path, tmp_path: Path) -> None:
    cands = propose(wb, tmp_path)
    edit(cands, {0: {"accept": "yes", "statement": "Microneedling reduces acne scars."}, 2: {"accept": "yes", "statement": "Microneedling causes redness for two days."}}, {"accept": "no"})
    before = len(claims(wb))
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 0
    rows = claims(wb)
    assert len(rows) == before + 2
    assert [r["claim_id"] for r in rows[-2:]] == ["S5-01", "S5-02"]
    assert rows[-2]["quote"] == "Microneedling can reduce acne scars after 3 sessions." and rows[-2]["outcome_id"] == "acne_scars"
    assert (wb / "data" / "sources.csv").read_text(encoding="utf-8").splitlines()[-1].startswith("S5,")
    assert (tmp_path / "archive" / "acne-article.txt").read_text(encoding="utf-8") == ARTICLE
    assert check_workbook(wb).problems == []


def test_accept_continues_an_articles_sequence(wb: Path, tmp_path: Path) -> None:
    cands = propose(wb, tmp_path)
    edit(cands, {0: {"accept": "yes", "statement": "Microneedling reduces acne scars."}})
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 0
    edit(cands, {0: {"accept": "no"}, 1: {"accept": "yes", "statement": "Microneedling is completely safe."}})
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 0
    assert [r["claim_id"] for r in claims(wb) if r["source_id"] == "S5"] == ["S5-01", "S5-02"]
    assert _next_ids("S0", ["S0-01", "S0-31", "S1-40"], 2) == ["S0-32", "S0-33"]
    assert _next_ids("S7", ["S7-009"], 1) == ["S7-010"]


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"outcome_id": "acne_scar"}, "outcome_id", "unknown value 'acne_scar'; allowed: any outcome_id listed in data/outcomes.csv; did you mean acne_scars"),
        ({"wording": "strong"}, "wording", "value 'strong' is not allowed; allowed: hedged, plain, absolute"),
        ({"quote": "Microneedling cures acne scars."}, "quote", "quote 'Microneedling cures acne scars.' does not occur in article S5; quotes must be verbatim"),
        ({"statement": ""}, "statement", "is empty; a value is required"),
        ({"accept": "maybe"}, "accept", "value 'maybe' is not allowed; allowed: yes, no"),
    ],
)
def test_accept_rejects_a_bad_row_and_writes_nothing(wb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], column: str, message: str) -> None:
    cands = propose(wb, tmp_path)
    good = {"accept": "yes", "statement": "Microneedling reduces acne scars."}
    edit(cands, {0: good, 2: {**good, **change}})
    before, archive = snapshot(wb), snapshot(tmp_path / "archive")
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 1
    err = capsys.readouterr().err
    assert f"{cands}:4: {column}: {message}" in err, err
    assert snapshot(wb) == before and snapshot(tmp_path / "archive") == archive


def test_accept_refuses_the_suggested_statement(wb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cands = propose(wb, tmp_path)
    edit(cands, {0: {"accept": "yes"}})
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 1
    assert f"{cands}:2: statement: is still the suggested placeholder" in capsys.readouterr().err


def test_accept_with_a_read_only_archive_writes_nothing(wb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cands = propose(wb, tmp_path)
    edit(cands, {0: {"accept": "yes", "statement": "Microneedling reduces acne scars."}})
    # a shared, read-only archive (as root, chmod does not stop writes, so the permission check is what is tested)
    monkeypatch.setattr("review.accept.os.access", lambda path, mode: False)
    before = snapshot(wb)
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 1
    assert "the archive folder cannot be written to; copy" in capsys.readouterr().err
    assert snapshot(wb) == before and not (tmp_path / "archive" / "acne-article.txt").exists()


def test_accept_refuses_rows_accepted_before(wb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cands = propose(wb, tmp_path)
    edit(cands, {0: {"accept": "yes", "statement": "Microneedling reduces acne scars."}})
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 0
    before = snapshot(wb)
    assert main(["intake", "--accept", str(cands), "--root", str(wb)]) == 1
    assert f"{cands}:2: accept: this quote and outcome are already claim S5-01 (accepted before?)" in capsys.readouterr().err
    assert snapshot(wb) == before
