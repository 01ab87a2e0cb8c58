"""autograder.submission: finding, reading and restoring what students hand in."""
import json

import nbformat
import pytest

from autograder.submission import Rejected, Restored, locate, read, restore
from factories import honest_nb, release, solution_cell, submit

A = "ex01_covariate_shift"


def restored(course, nb):
    return restore(nb, assignment=A, notebook=A, student="s", db_url=f"sqlite:///{course / 'gradebook.db'}",
                   release=release(course, A))


def test_locate_accepts_one_misnamed_notebook_and_says_so(course):
    folder = submit(course, "s", A, honest_nb(course, A), name="Exercise 1 (copy).ipynb").parent
    path, flags = locate(folder, A)
    assert path.name == "Exercise 1 (copy).ipynb" and "wrong file name" in flags[0]
    submit(course, "s", A, honest_nb(course, A), name="other.ipynb")
    path, flags = locate(folder, A)
    assert path is None and "which one" in flags[0]
    assert locate(course / "submitted" / "nobody" / A, A) == (None, [f"no {A}.ipynb was submitted"])


@pytest.mark.parametrize("content, words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a text file"),
    ('{"cells": [', "not valid JSON"),
    ("", "not valid JSON"),
    ('{"hello": "world"}', "not a Jupyter notebook"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}', "not a valid notebook"),
])
def test_unreadable_files_are_rejected_with_a_reason(course, content, words):
    result = read(submit(course, "s", A, content))
    assert isinstance(result, Rejected) and words in result.reason


def test_old_nbformat_is_converted(course):
    old = nbformat.v3.writes_json(nbformat.convert(honest_nb(course, A), 3))
    nb = read(submit(course, "s", A, old))
    assert not isinstance(nb, Rejected)
    result = restored(course, nb)
    assert isinstance(result, Restored) and "converted from nbformat 3" in result.flags[0]


def test_edited_deleted_and_reweighted_test_cells_are_restored_and_flagged(course):
    nb = honest_nb(course, A)
    solution_cell(nb, "test_batch_stats_example").source = "pass"
    solution_cell(nb, "test_batch_stats_features").metadata.nbgrader["points"] = 100
    nb.cells.remove(solution_cell(nb, "test_drift_edge"))
    result = restored(course, nb)
    assert isinstance(result, Restored)
    text = " | ".join(result.flags)
    assert "test_batch_stats_example was edited" in text
    assert "points of cell test_batch_stats_features were changed" in text
    assert "test_drift_edge was deleted" in text
    assert "run_checks" in solution_cell(result.nb, "test_batch_stats_example").source  # hidden tests are back
    assert solution_cell(result.nb, "test_batch_stats_features").metadata.nbgrader["points"] == 2
    assert solution_cell(result.nb, "test_drift_edge")


def test_duplicated_cells_are_flagged(course):
    nb = honest_nb(course, A)
    nb.cells.insert(3, nbformat.from_dict(json.loads(json.dumps(solution_cell(nb, "test_batch_stats_example")))))
    result = restored(course, nb)
    assert any("appears more than once" in f for f in result.flags)


def test_release_notebook_itself_has_no_flags(course):
    result = restored(course, release(course, A))
    assert isinstance(result, Restored) and result.flags == []


def test_damaged_grading_metadata_is_rejected_with_a_reason(course):
    nb = honest_nb(course, A)
    solution_cell(nb, "test_batch_stats_example").metadata.nbgrader["points"] = "lots"
    result = restored(course, nb)
    assert isinstance(result, Rejected) and "grading metadata is damaged" in result.reason
