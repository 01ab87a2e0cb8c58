"""Command line: python -m autograder {init,sync,demo,grade} ... (also installed as batchnorm-autograder).

A thin layer: it parses arguments and calls the library. The grading options come from
`autograder.config.GradeOptions` and the run's from `autograder.grade.grade`'s keyword
defaults, so the help text, the defaults and the library cannot disagree. Exit codes: 0
done (whatever the students' scores), 1 the grader itself failed on some notebook, 2 a usage
error (a bad option, a folder that is not a course, an unreachable scheduler), 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from .config import GradeOptions


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def add_options(parser: argparse.ArgumentParser) -> None:
    """One flag per field of GradeOptions, with its default and help."""
    for f in fields(GradeOptions):
        meta = f.metadata
        if not meta.get("cli", True):
            continue
        flag = meta.get("flag") or "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            action = "store_false" if f.default else "store_true"
            parser.add_argument(flag, dest=f.name, action=action, help=meta["help"])
        else:
            kind = positive_int if isinstance(f.default, int) else positive_float
            parser.add_argument(flag, dest=f.name, type=kind, default=f.default, metavar=meta.get("metavar"),
                                help=f"{meta['help']} (default {f.default:g})")


def _parser() -> argparse.ArgumentParser:
    from .grade import grade

    run = grade.__kwdefaults__ or {}
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create (or refresh) an nbgrader course directory for this course")
    p.add_argument("course_dir", type=Path, help="where to create it; parents are created")
    p.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    p.add_argument("--course-id", default="batchnorm", help="nbgrader course id of a new course (default batchnorm)")

    p = sub.add_parser("sync", help="regenerate the book's student notebooks from the instructor notebooks")
    p.add_argument("--book", type=Path, default=Path("."), help="root of the book (default: current directory)")
    p.add_argument("--check", action="store_true", help="only report notebooks that are out of date (exit 1 if any)")

    p = sub.add_parser("demo", help="fill a course's submitted/ with sample submissions (honest, untouched, wrong)")
    p.add_argument("course_dir", type=Path, help="a course directory made by `init`")
    p.add_argument("--students", type=positive_int, default=2, metavar="N", help="honest submissions per assignment (2)")

    p = sub.add_parser("grade", help="grade submitted/ safely, in parallel, into the course's gradebook")
    p.add_argument("course_dir", type=Path, help="the course directory (made by `init`)")
    p.add_argument("assignments", nargs="*", help="only these assignments (default: every one with submissions)")
    p.add_argument("--student", action="append", default=list(run["students"]), metavar="ID",
                   help="only this student (repeatable)")
    p.add_argument("--jobs", type=positive_int, default=run["jobs"], metavar="N",
                   help="parallel worker processes (default: all cores)")
    p.add_argument("--scheduler", default=run["scheduler"], metavar="ADDRESS",
                   help="run on this Dask scheduler instead (e.g. tcp://host:8786)")
    p.add_argument("--force", action="store_true", default=run["force"],
                   help="regrade every submission, also those unchanged since they were graded")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_options(p)
    return parser


def main(argv=None) -> int:
    """Run the command; returns the exit code."""
    args = _parser().parse_args(argv)
    from .course import CourseError

    try:
        if args.command == "init":
            from .course import init

            root = init(args.course_dir, assignments=args.assignments or None, course_id=args.course_id)
            print(f"course directory ready: {root}\nnext: put submissions under {root / 'submitted'} "
                  f"and run `python -m autograder grade {root}`")
            return 0
        if args.command == "sync":
            from .release import sync

            stale = sync(args.book, check=args.check)
            if args.check:
                print("student notebooks are up to date" if not stale else f"{len(stale)} notebook(s) out of date")
                return 1 if stale else 0
            print(f"{len(stale)} notebook(s) regenerated" if stale else "student notebooks were already up to date")
            return 0
        if args.command == "demo":
            from .course import Course
            from .samples import write_demo

            course = Course.open(args.course_dir)
            students = write_demo(course.root, students=args.students)
            print(f"wrote submissions of {len(students)} sample students under {course.path('submitted')}")
            return 0
        return _grade(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (CourseError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _grade(args) -> int:
    from rich.console import Console

    from .grade import grade
    from .summary import ProgressBar, print_summary

    options = GradeOptions(**{f.name: getattr(args, f.name) for f in fields(GradeOptions) if f.metadata.get("cli", True)})
    err = Console(stderr=True)
    with ProgressBar(err, enabled=not args.quiet) as bar:
        report = grade(args.course_dir, assignments=args.assignments, students=args.student, jobs=args.jobs,
                       scheduler=args.scheduler, force=args.force, options=options, progress=bar.update,
                       say=bar.say)
    print_summary(report, args.course_dir)
    return 1 if report.grader_errors or report.refused else 0
