"""review new: a blank review of another treatment validates, grades, takes an article and builds its report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import REPO
from review import schema, status
from review.cli import main
from review.scaffold import new_review
from review.workbook import check_workbook, load_workbook

TREATMENT = "LED light therapy masks"

ARTICLE = """<html><head><title>LED masks</title></head><body>
<h1>Do LED face masks work?</h1>
<p>LED light therapy masks are sold for home use. Red light may reduce fine lines after 8 weeks of daily use.</p>
<h2>Benefits of LED masks:</h2>
<ul><li>Fewer fine lines</li><li>Clearer acne</li></ul>
<p>The masks are completely safe for the eyes.</p>
</body></html>
"""

OUTCOMES = [
    {"outcome_id": "wrinkles", "label": "Fine lines and wrinkles", "category": "efficacy", "subject": TREATMENT, "description": "Fewer or shallower wrinkles."},
    {"outcome_id": "acne", "label": "Active acne", "category": "efficacy", "subject": TREATMENT, "description": "Fewer acne lesions."},
    {"outcome_id": "eye_safety", "label": "Safety for the eyes", "category": "safety", "subject": TREATMENT, "description": "Harm to the eyes from the light."},
]
TERMS = [("wrinkles", "fine line"), ("wrinkles", "wrinkle"), ("acne", "acne"), ("eye_safety", "eyes")]


def append_csv(path: Path, rows: list[dict[str, str]]) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=header, lineterminator="\n").writerows(rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(buf.getvalue())


@pytest.fixture()
def blank(tmp_path: Path) -> Path:
    root = tmp_path / "led"
    assert main(["new", str(root), "--treatment", TREATMENT, "--organisation", "Consumer Light Watch"]) == 0
    return root


def test_new_review_has_every_table_header_frameworks_and_clean_notebooks(blank: Path) -> None:
    for spec in schema.TABLES:
        text = (blank / spec.path).read_text(encoding="utf-8")
        if spec.path.startswith("data/frameworks/"):
            assert text == (REPO / spec.path).read_text(encoding="utf-8"), spec.path
        else:
            assert text == ",".join(spec.column_names) + "\n", spec.path
    assert sorted(p.name for p in (blank / "data" / "frameworks").iterdir()) == sorted(p.name for p in (REPO / "data" / "frameworks").iterdir())
    assert (blank / "references.bib").read_text(encoding="utf-8") == ""
    names = sorted(p.name for p in (blank / "notebooks").glob("*.ipynb"))
    assert names == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    for name in names:
        cells = json.loads((blank / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
        ours = json.loads((REPO / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
        assert [c["source"] for c in cells] == [c["source"] for c in ours]
        assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in cells if c["cell_type"] == "code")


def test_new_review_is_valid_and_names_its_treatment(blank: Path) -> None:
    assert check_workbook(blank).problems == []
    wb = load_workbook(blank)
    assert wb.settings.treatment == TREATMENT and wb.settings.organisation == "Consumer Light Watch"
    intro = status.introduction(wb).data
    assert intro.startswith(f"## {TREATMENT}: marketing claims against the evidence")
    assert "0 marketing articles" in intro and "No claims yet:" in intro and "For researchers:* add an article with `review intake" in intro


def test_new_review_refuses_a_folder_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["new", str(tmp_path / "used"), "--treatment", TREATMENT]) == 1
    assert "already exists and is not empty" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "used").iterdir()] == ["notes.txt"]


def test_a_header_only_table_is_an_error_once_a_table_that_needs_it_has_rows(blank: Path) -> None:
    append_csv(blank / "data" / "outcome_terms.csv", [{"outcome_id": "wrinkles", "term": "wrinkle"}])
    found = [str(p) for p in check_workbook(blank).problems]
    assert "data/outcomes.csv: has a header but no rows; at least 1 row(s) needed, because data/outcome_terms.csv has rows" in found


def test_outcome_subject_is_the_reviews_treatment(blank: Path) -> None:
    append_csv(blank / "data" / "outcomes.csv", [{**OUTCOMES[0], "subject": "microneedling"}])
    (problem,) = check_workbook(blank).problems
    assert problem.where == "data/outcomes.csv" and problem.field == "subject"
    assert f"allowed: {TREATMENT}, other procedure" in problem.message


def test_new_review_end_to_end(blank: Path, tmp_path: Path) -> None:
    """new, outcomes, intake, accept, validate, grade, report: the report names the treatment and the article's claims."""
    append_csv(blank / "data" / "outcomes.csv", OUTCOMES)
    append_csv(blank / "data" / "outcome_terms.csv", [{"outcome_id": o, "term": t} for o, t in TERMS])
    article = tmp_path / "led-masks.html"
    article.write_text(ARTICLE, encoding="utf-8")
    assert main(["intake", str(article), "--source-id", "L0", "--kind", "shop blog", "--root", str(blank)]) == 0
    cands = blank / "build" / "intake" / "L0.csv"
    rows = list(csv.DictReader(io.StringIO(cands.read_text(encoding="utf-8"))))
    by_quote = {r["quote"]: r for r in rows}
    assert by_quote["Fewer fine lines"]["outcome_id"] == "wrinkles"
    assert by_quote["The masks are completely safe for the eyes."]["wording"] == "absolute"
    for r in rows:
        r["accept"] = "yes" if r["outcome_id"] else "no"
        r["statement"] = f"LED masks: {r['quote']}"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    cands.write_text(buf.getvalue(), encoding="utf-8")
    assert main(["intake", "--accept", str(cands), "--root", str(blank)]) == 0
    assert (blank / "articles" / "led-masks.txt").is_file()
    assert main(["validate", "--root", str(blank)]) == 0
    assert main(["grade", "--root", str(blank)]) == 0
    verdicts = (blank / "build" / "verdicts.csv").read_text(encoding="utf-8")
    assert "L0-01" in verdicts and "no evidence" in verdicts
    assert main(["report", "--root", str(blank)]) == 0
    pages = {p.name: p.read_text(encoding="utf-8") for p in (blank / "reports").glob("*.html")}
    assert f"{TREATMENT}: marketing claims against the evidence" in pages["00-overview.html"]
    assert "1 marketing article makes for" in pages["00-overview.html"]
    assert "No studies yet:" in pages["02-map-evidence.html"]
    assert "Fewer fine lines" in pages["01-catalogue-claims.html"]


def test_a_blank_review_grades_and_its_pages_say_what_is_missing(blank: Path) -> None:
    from review import claims as cl, evidence as ev, figures, results, riskofbias as rb, verdicts

    assert main(["grade", "--root", str(blank)]) == 0
    header = (blank / "build" / "verdicts.csv").read_text(encoding="utf-8").splitlines()
    assert header[0].startswith("claim_id,source_id,outcome_id") and len(header) == 1
    wb = load_workbook(blank)
    res = results.compute(wb)
    assert status.notice(wb, "claims").data.startswith("**No claims yet:** no article has been added to the review. *For researchers:* add an article with `review intake")
    drawn = [
        figures.claim_matrix_heatmap(cl.outcome_article_matrix(wb.claims, wb.outcomes, wb.sources)),
        ev.evidence_map_heatmap(ev.evidence_map(wb.findings, wb.studies, wb.outcomes, wb.designs, wb.claims)),
        rb.traffic_light(wb.risk_of_bias, wb.rob_domains, wb.rob_judgements, "RoB 2"),
        figures.evidence_strength(res.sof, res.verdicts, scales=wb.scales),
        figures.domain_heatmap(res.grades_table, wb.scales),
        figures.popularity_vs_evidence(verdicts.popularity(res.verdicts, res.grades_table, wb.scales), scales=wb.scales),
        figures.verdict_matrix_heatmap(verdicts.verdict_matrix(res.verdicts, wb.outcomes, wb.sources, wb.scales), scales=wb.scales),
    ]
    for fig in drawn:
        assert any(figures.NOTHING_YET in t.get_text() for t in fig.axes[0].texts), fig.axes[0].get_title()


def test_new_review_copies_frameworks_and_notebooks_from_another_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "template"
    (template / "data" / "frameworks").mkdir(parents=True)
    (template / "notebooks").mkdir()
    for f in (REPO / "data" / "frameworks").iterdir():
        (template / "data" / "frameworks" / f.name).write_bytes(f.read_bytes())
    (template / "notebooks" / "01-only.ipynb").write_text((REPO / "notebooks" / "01-catalogue-claims.ipynb").read_text(encoding="utf-8"), encoding="utf-8")
    root = new_review(tmp_path / "new", TREATMENT, template=template)
    assert [p.name for p in (root / "notebooks").iterdir()] == ["01-only.ipynb"]
    assert main(["new", str(tmp_path / "other"), "--treatment", TREATMENT, "--from", str(tmp_path / "nothing")]) == 1
    assert "is not a workbook: it has no data/frameworks/" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()
