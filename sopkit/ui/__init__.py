"""The widget layer: one class per workbook page. Notebooks call these functions.

Only this package imports ipywidgets; analysis and figures stay testable without a kernel.
"""

from .common import ChartView, Page
from .coverage import CoveragePage, coverage_page
from .options import OptionsPage, options_page
from .overview import OverviewPage, overview_page
from .rankings import RankingsPage, rankings_page

__all__ = [
    "ChartView",
    "CoveragePage",
    "OptionsPage",
    "OverviewPage",
    "Page",
    "RankingsPage",
    "coverage_page",
    "options_page",
    "overview_page",
    "rankings_page",
]
