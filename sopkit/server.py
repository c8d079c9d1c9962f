"""``sopkit-serve``: Voila serving the workbooks, opening on the overview page, with a cap
on live kernels.

A thin subclass of Voila's application: the configuration (``voila.json`` in the
directory it is started from) stays Voila's own; this only adds what Voila lacks:

* ``/`` redirects to the overview page;
* a kernel shutdown on page unload that works (see ``BeaconShutdownHandler``);
* a cap on live kernels (Voila has none: voila issue 617). Voila starts a kernel
  for every page view; past ``SopkitVoila.max_kernels`` live kernels (pooled ones
  included) a new page view gets a short "busy, try again" page (HTTP 503) instead
  of another kernel. Idle kernels are culled by Voila's kernel manager
  (``cull_idle_timeout`` in ``voila.json``), which frees places again.
"""

from __future__ import annotations

import asyncio
import sys

from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Int
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler

LANDING_PAGE = "overview.ipynb"

BUSY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}"><title>Busy / 繁忙</title>
<style>body{{font-family:'Noto Sans','Noto Sans CJK SC','Microsoft YaHei',Arial,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}}</style></head>
<body class="sop-busy">
<h1>The workbook is busy</h1>
<p>Too many pages are open at the moment. Please try again in a minute; this page retries by itself.</p>
<h1 lang="zh">工作簿繁忙</h1>
<p lang="zh">目前打开的页面过多。请一分钟后重试；本页面会自动重试。</p>
</body></html>
"""


class CappedVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler with a cap on kernels and a queue for notebook runs.

    Every page view needs a kernel that has run the notebook. Past ``max_kernels``
    live kernels (counting page views still being served) a page view gets the
    busy page at once. Below it, at most ``concurrent_runs`` page views are
    served at a time and the others wait their turn: on a small machine twenty
    notebooks started together all finish later than twenty started in turn.
    """

    max_kernels = 0  # set on the subclass made by SopkitVoila
    concurrent_runs = 2
    retry_seconds = 30
    in_flight = 0
    _slots: asyncio.Semaphore | None = None

    @classmethod
    def slots(cls) -> asyncio.Semaphore:
        if cls._slots is None:  # made on first use, inside the server's event loop
            cls._slots = asyncio.Semaphore(cls.concurrent_runs)
        return cls._slots

    async def get(self, path=None):
        cls = type(self)
        if cls.max_kernels and len(self.kernel_manager.list_kernel_ids()) + cls.in_flight >= cls.max_kernels:
            self.set_status(503)
            self.set_header("Retry-After", str(self.retry_seconds))
            self.set_header("Cache-Control", "no-store")
            self.finish(BUSY_PAGE.format(retry=self.retry_seconds))
            return
        cls.in_flight += 1
        try:
            async with cls.slots():
                return await super().get(path)
        finally:
            cls.in_flight -= 1


class BeaconShutdownHandler(VoilaShutdownKernelHandler):
    """Voila's kernel shutdown on page unload, reachable by the browser's beacon.

    The front end posts it with ``navigator.sendBeacon``, which cannot carry the
    ``_xsrf`` token, so Voila refuses it (voila issue 1458) and every closed or
    reloaded tab leaves its kernel running until culled. Shutting down a kernel
    needs its random id, which only the page that owns it has.
    """

    def check_xsrf_cookie(self) -> None:
        return None


class SopkitVoila(Voila):
    name = "sopkit-serve"
    description = "Serve the sopkit workbooks (Voila), opening on the overview page, with a cap on live kernels."

    max_kernels = Int(
        32,
        config=True,
        help="Most kernels alive at once, pooled ones included; 0 for no cap. Beyond it a page view gets a 'busy' page.",
    )

    concurrent_runs = Int(
        2,
        config=True,
        help="Page views served at once (each may run its notebook in a fresh kernel); the others queue.",
    )

    def init_handlers(self) -> list:
        handlers = super().init_handlers()
        capped = type("CappedHandler", (CappedVoilaHandler,), {
            "max_kernels": self.max_kernels, "concurrent_runs": max(1, self.concurrent_runs), "in_flight": 0, "_slots": None})
        swap = {TornadoVoilaHandler: capped, VoilaShutdownKernelHandler: BeaconShutdownHandler}
        handlers = [(h[0], swap.get(h[1], h[1]), *h[2:]) for h in handlers]
        if self.notebook_path:
            return handlers
        landing = url_path_join(self.server_url, "voila/render", LANDING_PAGE)
        # First match wins in tornado: the redirect must precede Voila's tree page at "/".
        return [(self.server_url, web.RedirectHandler, {"url": landing, "permanent": False})] + handlers


def main(argv: list[str] | None = None) -> None:
    SopkitVoila.launch_instance(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
