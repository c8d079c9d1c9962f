"""Kernels run at a lower CPU priority than the server (``PageKernels.kernel_nice``).

One server process relays every page's messages and serves every arriving delegate; each
kernel is a process of its own. When many kernels compute at once (50 open pages clicking in
the same second, ``benchmarks/plenary.py --burst``), the scheduler shares the cores between
them and the server equally: on 2 cores and 50 busy kernels the server got about 1/26 of a core,
and arriving delegates' pages (already rendered by the pool: a few milliseconds of the server's
work) took 7-10 s to be written out. With the kernels at a lower priority the server gets its
CPU first; the kernels still get every cycle the server does not use.

Linux groups each session's processes for the scheduler ("autogroup", on where the server is
not in a cgroup of its own): jupyter_client starts each kernel in a session of its own, so the
process's nice value alone changes nothing between kernels and the server; the kernel's
autogroup gets the same nice value (``/proc/<pid>/autogroup``), when it is not the server's.
Lowering a priority needs no privilege.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def autogroup(pid: int | str) -> str | None:
    """The autogroup of *pid* ("/autogroup-12"), or None where there are none (no such file,
    or, as in some containers, an empty one)."""
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/autogroup").read_text().split()[0]
    return None


def lower(pid: int, nice: int) -> bool:
    """Give process *pid* (and its autogroup, when not ours) the nice value *nice* (only lower
    priorities: a nice value already higher is kept). True if anything was changed."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return False
    changed = False
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, pid) < nice:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
            changed = True
    group = autogroup(pid)
    if group is not None and group != autogroup("self"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            path = Path(f"/proc/{pid}/autogroup")
            if int(path.read_text().split("nice")[1]) < nice:
                path.write_text(str(nice))
                changed = True
    return changed
