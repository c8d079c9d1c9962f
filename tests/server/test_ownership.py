"""A kernel belongs to the page (browser) it was handed to: nobody else connects to it or
stops it by knowing its id."""

import pytest
import websocket

from .conftest import BOTH_LAUNCHES, NOTEBOOKS

pytestmark = BOTH_LAUNCHES
NO_POOL = "--VoilaConfiguration.preheat_kernel=False"


@pytest.fixture
def page(start):
    server = start(NOTEBOOKS, NO_POOL)
    return server, server.page("/voila/render/tiny.ipynb")


def ws_url(server, kernel_id):
    return f"{server.url.replace('http', 'ws')}/api/kernels/{kernel_id}/channels"


def test_only_the_owner_connects_to_a_kernel(page):
    server, p = page
    for cookie in (None, "1" * 32):
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(
                ws_url(server, p.kernel_id), origin=server.url, timeout=10, cookie=f"sopkit_browser={cookie}" if cookie else None
            )
    websocket.create_connection(ws_url(server, p.kernel_id), origin=server.url, timeout=10, cookie=f"sopkit_browser={p.cookie}").close()


def test_kernel_api_delete_needs_the_owner(page):
    server, p = page
    assert server.request("DELETE", f"/api/kernels/{p.kernel_id}").status in (403, 404)
    assert server.request("DELETE", f"/api/kernels/{p.kernel_id}", cookie="2" * 32).status in (403, 404)
    assert len(server.kernels()) == 1
    assert server.request("GET", f"/api/kernels/{p.kernel_id}").status in (403, 404)
