"""Building the reviewer pages: execution, the page cache and its input tracing, export, the atomic swap.

The data layer (``review.workbook``) knows nothing of this package; the build
subscribes to it from inside each kernel (:mod:`review.build.trace`).

* :mod:`.notebooks` — which notebooks make the report, and their titles
* :mod:`.execute` — running them in kernels, progress, failed-cell messages
* :mod:`.trace` — which inputs a notebook read, recorded in its kernel
* :mod:`.pagecache` — exported pages reused while their inputs are unchanged
* :mod:`.export`, :mod:`.markup` — HTML from notebooks and templates
* :mod:`.site` — the build's own pages (index, references)
* :mod:`.swap` — the temporary folder and the swap into place
* :mod:`.reports` — ``review report`` putting them together
"""

from .execute import ReportError, execute, execute_in_place, parallel
from .notebooks import notebook_paths
from .reports import build_reports

__all__ = ["ReportError", "build_reports", "execute", "execute_in_place", "notebook_paths", "parallel"]
