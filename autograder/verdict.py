"""The verdict: compare a student's recording with the reference's, and name the likely mistake.

This is the one module that decides whether a check passes. It runs in the grader's own
process (or, under plain nbgrader, in the kernel): the student's recording is only data.
A failing check is diagnosed by running the same probe against each known misconception
(`autograder.misconceptions`) and reporting the ones whose recording the student's matches.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from . import probes
from .misconceptions import Misconception, load_misconceptions


class GraderError(RuntimeError):
    """The grader itself is wrong (e.g. the reference failed a check): not the student's fault."""


@dataclass
class Verdict:
    """Outcome of one check."""

    name: str
    """Check name."""
    passed: bool
    """True when the student's recording matches the reference's."""
    problems: list = field(default_factory=list)
    """What differs, one sentence each."""
    causes: list = field(default_factory=list)
    """Keys of the misconceptions whose recording the student's matches."""
    message: str = ""
    """Everything above as a message for the student ("" when passed)."""


@functools.lru_cache(maxsize=1)
def reference_namespace() -> dict:
    """The reference package's public names (imported only in the grader's process)."""
    import solutions

    return {name: getattr(solutions, name) for name in solutions.__all__}


def judge_check(check, script, arrays, student, reference=None, wrong=None) -> Verdict:
    """Verdict of `check` for the `student` recording (a dict of arrays from `probes.run`).

    reference: the reference's recording (computed if None). wrong: a dict caching each
    misconception's recording for these same inputs, shared between students (or None).
    """
    if reference is None:
        reference = probes.run(script, arrays, reference_namespace())
    problems = compare(script, reference, student, check.rtol, check.atol, strict=True)
    if not problems:
        return Verdict(check.name, True)
    wrong = {} if wrong is None else wrong
    causes = [m for m in candidate_misconceptions(check)
              if _matches(m, check, script, reference, student, _recording(m, script, arrays, wrong))]
    lines = [f"{check.name} ({check.about}) failed:"] + [f"  - {p}" for p in problems[:6]]
    if len(problems) > 6:
        lines.append(f"  - ... and {len(problems) - 6} more differences")
    for m in causes:
        lines.append(f"Likely cause: {m.message}")
    return Verdict(check.name, False, problems, [m.key for m in causes], "\n".join(lines))


def candidate_misconceptions(check) -> list[Misconception]:
    return [m for m in load_misconceptions() if set(m.targets) & set(check.names)]


def _recording(m: Misconception, script, arrays, cache: dict) -> dict:
    """What misconception `m` answers to the probe (cached by its key)."""
    if m.key not in cache:
        cache[m.key] = probes.run(script, arrays, {**reference_namespace(), **m.namespace})
    return cache[m.key]


def _matches(m: Misconception, check, script, reference, student, wrong) -> bool:
    """Does the student's recording match `wrong`, what misconception `m` produces?"""
    # Only a difference in what is computed counts: every misconception also skips the
    # input validation that "expect" steps ask for, which says nothing about its mistake.
    computed = {"steps": [s for s in script["steps"] if "expect" not in s]}
    if not compare(computed, reference, wrong, check.rtol, check.atol, strict=True):
        return False  # this check cannot tell m apart from the reference
    return not compare(script, wrong, student, check.rtol, check.atol, strict=False)


def compare(script, expected, actual, rtol, atol, strict=True) -> list[str]:
    """Sentences describing how `actual` differs from `expected`, step by step.

    strict: `expected` is the reference, so an error it raises is a grader bug, and steps
    marked "expect" require the error the contract asks for. Otherwise (matching a
    misconception) the two recordings only have to raise, or not raise, alike.
    """
    problems = []
    for step in script["steps"]:
        sid, label = step["id"], step.get("label", step["id"])
        if f"{sid}.skipped" in actual:
            continue  # an earlier failure already explains it
        exp_err, act_err = _text(expected.get(f"{sid}.error")), _text(actual.get(f"{sid}.error"))
        if strict and "expect" in step:
            problems += _expected_error(step, label, act_err, actual.get(f"{sid}.error_types"))
            continue
        if strict and (exp_err is not None or f"{sid}.skipped" in expected):
            raise GraderError(f"the reference failed step {sid!r} ({label}): {exp_err}")
        if exp_err is not None or act_err is not None:
            if (exp_err is None) != (act_err is None):
                problems.append(f"{label} raised {act_err}{_hint(act_err)}" if act_err else f"{label} returned normally")
            elif _text(expected.get(f"{sid}.error_types")).split(",")[0] != _text(actual.get(f"{sid}.error_types")).split(",")[0]:
                problems.append(f"{label} raised {act_err}, not {exp_err}")
            continue
        for key in sorted(k for k in expected if k.startswith(f"{sid}.")):
            what = _describe(step, key, label)
            if key not in actual:
                problems.append(f"{what}: nothing was recorded")
                continue
            problem = _compare_value(what, expected[key], actual[key], rtol, atol)
            if problem:
                problems.append(problem)
    return problems


def _expected_error(step, label, act_err, act_types):
    expect = step["expect"]
    if act_err is None:
        return [f"{label} should raise {' or '.join(expect)}, but it returned normally"]
    types = _text(act_types).split(",") if act_types is not None else []
    if not any(t in types for t in expect):
        return [f"{label} should raise {' or '.join(expect)}; it raised {act_err}{_hint(act_err)}"]
    mentions = step.get("mentions")
    if mentions and not re.search(rf"(?<![A-Za-z0-9_]){re.escape(mentions)}(?![A-Za-z0-9_])", act_err):
        return [f"{label} raised {act_err}, but the message should name the argument '{mentions}' "
                "(and say which shape was expected)"]
    return []


def _describe(step, key, label):
    name = key.split(".", 1)[1]
    if name.startswith("arg") and name[3:].isdigit():
        arg = step["args"][int(name[3:])]
        return f"after {label}, its argument {arg.lstrip('@$')}"
    if "attrs" in step:
        return f"{step['attrs'].lstrip('$')}.{name} ({label})"
    return f"{name} from {label}"


def _compare_value(what, exp, act, rtol, atol):
    exp, act = np.asarray(exp), np.asarray(act)
    if exp.dtype.kind == "U":
        return None if act.dtype.kind == "U" and str(act) == str(exp) else f"{what} is {_short(act)}, expected {exp}"
    if act.dtype.kind == "U":
        return f"{what}: {act}"
    if act.shape != exp.shape:
        return f"{what} has shape {act.shape}, expected {exp.shape}"
    if exp.dtype.kind in "biu":
        if act.dtype.kind not in "biuf" or not np.array_equal(act, exp):
            return f"{what} is {_short(act)}, expected {_short(exp)}"
        return None
    if act.dtype != exp.dtype:
        why = {"float32": " (float32 input must stay float32)", "float64": " (integer or float64 input computes in float64)"}
        return f"{what} has dtype {act.dtype}, expected {exp.dtype}{why.get(str(exp.dtype), '')}"
    act64, exp64 = act.astype(np.float64), exp.astype(np.float64)
    finite = np.isfinite(exp64)
    scale = max(1.0, float(np.abs(exp64[finite]).max())) if finite.any() else 1.0
    ok = np.isclose(act64, exp64, rtol=rtol, atol=atol * scale, equal_nan=True)
    if ok.all():
        return None
    diff = np.where(ok, 0.0, np.abs(np.nan_to_num(act64 - exp64, nan=np.inf)))
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if idx else ""
    return (f"{what} is wrong in {int((~ok).sum())} of {ok.size} values; the largest difference is"
            f"{where}: got {act64[idx]:.6g}, expected {exp64[idx]:.6g}")


def _short(a):
    a = np.asarray(a)
    text = np.array2string(a, precision=4, threshold=8, edgeitems=2) if a.ndim else str(a)
    return text if len(text) < 120 else text[:117] + "..."


def _text(v):
    return None if v is None else str(np.asarray(v))


def _hint(err):
    if err is None:
        return ""
    if err.startswith("NotImplementedError"):
        return " (it still raises NotImplementedError: replace that line with your code)"
    m = re.match(r"NameError: name '(\w+)' is not defined", err)
    if m:
        return f" ({m.group(1)} is not defined: run the cell that defines it and check the spelling)"
    if err.startswith("TypeError") and ("argument" in err or "positional" in err):
        return " (check the signature against the one given in the exercise)"
    return ""
