"""Summaries of the claim catalogue: per article, per outcome, by type and wording.

All functions are pure: DataFrames in, DataFrames out, rows in a fixed order.
"""

from __future__ import annotations

import pandas as pd

from .articles import article_names
from .schema import CLAIM_TYPES, WORDINGS


def claim_table(claims: pd.DataFrame, sources: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Every claim with its article's title (not its source id) and outcome label, ordered by article then claim."""
    out = claims.merge(sources[["source_id", "title"]], on="source_id", how="left").merge(
        outcomes[["outcome_id", "label", "category"]], on="outcome_id", how="left"
    )
    out = out.rename(columns={"title": "article", "label": "outcome"}).sort_values(["source_id", "claim_id"], kind="stable")
    cols = ["claim_id", "article", "quote", "outcome", "category", "claim_type", "wording", "quantity", "cited_work"]
    return out[cols].reset_index(drop=True)


def outcome_article_matrix(claims: pd.DataFrame, outcomes: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Claims per outcome (rows, by label) and article (columns, by short name, in source_id order).

    Rows are ordered by how many articles make the claim, then by total claims,
    then by label, so the most repeated claims come first. Outcomes no article
    claims are left out.
    """
    counts = pd.crosstab(claims["outcome_id"], claims["source_id"])
    counts = counts.reindex(columns=sorted(sources["source_id"]), fill_value=0)
    labels = outcomes.set_index("outcome_id")["label"]
    order = pd.DataFrame(
        {"articles": (counts > 0).sum(axis=1), "claims": counts.sum(axis=1), "label": labels.reindex(counts.index)}
    ).sort_values(["articles", "claims", "label"], ascending=[False, False, True], kind="stable")
    matrix = counts.loc[order.index]
    matrix.index = pd.Index(order["label"], name="outcome")
    names = article_names(sources)
    matrix.columns = pd.Index([names[str(s)] for s in matrix.columns], name="article")
    return matrix


def repetition(claims: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """For each claimed outcome: how many articles make it and how many claim rows there are."""
    g = claims.groupby("outcome_id")
    out = pd.DataFrame({"articles": g["source_id"].nunique(), "claims": g.size()}).reset_index()
    out = out.merge(outcomes[["outcome_id", "label", "category"]], on="outcome_id", how="left")
    return out.sort_values(["articles", "claims", "outcome_id"], ascending=[False, False, True], kind="stable").reset_index(drop=True)


def type_by_wording(claims: pd.DataFrame) -> pd.DataFrame:
    """Counts of claims by type (rows) and wording strength (columns), with totals."""
    table = pd.crosstab(claims["claim_type"], claims["wording"], margins=True, margins_name="total")
    rows = [t for t in CLAIM_TYPES if t in table.index] + ["total"]
    cols = [w for w in WORDINGS if w in table.columns] + ["total"]
    table = table.reindex(index=rows, columns=cols, fill_value=0)
    table.index.name = "claim type"
    table.columns.name = "wording"
    return table


def per_article(claims: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """One row per article, named by its title, in source_id order: number of claims, absolute claims, distinct outcomes, cited works."""
    g = claims.groupby("source_id")
    out = pd.DataFrame(
        {
            "claims": g.size(),
            "absolute": g["wording"].apply(lambda s: int((s == "absolute").sum())),
            "outcomes": g["outcome_id"].nunique(),
            "citing claims": g["cited_work"].apply(lambda s: int((s.fillna("") != "").sum())),
        }
    )
    out = sources.set_index("source_id")[["title", "kind", "words"]].join(out, how="left").fillna(0)
    for c in ("claims", "absolute", "outcomes", "citing claims"):
        out[c] = out[c].astype(int)
    return out.sort_index().rename(columns={"title": "article"}).reset_index(drop=True)
