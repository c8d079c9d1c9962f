"""gzip for sopkit-serve's answers, with static files compressed once per process.

Tornado's ``compress_response`` gzips every answer as it is written: a first visit's 9 MB of
Voila's scripts cost the server about 0.23 CPU-s each time (``benchmarks/first_visit_cpu.py``),
the same bytes compressed again for every visitor. Here an answer that carries an ETag (a static
file: its content hash; tornado's own ETag: a hash of the whole body) is kept compressed, by
ETag, and the next answer with that ETag is the kept bytes. Answers without one (the pages,
which differ for every visitor) are compressed as before. Only a whole body is kept: tornado
finishes an answer whose visitor left mid-way (a reload) as if it were complete, so the bytes
that went through are counted against the answer's Content-Length.
"""

from __future__ import annotations

from collections import OrderedDict

from tornado import httputil
from tornado.web import GZipContentEncoding

MAX_CACHED_BYTES = 32 * 2**20  # Voila's and JupyterLab's scripts gzip to about 3 MB


class CachedGzip(GZipContentEncoding):
    """``tornado.web.GZipContentEncoding`` that serves a static file's compressed bytes from memory
    after the first time (least recently used first out, past ``MAX_CACHED_BYTES``)."""

    cache: OrderedDict[str, bytes] = OrderedDict()
    cached_bytes = 0

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        self._get = request.method == "GET"
        self._key: str | None = None
        self._parts: list[bytes] | None = None
        self._expected = -1  # the uncompressed length the answer announced
        self._seen = 0  # the uncompressed bytes that came through
        self._from_cache = False

    def transform_first_chunk(
        self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, httputil.HTTPHeaders, bytes]:
        etag = headers.get("Etag")
        length = headers.get("Content-Length", "")
        if self._gzipping and self._get and status_code == 200 and etag and length.isdigit() and "Content-Encoding" not in headers:
            key = f"{etag}|{headers.get('Content-Type', '')}"
            kept = self.cache.get(key)
            if kept is not None:
                self.cache.move_to_end(key)
                self._from_cache = True
                headers["Vary"] = f"{headers['Vary']}, Accept-Encoding" if "Vary" in headers else "Accept-Encoding"
                headers["Content-Encoding"] = "gzip"
                headers["Content-Length"] = str(len(kept))
                return status_code, headers, kept
            self._key, self._expected = key, int(length)
        # tornado passes the first chunk through transform_chunk, which counts it (were that to
        # change, nothing would be counted whole and nothing kept: slower, never wrong).
        status_code, headers, chunk = super().transform_first_chunk(status_code, headers, chunk, finishing)
        if self._key is not None and self._gzipping:
            self._parts = [chunk]
            if finishing:
                self._keep()
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if self._from_cache:
            return b""  # the whole body went with the first chunk
        self._seen += len(chunk)
        chunk = super().transform_chunk(chunk, finishing)
        if self._parts is not None:
            self._parts.append(chunk)
            if finishing:
                self._keep()
        return chunk

    def _keep(self) -> None:
        body = b"".join(self._parts or [])
        self._parts = None
        cls = type(self)
        if self._key is None or self._seen != self._expected or len(body) > MAX_CACHED_BYTES // 4 or self._key in cls.cache:
            return
        cls.cache[self._key] = body
        cls.cached_bytes += len(body)
        while cls.cached_bytes > MAX_CACHED_BYTES:
            _, dropped = cls.cache.popitem(last=False)
            cls.cached_bytes -= len(dropped)
