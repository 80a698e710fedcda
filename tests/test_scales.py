"""Every scale is data in data/frameworks/, read by review.scales: one edit there carries everywhere."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_workbook

import review
from review import figures, results, scales, verdicts
from review.errors import WorkbookError
from review.palette import OKABE_ITO
from review.workbook import check_workbook


def _add_verdict(root: Path, after: str, name: str, colour: str) -> None:
    """Insert one verdict row into verdicts.csv after ``after``: the only edit."""
    path = root / "data" / "frameworks" / "verdicts.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(after + ","))
    lines.insert(at + 1, f"{name},yes,{colour},The claim misleads by what it leaves out.,2\n")
    path.write_text("".join(lines), encoding="utf-8")


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_a_new_verdict_in_verdicts_csv_reaches_every_use(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    _add_verdict(root, "overstated", "lacks context", "blue")
    # a reviewer may now use it: claim_verdicts.csv accepts it (its vocabulary is the scale)
    cv = root / "data" / "claim_verdicts.csv"
    rows = cv.read_text(encoding="utf-8").splitlines()
    first = rows[1].split(",", 2)
    rows[1] = ",".join([first[0], "lacks context", first[2]])
    cv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    wb = review.load_workbook(root)
    s = wb.scales
    expected_order = ["supported", "partly supported", "overstated", "lacks context", "unsupported", "misleading", "contradicted", "not testable"]
    # the scale order
    assert list(s.verdicts) == expected_order
    assert s.severity("overstated") < s.severity("lacks context") < s.severity("unsupported")
    assert list(scales.verdict_table(s)["verdict"]) == expected_order
    # the counts table: every verdict of the scale, in order, the reviewer's verdict counted
    res = results.compute(wb)
    counts = verdicts.verdict_counts(res.verdicts, s)
    assert list(counts["verdict"]) == expected_order
    assert counts.set_index("verdict").loc["lacks context", "claims"] == 1
    # the charts' colours and legends
    sof = pd.DataFrame({"outcome_id": ["pores"], "label": ["Pores"], "certainty": ["low"]})
    pop = verdicts.popularity(res.verdicts, res.grades_table, s)
    matrix = verdicts.verdict_matrix(res.verdicts, wb.outcomes, wb.sources, s)
    for fig in (
        figures.evidence_strength(sof, res.verdicts, scales=s),
        figures.popularity_vs_evidence(pop, scales=s),
        figures.verdict_matrix_heatmap(matrix, scales=s),
    ):
        assert _legend(fig) == expected_order
    assert s.verdict_colours["lacks context"] == OKABE_ITO["blue"]
    # "worst verdict" follows the same order: lacks context outranks overstated
    assert s.worst(["overstated", "lacks context", "supported"]) == "lacks context"


def test_a_verdict_not_on_the_scale_is_refused_with_the_allowed_list(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    cv = root / "data" / "claim_verdicts.csv"
    rows = cv.read_text(encoding="utf-8").splitlines()
    first = rows[1].split(",", 2)
    rows[1] = ",".join([first[0], "lacks context", first[2]])
    cv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    problems = [str(p) for p in check_workbook(root).problems]
    assert any(p.startswith("data/claim_verdicts.csv:2: verdict:") and "lacks context" in p and "overstated" in p for p in problems)


def test_verdict_colour_must_be_a_palette_name(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    _add_verdict(root, "overstated", "lacks context", "pink")
    problems = [str(p) for p in check_workbook(root).problems]
    assert any(p.startswith("data/frameworks/verdicts.csv:5: colour:") and "vermillion" in p for p in problems)


def test_certainty_scale_needs_four_levels_and_both_states(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    path = root / "data" / "frameworks" / "certainty.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text("".join(line for line in text.splitlines(keepends=True) if not line.startswith(("moderate,", "no evidence,"))), encoding="utf-8")
    problems = [str(p) for p in check_workbook(root).problems]
    assert any("levels are [1, 2, 4]" in p for p in problems)
    assert any("'no evidence' is missing" in p or '"no evidence" is missing' in p for p in problems)
    with pytest.raises(WorkbookError):
        scales.load_scales(root)


def test_a_threshold_edit_changes_the_grading(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    before = results.compute(review.load_workbook(root)).grades_table.set_index("outcome_id")
    path = root / "data" / "frameworks" / "grade_thresholds.csv"
    text = path.read_text(encoding="utf-8").replace("ois_participants,400,", "ois_participants,100000000,")
    path.write_text(text, encoding="utf-8")
    after = results.compute(review.load_workbook(root)).grades_table.set_index("outcome_id")
    changed = before["imprecision"] != after["imprecision"]
    assert changed.any()
    assert set(after.loc[changed, "imprecision"]) <= {"serious", "very serious"}


def test_scales_read_symbols_and_steps_from_data():
    s = scales.default_scales()
    assert s.levels == ("very low", "low", "moderate", "high")
    assert s.rated("low") == "⊕⊕◯◯ low"
    assert s.rated("not graded") == "not graded"
    assert (s.steps["serious"], s.steps["upgrade two levels"]) == (-1, 2)
    assert (s.mark("very serious"), s.mark("upgrade one level"), s.mark("none")) == ("\u22122", "+1", "")
    assert s.certainty_at(9) == "high" and s.certainty_at(-3) == "very low"


def test_every_verdict_on_the_scale_has_a_claimreview_rating_that_never_rises_down_the_scale():
    s = scales.default_scales()
    on_scale = [v for v in s.verdicts if v in s.tested]
    assert set(s.verdict_ratings) == set(on_scale)
    ratings = [s.verdict_ratings[v] for v in on_scale]
    assert ratings == sorted(ratings, reverse=True)
    assert s.claimreview_rating("supported") == {"@type": "Rating", "alternateName": "supported", "ratingValue": 5, "bestRating": 5, "worstRating": 1}
    assert s.claimreview_rating("not testable") == {"@type": "Rating", "alternateName": "not testable"}


@pytest.mark.parametrize(
    ("verdict", "rating", "message"),
    [
        ("misleading", "", "verdict 'misleading' is on the scale but has no ClaimReview rating"),
        ("not testable", "3", "verdict 'not testable' is off the scale (tested = no), so it has no ClaimReview rating"),
        ("contradicted", "4", "verdict 'contradicted' is rated 4, above the better verdict 'misleading' (2)"),
    ],
)
def test_claimreview_ratings_are_checked(tmp_path: Path, verdict, rating, message):
    root = copy_workbook(tmp_path / "wb")
    path = root / "data" / "frameworks" / "verdicts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(verdict + ","))
    lines[i] = lines[i].rsplit(",", 1)[0] + "," + rating
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = [str(p) for p in check_workbook(root).problems]
    assert any(f"data/frameworks/verdicts.csv:{i + 1}: claimreview_rating: {message}" in p for p in problems), problems


def test_a_systematic_review_must_say_what_it_reviews(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    path = root / "data" / "studies.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("AbdelHay2016,systematic review,randomised trials,", "AbdelHay2016,systematic review,,", 1)
    text = text.replace("Majid2009,case series,,", "Majid2009,case series,randomised trials,", 1)
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_workbook(root).problems]
    assert any(p.startswith("data/studies.csv:") and "reviews: a systematic review needs what it reviews" in p and "case reports or series" in p for p in problems)
    assert any("reviews: only a systematic review records what it reviews; leave it empty for a case series" in p for p in problems)


def test_every_study_names_a_device_from_the_vocabulary():
    wb = review.load_workbook()
    assert wb.studies["device"].isin(wb.devices["device"]).all()
    rf = set(wb.studies.loc[wb.studies["device"] == "radiofrequency microneedling", "study_id"])
    assert {"AlBakaa2024", "Min2016", "Elawar2018"} <= rf
