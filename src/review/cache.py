"""Content-addressed caches under ``ROOT/build/cache``: never trusted after an input changed.

Every cached result is stored under a key that is the SHA-256 of everything it
was computed from (file contents, not dates), so a changed input simply misses.
Files are written to a temporary name and renamed, so an interrupted build
never leaves a half-written cache entry; a cache file that cannot be read is
treated as a miss. Deleting ``build/cache`` is always safe. A workbook that
cannot be written keeps its cache in the user's cache folder instead (see
:func:`cache_dir`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterable

PACKAGE = Path(__file__).resolve().parent
CACHE_DIR = Path("build") / "cache"


#: environment variable naming the cache folder (set by ``--cache DIR``, inherited by notebook kernels)
CACHE_ENV = "REVIEW_CACHE"


def _writable(path: Path) -> bool:
    """Whether ``path`` could be created or written: its nearest existing folder is writable (access(2), no probe file)."""
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def user_cache_dir(root: Path) -> Path:
    """This workbook's cache in the user's cache folder (``$XDG_CACHE_HOME/review`` or the platform's), one folder per workbook path."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("review", appauthor=False)) / sha256_bytes(str(root.resolve()).encode())[:16]


def cache_dir(root: Path) -> Path:
    """Where the workbook at ``root`` keeps its caches; the one place that decides it.

    ``$REVIEW_CACHE`` (``--cache DIR``) if set; else ``ROOT/build/cache`` if the
    workbook can be written; else (a shared drive, a read-only checkout) the
    user's cache folder. Nothing is created here: this is called by commands
    that must not write, such as ``review validate``.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    local = root / CACHE_DIR
    return local if _writable(local) else user_cache_dir(root)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_files(paths: Iterable[Path], base: Path) -> dict[str, str]:
    """SHA-256 of each file's content, by its path relative to ``base`` (POSIX form)."""
    return {p.relative_to(base).as_posix(): sha256_bytes(p.read_bytes()) for p in sorted(paths)}


def combine(parts: dict[str, str]) -> str:
    """One key for a set of named digests (order-independent)."""
    return sha256_bytes(json.dumps(sorted(parts.items())).encode())


def package_files() -> list[Path]:
    """The package's own code and templates: a change to any of them can change any output."""
    return sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css", ".js", ".tpl", ".json", ".csv") and "__pycache__" not in p.parts)


def code_digest(extra: Iterable[Path] = ()) -> str:
    """Digest of the package code, the Python version, and ``extra`` files (e.g. the dependency lock)."""
    parts = digest_files(package_files(), PACKAGE)
    for p in extra:
        if p.is_file():
            parts[f"extra:{p.name}"] = sha256_bytes(p.read_bytes())
    parts["python"] = sys.version
    return combine(parts)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; caches and reports are for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> object | None:
    """A cached JSON document, or None when it is missing or unreadable (a miss, never an error)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: object) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))
