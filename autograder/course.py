"""Set up an nbgrader course directory for this course, anywhere.

``python -m autograder init COURSE_DIR`` writes ``nbgrader_config.py``, copies every
instructor notebook to ``source/<assignment>/``, creates the gradebook (SQLite) with every
assignment, and runs nbgrader's ``generate_assignment`` so that ``release/`` holds the
student versions. Afterwards the plain nbgrader verbs work from inside the directory.
Running it again refreshes source and release and keeps everything else (submissions,
grades, feedback).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from .assignments import ASSIGNMENTS, source_notebook

COURSE_ID = "batchnorm"
SETTINGS = "autograder.json"

CONFIG = '''\
# nbgrader configuration written by `python -m autograder init`. Edit freely; `init` will
# not overwrite this file once it exists.
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "{course_id}"
# The gradebook is gradebook.db in the directory nbgrader runs from: run nbgrader commands
# from this folder (then the course directory can be moved or copied freely).

# Plain `nbgrader autograde`: the hidden tests import `autograder` and `solutions` in the
# student's kernel, so grade in the environment where this course is installed.
c.Execute.timeout = 120

# `nbgrader zip_collect`: files in downloaded/<assignment>/archive/ named
# <student_id>__<notebook>.ipynb (e.g. ada__ex01_covariate_shift.ipynb), possibly zipped.
c.FileNameCollectorPlugin.named_regexp = r"(?:.*/)?(?P<student_id>[A-Za-z0-9.@-]+)__(?P<file_id>[^/]+\\.ipynb)$"
'''


class CourseError(RuntimeError):
    """The course directory cannot be set up; the message says why."""


def init(course_dir, *, assignments=None, log=print) -> Path:
    """Create or refresh the course directory; returns its absolute path.

    Args:
        course_dir: where to create it (parents are created).
        assignments: ids to set up (default: all six).
        log: called with one line per step (progress for the command line).
    """
    root = Path(course_dir).expanduser().resolve()
    wanted = list(assignments or ASSIGNMENTS)
    unknown = [a for a in wanted if a not in ASSIGNMENTS]
    if unknown:
        raise CourseError(f"unknown assignment(s) {', '.join(unknown)}; known: {', '.join(ASSIGNMENTS)}")
    if root.exists() and not root.is_dir():
        raise CourseError(f"{root} exists and is not a directory")
    root.mkdir(parents=True, exist_ok=True)

    config = root / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG.format(course_id=COURSE_ID))
        log(f"wrote {config}")
    settings = root / SETTINGS
    if not settings.exists():
        # Seeds the hidden checks' inputs: fixed for the course (regrading is reproducible),
        # unknown to students (they never see the course directory).
        settings.write_text(json.dumps({"secret": secrets.randbits(31)}, indent=2) + "\n")

    for assignment in wanted:
        dest = root / "source" / assignment
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source_notebook(assignment), dest / f"{assignment}.ipynb")
    _generate(root, wanted, log)
    return root


def _generate(root: Path, assignments, log):
    """Create the gradebook entries and release/ through nbgrader's own API."""
    # nbgrader runs the `alembic` command when it creates a gradebook; it is installed next
    # to this interpreter, which may not be on PATH when the virtualenv is not activated.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{(root / 'gradebook.db').as_posix()}"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for assignment in assignments:
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error') or result.get('log')}")
        log(f"generated release/{assignment}/{assignment}.ipynb")


def load_settings(root: Path) -> dict:
    """The course's autograder settings (the checks' secret), {} if absent."""
    path = Path(root) / SETTINGS
    return json.loads(path.read_text()) if path.exists() else {}
