"""What changed in a review since an earlier git revision: ``review diff REF`` and the report's "What's new" page.

Both versions are graded the same way: the workbook as of REF is taken out of
git (``git archive``) into a temporary folder and loaded and graded with the
current code, beside the workbook as it is now. Compared: claims added,
removed or edited; verdicts and certainties that moved (with the new reason);
studies added or removed.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import Problem, WorkbookError
from .gitinfo import git
from .results import compute
from .workbook import load_workbook

#: claim columns whose change makes a claim "edited"
CLAIM_FIELDS = ("quote", "statement", "outcome_id", "claim_type", "wording", "quantity", "cited_work")


@dataclass(frozen=True)
class Changes:
    """The differences between two versions of a workbook (each a DataFrame, sorted, possibly empty)."""

    since: str
    claims_added: pd.DataFrame
    claims_removed: pd.DataFrame
    claims_edited: pd.DataFrame
    verdicts_moved: pd.DataFrame
    studies_added: list[str]
    studies_removed: list[str]

    @property
    def empty(self) -> bool:
        return not any(len(f) for f in (self.claims_added, self.claims_removed, self.claims_edited, self.verdicts_moved, self.studies_added, self.studies_removed))


def workbook_at(root: Path, ref: str, dest: Path) -> Path:
    """Write the workbook as it was at git revision ``ref`` into ``dest``; return the workbook folder there."""
    top = git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise WorkbookError([Problem(str(root), 0, "", "is not in a git repository, so there is no earlier version to compare with")])
    toplevel = Path(top.stdout.decode().strip()).resolve()
    prefix = root.resolve().relative_to(toplevel).as_posix()
    tree = f"{ref}:{prefix}" if prefix != "." else ref
    archive = git(toplevel, "archive", "--format=tar", tree)
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip().splitlines()
        raise WorkbookError([Problem("git", 0, "REF", f"cannot read revision {ref!r}: {why[-1] if why else 'unknown revision'}; give a commit, tag or branch, e.g. HEAD~1")])
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _claims(wb) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    cols = ["claim_id", "source_id", *[c for c in CLAIM_FIELDS if c in wb.claims.columns]]
    return wb.claims[cols].fillna("").astype(str).set_index("claim_id")


def compare(old_root: Path, new_root: Path, since: str) -> Changes:
    """Grade both workbooks and list what changed from ``old_root`` to ``new_root``."""
    try:
        old = load_workbook(old_root)
    except WorkbookError as exc:
        raise WorkbookError([Problem(f"{since}:", 0, "", f"the workbook as of {since} cannot be read by this version: {p}") for p in exc.problems]) from None
    new = load_workbook(new_root)
    oc, nc = _claims(old), _claims(new)
    added = nc.loc[sorted(set(nc.index) - set(oc.index))].reset_index()
    removed = oc.loc[sorted(set(oc.index) - set(nc.index))].reset_index()
    both = sorted(set(oc.index) & set(nc.index))
    edits = []
    for cid in both:
        changed = [c for c in nc.columns if c in oc.columns and oc.loc[cid, c] != nc.loc[cid, c]]
        if changed:
            edits.append({"claim_id": cid, "fields": ", ".join(changed), "quote": nc.loc[cid, "quote"]})
    ov = compute(old).verdicts.set_index("claim_id")
    nv = compute(new).verdicts.set_index("claim_id")
    moved = []
    for cid in both:
        a, b = ov.loc[cid], nv.loc[cid]
        if (a["verdict"], a["certainty"]) != (b["verdict"], b["certainty"]):
            moved.append({"claim_id": cid, "verdict before": a["verdict"], "verdict now": b["verdict"], "certainty before": a["certainty"], "certainty now": b["certainty"], "reason now": b["reason"]})
    os_, ns = set(old.studies["study_id"]), set(new.studies["study_id"])
    return Changes(
        since=since,
        claims_added=added,
        claims_removed=removed,
        claims_edited=pd.DataFrame(edits, columns=["claim_id", "fields", "quote"]),
        verdicts_moved=pd.DataFrame(moved, columns=["claim_id", "verdict before", "verdict now", "certainty before", "certainty now", "reason now"]),
        studies_added=sorted(ns - os_),
        studies_removed=sorted(os_ - ns),
    )


def changes_since(root: Path, ref: str) -> Changes:
    """What changed in the workbook at ``root`` since git revision ``ref``."""
    with tempfile.TemporaryDirectory(prefix="review-diff-") as tmp:
        return compare(workbook_at(root, ref, Path(tmp)), root, ref)


def describe_changes(ch: Changes) -> str:
    """The changes as lines of text, for the command line."""
    if ch.empty:
        return f"no change since {ch.since}"
    lines = [f"changes since {ch.since}:"]
    for r in ch.claims_added.to_dict("records"):
        lines.append(f"  claim added     {r['claim_id']}: {r['quote']}")
    for r in ch.claims_removed.to_dict("records"):
        lines.append(f"  claim removed   {r['claim_id']}: {r['quote']}")
    for r in ch.claims_edited.to_dict("records"):
        lines.append(f"  claim edited    {r['claim_id']} ({r['fields']})")
    for r in ch.verdicts_moved.to_dict("records"):
        lines.append(
            f"  verdict moved   {r['claim_id']}: {r['verdict before']} ({r['certainty before']}) -> {r['verdict now']} ({r['certainty now']}); {r['reason now']}"
        )
    lines += [f"  study added     {s}" for s in ch.studies_added]
    lines += [f"  study removed   {s}" for s in ch.studies_removed]
    return "\n".join(lines)
