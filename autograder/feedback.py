"""The feedback page: one self-contained HTML file per graded notebook.

This is the only place the grader turns a notebook into HTML. Everything a student wrote
or printed reaches the page as escaped text (Jinja autoescaping, after `autograder.inert`
removed control characters); Markdown is rendered only for the instructor's own cells
(the student's were turned into fenced text on the way in) with raw HTML disabled; images
are PNG or JPEG data URLs checked on the way in. The page carries a Content-Security-Policy
that allows no script at all, so even a mistake here could not run one. Math in the
instructor's cells is drawn to SVG here, with matplotlib's mathtext, so the page needs no
MathJax and no network (students receive the HTML file alone: ``nbgrader release_feedback``
copies nothing else). Hidden tests are never shown: a test cell shows its visible part,
what the student's own visible test said, and the hidden verdict in words.
"""
from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import inert
from .cells import grade_id, is_test, visible_source

MAX_TEXT = 20_000  # characters of one output shown


@dataclass
class CellResult:
    """The verdict of one test cell (made by the runner, shown here, saved in the gradebook)."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""
    """The hidden tests' verdict for the student ("" when passed)."""
    visible: str = ""
    """What the student's own visible test said."""
    causes: list = field(default_factory=list)
    """Keys of the likely mistakes."""
    abouts: list = field(default_factory=list)
    """What each hidden check asked, in words."""


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                              autoescape=True, trim_blocks=False)


@functools.lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False}).enable("table").use(dollarmath_plugin, double_inline=True)
    md.add_render_rule("math_inline", lambda self, tokens, i, options, env: math_svg(tokens[i].content, False))
    md.add_render_rule("math_block", lambda self, tokens, i, options, env: math_svg(tokens[i].content, True))
    md.add_render_rule("math_inline_double", lambda self, tokens, i, options, env: math_svg(tokens[i].content, True))
    return md


@functools.lru_cache(maxsize=512)
def markdown_html(source: str) -> str:
    """HTML of a Markdown cell (raw HTML in it is escaped, not passed through)."""
    return _markdown().render(source)


@functools.lru_cache(maxsize=512)
def math_svg(tex: str, display: bool) -> str:
    """A formula drawn as inline SVG (mathtext's subset of TeX); the TeX itself as code if it cannot be drawn."""
    import matplotlib
    from matplotlib import mathtext

    simple = re.sub(r"\\(?:[Bb]igg?[lr]?|left|right)(?![A-Za-z])", "", tex.strip()).replace("\n", " ")
    try:
        data = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            mathtext.math_to_image(f"${simple}$", data, dpi=72, format="svg")
        svg = data.getvalue().decode("utf-8")
        svg = re.sub(r"<metadata>.*?</metadata>|<!--.*?-->", "", svg[svg.index("<svg"):], flags=re.S)  # no dates
        svg = svg.replace("<svg", f'<svg role="img" aria-label="{inert.html(tex, 300)}"', 1)
    except Exception:  # noqa: BLE001 - a formula mathtext cannot draw is shown as its source
        svg = f"<code>{inert.html(tex)}</code>"
    return f'<div class="display">{svg}</div>' if display else svg


def _outputs(cell) -> list[dict]:
    shown = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            shown.append({"kind": "stream", "text": inert.plain(out.get("text", ""), MAX_TEXT)})
        elif kind == "error":
            text = "\n".join(out.get("traceback") or []) or f"{out.get('ename')}: {out.get('evalue')}"
            shown.append({"kind": "error", "text": inert.plain(text, MAX_TEXT)})
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            image = next((m for m in ("image/png", "image/jpeg") if isinstance(data.get(m), str)), None)
            if image:
                shown.append({"kind": "image", "mime": image, "image": re.sub(r"[^A-Za-z0-9+/=]", "", data[image])})
            elif isinstance(data.get("text/plain"), str):
                shown.append({"kind": "stream", "text": inert.plain(data["text/plain"], MAX_TEXT)})
    return shown


def render(nb, *, student: str, assignment: str, notebook: str, results: dict[str, CellResult],
           notes=(), timestamp: str = "", mistakes=()) -> str:
    """The feedback page of an executed notebook.

    results: grade id -> CellResult for every test cell. mistakes: (message, [grade ids])
    pairs for the summary at the top. notes: what the grader found or repaired.
    """
    from markupsafe import Markup

    cells: list[dict[str, Any]] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if cell.metadata.get("autograder", {}).get("notes"):
                continue  # shown at the top instead
            cells.append({"kind": "markdown", "html": Markup(markdown_html(cell.source))})
        elif cell.cell_type == "code" and is_test(cell):
            r = results.get(grade_id(cell) or "")
            if r is None:
                continue
            outputs: list[dict[str, Any]] = [{"kind": "stream", "label": "Your test (the visible part of this cell) said",
                        "text": inert.plain(r.visible or "(nothing: it passed)", MAX_TEXT)}]
            outputs.append({"kind": "stream" if r.passed else "error", "label": "Hidden tests",
                            "text": inert.plain("\n".join(f"PASS {a}" for a in r.abouts) if r.passed else r.message,
                                                MAX_TEXT)})
            cells.append({"kind": "code", "test": True, "grade_id": r.grade_id, "passed": r.passed,
                          "points": f"{r.points:g}", "score": f"{r.points if r.passed else 0:g}",
                          "source": inert.plain(visible_source(cell), MAX_TEXT), "outputs": outputs})
        elif cell.cell_type == "code":
            cells.append({"kind": "code", "test": False, "source": inert.plain(cell.source, MAX_TEXT),
                          "outputs": _outputs(cell)})
    score = sum(r.points for r in results.values() if r.passed)
    total = sum(r.points for r in results.values())
    return _environment().get_template("feedback.html.j2").render(
        student=inert.plain(student, 100), assignment=assignment, notebook=notebook, timestamp=timestamp,
        score=f"{score:g}", max_score=f"{total:g}", cells=cells,
        notes=[inert.plain(n, 500) for n in notes],
        mistakes=[{"message": m, "cells": c} for m, c in mistakes])
