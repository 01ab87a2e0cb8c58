"""autograder.summary: what the instructor's terminal shows, pinned as a golden file (tests/golden/summary.txt).

Rerun with ``python -m pytest tests/test_summary.py --update-goldens`` after a deliberate change.
"""
import io
from pathlib import Path

from autograder.grade import Report, Row
from autograder.summary import print_summary

GOLDEN = Path(__file__).parent / "golden" / "summary.txt"


def report():
    ada = Row("ada", "ex02_algorithm", "new", 14.0, 16.0)
    ada.cells = {"ex02_algorithm": {"test_bn_example": {"score": 0, "max": 2, "causes": ["unbiased_variance"]}}}
    evil = Row("\x1b]0;owned\x07[bold red]eve[/]", "ex02_algorithm", "resubmitted (newer timestamp.txt)", 0.0, 16.0)
    evil.note("ex02_algorithm", "graded \x1b[2Jmy [/] copy.ipynb as ex02_algorithm.ipynb (wrong file name)")
    broken = Row("bob", "ex02_algorithm", "forced", None, 0.0, grader_error=True)
    broken.note("ex02_algorithm", "grader error: not graded (see the log)")
    return Report(rows=[ada, evil, broken], skipped=[("cy", "ex02_algorithm")],
                  grader_errors=["bob/ex02_algorithm/ex02_algorithm: RuntimeError: boom"])


def test_summary_matches_the_golden_file(request, tmp_path):
    out = io.StringIO()
    print_summary(report(), tmp_path / "no-course", file=out)
    text = out.getvalue()
    if request.config.getoption("--update-goldens"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "the summary changed: rerun with --update-goldens and review the diff"


def test_no_escape_sequence_or_markup_from_a_student_is_interpreted(tmp_path):
    out = io.StringIO()
    print_summary(report(), tmp_path / "no-course", file=out)
    text = out.getvalue()
    assert "\x1b" not in text and "[bold red]eve[/]" in text and "my [/] copy.ipynb" in text
    assert "likely: divide the variance by N-1 when normalizing" in text
