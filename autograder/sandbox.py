"""Where student code runs: bubblewrap, resource limits, cgroups and an unprivileged user.

A sandbox holds one *template* process (`autograder.executor`, started once per grading
worker) and, one at a time, the child it forks for each notebook. Inside bubblewrap the
template sees a read-only system and Python installation in which only the allowed
packages exist (`autograder.packages`), no network (an empty network namespace), its own
PID namespace, no capabilities, a clean environment, and small tmpfs scratch space; the
course directory, other students' work, the reference and the grader are not there at all.
Each child then gets its own namespaces and fresh tmpfs on /tmp, the home directory and
/dev/shm (`autograder.executor`), so nothing passes from one student to the next.

Limits (`Limits`): address space, CPU time and file size per process (rlimits), and where
a cgroup can be made (`autograder.cgroup`) the memory of the whole sandbox and its number of
processes. When the grader runs as root, the sandbox runs as uid 65534: directories of the
Python installation that uid cannot reach (a virtualenv under /root, say) are bound into a
private staging folder first (`autograder.limits`), so it can still read them.

Where bubblewrap is missing or cannot run, `detect` falls back to "limits-only" (resource
limits and the unprivileged user alone) and `Sandbox.description` says so plainly.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import packages
from .limits import NOBODY

HOME = "/home/student"
SCRATCH = ["/tmp", HOME, "/dev/shm"]  # fresh for every notebook
EXECUTOR_DIR = "/opt/autograder"
# System paths a Python process needs; /bin, /lib... are symlinks into /usr on merged-/usr systems.
SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
ETC_FILES = ["/etc/ld.so.cache", "/etc/localtime", "/etc/mime.types", "/etc/alternatives"]
HIDDEN_PACKAGES = ["solutions", "autograder"]


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox (built from the grading options: `autograder.config`)."""

    memory_mb: int = 2048
    """Memory of the whole sandbox (cgroup) and address space of each of its processes."""
    cpu_seconds: int = 300
    """CPU time of a notebook's process (RLIMIT_CPU)."""
    file_mb: int = 64
    """Largest file a student's process may write (RLIMIT_FSIZE)."""
    tmpfs_mb: int = 256
    """Size of each writable file system (/tmp, home, /dev/shm); counted in the memory cap."""
    processes: int = 256
    """Processes and threads of the sandbox at once (pids cgroup, else RLIMIT_NPROC)."""
    open_files: int = 1024
    """Open files per process (RLIMIT_NOFILE)."""


@dataclass(frozen=True)
class Sandbox:
    """How to start the template for student code, and what that gives."""

    mode: str
    """"bubblewrap" or "limits-only"."""
    limits: Limits
    allowed: tuple[str, ...] = ("numpy",)
    """Packages student code may import (with their dependencies and IPython's)."""
    user: int | None = None
    """uid the sandbox runs as when the grader is root (None: the grader's own uid)."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """What is weaker than full isolation, in plain words (filled in by `detect`)."""

    @property
    def weak(self) -> bool:
        """True when student code can read files outside its sandbox."""
        return self.mode != "bubblewrap"

    # ---------------------------------------------------------------- the command
    def template_command(self, staging: Path, cgroup_paths=()) -> list[str]:
        """Command line that starts the template (`autograder.executor`) in this sandbox.

        staging: an empty folder of the grader's, used when the grader is root (see module doc).
        cgroup_paths: cgroups for the launcher to join before anything else starts.
        """
        stages = self._stages(staging)
        # limits.py is standalone: run by path, it works from a checkout that was not pip-installed
        launcher = [sys.executable, str(Path(__file__).with_name("limits.py")), "--memory-mb",
                    str(self.limits.memory_mb), "--file-mb", str(self.limits.file_mb)]
        if self.user is not None:
            launcher += ["--user", str(self.user)]
        if not cgroup_paths:
            launcher += ["--nproc", str(self.limits.processes)]
        for path in cgroup_paths:
            launcher += ["--cgroup", str(path)]
        for src, dest in stages.items():
            launcher += ["--stage", f"{src}={dest}"]
        python = [sys.executable, "-I", f"{EXECUTOR_DIR}/executor.py"]
        if self.mode != "bubblewrap":
            return launcher + ["--", sys.executable, "-I", str(Path(__file__).with_name("executor.py"))]
        return launcher + ["--", *self.bubblewrap_args(stages), "--", *python]

    def bubblewrap_args(self, stages: dict | None = None) -> list[str]:
        """bwrap's options: namespaces, a minimal read-only file system, a clean environment."""
        stages = stages or {}

        def source(path: str) -> str:
            for root, stage in stages.items():
                if path == root or path.startswith(root + os.sep):
                    return stage + path[len(root):]
            return path

        size = str(self.limits.tmpfs_mb << 20)
        args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
        for path in SCRATCH:
            args += ["--size", size, "--tmpfs", path]
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in ETC_FILES:
            args += ["--ro-bind-try", path, path]
        bound = python_dirs()
        for path in bound:
            args += ["--ro-bind", source(path), path]
        emptied = [p for p in packages.site_dirs() if _inside(p, bound + ["/usr"])]
        for path in emptied:
            args += ["--tmpfs", path]  # emptied; the allowed packages are bound back below
        for path in packages.shown_paths(self.allowed):
            args += ["--ro-bind", source(path), path]
        hidden = hidden_dirs(bound + ["/usr"])
        for path in hidden:
            args += ["--tmpfs", path]
        here = Path(__file__).parent
        for name in ("executor.py", "probes.py"):
            args += ["--ro-bind", str(here / name), f"{EXECUTOR_DIR}/{name}"]
        # Writable only where every notebook gets fresh space (SCRATCH): bwrap's own tmpfs mounts
        # (the root, /dev, the emptied directories) would be shared by all notebooks of a template.
        for path in [*emptied, *hidden, "/dev", "/"]:
            args += ["--remount-ro", path]
        args += ["--chdir", HOME, "--clearenv"]
        for key, value in environment(HOME).items():
            args += ["--setenv", key, value]
        return args

    def _stages(self, staging: Path) -> dict[str, str]:
        """Python directories the sandbox's uid cannot reach -> where the launcher binds them."""
        if self.user is None or self.mode != "bubblewrap":
            return {}
        roots = sorted({*python_dirs(), *packages.site_dirs()})
        roots = [r for r in roots if not any(r.startswith(o + os.sep) for o in roots if o != r)]
        return {root: str(staging / str(i)) for i, root in enumerate(roots) if not reachable(root, self.user)}

    # ---------------------------------------------------------------- the child
    def child_settings(self) -> dict:
        """What the template's child needs to set itself up (sent with each fork request)."""
        home = HOME if self.mode == "bubblewrap" else None
        limits = self.limits
        return {"scratch": SCRATCH if home else [], "home": home or "",
                "environment": environment(home or ""),
                "limits": {"memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
                           "file_mb": limits.file_mb, "open_files": limits.open_files,
                           "tmpfs_mb": limits.tmpfs_mb, "nproc": 0}}

    @property
    def description(self) -> str:
        """One paragraph for the instructor: what isolation is in force, and what to do."""
        allowed = ", ".join(self.allowed) or "no extra packages"
        if self.mode == "bubblewrap":
            head = ("Isolation: full. " if not self.notes else "Isolation: partial. ") + (
                "Student code runs in a bubblewrap sandbox: no network, a read-only system, fresh private "
                f"files for every notebook, no access to the course directory; it may import {allowed}")
        else:
            head = ("Isolation: WEAK. Student code runs with resource limits only: it can read every file "
                    "the grader's user can read (the course directory included)")
        tail = " ".join(self.notes)
        return f"{head}. {tail}".strip()


def environment(home: str) -> dict:
    """The whole environment of student code: nothing of the grader's leaks in."""
    env = {"HOME": home or "/nonexistent", "USER": "student", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "agg"}
    if home:
        env.update({"TMPDIR": "/tmp", "MPLCONFIGDIR": f"{home}/.matplotlib", "IPYTHONDIR": f"{home}/.ipython"})
    return env


def python_dirs() -> list[str]:
    """Directories holding this Python (read-only in the sandbox; their site dirs are emptied)."""
    candidates = {sys.base_prefix, sys.prefix}
    dirs = sorted(os.path.realpath(p) for p in candidates if os.path.isdir(p))
    return [d for i, d in enumerate(dirs) if not any(d.startswith(o + os.sep) for o in dirs[:i])]


def hidden_dirs(bound: list[str]) -> list[str]:
    """Package folders of the reference and the grader that lie inside bound directories."""
    found = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        for loc in (spec.submodule_search_locations or []) if spec else []:
            loc = os.path.realpath(loc)
            if _inside(loc, bound):
                found.append(loc)
    return found


def reachable(path: str, uid: int) -> bool:
    """Can `uid` (counting neither root's powers nor group membership) traverse to and read `path`?"""
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        try:
            st = os.stat(Path(*parts[:i]))
        except OSError:
            return False
        perm = (st.st_mode >> 6) & 7 if st.st_uid == uid else st.st_mode & 7
        last = i == len(parts)
        need = (1 | (4 if last else 0)) if stat.S_ISDIR(st.st_mode) else 4
        if perm & need != need:
            return False
    return True


def _inside(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def bubblewrap_installed() -> bool:
    return shutil.which("bwrap") is not None


@functools.lru_cache(maxsize=8)
def detect(limits: Limits = Limits(), allowed: tuple[str, ...] = ("numpy",), use_bubblewrap: bool = True) -> Sandbox:
    """The strongest sandbox this machine supports, checked by starting one and running a cell.

    As root, the sandbox runs as NOBODY (65534). Without bubblewrap (or with it disabled)
    the result is "limits-only"; its notes say why and what that means.
    """
    from .template import Template, TemplateError

    root = os.geteuid() == 0
    failures: list[str] = []
    if not use_bubblewrap:
        failures.append("bubblewrap was turned off (--no-sandbox)")
    elif not bubblewrap_installed():
        failures.append("bubblewrap is not installed: `sudo apt-get install -y bubblewrap`")
    modes = ["bubblewrap"] if use_bubblewrap and bubblewrap_installed() else []
    for mode in modes + ["limits-only"]:
        users = [NOBODY, None] if root and mode == "bubblewrap" else ([NOBODY, None] if root else [None])
        for user in users:
            if mode == "limits-only" and user == NOBODY and not reachable(sys.executable, NOBODY):
                continue
            candidate = Sandbox(mode, limits, allowed, user)
            try:
                notes = Template(candidate).check()
            except TemplateError as exc:
                failures.append(f"{mode}{f' as uid {user}' if user is not None else ''}: {exc}")
                continue
            if mode != "bubblewrap":
                notes = [failures[0] + "."] + notes if failures else notes
            if root and user is None:
                notes.append("Student code runs as root inside its namespace (uid 65534 could not be used).")
            return Sandbox(mode, limits, allowed, user, tuple(notes))
    raise RuntimeError("cannot start student code in any sandbox: " + "; ".join(failures))
