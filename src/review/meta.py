"""Random-effects meta-analysis where two or more studies report a comparable effect.

Pooling uses statsmodels' ``combine_effects`` with the Paule-Mandel estimate of
the between-study variance and the Hartung-Knapp(-Sidik-Jonkman) adjustment of
the confidence interval (``use_t=True``), as current Cochrane guidance prefers
to plain DerSimonian-Laird; heterogeneity is reported as tau² and I², with a
95% prediction interval. Ratio measures are pooled on the log scale.

Effects are comparable when they share the outcome and a between-group
effect type (MD, SMD, RR, OR, RD). Within-group "mean change" is a
before-after difference, not a treatment effect, and is never pooled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from .theme import OKABE_ITO, apply_theme

POOLABLE = ("MD", "SMD", "RD", "RR", "OR")
RATIO = ("RR", "OR")
Z95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class Pooled:
    outcome_id: str
    effect_type: str
    studies: tuple[str, ...]
    effects: tuple[float, ...]
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    i2: float


def comparable_sets(findings: pd.DataFrame) -> tuple[dict[tuple[str, str], pd.DataFrame], pd.DataFrame]:
    """Groups of two or more poolable effects by (outcome, effect type), and why everything else was not pooled."""
    have = findings[findings["effect"].notna() & findings["ci_low"].notna() & findings["ci_high"].notna()]
    groups: dict[tuple[str, str], pd.DataFrame] = {}
    reasons = []
    for (oid, kind), g in have.groupby(["outcome_id", "effect_type"], sort=True):
        if kind not in POOLABLE:
            reasons.append({"outcome_id": oid, "effect_type": kind, "studies": ", ".join(sorted(g["study_id"])), "why not pooled": "within-group change from baseline, not a comparison between treatments"})
        elif len(g) < 2:
            reasons.append({"outcome_id": oid, "effect_type": kind, "studies": ", ".join(sorted(g["study_id"])), "why not pooled": "only one study reports this effect measure for this outcome"})
        else:
            groups[(str(oid), str(kind))] = g.sort_values("study_id")
    return groups, pd.DataFrame(reasons, columns=["outcome_id", "effect_type", "studies", "why not pooled"])


def pool(group: pd.DataFrame, outcome_id: str, effect_type: str) -> Pooled:
    """Pool one comparable set: Paule-Mandel tau², Hartung-Knapp CI, 95% prediction interval."""
    eff = group["effect"].astype(float).to_numpy()
    lo = group["ci_low"].astype(float).to_numpy()
    hi = group["ci_high"].astype(float).to_numpy()
    ratio = effect_type in RATIO
    y, ylo, yhi = (np.log(eff), np.log(lo), np.log(hi)) if ratio else (eff, lo, hi)
    var = ((yhi - ylo) / (2 * Z95)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):  # identical studies: Q = 0 makes I² 0/0
        res = combine_effects(y, var, method_re="pm", use_t=True, row_names=list(group["study_id"]))
    k = len(y)
    est = float(res.mean_effect_re)
    hk = stats.t.ppf(0.975, k - 1) * float(res.sd_eff_w_re_hksj)  # Hartung-Knapp-Sidik-Jonkman interval
    cl, ch = est - hk, est + hk
    se = float(res.sd_eff_w_re)
    t = stats.t.ppf(0.975, k - 2) if k > 2 else float("nan")
    half = t * math.sqrt(float(res.tau2) + se**2) if k > 2 else float("nan")  # Higgins et al. prediction interval
    pl, ph = est - half, est + half
    back = np.exp if ratio else (lambda v: v)
    return Pooled(
        outcome_id, effect_type, tuple(group["study_id"]), tuple(eff), tuple(lo), tuple(hi),
        float(back(est)), float(back(cl)), float(back(ch)), float(back(pl)), float(back(ph)),
        float(res.tau2), float(res.i2) if np.isfinite(res.i2) else 0.0,
    )


def forest_plot(p: Pooled, label: str) -> Figure:
    """Studies and the pooled estimate (diamond), with the prediction interval as a line under it."""
    from .figures import MAX_ROWS

    apply_theme()
    shown = list(range(len(p.studies)))
    if len(shown) > MAX_ROWS:  # the most precise studies (narrowest intervals); the pooled estimate still uses all
        precise = sorted(shown, key=lambda i: (p.highs[i] - p.lows[i], p.studies[i]))[:MAX_ROWS]
        shown = sorted(precise)
        label += f" ({MAX_ROWS} most precise of {len(p.studies)} studies shown)"
    effects, lows, highs = (np.array([v[i] for i in shown]) for v in (p.effects, p.lows, p.highs))
    k = len(shown)
    fig = Figure(figsize=(7.5, 1.2 + 0.45 * (k + 2)), layout="constrained")
    ax = fig.subplots()
    ys = list(range(k + 1, 1, -1))
    ax.errorbar(effects, ys, xerr=[effects - lows, highs - effects], fmt="s", color=OKABE_ITO["blue"], capsize=3)
    ax.fill([p.ci_low, p.estimate, p.ci_high, p.estimate], [1, 1.25, 1, 0.75], color=OKABE_ITO["vermillion"])
    if not math.isnan(p.pi_low):
        ax.plot([p.pi_low, p.pi_high], [0.4, 0.4], color=OKABE_ITO["vermillion"], lw=1.5)
    ax.axvline(1.0 if p.effect_type in RATIO else 0.0, color="grey", lw=1, ls="--")
    ax.set_yticks(ys + [1, 0.4], [p.studies[i] for i in shown] + ["Pooled (random effects, HK)", "95% prediction interval"])
    if p.effect_type in RATIO:
        ax.set_xscale("log")
    ax.set_xlabel(f"{p.effect_type} (95% CI)")
    ax.set_title(f"{label}: tau² = {p.tau2:.3g}, I² = {100 * p.i2:.0f}%")
    return fig


#: forest plots drawn at most; further pooled sets are listed in the pooled-results table
MAX_FORESTS = 6


def forest_plots(findings: pd.DataFrame, outcomes: pd.DataFrame, limit: int = MAX_FORESTS) -> list[Figure]:
    """A forest plot for each outcome with two or more comparable effects: the ``limit`` largest sets, in outcome order."""
    labels = outcomes.set_index("outcome_id")["label"]
    groups, _ = comparable_sets(findings)
    largest = set(sorted(groups, key=lambda k: (-len(groups[k]), k))[:limit])
    return [forest_plot(pool(g, oid, kind), f"{labels.get(oid, oid)} ({kind})") for (oid, kind), g in groups.items() if (oid, kind) in largest]


def pooling_note(findings: pd.DataFrame) -> str:
    """One sentence saying how many outcomes could be pooled, and why the rest could not."""
    groups, reasons = comparable_sets(findings)
    if len(groups) > MAX_FORESTS:
        return f"{len(groups)} outcome(s) have two or more comparable effects; the {MAX_FORESTS} largest sets are drawn below, and the table lists them all."
    if groups:
        return f"{len(groups)} outcome(s) have two or more comparable effects and are pooled below."
    return (
        f"No outcome has two or more studies reporting a comparable effect size, so nothing is pooled: "
        f"{len(reasons)} effect(s) with confidence intervals are recorded, each either a within-group change from "
        "baseline or the only one of its kind for its outcome (table below)."
    )


def pooled_table(findings: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Every pooled set in one table: outcome, measure, studies, estimate with its interval, prediction interval, I², tau²."""
    labels = outcomes.set_index("outcome_id")["label"]
    groups, _ = comparable_sets(findings)
    rows = []
    for (oid, kind), g in groups.items():
        p = pool(g, oid, kind)
        rows.append({
            "outcome": labels.get(oid, oid), "effect_type": kind, "studies": len(p.studies),
            "estimate": round(p.estimate, 2), "95% CI": f"{p.ci_low:.2f} to {p.ci_high:.2f}",
            "95% prediction interval": f"{p.pi_low:.2f} to {p.pi_high:.2f}" if math.isfinite(p.pi_low) else "needs 3 or more studies",
            "I²": f"{p.i2:.0%}", "tau²": round(p.tau2, 3),
        })
    return pd.DataFrame(rows, columns=["outcome", "effect_type", "studies", "estimate", "95% CI", "95% prediction interval", "I²", "tau²"])
