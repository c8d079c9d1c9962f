"""What the server process holds, for finding what grows (``benchmarks/soak.py``). Off by default.

``SOPKIT_DEBUG_MEMORY=1`` in the server's environment adds ``GET /sopkit/debug/memory``
(loopback clients only; without the variable the route does not exist): after a full garbage
collection, the sizes of the containers of the kernel manager, the admission and the gzip cache
(every dict, list and set attribute, so a forgotten record shows by its name), the count of
live objects per type, and the growth of both since ``?baseline=1`` was asked.
``SOPKIT_DEBUG_MEMORY=tracemalloc`` also traces allocations from the start
(``SOPKIT_DEBUG_MEMORY_FRAMES`` frames, default 8; it slows the server and uses memory itself):
the answer then has the lines whose allocations grew most since the baseline.
"""

from __future__ import annotations

import collections
import gc
import ipaddress
import json
import logging
import os
import sys
import tracemalloc
import types

from tornado import web

ENV = "SOPKIT_DEBUG_MEMORY"
PATH = "sopkit/debug/memory"


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def start_tracing() -> None:
    """Trace allocations from now on, if asked for (``SOPKIT_DEBUG_MEMORY=tracemalloc``)."""
    if os.environ.get(ENV) == "tracemalloc" and not tracemalloc.is_tracing():
        tracemalloc.start(int(os.environ.get("SOPKIT_DEBUG_MEMORY_FRAMES", "8")))


def container_sizes(label: str, obj) -> dict[str, int]:
    """len() of every dict, list, set and deque attribute of *obj* (instance and class level)."""
    sizes = {}
    names = set(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        names.update(k for k in vars(klass) if k.startswith("_") and not k.startswith("__"))
    for name in sorted(names):
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 - a property that cannot be read now
            continue
        if isinstance(value, (dict, list, set, frozenset, collections.deque)):
            sizes[f"{label}.{name}"] = len(value)
    return sizes


def type_counts() -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for obj in gc.get_objects():
        t = type(obj)
        counts[f"{t.__module__}.{t.__qualname__}"] += 1
    return counts


def growth(now: dict, before: dict, top: int) -> list[tuple[str, int, int]]:
    rows = [(k, v, v - before.get(k, 0)) for k, v in now.items() if v != before.get(k, 0)]
    rows += [(k, 0, -v) for k, v in before.items() if k not in now]
    return sorted(rows, key=lambda r: -abs(r[2]))[:top]


def describe(obj) -> str:

    if isinstance(obj, types.FrameType):
        return f"frame {obj.f_code.co_name} {obj.f_code.co_filename.split('site-packages/')[-1]}:{obj.f_lineno}"
    code = getattr(obj, "cr_code", None) or getattr(obj, "gi_code", None) or getattr(obj, "ag_code", None)
    if code is not None:
        return f"{type(obj).__name__} {code.co_name} {code.co_filename.split('site-packages/')[-1]}:{code.co_firstlineno}"
    t = type(obj)
    name = f"{t.__module__}.{t.__qualname__}"
    if isinstance(obj, dict):
        return f"{name}(len={len(obj)}, keys={[str(k)[:40] for k in list(obj)[:4]]})"
    if isinstance(obj, (list, set, tuple)):
        return f"{name}(len={len(obj)})"
    return name


def referrer_chains(type_name: str, samples: int = 3, depth: int = 10) -> list[list[str]]:
    """For a few live objects whose type's name ends with *type_name*: what holds them, one
    referrer per step (dicts named by the key that leads to the object), up to *depth* steps."""

    found = []
    for o in gc.get_objects():
        if f"{type(o).__module__}.{type(o).__qualname__}".endswith(type_name):
            found.append(o)
    found = found[-samples:]
    chains: list[list[str]] = []
    for obj in found:
        chain, current, seen = [describe(obj)], obj, {id(found), id(chains), id(sys._getframe())}
        for _ in range(depth):
            referrers = gc.get_referrers(current)
            seen.add(id(referrers))
            holder = None
            for r in referrers:
                if id(r) not in seen:
                    holder = r
                    break
            del referrers
            if holder is None:
                break
            seen.add(id(holder))
            step = describe(holder)
            if isinstance(holder, dict):
                key = next((k for k, v in holder.items() if v is current), None)
                step += f" [{str(key)[:60]}]"
            chain.append(step)
            current = holder
        chains.append(chain)
    del found
    return chains


class MemoryHandler(web.RequestHandler):
    """``/sopkit/debug/memory[?baseline=1][&top=N]`` (see the module's docstring)."""

    admission = None  # set on the subclass made by the app
    baseline: dict = {}

    def prepare(self) -> None:
        peer = self.request.remote_ip or ""
        try:
            local = ipaddress.ip_address(peer).is_loopback
        except ValueError:
            local = False
        if not local:
            raise web.HTTPError(404)

    def state(self) -> dict:
        from .compression import CachedGzip  # noqa: PLC0415

        km = self.settings["kernel_manager"]
        sizes = container_sizes("km", km)
        if self.admission is not None:
            sizes.update(container_sizes("admission", self.admission))
        sizes["gzip.cache"] = len(CachedGzip.cache)
        sizes["gzip.cached_bytes"] = CachedGzip.cached_bytes
        web_app = self.application
        sizes["tornado.ui_modules"] = len(getattr(web_app, "ui_modules", {}))
        sizes["kernels"] = len(list(km.list_kernel_ids()))
        sizes["gc.garbage"] = len(gc.garbage)
        sizes["logging.loggers"] = len(logging.Logger.manager.loggerDict)
        try:
            from voila.request_info_handler import RequestInfoSocketHandler  # noqa: PLC0415

            sizes["voila.RequestInfoSocketHandler._cache"] = len(RequestInfoSocketHandler._cache)
            sizes["voila.RequestInfoSocketHandler._waiters"] = len(RequestInfoSocketHandler._waiters)
        except (ImportError, AttributeError):
            pass
        try:
            from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection  # noqa: PLC0415

            sizes["ZMQChannelsWebsocketConnection._open_sessions"] = len(ZMQChannelsWebsocketConnection._open_sessions)
        except (ImportError, AttributeError):
            pass
        return {"containers": sizes, "types": dict(type_counts())}

    def get(self) -> None:
        gc.collect()
        top = int(self.get_argument("top", "40"))
        now = self.state()
        cls = type(self)
        answer: dict = {"tracing": tracemalloc.is_tracing(), "modules": len(sys.modules)}
        if tracemalloc.is_tracing():
            current, peak = tracemalloc.get_traced_memory()
            answer["traced_mb"] = round(current / 2**20, 2)
            answer["traced_peak_mb"] = round(peak / 2**20, 2)
        if self.get_argument("baseline", None) or not cls.baseline:
            cls.baseline = {**now, "snapshot": tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None}
            answer["baseline"] = "taken"
        before = cls.baseline
        answer["containers"] = now["containers"]
        answer["container_growth"] = growth(now["containers"], before["containers"], top)
        answer["type_growth"] = growth(now["types"], before["types"], top)
        answer["objects"] = sum(now["types"].values())
        if before.get("snapshot") is not None:
            snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            stats = snapshot.compare_to(before["snapshot"], "traceback")[:top]
            answer["allocation_growth"] = [
                {
                    "kb": round(s.size_diff / 1024, 1),
                    "count": s.count_diff,
                    "where": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in list(s.traceback)[-6:]],
                }
                for s in stats
            ]
        wanted = self.get_argument("referrers", None)
        if wanted:
            answer["referrers"] = referrer_chains(wanted)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(answer))
