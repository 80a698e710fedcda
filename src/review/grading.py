"""Grade the evidence: a level per study, a GRADE certainty per outcome.

Per study, the level of evidence is the **Oxford CEBM 2011 Levels of Evidence**
for treatment benefits (1 systematic review of randomised trials, 2 randomised
trial, 3 cohort or controlled study, 4 case series, 5 mechanism-based reasoning),
read from ``data/frameworks/designs.csv``; a systematic review takes the level of
what it reviews (``studies.reviews``, ``data/frameworks/review_scopes.csv``)
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

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from .scales import NO_EVIDENCE, NOT_GRADED, Scales, default_scales
from .schema import OTHER_PROCEDURE

#: outcome categories that are facts to check, not effects to grade
UNGRADED_CATEGORIES = ("procedure", "cost", "regulatory")
NULL_AT_ZERO = ("MD", "SMD", "RD", "mean change")
NULL_AT_ONE = ("RR", "OR", "HR")
#: measures of a dichotomous outcome: its information size is counted in events
DICHOTOMOUS = ("RR", "OR", "HR", "RD")


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
    reported: tuple[tuple[str, int], ...] = ()  # (direction, studies) in the body, directions reported only
    scales: Scales | None = field(default=None, repr=False, compare=False)
    signoff: str | None = None  # the reviewer's certainty (data/certainty_signoffs.csv)
    signoff_note: str = ""

    @functools.cached_property
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


def study_levels(studies: pd.DataFrame, designs: pd.DataFrame, review_scopes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each study's design and its Oxford CEBM 2011 level (treatment benefits); regulatory documents have none.

    Level 1 is a systematic review *of randomised trials*: a review's level is the one
    ``review_scopes`` gives what it reviews (studies.reviews), e.g. 4 for a review of case reports.
    """
    d = designs.set_index("design")
    out = studies[[c for c in ("study_id", "design", "reviews", "intervention_class") if c in studies.columns]].copy()
    out["cebm_level"] = out["design"].map(d["cebm_level"]).astype("Int64")
    out["cebm_level"] = _cebm_levels(out, review_scopes)
    out["grade_start"] = out["design"].map(d["grade_start"])
    return out.sort_values(["cebm_level", "study_id"], na_position="last", kind="stable").reset_index(drop=True)


def study_rob_severity(rob: pd.DataFrame, rob_judgements: pd.DataFrame) -> dict[str, float]:
    """Each appraised study's overall risk-of-bias severity, from the ``severity`` column of rob_judgements.csv.

    0 low, 1 some concerns, 2 high, 3 critical; NaN where the judgement has no
    severity (no information). A tool with an ``overall`` domain gives it
    directly; a checklist without one (JBI) is summarised by its worst answered item.
    """
    sev = rob_judgements[["tool", "judgement", "severity"]].assign(severity=lambda f: f["severity"].astype("Float64").astype(float))
    calls = rob[["study_id", "tool", "domain", "judgement"]].merge(sev, on=["tool", "judgement"], how="left")
    with_overall = set(calls.loc[calls["domain"] == "overall", "study_id"])
    use = calls[(calls["domain"] == "overall") | ~calls["study_id"].isin(with_overall)]
    worst = use.groupby("study_id", sort=True)["severity"].max()
    return {str(study_id): float(r) for study_id, r in worst.items()}


def _rob_role(severity: float | None) -> str:
    """A severity as the word the reasons use ("not appraised": no call with a severity)."""
    if severity is None or pd.isna(severity):
        return "not appraised"
    return {0: "low", 1: "some"}.get(int(severity), "high" if severity < 3 else "critical")


Row = dict  # one study's finding for an outcome, joined with its study and design (a record of :func:`evidence_for`)


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


def _weight(row: Row) -> float:
    """Participants in one study (analysed, else enrolled, else 0); precomputed as ``weight`` by :func:`evidence_for`."""
    w = row.get("weight")
    if not _missing(w):
        return float(w)
    for col in ("n_analysed", "n_enrolled"):
        n = row.get(col)
        if not _missing(n):
            return float(n)
    return 0.0


def _share(mask: Sequence[bool], weights: Sequence[float]) -> float:
    """Share of participants (or of studies, when no sizes are known) for which ``mask`` holds."""
    total = sum(weights)
    if total > 0:
        return sum(w for m, w in zip(mask, weights) if m) / total
    return sum(bool(m) for m in mask) / len(mask) if len(mask) else 0.0


def _listing(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _risk_of_bias(body: list[Row], severity: dict[str, float], reviews_only: bool) -> tuple[str, str]:
    """GRADE's study limitations from each study's severity: unclear or no information is a concern, not low risk.

    Most of the evidence (by participants) at critical risk: very serious; at high
    risk: serious; not mostly at low risk (some concerns, unclear, no information,
    or not appraised): serious; otherwise not serious.
    """
    if reviews_only:
        return "serious", "only reviews: the studies they include were not appraised in this workbook"
    r = [_rob_role(severity.get(row["study_id"])) for row in body]
    w = [_weight(row) for row in body]
    high = _share([x in ("high", "critical") for x in r], w)
    critical = _share([x == "critical" for x in r], w)
    low = _share([x == "low" for x in r], w)
    counts = _listing(Counter(r))
    if critical >= 0.5:
        return "very serious", f"most of the evidence ({critical:.0%} of participants) is at critical risk of bias ({counts})"
    if high >= 0.5:
        return "serious", f"most of the evidence ({high:.0%} of participants) is at high risk of bias ({counts})"
    if low < 0.5:
        return "serious", (
            f"most of the evidence ({1 - low:.0%} of participants) comes from studies with concerns, unclear answers or no "
            f"information on risk of bias, which is a concern, not low risk ({counts})"
        )
    return "not serious", f"most of the evidence ({low:.0%} of participants) is at low risk of bias ({counts})"


def _studies(n: int) -> str:
    return "study" if n == 1 else "studies"


def _reported(body: list[Row]) -> Counter[str]:
    """How many studies report each direction (``not reported`` left out)."""
    return Counter(row["direction"] for row in body if row["direction"] != "not reported")


def _inconsistency(body: list[Row], th: dict[str, float]) -> tuple[str, str]:
    counts = _reported(body)
    total = sum(counts.values())
    if total < 2:
        return "not serious", "fewer than two studies report a direction: consistency cannot be judged"
    share = counts.most_common(1)[0][1] / total
    if share < th["consistent_share"]:
        return "serious", f"studies disagree on the direction of effect ({_listing(counts)})"
    return "not serious", f"studies agree on the direction of effect ({_listing(counts)})"


def _arms(comparison: str) -> tuple[list[str], list[str]] | None:
    """The treatments of each arm of ``A + B vs C`` (parentheses, "alone" and sham devices dropped); None without a comparator."""
    text = re.sub(r"\([^)]*\)", "", str(comparison or "").lower())
    if " vs " not in text:
        return None
    left, right = (part.strip(" ;,.") for part in text.split(" vs ", 1))
    if left.endswith("after") and right.startswith("before"):
        return None  # before-after: no comparator
    right = right.split(" or ")[0]

    def parts(arm: str) -> list[str]:
        items = [p.strip() for p in arm.replace(" alone", "").split("+")]
        return [p for p in items if p and not p.startswith("sham")]

    return parts(left), parts(right)


def _is_needling(treatment: str) -> bool:
    return "microneedl" in treatment or "needling" in treatment


@functools.lru_cache(maxsize=4096)
def contrast(comparison: str) -> str:
    """What a comparison measures about microneedling.

    ``add-on``: microneedling + X against X alone (or a sham device + X): the
    co-treatment cancels out, so it measures microneedling's own added effect;
    ``other``: anything else with a combination (microneedling + X against
    microneedling alone measures X; against another treatment or before and
    after, the two cannot be told apart).
    """
    arms = _arms(comparison)
    if arms is None:
        return "other"
    left, right = arms
    co_left = sorted(p for p in left if not _is_needling(p))
    if len(co_left) < len(left) and co_left and not any(_is_needling(p) for p in right) and co_left == sorted(right):
        return "add-on"
    return "other"


def indirect_reason(row: Row) -> str:
    """Why one study is indirect evidence about microneedling itself ("" when it is direct)."""
    if row.get("plain", "") == "no":
        return f"another device ({row.get('device', '')})"
    cls = row["intervention_class"]
    if cls == "mixed":
        return "microneedling alone and combined, pooled together"
    if cls == "microneedling combined":
        comparison = row.get("comparison", "")
        if contrast("" if _missing(comparison) else str(comparison)) == "add-on":
            return ""
        return "a combination without a matching comparator"
    return ""


def _indirectness(body: list[Row], subject: str, lab_only: bool) -> tuple[str, str]:
    """Judged on what each study compares: an add-on trial (microneedling + X vs X) is direct evidence of
    microneedling's added effect; a combination without a matching comparator, or another device, is indirect."""
    if lab_only:
        return "very serious", "only laboratory (ex vivo, in vitro) or animal evidence, for a claim about people"
    if subject == OTHER_PROCEDURE:
        return "not serious", "the studies test the procedure the claim is about"
    why = [indirect_reason(r) for r in body]
    indirect = _share([bool(x) for x in why], [_weight(r) for r in body])
    k = sum(bool(x) for x in why)
    addon = sum(r["intervention_class"] == "microneedling combined" and not x for x, r in zip(why, body))
    direct = f"; {addon} add-on trial{'s' if addon != 1 else ''} (microneedling + X vs X) count as direct" if addon else ""
    n = len(body)
    if indirect >= 0.5:
        listing = _listing(Counter(x for x in why if x))
        return "serious", (f"{k} of {n} {_studies(n)} ({indirect:.0%} of participants) {'is' if k == 1 else 'are'} indirect evidence "
                           f"about microneedling itself: {listing}{direct}")
    return "not serious", f"{n - k} of {n} {_studies(n)} {'is' if n - k == 1 else 'are'} direct evidence about microneedling{direct}"


def _null(kind: object) -> float | None:
    return 0.0 if kind in NULL_AT_ZERO else 1.0 if kind in NULL_AT_ONE else None


def _includes_null(kind: object, lo: object, hi: object) -> bool | None:
    """Whether an interval includes no effect (None when it cannot be told)."""
    null = _null(kind)
    if null is None or _missing(lo) or _missing(hi):
        return None
    return bool(lo <= null <= hi)


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _pooled_text(p: Mapping[str, object]) -> str:
    return f"pooled {p['effect_type']} {_fmt(p['estimate'])} [{_fmt(p['ci_low'])} to {_fmt(p['ci_high'])}] from {int(p['k'])} studies"


def _pooled_rows(pooled: pd.DataFrame | list[Row] | None) -> list[Row]:
    if pooled is None:
        return []
    return frame_rows(pooled) if isinstance(pooled, pd.DataFrame) else list(pooled)


def main_pooled(pooled: pd.DataFrame | list[Row] | None) -> Row | None:
    """The pooled set an outcome is judged on: the one with most studies (then the first in pooled.csv's order)."""
    rows = _pooled_rows(pooled)
    return max(rows, key=lambda r: r["k"]) if rows else None  # max keeps the first of equals


def _imprecision(body: list[Row], participants: int, th: dict[str, float], pooled: Row | None = None) -> tuple[str, str]:
    """GRADE imprecision on the body of evidence: the pooled interval where there is one, the optimal
    information size (participants for a continuous outcome, events for a dichotomous one), single small studies."""
    small, ois_n, ois_events = int(th["small_body_participants"]), int(th["ois_participants"]), int(th["ois_events"])
    kinds = {r["effect_type"] for r in body if isinstance(r.get("effect_type"), str) and r["effect_type"]}
    counted = [float(r["events"]) for r in body if not _missing(r.get("events"))]
    events = sum(counted) if counted else None
    dichotomous = (pooled is not None and pooled["effect_type"] in DICHOTOMOUS) or bool(kinds & set(DICHOTOMOUS)) or (not kinds and events is not None)
    # the interval
    if pooled is not None:
        crossing = bool(_includes_null(pooled["effect_type"], pooled["ci_low"], pooled["ci_high"]))
        interval = f"{_pooled_text(pooled)} {'includes' if crossing else 'excludes'} no effect"
    else:
        inc = [_includes_null(r.get("effect_type"), r.get("ci_low"), r.get("ci_high")) for r in body]
        inc_ids = sorted(r["study_id"] for r, x in zip(body, inc) if x)
        if any(x is not None for x in inc):
            judged = [(x, _weight(r)) for r, x in zip(body, inc) if x is not None]
            crossing = _share([x for x, _ in judged], [w for _, w in judged]) >= 0.5
            interval = (f"no pooled estimate; the interval includes no effect for {', '.join(inc_ids)}" if inc_ids
                        else "no pooled estimate; every recorded interval excludes no effect")
        else:
            crossing, interval = False, "no interval recorded"
    # the information size
    below: bool | None
    if dichotomous and events is not None:
        below = events < ois_events
        size = f"{int(events)} events ({'below' if below else 'at least'} the optimal information size of {ois_events} events)"
    elif dichotomous:
        below, size = None, f"a dichotomous outcome with no events recorded, so the optimal information size ({ois_events} events) cannot be checked"
    else:
        below = participants < ois_n
        size = f"{participants} participants ({'below' if below else 'at least'} the optimal information size of {ois_n})"
    if participants < small:
        single = "a single small study" if len(body) == 1 else "small studies"
        return "very serious", f"{single}: {participants} participants in all, fewer than {small}; {interval}"
    if crossing:
        return "serious", f"{interval}; {size}"
    if below:
        return "serious", f"{size}; {interval}"
    if below is None and interval == "no interval recorded":
        return "serious", f"{size}, and {interval}"
    return "not serious", f"{size}; {interval}"


def _publication_bias(body: list[Row], th: dict[str, float]) -> tuple[str, str]:
    small = int(th["small_study_participants"])
    positive = all(r["direction"] == "benefit" for r in body)
    if len(body) >= 3 and positive and all(_weight(r) < small for r in body):
        return "serious", f"all {len(body)} studies are small (under {small} participants) and all report benefit: small-study effects are likely"
    if len(body) < 10:
        return "not serious", f"not detected; {len(body)} {_studies(len(body))}, too few to test for small-study effects"
    return "not serious", "not detected"


def _magnitude(estimate: float) -> float:
    """How far a ratio is from 1, either way: RR 0.25 and RR 4 are both 4-fold."""
    return float(estimate if estimate >= 1 else 1 / estimate)


def _large_effect(body: list[Row], start: str, downgraded: bool, th: dict[str, float], pooled: pd.DataFrame | list[Row] | None = None) -> tuple[str, str]:
    """GRADE's large effect: RR >= 2 or <= 0.5 (+1), >= 5 or <= 0.2 (+2), interval excluding 1.

    Only from a body of controlled studies without serious limitations, never from
    before-after series and never from one study alone: a pooled RR (k >= 2), or at
    least two controlled studies whose RRs all reach the cut-off. An odds ratio is
    not read as a risk ratio: it lies further from 1 than the RR whenever the outcome
    is common, and converting it needs the control group's risk, which findings.csv
    does not record; so an OR never raises certainty here.
    """
    large, very = th["large_effect_rr"], th["very_large_effect_rr"]
    if start != "low":
        return "none", "randomised evidence is not upgraded"
    if downgraded:
        return "none", "not considered: the evidence has serious limitations (downgraded in another domain)"
    if any(r.get("controlled", "yes") != "yes" for r in body):
        return "none", "not considered: the body includes uncontrolled (before-after) studies, whose changes cannot be told from the natural course"
    p = main_pooled([r for r in _pooled_rows(pooled) if r["effect_type"] == "RR"])
    if p is not None:
        if p["ci_low"] <= 1 <= p["ci_high"]:
            return "none", f"{_pooled_text(p)} includes no effect"
        m = _magnitude(p["estimate"])
        if m >= very:
            return "upgrade two levels", f"very large effect: {_pooled_text(p)} (at least {very:g}-fold)"
        if m >= large:
            return "upgrade one level", f"large effect: {_pooled_text(p)} (at least {large:g}-fold)"
        return "none", f"{_pooled_text(p)}: less than {large:g}-fold"
    rel = [r for r in body if r.get("effect_type") == "RR" and not _missing(r.get("ci_low"))]
    ors = sum(r.get("effect_type") == "OR" for r in body)
    note = f"; {ors} odds ratio{'s' if ors != 1 else ''} not read as risk ratios (the control risk needed to convert is not recorded)" if ors else ""
    if len(rel) < 2:
        alone = " (one study alone is not enough)" if len(rel) == 1 else ""
        return "none", f"no pooled or repeated risk ratio from controlled studies{alone}{note}"
    excl = all(r["ci_low"] > 1 or r["ci_high"] < 1 for r in rel)
    same_way = all(r["effect"] > 1 for r in rel) or all(r["effect"] < 1 for r in rel)
    mags = [_magnitude(r["effect"]) for r in rel]
    ids = ", ".join(sorted(r["study_id"] for r in rel))
    if excl and same_way and min(mags) >= very:
        return "upgrade two levels", f"very large effect in every study (RR at least {very:g}-fold: {ids}){note}"
    if excl and same_way and min(mags) >= large:
        return "upgrade one level", f"large effect in every study (RR at least {large:g}-fold: {ids}){note}"
    return "none", f"the risk ratios do not all show a {large:g}-fold effect with an interval excluding 1 ({ids}){note}"


def _direction(body: list[Row], consistent_share: float) -> str:
    counts = _reported(body).most_common()
    if not counts:
        return "not reported"
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return "mixed"
    return counts[0][0] if counts[0][1] / sum(c for _, c in counts) >= consistent_share else "mixed"


def _sort_key(row: Row) -> tuple[object, ...]:
    level = row.get("cebm_level")
    return (_missing(level), 0 if _missing(level) else level, -_weight(row), row["study_id"])


def frame_rows(frame: pd.DataFrame) -> list[Row]:
    """A frame's rows as dicts, missing values as ``pd.NA`` or NaN (many times faster than ``to_dict`` on nullable columns)."""
    keys = list(frame.columns)
    return [dict(zip(keys, values)) for values in zip(*(frame[k].tolist() for k in keys))]


def _records(evidence: pd.DataFrame | list[Row]) -> list[Row]:
    return frame_rows(evidence) if isinstance(evidence, pd.DataFrame) else list(evidence)


def _designs(rows: list[Row]) -> tuple[str, ...]:
    return tuple(sorted({r["design"] for r in rows}))


def grade_outcome(
    outcome: Mapping[str, object],
    evidence: pd.DataFrame | list[Row],
    severity: dict[str, float],
    overrides: pd.DataFrame | Mapping[str, tuple[str, str]],
    scales: Scales | None = None,
    pooled: pd.DataFrame | list[Row] | None = None,
) -> OutcomeGrade:
    """Grade one outcome from its findings joined with study designs (``evidence``).

    ``evidence`` has one row per study with columns of findings and studies plus
    ``grade_start`` and ``cebm_level`` from the designs table (:func:`evidence_for`),
    as a frame or its records; ``pooled`` the outcome's rows of ``meta.pool_all``
    (pooled.csv), if any; ``overrides`` the reviewer's judgements (data/judgements.csv).
    """
    scales = scales or default_scales()
    th = dict(scales.thresholds)
    oid = str(outcome["outcome_id"])
    rows = sorted(_records(evidence), key=_sort_key)
    ids = tuple(r["study_id"] for r in rows)
    category = str(outcome.get("category", "efficacy"))
    if category in UNGRADED_CATEGORIES:
        return OutcomeGrade(oid, ids, 0, _designs(rows), NOT_GRADED,
                            f"a {category} fact: checked against its sources by a reviewer, not graded with GRADE",
                            (), _direction(rows, th["consistent_share"]), scales=scales)
    primary = [r for r in rows if r["grade_start"] in ("high", "low")]
    if any(r["direction"] != "not reported" for r in primary):  # studies that measured the outcome come first
        primary = [r for r in primary if r["direction"] != "not reported"]
    reviews = [r for r in rows if r["grade_start"] == "review"]
    lab = [r for r in rows if r["grade_start"] == "indirect"]
    reviews_only = lab_only = False
    if primary:
        randomised = [r for r in primary if r["grade_start"] == "high"]
        body = randomised or primary
        start = "high" if randomised else "low"
        start_reason = (
            "randomised studies: GRADE starts at high" if start == "high" else "non-randomised studies only: GRADE starts at low"
        )
    elif reviews:
        body, start, reviews_only = reviews, "low", True
        start_reason = "only reviews; their included studies were not appraised here, so the rating starts at low"
    elif lab:
        body, start, lab_only = lab, "low", True
        start_reason = "only laboratory or animal studies: rated as indirect evidence, starting at low"
    elif rows:
        return OutcomeGrade(oid, ids, 0, _designs(rows), NOT_GRADED,
                            "only regulatory documents: a fact to check, not an effect to grade", (), "not reported", scales=scales)
    else:
        return OutcomeGrade(oid, (), 0, (), NO_EVIDENCE, "no study reports this outcome", scales=scales)
    participants = int(sum(_weight(r) for r in body))
    # a pooled set speaks for the body only when the body is made of primary studies (not reviews, not lab work)
    mine = _overrides_for(overrides, oid)
    pooled_rows = _pooled_rows(pooled) if not (reviews_only or lab_only) else []
    rules = {
        "risk_of_bias": _risk_of_bias(body, severity, reviews_only),
        "inconsistency": _inconsistency(body, th),
        "indirectness": _indirectness(body, str(outcome.get("subject", "")), lab_only),
        "imprecision": _imprecision(body, participants, th, main_pooled(pooled_rows)),
        "publication_bias": _publication_bias(body, th),
    }
    calls = [_call(domain, rules[domain], mine, scales) for domain in scales.down_domains]
    downgraded = any(c.steps < 0 for c in calls)
    up_rules = {
        "large_effect": _large_effect(body, start, downgraded, th, pooled_rows),
        "dose_response": ("none", "no dose-response data recorded"),
        "plausible_confounding": ("none", "not assessed: residual confounding cannot be judged from abstracts"),
    }
    calls += [_call(domain, up_rules[domain], mine, scales) for domain in scales.up_domains]
    in_body = {r["study_id"] for r in body}
    context = tuple(s for s in ids if s not in in_body)
    return OutcomeGrade(
        oid, tuple(r["study_id"] for r in body), participants, _designs(body), start, start_reason,
        tuple(calls), _direction(body, th["consistent_share"]), context, tuple(sorted(_reported(body).items())), scales=scales,
    )


def _overrides_for(overrides: pd.DataFrame | Mapping[str, tuple[str, str]], oid: str) -> Mapping[str, tuple[str, str]]:
    """A reviewer's overrides for one outcome: domain -> (judgement, reason)."""
    if not isinstance(overrides, pd.DataFrame):
        return overrides
    mine = overrides[overrides["outcome_id"] == oid] if len(overrides) else overrides
    return {str(d): (str(j), str(r)) for d, j, r in zip(mine["domain"], mine["judgement"], mine["reason"])}


def _call(domain: str, rule: tuple[str, str], overrides: Mapping[str, tuple[str, str]], scales: Scales) -> DomainCall:
    if domain in overrides:
        judgement, reason = overrides[domain]
        return DomainCall(domain, rule[0], rule[1], judgement, reason, scales)
    return DomainCall(domain, rule[0], rule[1], scales=scales)


def evidence_for(
    findings: pd.DataFrame,
    studies: pd.DataFrame,
    designs: pd.DataFrame,
    devices: pd.DataFrame | None = None,
    review_scopes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Findings joined with their study's design (start, CEBM level, controlled), size, intervention and device."""
    d = designs.set_index("design")[[c for c in ("grade_start", "cebm_level", "controlled") if c in designs.columns]]
    cols = [c for c in ("study_id", "design", "reviews", "intervention_class", "device", "n_enrolled", "n_analysed") if c in studies.columns]
    keep = [c for c in ("study_id", "outcome_id", "direction", "events", "total", "effect", "ci_low", "ci_high", "effect_type", "comparison") if c in findings.columns]
    ev = findings[keep].merge(studies[cols], on="study_id", how="left").join(d, on="design")
    if devices is not None and "device" in ev.columns:
        ev["plain"] = ev["device"].map(dict(zip(devices["device"], devices["plain"])))
    ev["cebm_level"] = _cebm_levels(ev, review_scopes)
    text = {c: object for c in ev.columns if pd.api.types.is_string_dtype(ev[c].dtype)}
    weight = ev["n_analysed"].fillna(ev["n_enrolled"]).astype("Float64").fillna(0).astype(float)
    return ev.astype(text).assign(weight=weight)  # plain str objects: many small selections run faster


def _cebm_levels(frame: pd.DataFrame, review_scopes: pd.DataFrame | None) -> pd.Series:
    """A study's CEBM level: its design's, except a systematic review, whose level is that of what it reviews."""
    level = frame["cebm_level"].astype("Int64")
    if review_scopes is None or "reviews" not in frame.columns:
        return level
    scoped = frame["reviews"].map(dict(zip(review_scopes["scope"], review_scopes["cebm_level"])))
    return scoped.astype("Int64").fillna(level)


def grade_all(
    outcomes: pd.DataFrame,
    findings: pd.DataFrame,
    studies: pd.DataFrame,
    designs: pd.DataFrame,
    rob: pd.DataFrame,
    rob_judgements: pd.DataFrame,
    overrides: pd.DataFrame,
    scales: Scales | None = None,
    pooled: pd.DataFrame | None = None,
    devices: pd.DataFrame | None = None,
    review_scopes: pd.DataFrame | None = None,
) -> list[OutcomeGrade]:
    """Grade every outcome, in outcome_id order (``pooled``: meta.pool_all's table, judged by imprecision and large effect)."""
    scales = scales or default_scales()
    ev = evidence_for(findings, studies, designs, devices, review_scopes)
    severity = study_rob_severity(rob, rob_judgements)
    by_outcome: dict[str, list[Row]] = {}
    for row in frame_rows(ev):
        by_outcome.setdefault(row["outcome_id"], []).append(row)
    by_override: dict[str, dict[str, tuple[str, str]]] = {}
    for o, d, j, r in zip(overrides["outcome_id"], overrides["domain"], overrides["judgement"], overrides["reason"]):
        by_override.setdefault(o, {})[d] = (str(j), str(r))
    by_pooled: dict[str, list[Row]] = {}
    for row in (frame_rows(pooled) if pooled is not None else []):
        by_pooled.setdefault(row["outcome_id"], []).append(row)
    return [
        grade_outcome(row, by_outcome.get(row["outcome_id"], []), severity, by_override.get(row["outcome_id"], {}), scales,
                      by_pooled.get(row["outcome_id"]))
        for row in frame_rows(outcomes.sort_values("outcome_id"))
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
