"""autograder.sandbox and autograder.kernel: what student code can and cannot do in its kernel.

These tests need bubblewrap (Debian package `bubblewrap`, installed by .ci/run): they fail,
rather than skip, where it is missing, because the grader's safety rests on it.
"""
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from autograder.kernel import StudentKernel
from autograder.sandbox import Limits, Sandbox


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox.detect(Limits(memory_mb=1024))
    assert sb.mode == "bubblewrap", f"bubblewrap is required for these tests: {sb.reason}"
    return sb


@pytest.fixture(scope="module")
def kernel(sandbox):
    with StudentKernel(sandbox) as k:
        yield k


def output(run):
    return "".join(o.get("text", "") + o.get("evalue", "") for o in run.outputs)


def test_reference_and_grader_cannot_be_imported(kernel):
    run = kernel.run("import solutions", 10)
    assert run.status == "error" and "No module named 'solutions'" in output(run)
    run = kernel.run("import autograder.checks", 10)
    assert run.status == "error" and "No module named" in output(run)


def test_course_and_repository_are_invisible(kernel, tmp_path):
    secret = tmp_path / "gradebook.db"
    secret.write_text("grades")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in (secret, os.path.join(repo, "solutions", "batchnorm.py"), os.path.join(repo, "autograder", "checks.py")):
        run = kernel.run(f"open({str(path)!r}).read()", 10)
        assert run.status == "error" and ("No such file" in output(run) or "Permission" in output(run)), path


def test_no_network(kernel):
    run = kernel.run("import socket\ns = socket.socket()\ns.settimeout(3)\ns.connect(('1.1.1.1', 80))", 10)
    assert run.status == "error" and ("unreachable" in output(run) or "Errno" in output(run))


def test_system_is_read_only_and_home_is_private(kernel):
    run = kernel.run("open('/usr/evil', 'w')", 10)
    assert run.status == "error"
    run = kernel.run("import os\nopen('notes.txt', 'w').write('x')\nprint(os.getcwd(), os.getuid(), os.environ.get('HOME'))", 10)
    assert run.status == "ok" and "/home/student" in output(run) and " 65534 " in output(run)


def test_environment_is_clean(sandbox, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SECRET", "do-not-leak")  # in the grader's environment
    with StudentKernel(sandbox) as k:
        run = k.run("import os\nprint(sorted(os.environ))", 10)
    assert "AUTOGRADER_SECRET" not in output(run) and "'PATH'" in output(run)


def test_memory_limit_raises_memory_error(kernel):
    run = kernel.run("import numpy as np\nx = np.ones(400_000_000)", 20)
    assert run.status == "error" and ("MemoryError" in output(run) or "Unable to allocate" in output(run))
    assert kernel.run("print(1 + 1)", 10).status == "ok"


def test_processes_die_with_the_kernel(sandbox):
    marker = f"{1000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 1000}"
    with StudentKernel(sandbox) as k:
        code = ("import subprocess, os\n"
                f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
                f"if os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '{marker}'])")
        k.run(code, 10)
        time.sleep(0.5)
        assert _count(marker) >= 1, "the test's processes did not start"
    time.sleep(0.5)
    assert _count(marker) == 0, "processes started by student code survived the kernel"


def _count(marker):
    result = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
    return len(result.stdout.split())


def test_timeout_interrupts_and_the_kernel_goes_on(kernel):
    start = time.monotonic()
    run = kernel.run("while True:\n    pass", 2)
    assert run.status == "timeout" and time.monotonic() - start < 10
    assert kernel.responsive()


def test_output_is_capped(sandbox):
    with StudentKernel(sandbox, cell_output_bytes=10_000, total_output_bytes=50_000) as k:
        run = k.run("for i in range(10000):\n    print('x' * 100)", 20)
        text = output(run)
        assert len(text) < 20_000 and "output truncated by the grader" in text
        assert k.client.truncated


def test_a_dying_kernel_is_reported_and_can_restart(sandbox):
    with StudentKernel(sandbox) as k:
        assert k.run("import os\nos._exit(3)", 10).status == "dead"
        k.restart()
        assert k.run("print('back')", 10).status == "ok"


def test_limits_only_mode_still_limits_memory():
    sb = Sandbox.detect(Limits(memory_mb=1024), use_bubblewrap=False)
    assert sb.mode == "limits-only" and sb.weak and sb.reason
    with StudentKernel(sb) as k:
        run = k.run("import numpy as np\nx = np.ones(400_000_000)", 20)
        assert run.status == "error"


def test_installed_reference_would_be_hidden_too():
    """Where `solutions` sits inside a bound directory (a regular install), it is masked."""
    import autograder
    import solutions
    from autograder.sandbox import bubblewrap_args, hidden_dirs

    parent = os.path.dirname(os.path.dirname(os.path.realpath(solutions.__file__)))
    hidden = hidden_dirs([parent])
    assert os.path.dirname(os.path.realpath(solutions.__file__)) in hidden
    assert os.path.dirname(os.path.realpath(autograder.__file__)) in hidden
    args = bubblewrap_args(Limits(), Path("/tmp/conn"))
    assert "--unshare-all" in args and "--clearenv" in args and ["--cap-drop", "ALL"] == args[args.index("--cap-drop"):][:2]
