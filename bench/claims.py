"""Each narrative sentence of the lesson presets (and of the first page), and the seeds it holds on.

    python bench/claims.py [--seeds 10] [--jobs 2] [--only WHERE]

The claims are tests/preset_claims.py's (tests/test_presets.py asserts every one on seeds 0..9);
this prints them as a table for a closing note or a teacher: where, the sentence, how many of the
seeds it holds on, and which seeds fail. It also prints the seed_table preset's TL;DR in the
lesson's words beside the lesson's own table, per seed. Runs are deterministic, so the seeds are
shared out over ``--jobs`` processes (one BLAS thread each); every claim of one seed is judged in
the same process, which makes each run once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

from initdash.blas import limit_blas_threads  # noqa: E402
from tests.preset_claims import CLAIMS, LESSON_TABLE, lesson_table  # noqa: E402


def judge(seed: int, only: str | None = None) -> tuple[int, list[bool], dict]:
    """Every claim (of ``only``'s place, if given) on one seed, and the seed_table's TL;DR."""
    limit_blas_threads(1)
    held = [claim.holds(seed) if only in (None, claim.where) else True for claim in CLAIMS]
    return seed, held, lesson_table(seed) if only in (None, "seed_table") else LESSON_TABLE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--only", help="only the claims of this place (a preset's name...)")
    args = parser.parse_args()
    seeds = tuple(range(args.seeds))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = sorted(pool.map(judge, seeds, [args.only] * len(seeds)))
    print("| where | claim | holds on | failing seeds |\n|---|---|---|---|")
    for i, claim in enumerate(CLAIMS):
        if args.only not in (None, claim.where):
            continue
        failing = [seed for seed, held, _ in results if not held[i]]
        held = len(seeds) - len(failing)
        print(f"| {claim.where} | {claim.says} | {held}/{len(seeds)} | {failing or '-'} |")
    print()
    print("seed_table TL;DR in the lesson's words (symmetry broken? / risk? / outcome):")
    cells = Counter()
    for _, _, table in results:
        for name, row in table.items():
            for i, cell in enumerate(row):
                cells[(name, i, cell == LESSON_TABLE[name][i])] += 1
    for name, row in LESSON_TABLE.items():
        got = " / ".join(
            f"{cell} ({cells[(name, i, True)]}/{len(seeds)})" for i, cell in enumerate(row)
        )
        print(f"  {name:13s} {got}")
    print(f"\n{time.perf_counter() - t0:.0f} s on {args.jobs} processes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
