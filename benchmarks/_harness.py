"""Shared plumbing of the benchmark scripts: Voila servers on free loopback ports (stopped on
every exit path), process-tree sampling with psutil, the "chart drawn" test run in the page,
and the environment record. Not a test module; imported by run.py and load.py."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import psutil

from sopkit.serve.local import CHROMIUM, CHROMIUM_ARGS, free_port, launch  # noqa: F401 - CHROMIUM* re-exported to run.py and load.py

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_S = 90
# Quiet = the server and all its kernels together used less than this share of one core,
# for QUIET_WINDOWS consecutive windows of QUIET_WINDOW_S.
QUIET_CPU_SHARE = 0.05
QUIET_WINDOW_S = 0.5
QUIET_WINDOWS = 3

# JS: is this plotly graph div drawn (data bound and at least one trace painted)?
# Same test as tests/browser/browser_helpers.py, plus bars/points for other trace types.
DRAWN_FN = """function sopDrawn(el) {
    return !!(el && el.data && el.data.length > 0
              && el.querySelector('.trace, .slice, .sankey-node, .hm image, .point'));
}"""

# JS predicate for page.wait_for_function: resolves to {kind, t} on the first drawn chart
# (t = performance.now(), i.e. ms since navigation start), or on an error / busy page.
FIRST_CHART_JS = f"""() => {{
    {DRAWN_FN}
    if (document.querySelector('.sop-busy')) return {{kind: 'busy', t: performance.now()}};
    if (document.querySelector('.voila-error')) return {{kind: 'error', t: performance.now()}};
    const body = document.body ? document.body.innerText || '' : '';
    if (body.includes('Traceback')) return {{kind: 'traceback', t: performance.now()}};
    for (const el of document.querySelectorAll('.js-plotly-plot')) {{
        if (sopDrawn(el)) {{
            if (window.__sopFirst === undefined) window.__sopFirst = performance.now();
            return {{kind: 'chart', t: window.__sopFirst}};
        }}
    }}
    return false;
}}"""

# JS: navigation timing of the current document (ms since navigation start) and its time origin.
NAV_TIMING_JS = """() => {
    const n = performance.getEntriesByType('navigation')[0] || {};
    return {timeOrigin: performance.timeOrigin, responseStart: n.responseStart, responseEnd: n.responseEnd,
            domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, transferSize: n.transferSize};
}"""

# JS: requests of the page that took longer than a second (what a slow first chart waited for).
SLOW_RESOURCES_JS = """() => performance.getEntriesByType('resource')
    .filter(e => e.duration > 1000)
    .map(e => ({name: e.name.slice(0, 160), start_s: e.startTime / 1000, duration_s: e.duration / 1000}))"""

KERNEL_ID_JS = """() => {
    const el = document.getElementById('jupyter-config-data');
    try { return el ? JSON.parse(el.textContent).kernelId || null : null; } catch (e) { return null; }
}"""


# ---- configuration ---------------------------------------------------------------------------------


def voila_json() -> dict:
    path = ROOT / "sopkit" / "serve" / "voila.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def bare_config_dir(log_dir: Path) -> Path:
    """A folder with a voila.json for plain Voila: the project's Voila settings (pool, timeouts,
    culling, stripped sources) without what only sopkit-serve knows (its template, admission,
    kernel ownership), so that the bare floor is served like the pages."""
    config = voila_json()
    config.pop("SopkitVoila", None)
    # extension_denylist: the pages draw with sopkit's chart widget and deny jupyterlab-plotly;
    # the floor draws its chart the standard way, with jupyterlab-plotly.
    for key in ("template", "allow_template_override", "allow_theme_override", "extension_denylist"):
        config.get("VoilaConfiguration", {}).pop(key, None)
    for key in ("connect_grace", "kernel_memory_limit"):
        config.get("MappingKernelManager", {}).pop(key, None)
    folder = log_dir / "bare-config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "voila.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return folder


def warm_flags(config: dict) -> tuple[list[str], str]:
    """Flags for the 'warm' set-up: none if voila.json already preheats, else preheat with a pool of 1."""
    if config.get("VoilaConfiguration", {}).get("preheat_kernel") is True:
        return [], "voila.json as is (preheat_kernel already true)"
    return [
        "--VoilaConfiguration.preheat_kernel=True",
        '--VoilaKernelManager.kernel_pools_config={"default": {"pool_size": 1}}',
    ], "voila.json + preheat_kernel=True, pool of 1 per notebook (flags)"


COLD_FLAGS = ["--VoilaConfiguration.preheat_kernel=False"]


def pool_total(config: dict, flags: list[str], notebooks: list[str]) -> int:
    """Kernels the preheat pool keeps for *notebooks* under *config* + *flags* (0 without preheat)."""
    vc = dict(config.get("VoilaConfiguration", {}))
    km = dict(config.get("VoilaKernelManager", {}))
    for flag in flags:
        key, _, value = flag[2:].partition("=")
        section, _, name = key.partition(".")
        if section not in ("VoilaConfiguration", "VoilaKernelManager"):
            continue
        target = vc if section == "VoilaConfiguration" else km
        target[name] = json.loads(value.lower() if value in ("True", "False") else value)
    if not vc.get("preheat_kernel"):
        return 0
    default_size = vc.get("default_pool_size", 1)
    pools = km.get("kernel_pools_config") or {"default": {"pool_size": default_size}}
    denied = km.get("preheat_denylist", [])
    total = 0
    for nb in notebooks:
        if any(pattern in nb for pattern in denied):
            continue
        conf = pools.get(nb, pools.get("default", {}))
        total += max(int(conf.get("pool_size", pools.get("default", {}).get("pool_size", 1))), 0)
    return total


# ---- servers ---------------------------------------------------------------------------------------


def _status(port: int, path: str = "/") -> int | None:
    """HTTP status of GET *path* without following redirects (so '/' never opens a notebook)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def is_kernel(proc: psutil.Process) -> bool:
    """A kernel (forked ones show the kernel's command line too: sopkit/kernel_template.py)."""
    try:
        return any("ipykernel" in part for part in proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def is_template(proc: psutil.Process) -> bool:
    """The kernel template of a server with SopkitVoila.fork_kernels (not a kernel)."""
    try:
        return "sopkit.kernel_template" in proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


class Server:
    """A Voila server (``python -m sopkit.server workbooks`` or ``python -m voila benchmarks``)
    started from the repo root (so voila.json applies), in its own process group."""

    def __init__(self, kind: str, flags: list[str], log_dir: Path, label: str, root: Path = ROOT):
        self.kind, self.flags, self.label = kind, list(flags), label
        self.port = free_port()
        log_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "SOPKIT_DATA"}  # the bundled data
        if kind == "workbooks":  # sopkit-serve applies the project's configuration wherever it starts
            # The checkout *root* (this one, or another for before/after in one run): its sopkit
            # in the server and in the kernels (they start in workbooks/, not in *root*).
            module, directory, cwd = "sopkit.server", root / "workbooks", root
            env["PYTHONPATH"] = str(root)
        elif kind == "bare-sopkit":  # the bare notebooks through sopkit-serve (its fixes, its settings)
            module, directory, cwd = "sopkit.server", ROOT / "benchmarks", ROOT
            # ... but with jupyterlab-plotly, which draws their charts (voila.json denies it).
            self.flags.append("--VoilaConfiguration.extension_denylist=[]")
        else:  # plain Voila reads voila.json from its working directory
            module, directory, cwd = "voila", ROOT / "benchmarks", bare_config_dir(log_dir)
        self.notebooks = sorted(p.name for p in directory.glob("*.ipynb"))
        self.log_path = log_dir / f"{label}.log"
        self.local = launch(directory, self.flags, log=self.log_path, cwd=cwd, env=env, module=module, port=self.port)
        self.command, self.popen = self.local.command, self.local.process
        self.proc = psutil.Process(self.popen.pid)
        self._seen_kernels: set[int] = set()
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        return f"{self.base}/voila/render/{notebook}"

    def wait_ready(self, timeout: float = SERVER_START_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            status = _status(self.port, "/")
            if status is not None and status < 500:
                return
            if self.popen.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {self.popen.returncode}" if self.popen.poll() is not None else f"no answer in {timeout:.0f} s"
                raise RuntimeError(f"{self.label}: server {why}: {' '.join(self.command)}\n{self.log_tail()}")
            time.sleep(0.2)  # polling a port that is not open yet

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kernels(self) -> list[psutil.Process]:
        try:
            found = [p for p in self.proc.children(recursive=True) if is_kernel(p)]
        except psutil.NoSuchProcess:
            return []
        self._seen_kernels.update(p.pid for p in found)
        return found

    def kernel_for(self, kernel_id: str | None) -> psutil.Process | None:
        """The kernel process whose connection file names *kernel_id*; else the newest kernel."""
        kernels = self.kernels()
        if kernel_id:
            for p in kernels:
                with contextlib.suppress(psutil.Error):
                    if any(f"kernel-{kernel_id}.json" in part for part in p.cmdline()):
                        return p
        with contextlib.suppress(psutil.Error):
            return max(kernels, key=lambda p: p.create_time()) if kernels else None
        return None

    def tree(self) -> list[psutil.Process]:
        try:
            return [self.proc, *self.proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """SIGTERM (Voila shuts its kernels down), then kill whatever is left: the server's process
        group and every kernel it ever had (kernels live in process groups of their own)."""
        with contextlib.suppress(psutil.Error):
            self.kernels()
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        for pid in self._seen_kernels:
            with contextlib.suppress(psutil.Error):
                p = psutil.Process(pid)
                if is_kernel(p):
                    p.kill()


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def settle(servers: list[Server], expected: dict[str, int] | None = None, gone: list[int] = (), timeout: float = 180.0) -> float:
    """Wait until every server has its expected number of kernels (e.g. the preheat pool refilled),
    the pids in *gone* have exited, and servers + kernels are quiet (CPU below QUIET_CPU_SHARE of one
    core for QUIET_WINDOWS windows of QUIET_WINDOW_S). Returns the seconds waited."""
    start = time.monotonic()
    quiet = 0
    while True:
        procs = [p for s in servers for p in s.tree()]
        before = cpu_seconds(procs)
        time.sleep(QUIET_WINDOW_S)
        used = cpu_seconds(procs) - before  # processes that ended in between count 0: fine
        counts_ok = all(len(s.kernels()) == expected[s.label] for s in servers) if expected else True
        gone_ok = not any(is_alive(pid) for pid in gone)
        quiet = quiet + 1 if (counts_ok and gone_ok and used < QUIET_CPU_SHARE * QUIET_WINDOW_S) else 0
        if quiet >= QUIET_WINDOWS:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            counts = {s.label: len(s.kernels()) for s in servers}
            raise TimeoutError(f"servers not settled after {timeout:.0f} s: kernels {counts}, expected {expected}, last window CPU {used:.2f} s")


def is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def create_time_offset(samples: int = 5) -> float:
    """How far psutil's process create_time() (boot time in whole seconds + start ticks) is from
    time.time() on this machine: median of (create_time - time just before the spawn)."""
    offsets = []
    for _ in range(samples):
        before = time.time()
        child = subprocess.Popen(["sleep", "0.2"])
        with contextlib.suppress(psutil.Error):
            offsets.append(psutil.Process(child.pid).create_time() - before)
        child.wait()
    return median(offsets) or 0.0


def executor_timeout(config: dict) -> float | None:
    """VoilaExecutor.timeout from voila.json (seconds a cell may run), if set."""
    value = config.get("VoilaExecutor", {}).get("timeout")
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def rss_mb(proc: psutil.Process | None) -> float | None:
    if proc is None:
        return None
    try:
        return proc.memory_info().rss / 2**20
    except psutil.Error:
        return None


# ---- environment -----------------------------------------------------------------------------------

PACKAGES = [
    "sopkit",
    "voila",
    "jupyter_server",
    "jupyter_client",
    "ipykernel",
    "ipywidgets",
    "jupyterlab_widgets",
    "plotly",
    "pandas",
    "tornado",
    "playwright",
    "psutil",
]


def source_fingerprint() -> str:
    """sha256 (12 hex) of what the servers run: sopkit's code and messages, the notebooks, the data
    and voila.json. Compared at the start and the end of a run: the numbers of a run during which
    it changed mix two versions (kernels import sopkit afresh)."""
    import hashlib

    digest = hashlib.sha256()
    patterns = ["sopkit/**/*.py", "sopkit/messages/*.json", "workbooks/*.ipynb", "benchmarks/*.ipynb", "data/**/*.csv", "data/*.json", "voila.json"]
    for path in sorted({p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()}):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def environment(browser_version: str | None = None) -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    git = {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        git["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
        git["uncommitted_files"] = len(dirty.splitlines())
    mem = psutil.virtual_memory()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_total_mb": round(mem.total / 2**20),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "chromium": browser_version,
        "versions": versions,
        "git": git,
        "source_fingerprint_at_start": source_fingerprint(),
        "voila_json": voila_json(),
    }


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt so `finally:` blocks stop the servers."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def median(values: list[float | None]) -> float | None:
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    mid = len(vals) // 2
    return vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


# A page view whose HTML took this long was held until the executor's cell timeout (60 s).
HELD_S = 50.0


def time_stats(values: list[float]) -> dict:
    """p50 / p95 / p99 / max of *values* (seconds; None when there are none), and how many were held."""
    stats = {k: (round(percentile(values, q), 2) if values else None) for k, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))}
    return {"n": len(values), **stats, "held": sum(v >= HELD_S for v in values)}


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100) of *values*."""
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


# ---- other work on the machine -----------------------------------------------------------------------


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores) since boot."""
    t = psutil.cpu_times()
    return sum(getattr(t, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))


def own_cpu_seconds() -> float:
    """CPU seconds of this process and every descendant alive now (servers, kernels, browser)."""
    me = psutil.Process()
    with contextlib.suppress(psutil.Error):
        return cpu_seconds([me, *me.children(recursive=True)])
    return 0.0


class ForeignCpu:
    """CPU used by processes that are not ours between start() and stop(): other work on the machine
    that competes with the benchmark (a test suite, a build). Reported, never corrected for."""

    def start(self) -> "ForeignCpu":
        self.t0, self.busy0, self.own0 = time.monotonic(), busy_cpu_seconds(), own_cpu_seconds()
        return self

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        foreign = max(0.0, (busy_cpu_seconds() - self.busy0) - (own_cpu_seconds() - self.own0))
        return {"foreign_cpu_s": round(foreign, 2), "foreign_cpu_share": round(foreign / (wall * (os.cpu_count() or 1)), 3) if wall else None}


def wait_machine_idle(max_percent: float, max_wait_s: float = 120.0, windows: int = 2) -> float:
    """Wait (bounded) until the machine's total CPU use is below *max_percent* for *windows* windows
    of 0.5 s; our own servers are quiet by then, so this waits out other work. Returns seconds waited."""
    if max_percent <= 0:
        return 0.0
    start, calm = time.monotonic(), 0
    while calm < windows and time.monotonic() - start < max_wait_s:
        calm = calm + 1 if psutil.cpu_percent(interval=0.5) < max_percent else 0
    return time.monotonic() - start


# ---- before and after in one run: servers started from other checkouts -----------------------


@contextlib.contextmanager
def checkout_server(root: Path, flags: list[str] = (), log_name: str = "checkout"):
    """A sopkit-serve of the workbooks started from the checkout *root* (its sopkit on
    PYTHONPATH, e.g. an older worktree), ready; stopped on exit."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOPKIT_DATA", "PYTHONPATH")} | {"PYTHONPATH": str(root)}
    server = launch("workbooks", list(flags), log=Path(f"/tmp/sopkit-{log_name}-{os.getpid()}.log"), cwd=root, env=env)
    try:
        server.wait_ready(SERVER_START_S)
        yield server
    finally:
        server.stop()


def commit_of(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def compare_checkouts(measure, roots: list[Path] | None, out: Path | None, header: dict) -> None:
    """``measure(root) -> dict`` for each checkout (default: this one), printed as JSON lines and
    written to *out* as ``{**header, "started_unix", "runs": [...]}`` (each run with its commit)."""
    results = {**header, "started_unix": int(time.time()), "cores": os.cpu_count(), "runs": []}
    for root in roots or [ROOT]:
        root = root.resolve()
        row = {"root": str(root), "commit": commit_of(root), **measure(root)}
        print(json.dumps(row), flush=True)
        results["runs"].append(row)
    if out:
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
