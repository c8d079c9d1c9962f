"""Where the pages' plotly.js comes from: the file the plotly package ships, under a versioned
path that sopkit-serve and the static edition serve (``sopkit.ui.chart`` loads it in the page).

Kept apart from ``sopkit.ui`` so the server can serve it without importing plotly or ipywidgets.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

PLOTLY_VERSION = version("plotly")
# Versioned, so a server can let browsers keep it for good (a new plotly gets a new name).
LIBRARY_PATH = f"sopkit/plotly-{PLOTLY_VERSION}.min.js"


def library_file() -> Path:
    """plotly.min.js inside the installed plotly package (found without importing plotly)."""
    spec = find_spec("plotly")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the plotly package is not installed")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


@cache
def library_bytes() -> bytes:
    """plotly.min.js, read once per process."""
    return library_file().read_bytes()


@cache
def library_gzip() -> bytes:
    """plotly.min.js gzipped once per process (4.7 MB -> about 1.4 MB), for servers."""
    return gzip.compress(library_bytes(), compresslevel=9, mtime=0)
