#!/usr/bin/env python
"""A kernel's CPU for one click: the figures a page rebuilds and the JSON its chart widgets get.

    .venv/bin/python benchmarks/click_cpu.py [--clicks 20] [--out FILE.json]
    PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/click_cpu.py   # another sopkit

No server, no browser, one process: the four pages are built as a kernel builds them (with
``sopkit.ui.common.get_ipython`` answering, so each ``ChartView.update`` makes the chart's JSON
as in a kernel), then each page's benchmark click (the one ``benchmarks/run.py`` measures in a
browser: overview the language switch, options option 2, coverage variant 5, rankings another
survey) is made ``--clicks`` times, back and forth, each timed in CPU seconds of this process
(``time.process_time``). Also, per figure builder, one figure built and turned into the JSON the
widget sends (``builder(...)`` then ``json.loads(fig.to_json())``, what ``ChartView.update`` did
before sopkit's figures were plain JSON; the same call for both; inputs made beforehand). And the first-use costs a kernel
pays once: ``import_s`` (``import sopkit.ui`` and the page modules), ``first_pages_s`` (the four
pages built once, each chart's JSON made: plotly's validators and template load on first use).
The sopkit measured is the one imported (``sopkit_file`` in the output: check it with PYTHONPATH).
The load average is recorded before and after: figures are comparable within a run only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


def cpu() -> float:
    return time.process_time()


def balance(fw):
    """The options page's balance inputs (as tests/test_figures.py makes them)."""
    import pandas as pd

    from sopkit import analysis

    counts = pd.concat(
        [analysis.option_items(fw, o).groupby(["top", "status"]).size().rename("items").reset_index().assign(option=o) for o in fw.option_ids],
        ignore_index=True,
    )
    tops = pd.concat([analysis.top_level(fw, o).assign(option=o) for o in fw.option_ids], ignore_index=True)
    return counts, tops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clicks", type=int, default=20)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    load_start = [round(x, 2) for x in os.getloadavg()]

    t0 = cpu()
    import sopkit
    import sopkit.ui.common as common
    from sopkit import analysis, figures
    from sopkit.ui import CoveragePage, OptionsPage, OverviewPage, RankingsPage

    import_s = cpu() - t0
    fw = sopkit.load_framework()
    common.get_ipython = lambda: object()  # as in a kernel: ChartView.update makes the JSON

    t0 = cpu()
    pages = {"overview": OverviewPage(fw), "options": OptionsPage(fw), "coverage": CoveragePage(fw), "rankings": RankingsPage(fw)}
    first_pages_s = cpu() - t0
    modules = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("plotly", "_plotly_utils", "narwhals")})

    surveys = list(fw.surveys["id"])
    clicks = {
        "overview": (pages["overview"].state, "lang", ["zh", "en"]),
        "options": (pages["options"].option, "value", ["atu-7", pages["options"].option.value]),
        "coverage": (pages["coverage"].variant, "value", [5, pages["coverage"].variant.value]),
        "rankings": (pages["rankings"].survey, "value", [surveys[1], surveys[0]] if len(surveys) > 1 else surveys),
    }
    click_ms: dict[str, dict] = {}
    for name, (target, trait, values) in clicks.items():
        samples = []
        for i in range(args.clicks):
            t0 = cpu()
            setattr(target, trait, values[i % len(values)])
            samples.append((cpu() - t0) * 1000)
        click_ms[name] = {"median": round(statistics.median(samples), 2), "min": round(min(samples), 2), "max": round(max(samples), 2)}

    from sopkit import survey as sv

    survey = surveys[0]
    items = sv.survey_items(fw, survey)
    builds = {  # builder and its inputs, made once: only the figure and its JSON are timed
        "hierarchy": (figures.hierarchy, analysis.option_items(fw, "themes-5"), analysis.top_level(fw, "themes-5"), "themes-5"),
        "flow": (figures.flow, analysis.flows(fw, 5), analysis.top_level(fw, "atu-7"), analysis.top_level(fw, "themes-5"), 5),
        "status_heatmap": (figures.status_heatmap, analysis.status_table(fw), analysis.top_level(fw, "atu-7")),
        "coverage": (figures.coverage, analysis.theme_coverage(fw, 5), 5),
        "option_balance": (figures.option_balance, *balance(fw)),
        "timeline": (figures.timeline, analysis.timeline(fw)),
        "rank_order": (figures.rank_order, fw.rankings[fw.rankings["survey"] == survey]),
        "landing": (figures.landing, analysis.survey_landing(fw, survey)),
        "weighted_scores": (figures.weighted_scores, sv.weighted_coverage(fw, survey, 0.5)),
        "distribution": (figures.distribution, sv.rank_distribution(sv.synthetic_responses(items, 20, seed=1), items), {}),
    }
    figure_ms: dict[str, dict] = {}
    for name, (builder, *inputs) in builds.items():
        samples = []
        for _ in range(args.clicks):
            t0 = cpu()
            json.loads(builder(*inputs).to_json())
            samples.append((cpu() - t0) * 1000)
        figure_ms[name] = {"median": round(statistics.median(samples), 2), "min": round(min(samples), 2)}

    out = {
        "sopkit_file": sopkit.__file__,
        "python": sys.version.split()[0],
        "plotly_modules_imported": modules,
        "import_s": round(import_s, 3),
        "first_pages_s": round(first_pages_s, 3),
        "click_cpu_ms": click_ms,
        "figure_and_json_cpu_ms": figure_ms,
        "clicks": args.clicks,
        "loadavg_start": load_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
