"""The static build's bytecode step (scripts/static/bytecode.py, build.py's ``sourceless``): the
modules the pages import ship compiled, in place of their source, and import so.

On small zips made here with this machine's Python (the usual test command); on the built site
(marker ``static``): Pyodide's Python 3.12 made the bytecode, and the pages run on it in
tests/static/test_static_site.py."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import sys
import zipfile

import pytest

from .conftest import DIST, ROOT, load_build_module

build = load_build_module()
spec = importlib.util.spec_from_file_location("sopkit_static_bytecode", ROOT / "scripts" / "static" / "bytecode.py")
bytecode = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bytecode)

SITE = "/lib/python3.12/site-packages/"
STDLIB = "/lib/python312.zip/"


def zip_of(path, files: dict[str, str]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def record_of(files: dict[str, str]) -> str:
    return "".join(f"{name},sha256=x,{len(text)}\n" for name, text in files.items()) + "sopfake-1.0.dist-info/RECORD,,\n"


@pytest.fixture
def site(tmp_path):
    """A Pyodide folder: one wheel (sopfake: a package, a module the pages import, one they do
    not), the standard library's zip, the lock; and the bytecode of three of their modules."""
    folder = tmp_path / "pyodide"
    folder.mkdir()
    sources = {
        "sopfake/__init__.py": "from .used import ANSWER\n",
        "sopfake/used.py": '"""Kept: a docstring."""\nANSWER = 42\n',
        "sopfake/unused.py": "raise ImportError('never imported by the pages')\n",
    }
    wheel = zip_of(folder / "sopfake-1.0-py3-none-any.whl", {**sources, "sopfake-1.0.dist-info/RECORD": record_of(sources)})
    stdlib = {"sopstd/__init__.py": "VALUE = 'std'\n", "sopstd/other.py": "OTHER = 1\n"}
    zip_of(folder / build.STDLIB_ZIP, stdlib)
    entry = {"name": "sopfake", "file_name": wheel.name, "install_dir": "site", "sha256": build.sha256(wheel)}
    (folder / "pyodide-lock.json").write_text(json.dumps({"info": {"python": "3.12.7"}, "packages": {"sopfake": entry}}))
    compiled = {SITE + name: bytecode.pyc(sources[name].encode(), SITE + name) for name in ("sopfake/__init__.py", "sopfake/used.py")}
    compiled[STDLIB + "sopstd/__init__.py"] = bytecode.pyc(stdlib["sopstd/__init__.py"].encode(), STDLIB + "sopstd/__init__.py")
    with zipfile.ZipFile(tmp_path / "bytecode.zip", "w") as zf:
        for origin, data in compiled.items():
            zf.writestr(origin.lstrip("/"), data)
    return folder, tmp_path / "bytecode.zip"


def test_bytecode_takes_the_place_of_its_source_in_the_wheels_and_the_standard_library(site):
    folder, compiled = site
    done = build.sourceless(folder, compiled, required=("/sopfake/__init__.py",))
    assert done["modules"] == 3 and done["wheels"] == 1
    wheel = folder / "sopfake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        record = zf.read("sopfake-1.0.dist-info/RECORD").decode()
        pyc = zf.read("sopfake/used.pyc")
    assert names == {"sopfake/__init__.pyc", "sopfake/used.pyc", "sopfake/unused.py", "sopfake-1.0.dist-info/RECORD"}
    # RECORD names the bytecode with its hash and size, and no longer the source it replaced
    digest = base64.urlsafe_b64encode(hashlib.sha256(pyc).digest()).rstrip(b"=").decode()
    assert f"sopfake/used.pyc,sha256={digest},{len(pyc)}" in record.splitlines()
    assert "sopfake/used.py," not in record and "sopfake/unused.py," in record
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert lock["packages"]["sopfake"]["sha256"] == build.sha256(wheel)  # the browser checks it (fetch integrity)
    with zipfile.ZipFile(folder / build.STDLIB_ZIP) as zf:
        assert set(zf.namelist()) == {"sopstd/__init__.pyc", "sopstd/other.py"}


def test_python_imports_the_bytecode_without_its_source_from_a_folder_and_from_a_zip(site, tmp_path, monkeypatch):
    folder, compiled = site
    build.sourceless(folder, compiled, required=())
    unpacked = tmp_path / "site-packages"
    with zipfile.ZipFile(folder / "sopfake-1.0-py3-none-any.whl") as zf:
        zf.extractall(unpacked)  # as the loader unpacks a wheel
    monkeypatch.syspath_prepend(str(folder / build.STDLIB_ZIP))  # Pyodide imports its stdlib from the zip
    monkeypatch.syspath_prepend(str(unpacked))
    for name in ("sopfake", "sopfake.used", "sopstd"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import sopfake  # noqa: F401
    import sopstd

    assert sopfake.ANSWER == 42 and sopstd.VALUE == "std"
    assert sys.modules["sopfake.used"].__file__.endswith("used.pyc")
    assert sys.modules["sopfake.used"].__doc__ == "Kept: a docstring."  # numpy sets C functions' docstrings from them
    assert sopstd.__file__.endswith(".pyc")


def test_bytecode_whose_source_the_site_lacks_stops_the_build(site, tmp_path):
    folder, compiled = site
    with zipfile.ZipFile(compiled, "a") as zf:
        zf.writestr("lib/python3.12/site-packages/elsewhere/mod.py", bytecode.pyc(b"", "mod.py"))
    with pytest.raises(build.BuildError, match="3 found their source"):
        build.sourceless(folder, compiled, required=())


def test_a_site_whose_pages_imports_went_uncompiled_stops_the_build(site):
    folder, compiled = site  # no pandas among them
    with pytest.raises(build.BuildError, match="pandas/__init__.py"):
        build.sourceless(folder, compiled)


@pytest.mark.static
def test_the_site_ships_python_3_12_bytecode_for_what_the_pages_import_and_sopkit_as_made():
    pyodide = DIST / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    for entry in lock["packages"].values():
        assert build.sha256(pyodide / entry["file_name"]) == entry["sha256"], entry["file_name"]
    wheels = {entry["name"]: pyodide / entry["file_name"] for entry in lock["packages"].values()}
    with zipfile.ZipFile(wheels["pandas"]) as zf:
        names = set(zf.namelist())
        magic = zf.read("pandas/__init__.pyc")[:4]
    assert "pandas/__init__.py" not in names and "pandas/core/frame.pyc" in names
    assert "pandas/io/sas/sas7bdat.py" in names  # not imported by the pages: its source stays
    assert int.from_bytes(magic[:2], "little") in range(3531, 3550) and magic[2:] == b"\r\n"  # Python 3.12's
    with zipfile.ZipFile(pyodide / build.STDLIB_ZIP) as zf:
        assert {"json/__init__.pyc", "asyncio/__init__.pyc"} <= set(zf.namelist())
    with zipfile.ZipFile(wheels["sopkit"]) as zf:
        assert not [n for n in zf.namelist() if n.endswith(".pyc")]  # check_made_with: as the first views were made
