"""Every setting of a grading run, in one place: its default, its help text, its command-line flag.

`GradeOptions` holds the limits a run puts on student code; the command line
(`autograder.cli`) is built from its fields, so the two cannot disagree. The settings of a
course (its secret, its id, the packages student code may import) live in the course's
``autograder.json`` instead (`autograder.course.Course`), and the fixed inner limits of the
sandbox (file size, scratch space, processes) in `autograder.sandbox.Limits`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


def option(default, help: str, metavar: str | None = None, flag: str | None = None, cli: bool = True):
    """A field with its command-line help (flag: the option's name if not derived from the field's)."""
    return field(default=default, metadata={"help": help, "metavar": metavar, "flag": flag, "cli": cli})


@dataclass(frozen=True)
class GradeOptions:
    """Limits of one grading run."""

    cell_timeout: float = option(30.0, "wall-clock seconds per cell and per hidden test", "S")
    notebook_timeout: float = option(300.0, "wall-clock seconds per notebook, all cells and tests together", "S")
    memory_mb: int = option(2048, "memory of a student's sandbox, all its processes together", "MB", "--memory")
    cpu_seconds: int = option(300, "CPU seconds of a notebook's process", "S")
    cell_output_kb: int = option(64, "output kept per cell (the rest is dropped with a note)", "KB")
    notebook_output_kb: int = option(1024, "output kept per notebook", "KB")
    sandbox: bool = option(True, "run student code without bubblewrap (resource limits only; for debugging)",
                           flag="--no-sandbox")
    require_sandbox: bool = option(False, "refuse to grade unless bubblewrap isolates student code")
    allowed: tuple = option(("numpy",), "packages student code may import (from the course's autograder.json)",
                            cli=False)

    def limits(self):
        """The sandbox's limits for these options."""
        from .sandbox import Limits

        return Limits(memory_mb=self.memory_mb, cpu_seconds=self.cpu_seconds)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(f.default, (int, float)) and not isinstance(f.default, bool) and not value > 0:
                raise ValueError(f"{f.name.replace('_', '-')} must be positive, got {value}")
