"""Fixtures for the static site: dist/ served by Python's http.server on loopback, and one
chromium context (its cache shared by the pages, as a visitor's) that aborts every request
to a host other than loopback and records it.

The ``static`` tests need a built site. They run from ``scripts/test-static.sh`` (which builds
it first and sets ``SOPKIT_STATIC=1``); elsewhere they are skipped, so the usual test command
neither builds (minutes, and it needs the registries) nor tests a stale dist/.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("SOPKIT_STATIC_DIST", ROOT / "dist"))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def load_build_module():
    """scripts/static/build.py as a module (it is a script, not part of the sopkit package)."""
    spec = importlib.util.spec_from_file_location("sopkit_static_build", ROOT / "scripts" / "static" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_collection_modifyitems(items):
    if os.environ.get("SOPKIT_STATIC") == "1":
        return
    skip = pytest.mark.skip(reason="the static site is tested by scripts/test-static.sh (it builds dist/ first)")
    for item in items:
        if item.get_closest_marker("static") is not None:
            item.add_marker(skip)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # one line per file otherwise (hundreds per page)
        pass


@contextlib.contextmanager
def served_site(handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler):
    """dist/ on a free loopback port, answered by *handler*: its address."""
    if not (DIST / "voici" / "render" / "overview.html").is_file():
        pytest.fail(f"no static site in {DIST}: run scripts/build-static.sh", pytrace=False)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site_url():
    """dist/ on a free loopback port, as any static host would serve it."""
    with served_site() as url:
        yield url


@pytest.fixture(scope="module")
def offline_browser():
    """Chromium with the network limited to loopback: (a function that opens a new context, as a
    new visitor's browser, list of aborted URLs)."""
    from playwright.sync_api import sync_playwright

    from sopkit.serve.local import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no chromium at {CHROMIUM} (scripts/setup.sh --browser installs it)")
    aborted: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOOPBACK:
            r.continue_()
        else:
            aborted.append(url)
            r.abort()

    with sync_playwright() as pw:
        # Besides the route: no name but loopback resolves, whatever (a worker) makes the request.
        no_dns = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, no_dns], headless=True)
        contexts = []

        def new_context(width: int = 1280):
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
            context.route("**/*", route)
            contexts.append(context)
            return context

        try:
            yield new_context, aborted
        finally:
            for context in contexts:
                context.close()
            browser.close()


@pytest.fixture(scope="module")
def offline_context(offline_browser):
    """One offline context for the module's pages (its cache and the site's service worker shared,
    as a visitor's browser): (context, list of aborted URLs)."""
    new_context, aborted = offline_browser
    return new_context(), aborted
