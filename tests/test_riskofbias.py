"""Risk-of-bias tables and plots, generic over tools defined as data, on small inline frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from review import riskofbias as rb
from review.errors import WorkbookError
from review.theme import ROB_COLOURS

FRAMEWORKS = Path(__file__).resolve().parents[1] / "data" / "frameworks"

# domains listed out of order on purpose: plots must follow `order`
DOMAINS = pd.DataFrame(
    {
        "tool": ["Tool A", "Tool A", "Tool A", "Tool B"],
        "domain": ["overall", "D2", "D1", "Q1"],
        "label": ["Overall", "Second", "First", "Only"],
        "order": pd.array([3, 2, 1, 1], dtype="Int64"),
    }
)
JUDGEMENTS = pd.DataFrame(
    {
        "tool": ["Tool A", "Tool A", "Tool A", "Tool B", "Tool B"],
        "judgement": ["low", "high", "no information", "yes", "no"],
        "colour_role": ["low", "high", "none", "low", "high"],
    }
)
ROB = pd.DataFrame(
    {
        "study_id": ["S2", "S2", "S2", "S1", "S1", "S1", "S3", "S3", "S3", "S9"],
        "tool": ["Tool A"] * 9 + ["Tool B"],
        "domain": ["D1", "D2", "overall", "D1", "D2", "overall", "D1", "D2", "overall", "Q1"],
        "judgement": ["low", "low", "low", "high", "no information", "high", "low", "high", "high", "yes"],
    }
)


def test_rob_tool_orders_domains_by_order_and_maps_colours():
    spec = rb.rob_tool(DOMAINS, JUDGEMENTS, "Tool A")
    assert spec.domains == ("D1", "D2", "overall")
    assert spec.judgements == ("low", "high", "no information")
    assert spec.colours["high"] == ROB_COLOURS["high"]
    assert spec.symbols == {"low": "L", "high": "H", "no information": "NI"}


def test_rob_table_is_wide_sorted_and_follows_order():
    t = rb.rob_table(ROB, "Tool A", DOMAINS)
    assert list(t.index) == ["S1", "S2", "S3"]
    assert list(t.columns) == ["D1", "D2", "overall"]
    assert t.loc["S1"].tolist() == ["high", "no information", "high"]


def test_rob_table_leaves_unassessed_domains_empty():
    t = rb.rob_table(ROB.iloc[1:], "Tool A", DOMAINS)
    assert t.loc["S2", "D1"] == ""


def test_rob_summary_gives_percentages_of_studies():
    s = rb.rob_summary(ROB, DOMAINS, JUDGEMENTS, "Tool A")
    assert list(s.index) == ["D1", "D2", "overall"]
    assert list(s.columns) == ["low", "high", "no information"]
    assert s.loc["D1"].tolist() == pytest.approx([200 / 3, 100 / 3, 0.0])
    assert s.loc["D2"].tolist() == pytest.approx([100 / 3, 100 / 3, 100 / 3])
    assert s.sum(axis=1).tolist() == pytest.approx([100.0, 100.0, 100.0])


def test_rob_summary_divides_by_the_studies_assessed_in_each_domain():
    s = rb.rob_summary(ROB.drop(index=8), DOMAINS, JUDGEMENTS, "Tool A")  # S3 has no overall call
    assert s.loc["overall"].tolist() == pytest.approx([50.0, 50.0, 0.0])
    assert s.loc["D1"].tolist() == pytest.approx([200 / 3, 100 / 3, 0.0])


def test_check_tool_rejects_an_unknown_tool_and_lists_the_known_ones():
    with pytest.raises(WorkbookError, match=r"unknown risk-of-bias tool 'RoB 3'; allowed: Tool A, Tool B"):
        rb.rob_tool(DOMAINS, JUDGEMENTS, "RoB 3")


def test_rob_tool_rejects_an_unknown_colour_role():
    bad = JUDGEMENTS.copy()
    bad.loc[1, "colour_role"] = "purple"
    with pytest.raises(WorkbookError, match=r"rob_judgements.csv:3: colour_role: unknown colour role 'purple' for 'high'; allowed: low, some"):
        rb.rob_tool(DOMAINS, bad, "Tool A")


@pytest.mark.parametrize("column, value", [("domain", "D7"), ("judgement", "maybe")])
def test_plots_reject_calls_outside_the_tool(column: str, value: str):
    bad = ROB.copy()
    bad.loc[0, column] = value
    with pytest.raises(WorkbookError, match=rf"risk_of_bias.csv:2: {column}: '{value}' is not a Tool A {column}"):
        rb.traffic_light(bad, DOMAINS, JUDGEMENTS, "Tool A")


def test_traffic_light_draws_one_coloured_circle_per_call_in_order():
    fig = rb.traffic_light(ROB, DOMAINS, JUDGEMENTS, "Tool A")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["D1", "D2", "overall"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S1", "S2", "S3"]
    # one scatter per judgement (fast to draw), together one circle per call: 3 studies x (2 domains + overall)
    circles = {(float(x), float(y)): to_hex(c.get_facecolor()[0]) for c in ax.collections for x, y in c.get_offsets()}
    assert len(circles) == sum(len(c.get_offsets()) for c in ax.collections) == 9
    assert circles[(0.0, 0.0)] == ROB_COLOURS["high"].lower()  # S1, D1: high
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["L  low", "H  high", "NI  no information"]


def test_summary_plot_stacks_to_one_hundred_percent():
    fig = rb.summary_plot(ROB, DOMAINS, JUDGEMENTS, "Tool A")
    ax = fig.axes[0]
    widths: dict[float, float] = {}
    for bar in ax.patches:
        widths[round(bar.get_y(), 3)] = widths.get(round(bar.get_y(), 3), 0.0) + bar.get_width()
    assert list(widths.values()) == pytest.approx([100.0, 100.0, 100.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["low", "high", "no information"]


def test_every_real_tool_has_distinct_symbols_and_known_colours():
    domains = pd.read_csv(FRAMEWORKS / "rob_domains.csv")
    judgements = pd.read_csv(FRAMEWORKS / "rob_judgements.csv")
    for tool in sorted(set(domains["tool"])):
        spec = rb.rob_tool(domains, judgements, tool)
        assert len(set(spec.symbols.values())) == len(spec.judgements), tool
