"""Grade the same honest submissions with plain `nbgrader autograde` and with this grader.

    python benchmarks/grading_throughput.py [--students 20] [--assignments ex01_covariate_shift ...]
        [--jobs N] [--dask]

Two identical course directories (`python -m autograder init`, the same secret) get the same N
honest submissions per assignment (release notebooks with every solution cell filled from the
instructor's source). Plain nbgrader grades one course, one notebook after another, as
`nbgrader autograde <assignment>` does; `python -m autograder grade` grades the other in
parallel. The script checks that both gradebooks hold identical scores, prints both wall
times and their ratio (goal: at least 5 on 2 cores), and where this grader's time goes per
notebook: a fresh sandboxed process, the student's cells, the visible tests, the hidden
tests, the feedback page (in the workers), reading and restoring, and writing the results (in
the driver). With --dask it also grades a third copy on a local Dask cluster (as many
workers as --jobs) and prints its ratio against the local process pool.
"""
from __future__ import annotations

import argparse
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
from autograder.course import Course, init
from autograder.grade import grade
from autograder.samples import honest

SECRET = "benchmark"


def make_course(path: Path, assignments, students: int) -> None:
    import json

    init(path, assignments=assignments, log=lambda line: None)
    settings = json.loads((path / "autograder.json").read_text())
    (path / "autograder.json").write_text(json.dumps({**settings, "secret": SECRET}))
    for assignment in assignments:
        release = nbformat.read(path / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        source = nbformat.read(path / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        for i in range(students):
            folder = path / "submitted" / f"student{i:03d}" / assignment
            folder.mkdir(parents=True)
            nbformat.write(honest(release, source), folder / f"{assignment}.ipynb")


def scores(path: Path) -> dict:
    from nbgrader.api import Gradebook

    course = Course.open(path)
    with Gradebook(course.db_url, course.course_id) as gb:
        return {(s.student.id, s.assignment.name): s.score for a in gb.assignments for s in a.submissions}


def ours(path: Path, **kw):
    start = time.monotonic()
    report = grade(path, say=lambda line: None, **kw)
    return time.monotonic() - start, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20, help="honest submissions per assignment (20)")
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS), help="assignments (all six)")
    parser.add_argument("--jobs", type=int, default=None, help="workers for this grader (all cores)")
    parser.add_argument("--dask", action="store_true", help="also grade on a local Dask cluster")
    args = parser.parse_args()
    jobs = args.jobs or os.cpu_count() or 1
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    n = args.students * len(args.assignments)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        plain, mine, dask = Path(tmp) / "plain", Path(tmp) / "ours", Path(tmp) / "dask"
        print(f"setting up two courses with {n} honest notebooks each ...", flush=True)
        make_course(plain, args.assignments, args.students)
        shutil.copytree(plain, mine)
        if args.dask:
            shutil.copytree(plain, dask)

        start = time.monotonic()
        for assignment in args.assignments:
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment], cwd=plain, env=env,
                           check=True, capture_output=True)
        t_plain = time.monotonic() - start
        t_ours, report = ours(mine, jobs=jobs)

        a, b = scores(plain), scores(mine)
        same = a == b and len(a) == n and all(v > 0 for v in a.values())
        print(f"plain nbgrader autograde:   {t_plain:7.1f} s  ({n / t_plain:.2f} notebooks/s, one at a time)")
        print(f"python -m autograder grade: {t_ours:7.1f} s  ({n / t_ours:.2f} notebooks/s, {jobs} workers)")
        print(f"throughput ratio: {t_plain / t_ours:.2f}x (goal >= 5 on 2 cores)")
        print(f"scores identical: {same} ({len(a)} submissions, {sum(a.values()):g} points in both)")
        print(report.isolation)
        print("where this grader's time goes, per notebook (median, and the share of all seconds spent):")
        parts = ["start", "cells", "visible", "checks", "feedback", "total"]
        sums = {k: sum(t.get(k, 0.0) for t in report.timings) for k in parts}
        for key in parts:
            values = [t.get(key, 0.0) for t in report.timings]
            share = f"{100 * sums[key] / sums['total']:4.0f} %" if key != "total" else ""
            print(f"  worker  {key:<9} {statistics.median(values) * 1e3:7.1f} ms {share}")
        for key, seconds in report.driver.items():
            print(f"  driver  {key:<9} {seconds / n * 1e3:7.1f} ms (mean; one process, beside the workers)")
        if args.dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                t_dask, _ = ours(dask, scheduler=cluster.scheduler_address)
            print(f"Dask LocalCluster ({jobs} workers): {t_dask:.1f} s; local pool / Dask: {t_ours / t_dask:.2f}x; "
                  f"scores identical: {scores(dask) == a}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
