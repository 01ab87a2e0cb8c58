"""The checks: what every graded test cell asks of a student's code.

A check builds a probe script (`autograder.probes`) and its input arrays from a random
generator, so each grading asks on inputs the student has never seen. The verdict compares
the student's recording with the reference's (`autograder.verdict`).

**One cell, one idea.** Each graded cell of an exercise asks about one idea (the biased
variance, the axis of the statistics, where eps goes, ...). Its checks choose inputs and
tolerances so that the *other* known mistakes do not show: batches of a thousand samples
hide N-1 (a 0.1 % effect, under the tolerance), variances far above eps hide every eps
mistake, gamma equal to beta hides a swap of the two, float64 data hides the one-pass
variance, and shapes and dtypes are compared only by the contract cells. Where a mistake
cannot be hidden (a per-sample axis changes everything), the check *tolerates* it: the
answer also passes when it is exactly what that known mistake gives (`Check.tolerates`),
including on the "context" steps that call the student's base function directly, so a
spatial batch norm that reuses a wrong forward pass is not charged for it again, while one
that makes the mistake on its own is. Which cells each known mistake must lose is declared
in its file (`autograder.misconceptions`), and the test suite holds every check to it.

**A wrong base is charged once, known or not.** A cell about a function built on another
(the drift on `batch_stats`, the spatial passes on the (N, D) ones) also passes when its
answer is exactly what a correct composition gives on the student's *own* base answers
(`Check.composed`, from the context steps), provided the base really differs from the
reference there and its answers can tell the cell's idea apart (a base that ignores its
input, or acts on each value alone, cannot: then the cell is judged as usual).

**Inputs nobody can predict.** Inputs come from a generator seeded with
HMAC-SHA256(key, check name), where the key is derived by the grader from the course's
secret, the student and the exact bytes submitted (`submission_key`): a resubmission gets
new inputs, classmates never share theirs, and nothing in one grading's feedback predicts
the next. Plain ``nbgrader autograde`` (trusted notebooks only) uses a fixed key.

Each test cell of an instructor notebook ends with a hidden line such as::

    run_checks(globals(), "batch_stats.example")

Under plain ``nbgrader autograde`` that line runs the checks inside the kernel. The
sandboxed grader never runs test-cell code for the verdict: it reads the check names from
that line, probes the student's process, and judges the recording in its own process.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import probes

F64, F32 = np.float64, np.float32
BAD_INPUT = ("ValueError", "TypeError")  # the contract allows either for bad input
VALIDATION = ("no_input_validation",)  # the one mistake of the bad-input cells (`Check.tolerates_all_but`)
# Cells about shapes, dtypes, unchanged inputs or bad input also compare the values of their
# good calls, so that a stub returning arrays of the right kind (or a forged answer) earns
# nothing; loosely (a quarter of the scale), so that the small mistakes of other cells
# (N-1 on six samples, eps, one-pass variance, and any mix of them) never show there. Their
# large known mistakes are tolerated (`Check.tolerates_all_but`); inputs that must stay
# unchanged, and second calls that must repeat the first, are still compared exactly.
LOOSE = {"rtol": 0.25, "atol": 0.25}
EXACT = {"rtol": 1e-12, "atol": 1e-12}
# Statistics over the wrong axis change every answer, so no input can hide them: the cells
# about other ideas tolerate them (their own cells are the axis cells).
AXIS = ("per_sample_statistics", "global_statistics")


@dataclass(frozen=True)
class Check:
    """One question put to the student's code."""

    name: str
    """Registry key, "<function>.<aspect>", as written in the notebooks' run_checks lines."""
    about: str
    """What it checks, in words a student understands (shown in pass and fail messages)."""
    build: Callable[[np.random.Generator], tuple[dict, dict]]
    """rng -> (script, arrays): the probe script and its input arrays."""
    names: tuple[str, ...]
    """Contract names exercised; misconceptions defining any of them are tried as diagnoses."""
    rtol: float = 1e-6
    """Relative tolerance of numeric comparisons (a step may set its own)."""
    atol: float = 1e-9
    """Absolute tolerance, scaled by max(1, max |reference|) of each compared array."""
    tolerates: tuple[str, ...] = ()
    """Misconceptions of *other* cells whose exact answer also passes (see the module doc)."""
    contract: bool = False
    """Compare shapes and dtypes strictly (the contract cells); otherwise values only (an
    array of the same size is compared as if reshaped)."""
    tolerates_all_but: tuple[str, ...] | None = None
    """If set, every known mistake in `names` but these passes too: the cells whose one idea is
    an error the contract requires (bad input), where the good call must still give right values
    (so that a function that only raises, or a forged answer, earns nothing) without charging
    the values' own mistakes a second time."""

    composed: Callable[[dict, dict], dict | None] | None = None
    """(arrays, student recording) -> the judged keys' values that a correct composition gives
    on the student's own base answers (the context steps), or None when those answers cannot
    tell this cell's idea apart (see the module doc). Runs in the grader's process on the
    student's recorded arrays: it must only compute with them."""

    def tolerated(self) -> tuple[str, ...]:
        """Keys of the misconceptions whose exact answer also passes this check."""
        if self.tolerates_all_but is None:
            return self.tolerates
        from ..misconceptions import load_misconceptions

        others = [m.key for m in load_misconceptions() if set(m.targets) & set(self.names)
                  and m.key not in self.tolerates_all_but]
        return tuple(dict.fromkeys([*self.tolerates, *others]))


CHECKS: dict[str, Check] = {}


def check(name: str, about: str, names, *, rtol=1e-6, atol=1e-9, tolerates=(), contract=False, tolerates_all_but=None,
          composed=None):
    """Decorator registering a build function as a `Check`."""

    def register(build):
        if name in CHECKS:
            raise ValueError(f"duplicate check {name}")
        CHECKS[name] = Check(name, about, build, tuple(names), rtol, atol, tuple(tolerates), contract,
                             None if tolerates_all_but is None else tuple(tolerates_all_but), composed)
        return build

    return register


# ---------------------------------------------------------------- building scripts


def call(sid, fn, *args, save=None, record=(), watch=False, expect=None, mentions=None, label=None,
         context=False, same_as=None, rtol=None, atol=None, **kwargs) -> dict:
    """A step calling `fn` (a contract name or "$obj.method").

    save: name(s) for the result; record: saved names to send back; watch: also record the
    "@" arguments after the call; expect/mentions: the error the contract requires (and the
    argument its message must name); context: a call of a base function, compared only when
    matching a tolerated mistake; same_as: compare with the student's own answer to that earlier step, not the reference's;
    rtol/atol: this step's tolerances.
    """
    s = {"id": sid, "call": fn, "args": list(args), "kwargs": kwargs, "record": list(record)}
    if save is not None:
        s["save"] = save
    for key, value in (("watch", watch), ("context", context)):
        if value:
            s[key] = True
    if same_as:
        s["same_as"] = same_as
    if expect:
        s["expect"] = list(expect)
    if mentions:
        s["mentions"] = mentions
    for key, value in (("rtol", rtol), ("atol", atol)):
        if value is not None:
            s[key] = value
    s["label"] = label or _label(fn, args, kwargs)
    return s


def attrs(sid, obj, *names, label=None, context=False, same_as=None, rtol=None, atol=None) -> dict:
    """A step recording attributes of a saved object (options as for `call`)."""
    s = {"id": sid, "attrs": obj, "names": list(names), "label": label or f"attributes of {obj[1:]}"}
    for key, value in (("context", context), ("same_as", same_as)):
        if value:
            s[key] = value
    for key, value in (("rtol", rtol), ("atol", atol)):
        if value is not None:
            s[key] = value
    return s


def same(sid, a, b, label) -> dict:
    """A step recording whether two saved values are the same object."""
    return {"id": sid, "is": [a, b], "label": label}


def assign(sid, obj, name, value, label=None) -> dict:
    """A step setting an attribute of a saved object (e.g. the running statistics)."""
    return {"id": sid, "set": obj, "name": name, "value": value, "label": label or f"setting {obj[1:]}.{name}"}


def _label(fn, args, kwargs):
    def show(v):
        return v[1:] if isinstance(v, str) and v[:1] in "@$" else repr(v)

    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{fn.lstrip('$')}({', '.join(parts)})"


# ---------------------------------------------------------------- input data


def featured(rng, n, d, dtype=F64, spread=(0.5, 5.0), offset=50.0):
    """(n, d) data whose features have very different means and spreads (variances far above eps)."""
    x = rng.normal(size=(n, d)) * rng.uniform(*spread, d) + rng.uniform(-offset, offset, d)
    return x.astype(dtype)


def params(rng, d, dtype=F64):
    """gamma (some negative, none tiny) and beta, each (d,)."""
    gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
    return gamma.astype(dtype), rng.normal(0, 2, d).astype(dtype)


def twins(rng, d, dtype=F64):
    """gamma and beta equal (each (d,)): a swap of the two then changes nothing."""
    gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
    return gamma.astype(dtype), gamma.copy().astype(dtype)


def maps(rng, n, c, h, w, dtype=F64):
    """(n, c, h, w) feature maps: each channel its own offset and spread, and pixels differ too."""
    x = rng.normal(size=(n, c, h, w)) * rng.uniform(0.5, 5, (1, c, 1, 1)) + rng.uniform(-20, 20, (1, c, 1, 1))
    return (x + rng.normal(size=(1, 1, h, w)) * 3).astype(dtype)


def sizes(rng, low, high, k):
    """k distinct sizes in [low, high), so shapes never confuse two axes."""
    return [int(v) for v in rng.choice(np.arange(low, high), k, replace=False)]


def to_rows(x):
    """(N, C, H, W) -> (N*H*W, C): one row per position, one column per channel."""
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1]))


def from_rows(rows, shape):
    """(N*H*W, C) rows -> (N, C, H, W) of `shape`: the inverse of `to_rows`."""
    n, c, h, w = shape
    return np.asarray(rows, dtype=np.float64).reshape(n, h, w, c).transpose(0, 3, 1, 2)


def scrambled(x):
    """(N, C, H, W) -> (N*H*W, C) by a plain reshape: rows that mix channels (the layout a
    composition must not give the same answer for, see `Check.composed`)."""
    return np.ascontiguousarray(x.reshape(-1, x.shape[1]))


def own(rec, *keys):
    """The student's recorded values for `keys` as finite float64 arrays; ValueError otherwise."""
    values = [np.asarray(rec[k], dtype=np.float64) for k in keys]
    if not all(np.isfinite(v).all() for v in values):
        raise ValueError("not finite")
    return values


def on_own_rows(rec, shape, rows_step, mixed_step, names, rtol, atol):
    """What a spatial step built on the student's own (N, D) function should answer.

    rows_step / mixed_step: context steps calling that function on the `to_rows` and the
    `scrambled` rows of the spatial step's input of `shape` (N, C, H, W), recording `names`
    (the first an (N*H*W, C) array, the others per channel). Returns ({name: value}, the first
    put back in (N, C, H, W); and whether the scrambled rows answer otherwise: if not, the
    function cannot tell the layout apart, see `Check.composed`).
    """
    rows = own(rec, *(f"{rows_step}.{n}" for n in names))
    mixed = own(rec, *(f"{mixed_step}.{n}" for n in names))
    rows[0], mixed[0] = from_rows(rows[0], shape), mixed[0].reshape(shape)
    telling = not all(np.allclose(r, m, rtol=rtol, atol=atol) for r, m in zip(rows, mixed))
    return dict(zip(names, rows)), telling


# ---------------------------------------------------------------- keys and seeds

PLAIN_KEY = b"plain nbgrader"


def submission_key(secret: str, student: str, digest: str) -> bytes:
    """The key of one submission: HMAC-SHA256 of (student, digest of the files) under the course secret."""
    message = f"{student}\0{digest}".encode()
    return hmac.new(str(secret).encode(), message, hashlib.sha256).digest()


def seed_for(name: str, key: bytes) -> int:
    """128 bits of seed for check `name` under `key`."""
    return int.from_bytes(hmac.new(key, name.encode(), hashlib.sha256).digest()[:16], "big")


def build(name: str, key: bytes = PLAIN_KEY):
    """(check, script, arrays) for check `name` under `key`."""
    chk = CHECKS[name]
    script, arrays = chk.build(np.random.default_rng(seed_for(name, key)))
    return chk, script, arrays


def run_checks(ns, *names):
    """Run checks against namespace `ns` in this process (the hidden-test line of a test cell).

    Prints one line per check and raises AssertionError naming what is wrong, and its
    likely cause, if any check fails. Used under plain ``nbgrader autograde``.
    """
    from ..verdict import judge_check

    failures = []
    for name in names:
        chk, script, arrays = build(name)
        student = probes.run(script, arrays, ns)
        verdict = judge_check(chk, script, arrays, student)
        print(("PASS " if verdict.passed else "FAIL ") + chk.about)
        if not verdict.passed:
            failures.append(verdict.message)
    if failures:
        raise AssertionError("\n\n".join(failures))


from . import backward, forward, layer, module, norms, stats  # noqa: E402,F401 - they register their checks
