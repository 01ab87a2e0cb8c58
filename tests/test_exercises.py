"""CI gates for every exercise, through real `nbgrader autograde` (and our grader, for agreement).

For each assignment: the instructor's solution scores full marks; the untouched student
notebook runs to its end and scores 0; and for each misconception that applies, a notebook
that makes that mistake loses points and its feedback names the mistake.
"""
import html
import shutil

import nbformat
import pytest
from factories import cell_scores, honest_nb, max_score, nbgrader, release, source, submit, totals

from autograder.assignments import ASSIGNMENTS
from autograder.cli import main
from autograder.samples import applicable, with_misconception

pytestmark = pytest.mark.slow

CASES = [(a, m.key) for a in ASSIGNMENTS for m in applicable(a)]


@pytest.fixture(scope="module")
def courses(template_course, tmp_path_factory):
    """Two identical courses with the same submissions: one graded by nbgrader, one by us."""
    plain = shutil.copytree(template_course, tmp_path_factory.mktemp("gates") / "plain")
    for a in ASSIGNMENTS:
        submit(plain, "instructor", a, honest_nb(plain, a))
        submit(plain, "untouched", a, release(plain, a))
        for m in applicable(a):
            submit(plain, f"wrong-{m.key}", a, with_misconception(release(plain, a), source(plain, a), m))
    ours = shutil.copytree(plain, plain.parent / "ours")
    for a in ASSIGNMENTS:
        nbgrader(plain, "autograde", a)
        nbgrader(plain, "generate_feedback", a)
    assert main(["grade", str(ours), "--quiet"]) == 0
    return plain, ours


def feedback(course, student, assignment):
    return html.unescape((course / "feedback" / student / assignment / f"{assignment}.html").read_text())


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_instructor_solution_scores_full_marks(courses, assignment):
    for course in courses:
        assert totals(course)[("instructor", assignment)] == max_score(course, assignment) > 0


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_untouched_notebook_runs_to_the_end_and_scores_zero(courses, assignment):
    plain, ours = courses
    for course in courses:
        assert totals(course)[("untouched", assignment)] == 0
    nb = nbformat.read(plain / "autograded" / "untouched" / assignment / f"{assignment}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), "nbgrader stopped before the last cell"


@pytest.mark.parametrize("assignment, key", CASES)
def test_each_misconception_loses_exactly_its_cells_and_is_named(courses, assignment, key):
    m = next(m for m in applicable(assignment) if m.key == key)
    student = f"wrong-{key}"
    for course in courses:
        lost = {g for (s, g), score in cell_scores(course, assignment).items() if s == student and score == 0}
        assert lost == set(m.cells[assignment]), (course.name, student, lost)
    # plain nbgrader stops a cell at its first failing visible assert; ours always shows the hidden verdict
    assert m.message in feedback(courses[1], student, assignment), student


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_our_grader_agrees_with_nbgrader_cell_by_cell(courses, assignment):
    plain, ours = courses
    assert cell_scores(ours, assignment) == cell_scores(plain, assignment)
