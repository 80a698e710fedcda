"""Grade the evidence: a level per study, a GRADE certainty per outcome.

Per study, the level of evidence is the **Oxford CEBM 2011 Levels of Evidence**
for treatment benefits (1 systematic review, 2 randomised trial, 3 cohort or
controlled study, 4 case series, 5 mechanism-based reasoning), read from
``data/frameworks/designs.csv``
(https://www.cebm.ox.ac.uk/resources/levels-of-evidence/levels-of-evidence-introductory-document).

Per outcome, the certainty follows the GRADE approach: the body of evidence
starts high when it contains randomised studies and low when it has only
non-randomised ones; five domains may lower it (risk of bias, inconsistency,
indirectness, imprecision, publication bias) and three may raise it (large
effect, dose-response, plausible confounding). Each domain gets a judgement
from a rule, with a generated reason; a reviewer may override any domain in
``data/judgements.csv`` with a written reason, and both calls are kept.

Every function here is pure: frames in, dataclasses or frames out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .scales import NO_EVIDENCE, NOT_GRADED, Scales, default_scales
from .schema import OTHER_PROCEDURE

#: outcome categories that are facts to check, not effects to grade
UNGRADED_CATEGORIES = ("procedure", "cost", "regulatory")
COMBINED_CLASSES = ("microneedling combined", "mixed")
NULL_AT_ZERO = ("MD", "SMD", "RD", "mean change")
NULL_AT_ONE = ("RR", "OR")


@dataclass(frozen=True)
class DomainCall:
    """One GRADE domain for one outcome: the rule's call, and a reviewer's override if any."""

    domain: str
    rule: str
    rule_reason: str
    override: str | None = None
    override_reason: str | None = None
    scales: Scales | None = field(default=None, repr=False, compare=False)

    @property
    def judgement(self) -> str:
        return self.override if self.override is not None else self.rule

    @property
    def reason(self) -> str:
        if self.override is None:
            return self.rule_reason
        return f"reviewer override ({self.rule} by rule: {self.rule_reason}): {self.override_reason}"

    @property
    def steps(self) -> int:
        return (self.scales or default_scales()).steps[self.judgement]


@dataclass(frozen=True)
class OutcomeGrade:
    """The graded body of evidence for one outcome."""

    outcome_id: str
    studies: tuple[str, ...]
    participants: int
    designs: tuple[str, ...]
    start: str  # "high", "low", or NO_EVIDENCE / NOT_GRADED
    start_reason: str
    calls: tuple[DomainCall, ...] = field(default_factory=tuple)
    direction: str = "not reported"
    context: tuple[str, ...] = ()  # reviews and lab studies shown beside the graded body
    scales: Scales | None = field(default=None, repr=False, compare=False)
    signoff: str | None = None  # the reviewer's certainty (data/certainty_signoffs.csv)
    signoff_note: str = ""

    @property
    def certainty(self) -> str:
        """The final certainty: the reviewer's sign-off when there is one, else the rule's."""
        if self.signoff and self.start not in (NO_EVIDENCE, NOT_GRADED):
            return self.signoff
        return self.rule_certainty

    @property
    def rule_certainty(self) -> str:
        if self.start in (NO_EVIDENCE, NOT_GRADED):
            return self.start
        scale = self.scales or default_scales()
        return scale.certainty_at(scale.level(self.start) + sum(c.steps for c in self.calls))

    def call(self, domain: str) -> DomainCall:
        return next(c for c in self.calls if c.domain == domain)


def study_levels(studies: pd.DataFrame, designs: pd.DataFrame) -> pd.DataFrame:
    """Each study's design and its Oxford CEBM 2011 level (treatment benefits); regulatory documents have none."""
    d = designs.set_index("design")
    out = studies[["study_id", "design", "intervention_class"]].copy()
    out["cebm_level"] = out["design"].map(d["cebm_level"]).astype("Int64")
    out["grade_start"] = out["design"].map(d["grade_start"])
    return out.sort_values(["cebm_level", "study_id"], na_position="last", kind="stable").reset_index(drop=True)


def study_rob_severity(rob: pd.DataFrame, rob_judgements: pd.DataFrame) -> dict[str, float]:
    """Each appraised study's overall risk-of-bias severity, from the ``severity`` column of rob_judgements.csv.

    0 low, 1 some concerns, 2 high, 3 critical; NaN where the judgement has no
    severity (no information). A tool with an ``overall`` domain gives it
    directly; a checklist without one (JBI) is summarised by its worst answered item.
    """
    sev = {
        (t, j): float(v) if pd.notna(v) else np.nan
        for t, j, v in zip(rob_judgements["tool"], rob_judgements["judgement"], rob_judgements["severity"])
    }
    calls = rob[["study_id", "tool", "domain", "judgement"]].copy()
    calls["severity"] = np.array([sev.get((t, j), np.nan) for t, j in zip(calls["tool"], calls["judgement"])], dtype=float)
    with_overall = set(calls.loc[calls["domain"] == "overall", "study_id"])
    use = calls[(calls["domain"] == "overall") | ~calls["study_id"].isin(with_overall)]
    worst = use.groupby("study_id", sort=True)["severity"].max()
    return {str(study_id): float(r) for study_id, r in worst.items()}


def _rob_role(severity: float | None) -> str:
    """A severity as the word the reasons use."""
    if severity is None or pd.isna(severity):
        return "none"
    return {0: "low", 1: "some"}.get(int(severity), "high" if severity < 3 else "critical")


def _weights(body: pd.DataFrame) -> pd.Series:
    """Participants per study (analysed, else enrolled, else 0); precomputed as ``weight`` by :func:`evidence_for`."""
    if "weight" in body.columns:
        return body["weight"]
    n = body["n_analysed"].fillna(body["n_enrolled"]).astype("Float64").fillna(0)
    return n.astype(float)


def _share(mask: Sequence[bool], weights: pd.Series) -> float:
    """Share of participants (or of studies, when no sizes are known) for which ``mask`` holds."""
    m = np.asarray(mask, dtype=bool)
    w = np.asarray(weights, dtype=float)
    if w.sum() > 0:
        return float(w[m].sum() / w.sum())
    return float(m.mean()) if len(m) else 0.0


def _listing(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _risk_of_bias(body: pd.DataFrame, severity: dict[str, float], reviews_only: bool) -> tuple[str, str]:
    if reviews_only:
        return "serious", "only reviews: the studies they include were not appraised in this workbook"
    r = [_rob_role(severity.get(s)) for s in body["study_id"]]
    w = _weights(body)
    high = _share([x in ("high", "critical") for x in r], w)
    critical = _share([x == "critical" for x in r], w)
    none = _share([x == "none" for x in r], w)
    counts = _listing(Counter(r))
    if critical >= 0.5:
        return "very serious", f"most of the evidence ({critical:.0%} of participants) is at critical risk of bias ({counts})"
    if high >= 0.5:
        return "serious", f"most of the evidence ({high:.0%} of participants) is at high risk of bias ({counts})"
    if none >= 0.5:
        return "serious", f"risk of bias could not be judged for most of the evidence ({none:.0%} of participants; only abstracts read) ({counts})"
    return "not serious", f"most of the evidence is at low risk or some concerns ({counts})"


def _reported(body: pd.DataFrame) -> Counter[str]:
    """How many studies report each direction (``not reported`` left out)."""
    return Counter(d for d in body["direction"] if d != "not reported")


def _inconsistency(body: pd.DataFrame, th: dict[str, float]) -> tuple[str, str]:
    counts = _reported(body)
    total = sum(counts.values())
    if total < 2:
        return "not serious", "fewer than two studies report a direction: consistency cannot be judged"
    share = counts.most_common(1)[0][1] / total
    if share < th["consistent_share"]:
        return "serious", f"studies disagree on the direction of effect ({_listing(counts)})"
    return "not serious", f"studies agree on the direction of effect ({_listing(counts)})"


def _indirectness(body: pd.DataFrame, subject: str, lab_only: bool) -> tuple[str, str]:
    if lab_only:
        return "very serious", "only laboratory (ex vivo, in vitro) or animal evidence, for a claim about people"
    if subject == OTHER_PROCEDURE:
        return "not serious", "the studies test the procedure the claim is about"
    w = _weights(body)
    combined = _share(body["intervention_class"].isin(COMBINED_CLASSES), w)
    k = int(body["intervention_class"].isin(COMBINED_CLASSES).sum())
    if combined >= 0.5:
        return "serious", (
            f"{k} of {len(body)} studies ({combined:.0%} of participants) tested microneedling combined with another "
            "treatment; the claims credit microneedling alone"
        )
    return "not serious", f"{len(body) - k} of {len(body)} studies tested microneedling alone"


def _imprecision(body: pd.DataFrame, participants: int, th: dict[str, float]) -> tuple[str, str]:
    very_serious_n, serious_n = int(th["small_body_participants"]), int(th["ois_participants"])
    crossing = []
    for sid, lo, hi, kind in zip(body["study_id"], body["ci_low"], body["ci_high"], body["effect_type"]):
        if pd.isna(lo) or pd.isna(hi) or pd.isna(kind) or not kind:
            continue
        null = 0.0 if kind in NULL_AT_ZERO else 1.0 if kind in NULL_AT_ONE else None
        if null is not None and lo <= null <= hi:
            crossing.append(sid)
    if participants < very_serious_n:
        return "very serious", f"{participants} participants in all, fewer than {very_serious_n}"
    if crossing:
        return "serious", f"confidence interval includes no effect ({', '.join(sorted(crossing))})"
    if participants < serious_n:
        return "serious", f"{participants} participants in all, fewer than the {serious_n} this workbook asks for"
    return "not serious", f"{participants} participants and no interval that includes no effect"


def _publication_bias(body: pd.DataFrame, th: dict[str, float]) -> tuple[str, str]:
    sizes = _weights(body)
    small = int(th["small_study_participants"])
    positive = (body["direction"] == "benefit").all()
    if len(body) >= 3 and positive and (sizes < small).all():
        return "serious", f"all {len(body)} studies are small (under {small} participants) and all report benefit: small-study effects are likely"
    if len(body) < 10:
        return "not serious", f"not detected; {len(body)} stud{'y' if len(body) == 1 else 'ies'}, too few to test for small-study effects"
    return "not serious", "not detected"


def _large_effect(body: pd.DataFrame, start: str, downgraded: bool, th: dict[str, float]) -> tuple[str, str]:
    if start != "low":
        return "none", "randomised evidence is not upgraded"
    if downgraded:
        return "none", "not considered: the evidence was downgraded in another domain"
    rel = body[body["effect_type"].isin(NULL_AT_ONE) & body["ci_low"].notna()]
    big = rel[(rel["effect"] >= th["large_effect_rr"]) & (rel["ci_low"] > 1)]
    if len(big) and (big["effect"] >= th["very_large_effect_rr"]).any():
        return "upgrade two levels", f"very large relative effect ({', '.join(sorted(big['study_id']))})"
    if len(big):
        return "upgrade one level", f"large relative effect, 2 or more with the interval excluding 1 ({', '.join(sorted(big['study_id']))})"
    return "none", "no relative effect of 2 or more with an interval excluding 1"


def _direction(body: pd.DataFrame, consistent_share: float) -> str:
    counts = _reported(body).most_common()
    if not counts:
        return "not reported"
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return "mixed"
    return counts[0][0] if counts[0][1] / sum(c for _, c in counts) >= consistent_share else "mixed"


def _sort_body(body: pd.DataFrame) -> pd.DataFrame:
    if "weight" not in body.columns:
        body = body.assign(weight=_weights(body))
    return body.sort_values(["cebm_level", "weight", "study_id"], ascending=[True, False, True], kind="stable")


def grade_outcome(
    outcome: pd.Series,
    evidence: pd.DataFrame,
    severity: dict[str, float],
    overrides: pd.DataFrame,
    scales: Scales | None = None,
) -> OutcomeGrade:
    """Grade one outcome from its findings joined with study designs (``evidence``).

    ``evidence`` has one row per study with columns of findings and studies plus
    ``grade_start`` and ``cebm_level`` from the designs table.
    """
    scales = scales or default_scales()
    th = dict(scales.thresholds)
    oid = str(outcome["outcome_id"])
    evidence = _sort_body(evidence)
    category = str(outcome.get("category", "efficacy"))
    if category in UNGRADED_CATEGORIES:
        return OutcomeGrade(oid, tuple(evidence["study_id"]), 0, tuple(sorted(set(evidence["design"]))), NOT_GRADED,
                            f"a {category} fact: checked against its sources by a reviewer, not graded with GRADE",
                            (), _direction(evidence, th["consistent_share"]), scales=scales)
    primary = evidence[evidence["grade_start"].isin(["high", "low"])]
    if (primary["direction"] != "not reported").any():  # studies that measured the outcome come first
        primary = primary[primary["direction"] != "not reported"]
    reviews = evidence[evidence["grade_start"] == "review"]
    lab = evidence[evidence["grade_start"] == "indirect"]
    reviews_only = lab_only = False
    if len(primary):
        body = primary[primary["grade_start"] == "high"] if (primary["grade_start"] == "high").any() else primary
        start = "high" if body["grade_start"].iloc[0] == "high" else "low"
        start_reason = (
            "randomised studies: GRADE starts at high" if start == "high" else "non-randomised studies only: GRADE starts at low"
        )
    elif len(reviews):
        body, start, reviews_only = reviews, "low", True
        start_reason = "only reviews; their included studies were not appraised here, so the rating starts at low"
    elif len(lab):
        body, start, lab_only = lab, "low", True
        start_reason = "only laboratory or animal studies: rated as indirect evidence, starting at low"
    elif len(evidence):
        return OutcomeGrade(oid, tuple(evidence["study_id"]), 0, tuple(sorted(set(evidence["design"]))), NOT_GRADED,
                            "only regulatory documents: a fact to check, not an effect to grade", (), "not reported", scales=scales)
    else:
        return OutcomeGrade(oid, (), 0, (), NO_EVIDENCE, "no study reports this outcome", scales=scales)
    participants = int(_weights(body).sum())
    rules = {
        "risk_of_bias": _risk_of_bias(body, severity, reviews_only),
        "inconsistency": _inconsistency(body, th),
        "indirectness": _indirectness(body, str(outcome.get("subject", "")), lab_only),
        "imprecision": _imprecision(body, participants, th),
        "publication_bias": _publication_bias(body, th),
    }
    mine = overrides[overrides["outcome_id"] == oid].set_index("domain") if len(overrides) else overrides
    calls = [_call(domain, rules[domain], mine, scales) for domain in scales.down_domains]
    downgraded = any(c.steps < 0 for c in calls)
    up_rules = {
        "large_effect": _large_effect(body, start, downgraded, th),
        "dose_response": ("none", "no dose-response data recorded"),
        "plausible_confounding": ("none", "not assessed: residual confounding cannot be judged from abstracts"),
    }
    calls += [_call(domain, up_rules[domain], mine, scales) for domain in scales.up_domains]
    in_body = set(body["study_id"])
    context = tuple(s for s in evidence["study_id"] if s not in in_body)
    return OutcomeGrade(
        oid, tuple(body["study_id"]), participants, tuple(sorted(set(body["design"]))), start, start_reason,
        tuple(calls), _direction(body, th["consistent_share"]), context, scales,
    )


def _call(domain: str, rule: tuple[str, str], overrides: pd.DataFrame, scales: Scales) -> DomainCall:
    if len(overrides) and domain in overrides.index:
        row = overrides.loc[domain]
        return DomainCall(domain, rule[0], rule[1], str(row["judgement"]), str(row["reason"]), scales)
    return DomainCall(domain, rule[0], rule[1], scales=scales)


def evidence_for(findings: pd.DataFrame, studies: pd.DataFrame, designs: pd.DataFrame) -> pd.DataFrame:
    """Findings joined with their study's design, size, intervention and design's start and level."""
    d = designs.set_index("design")[["grade_start", "cebm_level"]]
    cols = ["study_id", "design", "intervention_class", "n_enrolled", "n_analysed"]
    keep = ["study_id", "outcome_id", "direction", "effect", "ci_low", "ci_high", "effect_type"]
    ev = findings[keep].merge(studies[cols], on="study_id", how="left").join(d, on="design")
    text = {c: object for c in ev.columns if pd.api.types.is_string_dtype(ev[c].dtype)}
    return ev.astype(text).assign(weight=_weights(ev))  # plain str objects: many small selections run faster


def grade_all(
    outcomes: pd.DataFrame,
    findings: pd.DataFrame,
    studies: pd.DataFrame,
    designs: pd.DataFrame,
    rob: pd.DataFrame,
    rob_judgements: pd.DataFrame,
    overrides: pd.DataFrame,
    scales: Scales | None = None,
) -> list[OutcomeGrade]:
    """Grade every outcome, in outcome_id order."""
    scales = scales or default_scales()
    ev = evidence_for(findings, studies, designs)
    severity = study_rob_severity(rob, rob_judgements)
    by_outcome = dict(iter(ev.groupby("outcome_id", sort=False)))
    by_override = dict(iter(overrides.groupby("outcome_id", sort=False))) if len(overrides) else {}
    empty = ev.iloc[0:0]
    return [
        grade_outcome(row, by_outcome.get(row["outcome_id"], empty), severity, by_override.get(row["outcome_id"], overrides.iloc[0:0]), scales)
        for _, row in outcomes.sort_values("outcome_id").iterrows()
    ]


def grades_frame(grades: list[OutcomeGrade], outcomes: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """One row per outcome: body of evidence, each domain's judgement and reason, certainty (grades.csv)."""
    scales = scales or default_scales()
    labels = outcomes.set_index("outcome_id")["label"]
    rows = []
    for g in grades:
        row: dict[str, object] = {
            "outcome_id": g.outcome_id,
            "label": labels.get(g.outcome_id, ""),
            "studies": len(g.studies),
            "study_ids": ";".join(g.studies),
            "participants": g.participants,
            "designs": ";".join(g.designs),
            "starting_level": g.start,
            "start_reason": g.start_reason,
        }
        for domain in scales.domains:
            c = next((c for c in g.calls if c.domain == domain), None)
            row[domain] = c.judgement if c else ""
            row[f"{domain}_rule"] = c.rule if c else ""
            row[f"{domain}_reason"] = c.reason if c else ""
        row["rule_certainty"] = g.rule_certainty
        row["certainty"] = g.certainty
        row["certainty_note"] = g.signoff_note
        row["direction"] = g.direction
        row["context_studies"] = ";".join(g.context)
        rows.append(row)
    if not rows:  # a new review: no outcomes yet, the same columns
        return pd.DataFrame(columns=["outcome_id", "label", "studies", "study_ids", "participants", "designs", "starting_level", "start_reason"]
                            + [f"{d}{s}" for d in scales.domains for s in ("", "_rule", "_reason")]
                            + ["rule_certainty", "certainty", "certainty_note", "direction", "context_studies"])
    return pd.DataFrame(rows).sort_values("outcome_id", kind="stable").reset_index(drop=True)


#: GRADE's plain-language phrasing for each certainty (GRADE guidance on informative statements)
PLAIN = {
    "high": "{subject} {verb}",
    "moderate": "{subject} probably {verb}",
    "low": "{subject} may {verb_base}",
    "very low": "it is very uncertain whether {subject_lower} {verb}",
}
VERBS = {  # direction -> (third person, base form)
    "benefit": ("improves", "improve"),
    "no difference": ("makes little or no difference to", "make little or no difference to"),
    "harm": ("worsens", "worsen"),
}


def plain_statement(grade: OutcomeGrade, label: str, subject: str = "Microneedling") -> str:
    """A one-sentence plain-language summary in GRADE's graded wording ("probably", "may", "very uncertain")."""
    if grade.certainty == NO_EVIDENCE:
        return f"No study of {label.lower()} was found."
    if grade.certainty == NOT_GRADED:
        return f"{label}: a fact checked against its sources, not graded."
    if grade.direction not in VERBS:
        return f"The studies found do not measure {label.lower()}."
    if grade.direction == "mixed":
        return f"The studies disagree on {label.lower()} ({grade.certainty} certainty)."
    verb, base = VERBS[grade.direction]
    text = PLAIN[grade.certainty].format(subject=subject, subject_lower=subject.lower(), verb=f"{verb} {label.lower()}", verb_base=f"{base} {label.lower()}")
    return text[0].upper() + text[1:] + "."


def summary_of_findings(grades: list[OutcomeGrade], outcomes: pd.DataFrame, claims: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """GRADE-style Summary of Findings: claimed outcomes, studies, participants, certainty, plain statement.

    Rows are ordered from best to worst supported (certainty, then participants).
    """
    o = outcomes.set_index("outcome_id")
    claimed = set(claims["outcome_id"])
    scales = scales or default_scales()
    order = {c: i for i, c in enumerate(reversed(scales.levels))} | {NOT_GRADED: len(scales.levels), NO_EVIDENCE: len(scales.levels) + 1}
    rows = []
    for g in grades:
        if g.outcome_id not in claimed:
            continue
        named = str(o.loc[g.outcome_id, "subject"])
        subject = "The procedure" if named == OTHER_PROCEDURE else named[:1].upper() + named[1:]
        rows.append(
            {
                "outcome": o.loc[g.outcome_id, "label"],
                "outcome_id": g.outcome_id,
                "studies": len(g.studies),
                "participants": g.participants,
                "designs": ", ".join(g.designs),
                "certainty": g.certainty,
                "what the evidence says": plain_statement(g, str(o.loc[g.outcome_id, "label"]), subject),
                "_order": order[g.certainty],
            }
        )
    if not rows:  # nothing claimed yet
        return pd.DataFrame(columns=["outcome", "outcome_id", "studies", "participants", "designs", "certainty", "what the evidence says"])
    frame = pd.DataFrame(rows).sort_values(["_order", "participants", "outcome_id"], ascending=[True, False, True], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def domain_reasons(grades_table: pd.DataFrame, scales: Scales | None = None) -> pd.DataFrame:
    """Long form of grades.csv: one row per graded outcome and domain, with the rule's call and the reason."""
    scales = scales or default_scales()
    rows = []
    for _, g in grades_table.iterrows():
        if not g.get("risk_of_bias"):
            continue
        for d in scales.domains:
            rows.append({"outcome": g["label"], "domain": scales.domain_labels[d], "judgement": g[d], "rule's call": g[f"{d}_rule"], "reason": g[f"{d}_reason"]})
    return pd.DataFrame(rows)
