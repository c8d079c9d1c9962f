"""sopkit/serve/compression.py: tornado's gzip, with static files compressed once (no server)."""

from __future__ import annotations

import gzip
import os
from collections import OrderedDict

from tornado import httputil

from sopkit.serve import compression


def _transform(cls, method="GET", accept="gzip"):
    start = httputil.RequestStartLine(method, "/x.js", "HTTP/1.1")
    return cls(httputil.HTTPServerRequest(start_line=start, headers=httputil.HTTPHeaders({"Accept-Encoding": accept, "Host": "127.0.0.1"})))


def _answer(cls, body: bytes, *, etag: str | None = '"abc"', status=200, method="GET", accept="gzip", chunk=4096):
    """Send *body* through a fresh transform of *cls* in chunks, as a static handler writes it."""
    transform = _transform(cls, method, accept)
    headers = httputil.HTTPHeaders({"Content-Type": "application/javascript", "Content-Length": str(len(body))})
    if etag:
        headers["Etag"] = etag
    parts = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    status, headers, first = transform.transform_first_chunk(status, headers, parts[0], len(parts) == 1)
    rest = [transform.transform_chunk(p, i == len(parts) - 2) for i, p in enumerate(parts[1:])]
    return headers, first + b"".join(rest)


class Fresh(compression.CachedGzip):
    cache: OrderedDict[str, bytes] = OrderedDict()
    cached_bytes = 0


def test_a_static_file_is_compressed_once_and_then_served_from_memory(monkeypatch):
    body = b"var x = 1;\n" * 5000 + os.urandom(64)
    headers, first = _answer(Fresh, body)
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(first) == body
    assert list(Fresh.cache) == ['"abc"|application/javascript'] and Fresh.cached_bytes == len(first)

    def no_compressing(*_args, **_kwargs):
        raise AssertionError("compressed again")

    monkeypatch.setattr(compression.GZipContentEncoding, "transform_chunk", no_compressing)
    headers, again = _answer(Fresh, body)
    assert again == first and headers["Content-Length"] == str(len(first)) and "Accept-Encoding" in headers["Vary"]


def test_answers_without_an_etag_or_not_plain_gets_are_compressed_each_time_and_not_kept():
    Fresh.cache.clear()
    Fresh.cached_bytes = 0
    body = b"<html>" + b"page " * 2000
    headers, out = _answer(Fresh, body, etag=None)
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(out) == body
    _answer(Fresh, body, status=206)
    _answer(Fresh, body, method="HEAD")
    headers, out = _answer(Fresh, body, accept="identity")
    assert "Content-Encoding" not in headers and out == body
    assert not Fresh.cache


def test_an_answer_cut_short_or_of_unknown_length_is_not_kept():
    # A visitor who reloads mid-way: tornado still finishes the answer (finishing=True) after the
    # bytes written so far. Kept, it would be a broken script for everyone after.
    Fresh.cache.clear()
    Fresh.cached_bytes = 0
    body = os.urandom(20_000)
    transform = _transform(Fresh)
    headers = httputil.HTTPHeaders({"Content-Type": "application/javascript", "Content-Length": str(len(body)), "Etag": '"cut"'})
    transform.transform_first_chunk(200, headers, body[:4096], False)
    transform.transform_chunk(body[4096:8192], False)
    transform.transform_chunk(b"", True)
    assert not Fresh.cache
    transform = _transform(Fresh)
    headers = httputil.HTTPHeaders({"Content-Type": "application/javascript", "Etag": '"unknown"'})
    transform.transform_first_chunk(200, headers, body[:4096], False)
    transform.transform_chunk(body[4096:], True)
    assert not Fresh.cache
    _answer(Fresh, body, etag='"whole"')
    assert list(Fresh.cache) == ['"whole"|application/javascript']


def test_the_cache_stays_under_its_limit_least_recently_used_out(monkeypatch):
    Fresh.cache.clear()
    Fresh.cached_bytes = 0
    monkeypatch.setattr(compression, "MAX_CACHED_BYTES", 40_000)
    files = {f'"{n}"': os.urandom(9_000) for n in range(6)}  # random: gzip cannot shrink them
    for etag, body in files.items():
        _answer(Fresh, body, etag=etag)
        assert Fresh.cached_bytes <= 40_000
    assert [k.split("|")[0] for k in Fresh.cache] == ['"2"', '"3"', '"4"', '"5"']
    assert Fresh.cached_bytes == sum(len(v) for v in Fresh.cache.values())
