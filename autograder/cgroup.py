"""A pids cgroup per kernel, where the machine lets us make one (root, cgroup v1 or v2).

Root's processes ignore RLIMIT_NPROC, so a fork bomb in a sandbox that runs as root
(mapped to uid 65534 only inside bubblewrap) could starve the kernels grading other
students. A cgroup caps the number of processes of one kernel, and lists them all, so that
`kill_all` can end every process the student started, whatever it did to escape its parent.
Without cgroup access both functions do nothing and the sandbox relies on its PID namespace.
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

ROOTS = [Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")]  # cgroup v1 pids hierarchy, then v2


def create(max_pids: int) -> Path | None:
    """A fresh cgroup limited to `max_pids` processes, or None where that is not possible."""
    for root in ROOTS:
        if not (root / "cgroup.procs").exists():
            continue
        if root == Path("/sys/fs/cgroup") and "pids" not in _read(root / "cgroup.subtree_control"):
            continue
        path = root / "autograder" / uuid.uuid4().hex
        try:
            path.mkdir(parents=True)
            (path / "pids.max").write_text(str(max_pids))
            return path
        except OSError:
            try:
                path.rmdir()
            except OSError:
                pass
    return None


def join(path: str) -> None:
    """Move the calling process (and so its future children) into the cgroup."""
    Path(path, "cgroup.procs").write_text(str(os.getpid()))


def kill_all(path: Path | None, attempts: int = 50) -> None:
    """SIGKILL every process in the cgroup, then remove it."""
    if path is None:
        return
    for _ in range(attempts):
        pids = [int(p) for p in _read(path / "cgroup.procs").split()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    try:
        path.rmdir()
    except OSError:
        pass


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
