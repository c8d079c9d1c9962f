"""The wheel is complete: built from the checkout, installed into a fresh venv outside it,
it validates its bundled data, imports its pages and lists its workbooks.

The fresh venv has no pip and no packages of its own: a ``.pth`` file puts the project
venv's site-packages *after* the new venv's own, so the dependencies (pandas, ipywidgets,
...) are found there while ``sopkit`` itself can only come from the installed wheel (the
project venv holds sopkit as an editable install, whose own ``.pth`` is not read from a
directory added this way). ``python -m venv --system-site-packages`` would not do: a venv
made from a venv sees the base interpreter's packages, not the project venv's.

``installed_python`` (the new venv's interpreter), ``installed_env`` and ``outside`` (a
working directory outside the checkout) are the hooks for further checks of the
installed package, e.g. serving a page from another directory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.wheel


def _run(cmd: list[str | os.PathLike[str]], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from the checkout (without build isolation when hatchling is here: no download)."""
    out = tmp_path_factory.mktemp("dist")
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", out, ROOT])
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("sopkit-*.whl")
    return built


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A working directory with nothing of the checkout in it."""
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def installed_env(outside) -> dict[str, str]:
    """Environment for the installed package: no PYTHONPATH, no $SOPKIT_DATA, cwd-independent."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SOPKIT_DATA", "VIRTUAL_ENV")}
    env["HOME"] = str(outside)
    # Voila's and nbconvert's templates are data files (share/jupyter) that a real install puts
    # in the new venv; here the dependencies come from the project's venv, so do their data files.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return env


@pytest.fixture(scope="module")
def installed_python(wheel, tmp_path_factory, installed_env, outside) -> Path:
    """Python of a fresh venv outside the checkout with the wheel installed (hook for more checks)."""
    root = tmp_path_factory.mktemp("venv") / "v"
    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "zz_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel], cwd=outside, env=installed_env)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


def _python(python: Path, code: str, env: dict[str, str], cwd: Path) -> dict:
    done = _run([python, "-c", code], cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_installed_package_comes_from_the_wheel_with_its_data_and_workbooks(installed_python, installed_env, outside):
    info = _python(
        installed_python,
        """
import json, sopkit, sopkit.paths as p
print(json.dumps({"file": sopkit.__file__, "data": str(p.data_dir()), "workbooks": str(p.workbooks_dir()),
                  "notebooks": sorted(x.name for x in p.workbooks_dir().glob("*.ipynb")),
                  "loaded_from": str(sopkit.load_framework().data_dir)}))
""",
        installed_env,
        outside,
    )
    venv_root = installed_python.parent.parent
    package = Path(info["file"]).parent
    assert package.is_relative_to(venv_root), info["file"]
    assert not package.is_relative_to(ROOT)
    assert Path(info["data"]) == Path(info["loaded_from"]) == package / "_bundle" / "data"
    assert Path(info["workbooks"]) == package / "_bundle" / "workbooks"
    assert info["notebooks"] == sorted(p.name for p in (ROOT / "workbooks").glob("*.ipynb"))
    assert len(info["notebooks"]) == 4
    # The bundle is a copy of the checkout's data/ (source text and datapackage.json included).
    assert _digest(Path(info["data"])) == _digest(ROOT / "data")


def test_sopkit_check_of_the_installed_package(installed_python, installed_env, outside):
    done = _run([installed_python.parent / "sopkit", "check"], cwd=outside, env=installed_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ")
    assert "_bundle" in done.stdout and str(ROOT) not in done.stdout


def test_installed_pages_import_and_build_with_their_messages(installed_python, installed_env, outside):
    info = _python(
        installed_python,
        """
import json, sopkit.ui as ui
from sopkit.i18n import t
pages = {cls.__name__: cls(lang="zh") for cls in (ui.OverviewPage, ui.OptionsPage, ui.CoveragePage, ui.RankingsPage)}
print(json.dumps({"file": ui.__file__, "titles": {k: p.title.value for k, p in pages.items()},
                  "loaded": all(p.fw is not None for p in pages.values()), "zh": t("options.title", "zh")}))
""",
        installed_env,
        outside,
    )
    assert Path(info["file"]).is_relative_to(installed_python.parent.parent)
    assert info["loaded"]
    assert info["titles"]["OptionsPage"].startswith(f"<h1>{info['zh']}</h1>")


def test_sopkit_data_overrides_the_bundle(installed_python, installed_env, outside, data_copy):
    env = {**installed_env, "SOPKIT_DATA": str(data_copy)}
    done = _run([installed_python.parent / "sopkit", "check"], cwd=outside, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK: {data_copy}:")


def test_checkout_reads_its_own_folders_not_a_bundle(monkeypatch):
    import sopkit.paths as paths

    assert paths.checkout_dir() == ROOT
    assert paths.data_dir() == ROOT / "data"  # an analyst's edits show at once
    assert paths.workbooks_dir() == ROOT / "workbooks"
    assert not (ROOT / "sopkit" / "_bundle").exists()  # no stale copy beside the source
    monkeypatch.setenv("SOPKIT_DATA", "/somewhere/else")
    assert paths.data_dir() == Path("/somewhere/else")


def test_installed_server_serves_a_page_from_another_directory(installed_python, installed_env, outside, tmp_path):
    """sopkit-serve from the wheel, started outside the checkout: the bundled workbooks, the
    project's template and settings (summary cells removed), the bundled data."""
    import urllib.request

    from sopkit.serve.local import running

    with running(
        None, ["--VoilaConfiguration.preheat_kernel=False"], python=str(installed_python), cwd=outside, env=installed_env, log=tmp_path / "server.log"
    ) as server:
        with urllib.request.urlopen(server.url + "/voila/render/options.ipynb", timeout=120) as reply:
            body = reply.read().decode("utf-8")
        log = (tmp_path / "server.log").read_text(errors="replace")
    assert "sopkitSentinel" in body, log[-2000:]
    assert "Stored summary" not in body and "voila-error" not in body
    assert "Page view passed its deadline" not in log and "Traceback" not in log, log[-3000:]
