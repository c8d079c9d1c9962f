"""``sopkit-serve``: Voila serving the workbooks with the project's settings (``voila.json``
beside this file) and what Voila lacks: admission with a cap and fair shares, a grace for
slow links, screened kernel websockets, owner-only kernel shutdown, a bilingual page
sentinel, and no asset from another host. See ``app.py`` and the README's serving section."""

from .app import SopkitVoila, main

__all__ = ["SopkitVoila", "main"]
