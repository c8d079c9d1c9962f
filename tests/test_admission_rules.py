"""The admission and pool rules of sopkit-serve (sopkit.serve.admission): pure, no server.

The cap is for delegates; the ready pool is a cache inside it that gives way (issue 24)."""

from __future__ import annotations

import pytest

from sopkit.serve.admission import Kernels, Limits, Load, Placement, Verdict, decide, may_refill, place

CAP = 141


def test_a_delegate_is_refused_only_when_delegates_fill_the_cap():
    # 71 delegates and a full pool of 70: the 72nd is served (the issue: it was turned away).
    assert place(CAP, Kernels(in_use=71, pooled=60, starting=10, here=0, elsewhere=60)) is Placement.REUSE
    assert place(CAP, Kernels(in_use=140, pooled=1, starting=0, here=1)) is Placement.POOL
    assert place(CAP, Kernels(in_use=141, pooled=0, starting=0)) is Placement.REFUSE
    # The cap counts delegates only at the door, too.
    limits = Limits.from_settings(CAP, -1, 6)
    assert decide(Load(kernels=71, browser_kernels=0, address_kernels=71), limits) is Verdict.ADMIT
    assert decide(Load(kernels=141, browser_kernels=0, address_kernels=141), limits) is Verdict.BUSY


def test_the_pages_own_pooled_kernel_first_then_another_pages_then_a_new_one():
    assert place(CAP, Kernels(10, 20, 0, here=5, elsewhere=15)) is Placement.POOL
    assert place(CAP, Kernels(10, 20, 0, here=0, elsewhere=20)) is Placement.REUSE
    assert place(CAP, Kernels(10, 0, 2, here=0, elsewhere=0)) is Placement.COLD
    # The page's pool kernel still starting: re-use an idle one of another page rather than wait...
    assert place(CAP, Kernels(10, 3, 1, here=0, elsewhere=3, starting_here=1)) is Placement.REUSE
    # ... and wait for it rather than start another, when there is none.
    assert place(CAP, Kernels(10, 0, 1, here=0, elsewhere=0, starting_here=1)) is Placement.POOL
    assert place(0, Kernels(500, 0, 0)) is Placement.COLD  # no cap


def test_at_the_cap_the_pool_shrinks_or_a_start_is_awaited():
    # Re-use off: an idle pooled kernel of another page is shut down to make room.
    assert place(6, Kernels(in_use=3, pooled=3, starting=0, elsewhere=3), reuse=False) is Placement.SHRINK
    # With room left, a new kernel rather than shutting one down.
    assert place(6, Kernels(in_use=3, pooled=2, starting=0, elsewhere=2), reuse=False) is Placement.COLD
    # The room is held by pool kernels still starting: wait for one (then re-use it).
    assert place(6, Kernels(in_use=4, pooled=0, starting=2)) is Placement.WAIT


def test_refills_wait_for_the_visitors_being_served_and_for_room():
    assert may_refill(CAP, Kernels(10, 60, 2), views_being_served=0)
    assert not may_refill(CAP, Kernels(10, 60, 2), views_being_served=1)  # serve arriving delegates first
    assert not may_refill(6, Kernels(in_use=6, pooled=0, starting=0), 0)
    assert not may_refill(6, Kernels(in_use=4, pooled=1, starting=1), 0)  # no room: the pool's target shrinks
    assert may_refill(6, Kernels(in_use=4, pooled=1, starting=0), 0)
    assert may_refill(0, Kernels(1000, 0, 0), 0)


@pytest.mark.parametrize("delegates", range(0, 9))
def test_one_page_served_at_cap_6_with_a_pool_of_3(delegates):
    """Walk the rules: a pool of 3 for one page, cap 6, delegates arriving one after another,
    refills between them wherever the rules allow. All 6 are served, the 7th refused."""
    cap, in_use, pooled, starting = 6, 0, 3, 0
    served = 0
    for _ in range(delegates):
        step = place(cap, Kernels(in_use, pooled, starting, here=pooled))
        if step is Placement.REFUSE:
            break
        assert step in (Placement.POOL, Placement.COLD)
        pooled -= step is Placement.POOL
        in_use += 1
        served += 1
        while pooled < 3 and may_refill(cap, Kernels(in_use, pooled, starting), 0):
            pooled += 1
        assert in_use + pooled + starting <= cap
    assert served == min(delegates, 6)
