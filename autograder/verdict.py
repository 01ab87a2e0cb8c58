"""The verdict: compare a student's recording with the reference's, and name the likely mistake.

This is the one module that decides whether a check passes. It runs in the grader's own
process (or, under plain nbgrader, in the kernel). The student's recording is an answer and
nothing else:

1. `validate`: the grader's own copy of the script says which keys every step must have
   recorded (its values, or its error, or "skipped" where a step it depends on failed);
   a recording with a key missing or one too many is rejected whole, so a student cannot
   make the grader skip a step, drop a comparison or add a verdict.
2. `compare`: every judged step is compared with the reference, with the check's (or the
   step's) tolerances; a judged step that could not run is a failure, never a pass.
3. Tolerated mistakes of other cells (`Check.tolerated`): the answer passes if it is
   exactly what that known mistake gives, context steps included (see `autograder.checks`);
   errors the contract requires must still be raised, with their message. A cell about a
   function built on another also passes if its answer is what a correct composition gives
   on the student's own, differing, base answers (`Check.composed`).
4. Diagnosis: a failing answer is compared with what each known mistake gives on the same
   inputs (`autograder.misconceptions`); those it matches are named, as many as match.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from . import probes
from .misconceptions import Misconception, by_key, load_misconceptions


class GraderError(RuntimeError):
    """The grader itself is wrong (e.g. the reference failed a check): not the student's fault."""


@dataclass
class Verdict:
    """Outcome of one check."""

    name: str
    """Check name (never shown to students)."""
    about: str
    """What the check asks, in the students' words."""
    passed: bool
    problems: list = field(default_factory=list)
    """What differs, one sentence each."""
    causes: list = field(default_factory=list)
    """Keys of the misconceptions whose answer the student's matches."""
    message: str = ""
    """Everything above as a message for the student ("" when passed)."""
    tolerated: str = ""
    """The other cell's mistake this answer was accepted with ("" if none)."""


@functools.lru_cache(maxsize=1)
def reference_namespace() -> dict:
    """The reference package's public names (imported only in the grader's process)."""
    import solutions

    return {name: getattr(solutions, name) for name in solutions.__all__}


def mistake_namespace(m: Misconception) -> dict:
    return {**reference_namespace(), **m.namespace}


def judge_check(check, script, arrays, student, reference=None, wrong=None) -> Verdict:
    """Verdict of `check` for the `student` recording (a dict of arrays from `probes.run`).

    reference: the reference's recording (computed if None). wrong: a dict caching each
    misconception's recording for these same inputs (filled as needed), or None.
    """
    if reference is None:
        reference = probes.run(script, arrays, reference_namespace())
    wrong = {} if wrong is None else wrong

    def answer_of(m):
        if m.key not in wrong:
            wrong[m.key] = probes.run(script, arrays, mistake_namespace(m))
        return wrong[m.key]

    structure = validate(script, student)
    if structure:
        return _failed(check, structure, [], "The answer your code sent back was incomplete or altered, "
                       "so nothing could be compared.")
    problems = compare(script, reference, student, check, judged_only=True, student_rec=student)
    if not problems:
        return Verdict(check.name, check.about, True)
    for key in check.tolerated():
        m = by_key(key)
        if m is not None and not compare(script, answer_of(m), student, check, judged_only=False, strict=False,
                                         student_rec=student, contract_errors=True):
            return Verdict(check.name, check.about, True, tolerated=key)
    if check.composed is not None and built_on_own_base(check, script, arrays, reference, student):
        return Verdict(check.name, check.about, True, tolerated=OWN_BASE)
    causes = [m for m in candidates(check)
              if compare(script, reference, answer_of(m), check, judged_only=True, student_rec=answer_of(m))
              and not compare(script, answer_of(m), student, check, judged_only=True, strict=False, student_rec=student)]
    return _failed(check, problems, causes)


OWN_BASE = "own base"
"""`Verdict.tolerated` of an answer accepted as a correct composition on the student's own base."""


def built_on_own_base(check, script, arrays, reference, student) -> bool:
    """Whether the judged answers are what a correct composition gives on the student's own
    base answers, where those differ from the reference's: the base's mistake is charged in
    the base's own cells, not again here."""
    context = {"steps": [s for s in script["steps"] if s.get("context")]}
    if not compare(context, reference, student, check, judged_only=False, strict=False):
        return False  # the base answers as the reference does: there is nothing to forgive
    try:
        with np.errstate(all="ignore"):
            expected = check.composed(arrays, student)
    except (KeyError, ValueError, TypeError, IndexError):  # a base that raised, or answered in the wrong shape
        return False
    if expected is None or any(np.size(v) != np.size(reference.get(k)) for k, v in expected.items()):
        return False  # the base's answers cannot tell the idea apart, or are not of the size asked for
    return not compare(script, {**reference, **expected}, student, check, judged_only=True, strict=False,
                       student_rec=student, contract_errors=True)


def _failed(check, problems, causes, note="") -> Verdict:
    lines = [f"Failed: {check.about}."] + ([note] if note else [])
    lines += [f"  - {p}" for p in problems[:6]]
    if len(problems) > 6:
        lines.append(f"  - ... and {len(problems) - 6} more differences")
    lines += [f"Likely mistake: {m.message}" for m in causes]
    return Verdict(check.name, check.about, False, problems, [m.key for m in causes], "\n".join(lines))


def candidates(check) -> list[Misconception]:
    """Known mistakes in the functions this check asks about (other cells' mistakes excluded)."""
    tolerated = set(check.tolerated())
    return [m for m in load_misconceptions() if set(m.targets) & set(check.names) and m.key not in tolerated]


# ---------------------------------------------------------------------- structure


def _refs(value) -> set[str]:
    """Names of saved values a step argument refers to ("$name" or "$name.method")."""
    if isinstance(value, str) and value.startswith("$"):
        return {value[1:].partition(".")[0]}
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


def step_refs(step) -> set[str]:
    refs = set()
    for key in ("call", "attrs", "set", "value"):
        refs |= _refs(step.get(key))
    refs |= _refs(step.get("args", [])) | _refs(step.get("is", []))
    for v in step.get("kwargs", {}).values():
        refs |= _refs(v)
    return refs


def value_keys(step) -> set[str]:
    """The keys a step records when it succeeds."""
    sid = step["id"]
    if "attrs" in step:
        return {f"{sid}.{n}" for n in step["names"]}
    if "is" in step:
        return {f"{sid}.is"}
    if "set" in step:
        return {f"{sid}.ok"}
    keys = {f"{sid}.{n}" for n in step.get("record", [])}
    if step.get("watch"):
        keys |= {f"{sid}.arg{i}" for i, a in enumerate(step.get("args", [])) if isinstance(a, str) and a[:1] == "@"}
    return keys


def validate(script, recording) -> list[str]:
    """Problems with the *structure* of a recording, judged from the grader's own script only."""
    producer: dict[str, str] = {}
    failed: set[str] = set()
    seen: set[str] = set()
    problems: list[str] = []
    for step in script["steps"]:
        sid, label = step["id"], step.get("label", step["id"])
        keys = {k for k in recording if k.split(".", 1)[0] == sid}
        seen |= keys
        error_keys = {f"{sid}.error", f"{sid}.error_types"}
        depends_on_failure = any(producer.get(ref) in failed for ref in step_refs(step))
        if keys == value_keys(step) and not (keys & error_keys):
            pass
        elif (keys == error_keys and all(np.asarray(recording[k]).dtype.kind == "U" for k in keys)
              or keys == {f"{sid}.skipped"} and depends_on_failure):
            failed.add(sid)
        else:
            problems.append(f"the answer for {label} is missing or has unexpected entries")
        names = step.get("save")
        for name in ([names] if isinstance(names, str) else names or []):
            producer[name] = sid
    extra = set(recording) - seen
    if extra:
        problems.append(f"the answer has {len(extra)} entries that were not asked for")
    return problems


# ---------------------------------------------------------------------- values


def compare(script, expected, actual, check, judged_only=True, strict=True, student_rec=None,
            contract_errors=False) -> list[str]:
    """Sentences describing how `actual` differs from `expected`, step by step.

    judged_only: leave out context steps (comparing with the reference); otherwise compare
    them too (matching a tolerated mistake). strict: `expected` is the reference, so an
    error it raises is a grader bug, and "expect" steps require the error the contract
    asks for; otherwise the two only have to raise, or not raise, alike.
    student_rec: the recording `actual` belongs to: a step compared "same_as" another is compared
    with that recording's own earlier answer, also when matching a tolerated mistake (float
    rounding differs between two ways of writing the same mistake, a repeated call does not).
    contract_errors: "expect" steps require the contract's error even when not strict (a
    tolerated mistake forgives wrong values, never a wrong error or message).
    """
    problems: list[str] = []
    failed: dict[str, str] = {}
    producer: dict[str, str] = {}
    for step in script["steps"]:
        sid, label = step["id"], step.get("label", step["id"])
        act_err = _text(actual.get(f"{sid}.error"))
        if act_err is not None:
            failed[sid] = f"{label} raised {act_err[:160]}"
        elif f"{sid}.skipped" in actual:
            failed[sid] = next((failed[producer[r]] for r in step_refs(step) if producer.get(r) in failed),
                               "an earlier call failed")
        names = step.get("save")
        for name in ([names] if isinstance(names, str) else names or []):
            producer[name] = sid
        if step.get("context") and judged_only:
            continue
        exp_err = _text(expected.get(f"{sid}.error"))
        if f"{sid}.skipped" in actual:
            problems.append(f"{label} could not be run: {failed[sid]}")
            continue
        if (strict or contract_errors) and "expect" in step:
            problems += _expected_error(step, label, act_err, actual.get(f"{sid}.error_types"))
            continue
        if strict and (exp_err is not None or f"{sid}.skipped" in expected):
            raise GraderError(f"the reference failed step {sid!r} ({label}): {exp_err}")
        if exp_err is not None or act_err is not None:
            if (exp_err is None) != (act_err is None):
                problems.append(f"{label} raised {act_err}{_hint(act_err)}" if act_err else f"{label} returned normally")
            elif _first(expected.get(f"{sid}.error_types")) != _first(actual.get(f"{sid}.error_types")):
                problems.append(f"{label} raised {act_err}, not {exp_err}")
            continue
        target = expected
        if step.get("same_as") and student_rec is not None:  # the student's own earlier answer, whatever `expected` is
            other = step["same_as"]
            target = {k.replace(f"{other}.", f"{sid}.", 1): v for k, v in student_rec.items() if k.startswith(f"{other}.")}
        rtol, atol = step.get("rtol", check.rtol), step.get("atol", check.atol)
        for key in sorted(value_keys(step)):
            what = _describe(step, key, label)
            if key not in actual or key not in target:
                problems.append(f"{what}: nothing was recorded")
                continue
            watched = key.split(".", 1)[1].startswith("arg")  # an input after the call: it must be unchanged, exactly
            problem = compare_value(what, target[key], actual[key], 0.0 if watched else rtol, 0.0 if watched else atol,
                                    strict=check.contract or watched)
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
    if "is" in step or "set" in step:
        return label
    return f"{name} from {label}"


def compare_value(what, exp, act, rtol, atol, strict=True):
    """One sentence if `act` differs from `exp`, else None.

    strict: shapes and dtypes must match exactly (contract cells and watched inputs);
    otherwise an array of the same size is compared as if reshaped, in float64.
    """
    exp, act = np.asarray(exp), np.asarray(act)
    if exp.dtype.kind == "U":
        return None if act.dtype.kind == "U" and str(act) == str(exp) else f"{what} is {_short(act)}, expected {exp}"
    if act.dtype.kind == "U":
        return f"{what}: {act}"
    if act.shape != exp.shape and (strict or act.size != exp.size):
        return f"{what} has shape {act.shape}, expected {exp.shape}"
    if strict and act.dtype != exp.dtype and not (exp.dtype.kind in "biu" and act.dtype.kind in "biu"):
        why = {"float32": " (float32 input must stay float32)", "float64": " (integer or float64 input computes in float64)"}
        return f"{what} has dtype {act.dtype}, expected {exp.dtype}{why.get(str(exp.dtype), '')}"
    act = act.reshape(exp.shape)
    if exp.dtype.kind in "biu" or exp.dtype == bool:
        if not np.array_equal(act, exp):
            return f"{what} is {_short(act)}, expected {_short(exp)}"
        return None
    act64, exp64 = act.astype(np.float64), exp.astype(np.float64)
    finite = np.isfinite(exp64)
    scale = max(1.0, float(np.abs(exp64[finite]).max())) if finite.any() else 1.0
    ok = np.isclose(act64, exp64, rtol=rtol, atol=atol * scale, equal_nan=True)
    if ok.all():
        return None
    diff = np.where(ok, 0.0, np.abs(np.nan_to_num(act64 - exp64, nan=np.inf)))
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if idx else ""
    allowed = atol * scale + rtol * abs(exp64[idx]) if np.isfinite(exp64[idx]) else 0.0
    return (f"{what} is wrong in {int((~ok).sum())} of {ok.size} values; the largest difference is{where}: "
            f"got {act64[idx]:.6g}, expected {exp64[idx]:.6g} (allowed difference {allowed:.2g})")


def _short(a):
    a = np.asarray(a)
    text = np.array2string(a, precision=4, threshold=8, edgeitems=2) if a.ndim else str(a)
    return text if len(text) < 120 else text[:117] + "..."


def _text(v):
    return None if v is None else str(np.asarray(v))


def _first(v):
    return (_text(v) or "").split(",")[0]


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
