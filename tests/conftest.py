"""Shared fixtures for the sopkit test suite.

Every test that breaks data works on a copy of ``data/`` in ``tmp_path``
(``data_copy``); the bundled ``data/`` is never written to, and a session
check fails the run if it changed anyway.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import sopkit

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SOURCE_FILE = DATA_DIR / "source" / "report-zh.txt"

Rows = list[list[str]]


def read_rows(path: Path) -> Rows:
    """All records of a CSV file (header included) as lists of strings."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: Rows, lineterminator: str = "\n") -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator=lineterminator).writerows(rows)


def edit_csv(path: Path, fn: Callable[[Rows], object]) -> Path:
    """Rewrite one CSV: *fn* mutates the list of records in place (``rows[0]`` is the header)."""
    rows = read_rows(path)
    fn(rows)
    write_rows(path, rows)
    return path


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session", autouse=True)
def _bundled_data_untouched():
    """Fail the run if any test wrote to the bundled data folder."""
    before = _digest(DATA_DIR)
    yield
    assert _digest(DATA_DIR) == before, "a test modified /work/main/data: tests must work on data_copy"


@pytest.fixture(autouse=True)
def _no_sopkit_data_env(monkeypatch):
    """Tests start without $SOPKIT_DATA, whatever the shell running pytest has set."""
    monkeypatch.delenv("SOPKIT_DATA", raising=False)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of the bundled data folder; break it freely."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


@pytest.fixture(name="edit_csv")
def edit_csv_fixture():
    """The ``edit_csv(path, fn)`` helper, as a fixture."""
    return edit_csv


@pytest.fixture(scope="session")
def fw() -> sopkit.Framework:
    """The bundled framework, loaded once (tests must not mutate it)."""
    return sopkit.load_framework(DATA_DIR)


@pytest.fixture(scope="session")
def source_text() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")


@pytest.fixture
def run_check(capsys):
    """Run ``sopkit check ARGS...`` in-process; return (exit code, stdout, stderr)."""
    from sopkit.cli import main

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main(["check", *map(str, args)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
