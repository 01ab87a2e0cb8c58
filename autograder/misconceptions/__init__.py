"""Known misconceptions, each a small wrong implementation of some contract names.

Every other ``*.py`` file in this folder is a self-contained module (numpy only) whose
docstring's first paragraph is the message a student sees when their code behaves like it,
and whose public functions and classes are wrong in exactly one way. Each declares:

- ``CELLS``: for every exercise it applies to, the graded cells this mistake must lose (and
  it must lose no other);
- ``SUMMARY``: a few words for the instructor's class-wide summary ("divide the variance by N-1");
- ``TARGETS`` (optional): the names where the mistake is, if it also defines correct helpers.

They serve three times:

- diagnosis: `autograder.verdict` runs a failing check against each misconception that
  defines one of the check's names, and names those the student's answer matches;
- tolerance: a check about another idea accepts the answer a mistake gives where its
  inputs cannot hide it (`autograder.checks`);
- CI gates: the tests paste each file into the instructor solution of every exercise it
  applies to and require that it loses exactly its ``CELLS``, for hundreds of secrets.

Files starting with "_" are correct bases shared by several misconceptions (a BatchNorm1d
split into overridable steps, a forward pass for the backward mistakes, a group norm built
from hooks). A misconception
imports one (``from _batchnorm1d import _CorrectBatchNorm1d``) and the loader pastes the
base's code in place of that line, so each misconception's `source` is still one
self-contained module, and each file shows only its mistake.
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Misconception:
    """One known mistake."""

    key: str
    """File stem, e.g. "unbiased_variance"."""
    message: str
    """What the student did and what to do instead (the docstring's first paragraph)."""
    source: str
    """The module's source: pasted into notebooks by the CI gates."""
    names: tuple
    """Public functions and classes it defines (contract names)."""
    targets: tuple
    """The names where the mistake is (a module's TARGETS, else all its names); the others
    are correct helpers, such as the forward pass a wrong backward pass needs."""
    cells: dict
    """assignment -> the grade ids of the cells this mistake must lose there."""
    summary: str
    """A few words for the class-wide summary."""
    namespace: dict = field(compare=False, hash=False, repr=False)
    """Those names, executed (trusted code: it ships with the grader)."""


@functools.lru_cache(maxsize=1)
def load_misconceptions() -> tuple[Misconception, ...]:
    """All misconceptions, sorted by key."""
    found = []
    for entry in sorted(Path(__file__).parent.iterdir()):
        if not entry.name.endswith(".py") or entry.name.startswith("_"):
            continue
        source = compose(entry)
        tree = ast.parse(source)
        doc = ast.get_docstring(tree) or ""
        message = " ".join(doc.split("\n\n")[0].split())
        names = tuple(node.name for node in tree.body
                      if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"))
        ns: dict = {"__name__": f"misconception_{entry.name[:-3]}"}
        exec(compile(source, str(entry), "exec"), ns)  # noqa: S102 - our own files
        targets = tuple(ns.get("TARGETS", names))
        cells = {a: tuple(c) for a, c in ns.get("CELLS", {}).items()}
        summary = ns.get("SUMMARY") or message.split(". ")[0][:80]
        found.append(Misconception(entry.name[:-3], message, source, names, targets, cells, summary,
                                   {n: ns[n] for n in names}))
    return tuple(found)


def by_key(key: str) -> Misconception | None:
    """The misconception of that file stem, or None."""
    return next((m for m in load_misconceptions() if m.key == key), None)


_BASE_IMPORT = re.compile(r"^from (_\w+) import (?:\*|[\w, ]+)(?:  # .*)?$", re.M)


def compose(path: Path) -> str:
    """The file's source with each ``from _base import ...`` line replaced by that base's code."""
    def base(match):
        code = (path.parent / f"{match.group(1)}.py").read_text()
        tree = ast.parse(code)
        skip = tree.body[0].end_lineno if ast.get_docstring(tree) else 0  # the base's own docstring
        return "\n".join(code.splitlines()[skip:]).strip("\n")

    return _BASE_IMPORT.sub(base, path.read_text())
