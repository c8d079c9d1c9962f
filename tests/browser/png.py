"""A PNG reader for screenshot comparisons (8-bit RGB or RGBA, not interlaced: what chromium
writes), without an imaging library."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode(data: bytes) -> np.ndarray:
    """The pixels of a PNG as an array (height, width, channels)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError("only 8-bit RGB(A), not interlaced")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        if kind == 0:
            current = line
        elif kind == 2:
            current = (line + previous) & 255
        else:  # sub, average, paeth: each byte depends on the one to its left
            current = np.zeros(stride, dtype=np.int32)
            for x in range(stride):
                left = int(current[x - channels]) if x >= channels else 0
                up, up_left = int(previous[x]), int(previous[x - channels]) if x >= channels else 0
                guess = left if kind == 1 else (left + up) >> 1 if kind == 3 else _paeth(left, up, up_left)
                current[x] = (int(line[x]) + guess) & 255
        rows[y] = current
        previous = current
    return rows.reshape(height, width, channels)


def differing_share(a: bytes, b: bytes) -> float:
    """The share of pixels that differ between two PNGs of the same size (0.0: identical)."""
    if a == b:
        return 0.0
    x, y = decode(a), decode(b)
    if x.shape != y.shape:
        return 1.0
    return float((x != y).any(axis=2).mean())
