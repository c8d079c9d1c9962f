"""``SopkitVoila``: Voila with the project's serving configuration and what Voila lacks."""

from __future__ import annotations

import os
from pathlib import Path

import voila.app as voila_app
from jupyter_core.paths import jupyter_config_path
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.web import GZipContentEncoding
from traitlets import Bool, Float, Int, List, Unicode, default
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from ..limits import MAX_UPLOAD_BYTES
from ..paths import workbooks_dir
from ..plotlyjs import LIBRARY_PATH
from . import capacity, channels, debug, openfiles
from .admission import Limits
from .compression import CachedGzip
from .handlers import (
    Admission,
    BeaconShutdownHandler,
    HealthHandler,
    KernelSocketHandler,
    NotFoundHandler,
    OwnedKernelHandler,
    PageHandler,
    PlotlyLibraryHandler,
    TemplateStaticHandler,
)
from .kernels import PageKernels

HERE = Path(__file__).resolve().parent
LANDING_PAGE = "overview.ipynb"
HEALTH_PATH = "sopkit/health"  # load balancers' and Kubernetes' probe (deploy/)
# Upload files are at most this big; a widget message carrying one has some overhead on top.
MESSAGE_OVERHEAD = 64 * 1024


class SopkitVoila(Voila):
    name = "sopkit-serve"
    description = "Serve the sopkit workbooks (Voila) with the project's settings, opening on the overview page."

    max_kernels = Int(32, config=True, help="Most kernels alive or about to start, pooled ones included; 0: what the open-files limit allows.")
    max_kernels_per_address = Int(0, config=True, help="Most kernels one client address may hold; 0 for half the cap, -1 for no limit.")
    max_kernels_per_browser = Int(6, config=True, help="Kernels one browser may hold; a further page replaces its oldest. 0 for no limit.")
    concurrent_runs = Int(2, config=True, help="Page views served at once; the others queue.")
    queue_timeout = Float(120, config=True, help="Seconds a page view may wait in the queue before 'busy'.")
    page_deadline = Float(180, config=True, help="Seconds a page view may take once it runs; then it ends with a notice.")
    meeting = Bool(
        False,
        config=True,
        help="Size the kernel cap and a ready pool from this machine's memory and cores (capacity.py); for a meeting's rush.",
    )
    meeting_memory_mb = Float(0, config=True, help="Memory the meeting setting plans with, in MB; 0 for what the machine has available.")
    compress_responses = Bool(
        True,
        config=True,
        help="gzip the HTTP answers (page, scripts, styles: a first visit's 6.9 MB become 3.0 MB); False behind a proxy that compresses.",
    )
    sliced_channel_reads = Bool(True, config=True, help="Read kernel replies in short slices (channels.py); False only to measure what it prevents.")
    fork_kernels = Bool(
        None,
        allow_none=True,
        config=True,
        help="Fork kernels from a template that has imported the stack and loaded the data (forking.py): "
        "each kernel's own memory is what its page adds. False: each kernel is a new Python process. "
        "Unset: forked with --meeting, else not.",
    )

    @property
    def forking(self) -> bool:
        return self.meeting if self.fork_kernels is None else bool(self.fork_kernels)

    trusted_proxies = List(Unicode(), [], config=True, help="Addresses or networks of reverse proxies whose X-Forwarded-For is believed.")

    flags = {
        **Voila.flags,
        "meeting": ({"SopkitVoila": {"meeting": True}}, "Size the cap and a ready pool from this machine (capacity.py)."),
    }

    def _apply_meeting_plan(self) -> None:
        import psutil

        notebooks = sorted(p.name for p in Path(self.root_dir).glob("*.ipynb"))
        memory_mb = self.meeting_memory_mb or psutil.virtual_memory().available / 2**20
        plan = capacity.plan_meeting(memory_mb, os.cpu_count() or 1, notebooks, LANDING_PAGE, forked=self.forking)
        self.max_kernels = plan.max_kernels
        self.voila_configuration.preheat_kernel = True
        self.config.VoilaKernelManager.kernel_pools_config = {"default": {"pool_size": 0}, **{nb: {"pool_size": n} for nb, n in plan.pools.items()}}
        # One refill per core; in a container os.cpu_count() is the node's, not the pod's CPU limit:
        # an operator's setting stands (deploy/kubernetes/deployment.yaml sets its CPU limit).
        if "pool_start_concurrency" not in self.config.MappingKernelManager:
            self.config.MappingKernelManager.pool_start_concurrency = plan.start_concurrency
        # A meeting's server relays every page: it comes before the kernels (priority.py). Not
        # the default: on a machine shared with other work, niced kernels give way to all of it.
        if "kernel_nice" not in self.config.MappingKernelManager:
            self.config.MappingKernelManager.kernel_nice = 10
        self.log.info(
            "Meeting setting: cap %d kernels (%s), %d kept ready %s, %d refills at once",
            plan.max_kernels,
            "forked" if self.forking else "classic",
            plan.pool_total,
            plan.pools,
            self.config.MappingKernelManager.pool_start_concurrency,
        )

    def _fit_cap_to_open_files(self) -> None:
        """A cap the process cannot hold breaks pages past it (websockets refused): lower it."""
        room = openfiles.kernels_allowed(self._open_files)
        self.log.info("Open files %d: room for %d kernels", self._open_files, room)
        if self.max_kernels == 0 or self.max_kernels > room:
            self.log.warning(
                "The kernel cap is lowered from %s to %d: the open-files limit (%d) allows no more. Raise it (ulimit -n, LimitNOFILE=) for more.",
                self.max_kernels or "none",
                room,
                self._open_files,
            )
            self.max_kernels = room

    _event_logger = None

    @property
    def event_logger(self):
        """One jupyter_events logger for the server's kernels. jupyter_server's kernel manager
        takes its parent's parent's (a Jupyter server's); Voila has none, so each kernel made a
        logger of its own (its schemas read and checked, 3 YAML files) and registered it with
        ``logging`` under a unique name, where it stays: one ``logging.Logger`` per kernel for
        as long as the server runs (``benchmarks/soak.py``)."""
        if self._event_logger is None:
            from jupyter_events.logger import EventLogger  # noqa: PLC0415

            self._event_logger = EventLogger(parent=self)
        return self._event_logger

    @default("config_file_paths")
    def _config_file_paths_default(self):
        # The project's voila.json travels with the package: found wherever the server starts.
        return [str(HERE), *jupyter_config_path()]

    def initialize(self, argv=None):
        debug.start_tracing()  # off unless SOPKIT_DEBUG_MEMORY=tracemalloc (debug.py)
        # Room for many kernels' connections (openfiles.py; the kernel manager's zmq context follows it).
        self._open_files = openfiles.raise_open_files_limit(self.log)
        # The 'sopkit' Voila template lives in this package: put it on Jupyter's data path.
        own = str(HERE / "jupyter")
        paths = os.environ.get("JUPYTER_PATH", "")
        if own not in paths.split(os.pathsep):
            os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (own, paths) if p)
        super().initialize(argv)
        # The page template starts loading plotly.js at once (the chart widget's library).
        resources = self.config.VoilaConfiguration.get("resources")
        resources = dict(resources) if isinstance(resources, dict) else {}
        self.config.VoilaConfiguration.resources = {**resources, "sopkit_plotly": LIBRARY_PATH}
        if self.sliced_channel_reads:
            channels.install()  # no held pages: see channels.py
        if not self.notebook_path and not self.extra_args:
            self.root_dir = str(workbooks_dir())

    def init_settings(self) -> dict:
        if self.forking:
            self.config.MappingKernelManager.kernel_manager_class = "sopkit.serve.forking.ForkedKernelManager"
        if self.meeting:
            self._apply_meeting_plan()
        self._fit_cap_to_open_files()
        original = voila_app.voila_kernel_manager_factory

        def factory(base_class, *args, **kwargs):
            voila_class = original(base_class, *args, **kwargs)
            return type("SopkitKernelManager", (PageKernels, voila_class), {})

        voila_app.voila_kernel_manager_factory = factory
        try:
            settings = super().init_settings()
        finally:
            voila_app.voila_kernel_manager_factory = original
        # Widget messages larger than an upload are answered with "too large" (protocol.py);
        # tornado would otherwise drop the connection at 10 MiB without a word.
        settings["websocket_max_message_size"] = 64 * 2**20
        # Voila serves its scripts uncompressed (5.4 MB of a first visit): on hotel Wi-Fi that is
        # seconds. Every answer is gzipped, static files once per process (compression.py; see
        # init_handlers); answers already encoded (plotly.js, gzipped once) are left alone.
        settings["compress_response"] = self.compress_responses
        return settings

    def init_handlers(self) -> list:
        handlers = super().init_handlers()
        # Called once the tornado application exists: its gzip becomes the caching one.
        self.app.transforms = [CachedGzip if t is GZipContentEncoding else t for t in self.app.transforms]
        admission = Admission(
            Limits.from_settings(self.max_kernels, self.max_kernels_per_address, self.max_kernels_per_browser),
            self.concurrent_runs,
            self.queue_timeout,
            self.page_deadline,
            list(self.trusted_proxies),
        )
        # The kernel manager's pool gives way to delegates: it needs the cap and the page views in flight.
        self.kernel_manager.cap = self.max_kernels
        self.kernel_manager.page_views = admission.in_flight
        page = type("Page", (PageHandler,), {"admission": admission})
        socket = type("KernelSocket", (KernelSocketHandler,), {"max_message_bytes": MAX_UPLOAD_BYTES + MESSAGE_OVERHEAD})
        swap = {
            TornadoVoilaHandler: page,
            VoilaKernelWebsocketHandler: socket,
            VoilaShutdownKernelHandler: BeaconShutdownHandler,
            KernelHandler: OwnedKernelHandler,
            TemplateStaticFileHandler: TemplateStaticHandler,
        }
        handlers = [(h[0], swap.get(h[1], h[1]), *h[2:]) for h in handlers]
        handlers = [h for h in handlers if not str(h[0]).endswith("/logout")]
        health = type("Health", (HealthHandler,), {"admission": admission})
        extra = [
            (url_path_join(self.server_url, "logout"), NotFoundHandler),
            (url_path_join(self.server_url, HEALTH_PATH), health),
            (url_path_join(self.server_url, LIBRARY_PATH), PlotlyLibraryHandler),
        ]
        if debug.enabled():  # SOPKIT_DEBUG_MEMORY: what the process holds (benchmarks/soak.py); off by default
            extra.append((url_path_join(self.server_url, debug.PATH), type("Memory", (debug.MemoryHandler,), {"admission": admission})))
        if not self.notebook_path:
            landing = url_path_join(self.server_url, "voila/render", LANDING_PAGE)
            # First match wins in tornado: the redirect must precede Voila's tree page at "/".
            extra.append((self.server_url, web.RedirectHandler, {"url": landing, "permanent": False}))
        return extra + handlers

    def start(self):
        from tornado.ioloop import IOLoop

        IOLoop.current().add_callback(lambda: self.kernel_manager.start_watching())
        super().start()


def main(argv: list[str] | None = None) -> None:
    import sys

    SopkitVoila.launch_instance(argv=sys.argv[1:] if argv is None else argv)
