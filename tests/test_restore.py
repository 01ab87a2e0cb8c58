"""autograder.restore and the gradebook writer: faster than nbgrader's own steps, and the same.

The restore reads a notebook's source cells once per run and builds nbgrader's schema
validator once; the writer saves a notebook's scores in one transaction. Each is compared
here with nbgrader's uncached step on damaged and honest notebooks.
"""
import copy
import shutil

import nbformat
import pytest
from factories import honest_nb, release, solution_cell, source

from autograder import restore
from autograder.course import Course
from autograder.gradebook import GradebookWriter

pytestmark = pytest.mark.slow
A = "ex02_algorithm"


def damaged_versions(course):
    honest = honest_nb(course, A)
    edited = copy.deepcopy(honest)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source, cell.metadata.nbgrader["points"] = "pass", 100
    deleted = copy.deepcopy(honest)
    deleted.cells.remove(solution_cell(deleted, "test_bn_eps"))
    deleted.cells.remove(solution_cell(deleted, "batchnorm_forward"))
    retyped = copy.deepcopy(honest)
    solution_cell(retyped, "task_bn").cell_type = "raw"
    unknown = copy.deepcopy(honest)
    solution_cell(unknown, "batchnorm_forward").metadata.nbgrader["grade_id"] = "not_in_source"
    return {"honest": honest, "edited": edited, "deleted": deleted, "retyped": retyped, "unknown": unknown}


@pytest.mark.parametrize("case", ["honest", "edited", "deleted", "retyped", "unknown"])
def test_the_cached_restore_gives_what_nbgrader_gives(course, case):
    c = Course.open(course)
    nb = damaged_versions(course)[case]
    kw = dict(assignment=A, notebook=A, student="ada", db_url=c.db_url, source=source(course, A),
              release=release(course, A))
    plain = restore.restore(copy.deepcopy(nb), **kw)
    cached = restore.restore(copy.deepcopy(nb), **kw, source_cells=restore.SourceCells(c.db_url, A, A))
    assert nbformat.writes(cached.nb) == nbformat.writes(plain.nb) and cached.flags == plain.flags


def test_the_schema_cache_raises_what_jsonschema_raises():
    import jsonschema

    schema = {"type": "object", "properties": {"points": {"type": "number"}}, "required": ["points"]}
    cache = restore._SchemaOnce()
    for instance in ({"points": 1}, {"points": "x"}, {}):
        try:
            jsonschema.validate(instance, schema)
            expected = None
        except jsonschema.ValidationError as exc:
            expected = exc.message
        try:
            cache.validate(instance, schema)
            got = None
        except jsonschema.ValidationError as exc:
            got = exc.message
        assert got == expected


def test_scores_in_one_transaction_are_what_save_auto_grades_writes(template_course, tmp_path):
    from nbgrader.preprocessors import SaveAutoGrades

    nb = honest_nb(template_course, A)
    for i, cell in enumerate(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")):
        if i % 2:  # every other test cell fails
            cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="x", traceback=[])]
    rows = []
    for way in ("nbgrader", "ours"):
        course = shutil.copytree(template_course, tmp_path / way)
        c = Course.open(course)
        writer = GradebookWriter(c)
        writer.open_submission(A, "ada")
        if way == "nbgrader":
            SaveAutoGrades().preprocess(copy.deepcopy(nb), {"nbgrader": {"notebook": A, "assignment": A, "student": "ada",
                                                                          "db_url": c.db_url}})
            writer.gb.db.expire_all()
        else:
            writer.save_grades(A, "ada", A, copy.deepcopy(nb))
        sub = writer.gb.find_submission_notebook(A, A, "ada")
        rows.append(({g.name: (g.auto_score, g.needs_manual_grade) for g in sub.grades},
                     {m.name: m.auto_comment for m in sub.comments}))
        writer.close()
    assert rows[0] == rows[1] and any(score == 0 for score, _ in rows[0][0].values())
