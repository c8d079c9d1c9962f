#!/usr/bin/env python
"""Where a forked kernel's own memory (USS) goes, step by step, and in which mappings.

    .venv/bin/python benchmarks/fork_probe.py [--out FILE.json]

No server: this process becomes a kernel template (``sopkit.kernel_template.prepare()``), then
forks one child that becomes a kernel the way the template's children do, measuring its own
``/proc/self/smaps`` after each step of ``IPKernelApp.initialize`` (``--plain``: without
the template's shortcuts for the command line and the kernel's module list). Each mapping's private memory
(Private_Clean + Private_Dirty: what USS sums) is put in one of: ``inherited`` anonymous
mappings (the template's heap and pymalloc arenas: pages copied on write, or the template's free
space used), ``new`` anonymous mappings (made after the fork: new arenas, malloc's thread arenas,
thread stacks), ``[heap]`` (brk), ``[stack]``, ``files`` (.so data and the rest). The kernel
binds ipc sockets in a temporary folder and is never connected; it ends after the last step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def mappings(pid: int | str = "self") -> list[dict]:
    out, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 1)[0]
            if "-" in head and not head.endswith(":"):
                parts = line.split()
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                cur = {"lo": lo, "hi": hi, "name": parts[5] if len(parts) > 5 else "", "private": 0, "rss": 0}
                out.append(cur)
            elif head in ("Private_Clean:", "Private_Dirty:"):
                cur["private"] += int(line.split()[1]) * 1024
            elif head == "Rss:":
                cur["rss"] += int(line.split()[1]) * 1024
    return out


def by_kind(maps: list[dict], inherited: set[tuple[int, int]]) -> dict:
    kinds: dict[str, int] = {}
    for m in maps:
        name = m["name"]
        if name == "":
            inside = any(lo <= m["lo"] and m["hi"] <= hi for lo, hi in inherited)
            kind = "inherited anon" if inside else "new anon"
        elif name in ("[heap]", "[stack]"):
            kind = name
        elif name.startswith("["):
            kind = "other"
        else:
            kind = "files"
        kinds[kind] = kinds.get(kind, 0) + m["private"]
    kinds["uss"] = sum(m["private"] for m in maps)
    return {k: round(v / 2**20, 2) for k, v in sorted(kinds.items())}


def child(conn_file: str, report: str, template_maps: set[tuple[int, int]], plain: bool) -> None:
    import contextlib

    from sopkit import kernel_template as kt

    steps = {}

    def step(name: str) -> None:
        steps[name] = by_kind(mappings(), template_maps)

    step("forked")
    kt._reset_in_child()
    sys.argv = ["ipykernel_launcher", "-f", conn_file]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.init_poller = lambda: None
    if not plain:  # as the template's kernels (kernel_template._run_kernel)
        kt._parse_connection_file_only(app)
    step("app instance")
    # IPKernelApp.initialize, one step at a time (as ipykernel 7.x spells it)
    from IPython.core.application import BaseIPythonApplication

    BaseIPythonApplication.initialize(app, sys.argv[1:])
    step("command line, config, profile")
    app.init_pdb()
    app.init_blackhole()
    app.init_connection_file()
    app.init_sockets()
    step("zmq context, sockets, iopub thread")
    app.init_heartbeat()
    app.write_connection_file()
    app.init_io()
    app.init_signal()
    step("heartbeat, io")
    with contextlib.nullcontext() if plain else kt._kernel_init_sys():
        app.init_kernel()
    step("kernel, shell, control and shell threads")
    app.init_path()
    app.init_shell()
    app.init_gui_pylab()
    app.init_extensions()
    app.init_code()
    step("shell's init (extensions, code)")
    import ipywidgets

    ipywidgets.register_comm_target()
    step("comm targets")
    import gc

    steps["gc"] = {"counts": gc.get_count(), "frozen": gc.get_freeze_count()}
    with open(report, "w") as f:
        json.dump(steps, f)
    os._exit(0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--children", type=int, default=1)
    ap.add_argument("--plain", action="store_true", help="the kernel made as ipykernel_launcher makes it (kernel_template's shortcuts off)")
    args = ap.parse_args()
    from jupyter_client.connect import write_connection_file

    from sopkit import kernel_template as kt

    folder = tempfile.mkdtemp(prefix="sopkit-fork-probe-")
    os.chdir(ROOT / "workbooks")
    kt.prepare()
    template_maps = {(m["lo"], m["hi"]) for m in mappings() if m["name"] == ""}
    template = by_kind(mappings(), set(template_maps))
    results = []
    for i in range(args.children):
        conn, _ = write_connection_file(os.path.join(folder, f"k{i}.json"), transport="ipc", ip=os.path.join(folder, f"k{i}"))
        report = os.path.join(folder, f"r{i}.json")
        pid = os.fork()
        if pid == 0:
            try:
                child(conn, report, template_maps, args.plain)
            finally:
                os._exit(1)
        os.waitpid(pid, 0)
        results.append(json.load(open(report)))
    out = {"template": template, "children": results, "loadavg": os.getloadavg()}
    for name, kinds in results[-1].items():
        print(f"{name:45s} {kinds}")
    print("template", template, "load", os.getloadavg())
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
