"""Survey responses: validate an upload, aggregate the rankings, weight coverage by priority.

Pure pandas, no widgets, no file or network access: bytes or DataFrames in,
DataFrames out. One module per job:

* ``responses``: an uploaded CSV of answers -> the tidy responses frame
  (``parse_responses``), the ``UploadedResponses`` model the rankings page
  holds, and clearly synthetic answers for tests and demos;
* ``voting``: the published order and the aggregation of responses (mean rank,
  Borda, first choice, Copeland) compared with it;
* ``weighting``: priority-weighted coverage of each option (derived).

The report's survey survives only as a rank ORDER (``data/rankings.csv``); no
counts, no respondents. Nothing here ships or invents responses. The methods,
their rules for partial rankings and why no voting library is used are in
``docs/survey-methods.md``.
"""

from ..limits import MAX_PROBLEMS
from ..limits import MAX_UPLOAD_BYTES as DEFAULT_MAX_BYTES
from .responses import COLUMNS, UploadedResponses, parse_responses, synthetic_responses
from .voting import METHODS, aggregate, compare_published, matches_published, published_order, rank_distribution, survey_items
from .weighting import FIT_VALUES, rank_weights, weighted_contributions, weighted_coverage

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_BYTES",
    "FIT_VALUES",
    "MAX_PROBLEMS",
    "METHODS",
    "UploadedResponses",
    "aggregate",
    "compare_published",
    "matches_published",
    "parse_responses",
    "published_order",
    "rank_distribution",
    "rank_weights",
    "survey_items",
    "synthetic_responses",
    "weighted_contributions",
    "weighted_coverage",
]
