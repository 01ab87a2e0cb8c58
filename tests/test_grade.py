"""`python -m autograder grade` end to end: scores, resubmissions, progress, results, nbgrader's own verbs.

The attacks (hostile and broken submissions graded beside honest ones) are in test_hostile.py.
"""
import csv
import json
import shutil
import time

import pytest
from factories import (
    autograded,
    cell_scores,
    feedback_html,
    honest_nb,
    max_score,
    nbgrader,
    release,
    source,
    submit,
    totals,
)

from autograder.cli import main
from autograder.grade import grade
from autograder.misconceptions import by_key
from autograder.samples import with_misconception

pytestmark = pytest.mark.slow
A = "ex01_covariate_shift"


@pytest.fixture(scope="module")
def graded(template_course, tmp_path_factory):
    course = shutil.copytree(template_course, tmp_path_factory.mktemp("grade") / "course")
    submit(course, "honest", A, honest_nb(course, A))
    submit(course, "untouched", A, release(course, A))
    submit(course, "ddof", A, with_misconception(release(course, A), source(course, A), by_key("unbiased_variance")))
    events = []
    report = grade(course, assignments=[A], jobs=2, progress=lambda done, total, label: events.append((done, total)),
                   say=lambda line: None)
    return course, report, events


def test_scores(graded):
    course, report, _ = graded
    full = max_score(course, A)
    scores = totals(course)
    assert report.grader_errors == [] and scores[("honest", A)] == full and scores[("untouched", A)] == 0
    lost = {gid for (student, gid), score in cell_scores(course, A).items() if student == "ddof" and score == 0}
    assert lost == {"test_batch_stats_example"}


def test_progress_counts_each_notebook_once_after_it_is_done(graded):
    _, report, events = graded
    assert events[0] == (0, 3) and [d for d, _ in events] == [0, 1, 2, 3] and {t for _, t in events} == {3}


def test_feedback_names_the_mistake_and_hides_the_hidden_tests(graded):
    page = feedback_html(graded[0], "ddof", A)
    assert "divides by N-1" in page and "HIDDEN TESTS" not in page and "run_checks" not in page


def test_results_files_agree_with_the_gradebook(graded):
    course = graded[0]
    rows = list(csv.DictReader((course / "results" / "grades.csv").open()))
    from_csv = {}
    for row in rows:
        from_csv[(row["student"], row["assignment"])] = from_csv.get((row["student"], row["assignment"]), 0) + float(row["score"])
    assert from_csv == totals(course)
    assert {(r["student"], r["cell"], float(r["score"])) for r in rows} == {
        (s, g, score) for (s, g), score in cell_scores(course, A).items()}
    ddof = [r for r in rows if r["student"] == "ddof" and r["cell"] == "test_batch_stats_example"][0]
    assert ddof["causes"] == "unbiased_variance"
    as_json = {(s["student"], s["assignment"]): s["score"] for s in json.loads((course / "results" / "grades.json").read_text())}
    assert as_json == totals(course)


def test_unchanged_submissions_are_skipped_resubmissions_regraded_and_force_regrades_all(graded):
    course = graded[0]
    copy = autograded(course, "honest", A)
    stamp = (course / "autograded" / "honest" / A / f"{A}.ipynb").stat().st_mtime_ns
    assert grade(course, assignments=[A], jobs=1, say=lambda line: None).skipped == [(s, A) for s in
                                                                                     ("ddof", "honest", "untouched")]
    # the student resubmits: a new notebook and a newer timestamp, as nbgrader zip_collect --force leaves them
    time.sleep(0.01)
    submit(course, "untouched", A, honest_nb(course, A))
    (course / "submitted" / "untouched" / A / "timestamp.txt").write_text("2030-01-01 10:00:00.000000 UTC")
    report = grade(course, assignments=[A], jobs=1, say=lambda line: None)
    assert [(r.student, r.why) for r in report.rows] == [("untouched", "resubmitted (newer timestamp.txt)")]
    assert totals(course)[("untouched", A)] == max_score(course, A)
    nbgrader(course, "export")
    assert "untouched" in (course / "grades.csv").read_text()
    report = grade(course, assignments=[A], jobs=1, force=True, say=lambda line: None)
    assert {r.why for r in report.rows} == {"forced"} and len(report.rows) == 3
    assert (course / "autograded" / "honest" / A / f"{A}.ipynb").stat().st_mtime_ns != stamp
    assert autograded(course, "honest", A).cells[0].source == copy.cells[0].source


def test_plain_nbgrader_reads_what_the_grader_wrote(graded):
    course = graded[0]
    nbgrader(course, "export")
    assert "honest" in (course / "grades.csv").read_text()
    result = nbgrader(course, "generate_feedback", A, "--student", "ddof", "--force")
    assert result.returncode == 0


def test_the_command_line_prints_the_isolation_and_the_class_summary(graded, capsys):
    course = graded[0]
    assert main(["grade", str(course), A, "--force", "--quiet", "--jobs", "1"]) == 0
    out, err = capsys.readouterr()
    assert "Isolation: full." in out + err
    assert "1 of 3 students divide the variance by N-1 when normalizing (test_batch_stats_example)" in out


def test_the_progress_bar_on_a_terminal(graded):
    import io

    from rich.console import Console

    from autograder.summary import ProgressBar

    buf = io.StringIO()
    with ProgressBar(Console(file=buf, force_terminal=True, width=100)) as bar:
        for done in range(4):
            bar.update(done, 3, f"s{done}/\x1b]0;title\x07nb")
    text = buf.getvalue()
    assert "3/3" in text and "4/3" not in text and "\x1b]0;" not in text


def test_dask_gives_the_same_scores(template_course, tmp_path):
    from distributed import LocalCluster

    course = shutil.copytree(template_course, tmp_path / "course")
    submit(course, "honest", A, honest_nb(course, A))
    submit(course, "ddof", A, with_misconception(release(course, A), source(course, A), by_key("unbiased_variance")))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert main(["grade", str(course), A, "--scheduler", cluster.scheduler_address, "--quiet"]) == 0
    scores = cell_scores(course, A)
    assert totals(course)[("honest", A)] == max_score(course, A)
    assert {g for (s, g), v in scores.items() if s == "ddof" and v == 0} == {"test_batch_stats_example"}


def test_usage_errors_are_one_line_and_exit_2(template_course, tmp_path, capsys):
    course = shutil.copytree(template_course, tmp_path / "course")
    cases = [(["grade", str(course), "--student", "nobody"], "no submissions"),
             (["grade", str(course), "ex99"], "unknown assignment"),
             (["grade", str(course), "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler")]
    for argv, text in cases:
        t = time.monotonic()
        assert main(argv + ["--quiet"]) == 2, argv
        err = capsys.readouterr().err
        assert text in err and "Traceback" not in err and time.monotonic() - t < 20, (argv, err)
