"""The chart widget's kernel side (sopkit/ui/chart.py) and where plotly.js comes from
(sopkit/plotlyjs.py), without a browser."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import plotly

import sopkit
import sopkit.ui.common as common
from sopkit import figures
from sopkit.plotlyjs import BUNDLE, LIBRARY_PATH, library_bytes, library_gzip
from sopkit.ui.chart import PlotlyChart


def test_library_is_the_bundle_it_says_it_is_under_a_path_named_by_its_content():
    data = library_bytes()
    assert len(data) == BUNDLE["bytes"] and hashlib.sha256(data).hexdigest() == BUNDLE["sha256"]
    assert LIBRARY_PATH == f"sopkit/plotly-{BUNDLE['plotly.js']}-{BUNDLE['sha256'][:8]}.min.js"
    assert gzip.decompress(library_gzip()) == data
    assert len(library_gzip()) < len(data) / 2
    assert len(data) < len((Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()) / 2


def test_the_bundle_is_the_plotly_js_the_plotly_package_writes_figures_for():
    from plotly.offline import get_plotlyjs_version

    assert BUNDLE["plotly.js"] == get_plotlyjs_version(), "plotly was upgraded: run scripts/build-plotly.sh"
    assert f"plotly.js {BUNDLE['plotly.js']}" in library_bytes()[:200].decode()


def test_every_trace_type_the_figures_draw_is_in_the_bundle():
    # Every trace type in the figure builders' code (the only place that makes traces: each a
    # dict with its "type"), which must be plotly's trace types.
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    classes = [getattr(go, name) for name in dir(go) if name[:1].isupper()]  # go's names load lazily
    traces = {cls().type for cls in classes if isinstance(cls, type) and issubclass(cls, BaseTraceType)}
    source = (Path(sopkit.__file__).parent / "figures.py").read_text(encoding="utf-8")
    used = set(re.findall(r'"type": "(\w+)"', source))
    assert {"bar", "sankey", "treemap", "heatmap", "scatter"} <= used <= traces, used
    missing = used - set(BUNDLE["traces"])
    assert not missing, (
        f"{sorted(missing)} not in sopkit/plotly/plotly.min.js: add them to scripts/plotly/entry.js and build.js, run scripts/build-plotly.sh"
    )


def test_the_kernel_sends_plotly_js_when_the_page_asks_for_it(monkeypatch):
    chart = PlotlyChart()
    sent = []
    monkeypatch.setattr(chart, "send", lambda content, buffers=None: sent.append((content, buffers)))
    chart.heard_from_browser({"type": "something else"}, [])
    assert sent == []
    chart.heard_from_browser({"type": "library"}, [])
    assert sent == [({"type": "library"}, [library_bytes()])]


def test_without_the_file_the_kernel_answers_with_nothing_and_the_page_gives_up(monkeypatch):
    # A slimmed install (the static edition's plotly wheel): the page must not wait forever.
    import sopkit.ui.chart as chart_module

    def missing():
        raise FileNotFoundError("plotly.min.js")

    monkeypatch.setattr(chart_module, "library_bytes", missing)
    chart = PlotlyChart()
    sent = []
    monkeypatch.setattr(chart, "send", lambda content, buffers=None: sent.append((content, buffers)))
    chart.heard_from_browser({"type": "library"}, [])
    assert sent == [({"type": "library"}, [])]  # the page gives up at once (tests/browser/test_chart_widget.py)


def test_a_chart_view_sets_one_figure_trait_with_the_page_config(monkeypatch):
    monkeypatch.setattr(common, "get_ipython", lambda: object())  # as in a kernel
    view = common.ChartView("demo", {})
    changes = []
    view.plot.observe(lambda c: changes.append(c["new"]), "figure")
    figure = figures.Figure([{"type": "bar", "x": ["a", "b"], "y": [1, 2]}])
    view.update(figure, pd.DataFrame({"x": ["a", "b"]}), "zh")
    assert len(changes) == 1
    spec = changes[0]
    assert spec["data"][0]["y"] == [1, 2] and spec["config"]["locale"] == "zh-CN"
    assert spec["config"]["toImageButtonOptions"]["filename"] == "sopkit-demo"
    json.dumps(spec)  # plain JSON: what the widget sends
