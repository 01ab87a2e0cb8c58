"""A course directory: made with ``python -m autograder init``, opened with `Course.open`.

``init COURSE_DIR`` writes ``nbgrader_config.py`` and ``autograder.json`` (the course's own
settings: its id, a secret of 256 random bits, the packages student code may import),
copies every instructor notebook to ``source/<assignment>/``, creates the gradebook (SQLite)
and runs nbgrader's ``generate_assignment`` so that ``release/`` holds the student versions.
Afterwards the plain nbgrader verbs work from inside the directory. Running it again
refreshes source and release and keeps everything else (submissions, grades, feedback,
your edits to both settings files).

`Course` is the one home of a course's paths and settings: every command that works on a
course opens it, and a folder that is not a complete course (no gradebook with this
course's assignments, no secret) is refused with a sentence saying what to do.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .assignments import ASSIGNMENTS, source_notebook

SETTINGS = "autograder.json"
DEFAULT_COURSE_ID = "batchnorm"
DEFAULT_PACKAGES = ("numpy",)

CONFIG = '''\
# nbgrader configuration, written by `python -m autograder init`; `init` never overwrites it.
# It is read by the plain nbgrader commands (zip_collect, export, formgrader, autograde...).
# `python -m autograder grade` does not read it: its own settings are in autograder.json
# (course id, secret, allowed packages) and on its command line (--help).
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "{course_id}"
# The gradebook is gradebook.db in the directory nbgrader runs from: run nbgrader commands
# from this folder (then the course directory can be moved or copied freely).

# Plain `nbgrader autograde` runs the hidden tests inside the student's kernel (trusted
# notebooks only); they import `autograder` and `solutions`, so run it in the environment
# where this course is installed. This is its per-cell time limit.
c.Execute.timeout = 120

# `nbgrader zip_collect`: files in downloaded/<assignment>/archive/ named
# <student_id>__<notebook>.ipynb (e.g. ada__ex01_covariate_shift.ipynb), possibly zipped.
c.FileNameCollectorPlugin.named_regexp = r"(?:.*/)?(?P<student_id>[A-Za-z0-9.@-]+)__(?P<file_id>[^/]+\\.ipynb)$"
'''


def db_url(root: Path) -> str:
    """The SQLAlchemy URL of a course's gradebook (gradebook.db in its directory)."""
    return f"sqlite:///{(Path(root) / 'gradebook.db').as_posix()}"


class CourseError(RuntimeError):
    """The course directory cannot be used or set up; the message says why and what to do."""


@dataclass(frozen=True)
class Course:
    """A course directory and its settings."""

    root: Path
    course_id: str
    secret: str
    """Seeds every hidden input (with the student and the submission): never shown to students."""
    packages: tuple[str, ...]
    """What student code may import besides the standard library (and IPython, which runs it)."""

    @property
    def db_url(self) -> str:
        return db_url(self.root)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @classmethod
    def open(cls, course_dir) -> Course:
        """The course in `course_dir`; CourseError if it is not a complete course directory."""
        root = Path(course_dir).expanduser().resolve()
        hint = f"run `python -m autograder init {root}` first"
        if not root.is_dir():
            raise CourseError(f"{root} is not a directory: {hint}")
        if not (root / "gradebook.db").is_file() or not (root / "nbgrader_config.py").is_file():
            raise CourseError(f"{root} is not a course directory (no gradebook.db or nbgrader_config.py): {hint}")
        settings = root / SETTINGS
        if not settings.is_file():
            raise CourseError(f"{root} has no {SETTINGS}, which holds the secret of the hidden tests: {hint} "
                              f"(it keeps everything else)")
        try:
            data = json.loads(settings.read_text())
        except (OSError, ValueError) as exc:
            raise CourseError(f"{settings} could not be read ({exc}); fix or delete it and run init") from None
        secret = data.get("secret") if isinstance(data, dict) else None
        if not isinstance(secret, (str, int)) or isinstance(secret, bool) or not str(secret):
            raise CourseError(f"{settings} has no secret: run `python -m autograder init {root}` to add one")
        packages = data.get("packages", list(DEFAULT_PACKAGES))
        if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
            raise CourseError(f"{settings}: 'packages' must be a list of package names")
        course_id = data.get("course_id", DEFAULT_COURSE_ID)
        course = cls(root, str(course_id), str(secret), tuple(packages))
        if not course.assignments():
            raise CourseError(f"{root}/gradebook.db has none of this course's assignments: {hint}")
        return course

    def assignments(self) -> dict[str, list[str]]:
        """assignment -> its notebook names, as recorded in the gradebook by generate_assignment."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, self.course_id) as gb:
            return {a.name: sorted(nb.name for nb in a.notebooks) for a in gb.assignments if a.name in ASSIGNMENTS}


def init(course_dir, *, assignments=None, course_id: str = DEFAULT_COURSE_ID, log=print) -> Path:
    """Create or refresh the course directory; returns its absolute path.

    Args:
        course_dir: where to create it (parents are created).
        assignments: ids to set up (default: all six).
        course_id: nbgrader's course id (only for a new course).
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

    settings = root / SETTINGS
    data = json.loads(settings.read_text()) if settings.is_file() else {}
    if not isinstance(data, dict):
        raise CourseError(f"{settings} is not a JSON object; fix or delete it")
    if not data.get("secret"):
        # 256 random bits: the hidden inputs are derived from it with HMAC-SHA256 (autograder.checks).
        data["secret"] = secrets.token_hex(32)
        data.setdefault("course_id", course_id)
        data.setdefault("packages", list(DEFAULT_PACKAGES))
        settings.write_text(json.dumps(data, indent=2) + "\n")
        settings.chmod(0o600)
        log(f"wrote {settings}")
    config = root / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG.format(course_id=data.get("course_id", course_id)))
        log(f"wrote {config}")

    for assignment in wanted:
        dest = root / "source" / assignment
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source_notebook(assignment), dest / f"{assignment}.ipynb")
    _generate(root, str(data.get("course_id", course_id)), wanted, log)
    return root


def _generate(root: Path, course_id: str, assignments, log):
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
    config.CourseDirectory.course_id = course_id
    config.CourseDirectory.db_url = db_url(root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for assignment in assignments:
        log(f"generating release/{assignment}/{assignment}.ipynb")
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error') or result.get('log')}")
