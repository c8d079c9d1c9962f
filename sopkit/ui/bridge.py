"""The pages' bridge widget: the one channel between a page and the visitor's browser.

Kernel to browser, as synced state: the page's view (the address bar follows it, so that a
link, a copy and a reload give the view on screen), its language and title. As custom messages,
nothing kept: a file to download (its bytes as a binary buffer), an element to scroll to, an
upload to keep in the browser's own storage or to forget.

Browser to kernel, as custom messages: ``hello`` (the page's address, and the uploads this
browser kept for the page, as buffers), sent when the page opens and repeated until the page
has heard it (``heard``); ``xlsx`` (an Excel link clicked). The same code runs in the served
pages, their JupyterLab preview and the static edition: no page script is needed for any of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

ESM = Path(__file__).with_name("bridge.js")

# What the browser sends: ("hello" | "xlsx", content, buffers) -> None
Listener = Callable[[str, dict, list[bytes]], None]


class Bridge(anywidget.AnyWidget):
    """The page's channel to the browser (the page records what it handed: ``Page.downloads``, ``Page.scrolled_to``)."""

    _esm = ESM.read_text(encoding="utf-8")  # the text: see PlotlyChart._esm
    page = traitlets.Unicode("").tag(sync=True)  # the page's key: names its slot in the browser's storage
    view = traitlets.Unicode("").tag(sync=True)  # the view as a query string (``lang=zh&option=...``)
    lang = traitlets.Unicode("en").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    heard = traitlets.Int(0).tag(sync=True)  # the last hello the page handled (the browser stops repeating it)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._listeners: list[Listener] = []
        self.on_msg(lambda _widget, content, buffers: self.heard_from_browser(content, buffers))

    def listen(self, listener: Listener) -> None:
        """Call *listener(kind, content, buffers)* for each request the browser sends."""
        self._listeners.append(listener)

    def heard_from_browser(self, content: Any, buffers: list | None = None) -> None:
        """A message from the browser (untrusted): passed on when it is a known request."""
        if not isinstance(content, dict) or content.get("type") not in ("hello", "xlsx"):
            return
        payloads = [bytes(b) for b in (buffers or [])]
        for listener in self._listeners:
            listener(content["type"], content, payloads)

    # ---- to the browser -------------------------------------------------------------------
    def save(self, filename: str, mime: str, payload: bytes) -> None:
        """Give the visitor *payload* as the downloaded file *filename*."""
        self.send({"type": "file", "name": filename, "mime": mime}, buffers=[payload])

    def scroll_to(self, css: str) -> None:
        """Scroll the page's element *css* (a selector) into view."""
        self.send({"type": "scroll", "css": css})

    def keep(self, slot: str, name: str, payload: bytes, **meta: str) -> None:
        """Keep an upload in the browser's storage for this page (brought back by the next ``hello``)."""
        self.send({"type": "keep", "slot": slot, "name": name, "meta": meta}, buffers=[payload])

    def forget(self, slot: str) -> None:
        """Forget the upload kept in *slot*."""
        self.send({"type": "forget", "slot": slot})
