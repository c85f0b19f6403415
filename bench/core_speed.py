"""How fast is the core? Model-epochs per second, vectorized vs one run per scheme.

    python bench/core_speed.py
    python bench/core_speed.py --against 3cd8f85 [--rounds 10]

(a) the default lesson (TrainConfig() defaults, epochs=2000), best of 3, in float32 (the
    default) and float64;
(b) a large config: all 11 schemes, hidden=(64,)*8, n_samples=2000, epochs=200 (one repeat).

Each is timed (i) vectorized: one run() with all schemes stacked, and (ii) as a plain loop:
one run() per scheme with the same config otherwise. Recording is as in the app (the default
detailed snapshots, test evaluation every epoch). A model-epoch is one network trained for one
epoch (schemes x repeats x epochs per run). All in this process, after
initdash.blas.limit_blas_threads(1), as the app and the CLI do.

``--against REV``: the first page's run (``TrainConfig()``, 1000 epochs, recording as in the
app) with this tree's core and with the core of git revision REV (exported to a temporary
directory), in fresh processes that alternate (REV, this, REV, this, ...) so that a load change
on a shared machine hits both alike; prints every wall and CPU time and their medians.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import initdash  # noqa: E402
from initdash import SCHEMES, TrainConfig, run  # noqa: E402
from initdash.blas import limit_blas_threads  # noqa: E402


def timed(config: TrainConfig) -> tuple[float, initdash.Result]:
    t0 = time.perf_counter()
    result = run(config)
    return time.perf_counter() - t0, result


def model_epochs(config: TrainConfig) -> int:
    return len(config.schemes) * config.repeats * config.epochs


def vectorized_vs_loop(config: TrainConfig, repeats: int) -> dict:
    """Best-of-`repeats` wall time of one stacked run and of a per-scheme loop."""
    vec_times, loop_times = [], []
    same = True
    for _ in range(repeats):
        t, joint = timed(config)
        vec_times.append(t)
        total = 0.0
        for s, name in enumerate(config.schemes):
            t, solo = timed(config.replace(schemes=(name,)))
            total += t
            R = config.repeats
            a = joint.curves["train_loss"][:, s * R : (s + 1) * R]
            same &= bool(np.array_equal(a, solo.curves["train_loss"], equal_nan=True))
        loop_times.append(total)
    vec, loop = min(vec_times), min(loop_times)
    n = model_epochs(config)
    return {"vec": vec, "loop": loop, "vec_rate": n / vec, "loop_rate": n / loop, "same": same}


def report(title: str, config: TrainConfig, r: dict, repeats: int) -> None:
    n = model_epochs(config)
    print(f"\n{title}")
    print(
        f"  {len(config.schemes)} schemes x {config.repeats} repeat(s) x {config.epochs} epochs"
        f" = {n} model-epochs; hidden={config.hidden}, activation={config.activation}, "
        f"n_samples={config.n_samples}, batch_size={config.batch_size or 'full'}, "
        f"dtype={config.dtype}, snapshots={config.snapshots}; best of {repeats}"
    )
    print(f"  vectorized (one run)   : {r['vec']:8.3f} s  {r['vec_rate']:10.0f} model-epochs/s")
    print(f"  loop (one run/scheme)  : {r['loop']:8.3f} s  {r['loop_rate']:10.0f} model-epochs/s")
    print(f"  speed-up of stacking   : {r['loop'] / r['vec']:8.2f}x")
    print(f"  curves identical (vectorized vs loop): {'yes' if r['same'] else 'NO'}")


# One child process: warm up, then time the first page's run 3 times: wall and CPU seconds of
# this process (CPU time is less disturbed by other people's load on a shared machine).
CHILD = """
import os, sys, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"
sys.path.insert(0, os.getcwd())
from initdash import TrainConfig, run
from initdash.blas import limit_blas_threads
limit_blas_threads(1)
run(TrainConfig(epochs=20))
for _ in range(3):
    t0, c0 = time.perf_counter(), time.process_time()
    run(TrainConfig())
    print(time.perf_counter() - t0, time.process_time() - c0)
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def export(rev: str, into: Path) -> Path:
    """The files of git revision ``rev`` in a fresh directory under ``into``."""
    archive = subprocess.run(
        ["git", "archive", rev], cwd=REPO, capture_output=True, check=True
    ).stdout
    tar = into / "tree.tar"
    tar.write_bytes(archive)
    tree = into / "tree"
    with tarfile.open(tar) as t:
        t.extractall(tree, filter="data")
    return tree


def against(rev: str, rounds: int) -> int:
    """The first page's core time here and at ``rev``, alternating processes."""
    here = git("rev-parse", "--short", "HEAD")
    dirty = (
        " + uncommitted changes to initdash/" if git("status", "--porcelain", "initdash") else ""
    )
    print(f"first page's run (TrainConfig(), 1000 epochs): {rev} against this tree ({here}{dirty})")
    print(f"  {loadavg()} before")
    times: dict[str, list[tuple[float, float]]] = {rev: [], "this tree": []}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {rev: export(rev, Path(tmp)), "this tree": REPO}
        for r in range(rounds):
            for name, tree in trees.items():
                child = [sys.executable, "-c", CHILD]
                out = subprocess.run(child, cwd=tree, capture_output=True, text=True, check=True)
                got = [tuple(map(float, line.split())) for line in out.stdout.splitlines()]
                times[name] += got
                shown = " ".join(f"{w:.3f}/{c:.3f}" for w, c in got)
                print(f"  round {r + 1:2d} {name:>10} (wall/CPU s): {shown}")
    print(f"  {loadavg()} after")
    for i, what in enumerate(("wall", "CPU")):
        base, new = (statistics.median(t[i] for t in times[k]) for k in (rev, "this tree"))
        change = f"{100 * (new / base - 1):+.1f}% ({len(times[rev])} runs each)"
        print(f"  median {what} time {rev}: {base:.3f} s, this tree: {new:.3f} s, change {change}")
    return 0


def loadavg() -> str:
    return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="compare with git revision REV")
    parser.add_argument("--rounds", type=int, default=10, help="alternations (with --against)")
    args = parser.parse_args()
    if args.against:
        return against(args.against, args.rounds)
    threads_set = limit_blas_threads(1)
    print("initdash core speed")
    print(f"  python {platform.python_version()}, numpy {np.__version__}, os.cpu_count() = "
          f"{os.cpu_count()}")  # fmt: skip
    print(
        "  BLAS: initdash.blas.limit_blas_threads(1) called first -> "
        + ("OpenBLAS set to 1 thread" if threads_set else "no OpenBLAS found, threads unchanged")
        + f"; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    print(f"  {loadavg()} (shared machine?)")

    run(TrainConfig(epochs=20))  # warm-up: imports, first allocations

    lesson = TrainConfig(epochs=2000)
    results = {}
    for dtype in ("float32", "float64"):
        config = lesson.replace(dtype=dtype)
        results[dtype] = vectorized_vs_loop(config, repeats=3)
        report(f"(a) default lesson, {dtype}", config, results[dtype], 3)
    f32, f64 = results["float32"], results["float64"]
    print(f"  float32 vs float64 (vectorized): {f64['vec'] / f32['vec']:.2f}x faster in float32")

    large = TrainConfig(schemes=tuple(SCHEMES), hidden=(64,) * 8, n_samples=2000, epochs=200)
    r = vectorized_vs_loop(large, repeats=1)
    report("(b) large config", large, r, 1)

    default_dtype = lesson.dtype
    t = results[default_dtype]["vec"]
    print(
        f"\nThe whole default lesson (TrainConfig(), {lesson.epochs} epochs, {default_dtype}, "
        f"recording on): {t:.3f} s  (target < 1 s: {'met' if t < 1.0 else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
