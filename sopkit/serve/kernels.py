"""Kernels that belong to a page view: who owns each, when it was handed over, and when
it may go.

``PageKernels`` is mixed in front of Voila's kernel manager (pooled or not). It adds:

* **ownership**: each kernel handed to a page view records the view's browser (a cookie)
  and address; only that browser may connect to it or shut it down;
* **a fair start for slow links**: a kernel handed to a page is not culled before that
  page has had ``connect_grace`` seconds to load the front end and connect. Pooled kernels
  ran their notebook long before anyone asked, so jupyter_server's culler, which judges a
  kernel by its last activity, would otherwise cull a kernel the moment it is handed over
  after a quiet spell. Kernels whose page never connects are reclaimed after the grace;
* **counting what is about to exist**: pool refills waiting to start count against the cap;
* **endings the page hears about**: every kernel shut down by the server (culled, over its
  memory limit, replaced, died and restarted blank) closes its websockets with a close code
  the page turns into a bilingual reload notice;
* **a memory bound**: a kernel over ``kernel_memory_limit`` MB is stopped;
* **a pool that stays full**: a pooled kernel that fails to start is replaced.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from dataclasses import dataclass, field

import psutil
from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

POOL_RETRY_S, POOL_RETRY_MAX_S = 5.0, 300.0  # a failed pool start is retried after 5 s, 10 s, ... 5 min

# Close codes the page sentinel understands (sentinel.js).
CLOSE_STOPPED, CLOSE_MEMORY, CLOSE_REPLACED = 4001, 4002, 4003


@dataclass
class Owner:
    browser: str
    address: str
    handed_over: float = field(default_factory=time.monotonic)
    connected: bool = False


@dataclass
class PageView:
    """A page view in flight: set by the page handler, read when a kernel is handed over."""

    browser: str
    address: str
    kernel_id: str | None = None


current_view: contextvars.ContextVar[PageView | None] = contextvars.ContextVar("sopkit_page_view", default=None)


class PageKernels(LoggingConfigurable):
    """Mixin for Voila's kernel manager class (put it first in the bases)."""

    connect_grace = Float(300, config=True, help="Seconds a page has to connect to the kernel handed to it before the kernel may be culled.")
    kernel_memory_limit = Int(768, config=True, help="A kernel using more than this many MB (RSS) is stopped; 0 for no limit.")
    memory_check_interval = Float(5, config=True, help="Seconds between kernel memory checks.")
    pool_start_concurrency = Int(0, config=True, help="Pool refills (kernel start + notebook run) at once; 0 for no limit.")

    def __init__(self, **kwargs):
        # Set before Voila's __init__, which already starts filling the pool.
        self.owners: dict[str, Owner] = {}
        self.sockets: dict[str, set] = {}
        self.pending_starts = 0
        self._pool_starts: asyncio.Semaphore | None = None
        self._pool_failures: dict[str, int] = {}  # failed pool starts in a row, per notebook
        self._memory_task: asyncio.Task | None = None
        super().__init__(**kwargs)

    # -- counting -----------------------------------------------------------------------
    def about_to_exist(self) -> int:
        return len(self.list_kernel_ids()) + self.pending_starts

    def held_by(self, *, browser: str | None = None, address: str | None = None) -> list[str]:
        """Kernel ids owned by a browser or an address, oldest hand-over first."""
        live = set(self.list_kernel_ids())
        rows = [
            (o.handed_over, kid)
            for kid, o in self.owners.items()
            if kid in live and (browser is None or o.browser == browser) and (address is None or o.address == address)
        ]
        return [kid for _, kid in sorted(rows)]

    # -- hand-over ----------------------------------------------------------------------
    def hand_over(self, kernel_id: str) -> None:
        view = current_view.get()
        if view is None:
            return
        view.kernel_id = kernel_id
        self.owners[kernel_id] = Owner(view.browser, view.address)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None:
            kernel.last_activity = utcnow()  # the idle clock starts at hand-over, not at the pool's run
        self._watch_restarts(kernel_id)

    async def start_kernel(self, *args, **kwargs):
        # Reached for page views without a pooled kernel (the pool's own starts bypass it).
        kernel_id = await super().start_kernel(*args, **kwargs)
        self.hand_over(kernel_id)
        return kernel_id

    async def get_rendered_notebook(self, notebook_name: str, *args, **kwargs):
        try:
            render_task, rendered, kernel_id = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        except Exception:
            # Voila popped a pool entry that failed (the page falls back to a new kernel) and
            # refills only after a success: without this the pool stays one short for good.
            if hasattr(self, "fill_if_needed"):
                self.fill_if_needed(notebook_name=notebook_name)
            raise
        self.hand_over(kernel_id)
        return render_task, rendered, kernel_id

    def _initialize(self, notebook_path, kernel_id=None, **kwargs):
        # Voila's pool creates this coroutine when it decides to refill and runs it after
        # `fill_delay`: from that moment the kernel is about to exist and counts.
        inner = super()._initialize(notebook_path, kernel_id, **kwargs)
        if kernel_id is not None:
            return inner
        self.pending_starts += 1

        async def counted():
            try:
                if self.pool_start_concurrency > 0:
                    # A few refills at a time: the CPUs stay with the visitors being served.
                    if self._pool_starts is None:
                        self._pool_starts = asyncio.Semaphore(self.pool_start_concurrency)
                    async with self._pool_starts:
                        result = await inner
                else:
                    result = await inner
            except Exception:
                self._replace_failed_pool_start(notebook_path)
                raise
            finally:
                self.pending_starts = max(0, self.pending_starts - 1)
            self._pool_failures.pop(notebook_path, None)
            self._watch_restarts(result["kernel_id"])
            return result

        return counted()

    def _replace_failed_pool_start(self, notebook_path: str) -> None:
        """A pooled kernel failed to start (seen: a port taken by another kernel): take its
        entry out of the pool now, so no visitor is handed it, and start another after a
        pause that doubles with each failure in a row (5 s up to 5 min)."""
        task = asyncio.current_task()
        pool = getattr(self, "_pools", {}).get(notebook_path)
        if task is None or pool is None or task not in pool:
            return
        pool.remove(task)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # nobody awaits it now
        failures = self._pool_failures[notebook_path] = self._pool_failures.get(notebook_path, 0) + 1
        delay = min(POOL_RETRY_MAX_S, POOL_RETRY_S * 2 ** (failures - 1))
        self.log.warning("A pooled kernel for %s failed to start (%d in a row); another in %.0f s", notebook_path, failures, delay)
        asyncio.get_running_loop().call_later(delay, lambda: self.fill_if_needed(notebook_name=notebook_path))

    # -- connections --------------------------------------------------------------------
    def may_connect(self, kernel_id: str, browser: str | None) -> bool:
        owner = self.owners.get(kernel_id)
        return owner is not None and browser is not None and owner.browser == browser

    def socket_opened(self, kernel_id: str, socket) -> None:
        self.sockets.setdefault(kernel_id, set()).add(socket)
        if kernel_id in self.owners:
            self.owners[kernel_id].connected = True

    def socket_closed(self, kernel_id: str, socket) -> None:
        self.sockets.get(kernel_id, set()).discard(socket)

    # -- endings ------------------------------------------------------------------------
    async def stop_kernel(self, kernel_id: str, code: int = CLOSE_STOPPED, why: str = "") -> None:
        """Shut a kernel down on the server's initiative and tell its page."""
        if kernel_id not in self:
            return
        self.log.info("Stopping kernel %s: %s", kernel_id, why or "stopped")
        self._close_sockets(kernel_id, code, why)
        await ensure_async(self.shutdown_kernel(kernel_id))

    def _close_sockets(self, kernel_id: str, code: int, why: str) -> None:
        for socket in list(self.sockets.pop(kernel_id, ())):
            try:
                socket.close(code, why[:100])
            except Exception:  # noqa: BLE001 - already closing
                pass

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._close_sockets(kernel_id, CLOSE_STOPPED, "kernel stopped")
        self.owners.pop(kernel_id, None)
        pooled_notebook = self._pooled_notebook(kernel_id)
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if pooled_notebook is not None and hasattr(self, "fill_if_needed"):
            self.fill_if_needed(notebook_name=pooled_notebook)  # a pooled kernel that died is replaced
        return result

    def _pooled_notebook(self, kernel_id: str) -> str | None:
        for name, pool in getattr(self, "_pools", {}).items():
            for task in pool:
                try:
                    if task.done() and task.result().get("kernel_id") == kernel_id:
                        return name
                except Exception:  # noqa: BLE001 - a failed pool start
                    continue
        return None

    def _watch_restarts(self, kernel_id: str) -> None:
        # A kernel that died is restarted blank by jupyter_client: no page can use it. Stop it.
        kernel = self._kernels.get(kernel_id)
        if kernel is None or getattr(kernel, "_sopkit_watched", False):
            return
        kernel._sopkit_watched = True

        def restarted():
            asyncio.ensure_future(self.stop_kernel(kernel_id, CLOSE_STOPPED, "kernel died"))

        kernel.add_restart_callback(restarted, "restart")
        kernel.add_restart_callback(restarted, "dead")

    # -- culling ------------------------------------------------------------------------
    async def cull_kernel_if_idle(self, kernel_id: str):
        owner = self.owners.get(kernel_id)
        if owner is not None and not owner.connected:
            # Handed over, never connected: wait for a slow link, then reclaim.
            if time.monotonic() - owner.handed_over < self.connect_grace:
                return None
            self.log.warning("Culling kernel %s: its page never connected in %.0f s", kernel_id, self.connect_grace)
            return await self.stop_kernel(kernel_id, CLOSE_STOPPED, "never connected")
        return await super().cull_kernel_if_idle(kernel_id)

    def start_watching(self) -> None:
        """Start culling (also for never-connected kernels) and the memory bound."""
        if self.kernel_memory_limit and self._memory_task is None:
            self._memory_task = asyncio.ensure_future(self._watch_memory())

    async def _watch_memory(self) -> None:
        limit = self.kernel_memory_limit * 2**20
        while True:
            await asyncio.sleep(self.memory_check_interval)
            for kernel_id in list(self.list_kernel_ids()):
                try:
                    pid = self._kernels[kernel_id].provisioner.process.pid
                    rss = psutil.Process(pid).memory_info().rss
                except Exception:  # noqa: BLE001 - starting, stopping or gone
                    continue
                if rss > limit:
                    await self.stop_kernel(kernel_id, CLOSE_MEMORY, f"{rss / 2**20:.0f} MB over the limit")
