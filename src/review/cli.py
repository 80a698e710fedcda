"""Command line: ``review validate|grade|report|diff|intake|new|execute|synth [--root DIR]``."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import Sequence

from .cache import CACHE_ENV
from .errors import ReportError, UsageError, WorkbookError, os_error_message
from .settings import jobs_setting
from .workbook import check_workbook, find_root


def _validate(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    checked = check_workbook(root)
    for note in checked.notes:
        print(f"note: {note}", file=sys.stderr)
    if checked.problems:
        for p in checked.problems:
            print(p)
        n = len(checked.problems)
        print(f"{n} problem{'s' if n != 1 else ''} found", file=sys.stderr)
        return 1
    counts = ", ".join(f"{len(t.rows)} {name}" for name, t in checked.tables.items() if not name.startswith("rob_") and name != "designs")
    print(f"workbook is valid: {counts}, {len(checked.bib.entries)} bib entries")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .results import write_grades

    root = find_root(args.root)
    out = Path(args.out) if args.out else root / "build"
    paths = write_grades(root, out)
    for p in paths:
        print(f"wrote {p}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .build import build_reports
    from .build.kernels import to_stderr

    jobs = jobs_setting()  # a wrong REVIEW_JOBS is refused before any work
    root = find_root(args.root)
    out = Path(args.out) if args.out else root / "reports"
    index = build_reports(root, out, jobs=jobs, say=to_stderr, since=args.since)
    print(f"wrote {index}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from .changes import changes_since, describe_changes

    root = find_root(args.root)
    print(describe_changes(changes_since(root, args.ref)))
    return 0


def _execute(args: argparse.Namespace) -> int:
    from .build import execute_in_place
    from .build.kernels import to_stderr

    jobs_setting()  # a wrong REVIEW_JOBS is refused before any work
    root = find_root(args.root)
    for path in execute_in_place(root, args.notebooks, say=to_stderr):
        print(f"executed {path.relative_to(root)}")
    return 0


def _intake(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    if args.accept:
        from .accept import accept

        if args.article:
            print("review intake: give either ARTICLE (to propose claims) or --accept CSV, not both", file=sys.stderr)
            return 2
        done = accept(Path(args.accept), root)
        added = f"added article {done.source_id} to data/sources.csv and " if done.new_source else ""
        print(f"{added}{len(done.claim_ids)} claims to data/claims.csv: {done.claim_ids[0]} to {done.claim_ids[-1]}")
        if done.archived:
            print(f"copied the article's text to the archive: {done.archived}")
        return 0
    from .intake import intake

    if not args.article or not args.source_id:
        print("review intake: give ARTICLE and --source-id ID (e.g. S5), or --accept CSV", file=sys.stderr)
        return 2
    files = intake(Path(args.article), root, args.source_id, Path(args.out) if args.out else None, args.title, args.kind)
    print(f"wrote {files.count} candidate claims to {files.candidates}")
    print(f"  the article's row for data/sources.csv: {files.source} (edit title and kind there)")
    print(f"  the article as text, which quotes are checked against: {files.text}")
    print(f"next: check each row, correct it, write statement, mark accept=yes; then: review intake --accept {files.candidates}")
    return 0


def _new(args: argparse.Namespace) -> int:
    from .scaffold import new_review

    dest = new_review(Path(args.dir), args.treatment, args.organisation or "", args.title or "", Path(args.template) if args.template else None)
    print(f"started a review of {args.treatment} in {dest}")
    print(f"next: add outcomes (data/outcomes.csv, data/outcome_terms.csv), then an article: review intake ARTICLE --source-id S0 --root {dest}")
    return 0


def _synth(args: argparse.Namespace) -> int:
    from .synth import write_synthetic

    template = find_root(args.root)
    size = write_synthetic(Path(args.out), args.scale, template, seed=args.seed)
    print(
        f"wrote a synthetic workbook to {args.out}: {size.sources} articles, {size.outcomes} outcomes, "
        f"{size.claims} claims, {size.studies} studies, {size.findings} findings, {size.bib} bib entries"
    )
    return 0


def _positive_int(text: str) -> int:
    """argparse type: a whole number >= 1, refused with a usage message (not a traceback) otherwise."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def _cache_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache", metavar="DIR", help="cache folder (default: ROOT/build/cache, or the user's cache folder when the workbook is read-only; or $REVIEW_CACHE)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="review", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check every table and references.bib; exit 1 if anything is wrong")
    p.add_argument("--root", help="workbook folder (default: this repository, or $REVIEW_ROOT)")
    _cache_option(p)
    p.set_defaults(func=_validate)
    p = sub.add_parser("grade", help="grade every outcome and judge every claim; write grades.csv and verdicts.csv")
    p.add_argument("--root")
    p.add_argument("--out", help="output folder (default: ROOT/build)")
    _cache_option(p)
    p.set_defaults(func=_grade)
    p = sub.add_parser("report", help="execute the notebooks and write the HTML reports")
    p.add_argument("--root")
    p.add_argument("--out", help="output folder (default: ROOT/reports)")
    _cache_option(p)
    p.add_argument("--since", help="git revision the \"What's new\" page compares with (default: the latest tag, if any)")
    p.set_defaults(func=_report)
    p = sub.add_parser("diff", help="list what changed since a git revision: claims, verdicts, certainties, studies")
    p.add_argument("ref", help="a commit, tag or branch, e.g. v1.0 or HEAD~3")
    p.add_argument("--root")
    p.set_defaults(func=_diff)
    p = sub.add_parser("execute", help="re-run notebooks in place and save their outputs (after a deliberate change)")
    p.add_argument("--root")
    p.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    _cache_option(p)
    p.set_defaults(func=_execute)
    p = sub.add_parser("intake", help="propose the claims of a new article (CSV to review), or add the accepted ones with --accept")
    p.add_argument("article", nargs="?", help="the article: plain text, Markdown (.md) or HTML (.html)")
    p.add_argument("--source-id", help="the article's new id in data/sources.csv, e.g. S5")
    p.add_argument("--title", help="the article's title (default: its first line)")
    p.add_argument("--kind", help="clinic blog, magazine, ... (default: web article)")
    p.add_argument("--out", help="candidates CSV to write (default: ROOT/build/intake/ID.csv)")
    p.add_argument("--accept", metavar="CSV", help="add the rows marked accept=yes of this candidates CSV to data/claims.csv")
    p.add_argument("--root")
    p.set_defaults(func=_intake)
    p = sub.add_parser("new", help="start a blank review of a treatment in a new folder")
    p.add_argument("dir", help="folder to create (missing or empty)")
    p.add_argument("--treatment", required=True, help='the treatment as it reads in a sentence, e.g. "LED light therapy masks"')
    p.add_argument("--organisation", help="who publishes the review")
    p.add_argument("--title", help="the review's title (default: <Treatment>: marketing claims against the evidence)")
    p.add_argument("--from", dest="template", help="workbook whose frameworks and notebooks are copied (default: this repository)")
    p.set_defaults(func=_new)
    p = sub.add_parser("synth", help="write a synthetic workbook N times larger than this one (benchmarks, scale tests)")
    p.add_argument("--root", help="workbook whose frameworks and notebooks are copied")
    p.add_argument("--scale", type=_positive_int, default=100, help="N: about 70N claims, 40N studies, 100N findings, 50N bib entries")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", required=True, help="folder to create (must not exist)")
    p.set_defaults(func=_synth)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "cache", None):  # an environment variable, so notebook kernels use the same cache
        os.environ[CACHE_ENV] = str(Path(args.cache).expanduser().resolve())
    try:
        return int(args.func(args))
    except WorkbookError as exc:
        print(f"review {args.command}: {exc}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"review {args.command}: {exc}", file=sys.stderr)
        return 1
    except ReportError as exc:
        print(f"review {args.command}: a notebook failed; the previous reports are unchanged.\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only folder, a missing file: a message, not a traceback
        print(f"review {args.command}: {os_error_message(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"review {args.command}: interrupted; files are replaced only when complete, so no output is half-written", file=sys.stderr)
        return 130


def run() -> None:
    """The ``review`` command: :func:`main`, then exit without the interpreter's final garbage collection.

    After a build the process holds some 2,000 modules; collecting them one
    last time added 0.4 s to every command. Frozen objects are skipped by
    that collection, and the operating system frees the memory anyway.
    Files are all closed by then (every write goes through a ``with``).
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
