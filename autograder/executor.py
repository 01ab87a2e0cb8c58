"""The student's side of the sandbox: a template that forks one fresh child per notebook.

This file runs *inside* the sandbox, as a standalone script (``python executor.py``): the
sandbox hides the grader's packages, so it imports only the standard library, IPython and
numpy, plus ``probes`` (bound read-only next to it).

Why a template: starting Python, importing numpy and IPython costs about 0.15 s of CPU per
notebook, more than running a student's cells. The template pays it once; each notebook
gets a child forked from it (a few milliseconds), which never shares anything with the
next one. Each child, before any student code runs:

- unshares new user, mount, PID, network, IPC and UTS namespaces (so it is PID 1 of its
  own PID namespace, every process it starts dies with it, and it cannot signal the
  template or see another student's sockets);
- mounts fresh, size-capped tmpfs file systems on /tmp, the home directory and /dev/shm
  (so no file of the previous student is visible);
- sets its resource limits, drops every capability, sets no_new_privs, and offers itself
  to the OOM killer first (the template must survive a student's memory exhaustion);
- creates a new IPython shell (magics, ``display``, tracebacks as in Jupyter).

Where a namespace cannot be created (no bubblewrap, or user namespaces disabled) the child
still runs, with a private scratch directory, and says so in its "ready" message.

Protocol, on Unix stream sockets: frames of a 4-byte big-endian length and a JSON object.
The grader's worker talks to the template on its stdin (requests ``fork``, ``signal``;
``fork`` carries the child's own socket as an SCM_RIGHTS file descriptor), and to each
child on that socket (requests ``run`` and ``probe``; the child answers with ``stream``,
``display``, ``result``, ``error``, ``recording`` frames and a final ``done``). Everything
a child sends is untrusted on the other side: the student's code runs in it and can write
anything to that socket.
"""
from __future__ import annotations

import base64
import contextlib
import ctypes
import io
import json
import os
import signal
import socket
import struct
import sys
import time
from typing import Any

FRAME = struct.Struct(">I")
MAX_FRAME = 32 << 20
STREAM_FLUSH = 16 << 10  # bytes of buffered output per stream frame

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 4, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
STUDENT_UID = 1000
# Seconds a kill (or the next fork) waits for a notebook's processes to be gone (under the grader's 10 s).
PREVIOUS_EXIT_WAIT = 5.0

_libc = ctypes.CDLL(None, use_errno=True)
# Bound now: a student who patches json or socket in their own process must not change how
# the executor talks (that would only break their own notebook, but confusingly).
_dumps, _loads, _send_fds, _recv_fds = json.dumps, json.loads, socket.send_fds, socket.recv_fds


# ------------------------------------------------------------------------- framing


def send(sock: socket.socket, obj: dict, fds: list[int] | None = None) -> None:
    data = _dumps(obj, separators=(",", ":"), default=str).encode()
    frame = FRAME.pack(len(data)) + data
    if fds:
        _send_fds(sock, [frame], fds)
    else:
        sock.sendall(frame)


def _exact(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv(sock: socket.socket) -> dict | None:
    """The next frame from the grader (trusted), or None when it closed the socket."""
    head = _exact(sock, FRAME.size)
    if head is None:
        return None
    body = _exact(sock, FRAME.unpack(head)[0])
    return None if body is None else _loads(body)


def recv_with_fds(sock: socket.socket) -> tuple[dict | None, list[int]]:
    head, fds, _, _ = _recv_fds(sock, FRAME.size, 4)
    if not head:
        return None, []
    while len(head) < FRAME.size:
        more = sock.recv(FRAME.size - len(head))
        if not more:
            return None, fds
        head += more
    body = _exact(sock, FRAME.unpack(head)[0])
    return (None if body is None else _loads(body)), fds


# ------------------------------------------------------------------- system calls


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def isolate() -> None:
    """Enter new user, mount, PID, network, IPC and UTS namespaces (PID applies to children)."""
    uid, gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{STUDENT_UID} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{STUDENT_UID} {gid} 1")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")


def mount_scratch(paths: list[str], size_mb: int) -> None:
    """A fresh tmpfs of `size_mb` on each path (hiding whatever was there)."""
    options = f"size={size_mb}m,nr_inodes=65536,mode=1777".encode()
    for path in paths:
        if os.path.isdir(path):
            _check(_libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount {path}")


def show_own_processes() -> None:
    """A fresh /proc for the student's PID namespace: it lists the notebook's own processes only,
    not the template's. Called as PID 1 of that namespace, before privileges are dropped; where
    the kernel refuses, the sandbox's /proc stays (its processes cannot be read or signalled)."""
    with contextlib.suppress(OSError):
        _check(_libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")


def drop_privileges() -> None:
    """No capabilities, none to regain (bounding and ambient sets cleared, no_new_privs)."""
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in range(64):
        if _prctl(PR_CAPBSET_DROP, cap) != 0 and ctypes.get_errno() == 22:  # EINVAL: no such capability
            break
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")


def set_limits(limits: dict) -> None:
    import resource

    mb = 1 << 20
    for name, value in (("RLIMIT_AS", limits["memory_mb"] * mb), ("RLIMIT_FSIZE", limits["file_mb"] * mb),
                        ("RLIMIT_NOFILE", limits["open_files"]), ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    if limits.get("nproc"):
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


# ----------------------------------------------------------------------- the shell


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of the student: buffered into "stream" frames."""

    encoding = "utf-8"

    def __init__(self, child: Child, name: str):
        self.child, self.name, self.size = child, name, 0
        self.parts: list[str] = []

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.parts.append(text)
        self.size += len(text)
        if self.size >= STREAM_FLUSH:
            self.flush()
        return len(text)

    def flush(self):
        if self.parts:
            text, self.parts, self.size = "".join(self.parts), [], 0
            self.child.emit({"type": "stream", "name": self.name, "text": text})


class _NoInput(io.TextIOBase):
    def readable(self):
        return True

    def readline(self, *args):
        raise RuntimeError("input() is not available: the notebook runs without a keyboard while it is graded")

    read = readline


def _encode(data: dict) -> dict:
    """Display data as JSON: bytes (PNG, JPEG) in base64, everything else as it is."""
    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}


def make_shell(child: Child):
    """A new IPython shell whose output goes to the grader as frames."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            child.flush_streams()
            child.emit({"type": "display", "data": _encode(data), "metadata": metadata or {}})

        def clear_output(self, wait=False):
            child.flush_streams()
            child.emit({"type": "clear", "wait": bool(wait)})

    class Hook(DisplayHook):
        def start_displayhook(self):
            self.pending = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.pending = {"type": "result", "data": _encode(format_dict), "metadata": md_dict or {},
                            "execution_count": self.prompt_count}

        def finish_displayhook(self):
            child.flush_streams()
            pending = getattr(self, "pending", None)
            if pending:
                child.emit(pending)
            self.pending = None

    class Shell(InteractiveShell):
        def _showtraceback(self, etype, evalue, stb):
            child.flush_streams()
            child.emit({"type": "error", "ename": getattr(etype, "__name__", str(etype)), "evalue": str(evalue),
                        "traceback": list(stb)})

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    shell = Shell(config=config, displayhook_class=Hook, display_pub_class=Publisher)
    InteractiveShell._instance = shell  # type: ignore[assignment]  # get_ipython() and IPython.display use it
    if shell.display_formatter is not None:
        shell.display_formatter.active_types = ["text/plain", "image/png", "image/jpeg"]
    return shell


class Child:
    """One student's process: runs cells and probes for the grader, one request at a time."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.stdout, self.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")
        self.shell: Any = None  # an IPython InteractiveShell, made in serve()

    def emit(self, frame: dict) -> None:
        send(self.sock, frame)

    def flush_streams(self) -> None:
        self.stdout.flush()
        self.stderr.flush()

    def serve(self) -> None:
        sys.stdout, sys.stderr, sys.stdin = self.stdout, self.stderr, _NoInput()
        self.shell = make_shell(self)
        while True:
            try:
                request = recv(self.sock)
            except KeyboardInterrupt:  # an interrupt that arrived between two cells
                continue
            if request is None:
                return
            status = "ok"
            try:
                if request["op"] == "run":
                    result = self.shell.run_cell(request["code"], store_history=True)
                    status = "ok" if result.success else "error"
                elif request["op"] == "probe":
                    self.probe(request)
            except KeyboardInterrupt:
                status = "error"
            except BaseException as exc:  # noqa: BLE001 - reported to the grader, the child goes on
                self.emit({"type": "error", "ename": type(exc).__name__, "evalue": str(exc)[:2000], "traceback": []})
                status = "error"
            self.flush_streams()
            self.emit({"type": "done", "status": status})

    def probe(self, request: dict) -> None:
        """Run a probe script against the student's namespace; what the functions print is dropped."""
        import probes

        sink = _Sink()
        sys.stdout, sys.stderr = sink, sink
        try:
            recording = probes.run(request["script"], probes.decode(request["arrays"]), self.shell.user_ns)
        finally:
            sys.stdout, sys.stderr = self.stdout, self.stderr
        self.emit({"type": "recording", "data": probes.encode(recording)})


class _Sink(io.TextIOBase):
    def writable(self):
        return True

    def write(self, text):
        return len(text)


# -------------------------------------------------------------------- the template


def start_child(channel: int, settings: dict, control: socket.socket) -> int:
    """Fork the process that will serve one notebook; returns its pid (in the template's view).

    The forked process enters new namespaces and mounts fresh scratch space, then forks the
    student's process (PID 1 of the new PID namespace) and waits for it, relaying the
    grader's interrupt (SIGUSR1 -> SIGINT) and kill (SIGTERM -> SIGKILL) requests.
    """
    pid = os.fork()  # OSError when the sandbox's process limit is reached: the caller refuses
    if pid:
        os.close(channel)
        return pid
    try:
        control.close()
        quiet = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):  # the template's own output goes to the host's log: nothing of a student's may
            os.dup2(quiet, fd)
        os.close(quiet)
        note = ""
        try:
            _prctl(PR_SET_DUMPABLE, 1)  # a non-dumpable process may not write its own uid_map
            isolate()
            mount_scratch(settings["scratch"], settings["limits"]["tmpfs_mb"])
        except OSError as exc:
            note = f"no private namespaces for this notebook ({exc.strerror or exc})"
        finally:
            _prctl(PR_SET_DUMPABLE, 0)
        student = os.fork()
        if student == 0:
            _student_main(channel, settings, note)
        os.close(channel)
        signal.signal(signal.SIGUSR1, lambda *_: _kill(student, signal.SIGINT))
        signal.signal(signal.SIGTERM, lambda *_: _kill(student, signal.SIGKILL))
        while True:
            try:
                os.waitpid(student, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
    finally:
        os._exit(0)


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _student_main(channel: int, settings: dict, note: str) -> None:
    code = 0
    try:
        home = settings["home"]
        os.makedirs(home, exist_ok=True)
        os.chdir(home)
        os.environ.update(settings["environment"])
        if note:
            os.setsid()  # without a PID namespace, a process group at least
        set_limits(settings["limits"])
        if not note:
            show_own_processes()
            drop_privileges()
        sock = socket.socket(fileno=channel)
        child = Child(sock)
        send(sock, {"type": "ready", "pid": os.getpid(), "note": note})
        child.serve()
    except BaseException:  # noqa: BLE001 - nothing left to tell: the grader sees the socket close
        code = 1
    os._exit(code)


def warm_up() -> None:
    """Import and exercise once what every child needs, so no child pays for it."""
    import numpy  # noqa: F401
    import probes  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell

    class _Discard:
        def emit(self, frame):
            pass

        def flush_streams(self):
            pass

    shell = make_shell(_Discard())  # type: ignore[arg-type]
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = _Sink()
    try:
        shell.run_cell("import numpy as np\n%time _ = np.ones(3) @ np.ones(3)\n1 / 0")
    finally:
        sys.stdout, sys.stderr = saved
    InteractiveShell._instance = None
    InteractiveShell.clear_instance()


def template_main() -> None:
    control = socket.socket(fileno=os.dup(0))
    os.close(0)
    os.open(os.devnull, os.O_RDONLY)  # fd 0 again, for the children
    warm_up()
    _prctl(PR_SET_DUMPABLE, 0)  # no student may read or trace the template
    children: set[int] = set()
    send(control, {"type": "ready", "pid": os.getpid()})
    while True:
        _reap(children)
        request, fds = recv_with_fds(control)
        if request is None:
            for pid in children:
                _kill(pid, signal.SIGTERM)
            return
        op = request.get("op")
        if op == "fork" and len(fds) == 1:
            _end(set(children), children)  # normally none left: a kill waits for its process
            try:
                pid = start_child(fds[0], request["settings"], control)
            except OSError as exc:  # no process left under the sandbox's limit (a fork bomb not yet reaped)
                os.close(fds[0])
                send(control, {"type": "refused", "reason": f"fork failed: {exc.strerror or exc}"})
                continue
            children.add(pid)
            send(control, {"type": "forked", "pid": pid})
        elif op == "signal" and request.get("pid") in children:
            if request["signal"] == "kill":  # the notebook is done with it: gone before the reply, on its time
                _end({request["pid"]}, children)
            else:
                _kill(request["pid"], signal.SIGUSR1)
            send(control, {"type": "signalled"})
        else:
            for fd in fds:
                os.close(fd)
            send(control, {"type": "refused"})


def _end(pids: set[int], children: set[int]) -> None:
    """Kill `pids` (processes of notebooks done with) and wait, boundedly, until they are reaped.

    One notebook at a time is graded per sandbox, and its memory cgroup counts every process
    and tmpfs page of it: a process (or its /tmp) still being torn down would take memory
    that the next student is entitled to. Waiting when the kill is asked for charges the
    teardown to the notebook that caused it, not to the next one.
    """
    for pid in pids:
        _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + PREVIOUS_EXIT_WAIT
    while pids & children and time.monotonic() < deadline:
        _reap(children)
        if pids & children:
            time.sleep(0.005)


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    template_main()
