"""review intake: candidate claims proposed from constructed articles (text, Markdown, HTML)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import snapshot
from review import intake
from review.cli import main
from review.intake import Candidate, Vocabulary

VOCAB = Vocabulary(
    terms=[
        ("wrinkle", "wrinkles"),
        ("fine line", "wrinkles"),
        ("acne scar", "acne_scars"),
        ("acne+scar", "acne_scars"),
        ("scar", "other_scars"),
        ("acne", "active_acne"),
        ("collagen", "collagen"),
        ("safe", "safety"),
        ("redness", "safety"),
        ("sessions", "sessions"),
        ("recovery", "aftercare"),
    ],
    category={
        "wrinkles": "efficacy",
        "acne_scars": "efficacy",
        "other_scars": "efficacy",
        "active_acne": "efficacy",
        "collagen": "mechanism",
        "safety": "safety",
        "sessions": "procedure",
        "aftercare": "procedure",
    },
    label={"wrinkles": "Fine lines and wrinkles"},
    treatment="LED masks",
)

ARTICLE = """LED masks for your skin

LED masks are the newest trend in home skin care. They may reduce fine lines by stimulating collagen.

Benefits of LED masks:

  • Acne scars
  • Fine lines and wrinkles

How it works

The light stimulates collagen production. A study published in the Journal of Light Medicine showed that 100% of users saw smoother skin.
LED masks are completely safe. Results are not known to be 100% permanent. Most people need 4 to 6 sessions.

Since your skin is sensitive during recovery, avoid the following:

  • Sun exposure
  • Retinol
"""


def by_quote(cands: list[Candidate], start: str) -> list[Candidate]:
    return [c for c in cands if c.quote.startswith(start)]


@pytest.fixture(scope="module")
def cands() -> list[Candidate]:
    return intake.propose(ARTICLE, VOCAB)


def test_intake_skips_headings_and_keeps_order(cands: list[Candidate]) -> None:
    quotes = [c.quote for c in cands]
    assert "LED masks for your skin" not in quotes and "How it works" not in quotes
    assert "Benefits of LED masks:" not in quotes
    assert quotes.index("Acne scars") < quotes.index("The light stimulates collagen production.")


def test_intake_turns_a_benefit_list_into_claims(cands: list[Candidate]) -> None:
    (acne,) = by_quote(cands, "Acne scars")
    assert (acne.outcome_id, acne.claim_type, acne.wording) == ("acne_scars", "benefit", "plain")
    assert by_quote(cands, "Fine lines and wrinkles")[0].outcome_id == "wrinkles"


def test_intake_items_of_a_list_of_things_to_avoid_are_cautions_about_the_lead_in(cands: list[Candidate]) -> None:
    (sun,) = by_quote(cands, "Sun exposure")
    assert (sun.outcome_id, sun.claim_type) == ("aftercare", "caution")


def test_intake_ranks_the_effect_before_the_mechanism(cands: list[Candidate]) -> None:
    first = by_quote(cands, "They may reduce fine lines")
    assert [c.outcome_id for c in first] == ["wrinkles", "collagen"]
    assert first[0].confidence > first[1].confidence
    assert by_quote(cands, "The light stimulates")[0].claim_type == "mechanism"


@pytest.mark.parametrize(
    ("sentence", "wording"),
    [
        ("They may reduce fine lines by stimulating collagen.", "hedged"),
        ("The light stimulates collagen production.", "plain"),
        ("LED masks are completely safe.", "absolute"),
        ("Results are not known to be 100% permanent.", "plain"),
    ],
)
def test_intake_wording_from_cue_words(cands: list[Candidate], sentence: str, wording: str) -> None:
    assert intake.suggest_wording(sentence, intake.load_cues()) == wording


@pytest.mark.parametrize(
    ("sentence", "quantity"),
    [
        ("Most people need 4 to 6 sessions.", "4-6 sessions"),
        ("A typical person requires 4-6 treatments.", "4-6 sessions"),
        ("Laser can cost up to four times as much.", "4x"),
        ("100% of users saw smoother skin.", "100%"),
        ("In 2009 a study was published.", ""),
    ],
)
def test_intake_quantity_with_its_unit(sentence: str, quantity: str) -> None:
    assert intake.suggest_quantity(sentence, intake.load_cues()) == quantity


def test_intake_names_the_cited_work(cands: list[Candidate]) -> None:
    (study,) = {c.cited_work for c in by_quote(cands, "A study published")}
    assert study == "A study published in the Journal of Light Medicine"
    assert intake.suggest_cited_work("Studies have shown that it works.", intake.load_cues()) == "Studies have shown"
    assert intake.suggest_cited_work("It works.", intake.load_cues()) == ""


def test_intake_a_compound_term_needs_both_words() -> None:
    assert intake.rank_outcomes("Whether a scar from surgery or acne, it fades.", VOCAB)[0] == "acne_scars"
    assert "acne_scars" not in intake.rank_outcomes("It treats acne.", VOCAB)


def test_intake_article_without_claims_gives_no_candidates() -> None:
    text = "Opening hours\n\nOur clinic is open from Monday to Friday. Parking is free for visitors.\n"
    assert intake.propose(text, VOCAB) == []


def test_intake_reads_markdown_and_html_as_text(tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    md.write_text("# Title\n\nIt **may reduce** fine lines.\n\n- Acne scars\n- Wrinkles\n", encoding="utf-8")
    html = tmp_path / "a.html"
    html.write_text("<html><body><h1>Title</h1><p>It <b>may reduce</b> fine lines.</p><ul><li>Acne scars</li><li>Wrinkles</li></ul></body></html>", encoding="utf-8")
    for path in (md, html):
        text = intake.article_text(path)
        assert "It may reduce fine lines." in text and "**" not in text and "<" not in text
        quotes = [c.quote for c in intake.propose(text, VOCAB)]
        assert quotes[:3] == ["It may reduce fine lines.", "Acne scars", "Wrinkles"], path


def test_score_counts_found_claims_outcomes_and_wording() -> None:
    cands = [Candidate("It may reduce fine lines by collagen.", "wrinkles", wording="hedged"), Candidate("Unrelated sentence here.", "x")]
    gold = [
        {"quote": "may reduce fine lines", "outcome_id": "wrinkles", "wording": "hedged"},
        {"quote": "It may reduce fine lines by collagen.", "outcome_id": "collagen", "wording": "plain"},
        {"quote": "Never proposed.", "outcome_id": "wrinkles", "wording": "plain"},
    ]
    s = intake.score(cands, gold)
    assert (s.claims, s.found, s.outcome_right, s.wording_right, s.useful_candidates) == (3, 2, 1, 1, 1)
    assert s.per_claim == pytest.approx(2 / 3)


def test_intake_command_writes_candidates_beside_the_workbook_and_never_data(workbook: Path, tmp_path: Path) -> None:
    article = tmp_path / "new-article.txt"
    article.write_text("Microneedling can reduce acne scars in 3 sessions.\n\nIt is completely safe.\n", encoding="utf-8")
    before = snapshot(workbook / "data")
    assert main(["intake", str(article), "--source-id", "S9", "--root", str(workbook)]) == 0
    assert snapshot(workbook / "data") == before
    out = workbook / "build" / "intake" / "S9.csv"
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == list(intake.CANDIDATE_COLUMNS)
    assert rows[0]["outcome_id"] == "acne_scars" and rows[0]["quantity"] == "3 sessions" and rows[0]["accept"] == ""
    source = list(csv.DictReader((workbook / "build" / "intake" / "S9.source.csv").read_text(encoding="utf-8").splitlines()))
    assert source[0]["source_id"] == "S9" and source[0]["text_file"] == "new-article.txt"


def test_intake_command_refuses_to_write_into_data(workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Microneedling can reduce acne scars.\n", encoding="utf-8")
    assert main(["intake", str(article), "--source-id", "S9", "--root", str(workbook), "--out", str(workbook / "data" / "x.csv")]) == 1
    assert "never writes into data/" in capsys.readouterr().err
    assert not (workbook / "data" / "x.csv").exists()
