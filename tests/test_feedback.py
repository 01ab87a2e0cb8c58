"""autograder.feedback: the page a student gets: inert, self-contained, and without hidden tests.

One page is pinned as a golden file (tests/golden/feedback.html): rerun with
``python -m pytest tests/test_feedback.py --update-goldens`` after a deliberate change, and
read the diff.
"""
import base64
import re
import time
from pathlib import Path

import nbformat

from autograder.feedback import CellResult, markdown_html, render

GOLDEN = Path(__file__).parent / "golden" / "feedback.html"
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d"
                                     "49444154789c6360000002000154a24f0a0000000049454e44ae426082")).decode()


def nbgrader(gid, **kw):
    return {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": True, **kw}


def sample():
    nb = nbformat.v4.new_notebook()
    task = nbformat.v4.new_markdown_cell("## Batch statistics\n\nCompute $\\mu = \\frac{1}{N}\\sum_i x_i$ and\n\n"
                                         "$$\\sigma^2 = \\frac{1}{N}\\sum_i (x_i - \\mu)^2 .$$\n\n<b>raw html</b>")
    task.metadata["nbgrader"] = nbgrader("task")
    answer = nbformat.v4.new_code_cell("def batch_stats(x):\n    return x.mean(0), x.var(0)\n")
    answer.metadata["nbgrader"] = nbgrader("batch_stats", solution=True, locked=False)
    answer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\x1b[31m<script>alert(1)</script>\x1b[0m\n"),
                      nbformat.v4.new_output("display_data", data={"text/plain": "<b>a repr</b>", "image/png": PNG})]
    passing = nbformat.v4.new_code_cell("assert True\n\n### BEGIN HIDDEN TESTS\nrun_checks(globals(), \"batch_stats.example\")\n"
                                        "### END HIDDEN TESTS")
    passing.metadata["nbgrader"] = nbgrader("test_ok", grade=True, points=2)
    failing = nbformat.v4.new_code_cell("assert batch_stats is not None\n### BEGIN HIDDEN TESTS\n"
                                        "run_checks(globals(), \"batch_stats.features\")\n### END HIDDEN TESTS")
    failing.metadata["nbgrader"] = nbgrader("test_bad", grade=True, points=3)
    student_md = nbformat.v4.new_markdown_cell("```text\n<img src=x onerror=alert(2)> $not math$\n```")
    nb.cells = [task, answer, passing, failing, student_md]
    results = {"test_ok": CellResult("test_ok", 2, True, abouts=["the worked example"], visible="passed"),
               "test_bad": CellResult("test_bad", 3, False, message="Failed: one value per feature.\n  - <i>shape</i>",
                                      visible="AssertionError: <script>x</script>", causes=["per_sample_statistics"],
                                      abouts=["one value per feature"])}
    return nb, results


def page(**kw):
    nb, results = sample()
    return render(nb, student="ada\x1b[2J<b>", assignment="ex01_covariate_shift", notebook="ex01_covariate_shift",
                  results=results, notes=["graded ex1.ipynb as ex01_covariate_shift.ipynb (wrong file name)"],
                  timestamp="2026-12-01 10:00:00",
                  mistakes=[("Your statistics are per sample.", ["test_bad"])], **kw)


def test_page_matches_the_golden_file(request):
    html = page()
    if request.config.getoption("--update-goldens"):
        GOLDEN.write_text(html)
    assert html == GOLDEN.read_text(), "the feedback page changed: rerun with --update-goldens and review the diff"


def test_no_student_text_becomes_markup():
    html = page()
    assert "<script" not in html.lower() and not re.search(r"<[^>]*\bon\w+=", html), "no tag carries an event handler"
    assert "<b>raw html</b>" not in html and "&lt;b&gt;raw html&lt;/b&gt;" in html
    assert "\x1b" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_the_page_forbids_every_script_and_loads_nothing():
    html = page()
    assert re.search(r"Content-Security-Policy\" content=\"default-src 'none';", html)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html), "the page must load nothing from the network"


def test_hidden_tests_are_not_shown_but_verdicts_are():
    html = page()
    assert "HIDDEN TESTS" not in html and "run_checks" not in html and "batch_stats.features" not in html
    assert "Failed: one value per feature." in html and "PASS the worked example" in html
    assert "Your statistics are per sample." in html and "3 / 3" not in html and "Score: 2 / 5" in html


def test_math_is_drawn_to_svg_on_the_page():
    html = markdown_html("$x^2$ and $$\\frac{a}{b}$$")
    assert html.count("<svg") == 2 and "MathJax" not in html


def test_rendering_hostile_markdown_takes_linear_time():
    """80 KB of nested emphasis and brackets once took 100 s (quadratic). Bounded here, as fenced text."""
    from autograder.inert import fenced

    sizes, times = (20_000, 80_000), []
    for n in sizes:
        text = fenced("*[" * (n // 4) + "a" + "]*" * (n // 4))
        t = time.perf_counter()
        markdown_html(text)
        times.append(time.perf_counter() - t)
    assert times[1] < 8 * times[0] + 0.05, times  # 4x the text, well under 16x the time
