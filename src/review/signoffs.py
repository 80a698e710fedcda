"""The reviewer's sign-off on each graded outcome (data/certainty_signoffs.csv).

GRADE is a judgement with footnotes: the rules in :mod:`review.grading` propose a certainty, and a
reviewer who has read the outcome's studies and reviews confirms or changes it, writing the footnote
(what the evidence is, why this certainty, and why it differs from a systematic review in the
workbook where one concluded otherwise). Both calls are kept: ``rule_certainty`` and the final
``certainty`` with its ``certainty_note``; verdicts use the final one.

Every graded outcome is expected to carry a sign-off, but a missing one is a validation *note*,
not a problem: a newly added outcome is graded by the rules until a reviewer has read its studies,
and the Summary of Findings says "rule only" for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from .bib import Bib
from .errors import Problem, quote_value
from .tables import RawTable

#: outcome categories the rules never grade (facts checked against their sources)
UNGRADED = ("procedure", "cost", "regulatory")


def check_signoffs(tables: Mapping[str, RawTable], bib: Bib) -> tuple[list[Problem], list[str]]:
    """Sources must be bib keys; a sign-off must be for an outcome the rules grade; note graded outcomes without one."""
    so = tables.get("certainty_signoffs")
    outcomes, findings = tables.get("outcomes"), tables.get("findings")
    problems: list[Problem] = []
    notes: list[str] = []
    if not so or not so.readable:
        return problems, notes
    category = {r["outcome_id"]: r["category"] for r in outcomes.rows} if outcomes and outcomes.complete else {}
    with_findings = set(findings.values("outcome_id")) if findings and findings.complete else None
    for row, line in zip(so.rows, so.lines):
        if bib.readable:
            for key in row.get("sources", "").split():
                if key not in bib.entries and key not in bib.failed:
                    problems.append(Problem(so.spec.path, line, "sources", f"unknown bib key {quote_value(key)}; sources are space-separated keys of references.bib"))
        oid = row.get("outcome_id", "")
        if category.get(oid) in UNGRADED:
            problems.append(Problem(so.spec.path, line, "outcome_id", f"{oid} is a {category[oid]} fact, which is checked claim by claim, not graded; remove its sign-off"))
        elif with_findings is not None and oid in category and oid not in with_findings:
            problems.append(Problem(so.spec.path, line, "outcome_id", f"{oid} has no findings, so there is no certainty to sign off; remove the row or add its findings"))
    if category and with_findings is not None:
        signed = set(so.values("outcome_id"))
        missing = sorted(o for o, c in category.items() if c not in UNGRADED and o in with_findings and o not in signed)
        if missing:
            notes.append(f"{len(missing)} graded outcome{'s have' if len(missing) > 1 else ' has'} no reviewer sign-off in {so.spec.path} (the rule's certainty stands): {', '.join(missing[:10])}" + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
    return problems, notes


def apply_signoffs(grades: list, signoffs: pd.DataFrame) -> list:
    """Each graded outcome with its reviewer's certainty and note (``OutcomeGrade.signoff``, ``.signoff_note``)."""
    by_outcome = {r["outcome_id"]: r for r in signoffs.to_dict("records")} if len(signoffs) else {}
    out = []
    for g in grades:
        r = by_outcome.get(g.outcome_id)
        out.append(dataclasses.replace(g, signoff=str(r["certainty"]), signoff_note=str(r["note"])) if r else g)
    return out


def signoff_table(grades_table: pd.DataFrame) -> pd.DataFrame:
    """Graded outcomes with the rule's certainty beside the reviewer's and the reviewer's GRADE footnote.

    An outcome nobody has signed off shows "rule only" as the reviewer's certainty.
    """
    graded = grades_table[grades_table["starting_level"].isin(["high", "low"])]
    return pd.DataFrame(
        {
            "outcome": graded["label"],
            "rule's certainty": graded["rule_certainty"],
            "reviewer's certainty": [c if n else "rule only" for c, n in zip(graded["certainty"], graded["certainty_note"])],
            "reviewer's note": graded["certainty_note"],
        }
    ).reset_index(drop=True)
