"""Grade the same honest submissions with plain `nbgrader autograde` and with this grader.

    python benchmarks/grading_throughput.py [--students 6] [--assignments ex01_covariate_shift ...] [--jobs N]

Two identical course directories are made with `python -m autograder init` (same secret) and
filled with the same N honest submissions per assignment (release notebooks with every
solution cell filled from the instructor's source). Plain nbgrader grades one course, one
notebook after another; `python -m autograder grade` grades the other in parallel. The
script checks that both gradebooks hold identical scores, prints both wall times and the
throughput ratio (goal: at least 1.8 on 2 cores), and shows where this grader's time per
notebook goes: kernel start (with and without bubblewrap), executing the student's cells,
and the checks.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.assignments import ASSIGNMENTS
from autograder.course import SETTINGS, init
from autograder.grade import grade
from autograder.kernel import StudentKernel
from autograder.runner import GradeOptions
from autograder.samples import honest
from autograder.sandbox import Limits, Sandbox


def make_course(path: Path, assignments, students: int, secret: int) -> None:
    init(path, assignments=assignments, log=lambda line: None)
    (path / SETTINGS).write_text(json.dumps({"secret": secret}))
    for assignment in assignments:
        release = nbformat.read(path / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        source = nbformat.read(path / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        for i in range(students):
            folder = path / "submitted" / f"student{i:03d}" / assignment
            folder.mkdir(parents=True)
            nbformat.write(honest(release, source), folder / f"{assignment}.ipynb")


def scores(path: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{path / 'gradebook.db'}", "batchnorm") as gb:
        return {(s.student.id, s.assignment.name): s.score for a in gb.assignments for s in a.submissions}


def kernel_start(sandbox: Sandbox, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.monotonic()
        with StudentKernel(sandbox):
            times.append(time.monotonic() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6, help="honest submissions per assignment (6)")
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS), help="assignments (all)")
    parser.add_argument("--jobs", type=int, default=None, help="workers for this grader (all cores)")
    args = parser.parse_args()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    n = args.students * len(args.assignments)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        plain, ours = Path(tmp) / "plain", Path(tmp) / "ours"
        print(f"setting up two courses with {n} honest notebooks each ...", flush=True)
        make_course(plain, args.assignments, args.students, secret=12345)
        shutil.copytree(plain, ours)

        start = time.monotonic()
        for assignment in args.assignments:
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment], cwd=plain, env=env,
                           check=True, capture_output=True)
        t_plain = time.monotonic() - start

        start = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):  # the summary table: 36 rows of full marks
            report = grade(ours, jobs=args.jobs, options=GradeOptions(), progress=False)
        t_ours = time.monotonic() - start

        a, b = scores(plain), scores(ours)
        same = a == b and len(a) == n and all(v > 0 for v in a.values())
        print(f"plain nbgrader autograde: {t_plain:7.1f} s  ({n / t_plain:.2f} notebooks/s)")
        print(f"python -m autograder grade: {t_ours:5.1f} s  ({n / t_ours:.2f} notebooks/s, "
              f"{args.jobs or os.cpu_count()} workers, sandbox: {report.sandbox.split(' ')[0]})")
        print(f"throughput ratio: {t_plain / t_ours:.2f}x (goal >= 1.8)")
        print(f"scores identical: {same} ({len(a)} submissions, {sum(a.values()):g} points in both)")
        if report.timings:
            for key in ("kernel_start", "cells", "checks", "total"):
                values = [t.get(key, 0.0) for t in report.timings]
                print(f"  per notebook, {key:<12} median {statistics.median(values):.3f} s")
        limits = Limits()
        bwrap = Sandbox.detect(limits)
        bare = Sandbox.detect(limits, use_bubblewrap=False)
        print(f"kernel start alone: {bwrap.mode} {kernel_start(bwrap, 5):.3f} s, "
              f"{bare.mode} {kernel_start(bare, 5):.3f} s (median of 5)")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
