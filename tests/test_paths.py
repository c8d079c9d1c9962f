"""sopkit.paths.fingerprint: what the preloaded framework and the first view's cache key rest on."""

from __future__ import annotations

import os
from pathlib import Path

from sopkit import paths


def test_a_changed_byte_a_new_file_or_a_touch_changes_the_fingerprint(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.csv").write_text("id\n1\n")
    (tmp_path / "sub" / "b.csv").write_text("id\n2\n")
    first, stats = paths.fingerprint(tmp_path), paths.fingerprint(tmp_path, read=False)
    assert paths.fingerprint(tmp_path) == first  # stable
    (tmp_path / "sub" / "b.csv").write_text("id\n3\n")  # same size, other bytes
    assert paths.fingerprint(tmp_path) != first
    os.utime(tmp_path / "a.csv", ns=(1, 1))
    assert paths.fingerprint(tmp_path, read=False) != stats
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"\0")  # left out
    before = paths.fingerprint(tmp_path)
    assert paths.fingerprint(tmp_path) == before
    (tmp_path / "c.csv").write_text("")
    assert paths.fingerprint(tmp_path) != before


def test_the_bytes_are_read_once_while_the_files_are_unchanged(tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_text("id\n1\n")
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real(self))
    paths.fingerprint(tmp_path)
    paths.fingerprint(tmp_path)
    assert reads == ["a.csv"]
    (tmp_path / "a.csv").write_text("id\n22\n")
    paths.fingerprint(tmp_path)
    assert reads == ["a.csv", "a.csv"]
