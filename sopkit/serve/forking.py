"""Kernels forked from a template that has already imported the stack and loaded the data
(``SopkitVoila.fork_kernels``): each kernel shares those pages with the template copy-on-write,
so its own memory is what its page adds.

* **the template** (``sopkit/kernel_template.py``, one process per server, started by it):
  imports ipykernel, IPython, pandas, ipywidgets, anywidget and every sopkit page module (no
  plotly: sopkit's figures are plotly's JSON made without it), loads the framework data and
  plotly's template, ``gc.freeze()``, then forks one kernel per request on a Unix socket. No
  zmq context, event loop or thread before a fork.
* **the child** becomes a kernel as ``ipykernel_launcher`` would (own session, default signal
  handlers, the kernel's environment and folder, new random seeds, ``IPKernelApp`` with the
  connection file the server wrote); ipywidgets' comm targets, decided at import without a
  kernel, are redone. It watches the server (a pidfd), not its parent: a template that dies
  leaves the open pages' kernels running, and the next kernel start gets a new template; the
  template and the kernels end with the server.
* **the provisioner** (``ForkProvisioner``, jupyter_client's local provisioner with the launch
  replaced; chosen by ``ForkedKernelManager``): asks the template for a kernel instead of
  ``Popen`` and follows the kernel, which is not the server's child, through a pidfd (alive,
  ended, signals). When the template cannot serve (it failed to start, another Python or
  kernel command, no answer) the kernel is launched the classic way: a page never waits for it.

Everything else (cap, pool, ownership, culling, memory limit, notices) is the kernel
manager's and is the same for both launches. Prior art: sagemath/sagecell's
ForkingKernelManager, gunicorn's ``preload_app``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

from ..kernel_template import MARK, ROOM

START_TIMEOUT_S = 60.0  # the template's imports and warm-up; then the classic launch
REPLY_TIMEOUT_S = 10.0


class Template:
    """The server's handle on its template process (one per server; started on first use)."""

    def __init__(self, log: logging.Logger | None = None):
        self.log = log
        self.folder = tempfile.mkdtemp(prefix="sopkit-fork-")
        self.path = os.path.join(self.folder, "template.sock")
        self.process: subprocess.Popen | None = None
        self.failed_at = 0.0  # when it last failed to start (then the classic launch for a while)

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.makedirs(self.folder, exist_ok=True)  # stop() removed it after a failed start
        command = [sys.executable, "-m", "sopkit.kernel_template", self.path, str(os.getpid()), MARK, " " * ROOM]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, close_fds=True)
        if self.log:
            self.log.info("Kernel template starting (pid %d)", self.process.pid)

    def serves(self, argv: list[str]) -> bool:
        """Can the template start this kernel command (this Python's ipykernel)?"""
        if len(argv) < 3 or argv[1:3] != ["-m", "ipykernel_launcher"]:
            return False
        try:
            return os.path.samefile(argv[0], sys.executable) or Path(argv[0]).resolve() == Path(sys.executable).resolve()
        except OSError:
            return False

    async def ready(self) -> bool:
        """Start the template if it is not running and wait for its socket; False if it cannot
        start (then for 30 s, the classic launch without trying again)."""
        if time.monotonic() - self.failed_at < 30:
            return False
        self.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not os.path.exists(self.path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.failed_at = time.monotonic()
                if self.log:
                    self.log.warning("Kernel template did not start (exit %s): kernels start the classic way", self.process.poll())
                self.stop()
                return False
            await asyncio.sleep(0.05)
        return True

    async def fork(self, argv: list[str], env: dict, cwd: str | None) -> int:
        """Ask the template for a kernel running *argv* (``python -m ipykernel_launcher ...``)
        with *env* in *cwd*; its pid."""
        reader, writer = await asyncio.open_unix_connection(self.path)
        try:
            request = {"argv": argv, "env": {k: str(v) for k, v in env.items()}, "cwd": str(cwd) if cwd else None}
            writer.write(json.dumps(request).encode() + b"\n")
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), REPLY_TIMEOUT_S)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        reply = json.loads(line or b"{}")
        if "pid" not in reply:
            raise RuntimeError(f"kernel template: {reply.get('error', 'no answer')}")
        return int(reply["pid"])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(self.folder)


_template: Template | None = None


def template(log: logging.Logger | None = None) -> Template:
    """The server's template handle (made on first call; stopped at exit)."""
    global _template
    if _template is None:
        _template = Template(log)
        atexit.register(_template.stop)
    return _template


def _readable(fd: int, timeout_s: float) -> bool:
    """*fd* readable within *timeout_s*. poll, not select: a server holding hundreds of kernels
    has descriptors past 1023, which select() refuses (openfiles.py)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(timeout_s * 1000))


class ForkedProcess:
    """A kernel forked by the template: not our child, so followed through a pidfd (exit seen
    even after its pid is re-used); the exit code is not ours to read (-1)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._fd: int | None = None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.returncode = -1
        except (AttributeError, OSError):  # no pidfd (old kernel): /proc, as psutil does
            self._fd = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self._fd is not None:
            if _readable(self._fd, 0):
                self._ended()
        else:
            import psutil

            try:
                if psutil.Process(self.pid).status() == psutil.STATUS_ZOMBIE:
                    self._ended()
            except psutil.NoSuchProcess:
                self._ended()
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -1
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def send_signal(self, signum: int) -> None:
        if self.poll() is not None:
            raise ProcessLookupError(f"kernel {self.pid} has ended")
        if self._fd is not None:
            signal.pidfd_send_signal(self._fd, signum)
        else:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            if self._fd is not None:
                _readable(self._fd, 0.1)
            else:
                time.sleep(0.05)
        return self.returncode

    stdout = stderr = stdin = None


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the process forked by the template."""

    forked = False

    async def launch_kernel(self, cmd: list[str], **kwargs):
        tpl = template(self.log)
        why = "not this Python's ipykernel_launcher" if not tpl.serves(cmd) else "no kernel template"
        if tpl.serves(cmd) and await tpl.ready():
            try:
                pid = await tpl.fork(cmd, kwargs.get("env") or dict(os.environ), kwargs.get("cwd"))
            except (TimeoutError, OSError, RuntimeError, ValueError) as exc:
                why = f"the template could not fork it: {exc!r}"
            else:
                self.process = ForkedProcess(pid)
                self.pid = self.pgid = pid  # the child called setsid()
                self.cwd = kwargs.get("cwd")
                self.forked = True
                return self.connection_info
        self.forked = False
        self.log.warning("Kernel %s started the classic way (%s)", self.kernel_id, why)  # tests/server/conftest.py looks for it
        return await super().launch_kernel(cmd, **kwargs)

    async def send_signal(self, signum: int) -> None:
        if not self.forked or not self.process:
            return await super().send_signal(signum)
        if self.process.poll() is not None:
            return None
        try:
            os.killpg(self.pgid, signum)  # the kernel's group: what it started too
        except OSError:
            self.process.send_signal(signum)
        return None


class ForkedKernelManager(ServerKernelManager):
    """jupyter_server's per-kernel manager with the fork provisioner (``kernel_manager_class``)."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:  # not None on restarts
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
