#!/usr/bin/env python
"""A kernel's own memory: forked from the template (``SopkitVoila.fork_kernels``) or started
the classic way, same run.

    .venv/bin/python benchmarks/kernel_memory.py [--kernels 6] [--pages overview,options,coverage,rankings] [--out FILE.json]

No server, no browser: per launch (``classic``: a new Python, jupyter_client's local provisioner;
``forked``: ``sopkit.serve.forking.ForkProvisioner``), ``--kernels`` kernels are started one
after the other and kept alive, round-robin over the pages; each runs its page's cells as Voila
does (tagged ``summary`` cells removed), then what the page's front end asks first: the widget
control comm and ``request_states`` (every widget's state, serialised). Then, with all of them
alive, RSS, USS (memory only that kernel uses) and PSS (its share of what it shares) of each,
and of the template (forked). Also per kernel: ``start_s`` (launch to ``kernel_info`` answered),
``page_s`` (the cells and the states), ``refill_s`` = both (what a pool refill takes),
``cpu_s`` (the kernel's CPU seconds for it all), ``ready_uss_mb`` (its USS once it answered,
before its page: what a kernel costs before any page) and, forked, ``imported_after_fork`` (the
modules it imported itself, not shared with the template). The load average is recorded with each launch:
the times are only comparable within a run.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

ROOT = Path(__file__).resolve().parents[1]
IPC_DIR = tempfile.mkdtemp(prefix="sopkit-kernel-memory-")
sys.path.insert(0, str(ROOT))

from sopkit.serve import forking  # noqa: E402


def cells(page: str) -> list[str]:
    nb = json.loads((ROOT / "workbooks" / f"{page}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code" and "summary" not in c.get("metadata", {}).get("tags", [])]


def mb(n: int) -> float:
    return round(n / 2**20, 1)


def memory(pid: int) -> dict:
    full = psutil.Process(pid).memory_full_info()
    return {"rss_mb": mb(full.rss), "uss_mb": mb(full.uss), "pss_mb": mb(full.pss)}


def cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


async def shell_reply(kc, msg_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        reply = await kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


async def run(kc, code: str) -> None:
    reply = await shell_reply(kc, kc.execute(code, store_history=False))
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code[:60]!r}: {reply['content'].get('ename')} {reply['content'].get('evalue')}")


async def widget_states(kc, timeout: float = 60) -> int:
    """What the page's front end asks first: the control comm, every widget's state."""
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(
        kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}}, metadata={"version": "1.0.0"})
    )
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = await kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        content = msg["content"]
        if msg["header"]["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id and content["data"].get("method") == "update_states":
            return len(content["data"]["states"])
    raise RuntimeError("no widget states")


async def imported_after_fork(kc) -> list[str]:
    """The modules a forked kernel imported itself (not the template): each costs it memory of its
    own; the ones every page needs belong in ``sopkit.warm.PAGE_MODULES``."""
    expr = "sorted(set(__import__('sys').modules) - __import__('sopkit.kernel_template').kernel_template.PRELOADED)"
    reply = await shell_reply(kc, kc.execute("", silent=True, user_expressions={"m": expr}))
    value = reply["content"]["user_expressions"]["m"]
    return ast.literal_eval(value["data"]["text/plain"]) if value.get("status") == "ok" else [value.get("evalue", "?")]


async def one_kernel(launch: str, page: str) -> tuple[AsyncKernelManager, object, dict]:
    # ipc as the server (voila.json), its socket paths absolute (the kernel runs in workbooks/)
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(IPC_DIR, "kernel"))
    cls = forking.ForkProvisioner if launch == "forked" else LocalProvisioner
    km.kernel_id = str(uuid.uuid4())
    km.provisioner = cls(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    env = {k: v for k, v in os.environ.items() if k != "SOPKIT_DATA"} | {"VOILA_KERNEL_ID": km.kernel_id}
    t0 = time.monotonic()
    await km.start_kernel(cwd=str(ROOT / "workbooks"), env=env)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    started = time.monotonic()
    pid = km.provisioner.process.pid
    ready_uss = mb(psutil.Process(pid).memory_full_info().uss)  # the kernel alone, before its page
    for source in cells(page):
        await run(kc, source)
    widgets = await widget_states(kc)
    done = time.monotonic()
    imported = await imported_after_fork(kc) if launch == "forked" else None
    return (
        km,
        kc,
        {
            "launch": launch,
            "page": page,
            "forked": bool(getattr(km.provisioner, "forked", False)),
            "pid": pid,
            "start_s": round(started - t0, 3),
            "page_s": round(done - started, 3),
            "refill_s": round(done - t0, 3),
            "cpu_s": round(cpu(pid), 3),
            "ready_uss_mb": ready_uss,
            "widgets": widgets,
            "imported_after_fork": imported,
        },
    )


async def measure(launch: str, pages: list[str], n: int) -> dict:
    kernels = []
    load = [round(x, 2) for x in os.getloadavg()]
    try:
        if launch == "forked":
            tpl = forking.template()
            t0 = time.monotonic()
            await tpl.ready()
            template_start_s = round(time.monotonic() - t0, 2)
        for i in range(n):
            kernels.append(await one_kernel(launch, pages[i % len(pages)]))
        await asyncio.sleep(2)  # the last replies sent, the kernels idle
        samples = []
        for _, _, rec in kernels:
            rec.update(memory(rec["pid"]))
            samples.append(rec)
        result = {"launch": launch, "loadavg_start": load, "loadavg_end": [round(x, 2) for x in os.getloadavg()], "samples": samples}
        if launch == "forked":
            result["template"] = {"pid": tpl.process.pid, "start_s": template_start_s, **memory(tpl.process.pid)}
        return result
    finally:
        for km, kc, _ in kernels:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        if launch == "forked":
            forking.template().stop()
            forking._template = None


def median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else round((values[mid - 1] + values[mid]) / 2, 3)


def summary(result: dict) -> dict:
    keys = ("rss_mb", "uss_mb", "pss_mb", "ready_uss_mb", "start_s", "page_s", "refill_s", "cpu_s")
    s = result["samples"]
    return {k: {"median": median([x[k] for x in s]), "max": max(x[k] for x in s)} for k in keys} | {
        "n": len(s),
        "forked": sum(x["forked"] for x in s),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", type=int, default=6)
    ap.add_argument("--pages", default="overview,options,coverage,rankings")
    ap.add_argument("--launches", default="classic,forked")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    pages = args.pages.split(",")
    runs = []
    for launch in args.launches.split(","):
        result = asyncio.run(measure(launch, pages, args.kernels))
        result["summary"] = summary(result)
        print(
            launch,
            json.dumps(result["summary"]),
            "template" in result and json.dumps(result["template"]) or "",
            "load",
            result["loadavg_start"],
            flush=True,
        )
        runs.append(result)
    out = {"kernels": args.kernels, "pages": pages, "cores": os.cpu_count(), "python": sys.version.split()[0], "runs": runs}
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
