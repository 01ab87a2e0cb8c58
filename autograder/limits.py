"""The sandbox's first link: join cgroups, stage directories, drop root, set limits, exec.

    python autograder/limits.py --memory-mb 2048 --file-mb 64 [--nproc 256] [--user 65534] \
        [--cgroup DIR ...] [--stage SRC=DEST ...] -- bwrap ... python executor.py

The template is started through this instead of directly; it replaces itself with the
command (no process stays behind), which inherits everything set here:

- ``--cgroup``: join these cgroups first, so every process of the sandbox is counted;
- ``--stage``: as root, in a private mount namespace, bind each SRC onto the empty folder
  DEST, so that the unprivileged user can reach a directory it could not (e.g. a virtualenv
  under /root); bubblewrap then binds DEST back to SRC inside the sandbox;
- ``--user``: as root, switch to this uid and gid (and no supplementary groups);
- limits on address space, file size and core dumps (and on the number of processes of the
  user where no pids cgroup caps the sandbox). CPU time is limited per notebook, by the child.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import resource

NOBODY = 65534
CLONE_NEWNS, MS_BIND, MS_REC, MS_PRIVATE, MS_RDONLY, MS_REMOUNT = 0x00020000, 4096, 16384, 1 << 18, 1, 32


def stage(pairs: list[tuple[str, str]]) -> None:
    """Bind each source onto its destination folder in a new, private mount namespace."""
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result, what):
        if result != 0:
            raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")

    check(libc.unshare(CLONE_NEWNS), "unshare")
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    for src, dest in pairs:
        os.makedirs(dest, exist_ok=True)
        check(libc.mount(src.encode(), dest.encode(), None, MS_BIND | MS_REC, None), f"bind {src}")


def apply_limits(memory_mb: int, file_mb: int, nproc: int | None, user: int | None) -> None:
    """Drop to `user` (as root) and set RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_CORE (and RLIMIT_NPROC)."""
    mb = 1 << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * mb, memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * mb, file_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if user is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(user)
        os.setuid(user)
    if nproc and os.geteuid() != 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.limits", description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--nproc", type=int, default=None, help="RLIMIT_NPROC, where no pids cgroup is used")
    parser.add_argument("--user", type=int, default=None, help="uid (and gid) to switch to when started as root")
    parser.add_argument("--cgroup", action="append", default=[], help="cgroup directory to join (repeatable)")
    parser.add_argument("--stage", action="append", default=[], metavar="SRC=DEST", help="bind SRC onto DEST (root)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    for path in args.cgroup:
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    if args.stage:
        stage([tuple(pair.split("=", 1)) for pair in args.stage])
    apply_limits(args.memory_mb, args.file_mb, args.nproc, args.user)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
