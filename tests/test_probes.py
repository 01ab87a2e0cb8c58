"""autograder.probes: the script runner that asks questions in the student's process, and its encoding."""
import base64
import io
import pickle
import zipfile

import numpy as np
import pytest

from autograder import probes


def script(*steps):
    return {"steps": list(steps)}


def test_call_records_results_arguments_and_errors():
    def f(x):
        x += 1  # modifies its argument
        return x * 2, "cache"

    def g(y):
        raise ValueError("y is wrong")

    s = script({"id": "a", "call": "f", "args": ["@x"], "save": ["out", "cache"], "record": ["out"], "watch": True},
               {"id": "b", "call": "g", "args": ["$out"], "save": "z"},
               {"id": "c", "call": "h", "args": ["$z"]})
    rec = probes.run(s, {"x": np.array([1.0, 2.0])}, {"f": f, "g": g})
    assert np.array_equal(rec["a.out"], [4.0, 6.0]) and np.array_equal(rec["a.arg0"], [2.0, 3.0])
    assert str(rec["b.error"]) == "ValueError: y is wrong" and str(rec["b.error_types"]).startswith("ValueError,")
    assert bool(rec["c.skipped"]) and set(rec) == {"a.out", "a.arg0", "b.error", "b.error_types", "c.skipped"}


def test_inputs_are_fresh_copies_every_time():
    seen = []
    s = script({"id": "a", "call": "f", "args": ["@x"], "save": "r"}, {"id": "b", "call": "f", "args": ["@x"], "save": "r"})
    probes.run(s, {"x": np.zeros(2)}, {"f": lambda x: (seen.append(x.copy()), x.fill(9))})
    assert all(np.array_equal(v, [0, 0]) for v in seen)


def test_a_wrong_number_of_return_values_is_recorded_not_raised():
    rec = probes.run(script({"id": "a", "call": "f", "args": [], "save": ["x", "y"], "record": ["x"]}), {}, {"f": lambda: 1})
    assert "expected 2 values" in str(rec["a.error"])


def test_non_numeric_results_become_explanations():
    rec = probes.run(script({"id": "a", "call": "f", "args": [], "save": "x", "record": ["x"]}), {}, {"f": lambda: object()})
    assert rec["a.x"].dtype.kind == "U" and "not an array of numbers" in str(rec["a.x"])


def test_attributes_identity_and_setting():
    class M:
        def __init__(self):
            self.v = np.ones(2)

    s = script({"id": "n", "call": "M", "args": [], "save": "m"},
               {"id": "s", "set": "$m", "name": "v", "value": "@v"},
               {"id": "a", "attrs": "$m", "names": ["v", "missing"]},
               {"id": "i", "is": ["$m", "$m"]})
    rec = probes.run(s, {"v": np.array([3.0, 4.0])}, {"M": M})
    assert np.array_equal(rec["a.v"], [3, 4]) and "missing attribute" in str(rec["a.missing"]) and bool(rec["i.is"])


def test_encode_decode_round_trip():
    rec = {"a.x": np.arange(3.0), "a.error": np.array("ValueError: no")}
    back = probes.decode(probes.encode(rec))
    assert np.array_equal(back["a.x"], rec["a.x"]) and str(back["a.error"]) == "ValueError: no"


def _npz(members: dict, compression=zipfile.ZIP_STORED) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return base64.b64encode(buf.getvalue()).decode()


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize("text, why", [
    (_npz({"a.npy": _npy(np.array([object()], dtype=object))}), "pickle"),
    (_npz({"a.npy": _npy(np.ones(3))}, zipfile.ZIP_DEFLATED), "compressed (a zip bomb)"),
    (_npz({"a.txt": b"hello"}), "not an array"),
    (_npz({f"k{i}.npy": _npy(np.ones(1)) for i in range(5000)}), "too many members"),
    (base64.b64encode(pickle.dumps({"a": 1})).decode(), "not a zip"),
    ("!!!not base64!!!", "not base64"),
    ("A" * (17 * 2**20 * 4 // 3), "too large"),
])
def test_decode_refuses_hostile_answers(text, why):
    with pytest.raises((ValueError, zipfile.BadZipFile)):  # binascii.Error is a ValueError
        probes.decode(text)
