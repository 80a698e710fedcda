"""What a claim asserts beyond its outcome: a number, a comparison, a population or body site, a device,
a time frame, a mechanism.

Two kinds of facet:

* **decided by a reviewer**, in ``data/claim_facets.csv`` (one row per claim, with a reason): the
  treatment the claim credits (``device``), the comparator and the studies that compare with it,
  the population, body site, time frame and mechanism;
* **derived by rule**: the claim's number (its ``quantity``, checked by :mod:`review.quantities`),
  and cue words (``data/frameworks/facet_cues.csv``) that suggest a comparison, a mechanism or a time
  frame. Cues never decide a verdict; they show a reviewer which facets a new claim probably needs.

The verdict rules (:mod:`review.verdicts`) read both. :func:`direct_studies` answers the device
question: which studies tested microneedling itself, rather than another device or a combination
without a matching comparator.
"""

from __future__ import annotations

import functools
import re

from typing import TYPE_CHECKING

import pandas as pd

from .tables import records

if TYPE_CHECKING:
    from .errors import Problem
    from .tables import RawTable

#: the ``device`` facet of a claim about plain microneedling
PLAIN = "microneedling"
COMBINED_CLAIM = "microneedling combined"
#: designs whose results never count as direct clinical evidence
NOT_CLINICAL = ("indirect", "not graded")


#: the facet_cues table compiled once: every cue in one pattern, and each cue's (row, facet) pairs
CuePatterns = tuple[re.Pattern[str], dict[str, list[tuple[int, str]]]]


@functools.lru_cache(maxsize=8)
def _cue_patterns(cues: tuple[tuple[str, str], ...]) -> CuePatterns:
    """One pattern matching any cue as whole words (with a plural or past ending); the longest cue wins an overlap."""
    by_cue: dict[str, list[tuple[int, str]]] = {}
    for i, (facet, cue) in enumerate(cues):
        by_cue.setdefault(cue.lower(), []).append((i, facet))
    alternatives = "|".join(re.escape(c) for c in sorted(by_cue, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})(?:s|es|d|ed)?\b"), by_cue


def cue_patterns(cues: pd.DataFrame) -> CuePatterns:
    """The facet_cues table compiled once, for reading many quotes."""
    return _cue_patterns(tuple(zip(cues["facet"].tolist(), cues["cue"].tolist())))


def cues_in(quote: str, cues: pd.DataFrame | CuePatterns) -> dict[str, list[str]]:
    """Facets whose cue words occur in ``quote`` (whole words, with a plural or past ending; case-insensitive): facet -> cues found,
    in the order of the cue table.

    ``cues`` is the facet_cues table, or its compiled form (:func:`cue_patterns`) when many quotes are read.

    >>> cues_in("less expensive than laser", pd.DataFrame({"facet": ["comparison"], "cue": ["than"]}))
    {'comparison': ['than']}
    """
    pattern, by_cue = cue_patterns(cues) if isinstance(cues, pd.DataFrame) else cues
    hits = sorted({(i, facet, m.group(1)) for m in pattern.finditer(quote.lower()) for i, facet in by_cue[m.group(1)]})
    found: dict[str, list[str]] = {}
    for _, facet, cue in hits:
        found.setdefault(facet, []).append(cue)
    return found


#: what a study's contrast tells about plain microneedling (grading.indirect_reason decides)
CONTRASTS = ("direct", "add-on", "another device", "combination", "pooled alone and combined")


def direct_studies(findings: pd.DataFrame, studies: pd.DataFrame, designs: pd.DataFrame, devices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each clinical finding that reports a direction, with what its study's contrast tells about plain microneedling.

    One row per study and outcome; columns ``outcome_id, study_id, direction, contrast, why``. The
    judgement is the GRADE indirectness rule's (:func:`review.grading.indirect_reason`): another device,
    a combination without a matching comparator, or alone and combined pooled together are indirect;
    an add-on trial (microneedling + X vs X) is direct evidence of microneedling's own effect.
    Laboratory, animal and regulatory sources are left out: they are never clinical evidence.
    """
    from .grading import evidence_for, indirect_reason

    ev = evidence_for(findings, studies, designs, devices)
    ev = ev[(ev["direction"] != "not reported") & ~ev["grade_start"].isin(NOT_CLINICAL)]
    rows = []
    for r in ev.to_dict("records"):
        why = indirect_reason(r)
        if not why:
            contrast = "add-on" if r["intervention_class"] == "microneedling combined" else "direct"
        elif why.startswith("another device"):
            contrast = "another device"
        elif why.startswith("a combination"):
            contrast = "combination"
        else:
            contrast = "pooled alone and combined"
        rows.append({"outcome_id": r["outcome_id"], "study_id": r["study_id"], "direction": r["direction"], "contrast": contrast, "why": why})
    out = records(rows, ["outcome_id", "study_id", "direction", "contrast", "why"])
    return out.sort_values(["outcome_id", "study_id"], kind="stable").reset_index(drop=True)


def facet_table(claims: pd.DataFrame, claim_facets: pd.DataFrame, cues: pd.DataFrame, quantities: pd.DataFrame) -> pd.DataFrame:
    """Every claim with its facets, for reviewers: the reviewer's (claim_facets.csv) and the rule's (number, cues).

    A claim without a row in claim_facets.csv shows "not recorded" for the reviewer's facets.
    """
    decided = claim_facets.set_index("claim_id") if len(claim_facets) else pd.DataFrame()
    number = quantities.set_index("claim_id") if len(quantities) else pd.DataFrame()
    patterns = cue_patterns(cues)
    rows = []
    for c in claims.sort_values("claim_id", kind="stable").to_dict("records"):
        cid = c["claim_id"]
        f = decided.loc[cid] if cid in decided.index else None
        n = number.loc[cid] if cid in number.index else None
        found = cues_in(str(c["quote"]), patterns)
        rows.append(
            {
                "claim_id": cid,
                "treatment": f["device"] if f is not None else "not recorded",
                "number": c.get("quantity", "") or "",
                "number check": (n["status"] or "nothing to compare") if n is not None else "",
                "comparator": f["comparator"] if f is not None else "",
                "comparative evidence": (f"{f['comparative_result']} ({f['comparative_studies'].replace(';', '; ')})" if f is not None and f["comparative_studies"] else ("none found" if f is not None and f["comparator"] else "")),
                "population": f["population"] if f is not None else "",
                "body site": f["body_site"] if f is not None else "",
                "time frame": f["time_frame"] if f is not None else "",
                "mechanism": f["mechanism"] if f is not None else "",
                "cue words": "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(found.items())),
            }
        )
    return records(rows, ["claim_id", "treatment", "number", "number check", "comparator", "comparative evidence", "population", "body site", "time frame", "mechanism", "cue words"])


def check_facets(table: "RawTable") -> list["Problem"]:
    """Rows of claim_facets.csv that relate their cells: comparative studies need a comparator and a result, and the reverse."""
    from .errors import Problem

    out = []
    for row, line in zip(table.rows, table.lines):
        comparator, studies, result = (row.get(k, "") for k in ("comparator", "comparative_studies", "comparative_result"))
        if (studies or result) and not comparator:
            out.append(Problem(table.spec.path, line, "comparator", "comparative studies or a result are given, but no comparator; name what the claim compares microneedling with"))
        if studies and not result:
            out.append(Problem(table.spec.path, line, "comparative_result", "comparative studies are listed without what they found; allowed: favours microneedling, no difference, favours comparator, mixed"))
        if result and not studies:
            out.append(Problem(table.spec.path, line, "comparative_studies", "a comparative result is given without the studies that found it; list their study_ids"))
    return out


def facet_notes(claims: pd.DataFrame, claim_facets: pd.DataFrame, cues: pd.DataFrame) -> list[str]:
    """Validation notes: claims with no facet row, with the facets their cue words suggest."""
    have = set(claim_facets["claim_id"]) if len(claim_facets) else set()
    missing = [c for c in claims.sort_values("claim_id", kind="stable").to_dict("records") if c["claim_id"] not in have]
    if not missing:
        return []
    hints = []
    patterns = cue_patterns(cues)
    for c in missing[:10]:
        found = cues_in(str(c["quote"]), patterns)
        hints.append(f"{c['claim_id']}" + (f" (cue words suggest: {', '.join(sorted(found))})" if found else ""))
    return [
        f"{len(missing)} claim{'s have' if len(missing) > 1 else ' has'} no row in data/claim_facets.csv, so only "
        f"their number is checked (no comparison, device or population rule applies): {'; '.join(hints)}"
        + (f"; and {len(missing) - 10} more" if len(missing) > 10 else "")
    ]
