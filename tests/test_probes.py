"""autograder.probes: the probe interpreter, and decoding of untrusted results."""
import base64
import io
import zipfile

import numpy as np
import pytest

from autograder import probes


class Counter:
    def __init__(self, n):
        self.n = n

    def add(self, x):
        x += 1  # modifies its argument: watch must see it
        self.n += 1
        return self.n


def test_run_records_values_errors_skips_and_mutations():
    ns = {"Counter": Counter, "boom": lambda: 1 / 0}
    script = {"steps": [
        {"id": "new", "call": "Counter", "args": [3], "save": "c"},
        {"id": "add", "call": "$c.add", "args": ["@x"], "save": "r", "record": ["r"], "watch": True},
        {"id": "a", "attrs": "$c", "names": ["n", "missing"]},
        {"id": "same", "is": ["$c", "$c"]},
        {"id": "err", "call": "boom", "save": "z"},
        {"id": "skip", "call": "$z.anything"},
        {"id": "name", "call": "not_defined"},
    ]}
    rec = probes.run(script, {"x": np.zeros(2)}, ns)
    assert rec["add.r"] == 4 and rec["a.n"] == 4
    assert np.array_equal(rec["add.arg0"], [1.0, 1.0])  # the mutation is visible
    assert str(rec["a.missing"]).startswith("missing attribute")
    assert bool(rec["same.is"]) is True
    assert str(rec["err.error"]).startswith("ZeroDivisionError")
    assert "ArithmeticError" in str(rec["err.error_types"])
    assert "skip.skipped" in rec
    assert str(rec["name.error"]).startswith("NameError")


def test_wrong_number_of_returned_values_is_recorded():
    rec = probes.run({"steps": [{"id": "s", "call": "f", "args": [], "save": ["a", "b"]}]}, {}, {"f": lambda: 1})
    assert "expected 2 values" in str(rec["s.error"])


def test_non_numeric_results_are_described_not_pickled():
    rec = probes.run({"steps": [{"id": "s", "call": "f", "save": "v", "record": ["v"]}]}, {}, {"f": lambda: {"a": 1}})
    assert rec["s.v"].dtype.kind == "U" and "not an array of numbers" in str(rec["s.v"])
    assert probes.decode(probes.encode(rec))["s.v"] == rec["s.v"]


def test_inputs_are_fresh_copies_for_every_step():
    seen = []
    script = {"steps": [{"id": "a", "call": "f", "args": ["@x"]}, {"id": "b", "call": "f", "args": ["@x"]}]}

    def f(x):
        seen.append(x.copy())
        x[:] = 7

    probes.run(script, {"x": np.zeros(3)}, {"f": f})
    assert all(np.array_equal(s, np.zeros(3)) for s in seen)


def test_encode_decode_round_trip():
    data = {"a": np.arange(6.0).reshape(2, 3), "b": np.array(True), "c": np.array("text"), "d": np.float32([1.5])}
    back = probes.decode(probes.encode(data))
    assert set(back) == set(data)
    for key in data:
        assert back[key].dtype == data[key].dtype and np.array_equal(back[key], data[key])


def _npz(**members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return base64.b64encode(buf.getvalue()).decode()


def _npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


@pytest.mark.parametrize("text, words", [
    (_npz(**{"a.npy": _npy(np.array([{"x": 1}], dtype=object), allow_pickle=True)}), "pickle"),
    (_npz(**{"a.txt": b"hello"}), "unexpected member"),
    ("not base64 !!!", ""),
    (base64.b64encode(b"not a zip").decode(), ""),
])
def test_decode_refuses_hostile_results(text, words):
    with pytest.raises(Exception) as info:
        probes.decode(text)
    assert words.lower() in str(info.value).lower()


def test_decode_refuses_compressed_and_oversized_results():
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.zeros(1000))
    with pytest.raises(ValueError, match="unexpected member"):
        probes.decode(base64.b64encode(buf.getvalue()).decode())
    big = probes.encode({"a": np.zeros(1000)})
    with pytest.raises(ValueError, match="larger than"):
        probes.decode(big, max_bytes=1000)
