"""The meeting setting's arithmetic (sopkit.serve.capacity): pure, no server."""

from __future__ import annotations

import pytest

from sopkit.serve import capacity

PAGES = ["coverage.ipynb", "options.ipynb", "overview.ipynb", "rankings.ipynb"]


def test_a_machine_of_24_gb_keeps_most_of_its_cap_ready_most_for_the_landing_page():
    plan = capacity.plan_meeting(24 * 1024, 2, PAGES, "overview.ipynb")
    assert plan.max_kernels == capacity.kernels_that_fit(24 * 1024) > 100
    # The pool gives way to delegates (admission.place): it may fill most of the cap.
    assert 0.8 * plan.max_kernels <= plan.pool_total < plan.max_kernels
    assert plan.pools["overview.ipynb"] >= sum(n for nb, n in plan.pools.items() if nb != "overview.ipynb")
    assert all(n >= 1 for n in plan.pools.values())
    assert plan.start_concurrency == 2


@pytest.mark.parametrize("memory_mb", [0, 300, 600])
def test_a_machine_too_small_for_a_pool_still_serves_one_page(memory_mb):
    plan = capacity.plan_meeting(memory_mb, 1, PAGES, "overview.ipynb")
    assert plan.max_kernels >= 1 and plan.pool_total == 0


def test_memory_divides_into_kernels_after_the_server_and_the_reserve():
    one = capacity.SERVER_MB + capacity.KERNEL_MB
    assert capacity.kernels_that_fit(one / (1 - capacity.RESERVE_SHARE) + 1) == 1
    assert capacity.kernels_that_fit(one / (1 - capacity.RESERVE_SHARE) - 1) == 0


def test_arrivals_past_the_pool_queue_for_the_cores():
    ready = capacity.arrivals_table(50, 2, pool=50, landing_share=1.0)
    assert ready["cpu_s"] == 0 and ready["last_wait_s"] == 0
    rush = capacity.arrivals_table(500, 2, pool=50, landing_share=0.5)
    assert rush["cpu_s"] == pytest.approx(25 * capacity.REUSE_CPU_S + 450 * capacity.KERNEL_CPU_S, abs=0.1)
    assert rush["last_wait_s"] > capacity.arrivals_table(500, 8, pool=50, landing_share=0.5)["last_wait_s"] > 0


def test_the_pool_counts_in_memory_and_its_other_pages_serve_the_landing_page():
    # Issue 24: 100 delegates on the overview, a pool of 70 (35 for the overview).
    plenary = capacity.arrivals_table(100, 2, pool=70, landing_share=0.5)
    assert plenary["reused"] == 35 and plenary["cold"] == 30
    assert plenary["cpu_s"] == pytest.approx(35 * capacity.REUSE_CPU_S + 30 * capacity.KERNEL_CPU_S, abs=0.1)
    assert plenary["kernels"] == 170 and plenary["memory_gb"] > plenary["memory_gb_min"]
    assert plenary["memory_gb_min"] == capacity.arrivals_table(100, 2, pool=0)["memory_gb"]
