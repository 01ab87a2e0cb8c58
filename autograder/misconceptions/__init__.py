"""Known misconceptions, each a small wrong implementation of some contract names.

Every other ``*.py`` file in this folder is a self-contained module (numpy only) whose
docstring's first paragraph is the message a student sees when their code behaves like it,
and whose public functions and classes are wrong in exactly one way. They serve twice:

- diagnosis: `autograder.verdict` runs a failing check against each misconception that
  defines one of the check's names, and names those the student's output matches;
- CI gates: the tests paste each file into the instructor solution of every exercise that
  asks for one of its names, and require that real nbgrader autograding takes points away
  and that the feedback names the misconception.

Files starting with "_" are correct bases shared by several misconceptions (a BatchNorm1d
split into overridable steps, a forward pass for the backward mistakes). A misconception
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
        found.append(Misconception(entry.name[:-3], message, source, names, targets, {n: ns[n] for n in names}))
    return tuple(found)


_BASE_IMPORT = re.compile(r"^from (_\w+) import [\w, ]+(?:  # .*)?$", re.M)


def compose(path: Path) -> str:
    """The file's source with each ``from _base import ...`` line replaced by that base's code."""
    def base(match):
        code = (path.parent / f"{match.group(1)}.py").read_text()
        tree = ast.parse(code)
        skip = tree.body[0].end_lineno if ast.get_docstring(tree) else 0  # the base's own docstring
        return "\n".join(code.splitlines()[skip:]).strip("\n")

    return _BASE_IMPORT.sub(base, path.read_text())
