"""The serving configuration (voila.json) says what the hardening relies on."""

import json
import os

from .conftest import ROOT


def config():
    return json.loads((ROOT / "sopkit" / "serve" / "voila.json").read_text())


def test_sources_stripped_and_tracebacks_hidden():
    c = config()["VoilaConfiguration"]
    assert c["strip_sources"] is True
    assert c["show_tracebacks"] is False


def test_cell_execution_has_a_timeout():
    assert 0 < config()["VoilaExecutor"]["timeout"] <= 120


def test_outputs_are_not_dropped_on_a_busy_machine():
    # Voila waits 4 s by default for a cell's outputs after it finishes; under load that
    # dropped every output of some pages (blank page, no error) in benchmarks/load.py.
    assert config()["VoilaExecutor"]["iopub_timeout"] >= 30


def test_idle_kernels_are_culled():
    km = config()["MappingKernelManager"]
    assert 0 < km["cull_idle_timeout"] <= 3600
    assert 0 < km["cull_interval"] <= km["cull_idle_timeout"]


def test_live_kernels_are_capped_above_the_pool():
    c = config()
    notebooks = len(list((ROOT / "workbooks").glob("*.ipynb")))
    pool = c["VoilaConfiguration"]["default_pool_size"] * notebooks if c["VoilaConfiguration"]["preheat_kernel"] else 0
    cap = c["SopkitVoila"]["max_kernels"]
    assert cap > pool, "the cap must leave room for visitors beyond the preheated pool"


def test_no_file_is_served():
    c = config()["VoilaConfiguration"]
    assert c["file_allowlist"] == []


def test_started_from_another_directory_the_projects_settings_apply(start, tmp_path):
    """The configuration travels with the package: no voila.json in the working directory needed."""
    server = start(None, "--VoilaConfiguration.preheat_kernel=False", cwd=tmp_path)
    status, headers, body = server.get("/")
    assert status == 302 and headers["Location"].endswith("/voila/render/overview.ipynb")
    reply = server.page("/voila/render/overview.ipynb")
    assert reply.status == 200 and "sopkitSentinel" in reply.body  # the project's template
    assert "Stored summary" not in reply.body and "from sopkit.ui" not in reply.body  # summary cells and sources removed
    assert server.page("/voila/files/overview.ipynb").status in (403, 404)  # no files served
    assert "Culling kernels with idle durations > 180 seconds" in server.log_text()  # started with the first kernel


def test_kernels_use_unix_sockets():
    # Many servers on one machine (replicas, tests) each pick TCP ports for their kernels; two
    # picking the same one killed a kernel at start. sopkit.serve.replicas relies on this.
    assert config()["KernelManager"]["transport"] == "ipc"


def test_kernels_are_forked_for_a_meeting_unless_told_not_to():
    from sopkit.serve.app import SopkitVoila

    assert SopkitVoila(meeting=True).forking and not SopkitVoila().forking
    assert not SopkitVoila(meeting=True, fork_kernels=False).forking
    assert SopkitVoila(fork_kernels=True).forking


def test_the_meeting_plan_keeps_an_operators_refill_concurrency():
    # In a container os.cpu_count() is the node's cores, not the pod's CPU limit: a pod sets its own
    # (deploy/kubernetes/deployment.yaml); without it the plan's one refill per core stands.
    from types import SimpleNamespace

    from traitlets.config import Config

    from sopkit.paths import workbooks_dir
    from sopkit.serve.app import SopkitVoila

    def planned(**kernel_manager):
        app = SopkitVoila(config=Config({"MappingKernelManager": kernel_manager}), meeting=True, meeting_memory_mb=1500)
        app.root_dir, app.voila_configuration = str(workbooks_dir()), SimpleNamespace(preheat_kernel=False)
        app._apply_meeting_plan()
        return app.config.MappingKernelManager

    assert planned()["pool_start_concurrency"] == max(1, os.cpu_count() or 1)
    assert planned(pool_start_concurrency=7)["pool_start_concurrency"] == 7
    assert planned(kernel_nice=3)["kernel_nice"] == 3 and planned()["kernel_nice"] == 10
