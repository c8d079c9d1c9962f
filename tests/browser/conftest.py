"""Real-browser fixtures: one Voila server for the session, Debian's chromium through
Playwright, a fresh browser context per test, a screenshot when a test fails.

Waits are on conditions (the ``sop-*`` CSS hooks, plotly graph divs with drawn
traces), never on fixed sleeps.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sopkit.serve.local import CHROMIUM, CHROMIUM_ARGS, launch

from .browser_helpers import ACTION_MS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_S = 60


def pytest_collection_modifyitems(items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (scripts/setup.sh --browser installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``item.rep_call``) for the page fixture."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# ---- server -------------------------------------------------------------------------------------

# SOPKIT_TEST_KERNELS=forked: the servers fork their kernels from the kernel template
# (SopkitVoila.fork_kernels), as tests/server does.
KERNEL_FLAGS = ("--SopkitVoila.fork_kernels=True",) if os.environ.get("SOPKIT_TEST_KERNELS") == "forked" else ()


@pytest.fixture(scope="session")
def voila_url(tmp_path_factory) -> str:
    """Base URL of sopkit-serve on a free port, serving the workbooks with the project's configuration."""
    log_path = tmp_path_factory.mktemp("voila") / "voila.log"
    env = {k: v for k, v in os.environ.items() if k != "SOPKIT_DATA"}  # the bundled data
    server = launch("workbooks", KERNEL_FLAGS, log=log_path, cwd=ROOT, env=env)
    try:
        try:
            server.wait_ready(SERVER_START_S)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def own_server(tmp_path):
    """own_server(*flags, port=None) -> LocalServer serving the workbooks; stopped at the end."""
    servers = []

    def make(*flags, port=None):
        server = launch(None, (*KERNEL_FLAGS, *flags), log=tmp_path / f"server-{len(servers)}.log", port=port)
        servers.append(server)
        server.wait_ready(90)
        return server

    yield make
    for server in servers:
        server.stop()


# ---- browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium; Playwright gives it a fresh temporary user-data dir."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A tab in a fresh browser context; on failure its screenshot goes to test-artifacts/<test name>.png."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(ACTION_MS)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors  # uncaught exceptions in the page, for the tests to check
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the test's failure
            print(f"screenshot failed: {exc}")
    # Close the tab as a visitor does: Voila's beforeunload beacon shuts its kernel down,
    # so the server's kernel cap is not used up by finished tests.
    tab.close(run_before_unload=True)
    context.close()
