"""Correct implementations written the way students write them: the grader must pass them all.

The misconceptions (`autograder.misconceptions`) are known wrong answers, each of which must
lose exactly its cells. These are their counterpart: *right* answers in the styles real
students use (CS231n's staged computation graph and its compact "alt" backward, plain float32
arithmetic, keepdims=True then a reshape, np.var / np.std, sums divided by N, explicit Python
loops, np.einsum, dict caches, a BatchNorm1d that stores its buffers in a dict ...). Checks
compare values with the reference, so every legitimate difference of form (how the cache is
built, which axis a reshape moves, float32 rounding) must stay within what the checks accept:
a variant that loses a cell for some draw of the hidden inputs is a fairness bug in the checks.

Every other ``*.py`` file here is one self-contained module (numpy only). Its docstring's first
paragraph says what is different about it, and it declares ``ASSIGNMENTS``, the exercises it
is a complete answer for: pasted below the instructor solution of each (as a student's cell
redefining the names would be), it must lose no cell there (tests/test_fairness.py holds it
to that for hundreds of secrets). Files starting with "_" would be shared bases, pasted in
place of ``from _base import ...`` exactly as for the misconceptions (none are needed yet:
each variant is written out whole, because its point is the whole style).
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path

from ..misconceptions import compose


@dataclass(frozen=True)
class Variant:
    """One correct implementation in a particular style."""

    key: str
    """File stem, e.g. "cs231n_staged"."""
    description: str
    """What is different about it (the docstring's first paragraph)."""
    source: str
    """The module's source: pasted into the instructor notebooks by the fairness gates."""
    names: tuple
    """Public functions and classes it defines (contract names, and helpers if public)."""
    assignments: tuple
    """The exercises it is a complete, correct answer for."""
    namespace: dict = field(compare=False, hash=False, repr=False)
    """Those names, executed (trusted code: it ships with the grader)."""


@functools.lru_cache(maxsize=1)
def load_variants() -> tuple[Variant, ...]:
    """All variants, sorted by key."""
    found = []
    for entry in sorted(Path(__file__).parent.iterdir()):
        if not entry.name.endswith(".py") or entry.name.startswith("_"):
            continue
        source = compose(entry)
        tree = ast.parse(source)
        doc = ast.get_docstring(tree) or ""
        description = " ".join(doc.split("\n\n")[0].split())
        names = tuple(node.name for node in tree.body
                      if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"))
        ns: dict = {"__name__": f"variant_{entry.name[:-3]}"}
        exec(compile(source, str(entry), "exec"), ns)  # noqa: S102 - our own files
        assignments = tuple(ns.get("ASSIGNMENTS", ()))
        if not assignments:
            raise ValueError(f"{entry.name}: a variant must declare ASSIGNMENTS")
        found.append(Variant(entry.name[:-3], description, source, names, assignments, {n: ns[n] for n in names}))
    return tuple(found)


def by_key(key: str) -> Variant | None:
    """The variant of that file stem, or None."""
    return next((v for v in load_variants() if v.key == key), None)
