"""Evidence review workbook: claims from marketing articles set against the clinical literature.

The public entry points are :func:`load_workbook` (check and load every
table) and the command line ``review validate|grade|report``.
"""

from .errors import Problem, WorkbookError
from .workbook import Workbook, check_workbook, find_root, load_workbook

__all__ = ["Problem", "Workbook", "WorkbookError", "check_workbook", "find_root", "load_workbook"]
__version__ = "0.1.0"
