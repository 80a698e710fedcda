"""RoB 2's overall judgement: its own algorithm, on its own three-level scale.

RoB 2 judges each domain, and the result as a whole, as **low**, **some
concerns** or **high** risk of bias
(https://methods.cochrane.org/bias/resources/rob-2-revised-cochrane-risk-bias-tool-randomized-trials;
Sterne et al. BMJ 2019;366:l4898). The overall judgement is the least
favourable domain judgement: low only if every domain is low, high if any
domain is high, some concerns otherwise; a reviewer may also call a result
high when several domains have some concerns that together substantially
lower confidence. "No information" is not on the overall scale: a domain the
pages read say nothing about cannot be low, so for the overall judgement it
counts as some concerns.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Problem, quote_value

TOOL = "RoB 2"
OVERALL = "overall"
SCALE = ("low", "some concerns", "high")
NO_INFORMATION = "no information"


def rob2_overall(domains: Iterable[str]) -> str:
    """The RoB 2 overall judgement from the domain judgements (``no information`` counts as some concerns)."""
    calls = ["some concerns" if d == NO_INFORMATION else d for d in domains]
    if not calls:
        return "some concerns"
    if "high" in calls:
        return "high"
    if all(c == "low" for c in calls):
        return "low"
    return "some concerns"


def allowed_overall(domains: Iterable[str]) -> tuple[str, ...]:
    """Overall judgements RoB 2 allows for these domains: the algorithm's, or high for several domains with concerns."""
    calls = list(domains)
    rule = rob2_overall(calls)
    concerns = sum(c in ("some concerns", NO_INFORMATION) for c in calls)
    return (rule, "high") if rule == "some concerns" and concerns >= 2 else (rule,)


def check_overall(rows: list[dict[str, str]], lines: list[int], path: str) -> list[Problem]:
    """Every recorded RoB 2 overall judgement must follow RoB 2's algorithm and scale."""
    domains: dict[str, list[str]] = {}
    for row in rows:
        if row.get("tool") == TOOL and row.get("domain") != OVERALL:
            domains.setdefault(row.get("study_id", ""), []).append(row.get("judgement", ""))
    out: list[Problem] = []
    for row, line in zip(rows, lines):
        if row.get("tool") != TOOL or row.get("domain") != OVERALL:
            continue
        allowed = allowed_overall(domains.get(row.get("study_id", ""), []))
        if row.get("judgement") not in allowed:
            out.append(Problem(path, line, "judgement", f"RoB 2 overall {quote_value(row.get('judgement', ''))} does not follow RoB 2's algorithm for {row.get('study_id')}'s domains; allowed: {', '.join(allowed)} (the overall scale is {', '.join(SCALE)})"))
    return out
