"""Where the pages' plotly.js comes from: ``sopkit/plotly/plotly.min.js``, plotly.js with only the
trace types sopkit's figures use, under a versioned path that sopkit-serve and the static
edition serve (``sopkit.ui.chart`` loads it in the page; the downloaded brief inlines it).

Why not the plotly.min.js the plotly package ships: that file has every trace type (4.8 MB);
a browser spends 1.6-1.8 s running it before the first chart can be drawn, this one 0.2-0.3 s
(1.5 MB; chromium, 5 loads each on a loaded 2-core machine; README "Performance").
``scripts/build-plotly.sh`` rebuilds it; ``bundle.json`` says what it holds.

Kept apart from ``sopkit.ui`` so the server can serve it without importing plotly or ipywidgets.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).with_name("plotly")
#: What the bundle holds: ``plotly.js`` (its version), ``traces``, ``bytes``, ``sha256``.
BUNDLE: dict = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
# Versioned by content, so a server can let browsers keep it for good (a new bundle gets a new name).
LIBRARY_PATH = f"sopkit/plotly-{BUNDLE['plotly.js']}-{BUNDLE['sha256'][:8]}.min.js"


def library_file() -> Path:
    """The bundle (absent in a slimmed install: the static edition's sopkit wheel)."""
    return HERE / "plotly.min.js"


@cache
def library_bytes() -> bytes:
    """The bundle, read once per process."""
    return library_file().read_bytes()


@cache
def library_gzip() -> bytes:
    """The bundle gzipped once per process (1.5 MB -> about 0.50 MB), for servers."""
    return gzip.compress(library_bytes(), compresslevel=9, mtime=0)
