"""The course's grading package: nbgrader course sources, checks, and the sandboxed grader.

Pipeline, one module per step: `course` (set up a course directory), `submission` (read and
restore what students handed in), `sandbox` and `kernel` (run student code in isolation),
`runner` (execute a notebook, asking each test cell's checks), `checks` / `probes` /
`verdict` (what is asked and how the answer is judged: the only place a verdict is made),
`gradebook` (the single writer of scores, autograded copies and feedback), `grade` (the
parallel driver) and `cli` (the command line).
"""
