"""What git says about a workbook: the commit it is at, its latest tag, what a revision names.

Small and free of pandas, so the build can key its caches on these before it
imports anything heavy. Outside a git checkout every answer is "unknown" or
None, never an error.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root ARGS``, capturing its output; a missing git is a failed run, not an exception."""
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        return subprocess.CompletedProcess(["git", *args], 127, b"", str(exc).encode())


def head_commit(root: Path) -> str:
    """The commit the workbook is at, with ``+changes`` when the work tree differs; 'unknown' outside git."""
    sha = git(root, "rev-parse", "--short=12", "HEAD")
    if sha.returncode != 0:
        return "unknown"
    dirty = git(root, "status", "--porcelain", "--untracked-files=no")
    return sha.stdout.decode().strip() + ("+changes" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def latest_tag(root: Path) -> str | None:
    """The most recent tag reachable from HEAD, or None (not a git checkout, or no tag)."""
    out = git(root, "describe", "--tags", "--abbrev=0")
    return out.stdout.decode().strip() or None if out.returncode == 0 else None


def commit_of(root: Path, ref: str) -> str | None:
    """The full commit id that revision ``ref`` names, or None when it names none."""
    out = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return out.stdout.decode().strip() or None if out.returncode == 0 else None


def last_commit_date(root: Path) -> str | None:
    """The date (YYYY-MM-DD) of the commit the workbook is at, or None outside git."""
    out = git(root, "log", "-1", "--format=%cs")
    date = out.stdout.decode().strip() if out.returncode == 0 else ""
    return date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None
