"""Probes: run a short script of calls against a namespace and record what comes back.

A probe is how the grader asks a student's code a question. The same script runs twice:
in the student's sandboxed kernel, against the student's namespace, and in the grader's
process, against the reference. `autograder.verdict` then compares the two recordings.

This module is sent, as source text, into the student's kernel, so it imports nothing but
the standard library and numpy, and it never imports the reference. Everything it returns
is plain data: a dict of numpy arrays (numbers, booleans or strings), encoded as an
uncompressed .npz blob that the grader decodes with ``allow_pickle=False``.

Script format (JSON-compatible, built by `autograder.checks`)::

    {"steps": [
        {"id": "fwd", "call": "batchnorm_forward", "args": ["@x", "@gamma", "@beta"],
         "save": ["out", "cache"], "record": ["out"], "watch": true},
        {"id": "bwd", "call": "batchnorm_backward", "args": ["@dout", "$cache"],
         "save": ["dx", "dgamma", "dbeta"], "record": ["dx", "dgamma", "dbeta"]},
        {"id": "new", "call": "BatchNorm1d", "args": [3], "save": "bn"},
        {"id": "s1", "call": "$bn.forward", "args": ["@x1"], "save": "y", "record": ["y"]},
        {"id": "a1", "attrs": "$bn", "names": ["running_mean", "training"]},
        {"id": "e", "call": "$bn.eval", "save": "r"},
        {"id": "same", "is": ["$r", "$bn"]}
    ]}

Arguments: "@name" is a fresh copy of input array `name`; "$name" a value saved by an
earlier step; anything else is a literal. Recorded keys are "<id>.<name>"; a step whose
call raises records "<id>.error" ("Type: message") and "<id>.error_types" (the exception's
class and base class names); steps that need a value a failed step should have saved
record "<id>.skipped". With ``"watch": true`` the array arguments are recorded after the
call as "<id>.arg<i>", to catch functions that modify their input.
"""
import base64
import io
import zipfile

import numpy as np

MAX_ERROR_CHARS = 500


class _Missing(Exception):
    """A step needs a value that an earlier, failed step should have saved."""


def _resolve(value, arrays, saved):
    if isinstance(value, str) and value.startswith("@"):
        return np.array(arrays[value[1:]], copy=True)
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in saved:
            raise _Missing(name)
        return saved[name]
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


def _as_record(value):
    """numpy array of numbers/booleans for the recording, or a str describing why not."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - the student's object may raise anything
        return f"returned {type(value).__name__}, which is not an array ({type(exc).__name__})"
    if arr.dtype.kind not in "biuf":
        return f"returned {type(value).__name__} of dtype {arr.dtype}, not an array of numbers"
    return np.array(arr, copy=True)


def _error_text(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_CHARS]


def run(script, arrays, ns):
    """Run `script` (a dict with "steps") against namespace `ns`; return the recording dict."""
    out, saved = {}, {}
    for step in script["steps"]:
        sid = step["id"]
        try:
            if "attrs" in step:
                obj = _resolve(step["attrs"], arrays, saved)
                for attr in step["names"]:
                    try:
                        rec = _as_record(getattr(obj, attr))
                    except Exception as exc:  # noqa: BLE001
                        rec = "missing attribute: " + _error_text(exc)
                    out[f"{sid}.{attr}"] = rec
                continue
            if "is" in step:
                a, b = (_resolve(v, arrays, saved) for v in step["is"])
                out[f"{sid}.is"] = np.array(a is b)
                continue
            fn = _target(step["call"], ns, saved)
            args = [_resolve(a, arrays, saved) for a in step.get("args", [])]
            kwargs = {k: _resolve(v, arrays, saved) for k, v in step.get("kwargs", {}).items()}
        except _Missing:
            out[f"{sid}.skipped"] = np.array(True)
            continue
        except Exception as exc:  # noqa: BLE001 - a missing name or attribute is the student's
            out[f"{sid}.error"] = np.array(_error_text(exc))
            out[f"{sid}.error_types"] = np.array(",".join(c.__name__ for c in type(exc).__mro__))
            continue
        try:
            with np.errstate(all="ignore"):
                result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - recording the student's exception is the point
            out[f"{sid}.error"] = np.array(_error_text(exc))
            out[f"{sid}.error_types"] = np.array(",".join(c.__name__ for c in type(exc).__mro__))
            continue
        if step.get("watch"):
            for i, arg in enumerate(args):
                if isinstance(arg, np.ndarray):
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
                out[f"{sid}.error"] = np.array(f"returned {got}; expected {len(names)} values: ({', '.join(names)})")
                out[f"{sid}.error_types"] = np.array("ReturnShapeError")
                continue
            saved.update(zip(names, values))
        for name in step.get("record", []):
            out[f"{sid}.{name}"] = _as_record(saved[name])
    return {k: (np.array(v) if isinstance(v, str) else v) for k, v in out.items()}


def encode(recording):
    """dict of arrays -> base64 text of an uncompressed .npz (no pickles)."""
    buf = io.BytesIO()
    np.savez(buf, **recording)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode(text, max_bytes=64 * 2**20):
    """Inverse of `encode`, for untrusted input: size-capped, no pickles, stored members only."""
    if len(text) > max_bytes * 4 // 3 + 4:
        raise ValueError(f"result larger than {max_bytes} bytes")
    raw = base64.b64decode(text, validate=True)
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if info.compress_type != zipfile.ZIP_STORED or total > max_bytes or not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename!r} in result")
            arrays[info.filename[:-4]] = np.load(io.BytesIO(zf.read(info)), allow_pickle=False)
    return arrays
