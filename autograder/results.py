"""What an instructor reads after a run: results files, the summary table, the class-wide mistakes.

The results are built from structured data only: each graded submission's state file
(written with its scores, per-cell verdicts and notes, `autograder.gradebook`) and the
gradebook's totals, never from text printed for people. ``results/grades.csv`` has one row
per student, notebook and graded cell; ``results/grades.json`` the same as nested objects
with each submission's total; both cover every submission graded so far, not only this run.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from . import inert
from .course import Course
from .gradebook import STATE, replace

COLUMNS = ["student", "assignment", "notebook", "cell", "score", "max_score", "causes", "problems"]


def collect(course: Course) -> list[dict]:
    """Every graded submission's state: [{"student", "assignment", "score", "max_score", "cells", "notes"}]."""
    found = []
    for path in sorted(course.path("autograded").glob(f"*/*/{STATE}")):
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(state, dict) and "cells" in state:
            found.append({"student": path.parent.parent.name, "assignment": path.parent.name, **state})
    return found


def write(course: Course) -> Path:
    """results/grades.csv and results/grades.json for the whole course; returns the folder."""
    submissions = collect(course)
    out = course.path("results")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS)
    writer.writeheader()
    for sub in submissions:
        for notebook, cells in sub["cells"].items():
            problems = "; ".join(inert.plain(p, 300) for p in sub.get("notes", {}).get(notebook, []))
            for gid, cell in cells.items():
                writer.writerow({"student": _text(sub["student"]), "assignment": _text(sub["assignment"]),
                                 "notebook": _text(notebook), "cell": _text(gid), "score": cell["score"],
                                 "max_score": cell["max"], "causes": _text(" ".join(cell["causes"])),
                                 "problems": _text(problems)})
    replace(out / "grades.csv", buf.getvalue())
    replace(out / "grades.json", json.dumps(submissions, indent=1))
    return out


def _text(value: str) -> str:
    """A text field a spreadsheet shows as text: one that would start a formula gets a leading '."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def class_mistakes(course: Course, assignment: str) -> list[tuple[str, int, int, list[str]]]:
    """(summary of a mistake, students who made it, students graded, cells) for one assignment, commonest first."""
    from .misconceptions import by_key

    subs = [s for s in collect(course) if s["assignment"] == assignment]
    counts: Counter = Counter()
    where: dict[str, set] = {}
    for sub in subs:
        keys = {c for cells in sub["cells"].values() for cell in cells.values() for c in cell["causes"]}
        counts.update(keys)
        for cells in sub["cells"].values():
            for gid, cell in cells.items():
                for key in cell["causes"]:
                    where.setdefault(key, set()).add(gid)
    lines = []
    for key, n in counts.most_common():
        m = by_key(key)
        lines.append((m.summary if m else key, n, len(subs), sorted(where.get(key, ()))))
    return lines
