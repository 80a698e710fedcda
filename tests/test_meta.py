"""Pooling comparable effects; refusing to pool what is not comparable."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from review.meta import comparable_sets, forest_plot, pool

GROUP = pd.DataFrame(
    {
        "study_id": ["A", "B", "C"],
        "outcome_id": ["x"] * 3,
        "effect": [1.0, 2.0, 0.5],
        "ci_low": [0.2, 1.0, -0.5],
        "ci_high": [1.8, 3.0, 1.5],
        "effect_type": ["MD"] * 3,
    }
)


def test_pool_gives_hartung_knapp_interval_wider_than_the_estimate_and_a_prediction_interval():
    p = pool(GROUP, "x", "MD")
    assert p.ci_low < p.estimate < p.ci_high
    assert p.pi_low < p.ci_low and p.pi_high > p.ci_high
    assert 0 <= p.i2 <= 1 and p.tau2 >= 0
    assert min(GROUP["effect"]) < p.estimate < max(GROUP["effect"])


def test_pool_identical_studies_has_no_heterogeneity():
    same = GROUP.assign(effect=[1.0, 1.0, 1.0], ci_low=[0.5, 0.5, 0.5], ci_high=[1.5, 1.5, 1.5])
    p = pool(same, "x", "MD")
    assert p.estimate == pytest.approx(1.0)
    assert p.tau2 == pytest.approx(0.0, abs=1e-9)
    assert p.i2 == pytest.approx(0.0, abs=1e-9)


def test_ratio_measures_are_pooled_on_the_log_scale():
    ratios = pd.DataFrame({"study_id": ["A", "B"], "effect": [2.0, 2.0], "ci_low": [1.0, 1.0], "ci_high": [4.0, 4.0], "effect_type": ["OR", "OR"]})
    p = pool(ratios, "x", "OR")
    assert p.estimate == pytest.approx(2.0)
    assert math.isnan(p.pi_low)  # a prediction interval needs three or more studies


def test_comparable_sets_explain_what_is_not_pooled():
    findings = pd.concat(
        [GROUP, pd.DataFrame([{"study_id": "D", "outcome_id": "y", "effect": 1.2, "ci_low": 1.0, "ci_high": 1.4, "effect_type": "mean change"},
                              {"study_id": "E", "outcome_id": "z", "effect": 2.0, "ci_low": 1.1, "ci_high": 3.0, "effect_type": "OR"}])]
    )
    groups, reasons = comparable_sets(findings)
    assert list(groups) == [("x", "MD")]
    assert reasons["why not pooled"].tolist() == [
        "within-group change from baseline, not a comparison between treatments",
        "only one study reports this effect measure for this outcome",
    ]


def test_forest_plot_returns_a_titled_figure():
    fig = forest_plot(pool(GROUP, "x", "MD"), "Pores")
    assert fig.axes[0].get_title(loc="left").startswith("Pores: tau² = ")
