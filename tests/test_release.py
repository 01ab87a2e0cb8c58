"""The book's student notebooks: generated from the instructor notebooks, and in step with them."""
import json

import nbformat
import pytest
from factories import release

from autograder.assignments import ASSIGNMENTS, book_notebook
from autograder.release import sync

pytestmark = pytest.mark.slow  # builds courses with nbgrader

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_book_notebooks_are_in_sync_with_the_source():
    assert sync(ROOT, check=True, log=print) == [], "run `python -m autograder sync`"


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_book_notebook_is_the_released_student_version(template_course, assignment):
    book = nbformat.read(book_notebook(assignment, ROOT), as_version=4)
    assert nbformat.writes(book) == nbformat.writes(release(template_course, assignment))
    text = json.dumps(book)
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "run_checks", "autograder"):
        assert secret not in text, (assignment, secret)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in book.cells if c.cell_type == "code")


def test_sync_rewrites_a_drifted_notebook(tmp_path):
    target = book_notebook("ex01_covariate_shift", tmp_path)
    assert sync(tmp_path, check=True, log=lambda line: None) == list(ASSIGNMENTS)
    sync(tmp_path, log=lambda line: None)
    nb = nbformat.read(target, as_version=4)
    nb.cells[0].source += "\nedited"
    nbformat.write(nb, target)
    assert sync(tmp_path, check=True, log=lambda line: None) == ["ex01_covariate_shift"]
