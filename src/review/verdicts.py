"""Judge every claim: its outcome's certainty and direction, set against the claim's own wording.

The scale, from best to worst supported (defined once, in ``data/frameworks/verdicts.csv``; read
through :mod:`review.scales`):

* **supported**: the evidence points the way the claim does, with moderate or high certainty
  (or high certainty for an absolute claim);
* **partly supported**: the evidence points that way, but with low certainty (or very low for a
  hedged claim), or it is mixed and the claim is hedged;
* **overstated**: the claim is worded more strongly than its evidence allows: an absolute claim
  ("completely safe", "100%", "rid your body of") below high certainty, a plain claim on
  very low certainty, or a plain claim on mixed evidence;
* **unsupported**: no human evidence was found (the search log says so), or evidence against
  the claim is too uncertain to call it contradicted;
* **contradicted**: the evidence points against the claim with at least low certainty;
* **not testable**: an opinion, or a procedure or regulatory detail no study measures as an effect.

A reviewer verdict in ``data/claim_verdicts.csv`` (with its reason) replaces the rule's verdict;
both are kept in the output.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from .grading import OutcomeGrade
from .scales import NO_EVIDENCE, NOT_GRADED, Scales, default_scales

def expected_directions(claim_type: str, category: str) -> tuple[str, ...]:
    """Directions of evidence that would bear a claim out.

    A caution (a limitation or a warned-of risk: "not a complete solution",
    "might be some temporary redness", "can spread bacteria") is consistent with
    any evidence short of a complete, harm-free cure, which no study reports; so
    any reported direction bears it out, and its verdict rests on certainty. A
    safety claim about a safety outcome is borne out by no important harm
    ("no difference"); anything else by benefit.
    """
    if claim_type == "caution":
        return ("benefit", "no difference", "harm", "mixed")
    if category == "safety":
        return ("no difference",)
    return ("benefit",)


def rule_verdict(claim_type: str, wording: str, category: str, grade: OutcomeGrade | None) -> tuple[str, str]:
    """The rule's verdict and reason for one claim."""
    if claim_type == "opinion":
        return "not testable", "an opinion: no study can measure it"
    if grade is None or grade.certainty == NO_EVIDENCE:
        return "unsupported", "no human study of this outcome was found (see the search log)"
    if grade.certainty == NOT_GRADED:
        return "not testable", f"{grade.start_reason}; no reviewer verdict recorded"
    certainty, direction = grade.certainty, grade.direction
    level = (grade.scales or default_scales()).level(certainty)
    wanted = expected_directions(claim_type, category)
    basis = f"{certainty} certainty; evidence direction: {direction}"
    if direction == "not reported":
        return "not testable", f"the studies found describe practice but do not measure this claim ({basis})"
    if direction in wanted:
        if wording == "absolute":
            if level == 4:
                return "supported", f"absolute claim with high-certainty evidence ({basis})"
            return "overstated", f"absolute wording, but the evidence is only of {certainty} certainty ({basis})"
        if level >= 3:
            return "supported", f"evidence of {certainty} certainty points the way the claim does ({basis})"
        if level == 2 or wording == "hedged":
            return "partly supported", f"points the way the claim does, but with {certainty} certainty ({basis})"
        return "overstated", f"a plain assertion on {certainty}-certainty evidence ({basis})"
    if direction == "mixed":
        if wording == "hedged":
            return "partly supported", f"a hedged claim on mixed evidence ({basis})"
        return "overstated", f"{wording} wording, but the studies disagree ({basis})"
    if wording == "absolute":
        return "contradicted", f"documented evidence against an absolute claim refutes it, whatever its certainty ({basis})"
    if level >= 2:
        return "contradicted", f"the evidence points against the claim ({basis})"
    return "unsupported", f"the little evidence there is points against the claim, with very low certainty ({basis})"


def judge_claims(
    claims: pd.DataFrame,
    outcomes: pd.DataFrame,
    grades: list[OutcomeGrade],
    claim_verdicts: pd.DataFrame,
    key_count: int = 3,
) -> pd.DataFrame:
    """One row per claim: verdict, certainty, key studies and reason (verdicts.csv), in claim_id order."""
    by_outcome = {g.outcome_id: g for g in grades}
    category = dict(zip(outcomes["outcome_id"], outcomes["category"]))
    reviewer = {r["claim_id"]: r for r in claim_verdicts.to_dict("records")}
    rows = []
    for c in claims.sort_values("claim_id", kind="stable").to_dict("records"):
        grade = by_outcome.get(c["outcome_id"])
        verdict, reason = rule_verdict(c["claim_type"], c["wording"], category.get(c["outcome_id"], ""), grade)
        rule = verdict
        if c["claim_id"] in reviewer:
            r = reviewer[c["claim_id"]]
            verdict, reason = str(r["verdict"]), f"reviewer: {r['reason']} (rule said: {rule}; {reason})"
        key = list(grade.studies[:key_count]) if grade else []
        if grade and not key:
            key = list(grade.context[:key_count])
        rows.append(
            {
                "claim_id": c["claim_id"],
                "source_id": c["source_id"],
                "outcome_id": c["outcome_id"],
                "wording": c["wording"],
                "verdict": verdict,
                "rule_verdict": rule,
                "certainty": grade.certainty if grade else NO_EVIDENCE,
                "key_studies": ";".join(key),
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)


def verdict_counts(verdicts: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """Number of claims per verdict, on the scale's order (every verdict of the scale, even with no claims)."""
    scales = scales or default_scales()
    counts = verdicts["verdict"].value_counts().reindex(list(scales.verdicts), fill_value=0)
    return counts.rename_axis("verdict").reset_index(name="claims")


def citation_fidelity(
    citations: pd.DataFrame,
    claims: pd.DataFrame,
    studies: pd.DataFrame,
    grades: list[OutcomeGrade],
) -> pd.DataFrame:
    """Each claim that cites a source: what it cites, whether that supports the claim as stated, and how it departs.

    The evidence the article cites is kept apart from the evidence the review found
    (the outcome's certainty and key studies), so a reviewer sees both.
    """
    by_outcome = {g.outcome_id: g for g in grades}
    design = studies.set_index("study_id")["design"]
    merged = citations.merge(claims[["claim_id", "source_id", "quote", "outcome_id", "cited_work"]], on="claim_id", how="left")
    rows = []
    for _, r in merged.sort_values("claim_id", kind="stable").iterrows():
        g = by_outcome.get(r["outcome_id"])
        rows.append(
            {
                "claim_id": r["claim_id"],
                "source_id": r["source_id"],
                "quote": r["quote"],
                "article cites": r["cited_work"],
                "identified as": r["study_id"] or "not identifiable",
                "cited design": design.get(r["study_id"], "") if r["study_id"] else "",
                "support": r["support"],
                "departures": r["departures"].replace(";", "; "),
                "reason": r["reason"],
                "review's certainty": g.certainty if g else NO_EVIDENCE,
                "review's key studies": "; ".join((g.studies or g.context)[:3]) if g else "",
            }
        )
    return pd.DataFrame(rows)


WORDING_WEIGHT = {"hedged": 0, "plain": 1, "absolute": 2}


def furthest_from_evidence(verdicts: pd.DataFrame, claims: pd.DataFrame, n: int = 5, scales: Scales | None = None) -> pd.DataFrame:
    """The ``n`` claims whose wording is furthest from their evidence.

    Distance = the verdict's place on the scale (supported 0, partly supported 1, ...,
    untested 0) + wording strength (absolute 2, plain 1, hedged 0) + the certainty's
    ``distance`` in certainty.csv (high 0 ... very low 3, no evidence 4). Ties go to
    the claim repeated by more articles, then to claim_id. Opinions are left out:
    they cannot be tested.
    """
    scales = scales or default_scales()
    v = verdicts.merge(claims[["claim_id", "quote", "claim_type"]], on="claim_id", how="left")
    v = v[v["claim_type"] != "opinion"].copy()
    repeat = claims.groupby("outcome_id")["source_id"].nunique()
    v["articles"] = v["outcome_id"].map(repeat).fillna(0).astype(int)
    weight = v["verdict"].map(lambda x: max(scales.severity(x) - 1, 0))
    v["distance"] = weight + v["wording"].map(WORDING_WEIGHT) + v["certainty"].map(scales.distance)
    v = v.sort_values(["distance", "articles", "claim_id"], ascending=[False, False, True], kind="stable")
    cols = ["claim_id", "source_id", "quote", "wording", "verdict", "certainty", "articles", "distance", "reason"]
    return v[cols].head(n).reset_index(drop=True)


def claims_with_verdicts(verdicts: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Every claim beside its verdict, certainty, key studies (bib keys) and reason, by claim_id."""
    v = verdicts.merge(claims[["claim_id", "quote"]], on="claim_id", how="left")
    v["key studies"] = v["key_studies"].str.replace(";", "; ", regex=False)
    cols = ["claim_id", "quote", "verdict", "certainty", "key studies", "reason"]
    return v[cols].reset_index(drop=True)


def markdown_text(text: str) -> str:
    """Text from an article or a data file, made inert inside markdown: HTML escaped, markdown syntax backslashed."""
    escaped = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", escaped)


def narrative(top: pd.DataFrame, n_articles: int) -> str:
    """A short markdown paragraph per claim in ``top`` (from :func:`furthest_from_evidence`).

    Quotes come from the articles, so they are escaped: a quote containing
    ``<script>`` shows as text.
    """
    parts = []
    for _, r in top.iterrows():
        reason = r["reason"][0].upper() + r["reason"][1:]
        parts.append(
            f"- **{r['claim_id']}** ({r['source_id']}), \u201c{markdown_text(r['quote'])}\u201d: **{r['verdict']}**, "
            f"evidence of {r['certainty']} certainty; the outcome is claimed by {r['articles']} of the {n_articles} articles. {markdown_text(reason)}."
        )
    return "\n".join(parts)


def verdict_matrix(verdicts: pd.DataFrame, outcomes: pd.DataFrame, sources: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """Outcome (rows, by label) by article (columns): the worst verdict among that article's claims; empty if none.

    "Worst" follows the scale's one order (:meth:`review.scales.Scales.severity`).
    Rows are ordered by how many articles make the claim, then by label.
    """
    scales = scales or default_scales()
    worst = verdicts.assign(_s=verdicts["verdict"].map(scales.severity)).sort_values("_s", kind="stable").groupby(["outcome_id", "source_id"])["verdict"].last()
    m = worst.unstack("source_id").reindex(columns=sorted(sources["source_id"]))
    labels = outcomes.set_index("outcome_id")["label"]
    order = m.notna().sum(axis=1).rename("n").to_frame().assign(label=labels.reindex(m.index)).sort_values(["n", "label"], ascending=[False, True], kind="stable")
    m = m.loc[order.index].fillna("")
    m.index = pd.Index(order["label"], name="outcome")
    m.columns.name = "article"
    return m


def popularity(verdicts: pd.DataFrame, grades_table: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """Per claimed outcome: how many articles repeat it, the certainty of its evidence, and its worst verdict."""
    scales = scales or default_scales()
    g = verdicts.groupby("outcome_id")
    out = pd.DataFrame(
        {
            "articles": g["source_id"].nunique(),
            "claims": g.size(),
            "worst verdict": g["verdict"].agg(scales.worst),
        }
    )
    gt = grades_table.set_index("outcome_id")
    out["label"] = gt["label"].reindex(out.index)
    out["certainty"] = gt["certainty"].reindex(out.index)
    out["level"] = out["certainty"].map(scales.level).fillna(0).astype(int)
    return out.reset_index().sort_values(["articles", "level", "outcome_id"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
