"""autograder.verdict: the one place a pass or fail is decided, from values only.

The recording is the student's answer: every test here forges or damages one and asserts
the outcome the grader's own script dictates.
"""
import numpy as np
import pytest

import solutions as S
from autograder import checks, probes
from autograder.misconceptions import by_key
from autograder.verdict import GraderError, compare_value, judge_check, mistake_namespace, reference_namespace, validate

KEY = checks.submission_key("s", "student", "digest")


def built(name):
    chk, script, arrays = checks.build(name, KEY)
    return chk, script, arrays, probes.run(script, arrays, reference_namespace())


def judge(name, recording):
    chk, script, arrays, reference = built(name)
    return judge_check(chk, script, arrays, recording, reference)


@pytest.mark.parametrize("name", ["batchnorm_forward.example", "batchnorm_backward.dx", "BatchNorm1d.eval"])
def test_the_reference_passes_its_own_checks(name):
    assert judge(name, built(name)[3]).passed


@pytest.mark.parametrize("name", ["batchnorm_forward.example", "BatchNorm1d.eval", "spatial_batchnorm_backward.gradients"])
def test_a_recording_that_claims_every_step_was_skipped_fails(name):
    _, script, _, _ = built(name)
    forged = {f"{s['id']}.skipped": np.array(True) for s in script["steps"]}
    verdict = judge(name, forged)
    assert not verdict.passed and "incomplete or altered" in verdict.message


def test_an_empty_recording_fails():
    assert not judge("batch_stats.example", {}).passed


def test_a_recording_with_an_entry_too_many_fails():
    name = "batch_stats.example"
    rec = dict(built(name)[3])
    rec["verdict.passed"] = np.array(True)
    assert not judge(name, rec).passed


def test_a_recording_with_an_entry_missing_fails():
    name = "batchnorm_forward.example"
    rec = dict(built(name)[3])
    rec.pop(sorted(rec)[0])
    assert not judge(name, rec).passed


def test_an_error_forged_as_a_skip_of_a_judged_step_fails():
    name = "batchnorm_backward.dx"
    _, script, _, reference = built(name)
    rec = dict(reference)
    judged = next(s["id"] for s in script["steps"] if not s.get("context"))
    for k in [k for k in rec if k.startswith(judged + ".")]:
        del rec[k]
    rec[f"{judged}.skipped"] = np.array(True)  # its context step did not fail: a skip is not allowed
    assert "incomplete or altered" in judge(name, rec).message


def test_a_step_skipped_because_the_base_function_raised_fails_and_says_why():
    chk, script, arrays, reference = built("batchnorm_backward.dx")
    ns = {**reference_namespace(), "batchnorm_forward": lambda *a, **k: (_ for _ in ()).throw(NotImplementedError())}
    verdict = judge_check(chk, script, arrays, probes.run(script, arrays, ns), reference)
    assert not verdict.passed and "could not be run" in verdict.message and "NotImplementedError" in verdict.message


def test_an_error_string_with_a_number_dtype_is_refused():
    chk, script, arrays, reference = built("batch_stats.bad_input")
    rec = dict(reference)
    rec["v.error"] = np.array(1.0)
    assert not judge_check(chk, script, arrays, rec, reference).passed


def test_a_tolerated_mistake_of_another_cell_passes_and_the_cells_own_mistake_fails():
    ddof = by_key("unbiased_variance")
    for name, passes in (("batchnorm_forward.features", True), ("batchnorm_forward.example", False)):
        chk, script, arrays, reference = built(name)
        verdict = judge_check(chk, script, arrays, probes.run(script, arrays, mistake_namespace(ddof)), reference)
        assert verdict.passed is passes, name
    verdict = judge_check(chk, script, arrays, probes.run(script, arrays, mistake_namespace(ddof)), reference)
    assert verdict.causes == ["unbiased_variance"] and "divides by N-1" in verdict.message


def test_a_spatial_pass_reusing_a_wrong_forward_is_not_charged_but_a_wrong_spatial_pass_is():
    chk, script, arrays, reference = built("spatial_batchnorm_forward.channels")
    ddof = mistake_namespace(by_key("unbiased_variance"))
    assert judge_check(chk, script, arrays, probes.run(script, arrays, ddof), reference).passed
    only_spatial = {**reference_namespace(), "spatial_batchnorm_forward": ddof["spatial_batchnorm_forward"]}
    assert not judge_check(chk, script, arrays, probes.run(script, arrays, only_spatial), reference).passed


def test_same_as_compares_with_the_students_own_earlier_answer():
    chk, script, arrays, reference = built("BatchNorm1d.batch_of_one")
    rec = dict(reference)
    rec["after.running_var"] = rec["before.running_var"] + 1  # changed by the failed call
    assert not judge_check(chk, script, arrays, rec, reference).passed


def test_failure_messages_show_the_allowed_difference_and_no_check_name():
    verdict = judge("batchnorm_forward.example", probes.run(*built("batchnorm_forward.example")[1:3],
                                                            {"batchnorm_forward": lambda x, g, b, eps=1e-5: (x * 0.0, None)}))
    assert "allowed difference" in verdict.message and "batchnorm_forward.example" not in verdict.message


def test_a_reference_failure_is_the_graders_error():
    chk, script, arrays, reference = built("batch_stats.example")
    broken = {k: v for k, v in reference.items()}
    broken.pop("ex.mean")
    broken["ex.error"], broken["ex.error_types"] = np.array("RuntimeError: boom"), np.array("RuntimeError")
    broken.pop("ex.var")
    with pytest.raises(GraderError):
        judge_check(chk, script, arrays, reference, broken)


@pytest.mark.parametrize("exp, act, strict, ok", [
    (np.ones(3), np.ones((1, 3)), False, True),       # shape mistakes count only in contract cells
    (np.ones(3), np.ones((1, 3)), True, False),
    (np.ones(3, np.float32), np.ones(3), False, True),  # so do dtype mistakes
    (np.ones(3, np.float32), np.ones(3), True, False),
    (np.ones(3), np.ones(4), False, False),           # a different size is always wrong
    (np.array([1.0, np.nan]), np.array([1.0, np.nan]), True, True),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-3]), True, False),
])
def test_compare_value(exp, act, strict, ok):
    assert (compare_value("x", exp, act, 1e-6, 1e-9, strict=strict) is None) is ok


def test_recordings_of_every_check_have_exactly_the_keys_the_script_asks_for():
    for name in checks.CHECKS:
        _, script, _, reference = built(name)
        assert validate(script, reference) == [], name


def test_the_reference_namespace_is_the_package():
    assert reference_namespace()["batchnorm_forward"] is S.batchnorm_forward
