"""What the server keeps per page view is dropped when the view's kernel ends: a soak of
1,000 views must not grow the server (``benchmarks/soak.py``). Counted through
``/sopkit/debug/memory`` (``SOPKIT_DEBUG_MEMORY=1``)."""

import json
import os

from .conftest import NOTEBOOKS


def containers(server) -> dict:
    return json.loads(server.request("GET", "/sopkit/debug/memory").body)["containers"]


def test_a_pooled_views_records_go_with_its_kernel(start):
    # voila.json: a pool of one per notebook; no re-use of other pages' kernels, so that every
    # view of tiny.ipynb is served from its own pool (Voila's path that keeps the record).
    server = start(NOTEBOOKS, "--MappingKernelManager.reuse_pooled=False", env={**os.environ, "SOPKIT_DEBUG_MEMORY": "1"})
    filled = "Kernel pool of tiny.ipynb is filled"
    server.wait_for(lambda: server.log_text().count(filled) > 0, 60, "the pool of tiny.ipynb")
    loggers = containers(server)["logging.loggers"]
    for i in range(3):
        server.wait_for(lambda i=i: server.log_text().count(filled) > i, 60, "the pool of tiny.ipynb")
        page = server.page("/voila/render/tiny.ipynb")
        assert page.status == 200 and page.kernel_id
        assert server.request("POST", f"/voila/api/shutdown/{page.kernel_id}", cookie=page.cookie).status == 204
        server.wait_for(lambda: containers(server)["km.owners"] == 0, 30, "the kernel to end")
    assert server.log_text().count("Page view: the pooled kernel of tiny.ipynb") == 3
    # Voila keeps every pooled view's request for get_query_string; it used to stay for good.
    state = containers(server)
    assert state["voila.RequestInfoSocketHandler._cache"] == 0
    # Each kernel (3 views, 3 refills) made a jupyter_events logger that stayed registered for good.
    assert state["logging.loggers"] == loggers
