"""Hostile submissions, end to end: every attack of the security issue, graded beside honest students.

One course, one grading run (``--jobs 2``, as a subprocess so that its terminal output is
captured byte for byte, with a thread sampling the memory of the grader and its sandboxes),
then a second run after some students resubmit. Every test below inspects that outcome and
asserts what a correct grader guarantees (DESIGN.md, "Grading: what safe and fair mean"):

1. forged verdicts gain nothing over the untouched release notebook;
2. nothing a student wrote can become HTML, script or markup (the browser checks of the
   pages themselves are in hostile_pages.py, imported at the end);
3. no submission stops the batch, and no escape sequence reaches the terminal;
4. the grader's own work per notebook is bounded (time, file sizes);
5. the sandbox caps every writable path and the memory of all its processes, and nothing
   of one notebook outlives it or reaches another;
6. hidden inputs are unpredictable and never shown;
7. forbidden imports, symbolic links and "only raises" functions earn nothing.

Attacks that abort a whole run (so that nothing else could be checked) are graded in small
runs of their own beside two honest students (`stoppers`).
"""
from __future__ import annotations

import base64
import contextlib
import csv
import functools
import html.parser
import io
import json
import os
import re
import shutil
import site
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import numpy as np
import pytest
from factories import SECRET, append_code, autograded, cell_scores, honest_nb, max_score, release, solution_cell, submit, totals

from autograder import checks, probes, runner
from autograder.cells import check_names, is_test
from autograder.cli import main

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
A1, A2 = "ex01_covariate_shift", "ex02_algorithm"
CELL_TIMEOUT, NOTEBOOK_TIMEOUT, GRACE = 5, 60, 2.0
MEMORY_MB, TEMPLATE_MB, TMPFS_MB, FILE_MB = 2048, 256, 256, 64
TOKEN = uuid.uuid4().hex[:12]
MARKER = f"{7000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 1000:03d}"  # a unique `sleep` argument
FEW_MB = 4 << 20  # "a few MB": the largest autograded copy or feedback page any notebook may cause

HONEST = ("honest-a", "honest-b", "zzz-last")
XSS_ID = "<img src=x onerror=document.title='PWNED-id'>"
XSS_ID2 = "q\" onmouseover=\"document.title='PWNED-id2'\" data-x=\""
ESC_ID = "esc-\x1b[2J\x1b[H\x1b]0;PWNED-TITLE\x07\x1b]52;c;cHduZWQ=\x07\u202eevil\u202c\x9b31m"
RICH_ID, RICH_ID2 = "[bold red]rich", "[reverse]x[blink]y"  # a file name cannot hold "/", so no closing tag
RICH_FIELD = "[bold red]field[/][/]\x1b]0;PWNED-FIELD\x07"
CSV_ID = "=1+2"
LONG_ID = "L" * 200

# ------------------------------------------------------------------------------ sandbox snippets

SOCK = r'''
import os as _os, stat as _stat, json as _json, struct as _struct, socket as _socket
def _sock_fd():
    for fd in range(51):
        try:
            if _stat.S_ISSOCK(_os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass
_S = _socket.socket(fileno=_os.dup(_sock_fd()))
def _send(obj):
    data = _json.dumps(obj).encode()
    _S.sendall(_struct.pack(">I", len(data)) + data)
def _send_raw(body):
    _S.sendall(_struct.pack(">I", len(body)) + body)
'''

# A forger that knows nothing about batch norm: it answers from the script alone.
FORGE = r'''
import numpy as _np
def _forge(script, arrays):
    out = {}
    for step in script["steps"]:
        sid = step["id"]
        if "expect" in step:
            kind = step["expect"][0]
            out[sid + ".error"] = _np.array(f"{kind}: {step.get('mentions', 'x')} must have shape (N, D)")
            out[sid + ".error_types"] = _np.array(f"{kind},Exception,BaseException,object")
        elif "attrs" in step:
            for n in step["names"]:
                out[f"{sid}.{n}"] = _np.zeros(1)
        elif "is" in step:
            out[sid + ".is"] = _np.array(True)
        elif "set" in step:
            out[sid + ".ok"] = _np.array(True)
        else:
            for n in step.get("record", []):
                out[f"{sid}.{n}"] = _np.zeros(1)
            if step.get("watch"):
                for i, a in enumerate(step.get("args", [])):
                    if isinstance(a, str) and a.startswith("@"):
                        out[f"{sid}.arg{i}"] = _np.array(arrays[a[1:]])
    return out
'''

FORGERIES = {
    # Gaining forgeries: each delivers `_forge` by another route.
    "forge-probes": FORGE + "import probes\nprobes.run = lambda script, arrays, ns: _forge(script, arrays)\n",
    "forge-serve": FORGE + SOCK + r'''
import probes
def _exact(n):
    b = b""
    while len(b) < n:
        c = _S.recv(n - len(b))
        if not c:
            _os._exit(0)
        b += c
    return b
_send({"type": "done", "status": "ok"})  # this cell is over, as far as the grader knows
while True:  # from now on this cell answers the grader itself
    req = _json.loads(_exact(_struct.unpack(">I", _exact(4))[0]))
    if req.get("op") == "probe":
        _send({"type": "recording", "data": probes.encode(_forge(req["script"], probes.decode(req["arrays"])))})
    _send({"type": "done", "status": "ok"})
''',
    "forge-frame": FORGE + r'''
import sys, probes
_code = probes.run.__code__
def _prof(frame, event, arg):
    if event == "return" and frame.f_code is _code and isinstance(arg, dict):
        forged = _forge(frame.f_locals["script"], frame.f_locals["arrays"])
        arg.clear()
        arg.update(forged)
sys.setprofile(_prof)
''',
    "forge-numpy": FORGE + r'''
import inspect, numpy as np, probes
_savez = np.savez
def _evil_savez(file, *args, **kw):
    for info in inspect.stack():
        req = info.frame.f_locals.get("request")
        if isinstance(req, dict) and req.get("op") == "probe":
            kw = _forge(req["script"], probes.decode(req["arrays"]))
            break
    return _savez(file, *args, **kw)
np.savez = _evil_savez
''',
    "forge-emit": FORGE + r'''
import sys, probes
_child = sys.stdout.child
_emit, _probe, _state = _child.emit, _child.probe, {}
def _my_probe(request):
    _state["req"] = request
    return _probe(request)
def _my_emit(frame):
    if frame.get("type") == "recording" and "req" in _state:
        r = _state["req"]
        frame = {"type": "recording", "data": probes.encode(_forge(r["script"], probes.decode(r["arrays"])))}
    return _emit(frame)
_child.probe, _child.emit = _my_probe, _my_emit
''',
    "forge-gc": FORGE + r'''
import gc, probes
_child = next(o for o in gc.get_objects() if type(o).__name__ == "Child")
def _fake_probe(request):
    _child.emit({"type": "recording", "data": probes.encode(_forge(request["script"], probes.decode(request["arrays"])))})
_child.probe = _fake_probe
''',
    # Blind: frames queued on the socket ahead of the questions they answer (the check is open source).
    "forge-raw": SOCK + r'''
import numpy as np, probes
_t = np.array("ValueError,Exception,BaseException,object")
_blind = {"v.error": np.array("ValueError: x must be 2-D"), "v.error_types": _t,
          "t.error": np.array("ValueError: x must be 2-D"), "t.error_types": _t,
          "ok.mean": np.zeros(3), "ok.var": np.zeros(3)}
_frames = [{"type": "done", "status": "ok"}]  # ends this cell early
_frames += [{"type": "done", "status": "ok"}] * 8  # visible test and probe of the next four test cells
_frames += [{"type": "done", "status": "ok"}, {"type": "recording", "data": probes.encode(_blind)},
            {"type": "done", "status": "ok"}]  # test_batch_stats_bad_input: visible test, then its probe
for _f in _frames:
    _send(_f)
''',
    # Structural forgeries: the grader's own script decides what must be there.
    "forge-skipped": "import probes, numpy as np\n"
                     "probes.run = lambda s, a, ns: {st['id'] + '.skipped': np.array(True) for st in s['steps']}\n",
    "forge-extra": FORGE + "import probes, numpy as np\n"
                           "probes.run = lambda s, a, ns: {**_forge(s, a), 'zz.pass': np.array(True)}\n",
    "forge-missing": FORGE + "import probes\n"
                             "probes.run = lambda s, a, ns: dict(list(_forge(s, a).items())[:-1])\n",
    "forge-strings": FORGE + "import probes, numpy as np\n"
                             "probes.run = lambda s, a, ns: {k: np.array('PASS') for k in _forge(s, a)}\n",
    "forge-script": r'''
import sys, probes
_code = probes.run.__code__
def _prof(frame, event, arg):
    if event == "call" and frame.f_code is _code:
        frame.f_locals["script"]["steps"].clear()  # ask nothing: an empty recording
sys.setprofile(_prof)
''',
    "forge-early-done": SOCK + "_send({'type': 'done', 'status': 'ok'})\nimport time\ntime.sleep(0.5)\n",
    "forge-thread": SOCK + r'''
import threading, time
def _spam():
    while True:
        _send({"type": "stream", "name": "stdout", "text": "spam\n"})
        _send({"type": "done", "status": "ok"})
        time.sleep(0.005)
threading.Thread(target=_spam, daemon=True).start()
''',
    "forge-exit": "import os, probes\nprobes.run = lambda *a: os._exit(0)\n",
    "forge-print": r'''
import base64, io, json, numpy as np
from IPython.display import publish_display_data
def _fake(*a, **k):
    buf = io.BytesIO()
    np.savez(buf, **{"ok.mean": np.zeros(3), "ok.var": np.zeros(3)})
    text = base64.b64encode(buf.getvalue()).decode()
    publish_display_data({"application/vnd.autograder.recording": text, "text/plain": text})
    print(json.dumps({"type": "recording", "data": text}))
get_ipython().events.register("pre_run_cell", _fake)
get_ipython().events.register("post_run_cell", _fake)
''',
    "forge-allclose": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
                      "np.testing.assert_allclose = lambda *a, **k: None\n"
                      "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n",
}
GAINING = ("forge-probes", "forge-serve", "forge-frame", "forge-numpy", "forge-emit", "forge-gc", "forge-raw")

# ------------------------------------------------------------------------------ sandbox-limit snippets

WRITABLE = r'''
import os
def _writable_dirs():
    dirs = {"/", "/tmp", "/dev", "/dev/shm", os.path.expanduser("~")}
    for line in open("/proc/self/mountinfo"):
        dirs.add(line.split()[4].replace("\\040", " "))
    found = []
    for d in sorted(dirs):
        if d.startswith(("/proc", "/sys")) or not os.path.isdir(d):
            continue
        probe = os.path.join(d, ".w-" + str(os.getpid()))
        try:
            with open(probe, "w") as f:
                f.write("x")
            os.remove(probe)
            found.append(d)
        except OSError:
            pass
    return found
'''

FILL_LIST = WRITABLE + "_FILL_DIRS = _writable_dirs()\nprint('WRITABLE', len(_FILL_DIRS))\n"
FILL_ONE = r'''
import json, os
_result, _chunk = {}, b"\1" * (8 << 20)
for d in _FILL_DIRS[INDEX:INDEX + 1]:
    written, files = 0, []
    try:
        while written < 1024:
            p = os.path.join(d, f".fill-{len(files)}")
            files.append(p)
            with open(p, "wb") as f:
                for _ in range(4):
                    f.write(_chunk)
                    written += 8
    except OSError as e:
        pass
    for p in files:
        try:
            os.remove(p)
        except OSError:
            pass
    _result[d] = written
if _result:
    print("FILLED", json.dumps(_result))
'''

PERSIST_WRITE = WRITABLE + r'''
import uuid
for d in _writable_dirs():
    try:
        open(os.path.join(d, "persist-" + uuid.uuid4().hex), "w").close()
    except OSError:
        pass
'''
PERSIST_READ = WRITABLE + r'''
import json
print("PERSIST", json.dumps({d: len([f for f in os.listdir(d) if f.startswith("persist-")]) for d in _writable_dirs()}))
'''


def leak_cell(student):
    return WRITABLE + f'''
import json
_seen = set()
for d in _writable_dirs():
    _seen |= {{f for f in os.listdir(d) if f.startswith("LEAK-")}}
for d in _writable_dirs():
    try:
        open(os.path.join(d, "LEAK-{student}-{TOKEN}"), "w").close()
    except OSError:
        pass
print("LEAK-SEEN", json.dumps(sorted(_seen)))
'''


# Each "zz-mem-share" student holds 1.5 GiB (in 128 MiB cells: touching memory is slow here,
# about 4 s per GiB, and every cell has CELL_TIMEOUT), then fills its three tmpfs to their caps
# (3 x TMPFS_MB) and ends. Had those files outlived it, the next student of the same worker
# would not fit its 1.5 GiB into the sandbox's cap (MEMORY_MB + TEMPLATE_MB).
MEM_SHARE_CELLS = ["import numpy as np\n_held = []\n",
                   *["_held.append(np.ones(1 << 24))  # 128 MiB, every page touched\n"] * 12,
                   "print('ALLOC-OK', len(_held) == 12 and all(bool(a[::512].all()) for a in _held))\ndel _held\n",
                   *[f"""import os
_left = globals().get("_left", 0)
try:
    for _i in range({2 * TMPFS_MB // 16}):
        with open(os.path.join(os.path.expanduser({d!r}), f".left-{{os.getpid()}}-{{_i}}"), "wb") as _f:
            _f.write(b"\\1" * (16 << 20))
        _left += 16
except OSError:  # full
    pass
print("LEFT", _left)
""" for d in ("/tmp", "/dev/shm", "~")]]

MEM_THREE = r'''
import os, time, select
import numpy as np
try:
    _huge = bytearray(50 << 30)
    print("HUGE allocated")
except MemoryError:
    print("HUGE refused")
_r, _w = os.pipe()
_kids = []
for _i in range(3):
    _pid = os.fork()
    if _pid == 0:
        try:
            _a = np.ones(1 << 27)  # 1 GiB each
            os.write(_w, b"1")
            time.sleep(4)
        finally:
            os._exit(0)
    _kids.append(_pid)
time.sleep(3)
_got = 0
while select.select([_r], [], [], 0)[0]:
    _got += len(os.read(_r, 16))
_alive = [p for p in _kids if os.waitpid(p, os.WNOHANG) == (0, 0)]
print("HELD", min(_got, len(_alive)), "allocated", _got, "alive", len(_alive))
for p in _kids:
    try:
        os.kill(p, 9)
    except OSError:
        pass
'''

FORK_BOMB = r'''
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
'''

ESCAPE_PROCS = f'''
import os, subprocess, threading, time
subprocess.Popen(["sleep", "{MARKER}"], start_new_session=True)
subprocess.Popen(["nohup", "sleep", "{MARKER}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "{MARKER}"])
    os._exit(0)
threading.Thread(target=time.sleep, args=(600,), daemon=False).start()
print("spawned")
'''

NETWORK = r'''
import socket
for host, port in [("1.1.1.1", 80), ("8.8.8.8", 53), ("127.0.0.1", 22), ("127.0.0.1", 631), ("::1", 80)]:
    try:
        socket.create_connection((host, port), timeout=2).close()
        print("NET-OPEN", host, port)
    except OSError as e:
        print("net blocked", host, port, type(e).__name__)
try:
    print("NET-DNS", socket.getaddrinfo("example.com", 80)[:1])
except OSError as e:
    print("dns blocked", type(e).__name__)
try:
    names = [line.split()[-1] for line in open("/proc/net/unix").read().splitlines()[1:] if len(line.split()) > 7]
except OSError:
    names = []
for name in names[:50] + ["@/tmp/.X11-unix/X0", "/run/dbus/system_bus_socket"]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect("\0" + name[1:] if name.startswith("@") else name)
        print("NET-UNIX", name)
    except OSError:
        pass
    finally:
        s.close()
'''


def read_course_cell(course: Path) -> str:
    targets = [course / "autograder.json", course / "gradebook.db", course / "source" / A1 / f"{A1}.ipynb",
               course / "submitted" / "honest-a" / A1 / f"{A1}.ipynb", REPO / "solutions" / "__init__.py",
               REPO / "autograder" / "checks" / "stats.py", REPO / "autograder" / "source" / A1 / f"{A1}.ipynb"]
    return f'''
import os, stat
targets = {[str(t) for t in targets]!r}
def _try(path):
    try:
        with open(path, "rb") as f:
            if f.read(64):
                print("READ-OK", path)
    except OSError:
        pass
for t in targets:
    _try(t)
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for t in targets:
        _try(f"/proc/{{pid}}/root{{t}}")
    _try(f"/proc/{{pid}}/environ")
    for sub in ("cwd", "root"):
        try:
            print("listing", pid, sub, len(os.listdir(f"/proc/{{pid}}/{{sub}}")))
        except OSError:
            pass
for fd in range(64):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    if stat.S_ISREG(st.st_mode):
        print("HOSTFILE", fd, os.readlink(f"/proc/self/fd/{{fd}}"))
'''


def import_cell() -> str:
    host_dirs = sorted({*site.getsitepackages(), *(p for p in sys.path if p.endswith(("site-packages", "dist-packages"))),
                        str(REPO), "/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/dist-packages"})
    files = {}
    for name in ("scipy", "matplotlib", "sklearn", "dask", "torch", "solutions", "autograder"):
        try:
            import importlib.util
            spec = importlib.util.find_spec(name)
            files[name] = spec.origin if spec else None
        except Exception:  # noqa: BLE001
            files[name] = None
    return f'''
import importlib, importlib.util, sys, traceback
names = ["sklearn", "scipy", "matplotlib", "dask", "torch", "solutions", "autograder"]
for name in names:
    try:
        importlib.import_module(name)
        print("IMPORTED", name, "plainly")
    except BaseException as e:
        print("PLAIN", name, type(e).__name__)
sys.path[:0] = {host_dirs!r}
importlib.invalidate_caches()
for name in names:
    try:
        importlib.import_module(name)
        print("IMPORTED", name, "via sys.path")
    except BaseException as e:
        pass
for name, origin in {files!r}.items():
    if not origin:
        continue
    try:
        spec = importlib.util.spec_from_file_location(name, origin)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print("IMPORTED", name, "from", origin)
    except BaseException as e:
        pass
'''


# ------------------------------------------------------------------------------ secrets: the spy

DIGEST = r'''
import hashlib as _hl, numpy as _np
def _digest(arrays):
    h = _hl.sha256()
    for k in sorted(arrays):
        a = _np.ascontiguousarray(arrays[k])
        h.update(f"{k}:{a.dtype.str}:{a.shape}".encode() + a.tobytes())
    return h.hexdigest()
'''
SPY = DIGEST + r'''
import probes as _p
_SPY, _HITS, _TABLE = [], [], globals().get("_TABLE", {})
_orig_run = _p.run
def _spy_run(script, arrays, ns):
    arrays = {k: _np.array(v) for k, v in arrays.items()}
    d = _digest(arrays)
    _SPY.append((script, arrays, d))
    if d in _TABLE:  # answers computed beforehand for inputs seen in an earlier grading
        _HITS.append(d)
        return _p.decode(_TABLE[d])
    return _orig_run(script, arrays, ns)
_p.run = _spy_run
'''


def spy_print_cell(i: int) -> str:
    return f'''
import io as _io, base64 as _b64, json as _js
if len(_SPY) > {i}:
    _s, _a, _d = _SPY[{i}]
    _buf = _io.BytesIO(); _np.savez(_buf, **_a); _raw = _buf.getvalue()
    _small = len(_raw) < 24000
    print("SPY", {i}, _d, _b64.b64encode(_raw).decode() if _small else "-", _js.dumps(_s) if _small else "-")
'''


def spy_nb(course, nb, table=None):
    """nb with a spy right after the imports and, at the end, one cell printing each probe's inputs."""
    source = (f"_TABLE = {table!r}\n" if table is not None else "") + SPY
    append_code(nb, source, after="imports")
    n_checks = sum(len(check_names(c.source)) for c in nbformat.read(course / "source" / A1 / f"{A1}.ipynb",
                                                                  as_version=4).cells if is_test(c))
    for i in range(n_checks):
        append_code(nb, spy_print_cell(i))
    append_code(nb, "print('HITS', len(_HITS))\n")
    return nb


def parse_spy(text: str) -> dict:
    """index -> (digest, arrays or None, script or None) from a spy's printed lines."""
    found = {}
    for line in text.splitlines():
        parts = line.split(" ", 4)
        if len(parts) == 5 and parts[0] == "SPY":
            arrays = probes.decode(parts[3]) if parts[3] != "-" else None
            found[int(parts[1])] = (parts[2], arrays, json.loads(parts[4]) if parts[4] != "-" else None)
    return found


# ------------------------------------------------------------------------------ cross-site payloads

OUTPUT_PAYLOADS = r'''
from IPython.display import display, HTML, Javascript, SVG, Markdown, Latex, publish_display_data
display(HTML("<img src=x onerror=\"document.title='PWNED-html'\"><script>window.__pwned='html'</script>"))
display(Javascript("window.__pwned='js'; document.title='PWNED-js'; fetch('http://pwn-js.invalid/')"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\'PWNED-svg\'"><script>window.__pwned=\'svg\'</script></svg>'))
display(Markdown("<img src=x onerror=\"document.title='PWNED-mdout'\"> [x](javascript:window.__pwned='mdlink')"))
display(Latex(r"$\href{javascript:window.__pwned='latex'}{click}$"))
publish_display_data({"text/html": "<iframe src='http://pwn-iframe.invalid/'></iframe>",
                      "application/javascript": "window.__pwned='pub'",
                      "image/svg+xml": "<svg onload=\"window.__pwned='pubsvg'\"/>",
                      "text/markdown": "<img src=x onerror=\"window.__pwned='pubmd'\">",
                      "text/plain": "<script>window.__pwned='plain'</script>"})
publish_display_data({"image/png": "iVBORw0KGgo" + "PHNjcmlwdD53aW5kb3cuX19wd25lZD0ncG5nJzwvc2NyaXB0Pg=="})
class Evil:
    def _repr_html_(self):
        return "<img src=x onerror=\"window.__pwned='repr'\">"
    def _repr_javascript_(self):
        return "window.__pwned='reprjs'"
    def __repr__(self):
        return "<b onmouseover=\"document.title='PWNED-repr'\">evil</b>"
print("<script>window.__pwned='stdout'</script>\x1b[31m<img src=x onerror=\"document.title='PWNED-ansi'\">\x1b[0m")
Evil()
'''
ERROR_PAYLOAD = r'''
def evil_traceback():
    payload = "<script>window.__pwned='tb'</script><img src=x onerror=\"document.title='PWNED-tb'\">"
    raise ValueError("<img src=x onerror=\"document.title='PWNED-err'\">" + payload)
evil_traceback()
'''
MARKDOWN_PAYLOADS = [
    "<script>document.title='PWNED-m1'</script>",
    "<img src=x onerror=\"document.title='PWNED-m2'\">",
    "[click](javascript:document.title='PWNED-m3') <a href=\"javascript:alert('PWNED-m3b')\">x</a>",
    "<svg><script>document.title='PWNED-m4'</script></svg><svg onload=\"document.title='PWNED-m4b'\"></svg>",
    "<style>@import url('http://pwn-m5.invalid/a.css'); body{background:url('http://pwn-m5b.invalid/')}</style>"
    "<div style=\"background-image:url('http://pwn-m5c.invalid/')\">x</div>",
    "<iframe srcdoc=\"<script>parent.document.title='PWNED-m6'</script>\"></iframe>",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://pwn-m7.invalid/\">",
    "<base href=\"http://pwn-m8.invalid/\"><link rel=stylesheet href=\"http://pwn-m8b.invalid/x.css\">",
    "![img](http://pwn-m9.invalid/i.png) <img src=\"http://pwn-m9b.invalid/i.png\">",
    "<object data=\"http://pwn-m10.invalid/\"></object><embed src=\"http://pwn-m10b.invalid/\">",
    "<form action=\"http://pwn-m11.invalid/\"><input autofocus onfocus=\"document.title='PWNED-m11'\"></form>",
    "$\\href{javascript:document.title='PWNED-m12'}{x}$ and $$\\unicode{<img src=x onerror=alert('PWNED-m12b')>}$$",
    "```\n</code></pre><script>document.title='PWNED-m13'</script>\n```\n~~~\n<img src=x onerror=\"document.title='PWNED-m14'\">\n~~~",
    "````` `` ```` <img src=x onerror=\"document.title='PWNED-m15'\">",
    "<details open ontoggle=\"document.title='PWNED-m16'\">x</details><video><source onerror=\"document.title='PWNED-m17'\"></video>",
    "![a](attachment:evil.svg) ![b](attachment:evil.html) <img src=\"attachment:evil.svg\">",
]
SVG_ATTACHMENT = "<svg xmlns='http://www.w3.org/2000/svg' onload=\"document.title='PWNED-att'\"><script>window.__pwned='att'</script></svg>"


def xss_markdown_nb(course):
    nb = honest_nb(course, A1)
    for text in MARKDOWN_PAYLOADS:
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata = {"tags": ["<script>window.__pwned='tag'</script>"], "jupyter": {"source_hidden": False},
                         "title": "<img src=x onerror=\"document.title='PWNED-cellmeta'\">"}
        nb.cells.append(cell)
    nb.cells[-1].attachments = {"evil.svg": {"image/svg+xml": base64.b64encode(SVG_ATTACHMENT.encode()).decode()},
                                "evil.html": {"text/html": "<script>window.__pwned='atthtml'</script>"}}
    raw = nbformat.v4.new_raw_cell("<script>document.title='PWNED-raw'</script><img src=x onerror=\"window.__pwned='raw'\">")
    raw.metadata = {"raw_mimetype": "text/html", "format": "text/html"}
    nb.cells.append(raw)
    # A Markdown cell claiming to be a locked instructor cell it is not.
    fake = nbformat.v4.new_markdown_cell("<img src=x onerror=\"document.title='PWNED-fake'\">")
    fake.metadata = {"nbgrader": {"grade_id": "task_fake", "locked": True, "solution": False, "grade": False,
                                  "schema_version": 3}}
    nb.cells.append(fake)
    code = nbformat.v4.new_code_cell("# <script>document.title='PWNED-src'</script>\nx_ = 1")
    code.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<img src=x onerror=\"document.title='PWNED-saved'\">",
        "application/javascript": "window.__pwned='saved'"})]
    nb.cells.append(code)
    widget = {"value": "<img src=x onerror=\"document.title='PWNED-widget'\">"}
    nb.metadata.update({
        "title": "</title><script>document.title='PWNED-title'</script>",
        "authors": [{"name": "<img src=x onerror=\"document.title='PWNED-author'\">"}],
        "widgets": {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {
            "w1": {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
                   "model_module_version": "1.5.0", "state": widget}}}},
    })
    nb.metadata.kernelspec["display_name"] = "<img src=x onerror=\"document.title='PWNED-kernel'\">"
    return nb


# ------------------------------------------------------------------------------ unbounded work

def png_bytes(size: int) -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = 512
    width = max(1, size // rows // 3)
    raw = b"".join(b"\0" + os.urandom(width * 3) for _ in range(rows))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, rows, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b""))


def with_markdown(nb, texts):
    nb.cells.extend(nbformat.v4.new_markdown_cell(t) for t in texts)
    return nb


FRAMES_BAD = SOCK + r'''
import base64
for frame in [
    {"type": "stream", "name": 5, "text": "x"}, {"type": "stream", "name": "stdout", "text": ["a"]},
    {"type": "stream", "name": "../../etc", "text": "x"}, {"type": "display", "data": "not a dict"},
    {"type": "display", "data": {"text/plain": 7, "image/png": "!!not base64!!"}},
    {"type": "display", "data": {"image/png": base64.b64encode(b"<svg onload=alert(1)>").decode()}},
    {"type": "display", "data": {"text/html": "<script>alert(1)</script>"}},
    {"type": "result", "data": {"text/plain": "r"}, "execution_count": "NaN"},
    {"type": "result", "data": [1, 2], "execution_count": 10 ** 30},
    {"type": "error", "ename": 1, "evalue": [], "traceback": "x"},
    {"type": "error", "ename": "E", "evalue": "v", "traceback": [1, 2, {"a": 1}, None]},
    {"type": "clear", "wait": "yes"}, {"type": "recording", "data": {"x": 1}}, {"type": "ready", "pid": -1},
    {"type": "unknown"}, {"type": ""},
]:
    _send(frame)
_send_raw(b'{"type": "stream", "name": "stdout", "text": NaN}')
_send_raw(b'\xff\xfe\x00 not utf-8')  # the grader must drop this process and start a fresh one
'''

STOPPERS_RUNS = ("timestamp-9999-tokyo",)
# Folder names that cannot be student ids: formgrader shows an id unescaped, so these are refused.
UNSAFE_IDS = {"xss": XSS_ID, "xss-attr": XSS_ID2, "escapes": ESC_ID}


# ------------------------------------------------------------------------------ building the course

WRAPPER = r'''
import json, sys, time
if __name__ == "__main__":
    import autograder.grade as g
    entries = []
    def timed(name, fn, who):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                student, assignment, extra = who(*args)
                entries.append({"phase": name, "student": student, "assignment": assignment,
                                "seconds": time.perf_counter() - t, **extra})
        return wrapper
    g._prepare_one = timed("prepare", g._prepare_one, lambda course, s, *rest: (s.student, s.assignment, {}))
    g._write_rejected = timed("rejected", g._write_rejected, lambda writer, s, *rest: (s.student, s.assignment, {}))
    g.record = timed("record", g.record, lambda writer, result, *rest: (
        result.student, result.assignment, {"worker": result.timings or {}}))
    from autograder.cli import main
    try:
        code = main(sys.argv[2:])
    finally:
        with open(sys.argv[1], "w") as f:
            json.dump(entries, f)
    sys.exit(code)
'''


class Sampler(threading.Thread):
    """Samples, every 0.2 s, the memory of a process tree: the grader's processes, its sandboxes, their cgroups."""

    def __init__(self, root_pid: int):
        super().__init__(daemon=True)
        self.root = root_pid
        self.stop = threading.Event()
        self.grader_peak = 0
        self.sandbox_rss_peak = 0
        self.cgroups: dict[str, dict] = {}  # memory cgroup -> {"limit", "peak"}
        self.uncapped: set[str] = set()
        self.avail_start = self._available()
        self.avail_min = self.avail_start

    @staticmethod
    def _available() -> int:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) << 10
        return 0

    def _tree(self) -> list[tuple[int, bool]]:
        """(pid, in a sandbox) for the root and its descendants; a sandbox is bubblewrap and everything below it."""
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [(self.root, False)]
        while todo:
            pid, inside = todo.pop()
            if not inside:
                with contextlib.suppress(OSError):
                    inside = os.path.basename(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]) == b"bwrap"
            found.append((pid, inside))
            todo.extend((c, inside) for c in children.get(pid, []))
        return found

    def sample(self):
        grader = sandbox = 0
        for pid, inside in self._tree():
            try:
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                    continue  # an exited process shows the root cgroup
                rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                cgroup = Path(f"/proc/{pid}/cgroup").read_text()
            except (OSError, ValueError, IndexError):
                continue
            if rss == 0:
                continue  # exiting: its memory is gone and the kernel has moved it to the root cgroup
            if not inside:
                grader += rss
                continue
            sandbox += rss
            mem = next((line.split(":", 2)[2] for line in cgroup.splitlines() if line.split(":")[1:2] == ["memory"]), "")
            base = Path("/sys/fs/cgroup/memory") / mem.lstrip("/")
            try:
                limit = int((base / "memory.limit_in_bytes").read_text())
                usage = int((base / "memory.max_usage_in_bytes").read_text())
            except (OSError, ValueError):
                continue
            if limit >= 1 << 50:
                self.uncapped.add(f"pid {pid} ({rss >> 20} MB) in {mem}")
            info = self.cgroups.setdefault(mem, {"limit": limit, "peak": 0})
            info["peak"] = max(info["peak"], usage)
        self.grader_peak = max(self.grader_peak, grader)
        self.sandbox_rss_peak = max(self.sandbox_rss_peak, sandbox)
        self.avail_min = min(self.avail_min, self._available())

    def run(self):
        while not self.stop.is_set():
            with contextlib.suppress(Exception):
                self.sample()
            self.stop.wait(0.2)


def grade_subprocess(course: Path, tmp: Path, *extra, env=None, name="run"):
    """`python -m autograder grade` in a subprocess (through WRAPPER, which records timings)."""
    wrapper = tmp / "wrapper.py"
    wrapper.write_text(WRAPPER)
    timings = tmp / f"{name}-timings.json"
    argv = [sys.executable, str(wrapper), str(timings), "grade", str(course), "--jobs", "2",
            "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", str(NOTEBOOK_TIMEOUT),
            "--memory", str(MEMORY_MB), *extra]
    environment = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "PY_COLORS", "CLICOLOR_FORCE", "TTY_COMPATIBLE")}
    environment.update({"PYTHONPATH": str(REPO), "COLUMNS": "200", **(env or {})})
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid)
    sampler.start()
    out, err = proc.communicate(timeout=900)
    sampler.stop.set()
    sampler.join()
    try:
        entries = json.loads(timings.read_text())
    except (OSError, ValueError):
        entries = []
    return {"code": proc.returncode, "stdout": out, "stderr": err, "entries": entries, "sampler": sampler,
            "seconds": time.monotonic() - start}


def _put(course, student, assignment, nb, name=None):
    return submit(course, student, assignment, nb, name=name)


def build(course: Path) -> dict:
    """Every submission of the main run; returns facts the tests need."""
    facts = {}
    h = lambda: honest_nb(course, A1)
    u = lambda: release(course, A1)
    for student in HONEST:
        _put(course, student, A1, h())
        _put(course, student, A2, honest_nb(course, A2))
    _put(course, "untouched", A1, u())
    _put(course, "untouched", A2, release(course, A2))

    # 1. forged verdicts: the untouched notebook plus ONE extra code cell each
    for student, code in FORGERIES.items():
        _put(course, student, A1, append_code(u(), code, after="batch_stats" if student == "forge-raw" else "imports"))
    _put(course, "forge-probes", A2, append_code(release(course, A2), FORGERIES["forge-probes"], after="imports"))

    # 2. payloads for the browser (hostile_pages.py) and for the inert-notebook checks here
    _put(course, "xss-outputs", A1, append_code(append_code(h(), OUTPUT_PAYLOADS), ERROR_PAYLOAD))
    _put(course, "xss-markdown", A1, xss_markdown_nb(course))
    _put(course, "fname-xss", A1, h(), name="<img src=x onerror=document.title='PWNED-fname'>.ipynb")

    # 3. one submission must not stop everyone
    damaged = h()
    first, second = solution_cell(damaged, "test_batch_stats_example"), solution_cell(damaged, "distribution_drift")
    first.metadata["nbgrader"], second.metadata["nbgrader"] = "a string", ["a", "list"]
    _put(course, "meta-string", A1, damaged)
    deep = '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    _put(course, "deep-json", A1, deep)
    _put(course, "quad-json", A1, b'{"cells": [], "nbformat": 4, "x": "' + b'\\"' * 16_000)  # 32 KB
    _put(course, "truncated", A1, nbformat.writes(h())[:5000])
    _put(course, "binary", A1, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    for student, stamp in {"ts-20digit": "12345678901234567890", "ts-9999": "9999-12-31 23:59:59",
                           "ts-garbage": b"\xff\xfe\x00garbage\x1b]0;PWNED-ts\x07\n" * 20,
                           "ts-huge": "9" * (2 << 20), "ts-negative": "-1e308 NaN"}.items():
        folder = _put(course, student, A1, h()).parent
        (folder / "timestamp.txt").write_bytes(stamp if isinstance(stamp, bytes) else stamp.encode())
    (_put(course, "ts-dir", A1, h()).parent / "timestamp.txt").mkdir()
    os.mkfifo(_put(course, "ts-fifo", A1, h()).parent / "timestamp.txt")
    for student in (RICH_ID, RICH_ID2, LONG_ID, CSV_ID):
        _put(course, student, A1, h())
    _put(course, "fname-esc", A1, h(), name="\x1b]0;PWNED-FN\x07\x1b[2J[bold]x.ipynb")
    _put(course, "out-esc", A1, append_code(h(), "print('\\x1b]0;PWNED-OUT\\x07\\x1b[2J\\u202e')\n"
                                                  "raise ValueError('\\x1b]52;c;cHduZWQ=\\x07[bold]x[/]')\n"))
    field = json.loads(nbformat.writes(h()))
    field["cells"][0]["cell_type"] = RICH_FIELD  # its rejection reason quotes the cell: it reaches the summary table
    _put(course, "rich-field", A1, json.dumps(field))
    _put(course, "frames-bad", A1, append_code(h(), FRAMES_BAD, after="batch_stats"))
    _put(course, "surrogate-print", A1, append_code(h(), "print('lone surrogate: \\ud800 end')\n"))
    # "\ud800" is valid JSON; the notebook file itself is plain ASCII
    _put(course, "surrogate-nb", A1, json.dumps(with_markdown(h(), ["a lone surrogate: \ud800"])))

    # 4. unbounded work in the grader
    _put(course, "md-80k", A1, with_markdown(h(), ["# big\n\n" + "word " * 16_000]))
    _put(course, "md-2000", A1, with_markdown(h(), ["m" * 5000] * (2000 - len(h().cells))))
    _put(course, "md-50k", A1, with_markdown(h(), ["x"] * 50_000))
    picture = base64.b64encode(png_bytes(1 << 20)).decode()
    attached = nbformat.v4.new_markdown_cell(" ".join(["![p](attachment:p.png)"] * 150))
    attached.attachments = {"p.png": {"image/png": picture}}
    nb = h()
    nb.cells.append(attached)
    _put(course, "attach-150", A1, nb)
    _put(course, "err-5mb", A1, append_code(append_code(h(), "raise ValueError('E' * 5_000_000)\n"), (
        "def deep(n):\n    return deep(n - 1) if n else 1 / 0\n"
        "exec(compile('x = 1  # ' + 'T' * 50_000 + '\\ndeep(100)', 'tb', 'exec'))\n")))
    _put(course, "stdout-5mb", A1, append_code(h(), "print('x' * 5_000_000)\nfor i in range(50_000):\n    print('y' * 100)\n"))
    _put(course, "display-huge", A1, append_code(append_code(h(), (
        "from IPython.display import display, publish_display_data\n"
        "display({'text/plain': 'z' * 20_000_000}, raw=True)\n"
        f"publish_display_data({{'image/png': {picture!r}}})\n")), (
        "from IPython.display import display\ndisplay({'text/plain': 'w' * 30_000_000}, raw=True)\n")))
    _put(course, "tiny-outputs", A1, append_code(h(), (
        "import sys\nfor i in range(3_000_000):\n    sys.stdout.write('')\n    sys.stdout.flush()\n")))
    many = h()
    many.cells.extend(nbformat.v4.new_code_cell("") for _ in range(2001 - len(many.cells)))
    _put(course, "cells-2001", A1, many)

    # 5. sandbox limits
    fill = append_code(h(), FILL_LIST)
    for i in range(14):
        append_code(fill, FILL_ONE.replace("INDEX", str(i)))
    _put(course, "fill-paths", A1, fill)
    persist = h()
    for code in (PERSIST_WRITE, "import os\nos._exit(1)\n", PERSIST_READ):
        append_code(persist, code)
    _put(course, "persist-self", A1, persist)
    for i in range(1, 5):
        _put(course, f"leak-{i}", A1, append_code(h(), leak_cell(f"leak-{i}")))
    for i in range(1, 4):
        nb = h()
        for code in MEM_SHARE_CELLS:
            append_code(nb, code)
        _put(course, f"zz-mem-share-{i}", A1, nb)
    _put(course, "mem-three", A1, append_code(h(), MEM_THREE))
    _put(course, "bomb-mid", A1, append_code(h(), FORK_BOMB, after="test_batch_stats_bad_input"))
    _put(course, "loop-noint", A1, append_code(h(), "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                    "while True:\n    pass\n", after="test_batch_stats_bad_input"))
    _put(course, "close-socket", A1, append_code(h(), SOCK + "_S.close()\n_os.close(_sock_fd())\nprint('closed')\n",
                                                 after="test_batch_stats_bad_input"))
    _put(course, "exit-mid", A1, append_code(h(), "import os\nos._exit(3)\n", after="test_batch_stats_bad_input"))
    _put(course, "kill-all", A1, append_code(h(), (
        "import os, signal\nme = int(os.readlink('/proc/self'))  # this process, as /proc numbers it\n"
        "for p in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    if p not in (me, os.getpid()):\n        for s in (signal.SIGKILL, signal.SIGSTOP):\n"
        "            try:\n                os.kill(p, s)\n            except OSError:\n                pass\n"
        "        try:\n            fd = os.open(f'/proc/{p}', os.O_RDONLY)\n"
        "            signal.pidfd_send_signal(fd, signal.SIGKILL)\n            print('PIDFD-KILLED', p)\n"
        "        except OSError:\n            pass\n"), after="batch_stats"))
    _put(course, "escape-procs", A1, append_code(h(), ESCAPE_PROCS))
    _put(course, "network", A1, append_code(h(), NETWORK))
    _put(course, "read-course", A1, append_code(h(), read_course_cell(course)))

    # 6. secrets
    _put(course, "spy-a", A1, spy_nb(course, h()))
    _put(course, "spy-b", A1, spy_nb(course, h()))
    wrong = h()
    solution_cell(wrong, "batch_stats").source = ("import numpy as np\n\ndef batch_stats(x):\n    x = np.asarray(x)\n"
                                                  "    if x.ndim != 2:\n        raise ValueError('x must be (N, D)')\n"
                                                  "    return x.mean(axis=0), x.var(axis=0, ddof=1)\n")
    _put(course, "spy-wrong", A1, spy_nb(course, wrong))

    # 7. policy holes
    _put(course, "imports", A1, append_code(u(), import_cell(), after="imports"))
    _put(course, "only-raises", A1, append_code(u(), "def batch_stats(x):\n    raise ValueError('x must have shape (N, D)')\n",
                                                after="batch_stats"))
    sub = course / "submitted"
    for student, target in {"sym-source": course / "source" / A1 / f"{A1}.ipynb", "sym-passwd": Path("/etc/passwd"),
                            "sym-relative": Path("..") / ".." / "honest-a" / A1 / f"{A1}.ipynb"}.items():
        (sub / student / A1).mkdir(parents=True)
        (sub / student / A1 / f"{A1}.ipynb").symlink_to(target)
        (sub / student / A1 / "timestamp.txt").symlink_to("/etc/passwd")
    (sub / "sym-other" / A1).mkdir(parents=True)
    (sub / "sym-other" / A1 / "mine.ipynb").symlink_to(course / "source" / A1 / f"{A1}.ipynb")
    (sub / "sym-folder").symlink_to(sub / "honest-a")
    (sub / "sym-assignment").mkdir()
    (sub / "sym-assignment" / A1).symlink_to(sub / "honest-a" / A1)
    big = h()
    saved = nbformat.v4.new_code_cell("x_saved = 1")
    saved.outputs = [nbformat.v4.new_output("stream", name="stdout", text="s" * (30 << 20))]
    big.cells.append(saved)
    _put(course, "saved-30mb", A1, big)
    return facts


def text_of(course, student, assignment=A1, tests=False) -> str:
    """What the cells printed (streams and errors), from the autograded copy ("" if there is none)."""
    try:
        nb = autograded(course, student, assignment)
    except (OSError, ValueError):
        return ""
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or (is_test(cell) and not tests):
            continue
        texts = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
            else:
                texts.append("\n" + out.get("evalue", "") + "\n" + str(out.get("data", {}).get("text/plain", "")) + "\n")
        parts.append("".join(texts))
    return "\n".join(parts)


def feedback_pages(course) -> dict:
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in sorted((course / "feedback").rglob("*.html"))}


_CACHE: dict = {}


def graded_course(tmp_path_factory, template_course) -> dict:
    """The main course, graded twice (shared with hostile_pages.py's tests through this module's cache)."""
    if "main" in _CACHE:
        return _CACHE["main"]
    tmp = tmp_path_factory.mktemp("hostile")
    course = shutil.copytree(template_course, tmp / "course", symlinks=True)
    facts = build(course)
    first = grade_subprocess(course, tmp, name="first")

    # A resubmission of spy-a that knows the inputs it was asked about last time, with answers for them.
    spied = parse_spy(text_of(course, "spy-a"))
    from autograder.verdict import reference_namespace
    table = {digest: probes.encode(probes.run(script, arrays, reference_namespace()))
             for digest, arrays, script in spied.values() if arrays is not None}
    cheat = spy_nb(course, release(course, A1), table=table)
    _put(course, "spy-a", A1, cheat)
    # A changed resubmission (new timestamp) and an unchanged one.
    _put(course, "honest-b", A1, append_code(honest_nb(course, A1), "# resubmitted\n"))
    (course / "submitted" / "honest-b" / A1 / "timestamp.txt").write_text("2031-01-01 00:00:00.000000 UTC")
    start = time.monotonic()
    second = main(["grade", str(course), "--jobs", "2", "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout",
                   str(NOTEBOOK_TIMEOUT), "--memory", str(MEMORY_MB), "--quiet"])
    _CACHE["main"] = {"course": course, "tmp": tmp, "facts": facts, "first": first, "second": second,
                      "second_seconds": time.monotonic() - start, "spied": spied, "table": table}
    return _CACHE["main"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, template_course):
    return graded_course(tmp_path_factory, template_course)


@pytest.fixture(scope="module")
def course(run):
    return run["course"]


@pytest.fixture(scope="module")
def scores(course):
    return totals(course)


@pytest.fixture(scope="module")
def full(course):
    return {A1: max_score(course, A1), A2: max_score(course, A2)}


def entry_times(run, student, assignment=A1) -> dict:
    """phase -> seconds for one notebook of the first run (prepare, record or rejected; worker total)."""
    found = {}
    for e in run["first"]["entries"]:
        if e["student"] == student and e["assignment"] == assignment:
            found[e["phase"]] = found.get(e["phase"], 0.0) + e["seconds"]
            if e["phase"] == "record":
                found["worker"] = float(e["worker"].get("total", 0.0))
    found["driver"] = found.get("prepare", 0.0) + found.get("record", 0.0) + found.get("rejected", 0.0)
    found["total"] = found["driver"] + found.get("worker", 0.0)
    return found


def outside_text(run) -> str:
    return run["first"]["stdout"].decode("utf-8", "replace") + run["first"]["stderr"].decode("utf-8", "replace")


# ==================================================================================== the run itself


def test_first_run_completes_without_grader_errors(run):
    text = outside_text(run)
    errors = [line for line in text.splitlines() if "grader error" in line or "Traceback" in line]
    assert run["first"]["code"] == 0 and not errors, (
        f"exit code {run['first']['code']}; the grader reported its own failures:\n" + "\n".join(errors[:20])
        + "\n--- stderr tail ---\n" + run["first"]["stderr"].decode("utf-8", "replace")[-3000:])


def test_every_submission_has_a_score(run, scores):
    course = run["course"]
    expected = []
    for folder in (course / "submitted").iterdir():
        if folder.is_symlink():
            continue
        for asg in folder.iterdir():
            if not asg.is_symlink() and asg.is_dir():
                expected.append((folder.name, asg.name))
    missing = sorted((s, a) for s, a in expected if scores.get((s, a)) is None)
    assert not missing, f"{len(missing)} submission(s) have no score: {[repr(s) for s, _ in missing]}"


def test_honest_students_keep_full_marks(scores, full):
    wrong = {(s, a): scores.get((s, a)) for s in HONEST for a in (A1, A2) if scores.get((s, a)) != full[a]}
    assert not wrong, f"honest students lost points beside the hostile ones: {wrong} (full: {full})"


def test_second_run_succeeds_and_regrades_resubmissions(run, scores, full):
    assert run["second"] == 0, "the second grading run reported a grader error"
    state = json.loads((run["course"] / "autograded" / "honest-b" / A1 / ".autograder-state.json").read_text())
    assert state["timestamp"].startswith("2031-01-01"), "the resubmission (newer timestamp.txt) was not regraded"
    assert scores[("honest-b", A1)] == full[A1]


# ==================================================================================== 1. forged verdicts


def test_untouched_baseline_scores_zero(scores):
    assert scores[("untouched", A1)] == 0 and scores[("untouched", A2)] == 0


@pytest.mark.parametrize("student", sorted(FORGERIES))
def test_forged_answers_gain_nothing(course, scores, student):
    gained = {gid: s for (who, gid), s in cell_scores(course, A1).items() if who == student and s}
    assert scores[(student, A1)] == scores[("untouched", A1)] == 0, (
        f"{student}: the untouched notebook plus one forging cell scored {scores[(student, A1)]} "
        f"(cells {gained}); it must score what the untouched notebook scores")


def test_forged_answers_gain_nothing_in_exercise_2(course, scores):
    gained = {gid: s for (who, gid), s in cell_scores(course, A2).items() if who == "forge-probes" and s}
    assert scores[("forge-probes", A2)] == 0, f"ex02: a monkeypatched probes.run scored {gained}"


def test_forgeries_are_not_grader_errors(run):
    text = outside_text(run)
    assert not [line for line in text.splitlines() if "grader error" in line and "forge" in line]


# ==================================================================================== 2. inert text


SAFE_MIMES = {"text/plain", "image/png", "image/jpeg"}


def test_autograded_copies_hold_only_inert_content(course):
    problems = []
    source = nbformat.read(course / "source" / A1 / f"{A1}.ipynb", as_version=4)
    given = release(course, A1)  # a rejected notebook's copy is the released one: trusted
    trusted = {c.source for c in source.cells if c.cell_type == "markdown"}
    for path in sorted((course / "autograded").rglob(f"{A1}.ipynb")):
        nb = nbformat.read(path, as_version=4)
        who = path.relative_to(course / "autograded").parts[0]
        for key, value in nb.metadata.items():
            if value not in (source.metadata.get(key), given.metadata.get(key)):
                problems.append(f"{who!r}: notebook metadata {key}={json.dumps(value)[:80]}")
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "raw":
                problems.append(f"{who!r} cell {i}: a raw cell survived")
            if cell.get("attachments"):
                problems.append(f"{who!r} cell {i}: attachments survived")
            extra = {k: v for k, v in cell.metadata.items() if k not in ("nbgrader", "autograder")
                     and not (k in ("deletable", "editable") and isinstance(v, bool))}
            if extra:
                problems.append(f"{who!r} cell {i}: cell metadata {json.dumps(extra)[:80]}")
            if cell.cell_type == "markdown" and cell.source not in trusted and not re.match(
                    r"^(\*\*Notes from the autograder\*\*\n\n)?(`{3,})text\n", cell.source):
                problems.append(f"{who!r} cell {i}: student Markdown not fenced: {cell.source[:80]!r}")
            for out in cell.get("outputs", []):
                if set(out.get("data", {})) - SAFE_MIMES:
                    problems.append(f"{who!r} cell {i}: output mimes {sorted(out['data'])}")
    assert not problems, "\n".join(problems[:30])


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "base", "link", "form", "svg", "video", "audio") and not (
                tag == "svg" and ("role", "img") in attrs):
            self.bad.append(f"<{tag}>")
        if tag == "meta" and any(k == "http-equiv" and v.lower() == "refresh" for k, v in attrs):
            self.bad.append("<meta refresh>")
        for key, value in attrs:
            value = value or ""
            if key.startswith("on") or re.match(r"\s*(javascript|vbscript):", value, re.I) or "pwn-" in value:
                self.bad.append(f"<{tag} {key}={value[:60]!r}>")
            if key == "src" and not value.startswith("data:image/"):
                self.bad.append(f"<{tag} src={value[:60]!r}>")


def test_feedback_pages_contain_no_active_markup(course):
    problems = []
    for path, text in feedback_pages(course).items():
        parser = _Tags()
        parser.feed(text)
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
        if not csp or "default-src 'none'" not in csp.group(1) or "script-src" in csp.group(1):
            problems.append(f"{path.parent.parent.name!r}: no strict Content-Security-Policy")
        if parser.bad:
            problems.append(f"{path.parent.parent.name!r}: {sorted(set(parser.bad))[:6]}")
    assert not problems, "\n".join(problems[:30])


def test_payloads_are_shown_as_text(course):
    page = (course / "feedback" / "xss-markdown" / A1 / f"{A1}.html").read_text()
    assert "PWNED-m2" in page and "&lt;img src=x onerror=" in page, "the student's Markdown should be shown, escaped"
    out = (course / "feedback" / "xss-outputs" / A1 / f"{A1}.html").read_text()
    assert "&lt;script&gt;window.__pwned=" in out and "PWNED-ansi" in out, "printed HTML should be shown as text"


def test_nothing_pretends_to_be_the_instructor(course):
    nb = autograded(course, "xss-markdown", A1)
    fake = [c for c in nb.cells if "PWNED-fake" in c.source]
    assert fake and all(c.source.startswith("```") for c in fake), "a Markdown cell claiming a locked id was trusted"


# ==================================================================================== 3. nothing stops the batch


@pytest.mark.parametrize("student", ["meta-string", "ts-20digit", "ts-9999", "ts-garbage", "ts-huge", "ts-negative",
                                     "ts-dir", "ts-fifo", RICH_ID, RICH_ID2, LONG_ID, "fname-esc", "out-esc",
                                     "frames-bad", "fname-xss", CSV_ID])
def test_damaged_but_gradable_submissions_get_full_marks(scores, full, student):
    assert scores.get((student, A1)) == full[A1], f"{student!r}: {scores.get((student, A1))} / {full[A1]}"


@pytest.mark.parametrize("student,reason", [("rich-field", "not a valid notebook"), ("deep-json", "nested"), ("quad-json", "JSON"), ("truncated", "JSON"),
                                            ("binary", "text file"), ("md-50k", "cells"), ("cells-2001", "cells")])
def test_ungradable_submissions_score_zero_with_a_reason(course, scores, student, reason):
    assert scores.get((student, A1)) == 0
    page = (course / "feedback" / student / A1 / f"{A1}.html").read_text()
    assert "could not be graded" in page and reason in page, f"{student}: no reason in the feedback page"


def test_damaged_metadata_is_noted(course):
    page = (course / "feedback" / "meta-string" / A1 / f"{A1}.html").read_text()
    assert "damaged grading metadata" in page


def test_invalid_kernel_messages_are_dropped_and_noted(course):
    nb = autograded(course, "frames-bad", A1)
    assert "not valid JSON" in nb.cells[0].source or "message" in nb.cells[0].source, "the protocol break is not noted"
    cell = next(c for c in nb.cells if "_send_raw" in c.source)
    assert "alert(1)" not in json.dumps(cell.get("outputs", [])), cell.outputs


def test_terminal_output_carries_no_escape_sequences(run):
    raw = run["first"]["stdout"] + run["first"]["stderr"]
    text = raw.decode("utf-8", "replace")
    found = {name: text.count(ch) for name, ch in (("ESC", "\x1b"), ("BEL", "\x07"), ("CSI (C1)", "\x9b"),
                                                   ("RLO", "\u202e"), ("PDF", "\u202c"))}
    assert not any(found.values()), f"control characters from submissions reached the terminal: {found}"


def test_rich_markup_is_printed_literally(run):
    def compact(text):  # the summary table wraps long cells: compare without borders and spaces
        return re.sub(r"[\s\u2500-\u257f]", "", text)

    text = compact(outside_text(run))
    for shown in (RICH_ID, RICH_ID2, "[bold red]field[/][/]"):
        assert compact(shown) in text, f"{shown!r} should be printed as it is, not read as markup"


def test_lone_surrogates_in_output_are_graded(course, scores, full):
    assert scores.get(("surrogate-print", A1)) == full[A1]
    assert (course / "autograded" / "surrogate-print" / A1 / f"{A1}.ipynb").is_file(), "no autograded copy"
    assert (course / "feedback" / "surrogate-print" / A1 / f"{A1}.html").is_file(), "no feedback page"


def test_lone_surrogates_in_the_notebook_are_graded(course, scores, full):
    assert scores.get(("surrogate-nb", A1)) == full[A1]
    assert (course / "feedback" / "surrogate-nb" / A1 / f"{A1}.html").is_file(), "no feedback page"


def test_student_ids_cannot_inject_spreadsheet_formulas(course):
    rows = list(csv.reader(io.StringIO((course / "results" / "grades.csv").read_text())))
    bad = [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "@", "\t", "\r")
           or (cell[:1] == "-" and not re.fullmatch(r"-?[\d.]+", cell))]
    assert not bad, f"results/grades.csv has fields a spreadsheet runs as formulas: {bad[:5]}"


# -------------------------------------------------------------------- run stoppers, each in a run of its own


@pytest.fixture(scope="module")
def stoppers(template_course, tmp_path_factory):
    """Each: a course with honest students before and after one submission that once aborted the run."""
    found = {}
    for name in STOPPERS_RUNS:
        tmp = tmp_path_factory.mktemp(name)
        course = shutil.copytree(template_course, tmp / "course", symlinks=True)
        for student in ("a-honest", "z-honest"):
            submit(course, student, A1, honest_nb(course, A1))
        folder = submit(course, "m-timestamp", A1, honest_nb(course, A1)).parent
        (folder / "timestamp.txt").write_text("9999-12-31 23:59:59")
        found[name] = (course, grade_subprocess(course, tmp, "--quiet", env={"TZ": "Asia/Tokyo"}, name=name))
    return found


@pytest.fixture(scope="module")
def unsafe_ids(template_course, tmp_path_factory):
    """A course with honest students beside folders whose names cannot be student ids."""
    tmp = tmp_path_factory.mktemp("unsafe-ids")
    course = shutil.copytree(template_course, tmp / "course", symlinks=True)
    for student in ("a-honest", "z-honest", *UNSAFE_IDS.values()):
        submit(course, student, A1, honest_nb(course, A1))
    folder = os.path.join(os.fsencode(course / "submitted"), b"bad-\xff\xfe-id", A1.encode())
    os.makedirs(folder)
    nbformat.write(honest_nb(course, A1), os.fsdecode(os.path.join(folder, f"{A1}.ipynb".encode())))
    return course, grade_subprocess(course, tmp, name="unsafe-ids")


def test_unsafe_student_ids_are_refused_and_the_others_graded(unsafe_ids):
    course, result = unsafe_ids
    text = (result["stdout"] + result["stderr"]).decode("utf-8", "replace")
    assert result["code"] == 1, "a folder left ungraded must show in the exit code"
    full = max_score(course, A1)
    assert totals(course) == {("a-honest", A1): full, ("z-honest", A1): full}, text[-1500:]
    assert text.count("cannot be a student id") == len(UNSAFE_IDS) + 1, text[-3000:]
    for what in ("holds '<'", "holds '\"'", "U+001B", "not valid UTF-8", "rename the folder"):
        assert what in text, f"the refusal should say why ({what!r}):\n{text[-3000:]}"


def test_unsafe_student_ids_leave_nothing_behind(unsafe_ids):
    course, _ = unsafe_ids
    for kind in ("autograded", "feedback"):
        assert sorted(p.name for p in (course / kind).iterdir()) == ["a-honest", "z-honest"], kind
    assert "PWNED" not in (course / "results" / "grades.csv").read_text()


def test_unsafe_student_ids_put_no_escape_sequence_on_the_terminal(unsafe_ids):
    _, result = unsafe_ids
    text = (result["stdout"] + result["stderr"]).decode("utf-8", "replace")
    found = [ch for ch in ("\x1b", "\x07", "\x9b", "\u202e", "\u202c") if ch in text]
    assert not found, f"control characters from folder names reached the terminal: {found}"


@pytest.mark.parametrize("name", STOPPERS_RUNS)
def test_one_submission_cannot_stop_the_run(stoppers, name):
    course, result = stoppers[name]
    scores = totals(course)
    detail = (result["stdout"] + result["stderr"]).decode("utf-8", "replace")[-1500:]
    assert result["code"] == 0, f"{name}: exit code {result['code']}:\n{detail}"
    full = max_score(course, A1)
    assert scores.get(("a-honest", A1)) == full and scores.get(("z-honest", A1)) == full, f"{name}: {scores}\n{detail}"


# ==================================================================================== 4. bounded work


def honest_times(run):
    times = [entry_times(run, s) for s in ("honest-a", "honest-b")]
    return {k: max(t[k] for t in times) for k in ("driver", "worker", "total")}


UNBOUNDED = {  # student -> cell timeouts it may spend (the time a limit takes to act is not the grader's work)
    "md-80k": 0, "md-2000": 0, "md-50k": 0, "attach-150": 0, "err-5mb": 0, "stdout-5mb": 0, "display-huge": 1,
    "tiny-outputs": 1, "cells-2001": 0, "quad-json": 0, "deep-json": 0, "saved-30mb": 0,
}


@functools.cache
def render_setup() -> float:
    """Seconds a fresh process takes to set up feedback rendering (templates, Markdown, math):
    paid once per run, by whichever notebook's page is drawn first in that process (in the
    driver, the first rejected one). Measured here, under the same load as the run."""
    code = ("import time; from autograder import feedback; t = time.monotonic(); "
            "feedback.markdown_html('# a $x^2$'); feedback._environment(); print(time.monotonic() - t)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return float(done.stdout)


@pytest.mark.parametrize("student", sorted(UNBOUNDED))
def test_grading_time_per_notebook_is_bounded(run, student):
    base, t = honest_times(run), entry_times(run, student)
    assert t["total"] > 0, f"{student}: no timings recorded"
    size = next((p.stat().st_size for p in (run["course"] / "submitted" / student / A1).iterdir() if p.is_file()), 0)
    # ten honest notebooks, the limits it hits, and reading at 10 MB/s
    budget = 10 * base["total"] + UNBOUNDED[student] * (CELL_TIMEOUT + GRACE + 1) + size / 10e6
    assert t["total"] <= budget, f"{student}: {t['total']:.1f} s for one notebook (honest: {base['total']:.2f} s; {t})"
    # the floor leaves room for a loaded machine's pauses; unbounded work took 100 s and more
    assert t["driver"] <= max(2.0, 10 * base["driver"]) + size / 10e6 + render_setup(), (
        f"{student}: {t['driver']:.2f} s of the grader's own process (reading and writing; honest: "
        f"{base['driver']:.3f} s); every other notebook waits for it")


@pytest.mark.parametrize("student", sorted(set(UNBOUNDED) - {"md-50k", "cells-2001", "quad-json", "deep-json"}))
def test_written_files_stay_small(course, student):
    sizes = {kind: path.stat().st_size for kind, path in (
        ("autograded copy", course / "autograded" / student / A1 / f"{A1}.ipynb"),
        ("feedback page", course / "feedback" / student / A1 / f"{A1}.html")) if path.exists()}
    assert len(sizes) == 2, f"{student}: missing files ({sizes})"
    big = {k: f"{v / 2**20:.1f} MB" for k, v in sizes.items() if v > FEW_MB}
    assert not big, f"{student}: {big} written for one notebook"


def test_many_tiny_outputs_are_capped(course):
    nb = autograded(course, "tiny-outputs", A1)
    count = sum(len(c.get("outputs", [])) for c in nb.cells)
    assert count < 5000, f"{count} outputs kept for one notebook (empty outputs are not counted against the cap)"


def test_attachment_is_not_copied(course):
    page = (course / "feedback" / "attach-150" / A1 / f"{A1}.html").read_text()
    assert page.count("data:image/png") == 0 and len(page) < 1 << 20


# ==================================================================================== 5. sandbox limits


def printed(course, student, tag):
    return [line.split(" ", 1)[1] if " " in line else "" for line in text_of(course, student).splitlines()
            if line.startswith(tag + " ") or line == tag]


def fill_results(course) -> dict:
    filled = {}
    for line in printed(course, "fill-paths", "FILLED"):
        filled.update(json.loads(line))
    count = printed(course, "fill-paths", "WRITABLE")
    assert count and len(filled) == int(count[0]), f"fill-paths reported {len(filled)} of {count} writable paths"
    return filled


def test_every_writable_path_is_capped(course):
    filled = fill_results(course)
    over = {d: mb for d, mb in filled.items() if mb > TMPFS_MB}
    assert not over, (f"writable paths that took more than {TMPFS_MB} MB each (of 1 GiB tried): {over}; all: {filled}")


def test_no_writable_path_outside_fresh_scratch(course):
    filled = fill_results(course)
    extra = sorted(set(filled) - {"/tmp", "/dev/shm", "/home/student"})
    assert not extra, f"writable outside the per-notebook scratch space (shared by every notebook of a worker): {extra}"


def test_files_do_not_outlive_their_process(course):
    lines = printed(course, "persist-self", "PERSIST")
    assert lines, "persist-self printed nothing"
    counts = json.loads(lines[-1])
    survived = {d: n - 1 for d, n in counts.items() if n > 1}
    assert not survived, f"files of a dead process were there for the next one: {survived}"


def test_students_never_see_each_others_files(course):
    seen = {}
    for i in range(1, 5):
        lines = printed(course, f"leak-{i}", "LEAK-SEEN")
        assert lines, f"leak-{i} printed nothing"
        others = [t for t in json.loads(lines[-1]) if not t.startswith(f"LEAK-leak-{i}-")]
        if others:
            seen[f"leak-{i}"] = others
    assert not seen, f"students saw files written by students graded before them: {seen}"


def test_memory_left_behind_does_not_hurt_the_next_student(course, scores, full):
    report = {}
    for i in range(1, 4):
        student = f"zz-mem-share-{i}"
        report[student] = (printed(course, student, "ALLOC-OK"), printed(course, student, "LEFT"))
    failed = {s: r for s, r in report.items() if r[0] != ["True"]}
    assert not failed, (f"a 1.5 GiB allocation (within the {MEMORY_MB} MB limit) failed after an earlier student of "
                        f"the same worker left files behind: {report}")
    assert all(r[1] and int(r[1][-1]) >= 2 * TMPFS_MB for r in report.values()), f"the files were not left: {report}"
    assert scores[("zzz-last", A1)] == full[A1]


def test_forked_children_share_one_memory_cap(course):
    held = printed(course, "mem-three", "HELD")
    assert held, "mem-three printed nothing (its process was killed before reporting)"
    n = int(held[-1].split()[0])
    assert n <= MEMORY_MB // 1024, f"{n} children held 1 GiB each at once under a {MEMORY_MB} MB limit: {held}"
    assert printed(course, "mem-three", "HUGE") == ["refused"]


def test_memory_of_the_machine_was_never_at_risk(run):
    s = run["first"]["sampler"]
    cap = (MEMORY_MB + TEMPLATE_MB) << 20
    assert s.cgroups, "no sandbox process was seen in a memory cgroup (running as root, one should be used)"
    loose = {cg: info["limit"] for cg, info in s.cgroups.items() if info["limit"] > cap}
    assert not loose and not s.uncapped, f"sandboxes without the {cap >> 20} MB cap: {loose} {sorted(s.uncapped)[:3]}"
    assert s.grader_peak < 3 << 30, f"the grader's own processes peaked at {s.grader_peak >> 20} MB"
    drop = s.avail_start - s.avail_min
    assert drop < 2 * cap + (3 << 30), f"available memory dropped by {drop >> 20} MB during grading"


@pytest.mark.parametrize("student", ["bomb-mid", "loop-noint", "close-socket", "exit-mid", "kill-all"])
def test_a_killed_or_endless_cell_costs_only_itself(run, scores, full, student):
    t = entry_times(run, student)
    # a fork bomb's processes take time to be reaped: the next process may wait for them, boundedly
    reaping = runner.SPAWN_WAIT if student == "bomb-mid" else 0.0
    assert t["total"] <= 10 * honest_times(run)["total"] + CELL_TIMEOUT + GRACE + 5 + reaping, f"{student}: {t}"
    assert scores[(student, A1)] == full[A1], (
        f"{student}: {scores[(student, A1)]} / {full[A1]}: after the bad cell was stopped, the cells after it "
        f"should run in a fresh process; notes: {autograded(run['course'], student, A1).cells[0].source[:400]}")


def test_the_template_cannot_be_killed(course):
    assert not printed(course, "kill-all", "PIDFD-KILLED")


def test_no_process_outlives_grading(run):
    left = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if MARKER.encode() in Path(entry.path, "cmdline").read_bytes():
                    left.append(int(entry.name))
            except OSError:
                pass
    for pid in left:  # ours (the marker is unique): do not leave them to the next test run
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
    assert printed(run["course"], "escape-procs", "spawned"), "escape-procs did not run"
    assert not left, f"{len(left)} process(es) started by a student still run after grading"


def test_no_network(course):
    text = text_of(course, "network")
    assert "net blocked" in text
    assert not [line for line in text.splitlines() if line.startswith(("NET-OPEN", "NET-DNS", "NET-UNIX"))], text


def test_no_access_to_the_course_the_reference_or_other_students(course):
    lines = printed(course, "read-course", "READ-OK")
    assert not lines, f"the sandbox could read: {lines}"
    assert SECRET not in text_of(course, "read-course")


def test_student_process_holds_no_host_file(course):
    lines = printed(course, "read-course", "HOSTFILE")
    assert not lines, f"the student's process has host files open for writing (fd, path): {lines}"


# ==================================================================================== 6. secrets


def test_same_notebook_two_students_get_different_inputs(run):
    a, b = run["spied"], parse_spy(text_of(run["course"], "spy-b"))
    assert len(a) >= 5 and len(b) == len(a), f"the spies saw {len(a)} and {len(b)} probes"
    same = [i for i in a if a[i][0] == b[i][0]]
    assert not same, f"probes {same} asked two students with the same notebook on the same inputs"


def test_resubmission_gets_new_inputs(run):
    before, after = run["spied"], parse_spy(text_of(run["course"], "spy-a"))
    assert after, "the resubmission's spy printed nothing"
    repeated = [i for i in after if i in before and after[i][0] == before[i][0]]
    assert not repeated, f"a changed resubmission was asked on the same inputs again (probes {repeated})"


def test_knowing_earlier_inputs_does_not_help(run, scores):
    assert run["table"], "no answers could be prepared from the first grading (the spy printed no inputs)"
    hits = printed(run["course"], "spy-a", "HITS")
    assert hits == ["0"], f"precomputed answers matched {hits} probe(s)"
    assert scores[("spy-a", A1)] == 0


def test_feedback_never_shows_hidden_tests_or_the_secret(course):
    words = ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "run_checks", "autograder.checks", SECRET, *checks.CHECKS]
    leaks = {}
    for path, text in feedback_pages(course).items():
        found = [w for w in words if w in text]
        if found:
            leaks[path.relative_to(course / "feedback").parts[0]] = found[:5]
    assert not leaks, f"feedback pages that show grading internals: {leaks}"


def test_the_secret_is_in_no_file_the_grader_wrote(course):
    for folder in ("autograded", "feedback", "results"):
        for path in (course / folder).rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


def test_grader_messages_do_not_print_hidden_inputs(course):
    spied = parse_spy(text_of(course, "spy-wrong"))
    assert spied, "spy-wrong printed nothing"
    nb = autograded(course, "spy-wrong", A1)
    verdicts = "\n".join(o.get("evalue", "") for c in nb.cells if is_test(c) for o in c.get("outputs", []))
    assert "Failed" in verdicts
    numbers = set(re.findall(r"-?\d+\.\d+", verdicts))  # every decimal number the messages print
    shown = []
    for _digest, arrays, _script in spied.values():
        for name, arr in (arrays or {}).items():
            if arr.dtype.kind == "f":
                for v in np.ravel(arr)[:200]:
                    # as the messages format numbers (6 significant digits), with at least 4 of them:
                    # shorter forms ("21") match unrelated counts and indices
                    forms = {f"{v:.{k}g}" for k in (4, 5, 6)} - {f"{v:.3g}"}
                    if abs(v - round(v)) > 1e-3 and forms & numbers:
                        shown.append((name, float(v)))
    assert not shown, f"hidden input values appear in the grader's messages: {shown[:5]}"


# ==================================================================================== 7. policy holes


def test_forbidden_imports_fail(course):
    text = text_of(course, "imports")
    imported = [line for line in text.splitlines() if line.startswith("IMPORTED")]
    assert not imported, f"forbidden packages imported in the sandbox: {imported}"
    plain = dict(line.split()[1:3] for line in text.splitlines() if line.startswith("PLAIN"))
    assert len(plain) == 7 and set(plain.values()) == {"ModuleNotFoundError"}, plain


def test_a_function_that_only_raises_earns_nothing(course, scores):
    cells = {gid: s for (who, gid), s in cell_scores(course, A1).items() if who == "only-raises"}
    assert cells.get("test_batch_stats_bad_input") == 0 and scores[("only-raises", A1)] == 0, cells


@pytest.mark.parametrize("student", ["sym-source", "sym-passwd", "sym-relative", "sym-other"])
def test_linked_notebooks_are_refused(course, scores, student):
    assert scores.get((student, A1)) == 0
    page = (course / "feedback" / student / A1 / f"{A1}.html").read_text()
    assert "not a regular file" in page or "no ex01" in page


def test_linked_folders_are_not_graded(course, scores):
    assert ("sym-folder", A1) not in scores and ("sym-assignment", A1) not in scores
    for student in ("sym-folder", "sym-assignment"):
        assert not (course / "feedback" / student).exists() and not (course / "autograded" / student).exists()


def test_nothing_a_link_points_at_appears_anywhere(course):
    solution = "((x - mean) ** 2).mean(axis=0)"
    for folder in ("feedback", "autograded"):
        for path in (course / folder).rglob("*"):
            if path.is_file() and path.parts[len((course / folder).parts)].startswith("sym-"):
                text = path.read_text(errors="replace")
                assert "root:x:0:0" not in text and "BEGIN SOLUTION" not in text and solution not in text, path


def test_a_large_saved_output_does_not_cost_marks(course, scores, full):
    assert scores[("saved-30mb", A1)] == full[A1]
    assert (course / "autograded" / "saved-30mb" / A1 / f"{A1}.ipynb").stat().st_size < 1 << 20


# The same course's feedback and formgrader pages, opened in Chromium (hostile_pages.py): imported,
# so that they run in this file's worker and on this course, graded once.
from hostile_pages import (  # noqa: E402
    graded,  # noqa: F401
    served,  # noqa: F401
    test_formgrader_renders_every_notebook_quickly,  # noqa: F401
    test_no_payload_runs_in_any_feedback_page,  # noqa: F401
    test_no_payload_runs_in_formgraders_view,  # noqa: F401
    test_payloads_are_present_in_the_course,  # noqa: F401
)
