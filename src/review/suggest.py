"""'Did you mean ...?' for an unknown id, fast on tables of tens of thousands of ids.

``difflib.get_close_matches`` compares a value with every known id; run for
each of 2,000 stale ids against 20,000 claims that is 40 million comparisons
(minutes). :class:`Suggester` indexes one column's ids once, by every id with
one character deleted (the "symmetric delete" idea of SymSpell), so the ids
within about two typing errors of a value are found by a few dictionary
look-ups; difflib then ranks the dozen closest of them. Small vocabularies (a few
hundred ids) are still compared in full, as difflib would, so a reordered id
like ``scars_acne`` is still suggested.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable

#: up to this many known ids, every one is compared (as difflib does); above it, only indexed neighbours
FULL_SCAN = 500
#: difflib's similarity cutoff and the number of suggestions shown
CUTOFF = 0.6
#: above FULL_SCAN, how many indexed neighbours (those sharing the most deletions) difflib ranks
RANKED = 12
SHOWN = 3


def _deletes(word: str) -> set[str]:
    """``word`` and every string made by deleting one of its characters."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class Suggester:
    """Suggestions for values that should be among ``known``; build once per column, ask per value."""

    def __init__(self, known: Iterable[str]):
        self.known = sorted(set(known))
        self._index: dict[str, list[str]] = defaultdict(list)
        self._memo: dict[str, list[str]] = {}
        if len(self.known) > FULL_SCAN:
            for k in self.known:
                for d in _deletes(k):
                    self._index[d].append(k)

    def _candidates(self, value: str) -> list[str]:
        if len(self.known) <= FULL_SCAN:
            return self.known
        shared: Counter[str] = Counter()
        for d in _deletes(value):
            shared.update(self._index.get(d, ()))
        # the more one-character deletions two ids share, the closer they are: rank only the closest few
        return [k for k, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:RANKED]]

    def suggest(self, value: str) -> list[str]:
        """Up to three known ids closest to ``value``, best first (difflib's ranking), or none.

        >>> Suggester(["pores", "acne_scars"]).suggest("pore")
        ['pores']
        """
        if value not in self._memo:
            self._memo[value] = difflib.get_close_matches(value, self._candidates(value), n=SHOWN, cutoff=CUTOFF)
        return self._memo[value]
