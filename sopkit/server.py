"""``sopkit-serve``: Voila serving the workbooks, opening on the overview page.

A thin subclass of Voila's application: the configuration (``voila.json`` in the
directory it is started from) stays Voila's own; this only adds the handlers
Voila lacks.
"""

from __future__ import annotations

import sys

from jupyter_server.utils import url_path_join
from tornado import web
from voila.app import Voila

LANDING_PAGE = "overview.ipynb"


class SopkitVoila(Voila):
    name = "sopkit-serve"
    description = "Serve the sopkit workbooks (Voila), opening on the overview page."

    def init_handlers(self) -> list:
        handlers = super().init_handlers()
        if self.notebook_path:
            return handlers
        landing = url_path_join(self.server_url, "voila/render", LANDING_PAGE)
        # First match wins in tornado: the redirect must precede Voila's tree page at "/".
        return [(self.server_url, web.RedirectHandler, {"url": landing})] + handlers


def main(argv: list[str] | None = None) -> None:
    SopkitVoila.launch_instance(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
