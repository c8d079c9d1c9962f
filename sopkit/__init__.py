"""sopkit: the TDAG-WG-SOP framework report (November 2021) as validated data, analysis and workbooks.

Public API::

    fw = sopkit.load_framework()          # -> Framework (one DataFrame per table)
    sopkit.analysis.theme_coverage(fw, 5) # pure pandas analysis
    sopkit.DataError                      # invalid data: file, row, column, message

The widget layer (``sopkit.ui``) and figure builders (``sopkit.figures``) are
imported separately so that loading data needs neither ipywidgets nor plotly.
"""

from . import analysis
from .errors import DataError, Problem
from .model import Framework, default_data_dir, load_framework, validate

__all__ = ["DataError", "Framework", "Problem", "analysis", "default_data_dir", "load_framework", "validate"]
__version__ = "0.1.0"
