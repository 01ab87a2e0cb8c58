"""Read what a student handed in, and restore it against the source, the way nbgrader does.

Anything can arrive in ``submitted/<student>/<assignment>/``: a notebook, a renamed
notebook, an old nbformat, a binary file, half a JSON document, a notebook whose test cells
were edited or deleted. `load` turns each into either a restored notebook ready to run, with
a list of what was wrong ("flags"), or a `Rejected` with the reason it cannot be graded.

Restoring uses nbgrader's own preprocessors with the gradebook's copy of the source cells:
DeduplicateIds, OverwriteKernelspec, OverwriteCells (which puts back deleted, blanked,
edited or re-weighted test cells, hidden tests included) and CheckCellMetadata. Their
warnings become the flags.
"""
from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_BYTES = 20 * 2**20


@dataclass
class Restored:
    """A notebook ready to grade."""

    nb: nbformat.NotebookNode
    flags: list = field(default_factory=list)
    """Problems found and repaired (shown to the student and in the summary)."""


@dataclass
class Rejected:
    """A submission that cannot be graded; it scores 0 for this reason."""

    reason: str


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def locate(folder: Path, notebook: str) -> tuple[Path | None, list[str]]:
    """The file to grade as `<notebook>.ipynb` in a student's folder, and flags about it.

    A single other ``.ipynb`` stands in for a missing, misnamed one (and is flagged).
    """
    expected = folder / f"{notebook}.ipynb"
    if expected.is_file():
        return expected, []
    others = sorted(p for p in folder.glob("*.ipynb") if p.is_file()) if folder.is_dir() else []
    if len(others) == 1:
        return others[0], [f"graded {others[0].name} as {expected.name} (wrong file name)"]
    if others:
        names = ", ".join(p.name for p in others)
        return None, [f"no {expected.name} (found {names}; which one is it?)"]
    return None, [f"no {expected.name} was submitted"]


def read(path: Path) -> nbformat.NotebookNode | Rejected:
    """Parse a file as a notebook of nbformat 4 (older formats are converted)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return Rejected(f"{path.name} is {size / 2**20:.1f} MB; notebooks over {MAX_BYTES // 2**20} MB are not graded")
        raw = path.read_bytes()
    except OSError as exc:
        return Rejected(f"{path.name} could not be read: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Rejected(f"{path.name} is not a text file (is it a notebook saved in another format?)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Rejected(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}): the file is damaged")
    if not isinstance(data, dict) or "nbformat" not in data or not ("cells" in data or "worksheets" in data):
        return Rejected(f"{path.name} is JSON but not a Jupyter notebook")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for malformed input
        return Rejected(f"{path.name} is not a valid notebook: {str(exc).splitlines()[0][:200]}")
    if data.get("nbformat") != 4:
        nb.metadata.setdefault("autograder", {})["converted_from"] = data.get("nbformat")
    return nb


def restore(nb, *, assignment: str, notebook: str, student: str, db_url: str, release=None) -> Restored | Rejected:
    """Put the source's test and read-only cells back, as nbgrader's autograde does.

    release: the notebook students were given; a locked cell is reported as edited only if
    it differs from its released version (nbgrader compares with the source, which still
    holds the hidden tests, and so reports every test cell).
    """
    from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells,
                                        OverwriteKernelspec)

    collect = _Collect()
    log = logging.getLogger(f"autograder.restore.{student}.{notebook}")
    log.propagate = False
    log.addHandler(collect)
    resources = {"nbgrader": {"notebook": notebook, "assignment": assignment, "student": student, "db_url": db_url}}
    flags = _edited_cells(nb, release) if release is not None else []
    if release is not None:
        flags += _put_back_deleted(nb, release)
    converted = nb.metadata.get("autograder", {}).get("converted_from")
    if converted is not None:
        flags.append(f"converted from nbformat {converted} to 4")
    try:
        for pp in (ClearOutput(log=log), DeduplicateIds(log=log), _DropEmptyMetadata(), OverwriteKernelspec(log=log),
                   OverwriteCells(log=log, add_missing_cells=True), CheckCellMetadata(log=log)):
            nb, resources = pp.preprocess(nb, resources)
    except Exception as exc:  # noqa: BLE001 - corrupted nbgrader metadata and the like
        return Rejected(f"the notebook's grading metadata is damaged and could not be repaired ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0][:200] if str(exc) else ''})")
    finally:
        log.removeHandler(collect)
    flags += [_explain(m) for m in collect.messages if release is None or "'checksum'" not in m]
    return Restored(nb, list(dict.fromkeys(f for f in flags if f)))


class _DropEmptyMetadata:
    """DeduplicateIds empties the nbgrader metadata of duplicates; nbgrader 0.9.6's
    OverwriteCells(add_missing_cells=True) then fails on the empty dict, so remove it."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.metadata.get("nbgrader") == {}:
                del cell.metadata["nbgrader"]
        return nb, resources


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _put_back_deleted(nb, release) -> list[str]:
    """Re-insert released cells the student deleted (answers come back blank), in their place.

    nbgrader restores deleted test cells only, and fails when the cell before one of them
    was deleted too; putting every graded or locked cell back first avoids both problems.
    """
    present = {_grade_id(c) for c in nb.cells} - {None}
    flags, anchor = [], -1  # index in nb of the last released cell seen so far
    for cell in release.cells:
        gid = _grade_id(cell)
        if gid is None:
            continue
        if gid in present:
            anchor = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == gid)
            continue
        anchor += 1
        nb.cells.insert(anchor, nbformat.from_dict(copy.deepcopy(dict(cell))))
        flags.append(f"cell {gid} was deleted; the released version was put back")
    return flags


def _edited_cells(nb, release) -> list[str]:
    """Locked cells whose source differs from the released notebook's."""
    def locked(cells):
        return {c.metadata["nbgrader"]["grade_id"]: c.source for c in cells
                if c.metadata.get("nbgrader", {}).get("locked") and "grade_id" in c.metadata["nbgrader"]}

    given, handed_in = locked(release.cells), locked(nb.cells)
    return [f"cell {gid} was edited; the original was restored" for gid, src in handed_in.items()
            if gid in given and src.strip() != given[gid].strip()]


def _explain(message: str) -> str:
    """nbgrader's log line -> a sentence for the student."""
    patterns = [
        (r"Attribute 'checksum' for cell (\S+) has changed", "cell {0} was edited; the original was restored"),
        (r"Attribute 'points' for cell (\S+) has changed", "the points of cell {0} were changed; restored"),
        (r"Attribute 'locked' for cell (\S+) has changed", "cell {0} was unlocked; restored"),
        (r"Attribute 'cell_type' for cell (\S+) has changed", "the type of cell {0} was changed; restored"),
        (r"Missing grade cell (\S+) encountered", "cell {0} was deleted; the original was restored"),
        (r"Cell with id '(\S+)' exists multiple times", "cell {0} appears more than once; the last copy is graded"),
        (r"Cell '(\S+)' does not exist in the database", "cell {0} has grading metadata that is not in the source; ignored"),
    ]
    for pattern, text in patterns:
        m = re.search(pattern, message)
        if m:
            return text.format(m.group(1))
    return message[:200]
