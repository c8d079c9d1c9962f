"""Who may start a page, and at whose expense: the admission rules of ``sopkit-serve``.

Pure logic over counts, so it is tested without a server. A page view needs a kernel;
kernels are the scarce resource. Three limits apply, in this order:

1. **per browser** (a cookie): a browser holding ``per_browser`` kernels gets a new one by
   replacing its oldest (quick reloads and forgotten tabs cannot pile up);
2. **per address** (the client's IP, or the one a trusted proxy reports): at most
   ``per_address`` kernels, so one address cannot take the server from everyone else;
3. **the cap**, which is for delegates: a page view is refused only when the kernels of
   delegates' own pages (and page views admitted that have no kernel yet) fill it.

The ready pool is a cache inside the cap that gives way (``place``, ``may_refill``): a page
view takes its page's pooled kernel; else re-uses an idle pooled kernel of another page (a
tenth of a cold start's CPU: ``benchmarks/pool_reuse.py``); else starts a kernel where the cap
leaves room; else shuts an idle pooled kernel down to make room (re-use off) or waits for a
pool kernel being started. The pool refills only while no page view is being served and only
into the room delegates leave.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ADMIT = "admit"
    REPLACE_OLDEST = "replace-oldest"  # admit, after shutting down the browser's oldest kernel
    BUSY = "busy"  # the server is full
    ADDRESS_FULL = "address-full"  # this address holds its share


@dataclass(frozen=True)
class Load:
    """What exists or is about to exist when a page view arrives."""

    kernels: int  # delegates' kernels: handed to page views, plus page views admitted without one yet
    browser_kernels: int  # held by the requesting browser
    address_kernels: int  # held or being started for the requesting address


@dataclass(frozen=True)
class Kernels:
    """What the cap counts, by kind (every kernel that exists or is about to is one of these)."""

    in_use: int  # handed to page views, plus page views admitted that have no kernel yet
    pooled: int  # ready in a pool, idle, their notebook run (any page's)
    starting: int  # pool kernels starting or running their notebook
    here: int = 0  # pooled kernels of the page asked for, its notebook run
    elsewhere: int = 0  # idle pooled kernels of other pages that could serve it (re-use)
    starting_here: int = 0  # pool kernels of the page asked for still starting or running it

    @property
    def total(self) -> int:
        return self.in_use + self.pooled + self.starting

    def describe(self, cap: int) -> str:
        return f"{self.in_use} in use, {self.pooled} pooled, {self.starting} starting, cap {cap or 'none'}"


class Placement(Enum):
    """Where a page view's kernel comes from (``place``)."""

    POOL = "pool"  # its page's pooled kernel (ran this notebook already)
    REUSE = "reuse"  # an idle pooled kernel of another page: its widgets closed, this notebook run in it
    COLD = "cold"  # a new kernel, where the cap leaves room
    SHRINK = "shrink"  # shut an idle pooled kernel of another page down, then a new kernel
    WAIT = "wait"  # the room is held by pool kernels being started: wait for one, then re-use it
    REFUSE = "refuse"  # delegates' own pages fill the cap


def place(cap: int, k: Kernels, reuse: bool = True) -> Placement:
    """Where the kernel of one more page view comes from; *k* counts everything but that view.

    The cap is for delegates: only their kernels (``in_use``) refuse a view. The pool gives way:
    a pooled kernel of the page, else (*reuse*) an idle one of another page, else one of the
    page's pool kernels being started, else room under the cap,
    else a pooled kernel shut down (SHRINK) or, when only pool starts hold the room, one of
    them awaited (WAIT)."""
    if cap and k.in_use >= cap:
        return Placement.REFUSE
    if k.here:
        return Placement.POOL
    if reuse and k.elsewhere:
        return Placement.REUSE
    if k.starting_here:
        return Placement.POOL  # its page's pool kernel being started: sooner than a new one
    if not cap or k.total + 1 <= cap:
        return Placement.COLD
    if k.elsewhere:
        return Placement.SHRINK
    return Placement.WAIT


def may_refill(cap: int, k: Kernels, views_being_served: int) -> bool:
    """May one more pool refill start now? Not while a page view is being served (arriving
    delegates before refills: a refill takes a core for a second and a half), and only into
    room under the cap that delegates' kernels leave: the pool's target shrinks as they fill it."""
    if views_being_served:
        return False
    return not cap or k.total + 1 <= cap


@dataclass(frozen=True)
class Limits:
    max_kernels: int  # 0: no cap
    per_address: int  # 0: no per-address share
    per_browser: int  # 0: no per-browser limit

    @classmethod
    def from_settings(cls, max_kernels: int, per_address: int, per_browser: int) -> "Limits":
        """``per_address`` 0 means half the cap (at least 2); negative means none."""
        if per_address == 0:
            per_address = max(2, max_kernels // 2) if max_kernels else 0
        return cls(max_kernels, max(per_address, 0), max(per_browser, 0))


def decide(load: Load, limits: Limits) -> Verdict:
    replacing = bool(limits.per_browser) and load.browser_kernels >= limits.per_browser
    # A replacement frees one of the requester's own kernels: it does not add to any count.
    freed = 1 if replacing else 0
    if limits.per_address and load.address_kernels - freed >= limits.per_address:
        return Verdict.ADDRESS_FULL
    # The cap is for delegates: pooled kernels and pool starts give way (place), they refuse no one.
    if limits.max_kernels and load.kernels - freed >= limits.max_kernels:
        return Verdict.BUSY
    return Verdict.REPLACE_OLDEST if replacing else Verdict.ADMIT


def client_address(peer: str, forwarded_for: str | None, trusted_proxies: list[str]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy, in which case the
    right-most address in ``X-Forwarded-For`` that is not itself a trusted proxy.

    Only a proxy the operator names may speak for a client: any other peer could write
    whatever it likes into the header.
    """
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr.strip())
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not forwarded_for or not trusted(peer):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: fall back to the proxy itself
    return peer
