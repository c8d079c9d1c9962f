"""The request handlers ``sopkit-serve`` puts in place of Voila's.

* ``PageHandler``: a page view. Strips server settings from the query, admits the view
  (``admission``), queues it for one of ``concurrent_runs`` run slots, and serves it with
  a deadline. The slot is released and the view's kernel stopped whatever happens: an
  error, a client that went away, a deadline.
* ``KernelSocketHandler``: the kernel websocket, for the browser that owns the kernel only,
  with messages screened (``protocol``).
* ``BeaconShutdownHandler`` and ``OwnedKernelHandler``: shutting a kernel down takes the
  owner's cookie, not just the kernel's id.
* ``NotFoundHandler``, ``TemplateStaticHandler``: 404 where Voila answered 500.
* ``HealthHandler``: ``/sopkit/health`` for load balancers and probes (starts nothing).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import secrets
import time

from jupyter_server.services.kernels.handlers import KernelHandler
from tornado import web
from tornado.iostream import StreamClosedError
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from ..plotlyjs import library_bytes, library_gzip
from . import protocol
from .admission import Limits, Load, Verdict, client_address, decide
from .kernels import CLOSE_REPLACED, PageView, current_view

BROWSER_COOKIE = "sopkit_browser"
# Query parameters Voila reads as server settings: a visitor chooses none of them.
SERVER_SETTINGS = ("template", "theme")

BUSY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}"><title>Busy / 繁忙</title>
<style>body{{font-family:'Noto Sans','Noto Sans CJK SC','Microsoft YaHei',Arial,sans-serif;
max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}}</style></head>
<body class="sop-busy" data-reason="{reason}">
<main>
<h1>The workbook is busy</h1>
<p>{en}</p>
<h1 lang="zh">工作簿繁忙</h1>
<p lang="zh">{zh}</p>
</main>
</body></html>
"""

BUSY_TEXT = {
    Verdict.BUSY: (
        "Too many pages are open at the moment. Please try again in a minute; this page retries by itself.",
        "目前打开的页面过多。请一分钟后重试；本页面会自动重试。",
    ),
    Verdict.ADDRESS_FULL: (
        "Too many pages are open from your network at the moment. Close pages you no longer use, "
        "or try again in a minute; this page retries by itself.",
        "您所在网络目前打开的页面过多。请关闭不再使用的页面，或一分钟后重试；本页面会自动重试。",
    ),
}

FAILED_SNIPPET = """<script>window.sopkitSentinel && window.sopkitSentinel.notice("timeout");</script>
<noscript><p>The page took too long to prepare. Reload it. 页面准备时间过长，请重新加载。</p></noscript>"""


def browser_of(handler: web.RequestHandler) -> str | None:
    value = handler.get_cookie(BROWSER_COOKIE)
    return value if value and len(value) == 32 and value.isalnum() else None


class Admission:
    """Shared by every page handler of one server: limits, in-flight views, run slots."""

    def __init__(
        self, limits: Limits, concurrent_runs: int, queue_timeout: float, page_deadline: float, trusted_proxies: list[str], retry_seconds: int = 30
    ):
        self.limits = limits
        self.concurrent_runs = max(1, concurrent_runs)
        self.queue_timeout = queue_timeout
        self.page_deadline = page_deadline
        self.trusted_proxies = trusted_proxies
        self.retry_seconds = retry_seconds
        self.in_flight: list[PageView] = []
        self._slots: asyncio.Semaphore | None = None

    @property
    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:  # made on first use, inside the server's event loop
            self._slots = asyncio.Semaphore(self.concurrent_runs)
        return self._slots

    def load(self, km, browser: str | None, address: str) -> Load:
        waiting = [v for v in self.in_flight if v.kernel_id is None]
        return Load(
            kernels=km.kernel_counts().in_use,  # delegates' kernels (and views about to get one): the pool gives way
            browser_kernels=len(km.held_by(browser=browser)) if browser else 0,
            address_kernels=len(km.held_by(address=address)) + sum(v.address == address for v in waiting),
        )


class PageHandler(TornadoVoilaHandler):
    admission: Admission  # set on the subclass made by the app

    async def prepare(self):
        for name in SERVER_SETTINGS:
            self.request.arguments.pop(name, None)
            self.request.query_arguments.pop(name, None)
        self._gone = asyncio.Event()
        await _maybe_await(super().prepare())

    def on_connection_close(self) -> None:
        self._gone.set()
        super().on_connection_close()

    def client(self) -> tuple[str, str]:
        browser = browser_of(self)
        if browser is None:
            browser = secrets.token_hex(16)
            self.set_cookie(BROWSER_COOKIE, browser, httponly=True, samesite="Lax", path=self.base_url)
        peer = self.request.connection.context.address[0] if self.request.connection else self.request.remote_ip
        address = client_address(peer, self.request.headers.get("X-Forwarded-For"), self.admission.trusted_proxies)
        return browser, address

    def refuse(self, verdict: Verdict) -> None:
        a = self.admission
        en, zh = BUSY_TEXT[verdict]
        self.set_status(503)
        self.set_header("Retry-After", str(a.retry_seconds))
        self.set_header("Cache-Control", "no-store")
        self.finish(BUSY_PAGE.format(retry=a.retry_seconds, reason=verdict.value, en=en, zh=zh))

    @web.authenticated
    async def get(self, path=None):
        a, km = self.admission, self.kernel_manager
        browser, address = self.client()
        verdict = decide(a.load(km, browser, address), a.limits)
        if verdict in (Verdict.BUSY, Verdict.ADDRESS_FULL):
            self.log.warning("Page view refused (%s) for %s (%s)", verdict.value, address, km.kernel_counts().describe(a.limits.max_kernels))
            return self.refuse(verdict)
        if verdict is Verdict.REPLACE_OLDEST:
            oldest = km.held_by(browser=browser)[0]
            await km.stop_kernel(oldest, CLOSE_REPLACED, "replaced by a newer page of the same browser")

        view = PageView(browser, address)
        a.in_flight.append(view)
        token = current_view.set(view)
        finished = False
        try:
            try:
                await asyncio.wait_for(a.slots.acquire(), a.queue_timeout)
            except TimeoutError:
                return self.refuse(Verdict.BUSY)
            try:
                finished = await self._serve(path)
            finally:
                a.slots.release()
        finally:
            current_view.reset(token)
            a.in_flight.remove(view)
            km.changed()  # pool refills wait for the page views being served
            if not finished and view.kernel_id is not None:
                # The page will never use this kernel: free its place now, not at the next cull.
                await km.stop_kernel(view.kernel_id, why="page view did not complete")

    async def _serve(self, path) -> bool:
        """Write the page as Voila renders it; True if it was written completely."""
        gen = self.get_generator(path=path).__aiter__()
        gone = asyncio.ensure_future(self._gone.wait())
        deadline = time.monotonic() + self.admission.page_deadline
        try:
            while True:
                step = asyncio.ensure_future(gen.__anext__())
                done, _ = await asyncio.wait({step, gone}, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED)
                if step not in done:
                    step.cancel()
                    if gone in done:
                        self.log.info("Client went away before its page was complete")
                        return False
                    self.log.warning("Page view passed its deadline (%.0f s)", self.admission.page_deadline)
                    self._write_quietly(FAILED_SNIPPET)
                    return False
                try:
                    html = step.result()
                except StopAsyncIteration:
                    return True
                self.write(html)
                try:
                    await self.flush()
                except StreamClosedError:
                    return False
        except StreamClosedError:
            return False
        finally:
            gone.cancel()
            await _close(gen)

    def _write_quietly(self, html: str) -> None:
        try:
            self.write(html)
            self.finish()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            pass


async def _maybe_await(result) -> None:
    if inspect.isawaitable(result):
        await result


async def _close(gen) -> None:
    try:
        await gen.aclose()
    except BaseException:  # noqa: BLE001 - a generator cancelled mid-step may raise anything on close
        pass


class KernelSocketHandler(VoilaKernelWebsocketHandler):
    """The kernel websocket: only the owning browser connects; messages are screened."""

    max_message_bytes = 0  # set on the subclass made by the app

    async def get(self, kernel_id):
        if not self.kernel_manager.may_connect(kernel_id, browser_of(self)):
            raise web.HTTPError(403 if kernel_id in self.kernel_manager else 404)
        return await super().get(kernel_id)

    async def open(self, kernel_id):
        self.kernel_manager.socket_opened(kernel_id, self)
        return await super().open(kernel_id)

    def on_message(self, ws_message):
        v1 = self.selected_subprotocol == "v1.kernel.websocket.jupyter.org"
        screened = protocol.screen(ws_message, v1=v1, max_bytes=self.max_message_bytes)
        if screened.action == "drop":
            self.log.warning("Dropped a message from a page: %s", screened.reason)
            return None
        if screened.action == "replace":
            self.log.warning("Replaced a message from a page: %s", screened.reason)
            ws_message = screened.message
        return super().on_message(ws_message)

    def on_close(self):
        self.kernel_manager.socket_closed(self.kernel_id, self)
        return super().on_close()


class BeaconShutdownHandler(VoilaShutdownKernelHandler):
    """Voila's kernel shutdown on page unload, reachable by the browser's beacon.

    ``navigator.sendBeacon`` cannot carry the ``_xsrf`` token, so Voila refuses it (voila
    issue 1458). The beacon carries the page's cookies: only the browser that owns the
    kernel may shut it down.
    """

    def check_xsrf_cookie(self) -> None:
        return None

    async def post(self, kernel_id):
        if not self.kernel_manager.may_connect(kernel_id, browser_of(self)):
            raise web.HTTPError(404)
        return await super().post(kernel_id)


class OwnedKernelHandler(KernelHandler):
    """``/api/kernels/ID``: the kernel's model and its shutdown, for its owner only."""

    async def prepare(self):
        await _maybe_await(super().prepare())
        kernel_id = self.path_kwargs.get("kernel_id") or (self.path_args[0] if self.path_args else None)
        if not self.kernel_manager.may_connect(kernel_id, browser_of(self)):
            raise web.HTTPError(404)


class NotFoundHandler(web.RequestHandler):
    def prepare(self):
        raise web.HTTPError(404)

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: not found / 未找到\n")


class TemplateStaticHandler(TemplateStaticFileHandler):
    def parse_url_path(self, path):
        try:
            return super().parse_url_path(path)
        except Exception as exc:  # noqa: BLE001 - a malformed or unknown template path
            raise web.HTTPError(404) from exc


class PlotlyLibraryHandler(web.RequestHandler):
    """plotly.js for the pages' charts (``sopkit.plotlyjs.LIBRARY_PATH``), gzipped once per
    process and kept by browsers for a year: the name changes with the bundle."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        self.set_header("Vary", "Accept-Encoding")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(library_gzip())
        else:
            self.finish(library_bytes())

    def compute_etag(self) -> None:
        return None  # immutable: no revalidation, and no hash of 1.4 MB per request


class HealthHandler(web.RequestHandler):
    """``/sopkit/health``: 200 and the replica's load as JSON, for load balancers and probes.

    Answers from counters only: it starts no kernel and needs no cookie. ``kernels`` counts what
    the cap counts: ``in_use`` (handed to pages, or about to be), ``pooled`` (ready, idle) and
    ``starting`` (pool kernels not ready yet); ``page_views`` the views admitted or queued. Only
    ``in_use`` reaching the cap turns visitors away: the pool gives way.
    A replica at its cap is still healthy: its visitors' pages must stay reachable.
    """

    admission: Admission  # set on the subclass made by the app

    def get(self) -> None:
        km, a = self.settings["kernel_manager"], self.admission
        k = km.kernel_counts()
        state = {
            "status": "ok",
            "kernels": k.total,
            "cap": a.limits.max_kernels,
            "page_views": len(a.in_flight),
            "in_use": k.in_use,
            "pooled": k.pooled,
            "starting": k.starting,
        }
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(state))

    def head(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish()
