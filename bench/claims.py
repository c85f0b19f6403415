"""Each narrative sentence of the lesson presets (and of the first page), and the seeds it holds on.

    python bench/claims.py [--seeds 10]

The claims are tests/preset_claims.py's (tests/test_presets.py asserts every one on seeds 0..9);
this prints them as a table for a closing note or a teacher: where, the sentence, how many of the
seeds it holds on, and which seeds fail. It also prints the seed_table preset's TL;DR in the
lesson's words beside the lesson's own table, per seed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

from initdash.blas import limit_blas_threads  # noqa: E402
from tests.preset_claims import CLAIMS, LESSON_TABLE, lesson_table, tally  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    args = parser.parse_args()
    limit_blas_threads(1)
    seeds = tuple(range(args.seeds))
    t0 = time.perf_counter()
    print("| where | claim | holds on | failing seeds |\n|---|---|---|---|")
    for claim in CLAIMS:
        failing = tally(claim, seeds)
        held = len(seeds) - len(failing)
        print(f"| {claim.where} | {claim.says} | {held}/{len(seeds)} | {failing or '-'} |")
    print()
    print("seed_table TL;DR in the lesson's words (symmetry broken? / risk? / outcome):")
    cells = Counter()
    for s in seeds:
        table = lesson_table(s)
        for name, row in table.items():
            for i, cell in enumerate(row):
                cells[(name, i, cell == LESSON_TABLE[name][i])] += 1
    for name, row in LESSON_TABLE.items():
        got = " / ".join(
            f"{cell} ({cells[(name, i, True)]}/{len(seeds)})" for i, cell in enumerate(row)
        )
        print(f"  {name:13s} {got}")
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
