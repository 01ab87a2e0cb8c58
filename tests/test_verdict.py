"""autograder.verdict: the one place a pass or fail is decided, from values only.

The recording is the student's answer: every test here forges or damages one and asserts
the outcome the grader's own script dictates.
"""
import numpy as np
import pytest

import solutions as S
from autograder import checks, probes
from autograder.misconceptions import by_key
from autograder.verdict import (
    GraderError,
    compare_value,
    judge_check,
    mistake_namespace,
    reference_namespace,
    validate,
    value_keys,
)

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


# ------------------------------------------------------------ answers made up from the question alone


def _forge(script, arrays, fill):
    """An answer that knows nothing of batch norm: the right keys, made-up values.

    fill(step, name, arrays) -> the value of a recorded name. Steps with an expected error (known to
    this forger from the grader's full script, which the sandbox never receives) answer with
    exactly the error the contract asks for; watched arguments come back unchanged.
    """
    out = {}
    for step in script["steps"]:
        sid = step["id"]
        if "expect" in step:
            out[f"{sid}.error"] = np.array(f"{step['expect'][0]}: {step.get('mentions', 'x')} has the wrong shape")
            out[f"{sid}.error_types"] = np.array(f"{step['expect'][0]},Exception,BaseException,object")
            continue
        for key in sorted(value_keys(step)):
            name = key.split(".", 1)[1]
            if name.startswith("arg") and name[3:].isdigit() and "call" in step:
                out[key] = np.array(arrays[step["args"][int(name[3:])][1:]])
            else:
                out[key] = fill(step, name, arrays)
    return out


def _first_input(step, name, arrays):
    inputs = [a for a in step.get("args", []) if isinstance(a, str) and a.startswith("@")]
    return np.array(arrays[inputs[0][1:]]) if inputs else np.zeros(1)


FILLS = {
    "zeros": lambda step, name, arrays: np.zeros(1),
    "ones": lambda step, name, arrays: np.ones(1),
    "true": lambda step, name, arrays: np.array(True),
    "its input": _first_input,  # an identity function: right shapes and dtypes everywhere
}


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_an_answer_made_up_from_the_question_passes_no_check(name, fill):
    chk, script, arrays, reference = built(name)
    forged = _forge(script, arrays, FILLS[fill])
    assert not validate(script, forged), "the forger should produce a well-formed answer"
    assert not judge_check(chk, script, arrays, forged, reference).passed


def test_a_function_that_only_raises_the_contracts_error_earns_nothing():
    def batch_stats(x):
        raise ValueError("x must be 2-D, of shape (N, D)")

    chk, script, arrays, reference = built("batch_stats.bad_input")
    verdict = judge_check(chk, script, arrays, probes.run(script, arrays, {"batch_stats": batch_stats}), reference)
    assert not verdict.passed and "good (6, 3) batch raised ValueError" in verdict.message


def test_the_bad_input_cell_forgives_another_cells_mistake_but_not_a_wrong_message():
    m = by_key("unbiased_variance")
    chk, script, arrays, reference = built("batch_stats.bad_input")
    assert judge_check(chk, script, arrays, probes.run(script, arrays, mistake_namespace(m)), reference).passed

    def batch_stats(x):  # N-1 and a message that does not name x
        if np.ndim(x) != 2:
            raise ValueError("expected a 2-D array")
        return m.namespace["batch_stats"](x)

    verdict = judge_check(chk, script, arrays, probes.run(script, arrays, {"batch_stats": batch_stats}), reference)
    assert not verdict.passed and "should name the argument 'x'" in verdict.message


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_the_sandbox_is_sent_only_what_runs_a_step(name):
    chk, script, arrays, reference = built(name)
    sent = probes.executable(script)
    assert all(set(step) <= set(probes.EXECUTABLE) for step in sent["steps"])
    assert not any(k in step for step in sent["steps"] for k in ("label", "expect", "mentions", "rtol", "atol", "values"))
    recording = probes.run(sent, arrays, reference_namespace())
    assert recording.keys() == reference.keys() and judge_check(chk, script, arrays, recording, reference).passed
