"""Hatchling build hook: bundle the top-level ``data/`` and ``workbooks/*.ipynb`` into the wheel.

They land as ``sopkit/_bundle/data`` and ``sopkit/_bundle/workbooks`` so that an installed
sopkit (``pip install sopkit-*.whl``) has the report's data and the pages it serves. The
top-level folders stay the source of truth; an editable install gets no bundle and reads
the checkout's folders (see ``sopkit/paths.py``).
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "sopkit/_bundle"


def bundled_files(root: Path) -> dict[str, str]:
    """Source path -> path inside the wheel, for every file to bundle."""
    files: dict[str, str] = {}
    for path in sorted((root / "data").rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            files[str(path)] = f"{BUNDLE}/{rel.as_posix()}"
    for path in sorted((root / "workbooks").glob("*.ipynb")):
        files[str(path)] = f"{BUNDLE}/workbooks/{path.name}"
    return files


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        files = bundled_files(Path(self.root))
        if not any(target.endswith("/datapackage.json") for target in files.values()):
            raise RuntimeError(f"no data/datapackage.json under {self.root}: cannot bundle the data")
        build_data["force_include"].update(files)
