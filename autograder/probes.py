"""Probes: run a short script of calls against a namespace and record what comes back.

A probe is how the grader asks a student's code a question. The same script runs twice:
in the student's sandboxed process, against the student's namespace, and in the grader's
process, against the reference (and against known wrong implementations, to name a likely
mistake). `autograder.verdict` then compares the recordings.

This module runs inside the sandbox (bound next to `autograder.executor`), so it imports
nothing but the standard library and numpy, and never the reference. The recording is the
student's *answer* and nothing else: plain arrays keyed "<step id>.<name>", encoded as an
uncompressed .npz that the grader decodes with ``allow_pickle=False``. Which steps count,
and which keys must be there, the grader decides from its own copy of the script
(`autograder.verdict.validate`); a recording can only be right or wrong, never tell the
grader what to check. The sandbox receives only the fields that run a step (`executable`):
no labels, expected errors or tolerances that would say what an answer should look like.

Script format (JSON-compatible, built by `autograder.checks`)::

    {"steps": [
        {"id": "fwd", "call": "batchnorm_forward", "args": ["@x", "@gamma", "@beta"],
         "save": ["out", "cache"], "record": ["out"], "watch": true},
        {"id": "bwd", "call": "batchnorm_backward", "args": ["@dout", "$cache"],
         "save": ["dx", "dgamma", "dbeta"], "record": ["dx", "dgamma", "dbeta"]},
        {"id": "new", "call": "BatchNorm1d", "args": [3], "save": "bn"},
        {"id": "g", "set": "$bn", "name": "gamma", "value": "@gamma"},
        {"id": "a1", "attrs": "$bn", "names": ["running_mean", "training"]},
        {"id": "same", "is": ["$r", "$bn"]}
    ]}

Arguments: "@name" is a fresh copy of input array `name`; "$name" a value saved by an
earlier step; anything else is a literal. A call records each name in "record"
("<id>.<name>"), and with ``"watch": true`` each "@" argument after the call
("<id>.arg<i>", to catch functions that modify their input). A step whose call raises
records "<id>.error" and "<id>.error_types" (the exception's class names); a step that
needs a value a failed step should have saved records "<id>.skipped".
"""
import base64
import io
import zipfile

import numpy as np

MAX_ERROR_CHARS = 500


EXECUTABLE = ("id", "call", "args", "kwargs", "record", "save", "watch", "attrs", "names", "is", "set", "name", "value")


def executable(script: dict) -> dict:
    """`script` with only the fields `run` needs: what the student's process is sent."""
    return {"steps": [{k: v for k, v in step.items() if k in EXECUTABLE} for step in script["steps"]]}


class _Missing(Exception):
    """A step needs a value that an earlier, failed step should have saved."""


def _resolve(value, arrays, saved):
    if isinstance(value, str) and value.startswith("@"):
        return np.array(arrays[value[1:]], copy=True)
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in saved:
            raise _Missing(value[1:])
        return saved[value[1:]]
    if isinstance(value, list):
        return [_resolve(v, arrays, saved) for v in value]
    return value


def _target(name, ns, saved):
    """A callable: a name in the namespace, or "$obj.method"."""
    if name.startswith("$"):
        obj_name, _, method = name[1:].partition(".")
        if obj_name not in saved:
            raise _Missing(obj_name)
        return getattr(saved[obj_name], method)
    if name not in ns:
        raise NameError(f"name '{name}' is not defined")
    return ns[name]


def as_record(value):
    """A numpy array of numbers or booleans for the recording, or a str saying why not."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - the student's object may raise anything
        return f"returned {type(value).__name__}, which is not an array ({type(exc).__name__})"
    if arr.dtype.kind not in "biuf":
        return f"returned {type(value).__name__} of dtype {arr.dtype}, not an array of numbers"
    return np.array(arr, copy=True)


def _error(out, sid, exc):
    out[f"{sid}.error"] = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    out[f"{sid}.error_types"] = ",".join(c.__name__ for c in type(exc).__mro__)


def run(script, arrays, ns):
    """Run `script` (a dict with "steps") against namespace `ns`; return the recording dict."""
    out: dict = {}
    saved: dict = {}
    for step in script["steps"]:
        sid = step["id"]
        try:
            if "attrs" in step:
                obj = _resolve(step["attrs"], arrays, saved)
                for attr in step["names"]:
                    try:
                        out[f"{sid}.{attr}"] = as_record(getattr(obj, attr))
                    except Exception as exc:  # noqa: BLE001
                        out[f"{sid}.{attr}"] = f"missing attribute: {type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
                continue
            if "is" in step:
                a, b = (_resolve(v, arrays, saved) for v in step["is"])
                out[f"{sid}.is"] = np.array(a is b)
                continue
            if "set" in step:
                setattr(_resolve(step["set"], arrays, saved), step["name"], _resolve(step["value"], arrays, saved))
                out[f"{sid}.ok"] = np.array(True)
                continue
            args = [_resolve(a, arrays, saved) for a in step.get("args", [])]
            kwargs = {k: _resolve(v, arrays, saved) for k, v in step.get("kwargs", {}).items()}
            fn = _target(step["call"], ns, saved)
        except _Missing:
            out[f"{sid}.skipped"] = np.array(True)
            continue
        except Exception as exc:  # noqa: BLE001 - a missing name or attribute is the student's
            _error(out, sid, exc)
            continue
        try:
            with np.errstate(all="ignore"):
                result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - recording the student's exception is the point
            _error(out, sid, exc)
            continue
        if step.get("watch"):
            for i, (spec, arg) in enumerate(zip(step.get("args", []), args)):
                if isinstance(spec, str) and spec.startswith("@"):
                    out[f"{sid}.arg{i}"] = np.array(arg, copy=True)
        names = step.get("save")
        if isinstance(names, str):
            saved[names] = result
        elif names:
            try:
                values = tuple(result)
            except TypeError:
                values = None
            if values is None or len(values) != len(names):
                got = f"{len(values)} values" if values is not None else type(result).__name__
                out[f"{sid}.error"] = f"returned {got}; expected {len(names)} values: ({', '.join(names)})"
                out[f"{sid}.error_types"] = "ReturnShapeError"
                continue
            saved.update(zip(names, values))
        for name in step.get("record", []):
            out[f"{sid}.{name}"] = as_record(saved[name])
    return {k: (np.array(v) if isinstance(v, str) else v) for k, v in out.items()}


def encode(recording):
    """dict of arrays -> base64 text of an uncompressed .npz (no pickles)."""
    buf = io.BytesIO()
    np.savez(buf, **recording)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode(text, max_bytes=16 * 2**20, max_members=4096):
    """Inverse of `encode`, for untrusted input: size-capped, no pickles, stored members only."""
    if not isinstance(text, str) or len(text) > max_bytes * 4 // 3 + 4:
        raise ValueError(f"result larger than {max_bytes} bytes")
    raw = base64.b64decode(text, validate=True)
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        members = zf.infolist()
        if len(members) > max_members:
            raise ValueError(f"result with {len(members)} entries")
        total = 0
        for info in members:
            total += info.file_size
            if info.compress_type != zipfile.ZIP_STORED or total > max_bytes or not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename[:80]!r} in result")
            arr = np.load(io.BytesIO(zf.read(info)), allow_pickle=False)
            if arr.dtype.kind not in "biufU":
                raise ValueError(f"unexpected dtype {arr.dtype} in result")
            arrays[info.filename[:-4]] = arr
    return arrays
