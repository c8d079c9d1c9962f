"""Limits on what a visitor may send: one place for every page and parser."""

MAX_UPLOAD_BYTES = 1_000_000  # an upload (mapping ~30 KB, survey responses); larger files are refused unread
MAX_PROBLEMS = 20  # problems listed for one upload before "... and N more problems"
MAX_QUERY_CHARS = 200  # search text used
