"""sopkit: the TDAG-WG-SOP framework report (November 2021) as validated data, analysis and workbooks.

Public API::

    fw = sopkit.load_framework()          # -> Framework (one DataFrame per table)
    fw.option("themes-4")                 # -> Option record (options.csv); fw.option_ids, fw.variants
    sopkit.analysis.theme_coverage(fw, 5) # pure pandas analysis
    sopkit.analysis.compare_mappings(fw, fw2, 4)  # two mappings of the same items: moves, counts
    sopkit.DataError                      # invalid data: file, row, column, message
    sopkit.paths.data_dir()               # $SOPKIT_DATA, else the checkout's data/, else the wheel's copy
    sopkit.whatif.WhatIf(fw, 4)           # the what-if mapping (edits of the project's mapping)

The widget layer (``sopkit.ui``) and figure builders (``sopkit.figures``) are
imported separately so that loading data needs neither ipywidgets nor plotly.
"""

from . import analysis, paths
from .errors import DataError, Problem
from .model import Framework, default_data_dir, load_framework, validate
from .option import Option

__all__ = ["DataError", "Framework", "Option", "Problem", "analysis", "default_data_dir", "load_framework", "paths", "validate"]
__version__ = "0.1.0"
