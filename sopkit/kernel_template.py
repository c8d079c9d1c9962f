"""The kernel template (``python -m sopkit.kernel_template SOCKET SERVER_PID``), started by
``sopkit-serve`` when ``SopkitVoila.fork_kernels`` is on (``sopkit/serve/forking.py``): it imports
and warms what a page's kernel imports, loads the framework data, freezes the collector, and
forks one kernel per request on its Unix socket. Kept outside ``sopkit.serve`` so that the
server's own modules (Voila, jupyter_server, tornado) are not imported here.

Never here: a zmq context, an event loop, a thread. Only the forking thread survives a fork, so
a lock another thread held would stay held in every kernel (why fork-from-template never landed
upstream: ipykernel#1261, jupyter_client#1031). Each child creates all of these itself, after
the fork, as ``ipykernel_launcher`` would.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
import time

REPLY_TIMEOUT_S = 10.0
MARK = "sopkit-kernel-template"  # in the template's command line, so in every kernel's parent's


KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completer",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "IPython.utils.wildcard",
    "IPython.core.logger",
    "importlib.readers",
    "importlib.resources.readers",
    "sqlite3",
    "pdb",
    "pydoc",
    "faulthandler",
    "http.server",
    "xmlrpc.server",
    "encodings.idna",
    "tornado.gen",
    "tornado.locks",
    "tornado.queues",
    "tornado.platform.asyncio",
    "zmq.utils.garbage",
)

PRELOADED: frozenset[str] = frozenset()  # the modules imported here (a kernel's own imports are the others)
MODULE_FILES: tuple[str, ...] = ()  # their files, side by side in memory (_KernelInitSys)


def preload() -> None:
    """Import and warm what a page's kernel imports, so its pages are shared by every kernel."""
    import importlib

    import ipykernel.ipkernel  # noqa: F401 - patches comm.create_comm before ipywidgets imports it

    from sopkit import warm

    # What IPKernelApp.initialize imports (sys.modules before and after it, in a forked child):
    # imported there, they cost each kernel 0.5 CPU-s and their own pages.
    for name in KERNEL_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    warm.warm_pages()  # then what the pages import and load (shared with the static edition's browser)
    global PRELOADED
    PRELOADED = frozenset(sys.modules)


ROOM = 1024  # spaces at the end of the template's command line: room for a kernel's own


def _set_command_line(argv: list[str]) -> None:
    """Show the kernel's own command line in /proc/PID/cmdline (ps, psutil, the tests find a
    kernel by the connection file in it): written over the template's, which has room for it.
    The area is the process's own memory, named in /proc/self/stat (arg_start, arg_end)."""
    import ctypes

    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])  # fields 48, 49 of proc(5), after pid and comm
    text = b"\0".join(a.encode() for a in argv) + b"\0"
    if len(text) > end - start:
        return
    ctypes.memmove(start, text.ljust(end - start, b"\0"), end - start)


def _reset_in_child() -> None:
    """Undo in a new kernel what only the template should have."""
    os.setsid()  # as jupyter_client's launcher: the kernel's own session and process group
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # interrupts reach the running cell
    atexit._clear()  # the template registered none worth running; the kernel registers its own
    if "numpy" in sys.modules:  # `random` reseeds itself after a fork, numpy's global state does not
        sys.modules["numpy"].random.seed()


def _end_with(pid: int) -> None:
    """End this kernel when process *pid* (the server) ends, as a classic kernel's parent poller
    does. Not ipykernel's poller: it watches the kernel's parent, the template, and a template
    that ended would take every open page's kernel with it."""
    import threading

    try:
        fd: int | None = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except OSError:  # no pidfd (Linux before 5.3): ask every second
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])  # readable once the process has ended
        else:
            with contextlib.suppress(ProcessLookupError):
                while True:
                    os.kill(pid, 0)
                    time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="sopkit-server-watch", daemon=True).start()


# A kernel's own memory is mostly the template's pages it writes to: on Python 3.11 even reading
# an object writes its reference count, so each object a kernel touches copies its whole page.
# Two steps of a kernel's start touch thousands of objects spread over the template's memory;
# for the one command line and the one kernel class the server starts, they are done without.


def _compact_module_names() -> None:
    """Put ``sys.modules``' keys side by side: equal copies of the names, made now, one after
    the other. Each kernel walks them (IPython's ``init_code`` keeps ``set(sys.modules)``); the
    names made at import are spread over the template's memory, 1.6 MB of pages per kernel."""
    for name in list(sys.modules):
        module = sys.modules.pop(name)
        sys.modules[name.encode().decode()] = module


class _KernelInitSys:
    """``sys`` as ``IPythonKernel.__init__`` sees it while the kernel is made: its one use,
    ``[m.__file__ for m in sys.modules.copy().values() ...]`` (the debugger's list of the
    kernel's own files), touches every module object and file name, 1,500 of each all over the
    template's memory: 8-10 MB copied per kernel. Here ``modules.copy()`` gives the template's
    files (``MODULE_FILES``, side by side); the rest is the real ``sys``. Only the debugger reads
    the list, and pages never debug."""

    def __init__(self) -> None:
        import types

        self.modules = types.SimpleNamespace(copy=lambda: {f: types.SimpleNamespace(__file__=f) for f in MODULE_FILES})

    def __getattr__(self, name: str):
        return getattr(sys, name)


@contextlib.contextmanager
def _kernel_init_sys():
    import ipykernel.ipkernel

    if not MODULE_FILES or ipykernel.ipkernel.sys is not sys:
        yield
        return
    ipykernel.ipkernel.sys = _KernelInitSys()
    try:
        yield
    finally:
        ipykernel.ipkernel.sys = sys


def _parse_connection_file_only(app) -> None:
    """The server's kernel command line is ``-f CONNECTION_FILE``: set that as traitlets would,
    without its parser (made for every configurable class and their traits, touching them all:
    3 MB copied per kernel). Any other command line goes to traitlets."""
    parse = app.parse_command_line

    def parse_command_line(argv=None):
        if argv is None or len(argv) != 2 or argv[0] != "-f":
            return parse(argv)
        import copy

        from traitlets.config import Config

        config = Config()
        config.IPKernelApp.connection_file = argv[1]
        app.argv = list(argv)
        app.cli_config = copy.deepcopy(config)
        app.update_config(config)
        app.extra_args = []
        return None

    app.parse_command_line = parse_command_line


def _run_kernel(request: dict) -> int:
    _reset_in_child()
    os.chdir(request["cwd"] or os.getcwd())
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(request["server_pid"])  # as jupyter_client's launcher sets it
    _end_with(request["server_pid"])
    if sys.path and sys.path[0] == request.get("template_cwd"):
        del sys.path[0]  # as ipykernel_launcher does; IPython puts '' back
    with contextlib.suppress(Exception):  # only a name: the kernel runs without it
        _set_command_line(request["argv"])
    argv = request["argv"][3:]  # [python, -m, ipykernel_launcher, *args]
    sys.argv = ["ipykernel_launcher", *argv]

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance(parent_handle=request["server_pid"])  # as a classic kernel's (quiet log)
    app.init_poller = lambda: None  # no parent poller (it watches the parent): _end_with watches the server
    _parse_connection_file_only(app)
    with _kernel_init_sys():
        app.initialize(argv)
    # Decided at import, without a kernel: redo them as a fresh kernel's imports would.
    import ipywidgets

    ipywidgets.register_comm_target()
    app.start()
    return 0


def _child(request: dict) -> None:
    code = 1
    try:
        code = _run_kernel(request)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - to the server's log, never to a page
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _read_request(conn: socket.socket) -> dict:
    conn.settimeout(REPLY_TIMEOUT_S)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data)


def prepare() -> None:
    """Make this process a template: the stack imported and warmed, its objects frozen."""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's import-time note (the template's own environment)
    preload()
    import threading

    if threading.active_count() != 1:  # a thread now would leave its locks held in every kernel
        raise RuntimeError(f"threads in the kernel template: {threading.enumerate()}")
    global MODULE_FILES
    MODULE_FILES = tuple(f.encode().decode() for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str) and f)
    _compact_module_names()
    gc.collect()
    gc.freeze()  # the collector leaves the shared objects (and their pages) alone


def template_main(path: str, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the server, which ends the kernels
    started = time.monotonic()
    prepare()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    part = f"{path}.{os.getpid()}"
    listener.bind(part)
    listener.listen(128)
    os.rename(part, path)  # the socket appears ready, in one step
    print(f"[sopkit] kernel template {os.getpid()} ready in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    template_cwd = os.getcwd()
    while os.getppid() == parent:
        ready, _, _ = select.select([listener], [], [], 0.5)
        _reap()
        if not ready:
            continue
        conn, _ = listener.accept()
        with conn:
            try:
                request = _read_request(conn)
            except (OSError, ValueError) as exc:
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"error": repr(exc)}).encode() + b"\n")
                continue
            request["template_cwd"] = template_cwd
            request["server_pid"] = parent
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                _child(request)
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    # The server is gone: so are we; our kernels watch the server themselves (_end_with).


if __name__ == "__main__":
    # As sopkit.kernel_template, not __main__: its globals (PRELOADED) are the ones kernels import.
    from sopkit import kernel_template

    kernel_template.template_main(sys.argv[1], int(sys.argv[2]))
