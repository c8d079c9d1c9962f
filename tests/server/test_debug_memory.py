"""``/sopkit/debug/memory`` (``sopkit/serve/debug.py``) exists only when the server's environment
asks for it, and answers loopback clients with what the process holds."""

import json
import os

from .conftest import NOTEBOOKS

NO_POOL = "--VoilaConfiguration.preheat_kernel=False"


def test_no_debug_route_by_default(start):
    server = start(NOTEBOOKS, NO_POOL, env={k: v for k, v in os.environ.items() if k != "SOPKIT_DEBUG_MEMORY"})
    assert server.request("GET", "/sopkit/debug/memory").status == 404


def test_debug_route_counts_containers_and_objects(start):
    server = start(NOTEBOOKS, NO_POOL, env={**os.environ, "SOPKIT_DEBUG_MEMORY": "1"})
    first = server.request("GET", "/sopkit/debug/memory?baseline=1")
    assert first.status == 200
    state = json.loads(first.body)
    assert state["baseline"] == "taken" and not state["tracing"]
    assert "km.owners" in state["containers"] and "voila.RequestInfoSocketHandler._cache" in state["containers"]
    assert server.page("/voila/render/tiny.ipynb").status == 200
    after = json.loads(server.request("GET", "/sopkit/debug/memory?referrers=KernelSocket").body)
    assert after["containers"]["km.owners"] == 1
    assert ["km.owners", 1, 1] in after["container_growth"]
    assert after["objects"] > 0 and isinstance(after["referrers"], list)
