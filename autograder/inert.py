"""Student text made inert, in exactly one place per destination.

A student controls far more than their code: every byte of the submitted notebook (cell
sources, Markdown, attachments, metadata, file names) and everything their process prints.
The grader writes that text into three kinds of places, each through one function here:

- the terminal (`terminal`): control characters and escape sequences removed (no cursor
  moves, title or clipboard escapes), Rich markup neutralised, length capped;
- HTML the grader renders itself (`html`): escaped, never interpreted (`autograder.feedback`
  is the only renderer, and the feedback page forbids scripts besides);
- notebooks the grader writes, which formgrader renders as HTML (`inert_notebook`): only
  plain-text and PNG/JPEG outputs survive (`autograder.template.to_output`), a Markdown cell
  the student wrote becomes a fenced code block (rendered as text), attachments and unknown
  metadata are dropped, and oversized cells are cut.
"""
from __future__ import annotations

import html as _html
import os
import re

import nbformat

from .cells import grade_id, is_locked

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode bidi overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_MARKDOWN_CHARS = 20_000  # of one Markdown or raw cell a student wrote
MAX_MARKDOWN_TOTAL = 400_000  # of all of them in one notebook (each is rendered in two pages)
MAX_SOURCE_CHARS = 200_000  # of one code cell (all code: `autograder.submission.MAX_CODE_CHARS`)


def encodable(text: str) -> str:
    """`text` with lone surrogates (valid in JSON and Python, not in UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def plain(text, limit: int | None = None) -> str:
    """`text` as a str without escape sequences or control characters (tabs and newlines kept)."""
    text = encodable(_CONTROL.sub("", _ANSI.sub("", str(text))))
    if limit is not None and len(text) > limit:
        text = text[:limit] + " [...]"
    return text


def terminal(text, limit: int = 300) -> str:
    """Student-derived text for the instructor's terminal, through Rich: inert and one line."""
    from rich.markup import escape

    return escape(plain(text, limit).replace("\n", " ").replace("\t", " "))


def file_name(name: str, limit: int = 80) -> str:
    """A file name for the terminal, as printable ASCII that still tells it apart: each
    undecodable byte, control or non-ASCII character escaped (\\x1b, \\u202e, \\xff)."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    text = "".join(ch if " " <= ch <= "~" else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[:limit] + " [...]"


def html(text, limit: int | None = None) -> str:
    """Student-derived text for an HTML page: escaped (quotes included) after `plain`."""
    return _html.escape(plain(text, limit), quote=True)


def fenced(text: str, info: str = "text") -> str:
    """Markdown that shows `text` verbatim: a code fence longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def inert_notebook(nb, source) -> list[str]:
    """Make what the student wrote in `nb` inert, in place; returns notes on what was changed.

    source: the instructor's notebook. A Markdown cell is trusted only when it is a locked
    cell of the source with the source's text (restored by nbgrader's OverwriteCells);
    every other Markdown cell is shown as text. Outputs are not touched here: the submitted
    ones are cleared before grading and the grader's own are inert by construction.
    """
    trusted = {grade_id(c): c.source for c in source.cells if c.cell_type == "markdown" and is_locked(c)}
    notes = []
    budget = MAX_MARKDOWN_TOTAL
    for cell in nb.cells:
        cell.pop("attachments", None)
        cell.metadata = _clean_metadata(cell.metadata)
        if cell.cell_type == "markdown":
            gid = grade_id(cell)
            if gid in trusted and cell.source == trusted[gid]:
                continue
        if cell.cell_type in ("markdown", "raw"):
            limit = min(MAX_MARKDOWN_CHARS, max(budget, 0))
            text = cell.source
            if len(text) > limit:
                text = text[:limit] + "\n[... cut by the grader]"
                notes.append("a long Markdown cell was cut" if limit == MAX_MARKDOWN_CHARS
                             else f"the notebook's Markdown was cut after {MAX_MARKDOWN_TOTAL:,} characters")
            budget -= len(text)
            cell.source = fenced(plain(text))
            if cell.cell_type == "raw":
                cell.cell_type = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        elif len(cell.source) > MAX_SOURCE_CHARS:
            cell.source = cell.source[:MAX_SOURCE_CHARS] + "\n# [... cut by the grader]"
            notes.append("a very long code cell was cut")
    nb.metadata = nbformat.from_dict({k: v for k, v in source.metadata.items() if k in ("kernelspec", "language_info")})
    return list(dict.fromkeys(notes))


def _clean_metadata(meta) -> nbformat.NotebookNode:
    """Only the nbgrader metadata a cell needs (the rest, e.g. widget state or tags, is dropped)."""
    keep = {}
    nb_meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    if isinstance(nb_meta, dict):
        keep["nbgrader"] = nb_meta
    return nbformat.from_dict(keep)
