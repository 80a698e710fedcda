"""The colour palette, by name: Okabe & Ito's eight colours plus grey, defined once.

Kept apart from :mod:`review.theme` (which imports matplotlib) so that data files
can name a colour (``data/frameworks/verdicts.csv`` ``colour``) and be checked
without loading the plotting stack.
"""

from __future__ import annotations

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
