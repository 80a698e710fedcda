"""One verdict per claim, everywhere, on the real workbook: every table that shows a claim's verdict shows the same one,
and the verdict is never more favourable than what the claim's citation check and number check allow."""

from __future__ import annotations

import pytest

from review import results
from review.verdicts import check_limits, scale_order, claims_with_verdicts, furthest_from_evidence
from review.workbook import load_workbook


@pytest.fixture(scope="module")
def res():
    wb = load_workbook()
    return wb, results.compute(wb)


def test_every_claim_has_exactly_one_verdict(res):
    wb, r = res
    assert sorted(r.verdicts["claim_id"]) == sorted(wb.claims["claim_id"])
    assert r.verdicts["claim_id"].is_unique


def test_no_table_shows_a_claim_another_verdict(res):
    wb, r = res
    one = dict(zip(r.verdicts["claim_id"], r.verdicts["verdict"]))
    tables = {
        "citation checks": r.fidelity,
        "number checks": r.quantities,
        "claims with verdicts": claims_with_verdicts(r.verdicts, wb.claims),
        "furthest from evidence": furthest_from_evidence(r.verdicts, wb.claims, n=len(wb.claims)),
    }
    for name, table in tables.items():
        assert len(table), name
        shown = dict(zip(table["claim_id"], table["verdict"]))
        assert {c: v for c, v in shown.items() if v != one[c]} == {}, name


def test_checks_feed_the_verdict_it_is_never_more_favourable_than_they_allow(res):
    wb, r = res
    one = dict(zip(r.verdicts["claim_id"], r.verdicts["verdict"]))
    limits = check_limits(wb.check_verdicts)
    pairs = [(c, v) for c, v in zip(r.fidelity["claim_id"], r.fidelity["citation check"])] + [
        (c, v) for c, v in zip(r.quantities["claim_id"], r.quantities["number check"])
    ]
    assert any(v != "no limit" for _, v in pairs)  # the real workbook has checks that bite (Majid 2009, 5-15 years)
    for claim, limit in pairs:
        if limit == "no limit" or one[claim] not in scale_order():
            continue
        assert scale_order().index(one[claim]) >= scale_order().index(limit), (claim, limit, one[claim])
    assert set(limits.values()) <= set(scale_order())


def test_the_misquoted_study_is_named_with_its_real_numbers(res):
    _, r = res
    row = r.verdicts.set_index("claim_id").loc["S2-13"]
    assert row["verdict"] == "misleading"
    assert "Majid 2009" in row["reason"] and "34 of 36" in row["reason"] and "94.4%" in row["reason"]


def test_reasons_read_as_sentences_without_contradictions_and_name_studies_author_year(res):
    wb, r = res
    from review.citations import short_citation

    authored = {k for k in wb.bib.entries if short_citation(k, wb.bib) != k}  # keys whose citation is author-year
    for row in r.verdicts.itertuples():
        reason = row.reason
        assert reason.lstrip("“\"")[:1].isupper() and reason.endswith("."), (row.claim_id, reason)  # may open with a quoted short title
        for marker in ("rule said", "reviewer:", "no reviewer verdict recorded", "basis", "evidence direction:"):
            assert marker not in reason, (row.claim_id, reason)
        for other in ("partly supported", "overstated", "misleading", "contradicted"):
            assert other == row.verdict or other not in reason, (row.claim_id, reason)
        words = set(reason.replace("(", " ").replace(")", " ").replace(";", " ").replace(",", " ").split())
        assert not words & authored, (row.claim_id, words & authored)
