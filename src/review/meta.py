"""Random-effects meta-analysis per comparison, with the methods Cochrane's RevMan uses since January 2025.

A *pooled set* is one outcome x comparison x effect measure x time point
(``findings.csv`` columns ``outcome_id``, ``comparison``, ``effect_type``,
``timepoint``) holding two or more studies with an effect and its 95%
confidence interval. Different comparisons (microneedling vs laser, and
microneedling + minoxidil vs minoxidil alone) are never pooled together, nor
are MD and SMD, nor a 3-month with a 6-month result. A within-group change
from baseline ("mean change") is not a comparison between treatments and is
never pooled.

Methods (each stated in the ``method`` column of every pooled row):

* between-study variance tau² by REML (default), DerSimonian-Laird or
  Paule-Mandel (``workbook.toml`` ``[meta] tau2``), with its 95% Q-profile
  confidence interval;
* the 95% confidence interval of the mean by Hartung-Knapp-Sidik-Jonkman
  (HKSJ), t distribution with k - 1 degrees of freedom. The default
  ``hksj = "modified"`` never lets the HKSJ standard error fall below the
  ordinary (Wald) one (Knapp and Hartung 2003's ad hoc correction; metafor's
  ``test="adhoc"``), so identical studies (tau² = 0, Q = 0) do not give an
  interval of zero width; ``"standard"`` is the unmodified HKSJ;
* a 95% prediction interval, mean +/- t(k - 1) x sqrt(tau² + SE²), with the SE
  of the interval above (as metafor's ``predict``; equal to the confidence
  interval when tau² = 0);
* I² from tau²: 100 tau² / (tau² + s²), s² the "typical" within-study
  variance, so it lies in [0, 100) and agrees with the tau² estimator.

Ratio measures (RR, OR, HR) are pooled as logarithms and reported back on
their natural scale (tau² stays on the log scale). Each study's sampling
variance comes from its 95% interval: ((high - low) / (2 x 1.96))², on the
log scale for ratios. The estimating equations (REML score, Paule-Mandel and
Q-profile equations of the generalised Q statistic) are solved for every set
at once with SciPy's vectorised bracketing root-finder
(:func:`scipy.optimize.elementwise.find_root`); statsmodels' ``combine_effects``
offers neither REML nor the Q-profile interval, and fitting set by set was too
slow for a workbook of 10,000 findings. Results reproduce R's metafor
(tests/test_meta.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special  # quantiles from scipy.special: scipy.stats adds ~0.5 s to every `review` command

from .schema import RATIO_EFFECT_TYPES
from .settings import HKSJ_VARIANTS
from .settings import TAU2_METHODS as TAU2_CHOICES
from .palette import OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RATIO = RATIO_EFFECT_TYPES
POOLABLE = ("MD", "SMD", "RD") + RATIO
#: the tau² estimators workbook.toml may choose (settings.TAU2_METHODS), by name
TAU2_METHODS = dict(zip(TAU2_CHOICES, ("REML", "DerSimonian-Laird", "Paule-Mandel"), strict=True))
Z95 = float(special.ndtri(0.975))
#: what makes effects poolable together
SET_KEYS = ["outcome_id", "comparison", "effect_type", "timepoint"]
#: the columns of pooled.csv, in order
POOLED_COLUMNS = [
    "outcome_id", "comparison", "effect_type", "timepoint", "k", "estimate", "ci_low", "ci_high",
    "pi_low", "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "method",
]


@dataclass(frozen=True)
class Fit:
    """One random-effects meta-analysis, on the analysis scale (logarithms for ratio measures)."""

    k: int
    estimate: float
    se: float  #: standard error behind the confidence interval (HKSJ, modified or standard)
    se_wald: float  #: the ordinary standard error, sqrt(1 / sum of weights)
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float  #: percent, 0 to 100
    q: float  #: Cochran's Q
    weights: tuple[float, ...]  #: percent of the total random-effects weight, per study
    method: str


class Sets:
    """Many meta-analyses at once: estimates ``y`` and sampling variances ``v`` of all studies, set after set.

    Every statistic is a sum over each set's studies (``numpy.add.reduceat``),
    so the estimating equations of all sets are solved together, one
    vectorised root-finder call each (:func:`scipy.optimize.elementwise.find_root`).
    """

    def __init__(self, y: np.ndarray, v: np.ndarray, k: np.ndarray):
        self.y, self.v, self.k = np.asarray(y, float), np.asarray(v, float), np.asarray(k, int)
        if np.any(self.k < 2):
            raise ValueError("a meta-analysis needs two or more studies")
        if not (np.all(np.isfinite(self.v)) and np.all(self.v > 0) and np.all(np.isfinite(self.y))):
            raise ValueError("every study needs a finite estimate and a sampling variance above zero (a confidence interval of non-zero width)")
        self.starts = np.concatenate([[0], np.cumsum(self.k)[:-1]])
        self.seg = np.repeat(np.arange(len(self.k)), self.k)

    def sums(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts)

    def moments(self, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights 1 / (v + tau²), their sum per set and each study's deviation from its set's weighted mean."""
        w = 1.0 / (self.v + tau2[self.seg])
        sw = self.sums(w)
        d = self.y - (self.sums(w * self.y) / sw)[self.seg]
        return w, sw, d

    def q(self, tau2: np.ndarray) -> np.ndarray:
        """Generalised Q per set: sum of w (y - mean)², w = 1 / (v + tau²); Cochran's Q at tau² = 0."""
        w, _, d = self.moments(tau2)
        return self.sums(w * d * d)

    def reml_score(self, tau2: np.ndarray) -> np.ndarray:
        """Twice the derivative of each set's restricted log-likelihood with respect to tau²."""
        w, sw, d = self.moments(tau2)
        w2 = w * w
        return self.sums(w2 * d * d) - sw + self.sums(w2) / sw

    def solve(self, g, target: np.ndarray) -> np.ndarray:  # noqa: ANN001
        """Per set, the tau² >= 0 where the decreasing g(tau²) equals ``target``; 0 where g(0) <= target."""
        n = len(self.k)
        out = np.zeros(n)
        active = np.flatnonzero(g(np.zeros(n)) > target)
        if not len(active):
            return out
        hi = np.zeros(n)
        hi[active] = 10.0 * (self.sums(self.y * self.y) / self.k - (self.sums(self.y) / self.k) ** 2 + np.maximum.reduceat(self.v, self.starts))[active] + 1e-12
        for _ in range(200):  # widen until the upper end of every bracket is past the root
            short = active[g(hi)[active] >= target[active]]
            if not len(short):
                break
            hi[short] *= 10.0

        def f(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
            at = np.zeros(n)
            rows = idx.astype(np.intp).ravel()
            at[rows] = x.ravel()
            return (g(at)[rows] - target[rows]).reshape(x.shape)

        from scipy.optimize import elementwise  # here: scipy.optimize takes 0.3 s to import, and a review may pool nothing

        res = elementwise.find_root(f, (np.zeros(len(active)), hi[active]), args=(active.astype(float),))
        out[active] = res.x
        return out


def tau2_reml(sets: Sets) -> np.ndarray:
    """Restricted maximum-likelihood tau²: the root of the REML score (0 when the score is negative at 0)."""
    return sets.solve(sets.reml_score, np.zeros(len(sets.k)))


def tau2_pm(sets: Sets) -> np.ndarray:
    """Paule-Mandel tau²: generalised Q equal to its expectation k - 1."""
    return sets.solve(sets.q, (sets.k - 1).astype(float))


def tau2_dl(sets: Sets) -> np.ndarray:
    """DerSimonian-Laird tau², truncated at 0."""
    w = 1.0 / sets.v
    sw = sets.sums(w)
    return np.maximum(0.0, (sets.q(np.zeros(len(sets.k))) - (sets.k - 1)) / (sw - sets.sums(w * w) / sw))


def tau2_qprofile(sets: Sets) -> tuple[np.ndarray, np.ndarray]:
    """95% Q-profile interval for tau²: where the generalised Q crosses the 97.5% and 2.5% chi² quantiles."""
    df = sets.k - 1
    # chdtri(df, p) is the chi² quantile with upper-tail probability p
    return sets.solve(sets.q, special.chdtri(df, 0.025)), sets.solve(sets.q, special.chdtri(df, 0.975))


def prediction_interval(mu, se, tau2, crit):  # noqa: ANN001, ANN201 - floats or arrays alike
    """Where a new study's true effect is expected: mu +/- crit x sqrt(SE² + tau²) (Higgins et al. 2009; metafor's predict)."""
    half = crit * np.sqrt(se * se + tau2)
    return mu - half, mu + half


ESTIMATORS = {"REML": tau2_reml, "DL": tau2_dl, "PM": tau2_pm}


def method_text(tau2_method: str, hksj: str, k: int) -> str:
    """The methods of one pooled result in words, with the degrees of freedom used."""
    return (
        f"random effects; {TAU2_METHODS[tau2_method]} tau² (Q-profile 95% CI); HKSJ ({hksj}) 95% CI, t df = {k - 1}; "
        f"95% prediction interval, t df = {k - 1}; I² from tau²"
    )


def fit_sets(sets: Sets, tau2_method: str = "REML", hksj: str = "modified") -> dict[str, np.ndarray]:
    """Pool every set: per-set arrays named as :class:`Fit`'s fields, plus per-study ``weights`` (percent)."""
    if tau2_method not in ESTIMATORS:
        raise ValueError(f"tau2_method {tau2_method!r} is not known; allowed: {', '.join(ESTIMATORS)}")
    if hksj not in HKSJ_VARIANTS:
        raise ValueError(f"hksj {hksj!r} is not known; allowed: {', '.join(HKSJ_VARIANTS)}")
    k = sets.k
    tau2 = ESTIMATORS[tau2_method](sets)
    tau2_low, tau2_high = tau2_qprofile(sets)
    w, sw, d = sets.moments(tau2)
    mu = sets.sums(w * sets.y) / sw
    q_hk = sets.sums(w * d * d) / (k - 1)  # HKSJ scaling factor of the variance of the mean
    se = np.sqrt((np.maximum(q_hk, 1.0) if hksj == "modified" else q_hk) / sw)
    t = special.stdtrit(k - 1, 0.975)
    pi_low, pi_high = prediction_interval(mu, se, tau2, t)
    w0 = 1.0 / sets.v
    sw0 = sets.sums(w0)
    s2 = (k - 1) * sw0 / (sw0 * sw0 - sets.sums(w0 * w0))  # "typical" within-study variance
    return {
        "k": k, "estimate": mu, "se": se, "se_wald": np.sqrt(1.0 / sw), "ci_low": mu - t * se, "ci_high": mu + t * se,
        "pi_low": pi_low, "pi_high": pi_high, "tau2": tau2, "tau2_ci_low": tau2_low, "tau2_ci_high": tau2_high,
        "i2": np.clip(100.0 * tau2 / (tau2 + s2), 0.0, 100.0), "q": sets.q(np.zeros(len(k))),
        "weights": 100.0 * w / sw[sets.seg],
    }


def fit(y: np.ndarray, v: np.ndarray, tau2_method: str = "REML", hksj: str = "modified") -> Fit:
    """Random-effects meta-analysis of estimates ``y`` with sampling variances ``v`` (two or more, all > 0)."""
    y = np.asarray(y, float)
    r = fit_sets(Sets(y, v, np.array([len(y)])), tau2_method, hksj)
    one = {name: float(r[name][0]) for name in ("estimate", "se", "se_wald", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "q")}
    return Fit(k=len(y), weights=tuple(float(x) for x in r["weights"]), method=method_text(tau2_method, hksj, len(y)), **one)


def analysis_scale(effect: np.ndarray, low: np.ndarray, high: np.ndarray, effect_type: np.ndarray | str) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and sampling variances from effects and their 95% intervals (logarithms for ratio measures).

    A ratio at or below zero gives NaN, an interval of zero width a variance of 0: callers refuse both.
    """
    effect, low, high = (np.asarray(a, dtype=float) for a in (effect, low, high))
    ratio = np.isin(np.asarray(effect_type), RATIO)
    if ratio.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            effect, low, high = (np.where(ratio, np.log(np.where(ratio, a, 1.0)), a) for a in (effect, low, high))
    return effect, ((high - low) / (2 * Z95)) ** 2


def poolable(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings rows that can enter a pooled set (a between-group effect with both interval ends), sorted by set and study.

    ``comparison`` and ``timepoint`` are text ("" when empty).
    """
    have = findings[
        findings["effect"].notna() & findings["ci_low"].notna() & findings["ci_high"].notna() & findings["effect_type"].isin(POOLABLE)
    ]
    have = have.assign(**{c: have[c].fillna("").astype(str) for c in ("comparison", "timepoint", "effect_type")})
    return have.sort_values(SET_KEYS + ["study_id"], kind="stable").reset_index(drop=True)


def _set_sizes(rows: pd.DataFrame) -> np.ndarray:
    """Number of consecutive rows sharing the pooled-set key (rows sorted as :func:`poolable` sorts them)."""
    if rows.empty:
        return np.zeros(0, dtype=int)
    keys = rows[SET_KEYS].to_numpy()
    new = np.concatenate([[True], (keys[1:] != keys[:-1]).any(axis=1)])
    starts = np.flatnonzero(new)
    return np.diff(np.append(starts, len(rows)))


def pooled_sets(findings: pd.DataFrame) -> tuple[pd.DataFrame, Sets | None]:
    """The rows of every pooled set with two or more studies (sorted by set, then study) and their :class:`Sets`.

    A ``set`` column numbers the sets from 0, in the order of pooled.csv.
    """
    rows = poolable(findings)
    sizes = _set_sizes(rows)
    keep = np.repeat(sizes >= 2, sizes)
    rows = rows[keep].reset_index(drop=True)
    sizes = sizes[sizes >= 2]
    rows = rows.assign(set=np.repeat(np.arange(len(sizes)), sizes))
    if rows.empty:
        return rows, None
    y, v = analysis_scale(rows["effect"].to_numpy(), rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy(), rows["effect_type"].to_numpy())
    bad = ~(np.isfinite(y) & np.isfinite(v) & (v > 0))
    if bad.any():
        which = ", ".join(f"{r.study_id}/{r.outcome_id}" for r in rows[bad].itertuples())
        raise ValueError(f"{which}: confidence interval of zero width (or not above zero for a ratio measure), so the study cannot be weighted")
    return rows, Sets(y, v, sizes)


def pool_all(findings: pd.DataFrame, tau2_method: str = "REML", hksj: str = "modified") -> pd.DataFrame:
    """One row per pooled set with k >= 2 (columns :data:`POOLED_COLUMNS`), sorted by outcome, comparison, measure, time point.

    Estimates and intervals are on the natural scale (ratios back-transformed);
    tau² and its interval on the analysis scale (log for ratios); i2 in percent.
    """
    rows, sets = pooled_sets(findings)
    if sets is None:
        return pd.DataFrame(columns=POOLED_COLUMNS)
    r = fit_sets(sets, tau2_method, hksj)
    first = rows.drop_duplicates("set")
    out = first[["outcome_id", "comparison", "effect_type", "timepoint"]].reset_index(drop=True).assign(k=sets.k)
    ratio = out["effect_type"].isin(RATIO).to_numpy()
    for name in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        out[name] = np.where(ratio, np.exp(r[name]), r[name])
    for name in ("tau2", "tau2_ci_low", "tau2_ci_high", "i2"):
        out[name] = r[name]
    out["method"] = [method_text(tau2_method, hksj, int(k)) for k in sets.k]
    return out[POOLED_COLUMNS]


def fit_rows(rows: pd.DataFrame, tau2_method: str = "REML", hksj: str = "modified") -> Fit:
    """Pool the rows of one set (as :func:`pooled_sets` gives them)."""
    y, v = analysis_scale(rows["effect"].to_numpy(), rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy(), rows["effect_type"].to_numpy())
    return fit(y, v, tau2_method, hksj)


def _interval(est: float, low: float, high: float) -> str:
    return f"{est:.2f} [{low:.2f}, {high:.2f}]"


def heterogeneity_line(f: Fit, tau2_method: str, hksj: str) -> str:
    """RevMan-style summary of heterogeneity and of the methods, with degrees of freedom."""
    return (
        f"Heterogeneity: tau² = {f.tau2:.3g} (95% CI {f.tau2_ci_low:.3g} to {f.tau2_ci_high:.3g}; {TAU2_METHODS[tau2_method]}, Q-profile); "
        f"I² = {f.i2:.0f}%; Q = {f.q:.2f}, df = {f.k - 1}\n"
        f"Mean: HKSJ ({hksj}) 95% CI, t with df = {f.k - 1}; prediction interval: t with df = {f.k - 1}"
    )


def forest_plot(rows: pd.DataFrame, label, title: str, tau2_method: str = "REML", hksj: str = "modified") -> Figure:  # noqa: ANN001
    """RevMan-style forest plot of one pooled set: each study (author-year ``label(study_id)``) with its
    estimate, 95% CI and weight (%), the pooled estimate as a diamond, the 95% prediction interval,
    and the heterogeneity line. Ratio measures are drawn on a log axis."""
    from matplotlib.figure import Figure  # drawing only: pooling needs no plotting library
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from .figures import MAX_ROWS
    from .theme import apply_theme, figure_title

    apply_theme()
    kind = str(rows["effect_type"].iloc[0])
    ratio = kind in RATIO
    f = fit_rows(rows, tau2_method, hksj)
    back = np.exp if ratio else (lambda a: a)
    shown = np.arange(len(rows))
    if len(rows) > MAX_ROWS:  # the most precise studies (narrowest intervals); the pooled result still uses all
        width = (rows["ci_high"] - rows["ci_low"]).to_numpy()
        shown = np.sort(np.argsort(width, kind="stable")[:MAX_ROWS])
        title += f" ({MAX_ROWS} most precise of {len(rows)} studies shown)"
    part = rows.iloc[shown]
    eff, low, high = (part[c].to_numpy(dtype=float) for c in ("effect", "ci_low", "ci_high"))
    weights = np.asarray(f.weights)[shown]
    n = len(part)
    ys = np.arange(n, 0, -1) + 1.5
    fig = Figure(figsize=(9.5, 2.2 + 0.36 * (n + 2)), layout="constrained")
    ax = fig.subplots()
    blue, red = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    ax.hlines(ys, low, high, color=blue, lw=1.3)
    ax.scatter(eff, ys, marker="s", s=15 + 160 * weights / max(weights.max(), 1e-12), color=blue, zorder=3)
    est, cl, ch, pl, ph = (float(back(x)) for x in (f.estimate, f.ci_low, f.ci_high, f.pi_low, f.pi_high))
    ax.fill([cl, est, ch, est], [1.0, 1.3, 1.0, 0.7], color=red, zorder=3)
    ax.hlines(0.2, pl, ph, color=red, lw=1.5)
    ax.vlines([pl, ph], 0.05, 0.35, color=red, lw=1.5)
    ax.axvline(1.0 if ratio else 0.0, color="grey", lw=1, ls="--")
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))  # 0.1, 1, 10 rather than powers of ten
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(-0.4, n + 2.2)
    ax.set_yticks(list(ys) + [1.0, 0.2], [label(s) for s in part["study_id"]] + [f"Random effects ({f.k} studies)", "Prediction interval (95%)"])
    ax.grid(axis="y", visible=False)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(
        list(ys) + [1.0, 0.2],
        [f"{_interval(e, lo, hi)}   {w:4.1f}%" for e, lo, hi, w in zip(eff, low, high, weights)]
        + [f"{_interval(est, cl, ch)}  100.0%", f"[{pl:.2f}, {ph:.2f}]"],
    )
    right.grid(False)
    ax.text(0.0, 1.01, "Study", transform=ax.transAxes, ha="right", va="bottom", fontweight="bold", fontsize=10)
    ax.text(1.01, 1.01, f"{kind} [95% CI]   Weight", transform=ax.transAxes, ha="left", va="bottom", fontweight="bold", fontsize=10)
    ax.set_xlabel(f"{kind} (95% CI){', log scale' if ratio else ''}\n\n{heterogeneity_line(f, tau2_method, hksj)}", fontsize=9)
    figure_title(fig, title)  # data-driven: the theme turns mathtext off
    return fig


#: forest plots drawn at most; every pooled set is listed in the pooled-results table
MAX_FORESTS = 6


def _set_title(key: tuple[str, str, str, str], labels: pd.Series) -> str:
    oid, comparison, kind, timepoint = key
    return f"{labels.get(oid, oid)}: {comparison} ({kind}{', ' + timepoint if timepoint else ''})"


def forest_plots(findings: pd.DataFrame, outcomes: pd.DataFrame, bib, tau2_method: str = "REML", hksj: str = "modified", limit: int = MAX_FORESTS) -> list[Figure]:  # noqa: ANN001
    """A forest plot for each pooled set: the ``limit`` largest sets, in pooled.csv order; studies labelled author-year."""
    from .citations import short_citation

    rows, _ = pooled_sets(findings)
    if rows.empty:
        return []
    labels = outcomes.set_index("outcome_id")["label"]
    sizes = rows.groupby("set").size()
    largest = set(sorted(sizes.index, key=lambda i: (-sizes[i], i))[:limit])
    out = []
    for i, g in rows.groupby("set", sort=True):
        if i in largest:
            key = tuple(str(g[c].iloc[0]) for c in SET_KEYS)
            out.append(forest_plot(g, lambda s: short_citation(s, bib), _set_title(key, labels), tau2_method, hksj))  # noqa: B023
    return out


def not_pooled(findings: pd.DataFrame, bib=None, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:  # noqa: ANN001
    """Each recorded effect with a confidence interval that is in no pooled set, and why.

    For reviewers: studies author-year when ``bib`` is given, outcomes by label when ``outcomes`` is.
    """
    from .citations import short_citation

    have = findings[findings["effect"].notna() & findings["ci_low"].notna() & findings["ci_high"].notna()]
    rows, _ = pooled_sets(findings)
    pooled = set(zip(rows["study_id"], rows["outcome_id"])) if not rows.empty else set()
    labels = outcomes.set_index("outcome_id")["label"] if outcomes is not None else pd.Series(dtype=object)
    out = []
    for r in have.sort_values(["outcome_id", "study_id"]).itertuples():
        if (r.study_id, r.outcome_id) in pooled:
            continue
        why = (
            "within-group change from baseline, not a comparison between treatments" if r.effect_type not in POOLABLE
            else "no other study reports this comparison, measure and time point for this outcome"
        )
        out.append({
            "outcome": labels.get(r.outcome_id, r.outcome_id), "study": short_citation(r.study_id, bib) if bib is not None else r.study_id,
            "comparison": r.comparison, "measure": r.effect_type, "why not pooled": why,
        })
    return pd.DataFrame(out, columns=["outcome", "study", "comparison", "measure", "why not pooled"])


def pooling_note(pooled: pd.DataFrame, findings: pd.DataFrame, tau2_method: str = "REML", hksj: str = "modified") -> str:
    """How many sets were pooled (or why nothing could be), and with which methods (workbook.toml ``[meta]``)."""
    methods = (
        f"Methods: {TAU2_METHODS[tau2_method]} tau² with its Q-profile 95% CI; "
        f"HKSJ 95% CI for the mean ({hksj}{', never narrower than the Wald interval' if hksj == 'modified' else ''}), "
        "t with k - 1 degrees of freedom; 95% prediction interval, t with k - 1 degrees of freedom; I² from tau²."
    )
    if len(pooled) > MAX_FORESTS:
        return f"{len(pooled)} pooled sets (outcome x comparison x measure x time point); the {MAX_FORESTS} largest are drawn below and the table lists them all. {methods}"
    if len(pooled):
        return f"{len(pooled)} pooled set(s) (outcome x comparison x measure x time point), drawn below. {methods}"
    n = len(not_pooled(findings))
    return (
        "Nothing is pooled: no two studies report an effect with a confidence interval for the same outcome, comparison, "
        f"measure and time point. {n} effect(s) with intervals are recorded; the table below says why each stands alone. {methods}"
    )


def pooled_table(pooled: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """pooled.csv for reviewers: outcome label, comparison, measure, studies, estimate [CI], prediction interval, tau² [CI], I²."""
    labels = outcomes.set_index("outcome_id")["label"]
    return pd.DataFrame({
        "outcome": [labels.get(o, o) for o in pooled["outcome_id"]],
        "comparison": pooled["comparison"], "measure": pooled["effect_type"], "time point": pooled["timepoint"].replace("", "NR"),
        "studies": pooled["k"],
        "estimate [95% CI]": [_interval(e, lo, hi) for e, lo, hi in zip(pooled["estimate"], pooled["ci_low"], pooled["ci_high"])],
        "95% prediction interval": [f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(pooled["pi_low"], pooled["pi_high"])],
        "tau² [95% CI]": [f"{t:.3g} [{lo:.3g}, {hi:.3g}]" for t, lo, hi in zip(pooled["tau2"], pooled["tau2_ci_low"], pooled["tau2_ci_high"])],
        "I²": [f"{i:.0f}%" for i in pooled["i2"]],
    })
