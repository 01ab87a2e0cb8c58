"""A Jupyter kernel for one student's notebook, started in the sandbox and driven by nbclient.

The kernel talks to the grader over IPC sockets in a private directory (the sandbox has no
network, not even a shared loopback). Everything it sends is untrusted: messages are
size-capped at the socket, cell outputs are capped per cell and per notebook, and the
probe results it returns are decoded without pickles (`autograder.probes.decode`).
"""
from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import zmq
import zmq.asyncio
from jupyter_core.utils import run_sync
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import cgroup, probes
from .sandbox import Sandbox

PROBE_MIME = "application/vnd.autograder.recording"
MAX_MESSAGE_BYTES = 32 * 2**20
TIMEOUT_ERROR = {"ename": "CellTimeoutError", "evalue": "the cell ran longer than the grader's time limit",
                 "traceback": ["CellTimeoutError: the cell ran longer than the grader's time limit"]}


class SandboxKernelManager(AsyncKernelManager):
    """Starts ipykernel through `Sandbox.wrap`, on IPC sockets in `conn_dir`."""

    def __init__(self, sandbox: Sandbox, conn_dir: Path, workdir: Path, pids_cgroup: Path | None, **kwargs):
        super().__init__(transport="ipc", ip=str(conn_dir / "ipc"),
                         connection_file=str(conn_dir / "kernel.json"), **kwargs)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                "--IPKernelApp.log_level=CRITICAL"]  # nbclient adds --HistoryManager.hist_file=:memory:
        self._spec = KernelSpec(argv=sandbox.wrap(argv, conn_dir, workdir, pids_cgroup), language="python",
                                display_name="Python 3 (sandboxed)", interrupt_mode="message",
                                resource_dir=str(conn_dir))
        self._context = zmq.asyncio.Context()
        self._context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # a flood cannot exhaust our memory

    @property
    def kernel_spec(self):
        return self._spec

    def client(self, **kwargs):
        return super().client(context=self._context, **kwargs)


class CappedClient(NotebookClient):
    """nbclient's executor with output caps: what exceeds them is dropped and noted once."""

    def __init__(self, nb, cell_output_bytes: int, total_output_bytes: int, **kwargs):
        super().__init__(nb, **kwargs)
        self.cell_output_bytes, self.total_output_bytes = cell_output_bytes, total_output_bytes
        self.total = self.cell = 0
        self.truncated = self._noted = self.probing = self.timed_out = False

    def start_cell(self):
        self.cell = 0
        self._noted = self.timed_out = False

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if self.probing:
            # A probe's own result is all we keep: what the student's functions print is dropped,
            # and none of it counts against the student's output allowance.
            if msg["msg_type"] == "error" or PROBE_MIME in content.get("data", {}):
                return super().output(outs, msg, display_id, cell_index)
            return None
        size = len(json.dumps(content.get("data", content.get("text", "")), default=str))
        self.cell += size
        self.total += size
        if self.cell <= self.cell_output_bytes and self.total <= self.total_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not self._noted:
            outs.append(nbformat.v4.new_output("stream", name="stdout", text=(
                f"\n[output truncated by the grader: more than {self.cell_output_bytes // 1024} KiB in this cell "
                f"or {self.total_output_bytes // 1024} KiB in the notebook]\n")))
            self._noted = True
        self.truncated = True
        return None


@dataclass
class CellRun:
    """How the execution of one cell ended."""

    status: str
    """"ok", "error" (the code raised), "timeout" or "dead" (the kernel died)."""
    outputs: list = field(default_factory=list)


class StudentKernel:
    """One sandboxed kernel; `restart` replaces it (after a death or a hang) with a fresh one."""

    def __init__(self, sandbox: Sandbox, cell_output_bytes=64 * 1024, total_output_bytes=1024 * 1024,
                 startup_timeout=60):
        self.sandbox = sandbox
        self.cell_output_bytes, self.total_output_bytes = cell_output_bytes, total_output_bytes
        self.startup_timeout = startup_timeout
        self.client = None
        self.truncated = False
        self._tmp = None
        self._cgroup = None

    # ---------------------------------------------------------------- lifecycle
    def start(self):
        self._tmp = Path(tempfile.mkdtemp(prefix="autograder-kernel-"))
        conn, work = self._tmp / "conn", self._tmp / "home"
        self.sandbox.prepare_dir(conn)
        self.sandbox.prepare_dir(work)
        self._cgroup = cgroup.create(self.sandbox.limits.nproc)
        km = SandboxKernelManager(self.sandbox, conn, work, self._cgroup)
        self.client = CappedClient(nbformat.v4.new_notebook(), self.cell_output_bytes, self.total_output_bytes,
                                   km=km, allow_errors=True, interrupt_on_timeout=True,
                                   error_on_timeout=TIMEOUT_ERROR, startup_timeout=self.startup_timeout,
                                   shutdown_kernel="immediate", record_timing=False, iopub_timeout=10)
        log = open(self._tmp / "kernel.log", "wb")  # the launcher's and bwrap's own messages
        try:
            self.client.start_new_kernel(env=self.sandbox.environment(work), cwd=str(work),
                                         stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL)
            self.client.start_new_kernel_client()
        except Exception as exc:
            log.close()
            tail = (self._tmp / "kernel.log").read_bytes()[-400:].decode(errors="replace")
            self.stop()
            raise RuntimeError(f"the sandboxed kernel did not start: {exc} {tail}".strip()) from exc
        log.close()

    def stop(self):
        """Kill the kernel and everything it started; remove its files."""
        if self.client is not None:
            self.truncated |= self.client.truncated
            try:
                if self.client.km is not None:
                    self.client._cleanup_kernel()
            except Exception:  # noqa: BLE001 - a dead or hostile kernel may fail to shut down cleanly
                pass
            self.client = None
        cgroup.kill_all(self._cgroup)
        self._cgroup = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def restart(self):
        self.stop()
        self.start()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---------------------------------------------------------------- execution
    def alive(self) -> bool:
        try:
            return bool(self.client and self.client.km and run_sync(self.client.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def run(self, source: str, timeout: float) -> CellRun:
        """Execute `source` as a cell, waiting at most `timeout` seconds."""
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells = [cell]
        self.client.timeout = max(1, int(timeout + 0.999))
        self.client.start_cell()
        try:
            self.client.execute_cell(cell, 0)
        except DeadKernelError:
            return CellRun("dead", cell.outputs)
        except CellTimeoutError:
            return CellRun("timeout", cell.outputs)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if self.client.timed_out:
            return CellRun("timeout", cell.outputs)
        if not self.alive():
            return CellRun("dead", cell.outputs)
        return CellRun("error" if errors else "ok", cell.outputs)

    def responsive(self, timeout: float = 5) -> bool:
        """After an interrupt: does the kernel answer again?"""
        return self.alive() and self.run("pass", timeout).status == "ok"

    def probe(self, script: dict, arrays: dict, timeout: float) -> tuple[dict | None, str]:
        """Run a probe script against the student's namespace: (recording, "") or (None, why not)."""
        self.client.probing = True
        try:
            run = self.run(probe_code(script, arrays), timeout)
        finally:
            if self.client is not None:
                self.client.probing = False
        if run.status in ("timeout", "dead"):
            return None, run.status
        for out in run.outputs:
            data = out.get("data", {}) if out.output_type == "display_data" else {}
            if PROBE_MIME in data:
                try:
                    return probes.decode(data[PROBE_MIME]), ""
                except Exception as exc:  # noqa: BLE001 - the kernel controls these bytes
                    return None, f"unreadable result ({type(exc).__name__})"
        errors = [f"{o.ename}: {o.evalue}" for o in run.outputs if o.output_type == "error"]
        return None, "the probe could not run in your kernel" + (f" ({errors[0][:200]})" if errors else "")


_PROBE_TEMPLATE = """\
def __autograder_probe():
    import json
    g = {{"__name__": "autograder_probe"}}
    exec({source!r}, g)
    recording = g["run"](json.loads({script!r}), g["decode"]({arrays!r}), get_ipython().user_ns)
    from IPython.display import publish_display_data
    publish_display_data({{{mime!r}: g["encode"](recording)}})
__autograder_probe()
del __autograder_probe
"""


def probe_code(script: dict, arrays: dict) -> str:
    """Cell source that runs `autograder.probes` (sent as text: the sandbox cannot import it)."""
    return _PROBE_TEMPLATE.format(source=probes_source(), script=json.dumps(script),
                                  arrays=probes.encode(arrays), mime=PROBE_MIME)


@functools.lru_cache(maxsize=1)
def probes_source() -> str:
    return Path(probes.__file__).read_text()
