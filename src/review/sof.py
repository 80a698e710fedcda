"""A Summary of Findings like GRADEpro's: one row per outcome, with its effect, certainty, footnotes and statement.

Each row gives the participants and studies the rating rests on; the effect (the
pooled estimate with its interval where a meta-analysis exists, otherwise each
study's own estimate with its measure, otherwise a short narrative of what the
studies found); the certainty with GRADE's symbols; one numbered footnote per
change of rating; and a plain-language statement in GRADE's informative-statement
wording, matched to the certainty and to the direction of the evidence.

The statements follow GRADE guidance 26 (Santesso et al., J Clin Epidemiol
2020;119:126-135, https://pubmed.ncbi.nlm.nih.gov/31711912/): "x results in" at
high certainty, "x likely results in" at moderate, "x may result in" at low, and
at very low certainty that the evidence is very uncertain about the effect. The
templates are data (``statement`` in ``data/frameworks/certainty.csv``). Mixed
evidence gets its own sentence, which counts the studies the way the row does, so
no sentence contradicts the counts beside it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .grading import OutcomeGrade, frame_rows, main_pooled
from .scales import NO_EVIDENCE, NOT_GRADED, Scales, default_scales
from .schema import OTHER_PROCEDURE

SOF_COLUMNS = ["outcome_id", "label", "studies", "participants", "effect", "certainty", "footnotes", "statement"]
#: what the body of evidence shows, for the statement's {effect}
EFFECT_WORDS = {
    "benefit": "an improvement in {outcome}",
    "harm": "a worsening of {outcome} (more harm)",
    "no difference": "little to no difference in {outcome}",
}
#: how a study's direction reads in a count ("2 report benefit")
DIRECTION_WORDS = {"benefit": "benefit", "harm": "harm", "no difference": "no difference", "mixed": "mixed results"}


def _n(n: int, word: str = "study") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {'studies' if word == 'study' else word + 's'}"


def _counts(reported: tuple[tuple[str, int], ...]) -> str:
    """``2 report benefit, 1 no difference`` (most common first)."""
    items = sorted(reported, key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{n} {'reports' if n == 1 else 'report'} {DIRECTION_WORDS.get(d, d)}" if i == 0 else f"{n} {DIRECTION_WORDS.get(d, d)}"
                     for i, (d, n) in enumerate(items))


def statement(grade: OutcomeGrade, label: str, treatment: str, scales: Scales) -> str:
    """The plain-language statement for one outcome, matched to its certainty and direction."""
    outcome = label[:1].lower() + label[1:] if not label[:2].isupper() else label
    n = len(grade.studies)
    reported = sum(k for _, k in grade.reported)
    fields = {"treatment": treatment[:1].upper() + treatment[1:], "treatment_lower": treatment.lower(), "outcome": outcome, "outcome_title": label}
    if grade.certainty in (NO_EVIDENCE, NOT_GRADED):
        return scales.statements[grade.certainty].format(**fields, effect="", studies_say="")
    if grade.direction == "not reported" or reported == 0:
        found = "The only study found reports no result" if n == 1 else f"None of the {_n(n)} found reports a result"
        return f"{found} on {outcome}, so the evidence says nothing about the effect of {treatment.lower()} on it."
    not_reporting = n - reported
    tail = f"; {_n(not_reporting)} report no result" if not_reporting else ""
    if grade.direction == "mixed":
        hedge = {4: "and the certainty is high", 3: "with moderate certainty", 2: "with low certainty"}.get(scales.level(grade.certainty), "and the evidence is very uncertain")
        return (f"The studies disagree about the effect of {treatment.lower()} on {outcome}: of the {_n(n)}, {_counts(grade.reported)}{tail}; "
                f"no direction is established, {hedge}.")
    effect = EFFECT_WORDS[grade.direction].format(outcome=outcome)
    studies_say = f"the studies point to {effect} ({_counts(grade.reported)}{tail})"
    return scales.statements[grade.certainty].format(**fields, effect=effect, studies_say=studies_say)


def footnotes(grade: OutcomeGrade, scales: Scales) -> str:
    """One numbered footnote per change of rating: ``1. Risk of bias (−1, serious): reason``."""
    notes = [f"{scales.domain_labels.get(c.domain, c.domain).capitalize()} ({scales.mark(c.judgement)}, {c.judgement}): {c.reason}."
             for c in grade.calls if c.steps != 0]
    if grade.signoff and grade.signoff != grade.rule_certainty:  # the reviewer's sign-off changes the rating too
        notes.append(f"Reviewer's sign-off: {grade.signoff} (the rules give {grade.rule_certainty}): {grade.signoff_note.rstrip('.')}.")
    return " ".join(f"{i}. {text}" for i, text in enumerate(notes, start=1))


def _num(x: float) -> str:
    return f"{x:.2f}"


def effect_text(grade: OutcomeGrade, findings: pd.DataFrame | list[dict], pooled: pd.DataFrame | list[dict] | None, cite: Callable[[str], str]) -> str:
    """The pooled estimate with its interval; else each study's estimate with its measure; else a short narrative."""
    p = main_pooled(pooled)
    if p is not None:
        return f"{p['effect_type']} {_num(p['estimate'])} [{_num(p['ci_low'])} to {_num(p['ci_high'])}] (pooled, {int(p['k'])} studies; {p['comparison']})"
    ids = list(grade.studies) + [s for s in grade.context if s not in grade.studies]
    order = {s: i for i, s in enumerate(ids)}
    found = frame_rows(findings) if isinstance(findings, pd.DataFrame) else findings
    rows = sorted((r for r in found if r["study_id"] in order and pd.notna(r["effect"])), key=lambda r: (order[r["study_id"]], r["study_id"]))
    if rows:
        parts = []
        for r in rows:
            ci = f" [{_num(r['ci_low'])} to {_num(r['ci_high'])}]" if pd.notna(r["ci_low"]) else ""
            parts.append(f"{cite(r['study_id'])}: {r['effect_type']} {_num(r['effect'])}{ci}")
        return "; ".join(parts)
    if grade.certainty == NO_EVIDENCE:
        return "no studies"
    if grade.certainty == NOT_GRADED:
        return f"not estimated; {_n(len(grade.studies), 'source')} checked"
    if not grade.reported:
        if len(grade.studies) == 1:
            return "no estimate; the only study reports no result on this outcome"
        return f"no estimate; none of the {_n(len(grade.studies))} reports a result on this outcome"
    return f"no estimate recorded; of {_n(len(grade.studies))}, {_counts(grade.reported)}"


def summary_of_findings(
    grades: list[OutcomeGrade],
    outcomes: pd.DataFrame,
    findings: pd.DataFrame,
    pooled: pd.DataFrame | None = None,
    scales: Scales | None = None,
    treatment: str = "microneedling",
    cite: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """One row per outcome (summary_of_findings.csv), best supported first: certainty, then participants.

    ``cite`` turns a bib key into what a reader sees (``review.citations.short_citation``); keys by default.
    """
    scales = scales or default_scales()
    cite = cite or (lambda key: key)
    label = dict(zip(outcomes["outcome_id"], outcomes["label"]))
    subject = dict(zip(outcomes["outcome_id"], outcomes["subject"]))
    by_pooled: dict[str, list[dict]] = {}
    for r in (frame_rows(pooled) if pooled is not None else []):
        by_pooled.setdefault(r["outcome_id"], []).append(r)
    with_effect = findings[findings["effect"].notna()]
    by_findings: dict[str, list[dict]] = {}
    for r in frame_rows(with_effect[["study_id", "outcome_id", "effect", "ci_low", "ci_high", "effect_type"]]):
        by_findings.setdefault(r["outcome_id"], []).append(r)
    order = {c: i for i, c in enumerate(reversed(scales.levels))} | {NOT_GRADED: len(scales.levels), NO_EVIDENCE: len(scales.levels) + 1}
    rows = []
    for g in grades:
        name = str(label[g.outcome_id])
        who = "the procedure" if subject[g.outcome_id] == OTHER_PROCEDURE else treatment
        rows.append(
            {
                "outcome_id": g.outcome_id,
                "label": name,
                "studies": len(g.studies),
                "participants": g.participants,
                "effect": effect_text(g, by_findings.get(g.outcome_id, []), by_pooled.get(g.outcome_id), cite),
                "certainty": scales.rated(g.certainty),
                "footnotes": footnotes(g, scales),
                "statement": statement(g, name, who, scales),
                "_order": order[g.certainty],
            }
        )
    frame = pd.DataFrame(rows, columns=SOF_COLUMNS + ["_order"])
    frame = frame.sort_values(["_order", "participants", "outcome_id"], ascending=[True, False, True], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def sof_table(sof: pd.DataFrame) -> pd.DataFrame:
    """The Summary of Findings as a reviewer reads it: outcome, participants (studies), effect, certainty, footnotes, statement."""
    return pd.DataFrame(
        {
            "outcome": sof["label"],
            "participants (studies)": [f"{p:,} ({s})" for p, s in zip(sof["participants"], sof["studies"])],
            "effect": sof["effect"],
            "certainty": sof["certainty"],
            "footnotes": sof["footnotes"],
            "what the evidence says": sof["statement"],
        }
    )
