"""``sopkit-serve --meeting``: a cap and a ready pool sized from the machine (here a pretended
1.5 GB), the landing page's pool the largest."""

from __future__ import annotations

import json
import shutil

from .conftest import BOTH_LAUNCHES, NOTEBOOKS

pytestmark = BOTH_LAUNCHES


def test_meeting_setting_sizes_cap_and_pool_from_memory(start, tmp_path, kernel_launch):
    for name in ("overview.ipynb", "other.ipynb"):
        shutil.copy(NOTEBOOKS / "tiny.ipynb", tmp_path / name)
    server = start(tmp_path, "--meeting", "--SopkitVoila.meeting_memory_mb=1500")
    # classic: (1500 x 0.85 - 250) / 140 = 7 kernels; 6 kept ready (0.9 of the cap): 5 for the landing page, 1 for the other
    # forked: (1500 x 0.85 - 250 - 150) / 70 = 12 kernels; 10 kept ready: 8 and 2
    cap, ready = {"classic": (7, 6), "forked": (12, 10)}[kernel_launch]
    assert json.loads(server.request("GET", "/sopkit/health").body)["cap"] == cap
    server.wait_for(lambda: len(server.kernels()) == ready, 120, f"a pool of {ready} kernels")
    assert f"Meeting setting: cap {cap} kernels ({kernel_launch}), {ready} kept ready" in server.log_text()
    assert server.page("/voila/render/overview.ipynb").status == 200
