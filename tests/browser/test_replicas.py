"""Three sopkit-serve replicas behind HAProxy on loopback (``sopkit.serve.replicas``, the
config ``deploy/haproxy/haproxy.cfg``): visitors are spread and stick to their replica, their
widgets work through the balancer, a replica's cap holds, and when a replica dies its
visitors are told to reload while the others carry on.

Lean on purpose: no preheated pools, a small cap, one page view per visitor, the cheap
``echo`` notebook for the 30 protocol-level visitors and the real overview page for the two
chromium visits.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
import websocket

from server.test_kernel_socket import frames, message
from sopkit.serve import replicas

from .browser_helpers import ACTION_MS, LOAD_MS, wait_drawn
from .conftest import KERNEL_FLAGS
from .test_proposals import check_work_came_back, make_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(replicas.HAPROXY) is None, reason="no haproxy (scripts/setup.sh --browser installs it)"),
]

ROOT = Path(__file__).resolve().parents[2]
CAP = 12  # kernels per replica: 36 in all for the 30 visitors, room left to fill up
FLAGS = [
    "--VoilaConfiguration.preheat_kernel=False",
    f"--SopkitVoila.max_kernels={CAP}",
    # Two kernels per client address: without the balancer's X-Forwarded-For believed, the 30
    # visitors would all be the balancer's address and most would be refused.
    "--SopkitVoila.max_kernels_per_address=2",
    *KERNEL_FLAGS,
]
NOTICE = ".sop-reload-notice"
# JS: the title plotly drew on the overview's timeline chart.
TIMELINE_TITLE_JS = "() => { const t = document.querySelector('.sop-timeline .gtitle'); return t ? t.textContent : null; }"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("replica-notebooks")
    shutil.copy(ROOT / "tests/server/notebooks/echo.ipynb", root)
    for name in ("overview", "options", "rankings"):
        shutil.copy(ROOT / f"workbooks/{name}.ipynb", root)
    env = {k: v for k, v in os.environ.items() if k != "SOPKIT_DATA"}  # the bundled data
    with replicas.running(3, directory=root, flags=FLAGS, run_dir=tmp_path_factory.mktemp("replicas"), env=env) as running:
        yield running


@dataclass
class Visitor:
    """A delegate's browser reduced to what crosses the wire: its address and cookies."""

    cluster: replicas.Cluster
    address: str
    cookies: dict = field(default_factory=dict)
    kernel_id: str | None = None
    status: int = 0
    answered_by: str | None = None
    body: str = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.cluster.port, timeout=120, source_address=(self.address, 0))
        conn.request(method, path, headers={"Cookie": self.cookie_header()} if self.cookies else {})
        response = conn.getresponse()
        try:
            response.text = response.read().decode("utf-8", "replace")
        except http.client.IncompleteRead as cut:  # a page cut off: seen as status -1 with the logs
            response.status, response.text = -1, cut.partial.decode("utf-8", "replace")
        conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                for key in ("sopkit_browser", replicas.COOKIE):
                    found = re.search(rf"\b{key}=([0-9A-Za-z]+)", value)
                    if found:
                        self.cookies[key] = found.group(1)
        return response

    def open_page(self, notebook: str = "echo.ipynb") -> Visitor:
        response = self.request("GET", f"/voila/render/{notebook}")
        self.status, self.answered_by, self.body = response.status, response.getheader(replicas.REPLICA_HEADER), response.text
        found = re.search(r'"kernelId": "([0-9a-f-]{36})"', self.body)
        self.kernel_id = found.group(1) if found and self.status == 200 else None
        return self

    def socket(self, replica_cookie: str | None = None) -> websocket.WebSocket:
        cookies = dict(self.cookies, **({replicas.COOKIE: replica_cookie} if replica_cookie else {}))
        return websocket.create_connection(
            f"ws://127.0.0.1:{self.cluster.port}/api/kernels/{self.kernel_id}/channels",
            origin=self.cluster.url,
            timeout=20,
            cookie="; ".join(f"{k}={v}" for k, v in cookies.items()),
        )

    def leave(self) -> int:
        """The unload beacon, through the balancer."""
        status = self.request("POST", f"/voila/api/shutdown/{self.kernel_id}").status
        self.kernel_id = None
        return status


def widgets_answer(ws) -> bool:
    """kernel_info and comm_info answered, and the page's echo widget answers a message."""
    ws.send(message("kernel_info_request", {}))
    if not frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "kernel_info_reply"):
        return False
    ws.send(message("comm_info_request", {"target_name": "jupyter.widget"}))
    replies = frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "comm_info_reply")
    comms = replies[-1]["content"]["comms"] if replies and replies[-1]["header"]["msg_type"] == "comm_info_reply" else {}
    for comm_id in comms:
        ws.send(message("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"ping": comm_id}}}))
    return bool(comms) and bool(frames(ws, 20, until=lambda m: "echo" in json.dumps(m["content"].get("data", {}))))


def logs(cluster) -> str:
    """The balancer's log and the replicas' warnings and errors, for a failure's message."""
    parts = [(cluster.directory / "haproxy.log").read_text(errors="replace")[-4000:]]
    for name in cluster.replicas:
        lines = (cluster.directory / f"{name}.log").read_text(errors="replace").splitlines()
        parts.append(f"--- {name}\n" + "\n".join(line for line in lines if "ERROR" in line or "Traceback" in line or "Error" in line)[-4000:])
    return "\n".join(parts)


def health(cluster) -> dict[str, dict]:
    """Each live replica's /sopkit/health, asked directly (not through the balancer)."""
    states = {}
    for b in cluster.backends:
        conn = http.client.HTTPConnection(b.host, b.port, timeout=10)
        try:
            conn.request("GET", "/sopkit/health")
            states[b.name] = json.loads(conn.getresponse().read())
        except OSError:
            continue
        finally:
            conn.close()
    return states


def test_thirty_visitors_are_spread_stick_to_their_replica_and_the_caps_hold(cluster):
    from concurrent.futures import ThreadPoolExecutor

    visitors = [Visitor(cluster, f"127.0.0.{20 + i}") for i in range(30)]
    more: list[Visitor] = []
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:  # a crowd, but not more kernel starts at once than 2 cores bear
            list(pool.map(Visitor.open_page, visitors))
        assert [v.status for v in visitors] == [200] * 30, logs(cluster)
        # The replica that answered is the one the cookie names, and the visitors are spread.
        assert all(v.answered_by == v.cookies[replicas.COOKIE] for v in visitors)
        spread = {name: sum(v.answered_by == name for v in visitors) for name in ("r1", "r2", "r3")}
        assert min(spread.values()) >= 5, spread
        # Every visitor's widgets work through the balancer, on its own replica...
        for v in visitors:
            ws = v.socket()
            assert widgets_answer(ws), (v.answered_by, v.kernel_id, logs(cluster))
            ws.close()
        # ...and only there: the same kernel's socket sent to another replica is refused.
        stray = visitors[0]
        other = next(name for name in spread if name != stray.answered_by)
        with pytest.raises(websocket.WebSocketBadStatusException):
            stray.socket(replica_cookie=other)

        # A browser stuck to r1 keeps asking from new addresses: r1 fills to its cap, then the
        # balancer sends the overflow elsewhere, and once every replica is full the visitor gets
        # the bilingual busy page (HTTP 503).
        for i in range(3 * CAP - 30 + 1):
            visitor = Visitor(cluster, f"127.0.1.{i + 1}", cookies={replicas.COOKIE: "r1"}).open_page()
            more.append(visitor)
            assert all(state["kernels"] <= CAP for state in health(cluster).values())
            if visitor.status == 503:
                break
        assert [v.status for v in more[:-1]] == [200] * (len(more) - 1) and more[-1].status == 503, logs(cluster)
        assert any(v.answered_by != "r1" for v in more[:-1]), "nothing was sent past the full r1"
        busy = more[-1].body
        assert 'class="sop-busy"' in busy and "Too many pages" in busy and "目前打开的页面过多" in busy
        assert {name: state["kernels"] for name, state in health(cluster).items()} == {"r1": CAP, "r2": CAP, "r3": CAP}

        # The unload beacons reach each kernel's own replica: every kernel is freed.
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert set(pool.map(Visitor.leave, visitors + more[:-1])) == {204}
        deadline = time.monotonic() + 30
        while any(state["kernels"] for state in health(cluster).values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert {name: state["kernels"] for name, state in health(cluster).items()} == {"r1": 0, "r2": 0, "r3": 0}

    finally:
        # Whatever happened, the next test needs the kernels back.
        for v in visitors + more:
            if v.kernel_id:
                with contextlib.suppress(OSError):
                    v.leave()


def kill_replica(cluster, name: str) -> None:
    """A replica's machine dies: the server and its kernels, at once."""
    server = cluster.replicas[name].process
    family = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    os.killpg(server.pid, signal.SIGKILL)
    for proc in family:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def browser_on(browser, cluster, replica: str):
    """A chromium tab whose balancer cookie sends it to *replica*."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies([{"name": replicas.COOKIE, "value": replica, "url": cluster.url}])
    tab = context.new_page()
    tab.set_default_timeout(ACTION_MS)
    return context, tab


def switch_language(tab, button: str) -> None:
    """Click the page's language button and wait for the chart the kernel redraws."""
    before = tab.evaluate(TIMELINE_TITLE_JS)
    tab.click(f".sop-lang button:has-text('{button}')")
    tab.wait_for_function(f"(before) => {{ const t = ({TIMELINE_TITLE_JS})(); return t && t !== before; }}", arg=before, timeout=ACTION_MS)


def test_a_dead_replica_s_visitors_are_told_to_reload_and_the_others_carry_on(cluster, browser):
    doomed, spared = "r3", "r2"
    contexts = []
    try:
        # Two browsers with real pages, one on each replica; their widgets redraw a chart.
        tabs = {}
        for replica in (doomed, spared):  # both pages load at once, each on its replica
            context, tabs[replica] = browser_on(browser, cluster, replica)
            contexts.append(context)
            tabs[replica].goto(f"{cluster.url}/voila/render/overview.ipynb", timeout=LOAD_MS, wait_until="commit")
        for replica, tab in tabs.items():
            wait_drawn(tab, ".sop-timeline", timeout=LOAD_MS)
            assert {c["name"]: c["value"] for c in tab.context.cookies()}[replicas.COOKIE] == replica
            switch_language(tab, "中文")
        # And two protocol-level visitors on each, with their sockets open.
        sockets = {}
        for i, replica in enumerate([doomed, doomed, spared, spared]):
            visitor = Visitor(cluster, f"127.0.2.{i + 1}", cookies={replicas.COOKIE: replica}).open_page()
            assert visitor.status == 200 and visitor.answered_by == replica
            ws = visitor.socket()
            assert widgets_answer(ws)
            sockets.setdefault(replica, []).append(ws)

        kill_replica(cluster, doomed)

        # The dead replica's pages: the socket closes and the page shows the reload notice.
        for ws in sockets[doomed]:
            ws.settimeout(30)
            with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
                while True:
                    if ws.recv() == "":
                        raise websocket.WebSocketConnectionClosedException("closed")
        tabs[doomed].wait_for_selector(NOTICE, timeout=40_000)
        text = tabs[doomed].inner_text(NOTICE)
        assert "Reload" in text and "重新加载" in text

        # The other replica's visitors carry on: widgets answer, the chart redraws, no notice.
        assert all(widgets_answer(ws) for ws in sockets[spared])
        switch_language(tabs[spared], "English")
        assert tabs[spared].locator(NOTICE).count() == 0

        # Reloading the dead replica's page lands on a live replica, which keeps the page.
        tabs[doomed].click(".sop-reload")
        tabs[doomed].wait_for_selector(".sop-page-overview", timeout=LOAD_MS)
        cookie = {c["name"]: c["value"] for c in contexts[0].cookies()}[replicas.COOKIE]
        assert cookie != doomed
        switch_language(tabs[doomed], "English")
        for ws in sockets[spared]:
            ws.close()
    finally:
        for context in contexts:
            context.close()


def test_moves_and_uploads_come_back_when_their_replica_dies(cluster, browser):
    doomed = "r1"  # r3 died in the test above; r2 lives on
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies([{"name": replicas.COOKIE, "value": doomed, "url": cluster.url}])
    try:
        options, rankings, address, rows = make_work(context, cluster.url)
        kill_replica(cluster, doomed)
        options.wait_for_selector(NOTICE, timeout=40_000)
        check_work_came_back(options, rankings, address, rows)
        assert {c["name"]: c["value"] for c in context.cookies()}[replicas.COOKIE] != doomed
    finally:
        context.close()
