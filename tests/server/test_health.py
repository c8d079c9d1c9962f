"""``/sopkit/health``: what load balancers and Kubernetes probe. It answers from counters:
no kernel is started, no cookie is set, and it tells the load the cap counts."""

import gzip
import http.client
import json
import re

from sopkit.plotlyjs import LIBRARY_PATH, library_bytes

from .conftest import NOTEBOOKS


def test_health_starts_nothing_and_counts_what_the_cap_counts(start):
    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False", "--SopkitVoila.max_kernels=5")
    for _ in range(3):
        reply = server.request("GET", "/sopkit/health")
        assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.body) == {"status": "ok", "kernels": 0, "cap": 5, "page_views": 0, "in_use": 0, "pooled": 0, "starting": 0}
        assert reply.cookie is None and "Set-Cookie" not in reply.headers
    assert server.kernels() == []
    assert server.page("/voila/render/tiny.ipynb").status == 200
    state = json.loads(server.request("GET", "/sopkit/health").body)
    assert state["kernels"] == state["in_use"] == 1 and state["pooled"] == state["starting"] == 0
    assert server.request("HEAD", "/sopkit/health").status == 200


def test_plotly_js_and_voila_scripts_reach_browsers_gzipped(start):
    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False")
    for encoding, decode in (("gzip", gzip.decompress), ("identity", lambda b: b)):
        conn = http.client.HTTPConnection("127.0.0.1", server.local.port, timeout=60)
        conn.request("GET", f"/{LIBRARY_PATH}", headers={"Accept-Encoding": encoding})
        reply = conn.getresponse()
        body = reply.read()
        conn.close()
        assert reply.status == 200 and reply.getheader("Content-Type").startswith("text/javascript")
        assert "immutable" in reply.getheader("Cache-Control")  # versioned name: kept for good
        assert (reply.getheader("Content-Encoding") == "gzip") == (encoding == "gzip")
        assert decode(body) == library_bytes()
    assert server.kernels() == []
    # The pages no longer load jupyterlab-plotly's 4.8 MB bundle; the chart widget's front end instead.
    html = server.page("/voila/render/tiny.ipynb").body
    assert '"jupyterlab-plotly"' not in html and '"anywidget"' in html
    # ... and starts loading plotly.js at once, not when the first chart asks for it.
    assert f'<script async id="sop-plotly" src="/{LIBRARY_PATH}"' in html
    # Voila's own scripts and the page itself are gzipped for browsers that ask (all do).
    script = re.search(r'src="(/voila/static/voila\.js[^"]*)"', html)
    assert script, "no voila.js in the page"
    for path in (script.group(1), "/voila/render/tiny.ipynb"):
        plain = server.request("GET", path, headers={"Accept-Encoding": "identity"})
        zipped = server.request("GET", path, headers={"Accept-Encoding": "gzip"})
        assert plain.status == zipped.status == 200
        assert "Content-Encoding" not in plain.headers and zipped.headers.get("Content-Encoding") == "gzip", path


def test_a_static_file_is_gzipped_once_and_revalidates(start):
    # The same compressed bytes each time (kept from the first answer: sopkit/serve/compression.py),
    # a correct length, the plain file for a client that asks for it, and a 304 on revalidation.
    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False")
    script = re.search(r'src="(/voila/static/voila\.js[^"]*)"', server.page("/voila/render/tiny.ipynb").body).group(1)

    def get(encoding: str, **headers):
        conn = http.client.HTTPConnection("127.0.0.1", server.local.port, timeout=60)
        conn.request("GET", script, headers={"Accept-Encoding": encoding, **headers})
        reply = conn.getresponse()
        body = reply.read()
        conn.close()
        return reply, body

    plain, original = get("identity")
    answers = [get("gzip") for _ in range(3)]
    assert all(r.status == 200 and r.getheader("Content-Encoding") == "gzip" for r, _ in answers)
    assert answers[0][1] == answers[1][1] == answers[2][1] and gzip.decompress(answers[2][1]) == original
    assert all(int(r.getheader("Content-Length")) == len(b) for r, b in answers[1:])
    again, body = get("gzip", **{"If-None-Match": answers[2][0].getheader("Etag")})
    assert again.status == 304 and body == b""
