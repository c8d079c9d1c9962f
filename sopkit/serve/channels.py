"""A kernel-channel read that cannot sleep through a message already waiting.

Held pages (a page view taking the executor's whole cell timeout although its notebook had
finished) came from here: Voila sends one ``execute_request`` of its own (setting
``VOILA_KERNEL_ID``) without reading the reply, so the executor's first cell finds two
replies arriving back to back on the shell channel. It reads the first, then polls for the
second, and now and then that poll is not woken although the reply is there
(``zmq.asyncio`` on an edge-triggered descriptor): it returns only when its timeout
(``VoilaExecutor.timeout``, 60 s) ends, and finds the message then. Measured with Debian's
chromium, cold kernels: 1 to 4 views in 25-40 held 61 s (``benchmarks/held_pages.py``).

``get_msg`` here waits in short slices and also asks the socket itself whether a message is
queued, so a missed wake-up costs at most one slice. It replaces jupyter_client's
``AsyncZMQSocketChannel.get_msg`` in the server process only (``install()``, called by the app).
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

import zmq
from jupyter_client.channels import AsyncZMQSocketChannel

SLICE_S = 0.2  # longest a missed wake-up can hold a reply
_original = AsyncZMQSocketChannel.get_msg


async def get_msg(self: AsyncZMQSocketChannel, timeout: float | None = None) -> dict[str, Any]:
    """Like jupyter_client's, but never sleeps more than ``SLICE_S`` on a socket with a message waiting."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = SLICE_S if deadline is None else max(0.0, min(SLICE_S, deadline - time.monotonic()))
        ready = await self.socket.poll(int(left * 1000))
        if ready or self.socket.get(zmq.EVENTS) & zmq.POLLIN:
            return await self._recv()
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def install() -> None:
    """Use the sliced ``get_msg`` for every asyncio kernel client of this process (idempotent)."""
    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]


def uninstall() -> None:
    AsyncZMQSocketChannel.get_msg = _original  # type: ignore[method-assign]
