"""Bytecode for the static edition (issue 20), made at build time by Pyodide's own Python.

Pyodide's wheels and its standard library ship Python source only: a browser compiles every
module it imports, each visit (4-5 s of a new visitor's start, measured in Node: pandas, IPython,
the standard library). ``bytecode.mjs`` starts the built site's Python in Node, runs this file in
it, and ``build.py`` puts the bytecode in place of the source (``sourceless``).

- ``import_what_pages_use``: what the pages import: the kernel's modules, sopkit's warm-up
  (``sopkit.warm``, as the browser runs it) and every page built in both languages (their
  widgets' messages dropped: no front end here).
- ``compile_imported``: each imported module's source compiled as Python would on import, with
  no column ranges in its line table (``PYTHONNODEBUGRANGES``: a quarter smaller once deflated;
  tracebacks keep their line numbers) and docstrings kept (numpy sets its C functions' docstrings from them).
  Not sopkit's own modules: its wheel stays as the first views were made from (``check_made_with``).

Runs in Pyodide (Python 3.12), not in the build's Python: bytecode is for one Python version.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]

KERNEL_MODULES = ("pyodide_kernel", "ipykernel", "comm", "piplite", "micropip")
# Where a compiled module's source is, by its origin (Pyodide's paths): the standard library's
# zip and the folders wheels are unpacked into (site-packages, or lib/python3.12 for stdlib wheels).
ROOTS = (f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip/", f"/lib/python{sys.version_info[0]}.{sys.version_info[1]}/")
LEFT_AS_SOURCE = ("sopkit",)


def import_what_pages_use(warm: str, pages: list[str]) -> None:
    for name in KERNEL_MODULES:
        importlib.import_module(name)
    exec(warm, {})
    from IPython import get_ipython

    import sopkit.ui as ui
    from sopkit.i18n import LANGUAGES

    # pyodide_kernel's shell, with no kernel to send widgets' messages to
    get_ipython().send_comm = lambda *args, **kwargs: None
    for page in pages:
        for lang in LANGUAGES:
            with contextlib.redirect_stdout(io.StringIO()):
                getattr(ui, f"{page}_page")(lang=lang)


def compiled_modules() -> dict[str, bytes]:
    """``{origin: pyc}`` for every imported module with Python source under ROOTS."""
    found: dict[str, bytes] = {}
    for module in list(sys.modules.values()):
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None) or ""
        if not origin.endswith(".py") or not origin.startswith(ROOTS) or spec.name.split(".")[0] in LEFT_AS_SOURCE:
            continue
        found[origin] = pyc(spec.loader.get_data(origin), origin)
    return found


def pyc(source: bytes, origin: str) -> bytes:
    """*source* compiled as Python's import would, in a ``.pyc`` that is valid without it (a hash
    pyc, unchecked: there is no source beside it to check against)."""
    code = compile(source, origin, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def compile_imported(out: str, warm: str, pages: list[str]) -> int:
    """Import what the *pages* use (*warm*: sopkit's warm-up, as the browser runs it), compile it
    into the zip *out* (entries named by origin, without the leading slash); returns how many
    modules."""
    if any(column is not None for _, _, column, _ in compile("x = 1", "<check>", "exec").co_positions()):
        raise RuntimeError("column ranges are on: start Python with PYTHONNODEBUGRANGES=1")
    import_what_pages_use(warm, pages)
    found = compiled_modules()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for origin in sorted(found):
            zf.writestr(origin.lstrip("/"), found[origin])
    return len(found)
