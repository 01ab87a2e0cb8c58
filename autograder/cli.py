"""Command line: ``python -m autograder {init,sync,demo,grade} ...``.

A thin layer: it parses arguments and calls the library; every option is documented in
its ``--help`` and in the README.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create (or refresh) an nbgrader course directory for this course")
    p.add_argument("course_dir", type=Path, help="where to create it; parents are created")
    p.add_argument("assignments", nargs="*", help="only these assignments (default: all)")

    p = sub.add_parser("sync", help="regenerate the book's student notebooks from the instructor notebooks")
    p.add_argument("--book", type=Path, default=Path("."), help="root of the book (default: current directory)")
    p.add_argument("--check", action="store_true", help="only report notebooks that are out of date (exit 1 if any)")

    p = sub.add_parser("demo", help="fill a course's submitted/ with sample submissions (honest, untouched, wrong)")
    p.add_argument("course_dir", type=Path, help="a course directory made by `init`")
    p.add_argument("--students", type=int, default=2, metavar="N", help="honest submissions per assignment (2)")

    p = sub.add_parser("grade", help="grade submitted/ safely, in parallel, into the course's gradebook")
    p.add_argument("course_dir", type=Path, help="the course directory (made by `init`)")
    p.add_argument("assignments", nargs="*", help="only these assignments (default: every one with submissions)")
    p.add_argument("--student", action="append", default=[], metavar="ID", help="only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel workers (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (e.g. tcp://host:8786)")
    p.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    p.add_argument("--cell-timeout", type=float, default=30.0, metavar="S", help="wall-clock limit per cell (30)")
    p.add_argument("--notebook-timeout", type=float, default=300.0, metavar="S",
                   help="wall-clock limit per notebook (300)")
    p.add_argument("--memory", type=int, default=2048, metavar="MB", help="address-space limit of student code (2048)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap (resource limits only); for debugging")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None) -> int:
    """Run the command; returns the exit code (0 ok, 1 grader failure, 2 usage error)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            from .course import init

            root = init(args.course_dir, assignments=args.assignments or None)
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
            from .samples import write_demo

            students = write_demo(args.course_dir.resolve(), students=args.students)
            print(f"wrote submissions of {len(students)} sample students under {args.course_dir / 'submitted'}")
            return 0
        from .grade import GradeOptions, grade

        options = GradeOptions(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                               memory_mb=args.memory, sandbox=not args.no_sandbox)
        report = grade(args.course_dir, assignments=args.assignments, students=args.student, jobs=args.jobs,
                       scheduler=args.scheduler, force=args.force, options=options, progress=not args.quiet)
        return 1 if report.grader_errors else 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback for known errors
        from .course import CourseError

        if isinstance(exc, CourseError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
