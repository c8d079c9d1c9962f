"""The figures' JSON is what plotly would make of the same charts (issue 20 part 2, 21 part 3).

``sopkit.figures`` writes plotly's JSON schema itself, without importing plotly. Here, with plotly
installed (tests and analysts have it), every builder is run on the inputs the pages give it
(default views and the states a visitor reaches, in English and Chinese) and on tables with
missing values, and plotly reads its JSON: ``go.Figure(spec)`` accepts it (every property name
and value valid) and writes it back unchanged.

When the builders stopped using ``plotly.graph_objects`` (merge of h-spec, issue 20), their JSON
was also compared with a copy of the old builders: equal for every one of these 40+ charts. The
copy went after that merge (two copies of every chart to keep in step).
"""

from __future__ import annotations

import base64
import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sopkit import analysis, figures

BUILDERS = [
    "hierarchy",
    "flow",
    "mapping_moves",
    "status_heatmap",
    "coverage",
    "option_balance",
    "timeline",
    "rank_order",
    "landing",
    "weighted_scores",
    "distribution",
]


def plain(value):
    """plotly JSON with its typed arrays (``{"dtype", "bdata"}``, plotly 6+) as lists and NaN as
    null (how plotly writes a NaN in a list), for comparing with plain JSON."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
            return plain(arr.tolist())
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def differences(a, b, path: str = "") -> list[str]:
    """Where JSON values *a* and *b* differ (numbers to a relative 1e-12)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in the first" for k in a.keys() - b.keys()]
        out += [f"{path}.{k}: only in the second" for k in b.keys() - a.keys()]
        for k in a.keys() & b.keys():
            out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} values against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return [] if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]


def spec_of(figure) -> dict:
    """The JSON a chart is drawn from: what ``sopkit.ui.common.ChartView`` sends to the page."""
    assert isinstance(figure, figures.Figure)
    spec = figure.to_dict()
    assert json.loads(json.dumps(spec, allow_nan=False)) == spec  # plain JSON values only, no NaN
    return spec


def _calls(fw) -> list[tuple[str, tuple, dict]]:
    """(builder, args, kwargs) of every figure the pages build in the states ``test_figures``
    takes them to (defaults first), in both languages, then the builders on tables with gaps
    and the mapping comparison."""
    from test_figures import _moves_comparison, _page_figures, _with_gaps

    recorded: list[tuple[str, tuple, dict]] = []
    originals = {name: getattr(figures, name) for name in BUILDERS}

    def recorder(name):
        def build(*args, **kwargs):
            recorded.append((name, copy.deepcopy(args), copy.deepcopy(kwargs)))
            return originals[name](*args, **kwargs)

        return build

    with pytest.MonkeyPatch.context() as mp:
        for name in BUILDERS:
            mp.setattr(figures, name, recorder(name))
        for lang in ("en", "zh"):
            _page_figures(fw, lang)
            for build in _with_gaps(fw).values():
                build(lang)
            cmp = _moves_comparison(fw)
            figures.mapping_moves(cmp, analysis.placements(fw, 4), lang, names=("Project's proposal", "Your mapping"))
            figures.mapping_moves(analysis.compare_mappings(fw, fw, 5), analysis.placements(fw, 5), lang)
    return recorded


@pytest.fixture(scope="module")
def calls(fw):
    return _calls(fw)


def test_every_builder_is_exercised(calls):
    built = {name for name, _, _ in calls}
    assert built == set(BUILDERS)
    assert {kwargs.get("lang", args[-1] if isinstance(args[-1], str) else None) for _, args, kwargs in calls} >= {"en", "zh"}


def _unique(calls) -> dict[str, tuple[str, dict]]:
    """The calls' figures, each distinct spec once: {key: (builder, spec)}."""
    out = {}
    for name, args, kwargs in calls:
        spec = spec_of(getattr(figures, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs)))
        out.setdefault(json.dumps(spec, sort_keys=True), (name, spec))
    return out


@pytest.fixture(scope="module")
def built(calls):
    return _unique(calls)


def test_plotly_accepts_the_figures_and_writes_them_back_unchanged(built):
    import plotly.graph_objects as go

    assert len(built) > 40
    bad = {}
    for name, spec in built.values():
        again = plain(json.loads(go.Figure(spec).to_json()))  # raises on an unknown property or a bad value
        found = differences(plain(spec), again)
        if found:
            bad.setdefault(name, found[:10])
    assert not bad


def test_a_wrong_property_and_a_changed_figure_are_caught(built):
    """The checks can fail: plotly refuses a misspelt property, the comparison sees one colour."""
    import plotly.graph_objects as go

    _, spec = next(v for v in built.values() if v[0] == "coverage")
    misspelt = json.loads(json.dumps(spec))
    misspelt["data"][0]["marker"]["colour"] = "#000000"
    with pytest.raises(ValueError, match="colour"):
        go.Figure(misspelt)
    changed = json.loads(json.dumps(spec))
    changed["data"][0]["marker"]["color"] = "#000000"
    assert differences(plain(changed), plain(spec)) == [".data[0].marker.color: '#000000' != '#0072B2'"]


def test_the_template_is_plotlys_default_template():
    """plotly-template.json is the installed plotly's default template (rerun its extraction,
    see its ``_source``, when plotly is upgraded)."""
    import plotly.io as pio
    from plotly.io._json import to_json_plotly

    assert pio.templates.default == "plotly"
    assert figures.plotly_template() == json.loads(to_json_plotly(pio.templates["plotly"].to_plotly_json()))
    shipped = json.loads((Path(figures.__file__).parent / "plotly-template.json").read_text(encoding="utf-8"))
    import plotly

    assert f"plotly.py {plotly.__version__}" in shipped["_source"]


@pytest.mark.parametrize(
    ("titles", "spacing", "shared"),
    [
        (["Outcomes", "Outputs"], 0.06, False),
        (["a<br>b", "c", "d"], 0.04, True),
        (["one"], 0.04, True),
        (["a", "", "c", "d", "e"], 0.02, True),
        (["a", "b", "c", "d"], 0.1, False),
    ],
)
def test_subplot_layouts_are_make_subplots(titles, spacing, shared):
    from plotly.subplots import make_subplots

    ours = figures._subplots(titles, spacing=spacing, shared_y=shared, title_font={"size": 12})
    theirs = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=spacing, shared_yaxes=shared)
    theirs.update_annotations(font={"size": 12})
    expected = plain(json.loads(theirs.to_json()))["layout"]
    expected.pop("template")
    if not expected.get("annotations"):
        expected["annotations"] = []
    assert differences(ours, expected) == []
    assert figures._subplots(titles, spacing=spacing)["annotations"][0]["font"] == {"size": 16}  # make_subplots' default


def test_importing_the_figures_and_the_pages_imports_no_plotly():
    code = "import sopkit.figures, sopkit.ui, sopkit.brief, sopkit.ui.first_view"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    modules = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
    assert "sopkit.figures" in modules and "sopkit.ui.options" in modules
    assert not [m for m in modules if m.split(".")[0] in ("plotly", "_plotly_utils", "narwhals")]


def test_a_figure_is_plain_json_a_plotly_chart_in_jupyterlab_and_a_plotly_figure_on_request(fw):
    fig = figures.coverage(analysis.theme_coverage(fw, 4), 4)
    spec = fig.to_dict()
    assert set(spec) == {"data", "layout"} and spec["layout"]["template"] == figures.plotly_template()
    spec["layout"]["template"]["layout"]["font"] = "changed"  # a copy: the shared template is untouched
    assert figures.plotly_template()["layout"]["font"] != "changed"
    assert json.loads(fig.to_json()) == fig.to_dict()
    bundle = fig._repr_mimebundle_()
    assert bundle[figures.PLOTLY_MIME] == fig.to_dict() and "What each of the 4" in bundle["text/plain"]
    go_fig = fig.to_plotly()
    assert type(go_fig).__module__.startswith("plotly.") and go_fig.data[0].type == "bar"
    assert go_fig.layout.title.text == fig.layout["title"]["text"]
    nan = figures.Figure([{"type": "bar", "y": [float("nan")]}])
    with pytest.raises(ValueError):
        nan.to_json()  # the builders write a missing value as None (null); NaN is no JSON


def test_missing_values_become_null_and_numpy_values_plain_python():
    import pandas as pd

    assert figures._values(pd.Series([1.5, float("nan")])) == [1.5, None]
    assert figures._values(pd.Series([1, None], dtype="Int64")) == [1, None]
    assert figures._values(np.array([[1, 2], [3, 4]], dtype="int8")) == [[1, 2], [3, 4]]
    values = figures._values([np.int64(3), np.float32(0.5), np.bool_(True), pd.NaT, pd.NA, pd.Timestamp("2021-11-03"), ("a", np.int64(1))])
    assert values == [3, 0.5, True, None, None, "2021-11-03T00:00:00", ["a", 1]]
    assert [type(v) for v in values[:3]] == [int, float, bool]
