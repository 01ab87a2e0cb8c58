"""The sandbox student code runs in: bubblewrap, resource limits and an unprivileged user.

Inside, the kernel sees a read-only system and Python installation, an empty home and /tmp
(size-limited tmpfs, gone when the kernel ends), its connection directory, and nothing
else: not the course directory, not other students' work, not the reference package or
this grader (both are hidden even where they sit inside the Python installation). It has
no network (its own empty network namespace), its own PID namespace (so every process it
starts dies with it), no capabilities, a clean environment, and the limits of
`autograder.limits` (memory, CPU time, file size, process count).

Where bubblewrap is missing or cannot create namespaces, `Sandbox.detect` falls back to
the resource limits and the unprivileged user alone, and says so: the student's code can
then read whatever that user can read.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .limits import NOBODY

HOME = "/home/student"
# System paths a Python kernel needs; /bin, /lib... are symlinks into /usr on merged-/usr systems.
SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
ETC_FILES = ["/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/alternatives", "/etc/mime.types"]
HIDDEN_PACKAGES = ["solutions", "autograder"]


@dataclass(frozen=True)
class Limits:
    """Resource limits of the student's kernel."""

    memory_mb: int = 2048
    """Address space (RLIMIT_AS) of the kernel and its children."""
    cpu_seconds: int = 600
    """CPU time of the kernel process (RLIMIT_CPU)."""
    file_mb: int = 64
    """Largest file it may write (RLIMIT_FSIZE)."""
    nproc: int = 512
    """Processes and threads of the sandbox user (RLIMIT_NPROC; not enforced for root)."""
    tmpfs_mb: int = 256
    """Size of each of its writable file systems (home and /tmp)."""


@dataclass(frozen=True)
class Sandbox:
    """How to start a command for student code."""

    mode: str
    """"bubblewrap" or "limits-only"."""
    limits: Limits
    user: int | None
    """uid to run as when the grader is root (None: keep the grader's user)."""
    reason: str = ""
    """Why the sandbox is weaker than bubblewrap, if it is."""

    @classmethod
    def detect(cls, limits: Limits = Limits(), use_bubblewrap: bool = True) -> "Sandbox":
        """The strongest sandbox this machine supports, trying the strong ones first.

        As root, the kernel is best started as an unprivileged user (NOBODY); that needs the
        Python installation to be readable by that user. If it is not (e.g. under /root),
        bubblewrap still runs the kernel as uid 65534 inside its user namespace, but the
        process-count limit cannot be enforced.
        """
        root = os.geteuid() == 0
        users = [NOBODY, None] if root else [None]
        modes = (["bubblewrap"] if use_bubblewrap else []) + ["limits-only"]
        failures = [] if use_bubblewrap else ["bubblewrap disabled with --no-sandbox"]
        for mode in modes:
            for user in users:
                problem = sandbox_problem(mode, limits, user)
                if problem:
                    failures.append(problem)
                    continue
                notes = [f for f in failures if mode != "bubblewrap"]  # why bubblewrap is not used
                if root and user is None:
                    notes.append(f"uid {NOBODY} cannot read this Python installation ({sys.base_prefix}), so "
                                 + (f"student code is uid {NOBODY} only inside bubblewrap's user namespace and "
                                    "the number of its processes is capped by a cgroup where one can be created"
                                    if mode == "bubblewrap" else "student code runs as root"))
                return cls(mode, limits, user, "; ".join(notes))
        raise RuntimeError("cannot start a Python kernel in any sandbox: " + "; ".join(failures))

    @property
    def weak(self) -> bool:
        """True when student code can read more than its sandbox should show it."""
        return self.mode != "bubblewrap"

    def wrap(self, argv: list[str], conn_dir: Path, workdir: Path, cgroup: Path | None = None) -> list[str]:
        """Command line that runs `argv` in the sandbox.

        conn_dir: host directory shared at the same path (the kernel's connection file and
        sockets). workdir: the home directory in limits-only mode (bubblewrap gives a tmpfs).
        cgroup: a pids cgroup for the sandbox to join (`autograder.cgroup.create`).
        """
        launcher = [sys.executable, "-m", "autograder.limits", "--memory-mb", str(self.limits.memory_mb),
                    "--cpu-seconds", str(self.limits.cpu_seconds), "--file-mb", str(self.limits.file_mb),
                    "--nproc", str(self.limits.nproc)]
        if self.user is not None:
            launcher += ["--user", str(self.user)]
        if cgroup is not None:
            launcher += ["--cgroup", str(cgroup)]
        if self.mode != "bubblewrap":
            return launcher + ["--", *argv]
        inside = ["--uid", str(NOBODY), "--gid", str(NOBODY)] if self.user is None and os.geteuid() == 0 else []
        return launcher + ["--", *bubblewrap_args(self.limits, conn_dir), *inside, "--", *argv]

    def environment(self, workdir: Path) -> dict:
        """Environment of the kernel (bubblewrap clears and sets its own; see `bubblewrap_args`)."""
        if self.mode == "bubblewrap":
            return kernel_environment(HOME)
        return {**kernel_environment(str(workdir)), "TMPDIR": str(workdir)}

    def prepare_dir(self, path: Path) -> None:
        """Make a host directory the sandbox user may write to (it owns nothing else)."""
        path.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            os.chown(path, self.user, self.user)
        path.chmod(0o700)


def kernel_environment(home: str) -> dict:
    """The whole environment a student's kernel gets: nothing of the grader's leaks in."""
    return {"HOME": home, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": f"{home}/.matplotlib",
            "IPYTHONDIR": f"{home}/.ipython", "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter"}


def python_dirs() -> list[str]:
    """Directories holding this Python and its packages (read-only in the sandbox)."""
    candidates = {sys.base_prefix, sys.prefix, *site.getsitepackages()}
    candidates |= {p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p}
    dirs = sorted(os.path.realpath(p) for p in candidates if os.path.isdir(p))
    return [d for i, d in enumerate(dirs) if not any(d.startswith(o + os.sep) for o in dirs[:i])]


def hidden_dirs(bound: list[str]) -> list[str]:
    """Package folders of the reference and the grader that lie inside bound directories."""
    found = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        for loc in (spec.submodule_search_locations or []) if spec else []:
            loc = os.path.realpath(loc)
            if any(loc == b or loc.startswith(b + os.sep) for b in bound):
                found.append(loc)
    return found


def bubblewrap_args(limits: Limits, conn_dir: Path) -> list[str]:
    """bwrap's options: namespaces, a minimal read-only file system, a clean environment."""
    size = str(limits.tmpfs_mb * 1024 * 1024)
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", HOME]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    bound = python_dirs()
    for path in bound:
        args += ["--ro-bind", path, path]
    for path in hidden_dirs(bound):
        args += ["--tmpfs", path]  # an empty folder in place of the package
    conn = str(conn_dir)
    args += ["--bind", conn, conn, "--chdir", HOME, "--clearenv"]
    for key, value in kernel_environment(HOME).items():
        args += ["--setenv", key, value]
    return args


@functools.lru_cache(maxsize=8)
def sandbox_problem(mode: str, limits: Limits, user: int | None) -> str:
    """"" if a Python with numpy and ipykernel starts in this sandbox, else why not."""
    if mode == "bubblewrap" and shutil.which("bwrap") is None:
        return "bubblewrap (the `bwrap` command, Debian package `bubblewrap`) is not installed"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="autograder-probe-") as tmp:
        sandbox = Sandbox(mode, limits, user)
        conn = Path(tmp)
        sandbox.prepare_dir(conn)
        argv = sandbox.wrap([sys.executable, "-c", "import numpy, ipykernel"], conn, conn)
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                                    env=sandbox.environment(conn), cwd=conn)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{mode} could not start: {exc}"
        if result.returncode != 0:
            who = f" as uid {user}" if user is not None else ""
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            return f"{mode}{who} cannot start Python: {last[:200]}"
    return ""
