"""What a visitor's browser may send to its kernel: widget messages to the page's widgets,
within a size; never new widgets, code or a shutdown. The kernel's end is told to the page."""

import json
import struct
import time
import uuid

import pytest
import websocket

from .conftest import BOTH_LAUNCHES, NOTEBOOKS

NO_POOL = "--VoilaConfiguration.preheat_kernel=False"


def message(msg_type: str, content: dict, channel: str = "shell") -> str:
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
            "channel": channel,
            "buffers": [],
        }
    )


def frames(ws, seconds: float, until=None) -> list[dict]:
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            break
        if frame == "":  # closed
            break
        if isinstance(frame, str):
            seen.append(json.loads(frame))
            if until and until(seen[-1]):
                break
    return seen


def close_code(ws, seconds: float) -> int | None:
    """Read until the server closes the socket; its close code."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            opcode, frame = ws.recv_data_frame(True)
        except websocket.WebSocketTimeoutException:
            continue
        except websocket.WebSocketConnectionClosedException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None
    return None


@pytest.fixture
def echo_page(start):
    def make(*flags):
        server = start(NOTEBOOKS, NO_POOL, *flags)
        page = server.page("/voila/render/echo.ipynb")
        assert page.status == 200
        ws = websocket.create_connection(
            f"{server.url.replace('http', 'ws')}/api/kernels/{page.kernel_id}/channels",
            origin=server.url,
            timeout=10,
            cookie=f"sopkit_browser={page.cookie}",
        )
        ws.send(message("comm_info_request", {"target_name": "jupyter.widget"}))
        reply = frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "comm_info_reply")[-1]
        comms = reply["content"]["comms"]
        return server, page, ws, comms

    return make


def test_a_browser_cannot_open_widgets_or_get_a_traceback(echo_page):
    server, page, ws, _ = echo_page()
    for _i in range(50):
        ws.send(
            message(
                "comm_open",
                {
                    "comm_id": uuid.uuid4().hex,
                    "target_name": "jupyter.widget",
                    "data": {
                        "state": {
                            "_model_name": "TextModel",
                            "_model_module": "@jupyter-widgets/controls",
                            "_model_module_version": "2.0.0",
                            "value": "x" * 1000,
                        },
                        "buffer_paths": [],
                    },
                },
            )
        )
    ws.send(message("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "no.such.target", "data": {}}))
    seen = frames(ws, 4)
    text = json.dumps(seen)
    assert "Traceback" not in text and "/site-packages/" not in text
    ws.send(message("comm_info_request", {"target_name": "jupyter.widget"}))
    reply = frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "comm_info_reply")[-1]
    assert len(reply["content"]["comms"]) < 10, "the browser created widgets in the kernel"


def test_shutdown_request_from_a_page_is_dropped(echo_page):
    server, page, ws, _ = echo_page()
    ws.send(message("shutdown_request", {"restart": False}, channel="control"))
    ws.send(message("shutdown_request", {"restart": False}))
    time.sleep(3)
    assert len(server.kernels()) == 1
    ws.send(message("kernel_info_request", {}))
    assert frames(ws, 10, until=lambda m: m["header"]["msg_type"] == "kernel_info_reply")


def test_an_oversized_widget_message_reaches_the_widget_as_too_large(echo_page):
    server, page, ws, comms = echo_page()
    big = "x" * (3 * 2**20)  # an upload three times the limit
    for comm_id in comms:
        ws.send(message("comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": {"value": big}, "buffer_paths": []}}))
    echoed = frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "comm_msg" and "echo" in json.dumps(m["content"]["data"]))
    assert echoed, "the widget never heard of the message"
    echo = echoed[-1]["content"]["data"]["content"]["echo"]
    assert echo == {"sopkit": "too-large", "bytes": pytest.approx(3 * 2**20, rel=0.01)}


def test_a_message_larger_than_tornados_default_limit_does_not_drop_the_page(echo_page):
    server, page, ws, comms = echo_page()
    big = "x" * (30 * 2**20)  # 30 MB: tornado's 10 MiB default would close the connection
    for comm_id in comms:
        ws.send(message("comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": {"value": big}, "buffer_paths": []}}))
    assert frames(ws, 30, until=lambda m: "too-large" in json.dumps(m["content"]))


@BOTH_LAUNCHES
def test_a_killed_kernel_closes_the_page_socket_with_a_reason_and_frees_its_place(echo_page):
    server, page, ws, _ = echo_page()
    [kernel] = server.kernels()
    kernel.kill()
    assert close_code(ws, 30) == 4001
    server.wait_for(lambda: not server.kernels(), 30, "the restarted blank kernel to be stopped")


def echoing_comm(ws, comms) -> str:
    """The comm of the page's echo widget: the one that answers a custom message."""
    for comm_id in comms:
        ws.send(message("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"ping": comm_id}}}))
    got = frames(ws, 20, until=lambda m: "ping" in json.dumps(m["content"].get("data", {})))
    return got[-1]["content"]["comm_id"]


@BOTH_LAUNCHES
def test_a_kernel_over_its_memory_limit_is_stopped_and_its_page_told(echo_page):
    server, page, ws, comms = echo_page("--MappingKernelManager.kernel_memory_limit=200", "--MappingKernelManager.memory_check_interval=0.5")
    target = echoing_comm(ws, comms)
    chunk = "y" * (2**20)  # under the message limit; the page keeps each one (a leak)
    code, reset = None, False
    for i in range(300):
        # Stop sending as soon as the server acts: writing on to a socket it has closed would
        # be answered with a reset, which can swallow the close frame we are waiting for.
        if "over the limit" in server.log_text():
            break
        try:
            ws.send(message("comm_msg", {"comm_id": target, "data": {"method": "custom", "content": {"k": chunk + str(i)}}}))
        except (BrokenPipeError, ConnectionResetError):
            reset = True  # the server closed between the check and this send (a loaded machine)
            break
        if i % 5 == 4:
            code = close_code(ws, 0.3)  # lets the kernel catch up; the server may close meanwhile
            if code is not None:
                break
    if reset:
        # The reset may have taken the close frame with it: the server's own word, then.
        assert "over the limit" in server.log_text(), "the socket broke before the server acted"
    else:
        assert (code or close_code(ws, 30)) == 4002
    server.wait_for(lambda: not server.kernels(), 30, "the kernel to be stopped")


def test_execute_request_is_ignored(echo_page, tmp_path):
    server, page, ws, _ = echo_page()
    marker = tmp_path / "executed"
    ws.send(message("kernel_info_request", {}))  # control: the channel answers what is allowed
    assert frames(ws, 10, until=lambda m: m["header"]["msg_type"] == "kernel_info_reply")
    code = f"open({str(marker)!r}, 'w').write('x')"
    request = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
    ws.send(message("execute_request", request))
    seen = [m["header"]["msg_type"] for m in frames(ws, 3)]
    assert "execute_reply" not in seen and "execute_input" not in seen
    assert not marker.exists()
