"""Kernels forked from the kernel template (``SopkitVoila.fork_kernels``): they are the
template's children and share its memory; a template that dies takes its kernels with it (their
pages are told, as for any kernel that ends) and the next page view gets a new template."""

from __future__ import annotations

import psutil
import pytest

from .conftest import NOTEBOOKS

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


def test_a_forked_kernel_is_the_templates_child_and_shares_its_memory(start):
    server = start(NOTEBOOKS, NO_POOL)
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200 and page.kernel_id
    [kernel] = server.kernels()
    assert kernel.ppid() == template_of(server).pid
    assert any(page.kernel_id in part for part in kernel.cmdline()), "a forked kernel shows its own command line"
    memory = kernel.memory_full_info()
    # A kernel started the classic way uses most of its RSS alone (USS/RSS about 0.7-0.8).
    assert memory.uss < 0.5 * memory.rss, f"USS {memory.uss / 2**20:.0f} MB of RSS {memory.rss / 2**20:.0f} MB: not shared"


def test_a_template_that_dies_is_replaced_and_pages_are_served_again(start):
    server = start(NOTEBOOKS, NO_POOL)
    assert server.page("/voila/render/tiny.ipynb").status == 200
    first = template_of(server)
    first.kill()
    # Its kernels end with it (their parent pollers), and the server lets them go.
    server.wait_for(lambda: not server.kernels(), 30, "the template's kernels to end")
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200 and page.kernel_id
    assert "Traceback" not in page.body
    assert template_of(server).pid != first.pid
    # The dead kernel's restart (a blank kernel, from the new template) is stopped by the server.
    server.wait_for(lambda: len(server.kernels()) == 1, 30, "only the new page's kernel")
    [kernel] = server.kernels()
    assert kernel.ppid() == template_of(server).pid
