"""A visitor's browser holds the kernel's websocket: widget messages pass, code execution does not."""

import json
import time
import uuid

import pytest
import websocket


def message(msg_type: str, content: dict) -> str:
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "session": uuid.uuid4().hex,
                "username": "visitor",
                "version": "5.3",
                "date": "2026-01-01T00:00:00Z",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def replies(ws, seconds: float, until: str | None = None) -> list[str]:
    """msg_types received within *seconds* (or until one of type *until* arrives)."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            break
        if isinstance(frame, str):
            seen.append(json.loads(frame)["header"]["msg_type"])
            if seen[-1] == until:
                break
    return seen


@pytest.fixture
def kernel_socket(start):
    from .conftest import NOTEBOOKS

    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False")
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200
    ws = websocket.create_connection(
        f"{server.url.replace('http', 'ws')}/api/kernels/{page.kernel_id}/channels",
        origin=server.url,
        timeout=10,
        cookie=f"sopkit_browser={page.cookie}",
    )
    yield ws
    ws.close()


def test_execute_request_is_ignored(kernel_socket, tmp_path):
    marker = tmp_path / "executed"
    kernel_socket.send(message("kernel_info_request", {}))  # control: the channel answers what is allowed
    assert "kernel_info_reply" in replies(kernel_socket, 10, until="kernel_info_reply")
    code = f"open({str(marker)!r}, 'w').write('x')"
    kernel_socket.send(
        message(
            "execute_request",
            {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        )
    )
    seen = replies(kernel_socket, 3)
    assert "execute_reply" not in seen and "execute_input" not in seen
    assert not marker.exists()
