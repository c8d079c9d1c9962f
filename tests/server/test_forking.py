"""Kernels forked from the kernel template (``SopkitVoila.fork_kernels``): they are the
template's children and share its memory; a template that dies leaves the open pages' kernels
running and the next kernel comes from a new template; a server that dies takes its template and
kernels with it."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from .conftest import NOTEBOOKS
from .test_kernel_socket import echo_page, frames, message  # noqa: F401 - echo_page: a fixture

NO_POOL = "--VoilaConfiguration.preheat_kernel=False"
pytestmark = pytest.mark.parametrize("kernel_launch", ["forked"], indirect=True)


def template_of(server) -> psutil.Process:
    found = []
    for p in psutil.Process(server.process.pid).children():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "sopkit.kernel_template" in p.cmdline():
                found.append(p)
        except psutil.Error:  # the killed one, gone meanwhile
            continue
    [template] = found
    return template


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_forked_kernel_is_the_templates_child_and_shares_its_memory(start):
    server = start(NOTEBOOKS, NO_POOL)
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200 and page.kernel_id
    [kernel] = server.kernels()
    assert kernel.ppid() == template_of(server).pid
    assert any(page.kernel_id in part for part in kernel.cmdline()), "a forked kernel shows its own command line"
    assert os.getsid(kernel.pid) == kernel.pid, "a kernel leads its own session, as a classic one"
    memory = kernel.memory_full_info()
    # A kernel started the classic way uses most of its RSS alone (USS/RSS about 0.7-0.8).
    assert memory.uss < 0.5 * memory.rss, f"USS {memory.uss / 2**20:.0f} MB of RSS {memory.rss / 2**20:.0f} MB: not shared"


def test_a_template_that_dies_leaves_open_pages_kernels_and_is_replaced(echo_page):  # noqa: F811 - the fixture imported above
    server, page, ws, _ = echo_page()
    first = template_of(server)
    [kernel] = server.kernels()
    first.kill()
    server.wait_for(lambda: not alive(first.pid), 10, "the template to end")
    time.sleep(3)  # a kernel watching its parent (ipykernel's poller) would end within 1 s
    assert alive(kernel.pid), "the open page's kernel ended with the template"
    ws.send(message("kernel_info_request", {}))
    assert frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "kernel_info_reply"), "the kernel no longer answers"
    # The next kernel comes from a new template.
    second = server.page("/voila/render/tiny.ipynb")
    assert second.status == 200 and second.kernel_id and "Traceback" not in second.body
    template = template_of(server)
    assert template.pid != first.pid
    [new] = server.kernels()  # the first kernel is no longer the server's descendant
    assert new.ppid() == template.pid and new.pid != kernel.pid
    assert "started the classic way" not in server.log_text()


def test_a_server_that_dies_takes_its_template_and_kernels(start):
    server = start(NOTEBOOKS, NO_POOL)
    assert server.page("/voila/render/tiny.ipynb").status == 200
    template = template_of(server)
    [kernel] = server.kernels()
    os.kill(server.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while (alive(template.pid) or alive(kernel.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(template.pid), "the template outlived its server"
    assert not alive(kernel.pid), "a kernel outlived its server"
