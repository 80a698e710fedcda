"""``review diff REF`` and the What's new page: a temporary git repository, edited after a tag."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from conftest import copy_workbook

from review.changes import changes_since, describe_changes
from review.gitinfo import latest_tag
from review.cli import main
from review.errors import WorkbookError


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args], check=True, capture_output=True)


def rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], data: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(data)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git repository holding the workbook in a subfolder, tagged v1, then edited."""
    top = tmp_path / "repo"
    root = copy_workbook(top / "review", "no-archive-here")
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "v1")
    git(top, "tag", "v1")
    header, claims = rows(root / "data" / "claims.csv")
    gone = claims[-1]["claim_id"]
    for other in sorted((root / "data").glob("*.csv")):  # a removed claim takes its rows in other tables with it
        oh, orows = rows(other)
        if other.name != "claims.csv" and "claim_id" in oh:
            write(other, oh, [r for r in orows if r["claim_id"] != gone])
    claims.append(claims[0] | {"claim_id": "S0-99", "quote": "A brand new claim."})
    claims[1] = claims[1] | {"wording": "absolute"}  # may move its verdict too
    write(root / "data" / "claims.csv", header, [c for c in claims if c["claim_id"] != gone])
    return root


def test_diff_lists_claims_added_removed_edited_and_verdicts_moved(repo: Path):
    header, claims = rows(repo / "data" / "claims.csv")
    ch = changes_since(repo, "v1")
    assert list(ch.claims_added["claim_id"]) == ["S0-99"]
    assert len(ch.claims_removed) == 1
    assert ch.claims_edited.to_dict("records")[0]["fields"] == "wording"
    edited = ch.claims_edited.loc[0, "claim_id"]
    moved = ch.verdicts_moved.set_index("claim_id")
    if edited in moved.index:  # an absolute wording on the same evidence can only move the verdict down
        assert moved.loc[edited, "verdict now"] != moved.loc[edited, "verdict before"] or moved.loc[edited, "certainty now"] != moved.loc[edited, "certainty before"]
    assert ch.studies_added == [] and not ch.empty
    text = describe_changes(ch)
    assert text.startswith("changes since v1:") and "claim added     S0-99: A brand new claim." in text


def test_diff_sees_a_study_added_and_a_verdict_moved_by_a_reviewer(repo: Path):
    header, verdicts = rows(repo / "data" / "claim_verdicts.csv")
    _, claims = rows(repo / "data" / "claims.csv")
    target = next(c["claim_id"] for c in claims if c["claim_id"] not in {v["claim_id"] for v in verdicts} and c["claim_id"] != "S0-99")
    verdicts.append({k: "" for k in header} | {"claim_id": target, "verdict": "contradicted", "reason": "test: reviewer says so", "reviewer": "t"})
    write(repo / "data" / "claim_verdicts.csv", header, verdicts)
    sheader, studies = rows(repo / "data" / "studies.csv")
    studies.append(studies[0] | {"study_id": "Newstudy2030"})
    write(repo / "data" / "studies.csv", sheader, studies)
    bib = (repo / "references.bib").read_text(encoding="utf-8")
    key = studies[0]["study_id"]
    start = bib.index("{" + key + ",")
    entry = bib[bib.rindex("@", 0, start): bib.index("\n}", start) + 2]
    (repo / "references.bib").write_text(bib + "\n" + entry.replace("{" + key + ",", "{Newstudy2030,", 1), encoding="utf-8")
    ch = changes_since(repo, "v1")
    assert ch.studies_added == ["Newstudy2030"]
    row = ch.verdicts_moved.set_index("claim_id").loc[target]
    assert row["verdict now"] == "contradicted" and "reviewer says so" in row["reason now"]


def test_latest_tag_and_unknown_revision(repo: Path):
    assert latest_tag(repo) == "v1"
    with pytest.raises(WorkbookError, match="cannot read revision 'nope'"):
        changes_since(repo, "nope")


def test_review_diff_command(repo: Path, capsys):
    assert main(["diff", "v1", "--root", str(repo)]) == 0
    assert "claim added     S0-99" in capsys.readouterr().out
    assert main(["diff", "no-such-tag", "--root", str(repo)]) == 1
    assert "cannot read revision 'no-such-tag'" in capsys.readouterr().err


def test_report_has_a_whats_new_page_against_the_latest_tag_and_follows_a_new_tag(repo: Path):
    from review.build import build_reports

    for nb in (repo / "notebooks").glob("*.ipynb"):  # one notebook is enough here: the page comes from the data
        if not nb.name.startswith("00-"):
            nb.unlink()
    out = repo / "reports"
    build_reports(repo, out)
    page = (out / "whatsnew.html").read_text(encoding="utf-8")
    assert "What's new since v1" in page and "S0-99" in page
    assert 'href="whatsnew.html"' in (out / "index.html").read_text(encoding="utf-8")

    git(repo.parent, "add", "-A")
    git(repo.parent, "commit", "-qm", "v2")
    git(repo.parent, "tag", "v2")
    build_reports(repo, out)  # same data, same code: only the compared revision moved, so the page must follow it
    page = (out / "whatsnew.html").read_text(encoding="utf-8")
    assert "What's new since v2" in page and "S0-99" not in page
