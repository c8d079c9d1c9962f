"""Kernels run at a lower CPU priority than the server (``PageKernels.kernel_nice``,
``sopkit/serve/priority.py``): pooled ones and those started for a page, and, where the
scheduler groups each session's processes (Linux autogroup), their group too."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sopkit.serve import priority

from .conftest import NOTEBOOKS


def autogroup_nice(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/autogroup").read_text().split("nice")[1])
    except (OSError, IndexError, ValueError):
        return None


def test_lower_sets_the_process_and_its_own_autogroup():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        assert priority.lower(child.pid, 7)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 7
        if priority.autogroup(child.pid) is not None:
            assert autogroup_nice(child.pid) == 7
        assert not priority.lower(child.pid, 3)  # never raised back
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 7
    finally:
        child.kill()
        child.wait()


def test_lower_leaves_a_shared_autogroup_alone():
    # A child in our own session shares our autogroup: renicing that group would renice us.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    before = autogroup_nice(os.getpid())
    try:
        priority.lower(child.pid, 5)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 5
        assert autogroup_nice(os.getpid()) == before
    finally:
        child.kill()
        child.wait()


NICE_10 = ("--MappingKernelManager.kernel_nice=10",)


@pytest.mark.parametrize(
    ("flags", "nice", "kernel_launch"), [((), 0, "classic"), (NICE_10, 10, "classic"), (NICE_10, 10, "forked")], indirect=["kernel_launch"]
)
def test_kernels_run_below_the_server(start, flags, nice):
    server = start(NOTEBOOKS, *flags)  # voila.json: a pool of one per notebook
    server.wait_for(lambda: len(server.kernels()) >= 2, 60, "pool kernels")
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200
    assert server.process.pid and os.getpriority(os.PRIO_PROCESS, server.process.pid) == 0
    kernels = server.kernels()
    assert kernels
    for k in kernels:
        assert k.nice() == nice, k.cmdline()
        if priority.autogroup(k.pid) not in (None, priority.autogroup(server.process.pid)):
            assert autogroup_nice(k.pid) == nice


def test_an_empty_autogroup_file_means_none(monkeypatch):
    # Some containers (CI's among them) have /proc/<pid>/autogroup but leave it empty.
    monkeypatch.setattr(priority.Path, "read_text", lambda self, *a, **k: "")
    assert priority.autogroup(os.getpid()) is None
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        assert priority.lower(child.pid, 4)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 4
    finally:
        child.kill()
        child.wait()
