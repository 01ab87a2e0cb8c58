"""The sandbox, attacked from inside: autograder.template, executor, sandbox, cgroup, limits.

One template per module, one fresh process per "student": nothing a student does may be
visible to the next one, nothing may leave the sandbox, and every limit holds.
"""
import os
import subprocess
import uuid

import pytest

from autograder.sandbox import Limits, bubblewrap_installed, detect
from autograder.template import OutputCap, Template

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not bubblewrap_installed(), reason="needs bubblewrap (apt-get install -y bubblewrap)")]
MARK = f"{7000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 1000}"


@pytest.fixture(scope="module")
def sandbox():
    box = detect(Limits(memory_mb=1024, cpu_seconds=60, tmpfs_mb=64), ("numpy",))
    assert box.mode == "bubblewrap", box.description
    return box


@pytest.fixture(scope="module")
def template(sandbox):
    with Template(sandbox) as tpl:
        yield tpl


def run(process, code, timeout=20):
    result = process.run(code, timeout)
    text = "".join(o.get("text", "") for o in result.outputs if o.get("output_type") == "stream")
    errors = [f"{o['ename']}: {o['evalue']}" for o in result.outputs if o.get("output_type") == "error"]
    return result.status, text, errors


def test_the_isolation_is_full_here(sandbox):
    assert sandbox.notes == () and sandbox.description.startswith("Isolation: full.")


def test_nothing_passes_from_one_student_to_the_next(template):
    first = template.spawn()
    status, _, errors = run(first, f"""
import os, subprocess, threading, time, numpy as np, sys
for d in ("/tmp", "/dev/shm", os.path.expanduser("~")):
    open(os.path.join(d, "left-behind"), "w").write("x")
os.environ["LEFT_BEHIND"] = "1"
np.mean = lambda *a, **k: 42
sys.modules["json"].dumps = lambda *a, **k: "patched"
subprocess.Popen(["sleep", "{MARK}"], start_new_session=True)
threading.Thread(target=lambda: time.sleep(1000), daemon=False).start()
""")
    assert status == "ok", errors
    first.kill()
    second = template.spawn()
    status, text, errors = run(second, """
import os, numpy as np, json
found = [d for d in ("/tmp", "/dev/shm", os.path.expanduser("~")) if "left-behind" in os.listdir(d)]
print(found, os.environ.get("LEFT_BEHIND"), np.mean([1.0, 3.0]), json.dumps(1))
""")
    assert (status, errors) == ("ok", []) and text.strip() == "[] None 2.0 1", text
    second.kill()
    left = subprocess.run(["pgrep", "-f", f"sleep {MARK}"], capture_output=True, text=True).stdout.split()
    assert left == [], "a student's process outlived its sandbox"


def test_no_network_no_privileges_no_course_directory(template, tmp_path):
    (tmp_path / "gradebook.db").write_text("secret")
    p = template.spawn()
    status, text, errors = run(p, f"""
import os, socket
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2); print("network: reached")
except OSError as e:
    print("network: refused")
print("uid", os.getuid(), os.path.exists({str(tmp_path)!r}), os.path.exists("/etc/shadow"))
print(open("/proc/self/status").read().split("CapEff:")[1].split()[0])
""")
    p.kill()
    assert status == "ok", errors
    assert text.split("\n")[:3] == ["network: refused", "uid 1000 False False", "0000000000000000"], text


def test_proc_lists_only_the_notebooks_own_processes(template):
    p = template.spawn()
    status, text, errors = run(p, """
import os, subprocess
child = subprocess.Popen(["sleep", "30"])
pids = sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
print(pids == [1, child.pid], sorted(open(f"/proc/{n}/comm").read().strip() for n in pids))
child.kill()
""")
    p.kill()
    assert status == "ok", errors
    assert text.startswith("True "), f"/proc shows more than this notebook's two processes: {text}"


@pytest.mark.parametrize("module", ["sklearn", "scipy", "matplotlib", "dask", "torch", "solutions", "autograder",
                                    "nbgrader", "jupyter_client"])
def test_only_allowed_packages_can_be_imported(template, module):
    import importlib.util
    import site

    p = template.spawn()
    status, text, errors = run(p, f"""
import sys
sys.path[:0] = {site.getsitepackages()!r} + ["/usr/lib/python3/dist-packages", "/work/main"]
try:
    import {module}
    print("imported", {module}.__file__)
except ImportError as e:
    print("refused")
import numpy
""")
    p.kill()
    assert (status, text.strip()) == ("ok", "refused"), (module, text, errors)
    assert importlib.util.find_spec("numpy") is not None


def test_scratch_space_is_capped(template):
    p = template.spawn()
    status, text, errors = run(p, """
import os
for d in ("/tmp", "/dev/shm", os.path.expanduser("~")):
    try:
        with open(os.path.join(d, "big"), "wb") as f:
            for _ in range(128):
                f.write(b"x" * 2**20)
        print(d, "wrote 128 MB")
    except OSError as e:
        print(d, "stopped at", os.path.getsize(os.path.join(d, "big")) // 2**20, "MB")
""")
    p.kill()
    lines = text.strip().split("\n")
    assert status == "ok" and len(lines) == 3 and all("stopped at" in line for line in lines), text
    assert all(int(line.split()[3]) <= 64 for line in lines), text


def test_memory_is_capped_for_the_whole_sandbox_not_each_process(template):
    assert template.cgroups.memory, "this machine allows memory cgroups (the CI runs as root)"
    p = template.spawn()
    status, text, errors = run(p, """
import os, time
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(700 * 2**20)   # 3 x 700 MB > 1024 MB, each under RLIMIT_AS
            block[::4096] = b"x" * len(block[::4096])
            time.sleep(3)
        finally:
            os._exit(0)
    kids.append(pid)
died = sum(os.waitpid(k, 0)[1] != 0 for k in kids)
print("children killed:", died)
""", timeout=40)
    p.kill()
    peak = template.cgroups.peak_memory()
    assert peak is not None and peak <= (1024 + 256) * 2**20 + 2**20, peak
    assert status in ("ok", "dead"), (status, errors)
    again = template.spawn()  # the template survived the student's memory exhaustion
    assert run(again, "print(1 + 1)")[1].strip() == "2"
    again.kill()


def test_an_endless_cell_is_interrupted_and_the_process_goes_on(template):
    p = template.spawn()
    status, _, errors = run(p, "while True:\n    pass", timeout=1)
    assert status == "timeout"
    assert run(p, "print('still here')")[1].strip() == "still here"
    p.kill()


def test_a_cell_that_ignores_interrupts_is_killed(template):
    p = template.spawn()
    status, _, _ = run(p, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass", timeout=1)
    assert status == "timeout" and p.dead
    fresh = template.spawn()
    assert run(fresh, "print(3)")[1].strip() == "3"
    fresh.kill()


def test_outputs_are_capped_error_messages_included(template):
    p = template.spawn()
    result = p.run("print('x' * 5_000_000)\nraise ValueError('y' * 5_000_000)", 20, OutputCap(64 << 10, 1 << 20))
    p.kill()
    size = sum(len(o.get("text", "")) + len(o.get("evalue", "")) + sum(map(len, o.get("traceback", [])))
               for o in result.outputs)
    assert size < 100_000 and any("truncated" in o.get("text", "") for o in result.outputs), size


def test_only_plain_text_and_images_come_back(template):
    p = template.spawn()
    result = p.run("from IPython.display import HTML, Javascript, SVG, Markdown, display\n"
                   "display(HTML('<script>1</script>'), Javascript('alert(1)'), Markdown('*x*'))\n"
                   "display({'text/html': '<b>', 'application/javascript': 'x'}, raw=True)\n1", 10)
    p.kill()
    mimes = {m for o in result.outputs for m in o.get("data", {})}
    assert mimes <= {"text/plain", "image/png", "image/jpeg"}, mimes


def test_garbage_on_the_socket_kills_only_that_process(template):
    p = template.spawn()
    status, _, _ = run(p, "import os\nfor fd in range(3, 40):\n    try:\n        os.write(fd, b'\\xff' * 64)\n"
                          "    except OSError:\n        pass\nimport time; time.sleep(5)", timeout=10)
    assert status == "dead" and p.dead
    fresh = template.spawn()
    assert run(fresh, "print(4)")[1].strip() == "4"
    fresh.kill()


def test_closing_the_template_leaves_no_process_and_no_file(sandbox):
    tpl = Template(sandbox).start()
    pid, tmp = tpl.process.pid, tpl._tmp
    tpl.spawn()
    tpl.close()
    assert not os.path.exists(f"/proc/{pid}") and not tmp.exists()
