"""Which installed packages the sandbox shows: the course's allow-list and what IPython needs.

The sandbox does not scan student code for imports; it shows only some files. Every
site-packages (or dist-packages) directory of this Python is replaced by an empty one, and
the files of the allowed distributions, and of the distributions they depend on, are bound
back read-only. A package that is not shown cannot be imported, whatever the code does
(``sys.path`` tricks included: the files are not there).
"""
from __future__ import annotations

import functools
import glob
import importlib.metadata as metadata
import os
import re
import site
import sys
from pathlib import Path

# What the sandbox's own process needs, whatever the course allows: the IPython shell that
# runs the cells (and so its dependencies).
KERNEL = ("ipython",)
# Never shown, even if a course lists them: the reference and the grader itself.
FORBIDDEN = {"batchnorm-course", "solutions", "autograder"}


class PackageError(ValueError):
    """An allow-list names a package that is not installed or may not be shown."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def site_dirs() -> list[str]:
    """Every directory this Python (or the system's) may import installed packages from."""
    found = set(site.getsitepackages()) | {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    for prefix in {sys.prefix, sys.base_prefix, "/usr", "/usr/local"}:
        for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages",
                        "lib64/python3*/site-packages"):
            found.update(glob.glob(os.path.join(prefix, pattern)))
    return sorted({os.path.realpath(p) for p in found if os.path.isdir(p)})


@functools.lru_cache(maxsize=16)
def closure(allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The allowed distributions, IPython, and everything they require (canonical names)."""
    from packaging.requirements import Requirement

    todo = [canonical(n) for n in (*KERNEL, *allowed)]
    for name in todo:
        if name in FORBIDDEN:
            raise PackageError(f"{name!r} cannot be made available to student code (it is the reference or the grader)")
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if name in {canonical(n) for n in (*KERNEL, *allowed)}:
                raise PackageError(f"package {name!r} is in the allow-list but not installed") from None
            continue  # an optional dependency that is not installed
        seen.add(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonical(req.name))
    return tuple(sorted(seen))


@functools.lru_cache(maxsize=16)
def shown_paths(allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Files and folders to bind into the emptied site directories, for `closure(allowed)`."""
    dirs = site_dirs()
    paths: set[str] = set()
    for name in closure(allowed):
        dist = metadata.distribution(name)
        base = os.path.realpath(str(dist.locate_file("")))
        if base not in dirs:
            continue  # not installed in a site directory (e.g. an editable checkout): nothing to show
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        tops |= {t.strip() for t in (dist.read_text("top_level.txt") or "").split()}
        for top in tops:
            for candidate in (top, f"{top}.py"):
                path = os.path.join(base, candidate)
                if os.path.exists(path) and not candidate.endswith(".pth"):
                    paths.add(path)
    return tuple(sorted(paths))
