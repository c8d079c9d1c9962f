"""Room for many kernels in one server process: open files and zmq sockets.

Each kernel costs the server file descriptors (its zmq connections to the kernel: shell,
iopub, stdin, control, heartbeat, each a TCP connection plus zmq's own signalling; the page's
websocket; a forked kernel's pidfd) and several of zmq's sockets. Two limits stop a big meeting
long before memory does: the process's open-file limit (the soft limit is 1024 on a stock
Debian) and zmq's sockets per context (1023 unless set before the context's first socket; zmq
then says "Too many open files"). Measured (``benchmarks/plenary.py``, 200 delegates in 60 s,
cap 272 forked kernels, before this module): from the 121st delegate every page's websocket
failed, and kernels' exits went unseen (``select()`` refuses descriptors past 1023).
"""

from __future__ import annotations

import logging
import resource

FDS_PER_KERNEL = 24  # measured about 12 for a kernel with its page open (tests/server/test_open_files.py); room to spare
SOCKETS_PER_KERNEL = 12  # zmq sockets: a pooled kernel's client and an open page's channels
BASE_FDS = 256  # the server's own: listening sockets, files, the gzip cache, a page's static files
ZMQ_SOCKET_LIMIT = 65535  # zmq.SOCKET_LIMIT of libzmq 4.3 on Linux
MOST_FDS = 65536  # asked for at most (a hard limit of "unlimited" is not a reason to take a million)


def raise_open_files_limit(log: logging.Logger | None = None) -> int:
    """Raise this process's soft limit on open files to its hard limit (at most ``MOST_FDS``);
    returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = MOST_FDS if hard == resource.RLIM_INFINITY else min(hard, MOST_FDS)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError) as exc:  # a container may refuse it
            if log:
                log.warning("Could not raise the open-files limit from %d to %d: %s", soft, want, exc)
    return open_files_limit()


def open_files_limit() -> int:
    """This process's soft limit on open files (``MOST_FDS`` for unlimited)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return MOST_FDS if soft == resource.RLIM_INFINITY else soft


def set_zmq_sockets(context, open_files: int) -> int:
    """Let *context* (jupyter_client's context shared by every kernel, ``kernels.PageKernels``)
    have as many sockets as the open files allow. zmq reads it at the context's first socket:
    set it before. Returns the limit set."""
    import zmq

    sockets = max(context.get(zmq.MAX_SOCKETS), min(open_files, context.get(zmq.SOCKET_LIMIT)))
    context.set(zmq.MAX_SOCKETS, sockets)
    return sockets


def kernels_allowed(open_files: int) -> int:
    """How many kernels one server process can hold with *open_files* (zmq's sockets follow it,
    up to zmq's own limit of 65,535)."""
    return max(1, min((open_files - BASE_FDS) // FDS_PER_KERNEL, min(open_files, ZMQ_SOCKET_LIMIT) // SOCKETS_PER_KERNEL))
