"""The pages' chart widget: a plotly figure drawn, and redrawn in place, by plotly.js.

Why not the plotly mime bundle inside an ipywidgets ``Output`` (what the pages used before):
the jupyterlab-plotly renderer draws a figure twice, then renders it once more to a PNG that
the ``Output`` sends back to the kernel and the kernel echoes back (about 150 kB each way per
chart change); and a change replaces the whole plot. Here a change sets one trait and the front
end calls ``Plotly.react``. Measured in benchmarks/run.py (README, "Performance").

plotly.js itself (``sopkit.plotlyjs``: the trace types sopkit uses, the bundle the downloaded
brief inlines) reaches the page once: from ``sopkit.plotlyjs.LIBRARY_PATH`` under
the page's base URL when the server offers it (sopkit-serve, the static edition), else from the
kernel on request (JupyterLab, or a server without that route).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..plotlyjs import LIBRARY_PATH, library_bytes

ESM = Path(__file__).with_name("chart.js")


class PlotlyChart(anywidget.AnyWidget):
    """A plotly figure as a widget; assigning ``figure`` redraws it in place.

    ``figure`` holds the plotly JSON (``data``, ``layout``, ``config``), as ``fig.to_json()`` gives it.
    """

    # The text, not the Path: anywidget watches a Path outside site-packages for changes (a
    # thread per kernel in an editable install).
    _esm = ESM.read_text(encoding="utf-8")
    figure = traitlets.Dict().tag(sync=True)
    library = traitlets.Unicode(LIBRARY_PATH).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(lambda _widget, content, buffers: self.heard_from_browser(content, buffers))

    def heard_from_browser(self, content: Any, _buffers: Any = None) -> None:
        # The page found no plotly.js on its server: this kernel sends it (once per page).
        # Without the file (a slimmed install: the static edition's wheel) it answers with none,
        # and the page shows its notice instead of waiting.
        if isinstance(content, dict) and content.get("type") == "library":
            try:
                payload = [library_bytes()]
            except OSError:
                payload = []
            self.send({"type": "library"}, buffers=payload)
