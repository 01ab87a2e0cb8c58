"""autograder.course: `python -m autograder init` makes a course in which the plain nbgrader verbs work."""
import json
import zipfile

import nbformat
import pytest
from factories import cell_scores, honest_nb, max_score, nbgrader, release, totals

from autograder.assignments import ASSIGNMENTS
from autograder.cli import main
from autograder.course import Course, CourseError, init

pytestmark = pytest.mark.slow


def test_init_creates_a_complete_course(template_course):
    root = template_course
    assert (root / "nbgrader_config.py").exists() and (root / "gradebook.db").exists()
    settings = json.loads((root / "autograder.json").read_text())
    assert settings["secret"] and settings["packages"] == ["numpy"] and settings["course_id"] == "batchnorm"
    for a in ASSIGNMENTS:
        assert (root / "source" / a / f"{a}.ipynb").exists()
        nb = (root / "release" / a / f"{a}.ipynb").read_text()
        assert "BEGIN SOLUTION" not in nb and "HIDDEN TESTS" not in nb and "run_checks" not in nb
    from nbgrader.api import Gradebook

    with Gradebook(Course.open(root).db_url, "batchnorm") as gb:
        assert sorted(a.name for a in gb.assignments) == sorted(ASSIGNMENTS)


def test_init_again_keeps_submissions_and_grades(course):
    (course / "submitted" / "ada" / "ex01_covariate_shift").mkdir(parents=True)
    marker = course / "submitted" / "ada" / "ex01_covariate_shift" / "ex01_covariate_shift.ipynb"
    nbformat.write(honest_nb(course, "ex01_covariate_shift"), marker)
    config = (course / "nbgrader_config.py").read_text() + "\n# my edit\n"
    (course / "nbgrader_config.py").write_text(config)
    secret = (course / "autograder.json").read_text()
    assert main(["init", str(course)]) == 0
    assert marker.exists() and (course / "nbgrader_config.py").read_text() == config
    assert (course / "autograder.json").read_text() == secret


def test_init_rejects_unknown_assignments_and_files(tmp_path, capsys):
    with pytest.raises(CourseError, match="unknown assignment"):
        init(tmp_path / "c", assignments=["ex99"])
    (tmp_path / "file").write_text("x")
    assert main(["init", str(tmp_path / "file")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_the_plain_nbgrader_term(course):
    """generate_assignment, zip_collect, autograde, generate_feedback and export, as an instructor runs them."""
    a = "ex02_algorithm"
    nbgrader(course, "generate_assignment", a, "--force")
    archive = course / "downloaded" / a / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as zf:
        zf.writestr(f"ada__{a}.ipynb", nbformat.writes(honest_nb(course, a)))
        zf.writestr(f"bob__{a}.ipynb", nbformat.writes(release(course, a)))
    nbgrader(course, "zip_collect", a, "--force")
    assert (course / "submitted" / "ada" / a / f"{a}.ipynb").exists()
    nbgrader(course, "autograde", a, "--force")
    nbgrader(course, "generate_feedback", a, "--force")
    nbgrader(course, "export")
    scores = totals(course)
    assert scores[("ada", a)] == max_score(course, a) > 0 and scores[("bob", a)] == 0
    assert (course / "feedback" / "ada" / a / f"{a}.html").exists()
    assert "ada" in (course / "grades.csv").read_text()
    # nbgrader validate, as a student runs it, on the filled-in and on the untouched notebook
    ok = nbgrader(course, "validate", str(course / "submitted" / "ada" / a / f"{a}.ipynb"), check=False)
    assert "Success" in ok.stdout + ok.stderr
    bad = nbgrader(course, "validate", str(course / "submitted" / "bob" / a / f"{a}.ipynb"), check=False)
    assert "NotImplementedError" in bad.stdout + bad.stderr
    assert all(score == 0 for (student, _), score in cell_scores(course, a).items() if student == "bob")


def test_demo_fills_only_the_assignments_the_course_has(tmp_path):
    course = tmp_path / "c"
    assert main(["init", str(course), "ex06_training"]) == 0
    assert main(["demo", str(course), "--students", "1"]) == 0
    assert {p.name for p in (course / "submitted").glob("*/*")} == {"ex06_training"}
    assert (course / "submitted" / "wrong-relu-before-batchnorm" / "ex06_training" / "ex06_training.ipynb").exists()


def test_a_new_course_gets_256_random_bits_of_secret(tmp_path):
    first, second = (Course.open(init(tmp_path / n, assignments=["ex01_covariate_shift"], log=lambda line: None)).secret
                     for n in ("a", "b"))
    assert len(first) == 64 and int(first, 16) and first != second
    assert oct((tmp_path / "a" / "autograder.json").stat().st_mode)[-3:] == "600"


def test_a_course_without_a_secret_is_refused(course):
    (course / "autograder.json").write_text("{}")
    with pytest.raises(CourseError, match="no secret"):
        Course.open(course)
    (course / "autograder.json").unlink()
    with pytest.raises(CourseError, match="holds the secret"):
        Course.open(course)
