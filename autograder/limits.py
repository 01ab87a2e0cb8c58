"""Apply resource limits, drop root, then exec a command: the first link of the sandbox.

    python -m autograder.limits --memory-mb 2048 --cpu-seconds 300 --file-mb 64 \
        --nproc 256 [--user 65534] -- bwrap ... python -m ipykernel_launcher -f ...

The kernel manager starts this instead of the kernel; it sets the limits that the kernel
inherits and replaces itself with the command (no process stays behind). When the grader
runs as root it also switches to an unprivileged user first, so that the sandbox owns
nothing on the host and RLIMIT_NPROC (which root ignores) bounds fork bombs.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys

NOBODY = 65534


def apply_limits(memory_mb: int, cpu_seconds: int, file_mb: int, nproc: int, user: int | None) -> None:
    """Set RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_CORE (and NPROC) for this process and its children."""
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * mb, memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * mb, file_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if user is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(user)
        os.setuid(user)
    if os.geteuid() != 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.limits", description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--nproc", type=int, required=True)
    parser.add_argument("--user", type=int, default=None, help="uid (and gid) to switch to when started as root")
    parser.add_argument("--cgroup", default=None, help="cgroup directory to join first (see autograder.cgroup)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if args.cgroup:
        from .cgroup import join

        join(args.cgroup)
    apply_limits(args.memory_mb, args.cpu_seconds, args.file_mb, args.nproc, args.user)
    os.execvp(command[0], command)


if __name__ == "__main__":
    sys.exit(main())
