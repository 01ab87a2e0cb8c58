"""The grader's side of the sandbox: a started template, and one student's process forked from it.

`Template` starts `autograder.executor` in a `Sandbox` (once per grading worker) and forks a
`StudentProcess` per notebook; `StudentProcess.run` executes a cell and `probe` asks a
question. Everything a student's process sends is untrusted: frames are size-capped and
parsed with limits, their fields are type-checked before they become notebook outputs, the
outputs of a cell and of a notebook are capped (error messages included), and a process that
breaks the protocol is killed. Time limits are enforced here, by the clock of the grader.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import cgroup
from .executor import FRAME, send
from .inert import encodable
from .sandbox import Sandbox

MAX_FRAME = 24 << 20
SAFE_MIMES = ("text/plain", "image/png", "image/jpeg")
MAX_IMAGE_BYTES = 1 << 20
OUTPUT_OVERHEAD = 64  # bytes charged per output besides its text: the JSON around it
TEMPLATE_MEMORY_MB = 256  # the template's own share of the sandbox's memory cap
GRACE = 2.0  # seconds an interrupted cell has to stop before its process is killed


class TemplateError(RuntimeError):
    """The sandbox could not be started (the message says why)."""


class ProtocolError(RuntimeError):
    """A student's process sent something that is not a valid frame."""


def _read_frame(sock: socket.socket, deadline: float, max_bytes: int = MAX_FRAME) -> dict | None:
    """One JSON frame, or None at end of stream; raises TimeoutError after `deadline`."""
    head = _read_exact(sock, FRAME.size, deadline)
    if head is None:
        return None
    size = FRAME.unpack(head)[0]
    if size > max_bytes:
        raise ProtocolError(f"a message of {size} bytes (at most {max_bytes} are accepted)")
    body = _read_exact(sock, size, deadline)
    if body is None:
        return None
    try:
        frame = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a message that is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ProtocolError("a message without a type")
    return frame


def _read_exact(sock: socket.socket, n: int, deadline: float) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(n - got, 1 << 20))
        except TimeoutError:
            raise TimeoutError from None
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class Template:
    """A template process in a sandbox; `spawn` forks a fresh process for one notebook."""

    def __init__(self, sandbox: Sandbox, startup_timeout: float = 60.0):
        self.sandbox = sandbox
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.cgroups = cgroup.Cgroups()
        self._tmp: Path | None = None
        self._lock = threading.Lock()

    # -------------------------------------------------------------- lifecycle
    def start(self) -> Template:
        limits = self.sandbox.limits
        self._tmp = Path(tempfile.mkdtemp(prefix="autograder-sandbox-"))
        self._tmp.chmod(0o755)
        self.cgroups = cgroup.create((limits.memory_mb + TEMPLATE_MEMORY_MB) << 20, limits.processes)
        argv = self.sandbox.template_command(self._tmp / "stage", self.cgroups.paths)
        ours, theirs = socket.socketpair()
        try:
            with open(self._tmp / "template.log", "wb") as log:  # the launcher's and bwrap's own messages
                self.process = subprocess.Popen(argv, stdin=theirs.fileno(), stdout=subprocess.DEVNULL, stderr=log,
                                                close_fds=True, start_new_session=True, cwd=self._tmp)
        except OSError as exc:
            self.close()
            raise TemplateError(f"could not start {argv[0]}: {exc}") from exc
        finally:
            theirs.close()
        self.control = ours
        try:
            frame = _read_frame(ours, time.monotonic() + self.startup_timeout)
        except (TimeoutError, ProtocolError) as exc:
            frame = None
            why = "it did not answer in time" if isinstance(exc, TimeoutError) else str(exc)
        else:
            why = "it exited"
        if not frame or frame.get("type") != "ready":
            tail = self._log_tail()
            self.close()
            raise TemplateError(f"the sandbox did not start ({why}){': ' + tail if tail else ''}")
        return self

    def _log_tail(self) -> str:
        if self._tmp is None:
            return ""
        try:
            text = (self._tmp / "template.log").read_bytes()[-600:].decode(errors="replace")
        except OSError:
            return ""
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """Stop the template and everything in its sandbox; remove its files."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None
        self.cgroups.kill_all()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -------------------------------------------------------------- children
    def _request(self, message: dict, fds=None, timeout: float = 10.0) -> dict:
        with self._lock:
            if self.control is None:
                raise TemplateError("the sandbox is not running")
            try:
                send(self.control, message, fds)
                frame = _read_frame(self.control, time.monotonic() + timeout)
            except (OSError, TimeoutError, ProtocolError) as exc:
                raise TemplateError(f"the sandbox stopped answering ({type(exc).__name__})") from exc
            if frame is None:
                raise TemplateError("the sandbox exited")
            return frame

    def spawn(self, timeout: float = 30.0) -> StudentProcess:
        """A fresh process for one notebook (its own namespaces, scratch space and limits)."""
        ours, theirs = socket.socketpair()
        try:
            reply = self._request({"op": "fork", "settings": self.sandbox.child_settings()}, [theirs.fileno()])
        finally:
            theirs.close()
        if reply.get("type") != "forked" or not isinstance(reply.get("pid"), int):
            ours.close()
            raise TemplateError("the sandbox refused to start a process")
        process = StudentProcess(self, reply["pid"], ours)
        try:
            ready = _read_frame(ours, time.monotonic() + timeout, max_bytes=4096)
        except (TimeoutError, ProtocolError):
            ready = None
        if not ready or ready.get("type") != "ready":
            process.kill()
            raise TemplateError("a student process did not start in the sandbox")
        process.note = str(ready.get("note") or "")[:300]
        return process

    def signal(self, pid: int, what: str) -> None:
        with contextlib.suppress(TemplateError):
            self._request({"op": "signal", "pid": pid, "signal": what})

    def check(self) -> list[str]:
        """Start, fork a child, run a cell; return notes on what is weaker than full isolation."""
        notes = []
        with self:
            child = self.spawn()
            try:
                run = child.run("import numpy, sys\nprint(numpy.ones(2).sum())", timeout=30)
            finally:
                child.kill()
            text = "".join(o.get("text", "") for o in run.outputs if o.get("output_type") == "stream")
            if run.status != "ok" or "2.0" not in text:
                errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in run.outputs if o.get("output_type") == "error"]
                raise TemplateError("a test cell failed in the sandbox" + (f" ({errors[0][:200]})" if errors else ""))
            if child.note:
                notes.append(f"Every notebook shares scratch space with the others graded by the same worker: "
                             f"{child.note}.")
            memory = self.sandbox.limits.memory_mb
            if not self.cgroups.memory:
                notes.append(f"Memory is capped at {memory} MB per process, not per sandbox (no memory cgroup "
                             "could be created: run as root, or with a delegated cgroup, to cap the sum).")
            if not self.cgroups.pids:
                notes.append("The number of processes is capped by RLIMIT_NPROC for the sandbox's user, not by a "
                             "pids cgroup.")
        return notes


@dataclass
class CellRun:
    """How the execution of one cell ended."""

    status: str
    """"ok", "error" (the code raised), "timeout" or "dead" (the process died or broke the protocol)."""
    outputs: list = field(default_factory=list)
    """nbformat outputs, capped and type-checked."""
    problem: str = ""
    """What went wrong beyond the code's own errors (protocol violations)."""


class OutputCap:
    """Byte allowances for the outputs of one cell and of a whole notebook."""

    def __init__(self, cell_bytes: int, total_bytes: int):
        self.cell_bytes, self.total_bytes = cell_bytes, total_bytes
        self.total = 0
        self.truncated = False

    def new_cell(self) -> _CellOutputs:
        return _CellOutputs(self)


class _CellOutputs:
    def __init__(self, cap: OutputCap):
        self.cap, self.used, self.noted = cap, 0, False
        self.outputs: list = []

    def add(self, output: dict, size: int) -> None:
        last = self.outputs[-1] if self.outputs else None
        merge = (output.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                 and last.get("name") == output.get("name") and not self.noted)
        size += 0 if merge else OUTPUT_OVERHEAD  # many tiny outputs cost as much as their JSON does
        if self.used + size <= self.cap.cell_bytes and self.cap.total + size <= self.cap.total_bytes:
            self.used += size
            self.cap.total += size
            if merge and last is not None:
                last["text"] += output["text"]
            else:
                self.outputs.append(output)
            return
        self.cap.truncated = True
        if not self.noted:
            self.noted = True
            self.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=(
                f"\n[output truncated by the grader: more than {self.cap.cell_bytes // 1024} KiB in this cell "
                f"or {self.cap.total_bytes // 1024} KiB in the notebook]\n")))


class StudentProcess:
    """One notebook's process in the sandbox: runs cells and probes, one at a time."""

    def __init__(self, template: Template, pid: int, sock: socket.socket):
        self.template, self.pid, self.sock = template, pid, sock
        self.note = ""
        self.dead = False

    def kill(self) -> None:
        if not self.dead:
            self.dead = True
            self.template.signal(self.pid, "kill")
        with contextlib.suppress(OSError):
            self.sock.close()

    def run(self, code: str, timeout: float, cap: OutputCap | None = None) -> CellRun:
        """Execute `code` as a cell, waiting at most `timeout` seconds."""
        cap = cap or OutputCap(64 << 10, 1 << 20)
        status, outputs, _, problem = self._exchange({"op": "run", "code": code}, timeout, cap.new_cell())
        return CellRun(status, outputs, problem)

    def probe(self, script: dict, arrays_b64: str, timeout: float) -> tuple[str | None, str]:
        """Ask a probe; returns (the recording as base64 .npz text, "") or (None, why not)."""
        cell = OutputCap(4 << 10, 4 << 10).new_cell()
        status, outputs, recording, problem = self._exchange(
            {"op": "probe", "script": script, "arrays": arrays_b64}, timeout, cell)
        if status in ("timeout", "dead"):
            return None, status if not problem else f"{status}: {problem}"
        if recording is not None:
            return recording, ""
        errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]
        return None, "the question could not be asked in your notebook" + (f" ({errors[0][:200]})" if errors else "")

    # -------------------------------------------------------------- protocol
    def _exchange(self, request: dict, timeout: float, cell: _CellOutputs):
        """Send a request, collect frames until "done": (status, outputs, recording, problem)."""
        if self.dead:
            return "dead", [], None, ""
        deadline = time.monotonic() + timeout
        recording = None
        try:
            send(self.sock, request)
        except OSError:
            self.dead = True
            return "dead", cell.outputs, None, ""
        interrupted = False
        while True:
            try:
                frame = _read_frame(self.sock, deadline if not interrupted else deadline + GRACE)
            except TimeoutError:
                if not interrupted:
                    interrupted = True
                    self.template.signal(self.pid, "interrupt")
                    continue
                self.kill()
                return "timeout", cell.outputs, None, ""
            except ProtocolError as exc:
                self.kill()
                return "dead", cell.outputs, None, f"your code sent the grader {exc}"
            if frame is None:
                self.dead = True
                return ("timeout" if interrupted else "dead"), cell.outputs, None, ""
            kind = frame["type"]
            if kind == "done":
                status = "timeout" if interrupted else ("error" if frame.get("status") == "error" else "ok")
                return status, cell.outputs, recording, ""
            if kind == "recording":
                data = frame.get("data")
                recording = data if isinstance(data, str) else None
                continue
            output, size = to_output(frame)
            if output is not None:
                cell.add(output, size)


def to_output(frame: dict) -> tuple[dict | None, int]:
    """A frame from a student's process -> a valid nbformat output (or None) and its size.

    Only plain text and PNG/JPEG images survive: nothing a student sends can become HTML,
    script, SVG, Markdown or LaTeX in a page the grader writes.
    """
    kind = frame.get("type")
    if kind == "stream":
        name, text = frame.get("name"), frame.get("text")
        if name in ("stdout", "stderr") and isinstance(text, str) and text:
            return nbformat.v4.new_output("stream", name=name, text=encodable(text)), len(text)
        return None, 0
    if kind == "error":
        ename, evalue, tb = frame.get("ename"), frame.get("evalue"), frame.get("traceback")
        if not isinstance(ename, str) or not isinstance(evalue, str) or not isinstance(tb, list):
            return None, 0
        lines = [line for line in tb if isinstance(line, str)]
        out = nbformat.v4.new_output("error", ename=encodable(ename[:200]), evalue=encodable(evalue[:4000]), traceback=[])
        budget = 16000
        for line in lines:
            out.traceback.append(encodable(line[:budget]))
            budget -= len(out.traceback[-1])
            if budget <= 0:
                out.traceback.append("[traceback truncated by the grader]")
                break
        return out, len(out.ename) + len(out.evalue) + 16000 - max(budget, 0)
    if kind in ("display", "result"):
        data = frame.get("data")
        if not isinstance(data, dict):
            return None, 0
        clean, size = {}, 0
        for mime in SAFE_MIMES:
            value = data.get(mime)
            if mime == "text/plain" and isinstance(value, str):
                clean[mime], size = encodable(value), size + len(value)
            elif mime != "text/plain" and isinstance(value, str) and len(value) <= MAX_IMAGE_BYTES * 4 // 3 + 4:
                try:
                    raw = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    continue
                if raw[:8] == b"\x89PNG\r\n\x1a\n" or raw[:3] == b"\xff\xd8\xff":
                    clean[mime], size = value, size + len(value)
        if not clean:
            return None, 0
        if kind == "result":
            count = frame.get("execution_count")
            return nbformat.v4.new_output("execute_result", data=clean,
                                          execution_count=count if isinstance(count, int) else None), size
        return nbformat.v4.new_output("display_data", data=clean), size
    return None, 0
