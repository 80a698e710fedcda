"""Check the numbers claims state against the numbers in the evidence tables.

Every figure here is computed from ``data/findings.csv`` and ``data/studies.csv``;
nothing is typed in. A proportion is given with its exact (Clopper-Pearson)
95% confidence interval: the beta quantiles, from scipy.special (the same
interval as statsmodels' ``proportion_confint(method="beta")``, which the
tests compare with; statsmodels itself took 0.7 s to import for this one
interval, in every build).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

PRIMARY_DESIGNS = ("RCT", "split-body RCT", "non-randomised controlled", "cohort", "case series")


@dataclass(frozen=True)
class Quantity:
    kind: str  # percent, range, multiple, count
    low: float
    high: float
    unit: str


def parse_quantity(text: str) -> Quantity | None:
    """Read a claim's ``quantity`` cell: ``100%``, ``4-6 sessions``, ``10-20 minutes``, ``4x``, ``1 week``.

    >>> parse_quantity("4-6 sessions")
    Quantity(kind='range', low=4.0, high=6.0, unit='sessions')
    """
    t = text.strip().lower()
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", t):
        v = float(m.group(1))
        return Quantity("percent", v, v, "%")
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*x", t):
        v = float(m.group(1))
        return Quantity("multiple", v, v, "x")
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:-|to|–)\s*(\d+(?:\.\d+)?)\s+([a-z]+)", t):
        return Quantity("range", float(m.group(1)), float(m.group(2)), m.group(3))
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s+([a-z]+)", t):
        v = float(m.group(1))
        return Quantity("count", v, v, m.group(2))
    return None


def exact_ci(events: int, total: int, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper-Pearson interval for ``events`` of ``total``: the alpha/2 and 1 - alpha/2 quantiles of Beta(x, n - x + 1) and Beta(x + 1, n - x)."""
    from scipy.special import betaincinv  # the inverse regularised incomplete beta function: the beta quantile

    lo = 0.0 if events == 0 else float(betaincinv(events, total - events + 1, alpha / 2))
    hi = 1.0 if events == total else float(betaincinv(events + 1, total - events, 1 - alpha / 2))
    return lo, hi


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def check_percent(claimed: float, study: pd.Series, finding: pd.Series) -> tuple[str, str]:
    """A claimed percentage against a study's improved/total counts: (what the study reports, verdict)."""
    events, total = int(finding["events"]), int(finding["total"])
    p = events / total
    lo, hi = exact_ci(events, total)
    parts = [f"{events} of {total} analysed improved: {_pct(p)} (95% CI {_pct(lo)} to {_pct(hi)}, Clopper-Pearson)"]
    enrolled = study.get("n_enrolled")
    if pd.notna(enrolled) and int(enrolled) > total:
        parts.append(f"{int(enrolled)} enrolled; counting the {int(enrolled) - total} who did not complete as not improved: {events} of {int(enrolled)} ({_pct(events / int(enrolled))})")
    reported = "; ".join(parts)
    c = claimed / 100
    if lo <= c <= hi:
        return reported, "consistent: the claimed figure lies inside the study's confidence interval"
    return reported, f"misquoted: {claimed:g}% lies outside the study's own 95% interval"


def session_range(studies: pd.DataFrame) -> tuple[int, int, float, int] | None:
    """Sessions used by primary clinical microneedling studies: min, max, median of the maxima, study count."""
    s = studies[studies["design"].isin(PRIMARY_DESIGNS) & studies["intervention_class"].isin(["microneedling alone", "microneedling combined"])]
    hi = s["sessions_max"].dropna().astype(int)
    lo = s["sessions_min"].dropna().astype(int)
    if hi.empty:
        return None
    return int(lo.min() if not lo.empty else hi.min()), int(hi.max()), float(hi.median()), int(len(hi))


def quantity_checks(
    claims: pd.DataFrame,
    findings: pd.DataFrame,
    studies: pd.DataFrame,
    searches: pd.DataFrame,
    citations: pd.DataFrame,
) -> pd.DataFrame:
    """One row per claim that states a number: the claim's figure beside what the evidence reports.

    ``status`` is the check's answer as ``data/frameworks/check_verdicts.csv`` names it
    (consistent, misquoted, within range, outside range, no source, not applicable), or
    empty when nothing could be compared; it limits the claim's verdict.
    """
    search = searches.set_index("outcome_id")
    cited = citations.set_index("claim_id") if len(citations) else pd.DataFrame()
    study = studies.set_index("study_id")
    rows = []
    for _, c in claims[claims["quantity"].fillna("") != ""].sort_values("claim_id").iterrows():
        q = parse_quantity(c["quantity"])
        reported, check, status, source = "", "", "", ""
        sid = cited.loc[c["claim_id"], "study_id"] if c["claim_id"] in cited.index else ""
        if c["claim_type"] == "caution" and q and q.kind == "percent":
            reported, check, status = "", "not applicable: the article itself denies the figure", "not applicable"
        elif q and q.kind == "percent" and sid:
            f = findings[(findings["study_id"] == sid) & (findings["outcome_id"] == c["outcome_id"]) & findings["events"].notna()]
            if len(f):
                reported, check = check_percent(q.low, study.loc[sid], f.iloc[0])
                status, source = check.split(":")[0], sid
        elif q and q.kind == "range" and q.unit.startswith("session"):
            rng = session_range(studies)
            if rng:
                lo, hi, median, n = rng
                reported = f"{n} clinical studies used {lo} to {hi} sessions (median of their planned maximum: {median:g})"
                inside = lo <= q.low and q.high <= hi
                check = "within the range studies used" if inside else "outside the range studies used"
                status = "within range" if inside else "outside range"
                if median < q.low:
                    check += f"; most studies planned fewer sessions ({median:g}) than the claimed {q.low:g}-{q.high:g}"
                source = "sessions the studies planned"
        if not check:
            log = search.loc[c["outcome_id"]] if c["outcome_id"] in search.index else None
            note = f" ({log['notes']})" if log is not None and log["notes"] else ""
            has_numbers = findings[(findings["outcome_id"] == c["outcome_id"]) & findings["effect"].notna()]
            if has_numbers.empty:
                reported, check, status = "no source found", f"no study reports a comparable figure{note}", "no source"
                source = "search log"
        rows.append(
            {
                "claim_id": c["claim_id"],
                "quote": c["quote"],
                "claimed": c["quantity"],
                "reported": reported,
                "check": check,
                "status": status,
                "source": source,
            }
        )
    return pd.DataFrame(rows, columns=["claim_id", "quote", "claimed", "reported", "check", "status", "source"])
