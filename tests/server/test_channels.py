"""The kernel-channel read of channels.py: a reply already queued is read even when the
socket's wake-up is missed (the cause of held pages), and a read still times out."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from queue import Empty

import pytest
import zmq

from sopkit.serve import channels


class MissedWakeUpSocket:
    """A socket whose poll never reports the message it holds (a missed wake-up), though
    asking it directly (``EVENTS``) says a message is waiting."""

    def __init__(self, queued: bool):
        self.queued = queued
        self.polls: list[int] = []

    async def poll(self, timeout_ms: int) -> int:
        self.polls.append(timeout_ms)
        await asyncio.sleep(0)
        return 0

    def get(self, option: int) -> int:
        assert option == zmq.EVENTS
        return zmq.POLLIN if self.queued else 0


def run(coro):
    """Run *coro* on a loop of its own (another test of this worker may have left one running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Channel:
    get_msg = channels.get_msg

    def __init__(self, socket):
        self.socket = socket

    async def _recv(self):
        self.socket.queued = False
        return {"msg_type": "execute_reply"}


def test_a_queued_reply_is_read_after_one_slice_not_at_the_timeout():
    socket = MissedWakeUpSocket(queued=True)
    reply = run(Channel(socket).get_msg(timeout=60))
    assert reply == {"msg_type": "execute_reply"}
    # jupyter_client's own get_msg would have polled once for the whole 60 s
    assert socket.polls == [int(channels.SLICE_S * 1000)]


def test_no_message_still_times_out_in_slices():
    socket = MissedWakeUpSocket(queued=False)
    with pytest.raises(Empty):
        run(Channel(socket).get_msg(timeout=0.5))
    assert len(socket.polls) >= 2 and max(socket.polls) <= channels.SLICE_S * 1000


def test_the_server_installs_it():
    from jupyter_client.channels import AsyncZMQSocketChannel

    try:
        channels.install()
        assert AsyncZMQSocketChannel.get_msg is channels.get_msg
    finally:
        channels.uninstall()
    assert AsyncZMQSocketChannel.get_msg is not channels.get_msg
