"""Nothing but the rendered pages leaves the server: no notebook, script or data file."""

import json

import pytest


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from .conftest import NOTEBOOKS, serve

    with serve(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False", tmp_path=tmp_path_factory.mktemp("files")) as s:
        yield s


def test_page_renders_outputs_without_sources(server):
    status, _, body = server.get("/voila/render/tiny.ipynb")
    assert status == 200
    assert "tiny-output-ok" in body  # the output is there...
    assert "source-of-tiny" not in body and "SECRET_SOURCE_MARKER" not in body  # ...its code is not


def test_error_shows_no_traceback(server):
    status, _, body = server.get("/voila/render/error.ipynb")
    assert status == 200
    assert "boom-secret-detail" not in body
    assert "Traceback" not in body and "RuntimeError" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/tiny.ipynb",
        "/voila/files/conftest.py",
        "/voila/files/../conftest.py",
        "/voila/files/%2e%2e/conftest.py",
        "/voila/files/../../../pyproject.toml",
        "/voila/files/../../../data/outcomes.csv",
        "/voila/files/../../../data/datapackage.json",
        "/voila/static/../../../../pyproject.toml",
        "/tiny.ipynb",
        "/data/outcomes.csv",
    ],
)
def test_files_are_not_downloadable(server, path):
    status, _, body = server.get(path)
    assert status != 200, f"{path} was served"
    assert "SECRET_SOURCE_MARKER" not in body and "objective" not in body


def test_contents_api_gives_no_content(server):
    status, _, body = server.get("/voila/api/contents/tiny.ipynb?content=1")
    if status == 200:
        assert json.loads(body)["content"] is None
    assert "SECRET_SOURCE_MARKER" not in body


def test_root_redirects_to_the_overview(server):
    status, headers, _ = server.get("/")
    assert status == 302  # temporary: a browser must not cache it for good
    assert headers["Location"].endswith("/voila/render/overview.ipynb")
