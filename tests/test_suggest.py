"""'Did you mean': the right id is suggested for the typing errors people make, on small and large id sets."""

from __future__ import annotations

import difflib
import random

import pytest

from review.suggest import CUTOFF, FULL_SCAN, Suggester

SURNAMES = "Alam Majid Fabbrocini Dogra Aust Harris Kim Lee Park Chandrashekar Cachafeiro Sharad Bhargava Ibrahim".split()
#: bib-key-like ids, more than FULL_SCAN of them: only indexed neighbours are compared
LARGE = [f"{name}{year}{suffix}" for name in SURNAMES for year in range(1990, 2026) for suffix in ("", "a", "b")]
SMALL = ["acne_scars", "pores", "wrinkles", "hyperpigmentation", "hair_growth", "skin_texture"]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("Alma2014", "Alam2014"),  # two letters swapped
        ("Majd2009", "Majid2009"),  # a letter missing
        ("Dogrra2002", "Dogra2002"),  # one too many
        ("Fabrocini2011", "Fabbrocini2011"),
        ("alam2014", "Alam2014"),  # lower case
        ("Bhargvaa2010", "Bhargava2010"),  # letters swapped further apart
    ],
)
def test_large_id_sets_suggest_the_id_meant_first(typo: str, meant: str):
    assert len(LARGE) > FULL_SCAN
    assert Suggester(LARGE).suggest(typo)[0] == meant


@pytest.mark.parametrize(("typo", "meant"), [("pore", "pores"), ("hyperpigmentaton", "hyperpigmentation"), ("skin-texture", "skin_texture")])
def test_small_id_sets_suggest_the_id_meant_first(typo: str, meant: str):
    assert Suggester(SMALL).suggest(typo)[0] == meant


def test_nothing_close_suggests_nothing():
    assert Suggester(LARGE).suggest("Nobody1901x") == []
    assert Suggester(SMALL).suggest("Nobody2001") == []


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    kind = rng.choice(["delete", "insert", "replace", "swap"])
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + rng.choice("aex1") + word[i:]
    if kind == "replace":
        return word[:i] + rng.choice("aex1") + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def test_first_suggestion_is_as_close_as_comparing_every_id():
    """For one typing error, the indexed search finds a match as good as difflib's over all ids."""
    rng = random.Random(2026)
    suggester = Suggester(LARGE)
    for meant in rng.sample(LARGE, 60):
        typo = _typo(meant, rng)
        full = difflib.get_close_matches(typo, LARGE, n=1, cutoff=CUTOFF)
        fast = suggester.suggest(typo)
        assert bool(full) == bool(fast), typo
        if full:
            best = difflib.SequenceMatcher(None, typo, full[0]).ratio()
            assert difflib.SequenceMatcher(None, typo, fast[0]).ratio() == best, (typo, fast, full)
