"""Restore a submitted notebook against the source, with nbgrader's own preprocessors, fast.

Restoring is what ``nbgrader autograde`` does before it runs a notebook: ClearOutput (saved
outputs are never graded), DeduplicateIds, OverwriteKernelspec, OverwriteCells (which puts
back deleted, blanked, edited or re-weighted test cells, hidden tests included) and
CheckCellMetadata. Their warnings become the flags shown to the student. Then
`autograder.inert` makes whatever the student wrote inert.

nbgrader 0.9.6 pays for this per cell: OverwriteCells asks the gradebook two queries per
cell, and CheckCellMetadata rebuilds and re-checks the JSON schema for every cell. At a few
hundred submissions that was most of the driver's time, so `SourceCells` reads a notebook's
source cells once per run and answers OverwriteCells' questions from memory, and the schema
validator is built once. The preprocessors' logic is nbgrader's own; tests/test_restore.py
checks that the cached restore gives exactly what the uncached one gives.
"""
from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import jsonschema
import nbformat

from . import inert
from .submission import Rejected


@dataclass
class Restored:
    """A notebook ready to grade."""

    nb: nbformat.NotebookNode
    flags: list = field(default_factory=list)
    """Problems found and repaired (shown to the student and in the summary)."""


class SourceCells:
    """The gradebook's copy of one notebook's source cells, read once, for OverwriteCells.

    It answers the three gradebook calls OverwriteCells makes (find_source_cell,
    find_graded_cell, find_notebook) with the same attributes, and raises the same MissingEntry.
    """

    def __init__(self, db_url: str, notebook: str, assignment: str):
        from nbgrader.api import Gradebook

        with Gradebook(db_url) as gb:
            nb = gb.find_notebook(notebook, assignment)
            fields = ("name", "cell_type", "source", "locked", "checksum")
            self.source = [SimpleNamespace(**{f: getattr(c, f) for f in fields}) for c in nb.source_cells]
            self.graded = {c.name: SimpleNamespace(name=c.name, max_score=c.max_score) for c in nb.grade_cells}
            self.solutions = [SimpleNamespace(name=c.name) for c in nb.solution_cells]
            self.tasks = [SimpleNamespace(name=c.name, max_score=c.max_score) for c in nb.task_cells]
        self.by_name = {c.name: c for c in self.source}
        self.key = (notebook, assignment)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def find_source_cell(self, name, notebook, assignment):
        return self._find(self.by_name, name, notebook, assignment)

    def find_graded_cell(self, name, notebook, assignment):
        return self._find(self.graded, name, notebook, assignment)

    def find_notebook(self, notebook, assignment):
        assert (notebook, assignment) == self.key
        return SimpleNamespace(source_cells=self.source, grade_cells=list(self.graded.values()),
                               solution_cells=self.solutions, task_cells=self.tasks)

    def _find(self, table, name, notebook, assignment):
        from nbgrader.api import MissingEntry

        assert (notebook, assignment) == self.key
        if name not in table:
            raise MissingEntry()
        return table[name]


def _overwrite_cells(source_cells: SourceCells | None):
    """nbgrader's OverwriteCells, asking `source_cells` instead of opening the gradebook (if given)."""
    from nbgrader.preprocessors import OverwriteCells

    class Cached(OverwriteCells):
        def preprocess(self, nb, resources):
            self.notebook_id = resources["nbgrader"]["notebook"]
            self.assignment_id = resources["nbgrader"]["assignment"]
            self.gradebook = source_cells
            nb, resources = super(OverwriteCells, self).preprocess(nb, resources)  # per cell, as nbgrader does
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
            return nb, resources

    return Cached if source_cells is not None else OverwriteCells


class _SchemaOnce:
    """jsonschema.validate with each schema's validator built and checked once, for nbgrader's
    MetadataValidator (which calls jsonschema.validate, re-checking the schema, for every cell)."""

    ValidationError = jsonschema.ValidationError

    def __init__(self):
        self._validators: dict = {}

    def validate(self, instance, schema):
        validator = self._validators.get(id(schema))
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[id(schema)] = (cls(schema), schema)  # keep the schema alive
        error = jsonschema.exceptions.best_match(validator[0].iter_errors(instance))
        if error is not None:
            raise error


def _install_schema_cache() -> None:
    import nbgrader.nbgraderformat.common as common

    if not isinstance(common.jsonschema, _SchemaOnce):
        common.jsonschema = _SchemaOnce()


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def restore(nb, *, assignment: str, notebook: str, student: str, db_url: str, source, release=None,
            source_cells: SourceCells | None = None) -> Restored | Rejected:
    """Put the source's test and read-only cells back, as nbgrader's autograde does; make the rest inert.

    source: the instructor's notebook (trusted Markdown and metadata come from it).
    release: the notebook students were given; a locked cell is reported as edited only if
    it differs from its released version (nbgrader compares with the source, which still
    holds the hidden tests, and so reports every test cell).
    source_cells: the gradebook's source cells, read once per run (None: nbgrader reads them).
    """
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec

    _install_schema_cache()
    collect = _Collect()
    log = logging.getLogger(f"autograder.restore.{id(nb)}")
    log.propagate = False
    log.addHandler(collect)
    resources = {"nbgrader": {"notebook": notebook, "assignment": assignment, "student": student, "db_url": db_url}}
    flags = []
    meta = nb.metadata.get("autograder", {})
    if meta.get("damaged_metadata"):
        flags.append(f"{meta['damaged_metadata']} cell(s) had damaged grading metadata, which was ignored")
    flags += _drop_unknown_ids(nb, source)
    if release is not None:
        flags += _edited_cells(nb, release) + _put_back_deleted(nb, release)
    if meta.get("converted_from") is not None:
        flags.append(f"converted from nbformat {meta['converted_from']} to 4")
    try:
        for pp in (ClearOutput(log=log), DeduplicateIds(log=log), _DropEmptyMetadata(), OverwriteKernelspec(log=log),
                   _overwrite_cells(source_cells)(log=log, add_missing_cells=True), CheckCellMetadata(log=log)):
            nb, resources = pp.preprocess(nb, resources)
    except Exception as exc:  # noqa: BLE001 - corrupted nbgrader metadata and the like
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        return Rejected(f"the notebook's grading metadata is damaged and could not be repaired "
                        f"({type(exc).__name__}: {inert.plain(text)})")
    finally:
        log.removeHandler(collect)
    flags += [_explain(m) for m in collect.messages if release is None or "'checksum'" not in m]
    flags += inert.inert_notebook(nb, source)
    return Restored(nb, list(dict.fromkeys(f for f in flags if f)))


def _drop_unknown_ids(nb, source) -> list[str]:
    """Grading metadata with an id the source does not have (nbgrader 0.9.6 cannot restore such a
    cell): the cell stays, as a plain cell, and the released one is put back in its place."""
    known = {_grade_id(c) for c in source.cells} - {None}
    flags = []
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid is not None and gid not in known:
            del cell.metadata["nbgrader"]
            flags.append(f"a cell had grading metadata ({inert.plain(gid, 60)}) that is not in the source; ignored")
    return flags


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
        back = nbformat.from_dict(copy.deepcopy(dict(cell)))
        if any(c.get("id") == back.get("id") for c in nb.cells):
            back["id"] = f"restored-{gid}"[:64]  # deterministic, and unique in the notebook
        nb.cells.insert(anchor, back)
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
            return text.format(inert.plain(m.group(1), 100))
    return inert.plain(message, 200)
