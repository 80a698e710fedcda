"""Reports appear whole or not at all: built in a temporary folder beside the output, then swapped in."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import psutil


def building_folder(out: Path) -> Path:
    """A fresh temporary folder beside ``out``, named after this process so an abandoned one can be recognised."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-{os.getpid()}-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; reports are for reading
    return tmp


def remove_abandoned(out: Path) -> None:
    """Delete half-built report folders left by builds that were killed (their process no longer exists)."""
    for folder in out.parent.glob(f".{out.name}.building-*"):
        m = re.match(rf"\.{re.escape(out.name)}\.building-(\d+)-", folder.name)
        if not m:
            continue
        try:
            alive = psutil.Process(int(m.group(1))).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        except psutil.Error:
            alive = True  # cannot tell (another user's process): leave it
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)


def swap(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is, keeping the old folder until the new one is in place.

    ``out`` must have passed :func:`review.outdir.check_report_folder` first.
    """
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
