"""How long a proposal's token is (sopkit.proposal), for mappings a delegate makes: k what-if
moves on one variant, every item moved on both, and uploaded files. Prints a table; no server.

    .venv/bin/python benchmarks/token_lengths.py
"""

from __future__ import annotations

import random
import statistics

from sopkit import proposal
from sopkit.model import load_framework
from sopkit.whatif import WhatIf


def moved(fw, k: int, rng: random.Random, variants=(4,)) -> WhatIf:
    wi = WhatIf(fw)
    outcomes = list(fw.outcomes["id"]) + list(fw.outputs["id"])
    for v in variants:
        wi.variant = v
        for item in rng.sample(outcomes, min(k, len(outcomes))):
            wi.move(item, rng.choice([t for t in wi.targets if t != wi.theme_of(item)]))
    return wi


def main() -> None:
    fw = load_framework()
    rng = random.Random(19)
    print(f"{'mapping':<34} {'token chars: min / median / max (samples)':>44}")
    for label, k, variants, samples in (
        ("1 move", 1, (4,), 200),
        ("3 moves", 3, (4,), 200),
        ("8 moves", 8, (4,), 100),
        ("10 moves", 10, (4,), 50),
        ("every item, 4 priorities", 999, (4,), 10),
        ("every item, 4 and 5 priorities", 999, (4, 5), 10),
    ):
        lengths = [len(moved(fw, k, rng, variants).token) for _ in range(samples)]
        print(f"{label:<34} {min(lengths):>14} / {statistics.median(lengths):>6.0f} / {max(lengths):>5} ({samples})")
    items = len(proposal.item_order(fw))
    print(f"longest possible: {1 + 4 + 3 + len(fw.variants) * (3 + items)} characters ({items} items, dense form on both variants)")


if __name__ == "__main__":
    main()
