"""autograder.inert: student text cannot act in a terminal, a page or a notebook the grader writes."""
import io
import os

import nbformat
import pytest
from rich.console import Console

from autograder import inert

ESCAPES = ["\x1b[2J\x1b[H", "\x1b]0;owned\x07", "\x1b]52;c;aGk=\x07", "\x1b[31mred", "\x9b2J", "\x07", "\x08\x08",
           "\u202eevil", "\x1bP+q\x1b\\"]


@pytest.mark.parametrize("payload", ESCAPES)
def test_terminal_text_has_no_control_characters(payload):
    text = inert.terminal(f"ada{payload}done")
    out = io.StringIO()
    Console(file=out, force_terminal=False, color_system=None, width=200).print(text)
    printed = out.getvalue()
    assert not any(ord(ch) < 32 and ch != "\n" or 0x7f <= ord(ch) <= 0x9f or 0x202a <= ord(ch) <= 0x202e
                   for ch in printed), repr(printed)


@pytest.mark.parametrize("markup", ["[/]", "[bold red]x[/bold red]", "[link=file:///etc/passwd]x[/link]", "[[/]]"])
def test_rich_markup_is_printed_not_interpreted(markup):
    out = io.StringIO()
    Console(file=out, color_system=None, width=200).print(inert.terminal(markup))  # a MarkupError would raise here
    assert out.getvalue().strip() == markup


def test_html_text_is_escaped():
    assert inert.html('<img src=x onerror="alert(1)">') == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


def test_fences_are_longer_than_any_backtick_run():
    text = "```python\nx\n````\n"
    fenced = inert.fenced(text)
    assert fenced.startswith("`````text\n") and fenced.endswith("\n`````")


def notebook_with_student_content():
    source = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})
    task = nbformat.v4.new_markdown_cell("## Task $x^2$")
    task.metadata["nbgrader"] = {"grade_id": "task", "locked": True, "grade": False, "solution": False,
                                 "schema_version": 3}
    source.cells = [task]
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(source), as_version=4))
    evil = nbformat.v4.new_markdown_cell("<script>alert(1)</script> ![x](attachment:a.svg)")
    evil.attachments = {"a.svg": {"image/svg+xml": "<svg onload=alert(1)></svg>"}}
    evil.metadata["widgets"] = {"state": "<script>"}
    raw = nbformat.v4.new_raw_cell("<script>alert(2)</script>", metadata={"format": "text/html"})
    forged = nbformat.v4.new_markdown_cell("<img src=x onerror=alert(3)>")
    forged.metadata["nbgrader"] = dict(task.metadata["nbgrader"])  # claims to be the locked task cell
    nb.cells += [evil, raw, forged]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["title"] = "<script>"
    return nb, source


def test_inert_notebook_keeps_only_trusted_markdown_as_markdown():
    nb, source = notebook_with_student_content()
    inert.inert_notebook(nb, source)
    task, evil, raw, forged = nb.cells
    assert task.source == "## Task $x^2$"
    for cell in (evil, raw, forged):
        assert cell.cell_type == "markdown" and cell.source.startswith("```"), cell.source
        assert "attachments" not in cell and "widgets" not in cell.metadata
    assert set(nb.metadata) <= {"kernelspec", "language_info"}


def test_long_markdown_is_cut():
    nb, source = notebook_with_student_content()
    nb.cells[1].source = "x" * (inert.MAX_MARKDOWN_CHARS * 3)
    assert "a long Markdown cell was cut" in inert.inert_notebook(nb, source)
    assert len(nb.cells[1].source) < inert.MAX_MARKDOWN_CHARS + 100


def test_a_file_name_reaches_the_terminal_as_printable_ascii_that_tells_it_apart():
    name = "ab\x1b]0;t\x07\u202e" + os.fsdecode(b"\xff") + "é"
    shown = inert.file_name(name)
    assert shown == "ab\\x1b]0;t\\x07\\u202e\\xff\\xe9", shown
    assert inert.file_name("x" * 100).endswith(" [...]") and len(inert.file_name("x" * 100)) == 86
