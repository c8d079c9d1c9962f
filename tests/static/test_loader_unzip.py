"""sopkit's Pyodide loader (scripts/static/sopkit-pyodide.js) unpacks the wheels itself: every
file with its bytes and the time the zip gives it (the same in the run that keeps a snapshot and
in the one that restores it). Checked in Node against Python's zipfile, with Node's own
DecompressionStream (the loader's fallback) and, where a build has fetched it, with fflate."""

from __future__ import annotations

import base64
import calendar
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOADER = ROOT / "scripts" / "static" / "sopkit-pyodide.js"
FFLATE = sorted((ROOT / "build" / "static" / "cache").glob("npm-fflate-*/package/umd/index.js"))

UNZIP_JS = """
const fs = require('fs');
const [loader, wheel, fflate] = process.argv.slice(1);
if (fflate) { globalThis.fflate = require(fflate); }
require('vm').runInThisContext(fs.readFileSync(loader, 'utf8'));
globalThis.sopkitPyodide.unzip(fs.readFileSync(wheel)).then((entries) => {
  console.log(JSON.stringify(entries.map((e) => [e.name, Buffer.from(e.data).toString('base64'), e.time])));
});
"""


def made_wheel(path: Path) -> dict[str, tuple[bytes, tuple]]:
    files = {
        "pkg/__init__.py": (b"x = 1\n" * 500, (2024, 3, 9, 14, 30, 58)),
        "pkg/data/table.csv": ("id,名称\n1,议题\n".encode() * 200, (1999, 12, 31, 23, 59, 58)),
        "pkg/_native.so": (bytes(range(256)) * 40, (2021, 11, 1, 0, 0, 0)),
        "pkg/empty.txt": (b"", (2020, 1, 1, 8, 0, 0)),
        "pkg-1.0.dist-info/RECORD": (b"pkg/__init__.py,,\n", (2024, 3, 9, 14, 30, 58)),
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, (data, when) in files.items():
            info = zipfile.ZipInfo(name, when)
            # stored and deflated entries both occur in wheels
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".so") else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
        zf.writestr(zipfile.ZipInfo("pkg/data/", (2024, 1, 1, 0, 0, 0)), b"")  # a folder entry: no file
    return files


@pytest.mark.parametrize("inflater", ["DecompressionStream", "fflate"])
def test_the_loader_unzips_a_wheel_as_pythons_zipfile_does(tmp_path, inflater):
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on this machine")
    if inflater == "fflate" and not FFLATE:
        pytest.skip("fflate is fetched by scripts/build-static.sh")
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    files = made_wheel(wheel)
    args = [node, "-e", UNZIP_JS, str(LOADER), str(wheel)] + ([str(FFLATE[-1])] if inflater == "fflate" else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    got = {name: (base64.b64decode(data), time) for name, data, time in json.loads(out)}
    assert set(got) == set(files)
    for name, (data, when) in files.items():
        assert got[name][0] == data, name
        assert got[name][1] == calendar.timegm((*when, 0, 0, 0)) * 1000, name
