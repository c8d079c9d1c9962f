"""A meeting's server holds hundreds of kernels: its open-files limit and zmq's socket limit are
raised for them, the cap is kept within what they allow, and a forked kernel's exit is seen
whatever its descriptor's number (sopkit/serve/openfiles.py). The plenary at the forked plan's
cap (200 delegates, cap 272) lost every page from the 121st on before."""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys

import psutil
import pytest

from sopkit.serve import openfiles
from sopkit.serve.forking import ForkedProcess

from .conftest import NOTEBOOKS

SOFT, HARD = resource.getrlimit(resource.RLIMIT_NOFILE)
ROOMY = HARD == resource.RLIM_INFINITY or HARD >= 4096
needs_room = pytest.mark.skipif(not ROOMY, reason=f"the hard open-files limit here is {HARD}")


@contextlib.contextmanager
def soft_limit(n: int):
    """This process's soft open-files limit set to *n* (children inherit it), then restored."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, HARD))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT, HARD))


@needs_room
def test_a_server_started_from_a_stock_shell_raises_its_open_files_limit(start):
    with soft_limit(1024):  # a stock Debian shell's
        server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False")
    soft, _ = psutil.Process(server.process.pid).rlimit(psutil.RLIMIT_NOFILE)
    assert soft == min(openfiles.MOST_FDS, HARD if HARD != resource.RLIM_INFINITY else openfiles.MOST_FDS)
    assert f"room for {openfiles.kernels_allowed(soft)} kernels" in server.log.read_text()


@needs_room
def test_the_kernels_zmq_context_takes_as_many_sockets_as_the_open_files_allow():
    # jupyter_client's context shared by every kernel: zmq's default is 1023 sockets, fixed at the
    # first socket; 1,500 failed before (and the plenary's pages from the 121st).
    code = (
        "import zmq\n"
        "from jupyter_client.multikernelmanager import AsyncMultiKernelManager\n"
        "from sopkit.serve import openfiles\n"
        "from sopkit.serve.kernels import PageKernels\n"
        "openfiles.raise_open_files_limit()\n"
        "manager = type('Manager', (PageKernels, AsyncMultiKernelManager), {})()\n"
        "sockets = [manager.context.socket(zmq.PUSH) for _ in range(1500)]\n"
        "print(len(sockets))\n"
    )
    with soft_limit(1024):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1500"


def test_the_cap_is_what_the_limits_allow():
    assert openfiles.kernels_allowed(1024) == (1024 - openfiles.BASE_FDS) // openfiles.FDS_PER_KERNEL
    assert openfiles.kernels_allowed(20000) > 272  # the plenary's cap, with this machine's limit
    assert openfiles.kernels_allowed(10) == 1


@needs_room
def test_a_forked_kernels_exit_is_seen_past_descriptor_1023():
    # select() refuses descriptors past 1023: the server's kernels there were never seen to end.
    with soft_limit(min(4096, HARD)):
        child = subprocess.Popen(["sleep", "60"])
        process = ForkedProcess(child.pid)
        high = os.dup2(process._fd, 1500)
        os.close(process._fd)
        process._fd = high
        try:
            assert process.poll() is None
            child.kill()
            child.wait()
            assert process.wait(10) == -1
        finally:
            child.kill()
            with contextlib.suppress(OSError):
                os.close(high)
