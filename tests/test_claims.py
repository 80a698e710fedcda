"""Claim catalogue summaries, on small inline tables."""

from __future__ import annotations

import pandas as pd

from review import claims as cl

SOURCES = pd.DataFrame(
    {"source_id": ["S1", "S0"], "title": ["Bee keeping", "Ants (untitled post)"], "kind": ["blog", "blog"], "words": [20, 10], "text_file": ["b", "a"]}
)
OUTCOMES = pd.DataFrame(
    {"outcome_id": ["pores", "wrinkles", "cost"], "label": ["Pores", "Wrinkles", "Cost"], "category": ["efficacy", "efficacy", "cost"], "description": ["", "", ""]}
)
CLAIMS = pd.DataFrame(
    {
        "claim_id": ["S0-01", "S0-02", "S1-01", "S1-02"],
        "source_id": ["S0", "S0", "S1", "S1"],
        "quote": ["q1", "q2", "q3", "q4"],
        "statement": ["", "", "", ""],
        "outcome_id": ["pores", "wrinkles", "pores", "pores"],
        "claim_type": ["benefit", "benefit", "benefit", "safety"],
        "wording": ["plain", "absolute", "hedged", "absolute"],
        "quantity": ["", "100%", "", ""],
        "cited_work": ["", "a study", "", ""],
    }
)


def test_outcome_article_matrix_puts_most_repeated_first():
    m = cl.outcome_article_matrix(CLAIMS, OUTCOMES, SOURCES)
    assert list(m.index) == ["Pores", "Wrinkles"]
    assert list(m.columns) == ["Ants", "Bee keeping"]  # articles by name, in source_id order
    assert m.loc["Pores"].tolist() == [1, 2]
    assert m.loc["Wrinkles"].tolist() == [1, 0]


def test_repetition_counts_articles_and_rows():
    r = cl.repetition(CLAIMS, OUTCOMES)
    assert r[["outcome_id", "articles", "claims"]].values.tolist() == [["pores", 2, 3], ["wrinkles", 1, 1]]


def test_type_by_wording_has_fixed_order_and_totals():
    t = cl.type_by_wording(CLAIMS)
    assert list(t.index) == ["benefit", "safety", "total"]
    assert list(t.columns) == ["hedged", "plain", "absolute", "total"]
    assert t.loc["benefit"].tolist() == [1, 1, 1, 3]
    assert t.loc["total", "total"] == 4


def test_per_article_counts_absolute_and_citing_claims():
    p = cl.per_article(CLAIMS, SOURCES)
    assert p["article"].tolist() == ["Ants (untitled post)", "Bee keeping"]  # by title, in source_id order
    assert p.loc[0, ["claims", "absolute", "outcomes", "citing claims"]].tolist() == [2, 1, 2, 1]
    assert p.loc[1, ["claims", "absolute", "outcomes", "citing claims"]].tolist() == [2, 1, 1, 0]


def test_reviewer_tables_name_articles_by_title_not_source_id():
    for table in (cl.per_article(CLAIMS, SOURCES), cl.claim_table(CLAIMS, SOURCES, OUTCOMES)):
        assert "source_id" not in table.columns and table.index.name is None
        assert not table.isin(["S0", "S1"]).any().any()


def test_claim_table_sorts_by_article_and_adds_labels():
    t = cl.claim_table(CLAIMS.iloc[::-1], SOURCES, OUTCOMES)
    assert t["claim_id"].tolist() == ["S0-01", "S0-02", "S1-01", "S1-02"]
    assert t.loc[0, "outcome"] == "Pores"
    assert t.loc[0, "article"] == "Ants (untitled post)"
