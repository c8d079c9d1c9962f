"""What a visitor's browser may send to its kernel, and what happens to the rest.

The pages never need the browser to run code, start widgets or stop the kernel: the
browser only talks to widgets the page made. So the kernel websocket passes

* ``kernel_info_request`` and ``comm_info_request`` (the front end asks them on connect);
* ``comm_open`` for ipywidgets' control channel only (the widget manager fetches the state
  of the page's widgets through it);
* ``comm_msg`` to existing comms (a click, a text typed, an uploaded file), at most
  ``max_bytes`` long.

Anything else is dropped (``execute_request``, ``shutdown_request``, new widgets, ...).
A ``comm_msg`` over the limit (a too-large upload) is not dropped silently: it reaches the
widget as a small custom message ``{"sopkit": "too-large", "bytes": N}``, so the page can
say "larger than ..." in the visitor's language, just as for a file a little over the limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

ALWAYS = frozenset({"kernel_info_request", "comm_info_request"})
WIDGET_CONTROL = "jupyter.widget.control"
SMALL = 64 * 1024  # any message but a comm_msg stays under this


@dataclass(frozen=True)
class Screened:
    action: str  # "pass", "drop" or "replace"
    message: bytes | str | None = None
    reason: str = ""


def too_large_content(comm_id: str, size: int) -> dict:
    return {"comm_id": comm_id, "data": {"method": "custom", "content": {"sopkit": "too-large", "bytes": size}}}


def screen(ws_msg: bytes | str, *, v1: bool, max_bytes: int) -> Screened:
    size = len(ws_msg)
    try:
        if v1:
            channel, parts = deserialize_msg_from_ws_v1(ws_msg)
            header, content = json.loads(parts[0]), json.loads(parts[3])
        else:
            msg = json.loads(ws_msg) if isinstance(ws_msg, str) else None
            if msg is None:
                return Screened("drop", reason="binary frame outside the v1 protocol")
            channel, header, content = msg.get("channel"), msg["header"], msg.get("content") or {}
        msg_type = header.get("msg_type")
    except Exception:  # noqa: BLE001 - whatever a client sends, it gets no traceback
        return Screened("drop", reason="unreadable message")

    if msg_type in ALWAYS:
        return Screened("pass") if size <= SMALL else Screened("drop", reason=f"{msg_type} of {size} bytes")
    if msg_type == "comm_open":
        if content.get("target_name") == WIDGET_CONTROL and size <= SMALL:
            return Screened("pass")
        return Screened("drop", reason=f"comm_open for {content.get('target_name')!r}")
    if msg_type != "comm_msg" or channel != "shell":
        return Screened("drop", reason=f"{msg_type} on {channel}")
    if size <= max_bytes:
        return Screened("pass")
    replacement = too_large_content(str(content.get("comm_id", "")), size)
    if v1:
        new = serialize_msg_to_ws_v1([parts[0], parts[1], parts[2], json.dumps(replacement).encode()], channel)
    else:
        msg["content"], msg["buffers"] = replacement, []
        new = json.dumps(msg)
    return Screened("replace", new, reason=f"comm_msg of {size} bytes over {max_bytes}")
