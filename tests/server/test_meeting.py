"""``sopkit-serve --meeting``: a cap and a ready pool sized from the machine (here a pretended
1.5 GB), the landing page's pool the largest."""

from __future__ import annotations

import json
import shutil

from .conftest import NOTEBOOKS


def test_meeting_setting_sizes_cap_and_pool_from_memory(start, tmp_path):
    for name in ("overview.ipynb", "other.ipynb"):
        shutil.copy(NOTEBOOKS / "tiny.ipynb", tmp_path / name)
    server = start(tmp_path, "--meeting", "--SopkitVoila.meeting_memory_mb=1500")
    # 1500 MB: (1500 x 0.85 - 250) / 140 = 7 kernels; 6 kept ready (0.9 of the cap): 5 for the landing page, 1 for the other
    assert json.loads(server.request("GET", "/sopkit/health").body)["cap"] == 7
    server.wait_for(lambda: len(server.kernels()) == 6, 120, "a pool of 6 kernels")
    assert "Meeting setting: cap 7 kernels, 6 kept ready" in server.log_text()
    assert server.page("/voila/render/overview.ipynb").status == 200
