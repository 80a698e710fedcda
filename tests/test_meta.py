"""Random-effects pooling per comparison, checked against R's metafor and on edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from review.meta import POOLED_COLUMNS, fit, forest_plot, not_pooled, pool_all, pooled_sets, prediction_interval

# BCG vaccine trials (Colditz et al. 1994): TB cases and non-cases, vaccinated then control, as printed on
# https://www.metafor-project.org/doku.php/tips:testing_factors_lincoms ; log risk ratios computed as metafor's escalc(measure="RR").
BCG = [
    (4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619), (33, 5036, 47, 5761),
    (180, 1361, 372, 1079), (8, 2537, 10, 619), (505, 87886, 499, 87892), (29, 7470, 45, 7232),
    (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338), (27, 16886, 29, 17825),
]
# Teacher expectancy (Raudenbush 1984), standardised mean differences and variances (dat.raudenbush1985) as printed on
# https://www.metafor-project.org/doku.php/tips:multiple_factors_interactions
RAUDENBUSH_Y = [0.03, 0.12, -0.14, 1.18, 0.26, -0.06, -0.02, -0.32, 0.27, 0.80, 0.54, 0.18, -0.02, 0.23, -0.18, -0.06, 0.30, 0.07, -0.07]
RAUDENBUSH_V = [0.0156, 0.0216, 0.0279, 0.1391, 0.1362, 0.0106, 0.0106, 0.0484, 0.0269, 0.0630, 0.0912, 0.0497,
                0.0835, 0.0841, 0.0253, 0.0279, 0.0193, 0.0088, 0.0303]


def bcg() -> tuple[np.ndarray, np.ndarray]:
    a, b, c, d = np.array(BCG, dtype=float).T
    return np.log(a / (a + b)) - np.log(c / (c + d)), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)


def r4(x: float) -> float:
    return round(x, 4)


def test_bcg_matches_metafor_reml_tau2_its_q_profile_interval_and_i2():
    # values printed by confint(rma(yi, vi, data=dat, method="REML")) on
    # https://wviechtb.github.io/metafor/reference/confint.rma.html
    f = fit(*bcg(), tau2_method="REML")
    assert (r4(f.tau2), r4(f.tau2_ci_low), r4(f.tau2_ci_high), r4(f.i2)) == (0.3132, 0.1197, 1.1115, 92.2214)
    # the estimate and Wald interval printed on https://wviechtb.github.io/metafor/reference/rma.uni.html
    assert (r4(f.estimate), r4(f.estimate - stats.norm.ppf(0.975) * f.se_wald), r4(f.estimate + stats.norm.ppf(0.975) * f.se_wald)) == (-0.7145, -1.0669, -0.3622)


def test_bcg_matches_metafor_dersimonian_laird():
    # https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
    # ("RE model w/ DL estimator, measure='RR'"): tau2 0.3088, I2 92.1173, estimate -0.7141 [-1.0644, -0.3638]
    f = fit(*bcg(), tau2_method="DL")
    z = stats.norm.ppf(0.975)
    assert (r4(f.tau2), r4(f.i2), r4(f.estimate)) == (0.3088, 92.1173, -0.7141)
    assert (r4(f.estimate - z * f.se_wald), r4(f.estimate + z * f.se_wald)) == (-1.0644, -0.3638)


@pytest.mark.parametrize(
    ("method", "tau2", "mu", "ci_low", "ci_high"),
    # https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_analysis_example_raudenbush2009.r
    # "random-effects model (Knapp & Hartung method)", Table 16.3 of Raudenbush (2009)
    [("REML", 0.0188, 0.0837, -0.0457, 0.2131), ("DL", 0.0259, 0.0893, -0.0442, 0.2229)],
)
def test_raudenbush_matches_metafor_hartung_knapp_interval(method, tau2, mu, ci_low, ci_high):
    f = fit(RAUDENBUSH_Y, RAUDENBUSH_V, tau2_method=method, hksj="standard")
    assert (r4(f.tau2), r4(f.estimate), r4(f.ci_low), r4(f.ci_high)) == (tau2, mu, ci_low, ci_high)
    # the Hartung-Knapp factor is above 1 here, so the modification changes nothing
    assert fit(RAUDENBUSH_Y, RAUDENBUSH_V, tau2_method=method).ci_low == f.ci_low


def test_raudenbush_prediction_interval_matches_metafor():
    # same test file, "random-effects model": predict(rma(yi, vi)) gives pi -0.2036 to 0.3711 (normal quantile, Wald SE);
    # our interval is the same formula with the HKSJ SE and t(k - 1), as metafor's predict() for test="knha"
    # metafor stops its REML iterations when tau² changes by less than 1e-5 (tau² 0.018826); the exact root of the REML
    # score is 0.018818 (metafor gives the same with control=list(threshold=1e-12)), which moves the upper end by 1e-4
    f = fit(RAUDENBUSH_Y, RAUDENBUSH_V)
    low, high = prediction_interval(f.estimate, f.se_wald, f.tau2, stats.norm.ppf(0.975))
    assert r4(low) == -0.2036 and high == pytest.approx(0.3711, abs=1.5e-4)
    t = stats.t.ppf(0.975, len(RAUDENBUSH_Y) - 1)
    assert (f.pi_low, f.pi_high) == pytest.approx(prediction_interval(f.estimate, f.se, f.tau2, t), abs=1e-12)
    assert "prediction interval, t df = 18" in f.method


def test_paule_mandel_solves_generalised_q_equal_to_its_degrees_of_freedom():
    y, v = bcg()
    f = fit(y, v, tau2_method="PM")
    w = 1 / (v + f.tau2)
    mu = (w * y).sum() / w.sum()
    assert (w * (y - mu) ** 2).sum() == pytest.approx(len(y) - 1, abs=1e-9)
    assert f.tau2 > fit(y, v, tau2_method="REML").tau2 > fit(y, v, tau2_method="DL").tau2  # as metafor gives 0.3181, 0.3132, 0.3088


def test_two_studies_are_pooled_with_one_degree_of_freedom():
    f = fit([0.2, 0.6], [0.04, 0.05])
    assert f.k == 2 and "t df = 1" in f.method
    assert f.ci_low < 0.2 and f.ci_high > 0.6 and math.isfinite(f.pi_low)
    assert sum(f.weights) == pytest.approx(100)


def test_identical_studies_have_no_heterogeneity_and_an_interval_of_non_zero_width():
    f = fit([1.0, 1.0, 1.0], [0.1, 0.1, 0.1])
    assert f.tau2 == 0 and f.i2 == 0 and f.tau2_ci_low == 0 and f.tau2_ci_high == 0
    assert f.estimate == pytest.approx(1.0)
    # modified HKSJ: never narrower than the Wald interval, so not the point the unmodified method gives
    assert f.ci_high - f.ci_low == pytest.approx(2 * stats.t.ppf(0.975, 2) * math.sqrt(0.1 / 3))
    standard = fit([1.0, 1.0, 1.0], [0.1, 0.1, 0.1], hksj="standard")
    assert standard.ci_high - standard.ci_low == pytest.approx(0.0, abs=1e-12)
    assert (f.pi_low, f.pi_high) == (f.ci_low, f.ci_high)  # with tau² = 0 the prediction interval is the confidence interval


def test_modified_hksj_is_never_narrower_than_the_wald_interval():
    y, v = [0.50, 0.52, 0.49, 0.51], [0.04, 0.05, 0.03, 0.06]  # less spread than sampling error: HK factor below 1
    modified, standard = fit(y, v), fit(y, v, hksj="standard")
    assert standard.se < modified.se == pytest.approx(modified.se_wald)
    assert "HKSJ (modified)" in modified.method and "HKSJ (standard)" in standard.method


def test_i2_stays_within_0_and_100():
    for y in ([0.0, 5.0], [1.0, 1.0], [0.1, 0.2, 0.15], [-3.0, 0.0, 3.0, 9.0]):
        i2 = fit(y, [0.01] * len(y)).i2
        assert 0 <= i2 <= 100


def test_fit_refuses_zero_and_negative_variances():
    with pytest.raises(ValueError, match="above zero"):
        fit([0.1, 0.2], [0.0, 0.1])
    with pytest.raises(ValueError, match="above zero"):
        fit([0.1, 0.2], [-0.1, 0.1])


def finding(study: str, effect: float, low: float, high: float, kind: str = "MD", comparison: str = "A vs B", outcome: str = "x", timepoint: str = "") -> dict:
    return {"study_id": study, "outcome_id": outcome, "effect": effect, "ci_low": low, "ci_high": high,
            "effect_type": kind, "comparison": comparison, "timepoint": timepoint}


def test_pool_all_gives_the_agreed_columns_one_row_per_set():
    rows = pd.DataFrame([finding("S1", 1.0, 0.2, 1.8), finding("S2", 2.0, 1.0, 3.0), finding("S3", 0.5, -0.5, 1.5)])
    pooled = pool_all(rows)
    assert list(pooled.columns) == POOLED_COLUMNS
    assert len(pooled) == 1 and pooled.loc[0, "k"] == 3
    assert pooled.loc[0, "ci_low"] < pooled.loc[0, "estimate"] < pooled.loc[0, "ci_high"]
    assert "REML" in pooled.loc[0, "method"] and "HKSJ (modified)" in pooled.loc[0, "method"]


def test_different_comparisons_measures_and_time_points_are_never_pooled_together():
    rows = pd.DataFrame([
        finding("S1", 1.0, 0.2, 1.8), finding("S2", 2.0, 1.0, 3.0),  # MD, A vs B: pooled
        finding("S3", 0.5, 0.1, 0.9, comparison="A + X vs X"), finding("S4", 0.7, 0.3, 1.1, kind="SMD"),
        finding("S5", 0.4, 0.0, 0.8, kind="SMD"), finding("S6", 0.9, 0.1, 1.7, timepoint="6 months"),
        finding("S7", 0.9, 0.1, 1.7, kind="mean change"), finding("S8", 0.8, 0.2, 1.4, kind="mean change"),
    ])
    pooled = pool_all(rows)
    assert pooled[["comparison", "effect_type", "timepoint", "k"]].values.tolist() == [["A vs B", "MD", "", 2], ["A vs B", "SMD", "", 2]]
    sets, _ = pooled_sets(rows)
    assert sets.groupby("set")["study_id"].apply(list).tolist() == [["S1", "S2"], ["S4", "S5"]]


def test_ratio_measures_are_pooled_on_the_log_scale_and_reported_as_ratios():
    rows = pd.DataFrame([finding("S1", 2.0, 1.0, 4.0, kind="OR"), finding("S2", 2.0, 1.0, 4.0, kind="OR")])
    p = pool_all(rows).iloc[0]
    assert p["estimate"] == pytest.approx(2.0)
    assert p["ci_low"] * p["ci_high"] == pytest.approx(4.0)  # symmetric around log 2, so geometric around 2
    hr = pool_all(pd.DataFrame([finding("S1", 0.5, 0.25, 1.0, kind="HR"), finding("S2", 0.5, 0.25, 1.0, kind="HR")])).iloc[0]
    assert hr["estimate"] == pytest.approx(0.5)


def test_pool_all_refuses_a_zero_width_interval_naming_the_study():
    rows = pd.DataFrame([finding("S1", 1.0, 1.0, 1.0), finding("S2", 2.0, 1.0, 3.0)])
    with pytest.raises(ValueError, match="S1/x: confidence interval of zero width"):
        pool_all(rows)


def test_pool_all_of_nothing_poolable_is_an_empty_table_with_the_columns():
    assert list(pool_all(pd.DataFrame([finding("S1", 1.0, 0.2, 1.8)])).columns) == POOLED_COLUMNS


def test_pool_all_uses_the_chosen_tau2_estimator():
    y, v = bcg()
    lo, hi = np.exp(y - 1.959964 * np.sqrt(v)), np.exp(y + 1.959964 * np.sqrt(v))
    rows = pd.DataFrame([finding(f"S{i:02d}", float(np.exp(e)), float(a), float(b), kind="RR") for i, (e, a, b) in enumerate(zip(y, lo, hi))])
    dl, reml = pool_all(rows, tau2_method="DL").iloc[0], pool_all(rows).iloc[0]
    assert r4(dl["tau2"]) == 0.3088 and r4(reml["tau2"]) == 0.3132
    assert "DerSimonian-Laird" in dl["method"]


def test_forest_plot_shows_studies_weights_diamond_prediction_interval_and_heterogeneity():
    rows = pd.DataFrame([finding("Alam2014", 1.0, 0.2, 1.8), finding("Majid2009", 2.0, 1.0, 3.0), finding("Zed2020", 0.5, -0.5, 1.5)])
    sets, _ = pooled_sets(rows)
    labels = {"Alam2014": "Alam et al. 2014", "Majid2009": "Majid 2009", "Zed2020": "Zed 2020"}
    fig = forest_plot(sets, labels.__getitem__, "Acne scars: A vs B (MD)")
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[:3] == ["Alam et al. 2014", "Majid 2009", "Zed 2020"]
    text = " ".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text")))
    assert "Heterogeneity: tau² = " in text and "I² = " in text and "df = 2" in text and "REML" in text
    assert "%" in " ".join(t.get_text() for t in fig.axes[1].get_yticklabels())  # weights column
    assert "Prediction interval" in " ".join(ticks)


def test_review_grade_writes_pooled_csv_with_the_methods_chosen_in_workbook_toml(tmp_path):
    from conftest import REPO

    from review.cli import main
    from review.synth import write_synthetic

    root = tmp_path / "wb"
    write_synthetic(root, 2, REPO)
    (root / "workbook.toml").write_text('archive = "articles"\n[meta]\ntau2 = "DL"\nhksj = "standard"\n', encoding="utf-8")
    assert main(["grade", "--root", str(root), "--out", str(tmp_path / "out")]) == 0
    pooled = pd.read_csv(tmp_path / "out" / "pooled.csv", keep_default_na=False)
    assert list(pooled.columns) == POOLED_COLUMNS and len(pooled) > 0
    assert pooled["method"].str.contains("DerSimonian-Laird").all() and pooled["method"].str.contains("HKSJ (standard)", regex=False).all()
    keys = pooled[["outcome_id", "comparison", "effect_type", "timepoint"]]
    assert not keys.duplicated().any() and keys.equals(keys.sort_values(list(keys.columns)).reset_index(drop=True))


def test_not_pooled_says_why_each_recorded_effect_stands_alone():
    rows = pd.DataFrame([
        finding("S1", 1.0, 0.2, 1.8), finding("S2", 2.0, 1.0, 3.0),
        finding("S3", 0.5, 0.1, 0.9, comparison="A + X vs X"), finding("S4", 0.9, 0.1, 1.7, kind="mean change"),
    ])
    outcomes = pd.DataFrame({"outcome_id": ["x"], "label": ["Acne scars"]})
    table = not_pooled(rows, outcomes=outcomes)
    assert table[["outcome", "study", "comparison"]].values.tolist() == [["Acne scars", "S3", "A + X vs X"], ["Acne scars", "S4", "A vs B"]]
    assert table["why not pooled"].tolist() == [
        "no other study reports this comparison, measure and time point for this outcome",
        "within-group change from baseline, not a comparison between treatments",
    ]
