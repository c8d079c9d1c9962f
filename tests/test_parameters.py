"""Every workbook starts with a cell tagged ``parameters`` (JupyterLab, papermill) whose values the
page call uses; the analyst guide is in the notebooks nbval runs."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted((ROOT / "workbooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_workbook_starts_with_parameters_the_page_uses(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = cells[0]
    assert first["cell_type"] == "code" and "parameters" in first["metadata"].get("tags", [])
    assert first["outputs"] == []  # nothing to show: Voila hides a cell without outputs (sources are stripped)
    defaults: dict = {}
    exec("".join(first["source"]), {}, defaults)
    assert defaults == {"data": None, "mapping": None, "lang": "en", "view": ""}
    page_call = "".join(cells[2]["source"])  # after the title (a summary cell, removed in Voila)
    assert f"{path.stem}_page(lang=lang, data=data, mapping=mapping, view=view)" in page_call


def test_the_parameters_reach_the_page(tmp_path, data_copy):
    from sopkit.ui import options_page

    mapping = tmp_path / "mine.csv"
    mapping.write_bytes((data_copy / "mapping.csv").read_bytes())
    page = options_page(lang="zh", data=data_copy, mapping=mapping, view="option=themes-5")
    assert (page.lang, page.option.value, page.variant.value) == ("zh", "themes-5", 5)


def test_the_analyst_guide_is_run_by_nbval():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "notebooks" in config["tool"]["pytest"]["ini_options"]["testpaths"]
    assert (ROOT / "notebooks" / "analyst-guide.ipynb").exists()
