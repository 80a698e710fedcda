"""Judge every claim: one verdict per claim, on the scale defined once in ``data/frameworks/verdicts.csv``
(read through :mod:`review.scales`).

The rule starts from the outcome's final certainty (the reviewer's sign-off, else the rule's) and the
direction of its evidence, set against the claim's wording (:func:`rule_verdict`); a reviewer verdict in
``data/claim_verdicts.csv`` replaces it. Then what the claim asserts beyond its outcome can only lower it
(:func:`judge_claims`): a number no study reports or one a study reports differently, a cited study it
misquotes, a comparison no study makes, evidence only from another device or combination. Reasons are
one or two sentences naming the decisive studies by author-year.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from .articles import article_names
from .facets import COMBINED_CLAIM, PLAIN
from .grading import OutcomeGrade
from .scales import NO_EVIDENCE, NOT_GRADED, Scales, default_scales
from .tables import records


def scale_order(scales: Scales | None = None) -> tuple[str, ...]:
    """The verdicts on the scale of support, best first (not testable is off the scale)."""
    s = scales or default_scales()
    return tuple(v for v in s.verdicts if v in s.tested)

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


def _join(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _cited(grade: OutcomeGrade, cite: Callable[[str], str], n: int = 3) -> tuple[str, str]:
    """The decisive studies of a graded outcome as author-year, and the verb agreeing with them."""
    keys = list((grade.studies or grade.context)[:n])
    if not keys:
        return "The studies found", "point"
    more = len(grade.studies) - len(keys)
    names = [cite(k) for k in keys] + ([f"{more} more stud{'y' if more == 1 else 'ies'}"] if more > 0 else [])
    return _join(names), "points" if len(names) == 1 else "point"


def rule_verdict(
    claim_type: str, wording: str, category: str, grade: OutcomeGrade | None, cite: Callable[[str], str] = str
) -> tuple[str, str]:
    """The rule's verdict for one claim from its outcome's certainty and direction and its wording, with a one-sentence reason.

    Reasons state what the evidence shows, naming the decisive studies (``cite`` turns a bib key into
    author-year); they never name another verdict.
    """
    if claim_type == "opinion":
        return "not testable", "An opinion: no study can measure it."
    if grade is None or grade.certainty == NO_EVIDENCE:
        return "unsupported", "No human study of this outcome was found (see the search log)."
    if grade.certainty == NOT_GRADED:
        return "not testable", f"A {category or 'procedure'} detail that studies do not measure as an effect; no reviewer has checked it against its sources yet."
    certainty, direction = grade.certainty, grade.direction
    level = (grade.scales or default_scales()).level(certainty)
    wanted = expected_directions(claim_type, category)
    who, verb = _cited(grade, cite)
    if direction == "not reported":
        one = verb == "points"
        return "not testable", f"{who} describe{'s' if one else ''} practice but do{'es' if one else ''} not measure what the claim says."
    if direction in wanted:
        if wording == "absolute":
            if level == 4:
                return "supported", f"{who} {verb} the way the claim does, with high certainty."
            if level == 1:
                return "unsupported", f"{who} {verb} the way the claim does, but evidence of very low certainty cannot bear out an absolute claim."
            return "overstated", f"{who} {verb} the way the claim does, but with only {certainty} certainty, too little for its absolute wording."
        if level >= 3:
            return "supported", f"{who} {verb} the way the claim does, with {certainty} certainty."
        if level == 2:
            return "partly supported", f"{who} {verb} the way the claim does, with low certainty."
        if wording == "hedged":
            return "partly supported", f"{who} {verb} the way the claim does, with very low certainty, which fits its hedged wording."
        return "overstated", f"{who} {verb} the way the claim does, but with very low certainty, too little for a plain assertion."
    if direction == "mixed":
        return "unsupported", f"The studies disagree ({who}; {certainty} certainty), so they do not bear the claim out."
    if wording == "absolute":
        return "contradicted", f"{who} document{'s' if verb == 'points' else ''} harm or no effect, which refutes an absolute claim whatever its certainty."
    if level >= 2:
        return "contradicted", f"{who} {verb} against the claim, with {certainty} certainty."
    return "unsupported", f"The little evidence there is ({who}) points against the claim, with very low certainty."


def evidence_sentence(claim_type: str, category: str, grade: OutcomeGrade | None, cite: Callable[[str], str] = str) -> str:
    """What the outcome's evidence shows, without judging the claim's wording: the second sentence of a reason
    whose verdict a check or facet decided."""
    if grade is None or grade.certainty in (NO_EVIDENCE, NOT_GRADED) or grade.direction == "not reported":
        return ""
    who, verb = _cited(grade, cite)
    if grade.direction in expected_directions(claim_type, category):
        return f"For the outcome itself, {who} {verb} the way the claim does, with {grade.certainty} certainty."
    if grade.direction == "mixed":
        return f"For the outcome itself, the studies disagree ({who}; {grade.certainty} certainty)."
    return f"For the outcome itself, {who} {verb} against the claim, with {grade.certainty} certainty."


#: how a citation departure reads in a reason ("the study also ...")
DEPARTURE_PHRASES = {
    "different population or indication": "treated another population or indication",
    "uncontrolled design presented as proof": "is an uncontrolled series presented as proof",
    "combination credited to microneedling": "tested a combination the article credits to microneedling",
    "in vitro or animal presented as clinical": "is laboratory or animal work presented as clinical",
}


@dataclass(frozen=True)
class Limit:
    """A check or facet that limits a claim's verdict: the most favourable verdict it allows, and why."""

    source: str  # number check, citation check, comparison, device
    verdict: str
    reason: str


def check_limits(check_verdicts: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(check, answer) -> the most favourable verdict it allows, from data/frameworks/check_verdicts.csv (empty: no limit)."""
    return {(c, a): v for c, a, v in zip(check_verdicts["check"], check_verdicts["answer"], check_verdicts["verdict"]) if v}


def _short(reported: str) -> str:
    """The first statement of a number check's report (before the first ';')."""
    return reported.split(";")[0].strip()


def number_limit(quantity: str, check: dict[str, str] | None, limits: dict[tuple[str, str], str], cite: Callable[[str], str]) -> Limit | None:
    """The number check's limit: a figure no study reports, or one a study contradicts."""
    if check is None or not check.get("status"):
        return None
    verdict = limits.get(("number", check["status"]))
    if not verdict:
        return None
    status, reported, source = check["status"], check.get("reported", ""), check.get("source", "")
    if status == "no source":
        reason = f"No study found reports a figure like the claimed {quantity}, whatever the direction of the evidence for the outcome."
    elif status == "misquoted":
        reason = f"The claimed {quantity} is not what {cite(source)} reports: {_short(reported)}."
    else:
        reason = f"The claimed {quantity} lies outside what the studies used: {_short(reported)}."
    return Limit("number check", verdict, reason)


def citation_limit(
    citation: dict[str, str] | None, quantity: str, check: dict[str, str] | None, limits: dict[tuple[str, str], str], cite: Callable[[str], str], order: tuple[str, ...]
) -> Limit | None:
    """The citation check's limit: the cited work's support and each departure from it (data/citations.csv)."""
    if citation is None:
        return None
    departures = [d for d in str(citation["departures"]).split(";") if d]
    found = [limits.get(("citation", citation["support"]))] + [limits.get(("departure", d)) for d in departures]
    found = [v for v in found if v]
    if not found:
        return None
    verdict = max(found, key=order.index)
    sid = citation.get("study_id", "")
    name = cite(sid) if sid else "the work it cites"
    if "misquoted number" in departures and check is not None and check.get("source") == sid:
        reason = f"The article says {quantity}, but the study it cites, {name}, reports {_short(check['reported'])}."
    elif "misquoted number" in departures:
        reason = f"The article misquotes the study it cites, {name}."
    else:
        reason = f"The study the article cites, {name}, {citation['support']} the claim as stated ({'; '.join(d for d in departures if d != 'none')})."
    others = [DEPARTURE_PHRASES.get(d, d) for d in departures if d not in ("misquoted number", "none", "source not identifiable")]
    if "misquoted number" in departures and others:
        reason = reason[:-1] + f"; the study also {_join(others)}."
    return Limit("citation check", verdict, reason)


def comparison_limit(facet: dict[str, str] | None, cite: Callable[[str], str]) -> Limit | None:
    """A comparative claim is judged on studies that make the comparison (data/claim_facets.csv)."""
    if facet is None or not facet.get("comparator"):
        return None
    comparator, studies = facet["comparator"], [s for s in str(facet.get("comparative_studies", "")).split(";") if s]
    if not studies:
        return Limit("comparison", "unsupported", f"No study found compares microneedling with {comparator}, as the claim does.")
    result, who = facet.get("comparative_result", ""), _join([cite(s) for s in studies])
    if result in ("no difference", "favours comparator"):
        return Limit("comparison", "contradicted", f"{who}, comparing microneedling with {comparator}, found {'no difference' if result == 'no difference' else 'in favour of ' + comparator}.")
    if result == "mixed":
        return Limit("comparison", "unsupported", f"{who}, comparing microneedling with {comparator}, disagree.")
    return None


def device_limit(facet: dict[str, str] | None, subject: str, contrasts: pd.DataFrame | None, cite: Callable[[str], str]) -> Limit | None:
    """Evidence only from another device, or only from combinations without a matching comparator,
    cannot bear out a claim about microneedling (``contrasts``: this outcome's rows of :func:`review.facets.direct_studies`)."""
    if facet is None or subject != "microneedling" or contrasts is None or not len(contrasts):
        return None
    device = facet.get("device", "")
    if device == PLAIN:
        ok = ("direct", "add-on")
    elif device == COMBINED_CLAIM:
        ok = ("direct", "add-on", "combination", "pooled alone and combined")
    else:
        return None
    if contrasts["contrast"].isin(ok).any():
        return None
    parts = [f"{cite(s)}, {why}" for s, why in zip(contrasts["study_id"], contrasts["why"])]
    what = "microneedling itself" if device == PLAIN else "microneedling with its usual needles"
    return Limit("device", "unsupported", f"The clinical studies of this outcome are indirect evidence about {what} ({'; '.join(parts)}).")


def judge_claims(
    claims: pd.DataFrame,
    outcomes: pd.DataFrame,
    grades: list[OutcomeGrade],
    claim_verdicts: pd.DataFrame,
    key_count: int = 3,
    *,
    facets: pd.DataFrame | None = None,
    quantities: pd.DataFrame | None = None,
    citations: pd.DataFrame | None = None,
    check_verdicts: pd.DataFrame | None = None,
    contrasts: pd.DataFrame | None = None,
    cite: Callable[[str], str] = str,
    scales: Scales | None = None,
) -> pd.DataFrame:
    """One verdict per claim (verdicts.csv), in claim_id order.

    The rule's verdict (:func:`rule_verdict`), or a reviewer's from ``claim_verdicts``, is then
    limited by the claim's checks and facets: its number, the work it cites, its comparison and
    the device behind its evidence. The verdict is the least favourable of these on the scale
    (``scales``), and the reason says which decided it: one or two sentences naming studies by
    author-year. ``decided_by`` records it (rule, reviewer, number check, citation check,
    comparison, device); ``rule_verdict`` keeps the rule's own call.
    """
    order = scale_order(scales)
    cite = functools.lru_cache(maxsize=None)(cite)  # a key is looked up once, however many claims name it
    by_outcome = {g.outcome_id: g for g in grades}
    category = dict(zip(outcomes["outcome_id"], outcomes["category"]))
    subject = dict(zip(outcomes["outcome_id"], outcomes["subject"])) if "subject" in outcomes.columns else {}
    reviewer = {r["claim_id"]: r for r in claim_verdicts.to_dict("records")}
    facet = {r["claim_id"]: r for r in facets.to_dict("records")} if facets is not None else {}
    number = {r["claim_id"]: r for r in quantities.to_dict("records")} if quantities is not None else {}
    cited = {r["claim_id"]: r for r in citations.to_dict("records")} if citations is not None else {}
    limits = check_limits(check_verdicts) if check_verdicts is not None else {}
    by_contrast = dict(iter(contrasts.groupby("outcome_id", sort=False))) if contrasts is not None and len(contrasts) else {}
    rows = []
    for c in claims.sort_values("claim_id", kind="stable").to_dict("records"):
        cid, oid = c["claim_id"], c["outcome_id"]
        grade = by_outcome.get(oid)
        rule, rule_reason = rule_verdict(c["claim_type"], c["wording"], category.get(oid, ""), grade, cite)
        graded = grade is not None and grade.certainty not in (NO_EVIDENCE, NOT_GRADED)
        verdict, reason, decided = rule, rule_reason, "rule"
        context = evidence_sentence(c["claim_type"], category.get(oid, ""), grade, cite) if c["claim_type"] != "opinion" else ""
        if cid in reviewer:
            verdict, reason, decided = str(reviewer[cid]["verdict"]), cite_keys(str(reviewer[cid]["reason"]), cite), "reviewer"
            context = reason
        if verdict in order:  # an untested verdict (not testable) has nothing to limit
            quantity = str(c.get("quantity", "") or "")
            found = [  # on a tie the first decides: the citation check names the cited study
                citation_limit(cited.get(cid), quantity, number.get(cid), limits, cite, order),
                number_limit(quantity, number.get(cid), limits, cite),
                comparison_limit(facet.get(cid), cite),
                # a procedure, cost or regulatory fact is a reviewer's check, not an effect a device produces
                device_limit(facet.get(cid), subject.get(oid, "microneedling"), by_contrast.get(oid), cite) if graded else None,
            ]
            # a limit decides when it is worse than the verdict so far, or as bad as the rule's own call: its
            # reason (a number, a comparison, a device) is then the more specific one; a reviewer's tie stands
            binding = [
                lim
                for lim in found
                if lim is not None
                and (order.index(lim.verdict) > order.index(verdict) or (order.index(lim.verdict) == order.index(verdict) and decided == "rule"))
            ]
            if binding:
                worst = max(binding, key=lambda lim: order.index(lim.verdict))  # first of the worst, in the order above
                verdict, reason, decided = worst.verdict, f"{worst.reason} {context}".strip(), worst.source
        key = list(grade.studies[:key_count]) if grade else []
        if grade and not key:
            key = list(grade.context[:key_count])
        rows.append(
            {
                "claim_id": cid,
                "source_id": c["source_id"],
                "outcome_id": oid,
                "wording": c["wording"],
                "verdict": verdict,
                "decided_by": decided,
                "rule_verdict": rule,
                "certainty": grade.certainty if grade else NO_EVIDENCE,
                "key_studies": ";".join(key),
                "reason": reason,
            }
        )
    return records(rows, ["claim_id", "source_id", "outcome_id", "wording", "verdict", "decided_by", "rule_verdict", "certainty", "key_studies", "reason"])


def cite_keys(text: str, cite: Callable[[str], str]) -> str:
    """``text`` with each bib key it names (a word ``cite`` knows) replaced by its author-year citation."""

    def swap(m: re.Match[str]) -> str:
        try:
            return cite(m.group(0))
        except KeyError:
            return m.group(0)

    return re.sub(r"\b[A-Za-z][A-Za-z0-9_.]*\b", swap, text)


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
    verdicts: pd.DataFrame | None = None,
    check_verdicts: pd.DataFrame | None = None,
    scales: Scales | None = None,
) -> pd.DataFrame:
    """Each claim that cites a source: what it cites, how the claim departs from it, and the claim's one verdict.

    ``citation check`` is the limit the check puts on the verdict (data/frameworks/check_verdicts.csv);
    ``verdict`` is the claim's verdict (verdicts.csv), never more favourable than that limit. The
    evidence the article cites is kept apart from the evidence the review found (the outcome's
    certainty and key studies), so a reviewer sees both.
    """
    by_outcome = {g.outcome_id: g for g in grades}
    design = studies.set_index("study_id")["design"]
    limits = check_limits(check_verdicts) if check_verdicts is not None else {}
    final = dict(zip(verdicts["claim_id"], verdicts["verdict"])) if verdicts is not None else {}
    merged = citations.merge(claims[["claim_id", "source_id", "quote", "outcome_id", "cited_work"]], on="claim_id", how="left")
    rows = []
    for _, r in merged.sort_values("claim_id", kind="stable").iterrows():
        g = by_outcome.get(r["outcome_id"])
        departures = [d for d in r["departures"].split(";") if d]
        found = [limits.get(("citation", r["support"]))] + [limits.get(("departure", d)) for d in departures]
        found = [v for v in found if v]
        rows.append(
            {
                "claim_id": r["claim_id"],
                "source_id": r["source_id"],
                "quote": r["quote"],
                "article cites": r["cited_work"],
                "identified as": r["study_id"] or "not identifiable",
                "cited design": design.get(r["study_id"], "") if r["study_id"] else "",
                "departures": "; ".join(departures),
                "reason": r["reason"],
                "citation check": max(found, key=scale_order(scales).index) if found else "no limit",
                "verdict": final.get(r["claim_id"], ""),
                "review's certainty": g.certainty if g else NO_EVIDENCE,
                "review's key studies": "; ".join((g.studies or g.context)[:3]) if g else "",
            }
        )
    return records(rows, ["claim_id", "source_id", "quote", "article cites", "identified as", "cited design", "departures", "reason", "citation check", "verdict", "review's certainty", "review's key studies"])


def number_checks(quantities: pd.DataFrame, verdicts: pd.DataFrame, check_verdicts: pd.DataFrame) -> pd.DataFrame:
    """The number checks with the limit each puts on the verdict and the claim's one verdict, by claim_id."""
    limits = check_limits(check_verdicts)
    final = dict(zip(verdicts["claim_id"], verdicts["verdict"]))
    out = quantities.copy()
    out["number check"] = [limits.get(("number", s), "no limit") if s else "no limit" for s in out["status"]]
    out["verdict"] = out["claim_id"].map(final).fillna("")
    return out[["claim_id", "quote", "claimed", "reported", "check", "number check", "verdict", "source"]]


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
    v["decided by"] = v["decided_by"]
    cols = ["claim_id", "quote", "verdict", "decided by", "certainty", "key studies", "reason"]
    return v[cols].reset_index(drop=True)


def markdown_text(text: str) -> str:
    """Text from an article or a data file, made inert inside markdown: HTML escaped, markdown syntax backslashed."""
    escaped = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", escaped)


def narrative(top: pd.DataFrame, n_articles: int, names: Mapping[str, str] | None = None) -> str:
    """A short markdown paragraph per claim in ``top`` (from :func:`furthest_from_evidence`).

    ``names`` gives each article's name by source_id (:func:`review.articles.article_names`);
    without it the id is shown. Quotes come from the articles, so they are
    escaped: a quote containing ``<script>`` shows as text.
    """
    names = names or {}
    parts = []
    for _, r in top.iterrows():
        reason = r["reason"][0].upper() + r["reason"][1:]
        article = markdown_text(names.get(r["source_id"], r["source_id"]))
        parts.append(
            f"- **{r['claim_id']}** (*{article}*), \u201c{markdown_text(r['quote'])}\u201d: **{r['verdict']}**, "
            f"evidence of {r['certainty']} certainty; the outcome is claimed by {r['articles']} of the {n_articles} articles. {markdown_text(reason)}."
        )
    return "\n".join(parts)


def verdict_matrix(verdicts: pd.DataFrame, outcomes: pd.DataFrame, sources: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """Outcome (rows, by label) by article (columns, by short name): the worst verdict among that article's claims; empty if none.

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
    names = article_names(sources)
    m.columns = pd.Index([names[str(s)] for s in m.columns], name="article")
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
