"""Claim facets: cue words, the contrast a study offers about plain microneedling, the facet table and its notes."""

from __future__ import annotations

import pandas as pd

from review.facets import cues_in, direct_studies, facet_notes, facet_table

CUES = pd.DataFrame({"facet": ["comparison", "comparison", "mechanism", "time frame"], "cue": ["than", "just the same as", "by stimulating", "week"], "note": ["n"] * 4})


def test_cues_in_finds_whole_words_case_insensitively():
    assert cues_in("Microneedling is less expensive THAN laser", CUES) == {"comparison": ["than"]}
    assert cues_in("just the same as it reduces scars; by stimulating collagen", CUES) == {"comparison": ["just the same as"], "mechanism": ["by stimulating"]}
    assert cues_in("Thanks to collagen", CUES) == {}  # 'than' inside 'Thanks' is no comparison
    assert cues_in("your first week of recovery", CUES) == {"time frame": ["week"]}


def test_direct_studies_use_the_grade_rules_contrast_and_leave_out_laboratory_and_unreported_findings():
    findings = pd.DataFrame(
        [
            ("A", "pores", "benefit", "microneedling alone, after vs before"),
            ("D", "pores", "benefit", "microneedling + 5% minoxidil vs 5% minoxidil alone"),
            ("P", "pores", "benefit", "microneedling + 70% glycolic acid peel vs microneedling alone"),
            ("R", "pores", "benefit", "radiofrequency microneedling vs placebo treatment"),
            ("L", "pores", "benefit", "x"),
            ("N", "pores", "not reported", "y"),
        ],
        columns=["study_id", "outcome_id", "direction", "comparison"],
    )
    studies = pd.DataFrame(
        [
            ("A", "case series", "microneedling alone", "microneedling"),
            ("D", "RCT", "microneedling combined", "microneedling"),
            ("P", "RCT", "microneedling combined", "microneedling"),
            ("R", "RCT", "microneedling alone", "radiofrequency microneedling"),
            ("L", "animal", "microneedling alone", "microneedling"),
            ("N", "RCT", "microneedling alone", "microneedling"),
        ],
        columns=["study_id", "design", "intervention_class", "device"],
    ).assign(n_enrolled=20, n_analysed=20)
    designs = pd.DataFrame({"design": ["case series", "animal", "RCT"], "grade_start": ["low", "indirect", "high"], "cebm_level": [4, 5, 2]})
    devices = pd.DataFrame({"device": ["microneedling", "radiofrequency microneedling"], "plain": ["yes", "no"]})
    d = direct_studies(findings, studies, designs, devices).set_index("study_id")
    assert d["contrast"].to_dict() == {"A": "direct", "D": "add-on", "P": "combination", "R": "another device"}
    assert d.loc["R", "why"] == "another device (radiofrequency microneedling)"


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
