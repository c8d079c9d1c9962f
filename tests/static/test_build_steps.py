"""Steps of the static build (scripts/static/build.py) on small inputs made here: which
Pyodide packages ship, that a wheel whose hash differs from the lock's stops the build, the
path fix in the pages, the notebooks without their summary cells. No network, no browser."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from sopkit import runtime

from .conftest import ROOT, load_build_module

build = load_build_module()


def entry(name: str, depends: list[str] = (), version: str = "1.0") -> dict:
    return {"name": name, "version": version, "file_name": f"{name}-{version}-py3-none-any.whl", "depends": list(depends), "sha256": "0" * 64}


OFFICIAL = {
    "info": {"version": build.PYODIDE_VERSION},
    "packages": {
        **{n: entry(n) for n in ["packaging", "openssl", "sqlite3", "parso", "traitlets", "numpy", "pytz", "six", "scipy", "matplotlib"]},
        "micropip": entry("micropip", ["packaging"]),
        "ssl": entry("ssl", ["openssl"]),
        "jedi": entry("jedi", ["parso"]),
        "ipython": entry("ipython", ["traitlets", "sqlite3", "six"]),
        "pandas": entry("pandas", ["numpy", "pytz"]),
        "narwhals": entry("narwhals", version="1.41.0"),
    },
}


def test_the_lock_keeps_what_the_kernel_and_the_pages_need_and_our_wheels_replace_older_ones():
    extra = {"narwhals": entry("narwhals", version="2.29.0"), "sopkit": entry("sopkit", ["pandas", "narwhals"])}
    lock = build.pruned_lock(OFFICIAL, extra)
    assert lock["info"] == OFFICIAL["info"]
    assert "scipy" not in lock["packages"] and "matplotlib" not in lock["packages"]
    assert {"micropip", "sqlite3", "ipython", "pandas", "numpy", "pytz", "sopkit"} <= set(lock["packages"])
    assert not {"ssl", "openssl", "jedi", "parso"} & set(lock["packages"])  # trim_kernel: the kernel no longer loads them
    assert lock["packages"]["narwhals"]["version"] == "2.29.0"  # not Pyodide's older one


def test_a_dependency_missing_from_the_lock_stops_the_build():
    with pytest.raises(build.BuildError, match="not-there"):
        build.pruned_lock(OFFICIAL, {"sopkit": entry("sopkit", ["not-there"])})


def test_a_wheel_whose_hash_differs_from_the_official_lock_stops_the_build(tmp_path):
    wheel = tmp_path / "pandas-2.2.3-cp312-cp312-pyodide_2024_0_wasm32.whl"
    wheel.write_bytes(b"not the official pandas")
    build.verify(wheel, hashlib.sha256(wheel.read_bytes()).hexdigest())  # the same file passes
    with pytest.raises(build.BuildError, match="sha256"):
        build.verify(wheel, hashlib.sha256(b"the official pandas").hexdigest())


def test_a_pure_wheel_gets_a_lock_entry_with_its_import_names_and_hash(tmp_path):
    wheel = tmp_path / "et_xmlfile-2.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("et_xmlfile/__init__.py", "")
        zf.writestr("et_xmlfile-2.0.0.dist-info/METADATA", "Name: et_xmlfile\n")
    made = build.wheel_entry(wheel, "et_xmlfile", "2.0.0", ["Some_Dep"])
    assert made["name"] == "et-xmlfile" and made["imports"] == ["et_xmlfile"] and made["depends"] == ["some-dep"]
    assert made["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()


def test_the_pages_find_pyodide_and_the_piplite_index_at_the_site_root(tmp_path):
    render = tmp_path / "voici" / "render"
    render.mkdir(parents=True)
    (render / "overview.html").write_text(
        '{"pyodideUrl": "./static/pyodide/pyodide.js", "pipliteUrls": ["./extensions/@jupyterlite/pyodide-kernel-extension/static/pypi/all.json"]}'
    )
    assert build.patch_pages(tmp_path) == 1
    text = (render / "overview.html").read_text()
    assert '"../../static/pyodide/pyodide.js"' in text
    assert '"../../extensions/@jupyterlite/pyodide-kernel-extension/static/pypi/all.json"' in text
    assert build.patch_pages(tmp_path) == 0  # already fixed


def test_the_pages_and_only_they_load_python_with_sopkits_loader(tmp_path):
    render = tmp_path / "voici" / "render"
    render.mkdir(parents=True)
    (tmp_path / "static" / "pyodide").mkdir(parents=True)
    config = '{"pyodideUrl": "../../static/pyodide/pyodide.js"}'
    for name in (*build.PAGES, "bare_static"):
        (render / f"{name}.html").write_text(config)
    assert build.use_loader(tmp_path, "/* fflate */") == len(build.PAGES)
    for page in build.PAGES:
        assert '"../../static/pyodide/sopkit-pyodide.js"' in (render / f"{page}.html").read_text()
    assert (render / "bare_static.html").read_text() == config  # the benchmarks' floor: Pyodide's own
    assert (tmp_path / "static" / "pyodide" / "sopkit-pyodide.js").read_bytes() == build.LOADER.read_bytes()
    assert (tmp_path / "static" / "pyodide" / "fflate.js").read_text() == "/* fflate */"
    assert build.use_loader(tmp_path, "/* fflate */") == 0  # already done


def test_the_static_notebooks_have_no_summary_cells_and_no_outputs(tmp_path):
    build.static_notebooks(tmp_path)
    for page in build.PAGES:
        source = json.loads((ROOT / "workbooks" / f"{page}.ipynb").read_text())
        made = json.loads((tmp_path / f"{page}.ipynb").read_text())
        assert any("summary" in c.get("metadata", {}).get("tags", []) for c in source["cells"])
        assert not any("summary" in c.get("metadata", {}).get("tags", []) for c in made["cells"])
        assert any(f"{page}_page(" in "".join(c["source"]) for c in made["cells"])
        assert all(c.get("outputs", []) == [] for c in made["cells"])


def test_outside_the_browser_pages_link_to_notebooks():
    assert runtime.IN_BROWSER is False
    assert runtime.page_href("options") == "options.ipynb"


def test_a_slimmed_wheel_drops_the_files_and_their_record_lines(tmp_path):
    wheel = tmp_path / "plotly-7.1.0-py3-none-any.whl"
    record = "plotly/__init__.py,,\nplotly/package_data/plotly.min.js,,\nplotly/package_data/templates/plotly.json,,\n"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("plotly/__init__.py", "")
        zf.writestr("plotly/package_data/plotly.min.js", "x" * 1000)
        zf.writestr("plotly/package_data/templates/plotly.json", "{}")
        zf.writestr("plotly-7.1.0.dist-info/RECORD", record)
    slim = build.slim_wheel(wheel, ("plotly/package_data/plotly.min.js",), tmp_path / "slim")
    with zipfile.ZipFile(slim) as zf:
        assert sorted(zf.namelist()) == ["plotly-7.1.0.dist-info/RECORD", "plotly/__init__.py", "plotly/package_data/templates/plotly.json"]
        assert "plotly.min.js" not in zf.read("plotly-7.1.0.dist-info/RECORD").decode()


def fake_release(tmp_path, pandas_bytes: bytes):
    """A tarball shaped like an official Pyodide release (pyodide/...), whose lock lists pandas
    with the sha256 of b"pandas wheel"; the file in it holds *pandas_bytes*."""
    import tarfile

    folder = tmp_path / "src" / "pyodide"
    folder.mkdir(parents=True)
    for name in build.CORE_FILES:
        (folder / name).write_bytes(b"core")
    packages = {}
    for name in ["pandas", *build.KERNEL_PACKAGES]:
        made = entry(name)
        body = pandas_bytes if name == "pandas" else name.encode()
        made["sha256"] = hashlib.sha256(b"pandas wheel" if name == "pandas" else body).hexdigest()
        (folder / made["file_name"]).write_bytes(body)
        packages[name] = made
    packages["scipy"] = entry("scipy")  # not needed: not shipped (and not even in the tarball)
    (folder / "pyodide-lock.json").write_text(json.dumps({"info": {"version": build.PYODIDE_VERSION}, "packages": packages}))
    tarball = tmp_path / "pyodide-0.27.7.tar.bz2"
    with tarfile.open(tarball, "w:bz2") as tf:
        tf.add(folder, arcname="pyodide")
    return tarball


def ours(tmp_path):
    wheel = tmp_path / "sopkit-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("sopkit/__init__.py", "")
    return {"sopkit": (wheel, build.wheel_entry(wheel, "sopkit", "0.1.0", ["pandas"]))}


def test_a_release_tarball_gives_the_site_its_pyodide_with_a_pruned_lock(tmp_path):
    core, wheels = build.pyodide_from_release(str(fake_release(tmp_path, b"pandas wheel")), tmp_path / "cache")
    out = tmp_path / "site-pyodide"
    lock = build.assemble_pyodide(core, wheels, ours(tmp_path), out)
    assert set(lock["packages"]) == {"pandas", "sopkit", *build.KERNEL_PACKAGES}
    assert json.loads((out / "pyodide-lock.json").read_text()) == lock
    assert {p.name for p in out.iterdir()} == {*build.CORE_FILES, "pyodide-lock.json", *(e["file_name"] for e in lock["packages"].values())}


def test_a_release_whose_wheel_differs_from_its_lock_is_refused(tmp_path):
    core, wheels = build.pyodide_from_release(str(fake_release(tmp_path, b"something else")), tmp_path / "cache")
    with pytest.raises(build.BuildError, match="pandas-1.0-py3-none-any.whl: sha256"):
        build.assemble_pyodide(core, wheels, ours(tmp_path), tmp_path / "site-pyodide")


def pins(path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, lock dependencies) of a requirements or browser-wheels file."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req, *depends = line.split()
            name, version = req.split("==")
            found[build.canonical(name)] = (version, depends)
    return found


def test_the_chart_widget_and_its_dependencies_ship_as_pure_wheels_matching_the_labextensions():
    static = ROOT / "scripts" / "static"
    browser, tools = pins(static / "browser-wheels.txt"), pins(static / "requirements.txt")
    assert "anywidget" in build.SOPKIT_DEPENDS
    assert set(browser["anywidget"][1]) == {"ipywidgets", "psygnal", "typing-extensions"}
    assert {"psygnal", "typing-extensions"} <= set(browser)
    # the labextensions the site gets from the build environment are those of the browser's wheels
    for name in ("anywidget", "jupyterlab-widgets", "ipywidgets"):
        assert tools[name][0] == browser[name][0], name
    # no jupyterlab-plotly labextension in the site: plotly stays out of the build environment;
    # and out of the browser: sopkit's figures are plotly's JSON made without plotly.py
    assert "plotly" not in tools and "plotly" not in browser and "plotly" not in build.SOPKIT_DEPENDS
    assert "narwhals" not in browser  # plotly's, nobody else's


def test_the_labextension_check_covers_anywidget(monkeypatch, tmp_path):
    import importlib.metadata

    installed = {"anywidget": "0.11.0", "jupyterlab_widgets": "3.0.17"}
    monkeypatch.setattr(importlib.metadata, "version", lambda dist: installed[dist])
    entries = {"anywidget": (tmp_path, {"version": "0.11.0"}), "jupyterlab-widgets": (tmp_path, {"version": "3.0.17"})}
    build.check_labextensions(entries)
    entries["anywidget"] = (tmp_path, {"version": "0.10.0"})
    with pytest.raises(build.BuildError, match="anywidget 0.11.0 in the build environment, 0.10.0 for the browser"):
        build.check_labextensions(entries)


def test_sopkits_plotly_js_is_copied_to_where_the_pages_look_and_left_out_of_the_wheels(tmp_path):
    from sopkit.plotlyjs import LIBRARY_PATH, library_bytes

    assert build.library_path() == LIBRARY_PATH  # what Python in the browser computes
    made = build.ship_plotly_js(tmp_path / "dist")
    assert made == tmp_path / "dist" / LIBRARY_PATH
    assert made.read_bytes() == library_bytes()
    # the browser's wheels go without it (slimmed): the site serves it; the bundle's description stays
    assert build.SOPKIT_PLOTLY_JS in build.SLIM["sopkit"]
    wheel = tmp_path / "sopkit-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name in (build.SOPKIT_PLOTLY_JS, "sopkit/plotly/bundle.json", "sopkit/plotlyjs.py"):
            zf.writestr(name, "x")
        zf.writestr("sopkit-0.1.dist-info/RECORD", f"{build.SOPKIT_PLOTLY_JS},,\nsopkit/plotly/bundle.json,,\n")
    with zipfile.ZipFile(build.slim_wheel(wheel, build.SLIM["sopkit"], tmp_path / "slim")) as zf:
        assert sorted(zf.namelist()) == ["sopkit-0.1.dist-info/RECORD", "sopkit/plotly/bundle.json", "sopkit/plotlyjs.py"]
        assert build.SOPKIT_PLOTLY_JS not in zf.read("sopkit-0.1.dist-info/RECORD").decode()


def test_the_first_views_must_be_made_from_the_files_of_the_browsers_sopkit(tmp_path):
    """The snapshot's figures equal the live page's only if both come from the same sopkit code
    and data: the build compares what first_views.py says it used with sopkit's wheel."""
    files = {"sopkit/figures.py": b"code", "sopkit/plotly-template.json": b"{}", "sopkit/_bundle/data/items.csv": b"a,b\n"}
    wheel = tmp_path / "sopkit-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    made = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    made[build.SOPKIT_PLOTLY_JS] = "0" * 64  # slimmed out of the wheel on purpose: not compared
    assert build.check_made_with(made, wheel) == 3
    with pytest.raises(build.BuildError, match="another sopkit/figures.py"):
        build.check_made_with(made | {"sopkit/figures.py": hashlib.sha256(b"older code").hexdigest()}, wheel)
    with pytest.raises(build.BuildError, match="sopkit/_bundle/data/new.csv, which sopkit's wheel for the browser lacks"):
        build.check_made_with(made | {"sopkit/_bundle/data/new.csv": "0" * 64}, wheel)
    with pytest.raises(build.BuildError, match="do not say"):
        build.check_made_with({}, wheel)


def test_the_first_views_say_what_they_were_made_from():
    import importlib.util

    spec = importlib.util.spec_from_file_location("first_views", ROOT / "scripts" / "static" / "first_views.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.made_with()
    assert {"sopkit/figures.py", "sopkit/plotly-template.json", "sopkit/_bundle/data/datapackage.json"} <= set(made)
    assert not [name for name in made if "__pycache__" in name or name.endswith(".pyc")]
    assert made["sopkit/figures.py"] == hashlib.sha256((ROOT / "sopkit" / "figures.py").read_bytes()).hexdigest()


def test_the_pages_base_url_is_the_site_root_relative_to_the_page(tmp_path):
    render = tmp_path / "voici" / "render"
    render.mkdir(parents=True)
    (render / "options.html").write_text('<script id="jupyter-config-data">{"appName": "x", "baseUrl": "/", "kernelId": ""}</script>')
    assert build.patch_pages(tmp_path) == 1
    assert '"baseUrl": "../../"' in (render / "options.html").read_text()


def fake_site(tmp_path, base_url: str = "../../"):
    """A dist/ with what check_site reads: the four pages' configuration, plotly.js, labextensions."""
    kernel = {"pyodideUrl": "../../static/pyodide/sopkit-pyodide.js", "disablePyPIFallback": True}
    config = {"baseUrl": base_url, "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel}}
    render = tmp_path / "voici" / "render"
    render.mkdir(parents=True)
    for page in build.PAGES:
        (render / f"{page}.html").write_text(f'<script id="jupyter-config-data" type="application/json">{json.dumps(config)}</script>')
    (tmp_path / "sopkit").mkdir()
    (tmp_path / "sopkit" / "plotly-7.1.0.min.js").write_text("/* plotly.js */")
    (tmp_path / "extensions" / "anywidget").mkdir(parents=True)
    (tmp_path / "extensions" / "anywidget" / "package.json").write_text("{}")
    (tmp_path / "static" / "pyodide").mkdir(parents=True)
    (tmp_path / "static" / "pyodide" / "sopkit-pyodide.js").write_text("/* loader */")
    (tmp_path / "static" / "pyodide" / "fflate.js").write_text("/* fflate */")
    return tmp_path


def test_the_site_check_wants_plotly_js_at_the_base_url_and_only_the_labextensions_in_use(tmp_path):
    library = "sopkit/plotly-7.1.0.min.js"
    build.check_site(fake_site(tmp_path / "ok"), library)
    # Voici's own "/" names the host's root: a site under a sub-path would not find plotly.js
    with pytest.raises(build.BuildError, match="baseUrl '/' does not lead to sopkit/plotly-7.1.0.min.js"):
        build.check_site(fake_site(tmp_path / "host-root", "/"), library)
    with pytest.raises(build.BuildError, match="sopkit/plotly-7.1.1.min.js is not in the site"):
        build.check_site(fake_site(tmp_path / "other-version"), "sopkit/plotly-7.1.1.min.js")
    site = fake_site(tmp_path / "mime")
    (site / "extensions" / "jupyterlab-plotly").mkdir()
    with pytest.raises(build.BuildError, match="jupyterlab-plotly"):
        build.check_site(site, library)
    site = fake_site(tmp_path / "no-loader")
    (site / "static" / "pyodide" / "sopkit-pyodide.js").unlink()
    with pytest.raises(build.BuildError, match="sopkit-pyodide.js is not in the site"):
        build.check_site(site, library)
    site = fake_site(tmp_path / "pyodide-own-loader")
    for page in (site / "voici" / "render").glob("*.html"):
        page.write_text(page.read_text().replace("sopkit-pyodide.js", "pyodide.js"))
    with pytest.raises(build.BuildError, match="does not run sopkit's Pyodide loader"):
        build.check_site(site, library)
    site = fake_site(tmp_path / "no-anywidget")
    (site / "extensions" / "anywidget" / "package.json").unlink()
    with pytest.raises(build.BuildError, match="no anywidget labextension"):
        build.check_site(site, library)
