"""Building the reviewer pages: execution, the page cache and its input tracing, export, the atomic swap.

The data layer (``review.workbook``) knows nothing of this package; the build
subscribes to it from inside each kernel (:mod:`review.build.trace`).

* :mod:`.notebooks` — which notebooks make the report, and their titles
* :mod:`.kernels` — running them in kernels, progress, failed-cell messages
* :mod:`.trace` — which inputs a notebook read, recorded in its kernel
* :mod:`.pagecache` — exported pages reused while their inputs are unchanged
* :mod:`.export`, :mod:`.markup` — HTML from notebooks and templates
* :mod:`.site` — the build's own pages (index, references)
* :mod:`.swap` — the temporary folder and the swap into place
* :mod:`.reports` — ``review report`` putting them together
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kernels import ReportError, execute, execute_in_place, parallel
    from .notebooks import notebook_paths
    from .reports import build_reports

#: what ``from review.build import X`` gives, and the module it comes from. Imported on first use, so a
#: kernel importing review.build.trace (at start-up, to record its inputs) does not load nbformat and nbconvert.
_FROM = {
    "ReportError": ".kernels", "execute": ".kernels", "execute_in_place": ".kernels", "parallel": ".kernels",
    "notebook_paths": ".notebooks", "build_reports": ".reports",
}
__all__ = ["ReportError", "build_reports", "execute", "execute_in_place", "notebook_paths", "parallel"]


def __getattr__(name: str) -> object:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_FROM[name], __name__), name)
