"""Claim facets: cue words, the contrast a study offers about plain microneedling, the facet table and its notes."""

from __future__ import annotations

import pandas as pd
import pytest

from review.facets import contrast_of_comparison, cues_in, direct_studies, facet_notes, facet_table, is_add_on, study_contrast

CUES = pd.DataFrame({"facet": ["comparison", "comparison", "mechanism", "time frame"], "cue": ["than", "just the same as", "by stimulating", "week"], "note": ["n"] * 4})


def test_cues_in_finds_whole_words_case_insensitively():
    assert cues_in("Microneedling is less expensive THAN laser", CUES) == {"comparison": ["than"]}
    assert cues_in("just the same as it reduces scars; by stimulating collagen", CUES) == {"comparison": ["just the same as"], "mechanism": ["by stimulating"]}
    assert cues_in("Thanks to collagen", CUES) == {}  # 'than' inside 'Thanks' is no comparison
    assert cues_in("your first week of recovery", CUES) == {"time frame": ["week"]}


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        ("microneedling + 5% minoxidil vs 5% minoxidil alone", "add-on"),
        ("microneedle roller + ALA photodynamic therapy vs sham roller + ALA photodynamic therapy (split-face)", "add-on"),
        ("microneedling + topical therapy vs topical therapy alone or baseline", "add-on"),
        ("microneedling + 70% glycolic acid peel vs microneedling alone", "combination"),
        ("microneedling + PRP vs microneedling + saline (split-face)", "combination"),
        ("microneedling + topical vitamins A and C, after vs before", "combination"),
        ("radiofrequency microneedling vs placebo treatment", "another device"),
        ("subcutaneous radiofrequency microneedling, after vs before", "another device"),
        ("microneedling alone vs 35% glycolic acid peel", "direct"),
        ("microneedling alone, after vs before", "direct"),
        ("microneedling (with or without radiofrequency) vs other treatments", "direct"),
        ("narrative review: no comparison stated", None),
        ("not applicable: regulatory document", None),
    ],
)
def test_contrast_of_comparison(comparison, expected):
    assert contrast_of_comparison(comparison) == expected


def test_is_add_on_and_study_contrast_without_a_comparison():
    assert is_add_on("Weekly microneedling + twice-daily 5% minoxidil", "5% minoxidil alone")
    assert is_add_on("Topical therapy (tranexamic acid) + microneedling", "Topical therapy alone / baseline")
    assert not is_add_on("Microneedling + 70% glycolic acid peel", "Microneedling alone (group 1)")
    assert not is_add_on("Subcutaneous radiofrequency", "baseline")
    assert study_contrast("microneedling alone", "radiofrequency microneedling", "x", "y") == "another device"
    assert study_contrast("microneedling alone", "", "x", "y") == "direct"
    assert study_contrast("microneedling combined", "", "MN + PRP", "none") == "combination"
    # the finding's comparison decides when it says something
    assert study_contrast("microneedling combined", "", "x", "y", "microneedling + 5% minoxidil vs 5% minoxidil alone") == "add-on"


def test_direct_studies_leave_out_laboratory_and_unreported_findings():
    findings = pd.DataFrame(
        [("A", "pores", "benefit", "microneedling alone, after vs before"), ("L", "pores", "benefit", "x"), ("N", "pores", "not reported", "y")],
        columns=["study_id", "outcome_id", "direction", "comparison"],
    )
    studies = pd.DataFrame(
        [("A", "case series", "microneedling alone", "", ""), ("L", "animal", "microneedling alone", "", ""), ("N", "RCT", "microneedling alone", "", "")],
        columns=["study_id", "design", "intervention_class", "intervention", "comparator"],
    )
    designs = pd.DataFrame({"design": ["case series", "animal", "RCT"], "grade_start": ["low", "indirect", "high"]})
    d = direct_studies(findings, studies, designs)
    assert d[["study_id", "contrast"]].values.tolist() == [["A", "direct"]]


CLAIMS = pd.DataFrame(
    {"claim_id": ["S9-02", "S9-01"], "quote": ["cheaper than laser", "q"], "quantity": ["4x", ""], "outcome_id": ["o", "o"]}
)


def test_facet_table_shows_reviewer_and_rule_facets_and_marks_missing_rows():
    facets = pd.DataFrame([{"claim_id": "S9-02", "device": "microneedling", "comparator": "laser (price)", "comparative_studies": "", "comparative_result": "",
                            "population": "", "body_site": "", "time_frame": "", "mechanism": "", "reason": "r"}])
    q = pd.DataFrame([{"claim_id": "S9-02", "status": "no source"}])
    t = facet_table(CLAIMS, facets, CUES, q).set_index("claim_id")
    assert t.loc["S9-02", ["treatment", "number", "number check", "comparator", "comparative evidence", "cue words"]].tolist() == [
        "microneedling", "4x", "no source", "laser (price)", "none found", "comparison: than"]
    assert t.loc["S9-01", "treatment"] == "not recorded"


def test_facet_notes_name_claims_without_a_row_and_their_cues():
    facets = pd.DataFrame(columns=["claim_id"])
    (note,) = facet_notes(CLAIMS, facets, CUES)
    assert "2 claims have no row in data/claim_facets.csv" in note
    assert "S9-02 (cue words suggest: comparison)" in note
    assert facet_notes(CLAIMS, pd.DataFrame({"claim_id": ["S9-01", "S9-02"]}), CUES) == []
