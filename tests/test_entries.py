"""Claim entries, article scorecards and ClaimReview, from the graded real workbook."""

from __future__ import annotations

import json

import pytest

import review
from review import results
from review.build.entries import claim_entries, claim_review, scorecards, verdict_scale


@pytest.fixture(scope="module")
def graded():
    wb = review.load_workbook()
    return wb, results.compute(wb)


def test_verdict_scale_rates_tested_verdicts_from_5_down_and_leaves_not_testable_unrated(graded):
    wb, _ = graded
    scale = {lvl.verdict: lvl for lvl in verdict_scale(wb)}
    assert scale["supported"].rating == 5 and scale["contradicted"].rating == 1
    assert scale["not testable"].rating is None
    assert all(lvl.meaning for lvl in scale.values())


def test_one_entry_per_claim_with_the_computed_verdict(graded):
    wb, res = graded
    entries = {e.claim_id: e for e in claim_entries(wb, res)}
    assert sorted(entries) == sorted(wb.claims["claim_id"])
    computed = res.verdicts.set_index("claim_id")
    for cid, e in entries.items():
        assert e.verdict == computed.loc[cid, "verdict"] and e.certainty == computed.loc[cid, "certainty"]
    e = entries["S2-13"]
    assert e.numbers and e.numbers[0]["claimed"] == "100%"
    assert e.cited and e.cited[0]["identified as"] == "Majid2009"
    assert e.article == wb.sources.set_index("source_id").loc["S2", "title"]


def test_claim_review_has_the_required_properties(graded):
    wb, res = graded
    entry = next(e for e in claim_entries(wb, res) if e.verdict == "overstated")
    assert entry.symbols in ("⊕⊕⊕⊕", "⊕⊕⊕◯", "⊕⊕◯◯", "⊕◯◯◯", "")
    doc = json.loads(json.dumps(claim_review(entry, "Org", "2026-01-02", article_url="https://example.org/a")))
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "ClaimReview"
    assert doc["claimReviewed"] == entry.quote
    assert doc["itemReviewed"] == {"@type": "Claim", "appearance": {"@type": "CreativeWork", "headline": entry.article, "url": "https://example.org/a"}}
    assert doc["reviewRating"] == {"@type": "Rating", "alternateName": "overstated", "ratingValue": 3, "bestRating": 5, "worstRating": 1}
    assert doc["author"] == {"@type": "Organization", "name": "Org"} and doc["datePublished"] == "2026-01-02"


def test_scorecards_tally_every_claim_of_each_article(graded):
    wb, res = graded
    cards = scorecards(wb, res)
    assert [c.source_id for c in cards] == sorted(wb.sources["source_id"])
    for c in cards:
        assert sum(n for _, n in c.tally) == c.total == int((wb.claims["source_id"] == c.source_id).sum())
    s2 = next(c for c in cards if c.source_id == "S2")
    assert any(r["identified as"] == "Majid2009" for r in s2.cited)
