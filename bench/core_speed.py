"""How fast is the core? Model-epochs per second, vectorized vs one run per scheme.

    python bench/core_speed.py [--before GIT_REF] [--rounds 30] [--only-batchnorm]

(a) the default lesson (TrainConfig(), epochs=2000), best of 3, in float32 and float64;
(b) a large config: all 11 schemes, hidden=(64,)*8, n_samples=2000, epochs=200;
(c) BatchNorm off and on, for the default lesson and a deeper net (hidden=(32,)*5): its cost,
    and whether its runs stay vectorized;
(d) with --before REF: the default lesson (1000 epochs) here and at git revision REF (its
    initdash exported and imported under another name), alternating --rounds times in this
    process so a shared machine's load hits both alike: the median of the per-round ratios;
(e) with --cli REF (alone): issue 19's lesson command, ``python -m initdash train ... --json``,
    as whole processes (imports, training, output) here and at REF, alternating --rounds times:
    median wall and CPU seconds, and whether both print the same (from one revision whose
    summary has the same columns to the next).
Each is timed as one run() with all schemes stacked and as one run() per scheme. A
model-epoch is one network trained for one epoch. All in this process, after
initdash.blas.limit_blas_threads(1), as the app and the CLI do.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
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


def loadavg() -> str:
    return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def batchnorm_cost(title: str, config: TrainConfig, repeats: int) -> None:
    """Vectorized and loop rates with BatchNorm off and on, and their ratios."""
    plain = vectorized_vs_loop(config.replace(batchnorm=False), repeats)
    bn = vectorized_vs_loop(config.replace(batchnorm=True), repeats)
    report(f"{title}, BatchNorm off", config.replace(batchnorm=False), plain, repeats)
    report(f"{title}, BatchNorm on", config.replace(batchnorm=True), bn, repeats)
    print(
        f"  BatchNorm on / off (vectorized): {bn['vec_rate']:.0f} / {plain['vec_rate']:.0f} "
        f"model-epochs/s = {bn['vec_rate'] / plain['vec_rate']:.2f} "
        f"(it takes {plain['vec_rate'] / bn['vec_rate']:.2f}x as long); stacking speed-up "
        f"with BatchNorm {bn['loop'] / bn['vec']:.2f}x, without {plain['loop'] / plain['vec']:.2f}x"
    )


def before_after(ref: str, rounds: int, epochs: int = 1000) -> None:
    """The default lesson here and at git revision ``ref``, alternating in this process: REF's
    ``initdash`` is exported to a temporary directory and imported as ``initdash_before``."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", ref, "initdash"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        os.rename(Path(tmp) / "initdash", Path(tmp) / "initdash_before")
        sys.path.insert(0, tmp)
        import initdash_before  # REF's core, just exported

        def lesson(module) -> float:
            t = time.perf_counter()
            module.run(module.TrainConfig(epochs=epochs))
            return time.perf_counter() - t

        lesson(initdash)  # warm-up
        lesson(initdash_before)
        before, after = [], []
        for r in range(rounds):  # alternate which goes first
            pair = (initdash_before, initdash) if r % 2 == 0 else (initdash, initdash_before)
            times = {id(m): lesson(m) for m in pair}
            before.append(times[id(initdash_before)])
            after.append(times[id(initdash)])
        sys.path.remove(tmp)
    ratios = [a / b for a, b in zip(after, before, strict=True)]
    q = statistics.quantiles(ratios, n=4)
    print(f"\n(d) the default lesson (TrainConfig(), {epochs} epochs), {ref} vs this checkout")
    print(f"  {rounds} rounds in this process, alternating which goes first")
    print(f"  {ref:>12}: median {statistics.median(before):.3f} s, best {min(before):.3f} s")
    print(f"  {'this':>12}: median {statistics.median(after):.3f} s, best {min(after):.3f} s")
    print(
        f"  this / {ref}, per round: median {statistics.median(ratios):.3f} "
        f"(quartiles {q[0]:.3f} .. {q[2]:.3f})"
    )


LESSON_COMMAND = (
    "train --dataset moons --samples 512 --test-fraction 0 --noise 0.2 --hidden 32,32 "
    "--activation tanh --lr 0.1 --epochs 2000 --optimizer sgd --batch-size 0 "
    "--schemes zeros,random_small,random_large,xavier_normal,he_normal --seed 0 --json"
).split()


def cli_before_after(ref: str, rounds: int) -> None:
    """(e) The lesson command as whole processes here and at ``ref`` (its initdash exported to
    a temporary directory), alternating which goes first; CPU time from the children's
    rusage (user + system), so other people's load weighs less than on the wall clock."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", ref, "initdash"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        where = {ref: tmp, "this": str(REPO)}
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        wall: dict[str, list[float]] = {name: [] for name in where}
        cpu: dict[str, list[float]] = {name: [] for name in where}
        printed: dict[str, set[bytes]] = {name: set() for name in where}
        for r in range(rounds):
            for name in list(where) if r % 2 == 0 else list(where)[::-1]:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "initdash", *LESSON_COMMAND],
                    cwd=where[name],
                    env=env,
                    capture_output=True,
                    check=True,
                )
                wall[name].append(time.perf_counter() - t)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                )
                printed[name].add(done.stdout)
    print(f"\n(e) python -m initdash {' '.join(LESSON_COMMAND)}")
    print(f"  whole processes, {rounds} rounds alternating {ref} and this checkout")
    for name in where:
        print(
            f"  {name:>12}: wall median {statistics.median(wall[name]):.3f} s "
            f"(best {min(wall[name]):.3f}), CPU median {statistics.median(cpu[name]):.3f} s"
        )
    for label, values in (("wall", wall), ("CPU", cpu)):
        change = statistics.median(values["this"]) / statistics.median(values[ref]) - 1
        print(f"  this vs {ref}, {label}: {100 * change:+.1f}%")
    steady = all(len(outputs) == 1 for outputs in printed.values())
    same = printed[ref] == printed["this"]
    print(
        f"  each printed the same every time: {'yes' if steady else 'NO'}; "
        f"this prints what {ref} prints: {'yes' if same else 'no'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="GIT_REF", help="compare the default lesson with REF")
    parser.add_argument("--rounds", type=int, default=30, help="alternating rounds for --before")
    parser.add_argument("--only-batchnorm", action="store_true", help="run (c) (and (d)) only")
    parser.add_argument("--cli", metavar="GIT_REF", help="only (e): the lesson command vs REF")
    args = parser.parse_args()
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
    if args.cli:
        cli_before_after(args.cli, args.rounds)
        print(f"\n  {loadavg()}")
        return 0

    run(TrainConfig(epochs=20))  # warm-up: imports, first allocations

    lesson = TrainConfig(epochs=2000)
    if not args.only_batchnorm:
        lesson_and_large(lesson)
    batchnorm_cost("(c) default lesson", lesson, repeats=3)
    batchnorm_cost("(c) deeper net", TrainConfig(hidden=(32,) * 5, epochs=200), repeats=3)
    if args.before:
        before_after(args.before, args.rounds)
    print(f"\n  {loadavg()}")
    return 0


def lesson_and_large(lesson: TrainConfig) -> None:
    """(a) the default lesson in float32 and float64, (b) the large config."""
    results = {}
    for dtype in ("float32", "float64"):
        config = lesson.replace(dtype=dtype)
        results[dtype] = vectorized_vs_loop(config, repeats=3)
        report(f"(a) default lesson, {dtype}", config, results[dtype], 3)
    f32, f64 = results["float32"], results["float64"]
    print(f"  float32 vs float64 (vectorized): {f64['vec'] / f32['vec']:.2f}x faster in float32")

    large = TrainConfig(schemes=tuple(SCHEMES), hidden=(64,) * 8, n_samples=2000, epochs=200)
    report("(b) large config", large, vectorized_vs_loop(large, repeats=1), 1)

    t = results[lesson.dtype]["vec"]
    print(
        f"\nThe whole default lesson (TrainConfig(), {lesson.epochs} epochs, {lesson.dtype}, "
        f"recording on): {t:.3f} s  (target < 1 s: {'met' if t < 1.0 else 'MISSED'})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
