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
* **a pool that gives way to delegates** (``admission.place``, ``may_refill``): the cap counts
  kernels in use (handed to pages, or about to be), pooled and starting; a page view whose
  page has no pooled kernel re-uses an idle pooled kernel of another page (its widgets closed,
  its names reset, the modules it imported kept), or starts one where the cap leaves room, or
  shuts a pooled one down, or waits for one being started; refills wait while page views are
  being served and start only into the room delegates leave;
* **endings the page hears about**: every kernel shut down by the server (culled, over its
  memory limit, replaced, died and restarted blank) closes its websockets with a close code
  the page turns into a bilingual reload notice;
* **a memory bound**: a kernel over ``kernel_memory_limit`` MB is stopped;
* **a pool that stays full**: a pooled kernel that fails to start is replaced.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import time
from dataclasses import dataclass, field

import psutil
from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from tornado import web
from traitlets import Bool, Float, Int, TraitError, default
from traitlets.config import LoggingConfigurable

from . import openfiles, priority
from .admission import Kernels, Placement, may_refill, place

POOL_RETRY_S, POOL_RETRY_MAX_S = 5.0, 300.0  # a failed pool start is retried after 5 s, 10 s, ... 5 min

WAIT_FOR_ROOM_S = 60.0  # a page view waits at most this long for room under the cap (Placement.WAIT)
# ... and after this long stops a pool kernel still running its notebook, to start its own: a
# workbook's pool kernel is ready in 1.5-3 s, one that takes longer holds a delegate's place.
WAIT_FOR_START_S = 5.0
# Run in a pooled kernel of another page before this page's notebook: the other page's widgets
# close (no page holds them; the new page must not receive their states), its names go, the
# modules it imported and their caches stay. benchmarks/pool_reuse.py: 0.2 CPU-s instead of 0.8.
RESET_CODE = "import ipywidgets\nipywidgets.Widget.close_all()\nget_ipython().reset(new_session=False)\nimport gc\ngc.collect()"

# Close codes the page sentinel understands (sentinel.js).
CLOSE_STOPPED, CLOSE_MEMORY, CLOSE_REPLACED = 4001, 4002, 4003


def forget_request_info(kernel_id: str) -> None:
    """Voila keeps the request of every page view served from the pool, for the kernel to read
    over ``/voila/query/<kernel>`` (``voila.utils.get_query_string``, which the workbooks never
    call: the bridge sends the address), and never drops it: one dict per view, for as long as
    the server runs. Dropped here when the kernel ends."""
    try:
        from voila.request_info_handler import RequestInfoSocketHandler  # noqa: PLC0415
    except ImportError:
        return
    RequestInfoSocketHandler._cache.pop(kernel_id, None)


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


def _has_last_activity(kernel) -> bool:
    """jupyter_server sets it once a start completes; reading it before raises (no default)."""
    try:
        kernel.last_activity  # noqa: B018 - reading it is the check
    except TraitError:
        return False
    return True


def kernel_memory(provisioner, over: int = 0) -> tuple[int, str]:
    """The memory a kernel uses, in bytes, and its measure: RSS, or for a forked kernel USS (the
    pages only it uses; its RSS also counts the 80-120 MB it shares with the kernel template,
    which would stop it long before it used that much of its own). USS is read only when RSS is
    *over* (USS <= RSS): it takes 1 ms a kernel (smaps_rollup), RSS 0.02 ms."""
    process = psutil.Process(provisioner.process.pid)
    rss = process.memory_info().rss
    if rss > over and getattr(provisioner, "forked", False):
        return process.memory_full_info().uss, "USS"
    return rss, "RSS"


class PageKernels(LoggingConfigurable):
    """Mixin for Voila's kernel manager class (put it first in the bases)."""

    connect_grace = Float(300, config=True, help="Seconds a page has to connect to the kernel handed to it before the kernel may be culled.")
    kernel_memory_limit = Int(
        768,
        config=True,
        help="A kernel using more than this many MB is stopped; 0 for no limit. RSS; for a kernel forked from the "
        "kernel template (fork_kernels) USS, its own memory: its RSS counts the pages it shares with the template.",
    )
    memory_check_interval = Float(5, config=True, help="Seconds between kernel memory checks.")
    pool_start_concurrency = Int(0, config=True, help="Pool refills (kernel start + notebook run) at once; 0 for no limit.")
    reuse_pooled = Bool(True, config=True, help="A page view without a pooled kernel of its page re-uses an idle pooled kernel of another page.")
    kernel_nice = Int(
        0,
        config=True,
        help="Nice value kernels run at (the server stays at its own): the server first. 0 leaves them; --meeting sets 10 (priority.py).",
    )

    @default("context")
    def _context_default(self):
        # jupyter_client's one zmq context for every kernel: as many sockets as the process may
        # open files (zmq's default, 1023, held about 120 open pages; openfiles.py).
        context = super()._context_default()
        openfiles.set_zmq_sockets(context, openfiles.open_files_limit())
        return context

    def __init__(self, **kwargs):
        # Set before Voila's __init__, which already starts filling the pool.
        self.owners: dict[str, Owner] = {}
        self.sockets: dict[str, set] = {}
        self.pending_starts = 0  # pool refills past the gate whose kernel is not yet in the pool
        self.cap = 0  # the app's max_kernels (0: none); set by the app
        self.page_views: list[PageView] = []  # page views in flight (the admission's list); set by the app
        self._started: set[asyncio.Task] = set()  # pool entries past the gate, not done yet
        self._stopping_starts: set[asyncio.Task] = set()  # kernels to stop once started (views gone)
        self._shutting_down: set[str] = set()  # kernels being shut down: counted until they are gone
        self._change: asyncio.Event | None = None
        self._pool_starts: asyncio.Semaphore | None = None
        self._pool_failures: dict[str, int] = {}  # failed pool starts in a row, per notebook
        self._memory_task: asyncio.Task | None = None
        super().__init__(**kwargs)

    # -- counting -----------------------------------------------------------------------
    def about_to_exist(self) -> int:
        return self.kernel_counts().total

    def _pool_entries(self):
        """(notebook, kernel id, rendering done) of every pool entry whose kernel is up."""
        for name, pool in getattr(self, "_pools", {}).items():
            for task in pool:
                if not task.done() or task.cancelled() or task.exception() is not None:
                    continue
                content = task.result()
                yield name, task, content

    def kernel_counts(
        self, notebook: str | None = None, exclude: PageView | None = None, kernel_name: str | None = None, path: str | None = None
    ) -> Kernels:
        """What the cap counts. ``here``: pool entries of *notebook* Voila can hand over;
        ``elsewhere``: idle pooled kernels of other notebooks a view of *notebook* could re-use
        (same kernel and folder when *kernel_name* / *path* are given)."""
        live = set(self.list_kernel_ids())
        pooled = rendering = here = elsewhere = 0
        in_pools: set[str] = set()
        for name, _task, content in self._pool_entries():
            in_pools.add(content["kernel_id"])
            if content["kernel_id"] not in live:
                continue
            ready = content["task"].done()
            pooled += ready
            rendering += not ready
            if name == notebook:
                here += 1
            elif ready and self._compatible(name, kernel_name, path):
                elsewhere += 1
        owned = sum(kid in live for kid in self.owners)
        waiting = sum(v.kernel_id is None and v is not exclude for v in self.page_views)
        # A kernel taken out of its pool to be stopped is in no pool and has no owner, but its
        # process lives on until its shutdown is done (a busy kernel: jupyter_client's grace period).
        leaving = sum(kid in live and kid not in self.owners and kid not in in_pools for kid in self._shutting_down)
        return Kernels(owned + waiting + leaving, pooled, self.pending_starts + rendering, here, elsewhere)

    def _compatible(self, notebook: str, kernel_name: str | None, path: str | None) -> bool:
        data = getattr(self, "notebook_data", {}).get(notebook, {})
        if kernel_name is not None and data.get("kernel_name", kernel_name) != kernel_name:
            return False
        return path is None or os.path.dirname(notebook) == (path or "")

    def changed(self) -> None:
        """Something the pool's and page views' decisions depend on changed: wake their waits."""
        if self._change is not None:
            self._change.set()
            self._change = None

    async def _wait_change(self, timeout: float) -> None:
        if self._change is None:
            self._change = asyncio.Event()
        try:
            await asyncio.wait_for(self._change.wait(), timeout)
        except TimeoutError:
            pass

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
        self.changed()

    async def start_kernel(self, *args, **kwargs):
        # Reached for page views without a pooled kernel of their page (the pool's own starts
        # bypass it): re-use another page's pooled kernel, or start one where the cap leaves room.
        view = current_view.get()
        if view is not None and hasattr(self, "_pools"):
            kernel_id = await self._place(view, kwargs)
            if kernel_id is not None:
                self.hand_over(kernel_id)
                return kernel_id
        start = asyncio.ensure_future(super().start_kernel(*args, **kwargs))
        try:
            kernel_id = await asyncio.shield(start)
        except asyncio.CancelledError:
            # The visitor went away while the kernel was starting (the page view is cancelled):
            # cancelling the start itself would leave a kernel half registered, owned by no
            # page and, with no last_activity, never culled. Let it finish, then stop it.
            self._stop_when_started(start)
            raise
        self.hand_over(kernel_id)
        return kernel_id

    def _stop_when_started(self, start: asyncio.Future) -> None:
        async def stop() -> None:
            try:
                kernel_id = await start
            except Exception:  # noqa: BLE001 - a failed start leaves nothing to stop
                return
            await self.stop_kernel(kernel_id, why="its page view went away while it started")

        task = asyncio.ensure_future(stop())
        self._stopping_starts.add(task)  # a reference, so the task is not collected mid-way
        task.add_done_callback(self._stopping_starts.discard)

    async def _place(self, view: PageView, kwargs: dict) -> str | None:
        """A kernel for *view* from the pool (re-used), or None: start a new one."""
        kernel_name, path = kwargs.get("kernel_name"), kwargs.get("path")
        started = time.monotonic()
        deadline = started + WAIT_FOR_ROOM_S
        while True:
            counts = self.kernel_counts(exclude=view, kernel_name=kernel_name, path=path)
            step = place(self.cap, counts, reuse=self.reuse_pooled)
            if step is Placement.COLD:
                self.log.info("Page view: a new kernel (%s)", counts.describe(self.cap))
                return None
            if step in (Placement.REUSE, Placement.SHRINK):
                donor = self._take_idle(kernel_name, path)
                if donor is not None:
                    notebook, kernel_id = donor
                    if step is Placement.SHRINK:
                        self.log.info("Page view: shutting down the pooled kernel of %s to make room (%s)", notebook, counts.describe(self.cap))
                        await self.stop_kernel(kernel_id, why="pooled kernel shut down to make room for a page")
                        continue
                    if await self._reset(kernel_id):
                        self.log.info("Page view: re-using the pooled kernel %s of %s (%s)", kernel_id, notebook, counts.describe(self.cap))
                        return kernel_id
                    await self.stop_kernel(kernel_id, why="pooled kernel could not be re-used")
                else:
                    await self._wait_change(0.5)  # counted, but gone meanwhile: never spin
                continue
            # WAIT (or the cap reached meanwhile): pool kernels being started hold the room.
            if time.monotonic() > deadline:
                self.log.warning("Page view: no room under the cap after %.0f s (%s)", WAIT_FOR_ROOM_S, counts.describe(self.cap))
                raise web.HTTPError(503, "busy")
            if time.monotonic() - started > WAIT_FOR_START_S:
                slow = self._take_running()
                if slow is not None:
                    notebook, kernel_id = slow
                    self.log.info(
                        "Page view: stopping the pool kernel of %s still running its notebook, to make room (%s)", notebook, counts.describe(self.cap)
                    )
                    await self.stop_kernel(kernel_id, why="pool kernel stopped to make room for a page")
                    continue
            await self._wait_change(0.5)

    def _take_idle(self, kernel_name: str | None, path: str | None) -> tuple[str, str] | None:
        """Take an idle pooled kernel (its notebook run) out of its pool, the largest pool first;
        that pool refills when there is room."""
        live = set(self.list_kernel_ids())
        candidates = [
            (name, task, content)
            for name, task, content in self._pool_entries()
            if content["kernel_id"] in live and content["task"].done() and self._compatible(name, kernel_name, path)
        ]
        if not candidates:
            return None
        sizes = {name: len(pool) for name, pool in self._pools.items()}
        name, task, content = max(candidates, key=lambda c: sizes.get(c[0], 0))
        self._pools[name].remove(task)
        kernel_id = content["kernel_id"]
        data = getattr(self, "notebook_data", {}).get(name)
        if data is not None:
            data["kernel_ids"].discard(kernel_id)
        self.fill_if_needed(notebook_name=name)
        return name, kernel_id

    def _take_running(self) -> tuple[str, str] | None:
        """Take a pool kernel still running its notebook out of its pool (to be stopped)."""
        live = set(self.list_kernel_ids())
        for name, task, content in self._pool_entries():
            if content["kernel_id"] in live and not content["task"].done():
                self._pools[name].remove(task)
                content["task"].add_done_callback(lambda t: t.cancelled() or t.exception())  # its kernel goes: nobody reads it
                data = getattr(self, "notebook_data", {}).get(name)
                if data is not None:
                    data["kernel_ids"].discard(content["kernel_id"])
                self.fill_if_needed(notebook_name=name)
                return name, content["kernel_id"]
        return None

    async def _reset(self, kernel_id: str) -> bool:
        """Close the widgets of the page a pooled kernel ran and reset its names."""
        client = self.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            msg_id = client.execute(RESET_CODE, silent=True, store_history=False)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                reply = await client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"].get("status") == "ok"
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot be re-used is stopped
            self.log.warning("Re-using kernel %s failed: %s", kernel_id, exc)
        finally:
            client.stop_channels()
        return False

    def get_pool_size(self, notebook_name: str) -> int:
        # What Voila may hand over (it awaits the entry it takes): a kernel that has run the
        # notebook; else, unless an idle pooled kernel of another page can be re-used (a few
        # tenths of a second), one still starting or running it. A refill still waiting for
        # room is no kernel (a visitor handed it would wait for the end of the rush).
        readiness = [self._readiness(task) for task in getattr(self, "_pools", {}).get(notebook_name, [])]
        if 0 in readiness:
            return readiness.count(0)
        data = getattr(self, "notebook_data", {}).get(notebook_name, {})
        if (
            self.reuse_pooled
            and self.kernel_counts(notebook_name, kernel_name=data.get("kernel_name"), path=os.path.dirname(notebook_name)).elsewhere
        ):
            return 0
        return sum(r <= 2 for r in readiness)

    def _readiness(self, task: asyncio.Task) -> int:
        """0: notebook run; 1: running it; 2: kernel starting; 3: failed; 4: waiting for room."""
        if task.done():
            if task.cancelled() or task.exception() is not None:
                return 3
            return 0 if task.result()["task"].done() else 1
        return 2 if task in self._started else 4

    async def get_rendered_notebook(self, notebook_name: str, *args, **kwargs):
        pool = getattr(self, "_pools", {}).get(notebook_name)
        if pool:  # Voila hands over the first entry: the readiest first
            pool.sort(key=self._readiness)
        self.log.info("Page view: the pooled kernel of %s (%s)", notebook_name, self.kernel_counts().describe(self.cap))
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

        async def counted():
            task = asyncio.current_task()
            slots = None
            if self.pool_start_concurrency > 0:
                # A few refills at a time, each until its notebook has run: the CPUs stay with
                # the visitors being served.
                if self._pool_starts is None:
                    self._pool_starts = asyncio.Semaphore(self.pool_start_concurrency)
                slots = self._pool_starts
            released = False

            def release(*_):
                nonlocal released
                if slots is not None and not released:
                    released = True
                    slots.release()
                self.changed()

            started = False
            try:
                if slots is not None:
                    await slots.acquire()
                # Arriving delegates first, and only into the room they leave under the cap.
                while not may_refill(self.cap, self.kernel_counts(), len(self.page_views)):
                    await self._wait_change(1.0)
                started = True
                self.pending_starts += 1
                self._started.add(task)
                try:
                    result = await inner
                finally:
                    self.pending_starts = max(0, self.pending_starts - 1)
                    self._started.discard(task)
            except BaseException as exc:
                release()
                if not started:
                    inner.close()
                if isinstance(exc, Exception):
                    self._replace_failed_pool_start(notebook_path)
                raise
            self._pool_failures.pop(notebook_path, None)
            self._watch_restarts(result["kernel_id"])
            result["task"].add_done_callback(release)  # the slot is free once the notebook has run
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

    # -- priority -----------------------------------------------------------------------
    def start_watching_activity(self, kernel_id: str) -> None:
        # Every kernel start (pooled or not) passes here once its process exists.
        super().start_watching_activity(kernel_id)
        provisioner = getattr(self._kernels.get(kernel_id), "provisioner", None)
        pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
        if pid and self.kernel_nice > 0:
            priority.lower(pid, self.kernel_nice)  # the server before the kernels (priority.py)

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
        pooled_notebook = self._pooled_notebook(kernel_id)
        self._shutting_down.add(kernel_id)
        try:
            for attempt in range(2):
                await self._settled(kernel_id)
                try:
                    result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
                    break
                except asyncio.InvalidStateError:
                    # jupyter_client reads the kernel's `ready` future, which fails while a
                    # (re)start is under way: a dead kernel's restart still launching (a
                    # forked one waits for a new kernel template). Once it is done, again.
                    if attempt:
                        raise
        finally:
            self._shutting_down.discard(kernel_id)
            self.owners.pop(kernel_id, None)  # counted in use until it is gone
            forget_request_info(kernel_id)
            self.changed()
        if pooled_notebook is not None and hasattr(self, "fill_if_needed"):
            self.fill_if_needed(notebook_name=pooled_notebook)  # a pooled kernel that died is replaced
        return result

    async def _settled(self, kernel_id: str, timeout: float = 60) -> None:
        """Until the kernel's (re)start, if one is under way, is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            km = self._kernels.get(kernel_id)
            ready = getattr(km, "_ready", None)
            if ready is None or ready.done():
                return
            await asyncio.sleep(0.1)

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
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and not _has_last_activity(kernel):
            # A start cut short never set it: jupyter_server's culler would raise on this kernel
            # every round and never cull it. Its idle clock starts now.
            self.log.warning("Kernel %s has no last activity (a start cut short): its idle clock starts now", kernel_id)
            kernel.last_activity = utcnow()
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
                    used, measure = kernel_memory(self._kernels[kernel_id].provisioner, over=limit)
                except Exception:  # noqa: BLE001 - starting, stopping or gone
                    continue
                if used > limit:
                    await self.stop_kernel(kernel_id, CLOSE_MEMORY, f"{used / 2**20:.0f} MB ({measure}) over the limit")
