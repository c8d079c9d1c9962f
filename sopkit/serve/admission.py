"""Who may start a page, and at whose expense: the admission rules of ``sopkit-serve``.

Pure logic over counts, so it is tested without a server. A page view needs a kernel;
kernels are the scarce resource. Three limits apply, in this order:

1. **per browser** (a cookie): a browser holding ``per_browser`` kernels gets a new one by
   replacing its oldest (quick reloads and forgotten tabs cannot pile up);
2. **per address** (the client's IP, or the one a trusted proxy reports): at most
   ``per_address`` kernels, so one address cannot take the server from everyone else;
3. **the cap** on kernels that exist or are about to exist (live, being started for the
   pool, and page views admitted that have no kernel yet).
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

    kernels: int  # live, pool included, plus kernels being started
    browser_kernels: int  # held by the requesting browser
    address_kernels: int  # held or being started for the requesting address


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
