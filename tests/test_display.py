"""Reviewer tables and chart alt text: human column names, no index, NR, deterministic HTML."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from review.display import alt_text, cell_text, column_label, describe, table_html


@pytest.mark.parametrize(
    "name, label",
    [
        ("claim_id", "Claim"),
        ("n_enrolled", "Enrolled (n)"),
        ("cebm_level", "CEBM level"),
        ("effect_type", "Effect measure"),
        ("key studies", "Key studies"),
        ("Already Human", "Already Human"),
        ("risk_of_bias", "Risk of bias"),
    ],
)
def test_column_label_is_human(name: str, label: str):
    assert column_label(name) == label


@pytest.mark.parametrize("value, text", [(None, "NR"), (float("nan"), "NR"), (pd.NA, "NR"), (459.0, "459"), (0.5, "0.5"), (1.23456, "1.235"), (12, "12"), ("", "")])
def test_cell_text(value: object, text: str):
    assert cell_text(value) == text


def test_table_has_no_index_column_and_one_header_row():
    page = table_html(pd.DataFrame({"claim_id": ["S0-01", "S0-02"], "n_enrolled": [459, None]}))
    assert page.count("<tr>") == 3 and "<th scope=\"col\">Claim</th><th scope=\"col\">Enrolled (n)</th>" in page
    assert "<th>0</th>" not in page and ">0<" not in page
    assert '<td data-label="Enrolled (n)">NR</td>' in page
    assert '<td data-label="Enrolled (n)">459</td>' in page


def test_a_named_index_becomes_the_first_column():
    frame = pd.DataFrame({"claims": [3, 1]}, index=pd.Index(["acne", "scars"], name="outcome"))
    page = table_html(frame)
    assert '<th scope="col">Outcome</th><th scope="col">Claims</th>' in page
    assert '<td data-label="Outcome">acne</td>' in page


def test_table_html_is_deterministic_and_escaped():
    frame = pd.DataFrame({"quote": ["<script>x</script>"]})
    assert table_html(frame) == table_html(frame.copy())
    assert "&lt;script&gt;" in table_html(frame) and "<script>" not in table_html(frame)


def test_alt_text_says_what_the_chart_shows():
    fig = Figure()
    ax = fig.subplots()
    ax.set_title("Claims per article")
    ax.set_xlabel("article")
    ax.set_ylabel("claims")
    assert alt_text(fig) == "Chart: Claims per article. Across: article. Down: claims."
    assert alt_text(describe(fig, "Bar chart of 132 claims over 5 articles.")) == "Bar chart of 132 claims over 5 articles."
