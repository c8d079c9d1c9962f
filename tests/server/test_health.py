"""``/sopkit/health``: what load balancers and Kubernetes probe. It answers from counters:
no kernel is started, no cookie is set, and it tells the load the cap counts."""

import json

from .conftest import NOTEBOOKS


def test_health_starts_nothing_and_counts_what_the_cap_counts(start):
    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False", "--SopkitVoila.max_kernels=5")
    for _ in range(3):
        reply = server.request("GET", "/sopkit/health")
        assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.body) == {"status": "ok", "kernels": 0, "cap": 5, "page_views": 0}
        assert reply.cookie is None and "Set-Cookie" not in reply.headers
    assert server.kernels() == []
    assert server.page("/voila/render/tiny.ipynb").status == 200
    assert json.loads(server.request("GET", "/sopkit/health").body)["kernels"] == 1
    assert server.request("HEAD", "/sopkit/health").status == 200
