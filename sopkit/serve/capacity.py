"""How many visitors a machine can take, from measured per-visitor costs (pure; no server).

The figures are medians measured with ``benchmarks/run.py`` and ``benchmarks/load.py`` on a
2-core machine (README, "Capacity"); change them here when a new measurement says otherwise.
``plan_meeting`` turns them into the "meeting" setting of ``sopkit-serve --meeting``: a kernel
cap from the memory available, a pool of kernels that have already run their notebook
(most of it for the landing page, which the chair's link opens), refilled at most
``cores`` at a time so refills never take the CPUs from the visitors being served.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KERNEL_MB = 140  # RSS of a workbook kernel after its first page view (capacity.py, 300 views: medians 129-132 MB)
# A kernel forked from the template (SopkitVoila.fork_kernels) costs what it does not share: its USS
# after the page view and a click (benchmarks/kernel_memory.py, plenary.py), with room to grow.
FORKED_KERNEL_MB = 70
TEMPLATE_MB = 150  # the kernel template, once (RSS: what its kernels share)
SERVER_MB = 250  # the server process (capacity.py: 151 MB at start, 199 MB after 300 views, ~60 kB a view)
RESERVE_SHARE = 0.15  # of the memory available, left for the system and page caches
KERNEL_CPU_S = 1.5  # CPU seconds to start a kernel and run a workbook (cold; kernel_cpu in run.py)
REUSE_CPU_S = 0.25  # CPU seconds to run a workbook in a pooled kernel of another page (pool_reuse.py: median 0.21)
SERVER_VISIT_CPU_S = 0.55  # the server's CPU seconds per first visit, on its one core (first_visit_cpu.py: 0.52-0.59)
LANDING_SHARE = 0.8  # of the pool, for the landing page (the link the chair shares; its pooled kernels have its page ready)
POOL_SHARE = 0.9  # of the cap, kept ready (the pool gives way to delegates: it costs them no place)


@dataclass(frozen=True)
class MeetingPlan:
    max_kernels: int
    pools: dict[str, int]  # notebook -> kernels kept ready
    start_concurrency: int  # pool refills running at once

    @property
    def pool_total(self) -> int:
        return sum(self.pools.values())


def kernels_that_fit(available_mb: float, forked: bool = False) -> int:
    """Kernels that fit in *available_mb* besides the server (and the kernel template) and a reserve."""
    usable = available_mb * (1 - RESERVE_SHARE) - SERVER_MB - (TEMPLATE_MB if forked else 0)
    return max(0, math.floor(usable / (FORKED_KERNEL_MB if forked else KERNEL_MB)))


def plan_meeting(available_mb: float, cores: int, notebooks: list[str], landing: str, forked: bool = False) -> MeetingPlan:
    """The cap, pool sizes and refill concurrency for a meeting on this machine.

    ``POOL_SHARE`` of the kernels that fit are kept ready: the pool is a cache inside the cap
    that gives way to delegates (``admission.place``), so a pooled kernel takes no delegate's
    place, and any page's pooled kernel serves any page (re-used). Before the pool gave way it
    was half (issue 24: the other half served the delegates; at 100 a minute the pool ran out
    and the last delegates waited for new kernels). ``LANDING_SHARE`` of them for *landing*, the
    rest spread over the other pages, at least one each. *forked*: kernels forked from the
    template, each costing ``FORKED_KERNEL_MB``.
    """
    cap = kernels_that_fit(available_mb, forked)
    if cap < 2 or not notebooks:
        return MeetingPlan(max(cap, 1), {nb: (1 if cap >= len(notebooks) else 0) for nb in notebooks}, 1)
    pool = max(1, math.floor(cap * POOL_SHARE))
    others = [nb for nb in notebooks if nb != landing]
    each = max(1, math.floor(pool * (1 - LANDING_SHARE) / len(others))) if others else 0
    pools = {nb: each for nb in others}
    if landing in notebooks:
        pools[landing] = max(1, pool - each * len(others))
    return MeetingPlan(cap, pools, max(1, cores))


def arrivals_table(visitors: int, cores: int, pool: int, window_s: float = 60.0, landing_share: float = LANDING_SHARE) -> dict[str, float]:
    """Projected load of *visitors* opening the landing page within *window_s* on *cores* with
    *pool* kernels ready (``landing_share`` of them for the landing page).

    The pool counts, both ways. Served: the landing page's pooled kernels at once, the other
    pages' pooled kernels re-used (``REUSE_CPU_S`` each), visitors beyond the pool on new kernels
    (``KERNEL_CPU_S``); refills wait for the rush. Memory: ``kernels`` = the delegates' kernels
    plus the pool refilled after the rush (``memory_gb``); the cap needs only ``max(visitors,
    pool)`` (``memory_gb_min``: the pool gives way to delegates). ``last_wait_s``: how long the
    last visitor waits for a CPU; ``server_core_share``: the server's one core busy with first
    visits (above ~0.7 its answers queue)."""
    landing = min(pool, round(pool * landing_share))
    reused = min(max(0, visitors - landing), pool - landing)
    cold = max(0, visitors - pool)
    cpu_s = reused * REUSE_CPU_S + cold * KERNEL_CPU_S
    # Work that arrives faster than the cores can do it queues: the last visitor waits for the backlog.
    backlog_s = max(0.0, cpu_s / cores - window_s)
    own = KERNEL_CPU_S if cold else REUSE_CPU_S if reused else 0.0

    def memory(kernels: int) -> float:
        return round((SERVER_MB + kernels * KERNEL_MB) / (1 - RESERVE_SHARE) / 1024, 1)

    return {
        "kernels": visitors + pool,
        "memory_gb": memory(visitors + pool),
        "memory_gb_min": memory(max(visitors, pool)),
        "reused": reused,
        "cold": cold,
        "cpu_s": round(cpu_s, 1),
        "last_wait_s": round(backlog_s + own, 1),
        "server_core_share": round(visitors * SERVER_VISIT_CPU_S / window_s, 2),
    }
