"""Memory and process caps for a whole sandbox: a cgroup per sandbox, where the machine allows.

RLIMIT_AS caps one process; three forked children each get their own allowance. A memory
cgroup caps the sum over every process of the sandbox (tmpfs pages they write included),
and a pids cgroup caps how many processes it may have at once, whoever owns them. Both
also list every process of the sandbox, so `kill_all` ends them whatever they did to escape.

Supported: cgroup v1 (separate ``memory`` and ``pids`` hierarchies) and cgroup v2 (the
unified hierarchy, or the part of it delegated to this user). Creating cgroups usually
needs root or a delegated subtree (systemd's ``Delegate=yes``); without one, `create`
returns an empty `Cgroups` and the sandbox says which caps are missing.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

V1 = Path("/sys/fs/cgroup")
PARENT = "autograder"


@dataclass
class Cgroups:
    """The cgroup directories of one sandbox (none, one for v2, or one per v1 controller)."""

    paths: list[Path] = field(default_factory=list)
    memory: bool = False
    """The sum of the sandbox's memory is capped."""
    pids: bool = False
    """The number of the sandbox's processes is capped."""

    def join(self, pid: int | None = None) -> None:
        """Move a process (default: this one) and so its future children into every cgroup."""
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(pid or os.getpid()))

    def kill_all(self, attempts: int = 50) -> None:
        """SIGKILL every process in the cgroups, then remove them."""
        for path in self.paths:
            for _ in range(attempts):
                pids = [int(p) for p in _read(path / "cgroup.procs").split()]
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.01)
            with contextlib.suppress(OSError):
                path.rmdir()
        self.paths = []

    def peak_memory(self) -> int | None:
        """Largest memory use seen, in bytes (None where not available)."""
        for path in self.paths:
            for name in ("memory.max_usage_in_bytes", "memory.peak"):
                text = _read(path / name).strip()
                if text.isdigit():
                    return int(text)
        return None


def create(memory_bytes: int, max_pids: int) -> Cgroups:
    """Fresh cgroups capping memory (bytes, swap included) and processes; empty where impossible."""
    groups = _create_v1(memory_bytes, max_pids)
    if groups.paths:
        return groups
    return _create_v2(memory_bytes, max_pids)


def _create_v1(memory_bytes: int, max_pids: int) -> Cgroups:
    groups = Cgroups()
    name = uuid.uuid4().hex
    for controller, settings in (("memory", [("memory.limit_in_bytes", memory_bytes),
                                             ("memory.memsw.limit_in_bytes", memory_bytes)]),
                                 ("pids", [("pids.max", max_pids)])):
        root = V1 / controller
        if not (root / "cgroup.procs").exists():
            continue
        path = root / PARENT / name
        if _make(path, settings, optional={"memory.memsw.limit_in_bytes"}):
            groups.paths.append(path)
            setattr(groups, controller, True)
    return groups


def _create_v2(memory_bytes: int, max_pids: int) -> Cgroups:
    for base in _v2_bases():
        available = _read(base / "cgroup.subtree_control").split()
        wanted = [c for c in ("memory", "pids") if c in available]
        if not wanted:
            continue
        path = base / f"{PARENT}-{uuid.uuid4().hex}"
        settings = ([("memory.max", memory_bytes), ("memory.swap.max", 0)] if "memory" in wanted else []) + (
            [("pids.max", max_pids)] if "pids" in wanted else [])
        if _make(path, settings, optional={"memory.swap.max"}):
            return Cgroups([path], memory="memory" in wanted, pids="pids" in wanted)
    return Cgroups()


def _v2_bases() -> list[Path]:
    """Where a v2 cgroup could be made: the unified root, then the one this process is in."""
    bases = []
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        if (mount / "cgroup.subtree_control").exists():
            bases.append(mount)
            for line in _read(Path("/proc/self/cgroup")).splitlines():
                if line.startswith("0::"):
                    bases.append(mount / line[3:].strip().lstrip("/"))
    return [b for b in bases if os.access(b, os.W_OK)]


def _make(path: Path, settings: list, optional=frozenset()) -> bool:
    try:
        path.mkdir(parents=True)
    except OSError:
        return False
    try:
        for name, value in settings:
            try:
                (path / name).write_text(str(value))
            except OSError:
                if name not in optional:
                    raise
        return True
    except OSError:
        with contextlib.suppress(OSError):
            path.rmdir()
        return False


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
