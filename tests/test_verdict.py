"""autograder.verdict: what counts as a pass, and how failures are explained."""
import numpy as np
import pytest

from autograder import checks, probes
from autograder.verdict import GraderError, compare, judge_check, reference_namespace


def reference(name):
    chk, script, arrays = checks.build(name, 5)
    return chk, script, arrays, probes.run(script, arrays, reference_namespace())


def tampered(rec, key, value):
    rec = dict(rec)
    if value is None:
        rec.pop(key)
    else:
        rec[key] = value
    return rec


@pytest.mark.parametrize("change, words", [
    (lambda r: tampered(r, "f.out", None), "nothing was recorded"),
    (lambda r: tampered(r, "f.out", r["f.out"].astype(np.float32)), "dtype float32"),
    (lambda r: tampered(r, "f.out", r["f.out"][:, :1]), "shape"),
    (lambda r: tampered(r, "f.out", r["f.out"] * np.nan), "wrong in"),
    (lambda r: tampered(r, "f.out", r["f.out"] + 1e-4), "wrong in"),
    (lambda r: tampered(r, "f.out", np.array("returned list")), "returned list"),
    (lambda r: tampered(r, "f.arg0", r["f.arg0"] + 1), "argument x"),
    (lambda r: {"f.error": np.array("ValueError: nope"), "f.error_types": np.array("ValueError,Exception")}, "raised ValueError"),
    (lambda r: {}, "nothing was recorded"),
])
def test_anything_but_the_reference_fails(change, words):
    chk, script, arrays, ref = reference("batchnorm_forward.random")
    verdict = judge_check(chk, script, arrays, change(ref), ref)
    assert not verdict.passed and words in verdict.message


def test_extra_keys_and_the_reference_itself_pass():
    chk, script, arrays, ref = reference("batchnorm_forward.random")
    assert judge_check(chk, script, arrays, {**ref, "zzz.extra": np.array(1)}, ref).passed


def test_expected_errors_need_the_right_type_and_argument_name():
    chk, script, arrays, ref = reference("batchnorm_forward.bad_input")
    ok = {k: v for k, v in ref.items()}
    assert judge_check(chk, script, arrays, ok, ref).passed
    vague = dict(ref, **{"gamma.error": np.array("ValueError: wrong shape")})
    verdict = judge_check(chk, script, arrays, vague, ref)
    assert not verdict.passed and "name the argument 'gamma'" in verdict.message
    wrong_type = dict(ref, **{"gamma.error_types": np.array("KeyError,LookupError,Exception")})
    assert "should raise ValueError or TypeError" in judge_check(chk, script, arrays, wrong_type, ref).message


def test_hints_for_common_errors():
    chk, script, arrays, _ = reference("batch_stats.example")
    stub = probes.run(script, arrays, {"batch_stats": lambda x: (_ for _ in ()).throw(NotImplementedError())})
    assert "still raises NotImplementedError" in judge_check(chk, script, arrays, stub).message
    missing = probes.run(script, arrays, {})
    assert "batch_stats is not defined" in judge_check(chk, script, arrays, missing).message


def test_a_failing_reference_is_the_graders_error_not_the_students():
    chk, script, arrays, ref = reference("batch_stats.example")
    broken_ref = {"s.error": np.array("RuntimeError: bug"), "s.error_types": np.array("RuntimeError")}
    with pytest.raises(GraderError):
        compare(script, broken_ref, ref, 1e-7, 1e-9)
