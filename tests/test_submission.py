"""autograder.submission: the one place a submission is read, with a limit on everything.

Each hostile or broken file gets a `Rejected` with a reason or a repaired notebook, and
nothing raises, for any bytes.
"""
import json
import os
import time
import warnings

import nbformat
import pytest

from autograder import submission
from autograder.submission import Rejected


def notebook(**extra_meta):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {"grade_id": "a", "grade": False, "solution": True, "locked": False, "schema_version": 3,
                                 **extra_meta}
    nb.cells = [nbformat.v4.new_markdown_cell("hi"), cell]
    return nb


def write(tmp_path, content, name="n.ipynb"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("content, reason", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a text file"),
    ("", "not valid JSON"),
    ("{\"cells\": [", "not valid JSON"),
    (json.dumps({"answers": [1, 2]}), "not a Jupyter notebook"),
    (json.dumps({"nbformat": 4, "cells": "no"}), "not a Jupyter notebook"),
    ("[" * 100_000 + "]" * 100_000, "nested more than"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"x": 1}] * 3000}), "cells"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 5}]}),
     "not a valid notebook"),
])
def test_broken_files_are_rejected_with_a_reason(tmp_path, content, reason):
    result = submission.read(write(tmp_path, content))
    assert isinstance(result, Rejected) and reason in result.reason, result


def test_deep_nesting_is_measured_fast():
    raw = b'{"a": "[[[[[[" , "b": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}"
    t = time.perf_counter()
    assert submission.json_depth(raw) == 1_000_001
    assert time.perf_counter() - t < 5
    assert submission.json_depth(b'{"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1


@pytest.mark.parametrize("damage", ["a string", ["a", "list"], 7, {"grade": "yes", "grade_id": "a"},
                                    {"grade_id": "<script>", "grade": True}, {"grade": True}])
def test_damaged_grading_metadata_is_dropped_not_fatal(tmp_path, damage):
    nb = json.loads(nbformat.writes(notebook()))
    nb["cells"][1]["metadata"]["nbgrader"] = damage
    result = submission.read(write(tmp_path, json.dumps(nb)))
    assert not isinstance(result, Rejected)
    meta = result.cells[1].metadata.get("nbgrader")
    assert meta is None or (isinstance(meta, dict) and all(isinstance(v, (bool, str, int, float)) for v in meta.values()))
    assert result.metadata["autograder"]["damaged_metadata"] == 1


def test_cell_metadata_that_is_not_a_dict_is_replaced(tmp_path):
    nb = json.loads(nbformat.writes(notebook()))
    nb["cells"][0]["metadata"] = "x"
    assert not isinstance(submission.read(write(tmp_path, json.dumps(nb))), Rejected)


def test_saved_outputs_are_discarded_and_a_large_one_is_no_reason_to_reject(tmp_path):
    nb = notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (30 * 2**20))]
    result = submission.read(write(tmp_path, nbformat.writes(nb)))
    assert not isinstance(result, Rejected) and result.cells[1].outputs == []


def test_old_nbformat_is_converted(tmp_path):
    result = submission.read(write(tmp_path, nbformat.v3.writes_json(nbformat.convert(notebook(), 3))))
    assert result.nbformat == 4 and result.metadata["autograder"]["converted_from"] == 3


def test_links_and_special_files_are_never_followed(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    secret = tmp_path / "secret.ipynb"
    secret.write_text(nbformat.writes(notebook()))
    os.symlink(secret, folder / "ex.ipynb")
    path, flags = submission.locate(folder, "ex")
    assert path is None and "not a regular file" in flags[0]
    os.remove(folder / "ex.ipynb")
    os.symlink(secret, folder / "other.ipynb")
    assert submission.locate(folder, "ex") == (None, ["no ex.ipynb was submitted"])
    os.mkfifo(folder / "fifo.ipynb")
    assert submission.locate(folder, "ex")[0] is None  # a FIFO is not read (reading it would block)
    linked = tmp_path / "linked"
    os.symlink(folder, linked)
    assert submission.regular_files(linked) == []


def test_a_misnamed_notebook_stands_in_and_is_flagged(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    (folder / "my copy.ipynb").write_text(nbformat.writes(notebook()))
    path, flags = submission.locate(folder, "ex")
    assert path.name == "my copy.ipynb" and "wrong file name" in flags[0]


@pytest.mark.parametrize("text, valid", [("2026-12-01 10:00:00.000000 UTC", True), ("9" * 20, False),
                                         ("garbage", False), ("", False), ("2026-12-01" + " " * 10_000, False)])
def test_timestamps_are_parsed_safely(tmp_path, text, valid):
    (tmp_path / "timestamp.txt").write_text(text)
    assert (submission.timestamp(tmp_path) is not None) is valid


def test_the_digest_changes_with_any_byte_and_ignores_links(tmp_path):
    (tmp_path / "a.ipynb").write_text("one")
    first = submission.digest(tmp_path)
    os.symlink("/etc/passwd", tmp_path / "b.ipynb")
    assert submission.digest(tmp_path) == first
    (tmp_path / "a.ipynb").write_text("two")
    assert submission.digest(tmp_path) != first


def test_repaired_cell_ids_print_no_warning(tmp_path):
    """nbformat repairs duplicate and missing ids with a warning on stderr: the instructor's terminal is not for it."""
    data = json.loads(nbformat.writes(notebook()))
    data["cells"][1]["id"] = data["cells"][0]["id"]
    del data["cells"][0]["id"]
    data["cells"].append({**data["cells"][1], "id": data["cells"][1]["id"]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = submission.read(write(tmp_path, json.dumps(data)))
    assert not isinstance(result, Rejected), result
    assert [str(w.message) for w in caught] == []
    assert len({c.id for c in result.cells}) == len(result.cells)
