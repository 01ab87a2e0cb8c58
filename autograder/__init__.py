"""The course's grading package: nbgrader course sources, checks, and the sandboxed grader.

It reads as its pipeline, one module per step:

- `course`: set up an nbgrader course directory (``python -m autograder init``);
  `assignments` lists the exercises, whose single sources live in ``source/``;
  `release` keeps the book's student notebooks in step with them (``sync``).
- `submission`: find, read and restore what a student handed in.
- `sandbox`, `limits`, `cgroup`: where student code runs (bubblewrap, resource limits);
  `kernel`: a Jupyter kernel in that sandbox.
- `runner`: execute one notebook, asking each test cell's checks (in a worker).
- `checks` (what is asked), `probes` (how it is asked, inside the student's kernel) and
  `verdict` (the one place a pass or fail is decided, in the grader's process), with
  `misconceptions/` naming the likely mistake.
- `gradebook`: the single writer of scores, autograded copies and feedback pages.
- `grade`: the parallel driver (local processes or Dask); `cli`: the command line.
- `samples`: sample submissions for the demo, the tests and the benchmarks.
"""
