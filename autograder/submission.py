"""Read what a student handed in, with limits, and restore it against the source, as nbgrader does.

This is the one place a submission is read. Anything can arrive in
``submitted/<student>/<assignment>/``: a notebook, a renamed notebook, an old nbformat, a
binary file, half a JSON document, JSON nested 100,000 levels deep, a symbolic link to the
instructor's source, a cell whose nbgrader metadata is a string, a 20-digit timestamp.
Every step has a limit (size, depth, number of cells, length of a field) and every failure
is contained: a submission is either a restored notebook ready to run, with a list of what
was wrong ("flags"), or a `Rejected` with the reason it scores 0. Nothing here raises for
any input.

Restoring the notebook against the source is the next step (`autograder.restore`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np

from . import inert

MAX_BYTES = 100 * 2**20  # a notebook is graded on its code; only a hostile file is this large
MAX_DEPTH = 64  # JSON nesting (a notebook needs about 10)
MAX_CELLS = 2000  # the exercises have about 30
MAX_CODE_CHARS = 1_000_000  # of code in one notebook; the exercises' solutions are a few thousand
MAX_FILES = 64  # files in one assignment folder
NBGRADER_KEYS = {"grade": bool, "solution": bool, "locked": bool, "task": bool, "grade_id": str,
                 "points": (int, float), "schema_version": int, "cell_type": str, "checksum": str}
_ID_SYNTAX = set("<>&\"'`\\")  # characters of HTML and JavaScript syntax, refused in student ids
_ESCAPE = re.compile(rb"\\.", re.S)  # a backslash escape: removed first, so that strings match in linear time
_STRING = re.compile(rb'"[^"]*"')  # a JSON string once its escapes are gone
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # a surrogate escape; json.loads pairs the valid ones


@dataclass
class Rejected:
    """A submission that cannot be graded; it scores 0 for this reason."""

    reason: str


# ---------------------------------------------------------------------- the folder


def id_problem(name: str) -> str:
    """Why a folder name cannot be a student id ("" if it can).

    The id is shown by nbgrader's formgrader, whose templates do not escape it: a name with
    HTML or JavaScript syntax in it would run as the instructor there. So are refused: names
    that are not UTF-8, that start with a dot or with or end in white space, and that hold
    control or formatting characters or any of < > & " ' ` \\.
    """
    if not name or name != name.strip():
        return "it is empty or starts or ends with white space"
    if name.startswith("."):
        return "it starts with a dot (a hidden folder)"
    for ch in name:
        if unicodedata.category(ch) == "Cs":
            return "it is not valid UTF-8"
        if unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029":
            return f"it holds the control or formatting character U+{ord(ch):04X}"
        if ch in _ID_SYNTAX:
            return f"it holds {ch!r}, which nbgrader's formgrader would read as HTML or JavaScript"
    return ""


def is_real_dir(path: Path) -> bool:
    """A directory that is not a symbolic link."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def regular_files(folder: Path) -> list[Path]:
    """The regular files (not links, devices, folders) directly in `folder`, sorted, at most MAX_FILES."""
    if not is_real_dir(folder):
        return []
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    found.append(Path(entry.path))
                if len(found) >= MAX_FILES:
                    break
    except OSError:
        return []
    return sorted(found)


def locate(folder: Path, notebook: str) -> tuple[Path | None, list[str]]:
    """The file to grade as `<notebook>.ipynb` in a student's folder, and flags about it.

    Links and other non-regular files are never followed or read. A single other
    ``.ipynb`` stands in for a missing, misnamed one (and is flagged).
    """
    expected = folder / f"{notebook}.ipynb"
    if os.path.lexists(expected) and not stat.S_ISREG(os.lstat(expected).st_mode):
        return None, [f"{expected.name} is not a regular file (a link or a folder), so it was not read"]
    files = regular_files(folder)
    if expected in files:
        return expected, []
    others = [p for p in files if p.suffix == ".ipynb"]
    if len(others) == 1:
        return others[0], [f"graded {inert.plain(others[0].name, 80)} as {expected.name} (wrong file name)"]
    if others:
        names = ", ".join(inert.plain(p.name, 80) for p in others[:5])
        return None, [f"no {expected.name} (found {names}; which one is it?)"]
    return None, [f"no {expected.name} was submitted"]


def digest(folder: Path) -> str:
    """SHA-256 over the names and bytes of the folder's regular files: what was submitted."""
    h = hashlib.sha256()
    for path in regular_files(folder):
        data = _read_bytes(path, MAX_BYTES)
        h.update(path.name.encode("utf-8", "surrogateescape") + b"\0" + (data if data is not None else b"?") + b"\0")
    return h.hexdigest()


def timestamp(folder: Path) -> datetime | None:
    """The submission time in ``timestamp.txt`` (nbgrader's convention), or None if absent or unreadable."""
    from nbgrader.utils import parse_utc

    data = _read_bytes(folder / "timestamp.txt", 256)
    if not data or len(data) > 256:
        return None
    try:
        ts = parse_utc(data.decode("utf-8").strip())
    except Exception:  # noqa: BLE001 - any text can be in the file: overflowing numbers, garbage
        return None
    return ts if 1970 <= ts.year <= 9000 else None  # far from datetime's limits, in any time zone


def _read_bytes(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file (never through a link), or None; at most `limit` + 1 bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------- the notebook


def json_depth(raw: bytes) -> int:
    """Deepest nesting of brackets and braces outside strings (in C speed, for any size)."""
    skeleton = np.frombuffer(_STRING.sub(b'""', _ESCAPE.sub(b"", raw)), dtype=np.uint8)
    steps = np.isin(skeleton, (ord("["), ord("{"))).astype(np.int32) - np.isin(skeleton, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max()) if steps.size else 0


def read(path: Path) -> nbformat.NotebookNode | Rejected:
    """Parse a file as a notebook of nbformat 4 (older formats are converted), within every limit."""
    name = inert.plain(path.name, 80)
    raw = _read_bytes(path, MAX_BYTES)
    if raw is None:
        return Rejected(f"{name} could not be read")
    if len(raw) > MAX_BYTES:
        return Rejected(f"{name} is larger than {MAX_BYTES // 2**20} MB, which no notebook of this course needs")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Rejected(f"{name} is not a text file (is it a notebook saved in another format?)")
    if json_depth(raw) > MAX_DEPTH:
        return Rejected(f"{name} is nested more than {MAX_DEPTH} levels deep, which no notebook is")
    try:
        data = json.loads(text)
        if _LONE_SURROGATE.search(text):
            data = _encodable(data)
    except (ValueError, RecursionError) as exc:
        where = f" ({exc.msg} at line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        return Rejected(f"{name} is not valid JSON{where}: the file is damaged")
    if not isinstance(data, dict) or "nbformat" not in data or not isinstance(data.get("cells", data.get("worksheets")), list):
        return Rejected(f"{name} is JSON but not a Jupyter notebook")
    cells = data.get("cells") or [c for w in data.get("worksheets", []) if isinstance(w, dict)
                                  for c in w.get("cells", []) if isinstance(w.get("cells"), list)]
    if len(cells) > MAX_CELLS:
        return Rejected(f"{name} has {len(cells)} cells; notebooks of more than {MAX_CELLS} cells are not graded")
    damaged = _normalise(data) if data.get("nbformat") == 4 else 0  # before nbformat's own code sees it
    for sheet in data.get("worksheets", []) if isinstance(data.get("worksheets"), list) else []:
        for cell in sheet.get("cells", []) if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list) else []:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                cell["outputs"] = []  # old format: saved outputs go before conversion, too
    try:
        with warnings.catch_warnings():  # nbformat's notes on ids it repairs are about the student's file, not for the terminal
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(data), as_version=4)
            if data.get("nbformat") != 4:
                damaged = _normalise(nb)
            nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for malformed input
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Rejected(f"{name} is not a valid notebook: {inert.plain(first, 200)}")
    code = sum(len(c.source) for c in nb.cells if c.cell_type == "code")
    if code > MAX_CODE_CHARS:
        return Rejected(f"{name} has {code:,} characters of code; notebooks of more than {MAX_CODE_CHARS:,} are not graded")
    meta = nb.metadata.setdefault("autograder", {})
    if data.get("nbformat") != 4:
        meta["converted_from"] = data.get("nbformat") if isinstance(data.get("nbformat"), int) else "?"
    if damaged:
        meta["damaged_metadata"] = damaged
    return nb


def _encodable(value):
    """JSON data with every lone surrogate replaced (UTF-8 cannot encode one: writing it would
    fail). Its depth is bounded: `read` measured it first."""
    if isinstance(value, str):
        return inert.encodable(value)
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    if isinstance(value, dict):
        return {inert.encodable(k): _encodable(v) for k, v in value.items()}
    return value


def _normalise(data: dict) -> int:
    """Clear saved outputs and drop metadata nbgrader's code cannot take; returns how many cells were damaged."""
    damaged = 0
    if not isinstance(data.get("metadata"), dict):
        data["metadata"] = {}
    for cell in data.get("cells", []):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        meta = cell.get("metadata")
        if not isinstance(meta, dict):
            cell["metadata"], damaged = {}, damaged + 1
            continue
        if "nbgrader" not in meta:
            continue
        clean = _clean_grading(meta["nbgrader"])
        if clean is None:
            del meta["nbgrader"]
            damaged += 1
        elif clean != meta["nbgrader"]:
            meta["nbgrader"] = clean
            damaged += 1
    return damaged


def _clean_grading(grading) -> dict | None:
    """The nbgrader metadata of a cell with only known keys of the right types (None if unusable)."""
    if not isinstance(grading, dict):
        return None
    clean = {}
    for key, value in grading.items():
        kind = NBGRADER_KEYS.get(key)
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100
        elif kind == (int, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1e6
        else:
            ok = kind is str and isinstance(value, str) and len(value) <= 200
        if ok:
            clean[key] = value
    if not _good_id(clean.get("grade_id")):
        return None
    if "grade_id" not in clean and any(clean.get(k) for k in ("grade", "solution", "locked", "task")):
        return None  # nbgrader cannot handle a graded or locked cell without an id
    return clean


def _good_id(value) -> bool:
    return value is None or (isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", value) is not None)
