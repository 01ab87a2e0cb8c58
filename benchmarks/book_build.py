"""Time a full build of the book from scratch and a rebuild with nothing changed.

    python benchmarks/book_build.py

Works on a copy of the repository's files (tracked and untracked, not ignored) in a temporary
folder, so your _build/ is untouched. Goals on 2 cores: full build at most 180 s, no-change
rebuild at most 20 s (the execution cache in _build/.jupyter_cache means a rebuild executes
nothing). Prints both times and their ratio, and each lesson's execution time.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build(folder: Path) -> float:
    start = time.monotonic()
    result = subprocess.run(["jupyter-book", "build", ".", "-W", "-n", "--keep-going"], cwd=folder,
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit("the build failed")
    return time.monotonic() - start


def lesson_times(folder: Path) -> list[tuple[str, float]]:
    """(page, seconds) from the execution cache's records."""
    from jupyter_cache import get_cache

    cache = get_cache(folder / "_build" / ".jupyter_cache")
    rows = [(Path(r.uri).relative_to(folder).as_posix(), r.data.get("execution_seconds", 0.0))
            for r in cache.list_cache_records()]
    return sorted(rows, key=lambda row: -row[1])


def main() -> int:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    with tempfile.TemporaryDirectory(prefix="book-benchmark-") as tmp:
        work = Path(tmp)
        for name in files:
            if (REPO / name).is_file():
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, work / name)
        full = build(work)
        again = build(work)
        print(f"full build:        {full:6.1f} s (goal <= 180 s)")
        print(f"no-change rebuild: {again:6.1f} s (goal <= 20 s)")
        print(f"full / rebuild:    {full / again:6.1f}x")
        for page, seconds in lesson_times(work):
            print(f"  {seconds:5.1f} s  {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
