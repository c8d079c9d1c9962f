"""The pages' delivery widget: what the kernel hands to the visitor's browser.

A file the kernel made (an Excel table, the brief) becomes a download, and a message the
visitor must see is scrolled into view. Each is one custom message (a file's bytes as a binary
buffer): no widget state, nothing sent back. Before, a hidden ipywidgets ``Output`` ran a
script holding the file as base64, and then sent the script back to the kernel (6.5 MB for the
brief, refused by the server's upload limit only after the browser had uploaded it).
"""

from __future__ import annotations

from pathlib import Path

import anywidget

ESM = Path(__file__).with_name("deliver.js")


class Delivery(anywidget.AnyWidget):
    """Hands files and scroll requests to the page (the page records what it handed: ``Page.downloads``, ``Page.scrolled_to``)."""

    _esm = ESM.read_text(encoding="utf-8")  # the text: see PlotlyChart._esm

    def save(self, filename: str, mime: str, payload: bytes) -> None:
        """Give the visitor *payload* as the downloaded file *filename*."""
        self.send({"type": "file", "name": filename, "mime": mime}, buffers=[payload])

    def scroll_to(self, css: str) -> None:
        """Scroll the page's element *css* (a selector) into view."""
        self.send({"type": "scroll", "css": css})
