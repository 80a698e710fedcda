"""RoB 2's overall judgement follows its own algorithm and its three-level scale."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_workbook

from review.rob2 import allowed_overall, rob2_overall
from review.workbook import check_workbook


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        (["low"] * 5, "low"),
        (["low", "low", "some concerns", "low", "low"], "some concerns"),
        (["low", "high", "some concerns", "low", "low"], "high"),
        (["no information"] * 5, "some concerns"),  # never "no information": not on the overall scale
        (["low", "no information", "low", "low", "low"], "some concerns"),
    ],
)
def test_rob2_overall_is_the_least_favourable_domain(domains, expected):
    assert rob2_overall(domains) == expected


def test_several_domains_with_concerns_may_be_called_high():
    assert allowed_overall(["some concerns", "no information", "low"]) == ("some concerns", "high")
    assert allowed_overall(["some concerns", "low", "low"]) == ("some concerns",)


def test_an_overall_no_information_is_refused_with_the_algorithms_answer(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    path = root / "data" / "risk_of_bias.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("Ishfaq2022,RoB 2,overall,"))
    lines[at] = "Ishfaq2022,RoB 2,overall,no information,no domain assessable\n"
    path.write_text("".join(lines), encoding="utf-8")
    problems = [str(p) for p in check_workbook(root).problems]
    assert f"data/risk_of_bias.csv:{at + 1}: judgement: RoB 2 overall 'no information' does not follow RoB 2's algorithm for Ishfaq2022's domains; allowed: some concerns, high (the overall scale is low, some concerns, high)" in problems


def test_the_real_workbook_has_no_rob2_overall_outside_its_scale():
    import review

    rob = review.load_workbook().risk_of_bias
    overall = rob[(rob["tool"] == "RoB 2") & (rob["domain"] == "overall")]
    assert len(overall) and set(overall["judgement"]) <= {"low", "some concerns", "high"}
