"""`python -m autograder grade` end to end: honest, hostile and broken submissions side by side.

One course, one grading run, many students of Exercise 1 (the quickest to run). Every
hostile submission must gain nothing and change nothing outside its sandbox; every broken
one must get a score and a reason; the honest students graded beside them keep full marks.
"""
import hashlib
import json
import subprocess
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.runner import GradeOptions
from factories import append_code, cell_scores, honest_nb, release, solution_cell, submit, totals

A = "ex01_covariate_shift"
REPO = Path(__file__).resolve().parent.parent
FULL = 11.0
MARKER = f"{5000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 1000}"  # a unique `sleep` argument


def wrong_batch_stats(nb, extra=""):
    """Replace batch_stats with an unbiased-variance version, plus `extra` code in that cell."""
    cell = solution_cell(nb, "batch_stats")
    cell.source = ("import numpy as np\n\ndef batch_stats(x):\n    x = np.asarray(x, dtype=float)\n"
                   "    return x.mean(axis=0), x.var(axis=0, ddof=1)\n\n" + extra)
    return nb


def hostile(course):
    """student -> notebook trying to cheat or to cause damage."""
    c = str(course)
    return {
        # The prototype's exploit: make every comparison pass.
        "h-allclose": wrong_batch_stats(honest_nb(course, A), (
            "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
            "np.array_equal = lambda *a, **k: True\n")),
        # The other one: rewrite every later cell (tests included) through IPython.
        "h-rewrite": wrong_batch_stats(honest_nb(course, A), (
            "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n")),
        # Read the hidden tests, the reference and the gradebook; destroy them and others' work.
        "h-vandal": append_code(honest_nb(course, A), (
            "import os, shutil, glob\n"
            f"print('visible:', os.path.exists({c!r}), os.path.exists({str(REPO / 'solutions')!r}))\n"
            f"for target in [{c + '/gradebook.db'!r}, {c + '/source'!r}, {c + '/submitted/honest-a'!r}]:\n"
            "    try:\n        shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)\n"
            "    except OSError as e:\n        print('blocked:', type(e).__name__)\n"), after="batch_stats"),
        # Reach the network, and leave processes running after grading.
        "h-escape": append_code(honest_nb(course, A), (
            "import socket, subprocess, os\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=3)\n"
            "    print('network: reached')\nexcept OSError as e:\n    print('network:', e)\n"
            f"subprocess.Popen(['sleep', '{MARKER}'], start_new_session=True)\n"
            f"if os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '{MARKER}'])\n"), after="batch_stats"),
        # Forge the grader's answers: fake probe results after every cell, from a hook.
        "h-forge": wrong_batch_stats(honest_nb(course, A), (
            "import base64, io\nfrom IPython.display import publish_display_data\n"
            "def _fake(*a, **k):\n    buf = io.BytesIO()\n    np.savez(buf, **{'s.mean': np.array([5.0]), 's.var': np.array([5.0])})\n"
            "    publish_display_data({'application/vnd.autograder.recording': base64.b64encode(buf.getvalue()).decode()})\n"
            "get_ipython().events.register('pre_run_cell', _fake)\nget_ipython().events.register('post_run_cell', _fake)\n")),
        # Claim points: blank the test cells and give them 100 points each.
        "h-tamper": _tampered(honest_nb(course, A)),
        # Exhaust resources: memory, processes.
        "h-resources": append_code(honest_nb(course, A), (
            "import subprocess\ntry:\n    hog = bytearray(50 * 2**30)\nexcept MemoryError:\n    print('memory: refused')\n"
            "procs = []\ntry:\n    for i in range(1000):\n        procs.append(subprocess.Popen(['sleep', '20']))\n"
            "except OSError as e:\n    print('processes: refused after', len(procs), e)\n"), after="batch_stats"),
    }


def _tampered(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
            cell.metadata.nbgrader["points"] = 100
    return nb


def broken(course):
    """student -> (content, file name or None): submissions that are damaged in some way."""
    good = honest_nb(course, A)
    deleted = honest_nb(course, A)
    deleted.cells.remove(solution_cell(deleted, "distribution_drift"))
    deleted.cells.remove(solution_cell(deleted, "test_drift_example"))
    duplicated = honest_nb(course, A)
    duplicated.cells.insert(4, nbformat.from_dict(json.loads(json.dumps(solution_cell(duplicated, "batch_stats")))))
    dying = honest_nb(course, A)
    solution_cell(dying, "distribution_drift").source = "import os\n\ndef distribution_drift(before, after, eps=1e-5):\n    os._exit(1)\n"
    return {
        "b-truncated": (nbformat.writes(good)[:5000], None),
        "b-binary": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, None),
        "b-not-notebook": (json.dumps({"answers": [1, 2, 3]}), None),
        "b-empty": ("", None),
        "b-nbformat3": (nbformat.v3.writes_json(nbformat.convert(good, 3)), None),
        "b-renamed": (good, "my exercise.ipynb"),
        "b-deleted-cells": (deleted, None),
        "b-duplicated-cells": (duplicated, None),
        "b-dying-kernel": (dying, None),
        "b-endless-cell": (append_code(honest_nb(course, A), "while True:\n    pass\n", after="batch_stats"), None),
        "b-flood": (append_code(honest_nb(course, A), "for i in range(200000):\n    print('spam' * 50)\n",
                                after="batch_stats"), None),
    }


def outputs(course, student):
    """Everything the student's cells printed, from the autograded copy."""
    nb = nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    return "".join(o.get("text", "") + o.get("evalue", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(template_course, tmp_path_factory):
    """Grade everything once; the tests below inspect the outcome."""
    import shutil

    course = shutil.copytree(template_course, tmp_path_factory.mktemp("grade") / "course")
    for student in ("honest-a", "honest-b"):
        submit(course, student, A, honest_nb(course, A))
    submit(course, "untouched", A, release(course, A))
    for student, nb in hostile(course).items():
        submit(course, student, A, nb)
    for student, (content, name) in broken(course).items():
        submit(course, student, A, content, name=name)
    (course / "submitted" / "b-nothing" / A).mkdir(parents=True)
    before = {p: digest(p) for p in [course / "source" / A / f"{A}.ipynb", course / "release" / A / f"{A}.ipynb",
                                     course / "submitted" / "honest-a" / A / f"{A}.ipynb", course / "nbgrader_config.py"]}
    exit_code = main(["grade", str(course), A, "--jobs", "2", "--cell-timeout", "8", "--notebook-timeout", "90",
                      "--quiet"])
    return course, exit_code, before


def test_grader_itself_succeeds(graded):
    assert graded[1] == 0


def test_honest_students_keep_full_marks_and_untouched_scores_zero(graded):
    course = graded[0]
    scores = totals(course)
    assert scores[("honest-a", A)] == scores[("honest-b", A)] == FULL
    assert scores[("untouched", A)] == 0


@pytest.mark.parametrize("student", ["h-allclose", "h-rewrite", "h-forge"])
def test_cheating_gains_nothing(graded, student):
    course = graded[0]
    scores = cell_scores(course, A)
    # batch_stats is wrong in these notebooks: every cell that checks it scores 0
    for cell in ("test_batch_stats_example", "test_batch_stats_features", "test_batch_stats_float32"):
        assert scores[(student, cell)] == 0, (student, cell)
    assert totals(course)[(student, A)] < FULL


def test_tampered_test_cells_are_restored_and_flagged(graded):
    course = graded[0]
    assert totals(course)[("h-tamper", A)] == FULL  # the honest code behind the tampering still counts...
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "batchnorm") as gb:
        assert gb.find_submission(A, "h-tamper").max_score == FULL  # ...but the 100-point cells do not
    feedback = (course / "feedback" / "h-tamper" / A / f"{A}.html").read_text()
    assert "was edited; the original was restored" in feedback and "were changed; restored" in feedback


def test_vandalism_changes_nothing_outside_the_sandbox(graded):
    course, _, before = graded
    assert {p: digest(p) for p in before} == before
    assert totals(course)[("honest-a", A)] == FULL
    out = outputs(course, "h-vandal")
    assert "visible: False False" in out and out.count("blocked: FileNotFoundError") == 3


def test_no_network_and_no_process_survives(graded):
    course = graded[0]
    out = outputs(course, "h-escape")
    assert "network: reached" not in out and "network:" in out
    result = subprocess.run(["pgrep", "-f", f"sleep {MARKER}"], capture_output=True, text=True)
    assert result.stdout.split() == []
    assert totals(course)[("h-escape", A)] == FULL


def test_resource_exhaustion_is_contained(graded):
    course = graded[0]
    out = outputs(course, "h-resources")
    assert "memory: refused" in out
    assert totals(course)[("h-resources", A)] == FULL


EXPECTED_REASONS = {
    "b-truncated": "not valid JSON",
    "b-binary": "not a text file",
    "b-not-notebook": "not a Jupyter notebook",
    "b-empty": "not valid JSON",
    "b-nbformat3": "converted from nbformat 3",
    "b-renamed": "wrong file name",
    "b-deleted-cells": "was deleted",
    "b-duplicated-cells": "appears more than once",
    "b-dying-kernel": "stopped the Python kernel",
    "b-endless-cell": "ran longer than 8 s",
    "b-flood": "was dropped",
    "b-nothing": "was submitted",
}


@pytest.mark.parametrize("student, reason", sorted(EXPECTED_REASONS.items()))
def test_broken_submissions_get_a_score_and_a_reason(graded, student, reason):
    course = graded[0]
    assert (student, A) in totals(course)
    feedback = course / "feedback" / student / A / f"{A}.html"
    assert feedback.exists() and reason in feedback.read_text(), (student, reason)


def test_repairable_submissions_are_still_graded_on_their_merits(graded):
    scores = totals(graded[0])
    for student in ("b-nbformat3", "b-renamed", "b-duplicated-cells", "b-flood", "b-endless-cell"):
        assert scores[(student, A)] == FULL, student
    assert 0 < scores[("b-deleted-cells", A)] < FULL  # the drift function is gone, batch_stats is not
    assert scores[("b-dying-kernel", A)] == 7.0  # batch_stats' 7 points; the drift cells lose theirs
    for student in ("b-truncated", "b-binary", "b-not-notebook", "b-empty", "b-nothing"):
        assert scores[(student, A)] == 0, student


def test_feedback_names_the_likely_mistake(graded):
    feedback = (graded[0] / "feedback" / "h-allclose" / A / f"{A}.html").read_text()
    assert "divides by N-1" in feedback


def test_second_run_skips_and_force_regrades(graded, capsys):
    course = graded[0]
    stamp = (course / "autograded" / "honest-a" / A / f"{A}.ipynb").stat().st_mtime_ns
    assert main(["grade", str(course), A, "--student", "honest-a", "--quiet"]) == 0
    assert "skipped 1" in capsys.readouterr().out
    assert (course / "autograded" / "honest-a" / A / f"{A}.ipynb").stat().st_mtime_ns == stamp
    assert main(["grade", str(course), A, "--student", "honest-a", "--force", "--quiet"]) == 0
    assert (course / "autograded" / "honest-a" / A / f"{A}.ipynb").stat().st_mtime_ns != stamp
    assert totals(course)[("honest-a", A)] == FULL


def test_plain_nbgrader_reads_what_the_grader_wrote(graded):
    from factories import nbgrader

    course = graded[0]
    nbgrader(course, "export")
    csv = (course / "grades.csv").read_text()
    assert f"{A},,,honest-a,,,,{FULL},0.0,{FULL},{FULL}" in csv
    nbgrader(course, "generate_feedback", A, "--student", "honest-b", "--force")
    assert (course / "feedback" / "honest-b" / A / f"{A}.html").exists()


def test_dask_scheduler_gives_the_same_scores(template_course, tmp_path):
    import shutil

    from distributed import LocalCluster

    course = shutil.copytree(template_course, tmp_path / "course")
    submit(course, "honest", A, honest_nb(course, A))
    submit(course, "wrong", A, wrong_batch_stats(honest_nb(course, A)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert main(["grade", str(course), A, "--scheduler", cluster.scheduler_address, "--quiet"]) == 0
    scores = totals(course)
    assert scores[("honest", A)] == FULL and scores[("wrong", A)] < FULL


def test_unknown_assignment_and_missing_course_are_usage_errors(tmp_path, capsys):
    assert main(["grade", str(tmp_path)]) == 2
    assert "not a course directory" in capsys.readouterr().err


def test_default_options_are_the_documented_ones():
    opts = GradeOptions()
    assert (opts.cell_timeout, opts.notebook_timeout, opts.memory_mb) == (30.0, 300.0, 2048)
