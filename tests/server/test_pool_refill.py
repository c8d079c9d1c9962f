"""A pooled kernel that fails to start is replaced (sopkit.serve.kernels.PageKernels), on a
stand-in for Voila's pool: Voila keeps the failed entry, hands it to a visitor (who falls back
to a new kernel) and never refills for it, so the pool stays one short for good."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from sopkit.serve import kernels
from sopkit.serve.kernels import PageKernels


def run(coro):
    # A fresh loop in its own thread: a browser test may have left this thread's loop running.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class VoilaLikePool:
    """What PageKernels uses of Voila's pooled kernel manager: starts fail while ``failing``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pools: dict[str, list] = {}
        self.failing = 0
        self.started = 0
        self.fills: list[str] = []
        self._kernels: dict = {}  # jupyter_client's kernels by id (none here: nothing to watch)

    def list_kernel_ids(self):
        return []

    async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
        await asyncio.sleep(0)
        if self.failing:
            self.failing -= 1
            raise RuntimeError("Address already in use")
        self.started += 1
        rendered = asyncio.get_running_loop().create_future()
        rendered.set_result(([], None))  # Voila's render task: the notebook has run
        return {"kernel_id": f"k{self.started}", "task": rendered}

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
        self.fills.append(notebook_name)
        pool = self._pools.setdefault(notebook_name, [])
        while len(pool) < 1:
            pool.append(asyncio.get_running_loop().create_task(self._initialize(notebook_name)))

    async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
        content = await self._pools[notebook_name].pop(0)
        self.fill_if_needed(notebook_name=notebook_name)  # Voila refills only after a success
        return None, [], content["kernel_id"]


class Manager(PageKernels, VoilaLikePool):
    pass


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(kernels, "POOL_RETRY_S", 0.01, raising=False)


def test_a_failed_pool_start_leaves_the_pool_and_another_kernel_starts():
    async def scenario():
        km = Manager()
        km.failing = 1
        km.fill_if_needed(notebook_name="options.ipynb")
        failed = km._pools["options.ipynb"][0]
        await asyncio.wait([failed])
        assert failed not in km._pools["options.ipynb"], "a visitor would be handed the failed start"
        await asyncio.sleep(0.1)  # the retry, 0.01 s later
        pool = km._pools["options.ipynb"]
        assert len(pool) == 1 and (await pool[0])["kernel_id"] == "k1"
        assert km._pool_failures == {} and km.pending_starts == 0

    run(scenario())


def test_failures_in_a_row_back_off_and_a_success_resets_the_count():
    async def scenario():
        km = Manager()
        km.failing = 3
        km.fill_if_needed(notebook_name="overview.ipynb")
        await asyncio.sleep(0.03)  # first failure, retried after 0.01 s; second failure, next after 0.02 s
        assert km._pool_failures["overview.ipynb"] >= 2
        await asyncio.sleep(0.3)  # third failure after 0.04 s more, then a kernel
        assert km.started == 1 and km._pool_failures == {}
        assert (await km._pools["overview.ipynb"][0])["kernel_id"] == "k1"

    run(scenario())


def test_a_failed_entry_handed_to_a_visitor_is_refilled():
    async def scenario():
        km = Manager()
        loop = asyncio.get_running_loop()

        async def failed():
            raise RuntimeError("died at start")

        km._pools["coverage.ipynb"] = [loop.create_task(failed())]  # an entry that failed before the fix could act
        with pytest.raises(RuntimeError):
            await km.get_rendered_notebook("coverage.ipynb")
        assert km.fills == ["coverage.ipynb"]
        assert (await km._pools["coverage.ipynb"][0])["kernel_id"] == "k1"

    run(scenario())
