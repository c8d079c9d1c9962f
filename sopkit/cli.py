"""Command line: ``sopkit check [DATA_DIR] [--mapping FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import rules
from .errors import DataError
from .model import default_data_dir, validate


def _check(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    try:
        tables, rows, problems = validate(data_dir, mapping=args.mapping)
    except DataError as exc:  # the package description itself is unreadable
        problems, rows = exc.problems, {}
    mapping = Path(args.mapping) if args.mapping else data_dir / "mapping.csv"
    if problems:
        for p in problems:
            print(p)
        print(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {data_dir} (mapping checked: {mapping})", file=sys.stderr)
        return 1
    total = sum(len(r) for r in rows.values())
    homeless = {v: items for v, items in rules.unmapped_items(rows, rows["mapping"]).items() if items}
    where = "every item has a home" if not homeless else "some items have no home (below)"
    print(f"OK: {data_dir}: {len(rows)} tables, {total} rows, valid; mapping checked: {mapping} ({where})")
    # Not an error (a partial mapping is a legitimate draft), but say what it leaves out.
    for variant, items in homeless.items():
        print(f"{mapping.name}: {len(items)} item{'s' if len(items) > 1 else ''} without a home with {variant} priorities: {', '.join(items)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sopkit", description="Tools for the TDAG-WG-SOP framework data.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate a data folder; one line per problem (file:row: column: what is wrong)")
    check.add_argument("data_dir", nargs="?", help="folder with datapackage.json (default: $SOPKIT_DATA or the bundled data/)")
    check.add_argument("--mapping", help="validate this CSV in place of mapping.csv (e.g. an edited mapping)")
    check.set_defaults(run=_check)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a last guard: users of the CLI never see a traceback
        print(f"sopkit: unexpected error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
