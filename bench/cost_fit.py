"""Calibrate the cost model: time runs over a grid of settings and fit initdash.cost.PRICES.

    python bench/cost_fit.py [--reps 2] [--quick]

Each setting of GRID runs ``initdash.run(config, data)`` in this process with one BLAS thread
(as the app trains), timed as the thread's CPU seconds (``time.thread_time``: the server's
cost, not slowed by other processes waiting for the same cores), best of ``--reps``; the data
are generated before the clock starts, as the app caches them. It prints each setting's
measured seconds against the prices now and the new fit, the fit (non-negative least squares
on the relative error) with its median and worst ratio in sample and leave-one-out, and the
PRICES dict to paste into initdash/cost.py with the date and machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import initdash  # noqa: E402
from initdash import SCHEMES, TrainConfig, cost  # noqa: E402
from initdash.blas import limit_blas_threads  # noqa: E402

ALL = tuple(SCHEMES)
HE = ("he_normal",)


def _csv_like(n_rows: int, n_features: int, n_classes: int, seed: int = 0) -> initdash.Data:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features))
    y = np.arange(n_rows) % n_classes
    return initdash.prepare(X, y, seed=seed)


# (settings, data): each run takes about 0.05 to 13 s here.
GRID: list[tuple[dict, initdash.Data | None]] = [
    (dict(epochs=300), None),
    (dict(hidden=(1,), schemes=("xavier_normal",), epochs=2000), None),
    (dict(hidden=(1,) * 30, schemes=HE, epochs=300), None),
    (dict(hidden=(8,) * 30, batch_size=8, epochs=60), None),
    (dict(hidden=(128,) * 30, epochs=4), None),
    (dict(hidden=(128,) * 30, epochs=40, batch_size=0), None),
    (dict(hidden=(128,) * 3, n_samples=2000, epochs=10), None),
    (dict(hidden=(64,) * 5, batch_size=1, epochs=3), None),
    (dict(batch_size=1, n_samples=2000, epochs=4), None),
    (dict(batch_size=0, epochs=3000), None),
    (dict(batch_size=0, n_samples=2000, hidden=(32, 32), epochs=800), None),
    (dict(schemes=ALL, repeats=5, hidden=(16, 16), epochs=60), None),
    (dict(optimizer="adam", lr=0.01, hidden=(64, 64, 64), epochs=100), None),
    (dict(optimizer="momentum", lr=0.05, batch_size=128, n_samples=2000, epochs=300), None),
    (dict(dataset="spirals", n_classes=6, hidden=(32,) * 4, epochs=150), None),
    (dict(hidden=(128,), batch_size=8, n_samples=2000, epochs=10), None),
    (dict(schemes=("lsuv", "orthogonal"), hidden=(128,) * 10, epochs=20), None),
    (dict(activation="relu", hidden=(16,) * 20, batch_size=16, epochs=40), None),
    (dict(schemes=ALL, repeats=5, hidden=(128,) * 30, epochs=1), None),
    (dict(hidden=(32, 32), epochs=100), _csv_like(2000, 20, 5)),
    (dict(repeats=5, batch_size=8, epochs=40), None),
    (dict(hidden=(4,) * 10, batch_size=2, n_samples=100, epochs=20), None),
    (dict(hidden=(128,) * 30, schemes=HE, batch_size=8, epochs=2), None),
    (dict(hidden=(16,), schemes=HE, epochs=40, snapshots=60), None),
    (dict(schemes=ALL, hidden=(64,) * 8, n_samples=2000, epochs=20), None),
    (dict(optimizer="adam", lr=0.001, hidden=(128,) * 10, batch_size=64, epochs=15), None),
    # signals that shrink to the subnormal range: the trainer flushes tiny values
    (dict(hidden=(128,) * 30, n_samples=100, epochs=150), None),
    (dict(hidden=(16,) * 20, epochs=150), None),
    (dict(hidden=(64,) * 12, schemes=("random_small", "he_normal"), epochs=60), None),
    # BatchNorm after every hidden layer
    (dict(batchnorm=True, epochs=300), None),
    (dict(batchnorm=True, hidden=(32,) * 5, batch_size=32, epochs=60), None),
    (dict(batchnorm=True, hidden=(128,) * 10, n_samples=2000, epochs=10), None),
    (dict(batchnorm=True, batch_size=0, hidden=(64, 64), epochs=500), None),
    (dict(batchnorm=True, hidden=(8,) * 20, batch_size=8, epochs=30), None),
    (dict(batchnorm=True, optimizer="adam", lr=0.01, hidden=(64,) * 3, epochs=100), None),
    # residual nets (skip connections)
    (dict(residual=True, hidden=(16,) * 21, epochs=300), None),
    (dict(residual=True, activation="relu", hidden=(64,) * 10, epochs=30), None),
    (dict(residual=True, batchnorm=True, hidden=(8,) * 20, batch_size=8, epochs=30), None),
]
QUICK = GRID[::3]
SHOWN = ("macs", "updates", "calls", "steps", "details", "gram", "flushed")


def measure(config: TrainConfig, data, reps: int) -> float:
    data = initdash.make_data(config) if data is None else data
    best = np.inf
    for _ in range(reps):
        c0 = time.thread_time()
        initdash.run(config, data)
        best = min(best, time.thread_time() - c0)
    return float(best)


def nnls(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min ||A x - b|| subject to x >= 0 (Lawson and Hanson's active-set method)."""
    n = A.shape[1]
    x = np.zeros(n)
    free = np.zeros(n, dtype=bool)
    for _ in range(10 * n):
        w = A.T @ (b - A @ x)
        if free.all() or w[~free].max() <= 1e-12 * np.abs(w).max():
            break
        free[np.argmax(np.where(free, -np.inf, w))] = True
        while True:
            z = np.zeros(n)
            z[free] = np.linalg.lstsq(A[:, free], b, rcond=None)[0]
            if (z[free] > 0).all():
                x = z
                break
            neg = free & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x)
            free &= x > 1e-15
    return x


def fit(X: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Prices minimizing the squared relative error; columns scaled to 1 for conditioning."""
    A = X / t[:, None]
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    return nnls(A / scale, np.ones(len(t))) / scale


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="every third setting only")
    args = ap.parse_args()
    threads = limit_blas_threads(1)
    print("initdash cost model calibration: CPU seconds of initdash.run, one BLAS thread")
    print(
        f"   {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
        f"{sys.version.split()[0]}, numpy {np.__version__}, BLAS limited to 1 thread: {threads}"
    )
    print(f"   {datetime.date.today()}, load {os.getloadavg()[0]:.2f} (1 min)")
    initdash.run(TrainConfig(epochs=20))  # warm-up
    names = list(cost.PRICES)
    grid = QUICK if args.quick else GRID
    rows, times, configs = [], [], []
    for settings, data in grid:
        config = TrainConfig(**settings)
        t = measure(config, data, args.reps)
        c = cost.counts(config, data)
        rows.append([c[k] for k in names])
        times.append(t)
        configs.append((settings, data))
        label = ", ".join(f"{k}={_short(v)}" for k, v in settings.items())
        if data is not None:
            label += f", data {data.n_features} features"
        now = cost.seconds(config, data)
        print(f"   {t:7.3f} s  (prices now: {now:7.3f} s)  {label}")
    X, t = np.array(rows, dtype=float), np.array(times)
    prices = fit(X, t)
    pred = X @ prices
    ratio = np.maximum(pred / t, t / pred)
    loo = []
    for i in range(len(t)):
        keep = np.arange(len(t)) != i
        p = X[i] @ fit(X[keep], t[keep])
        loo.append(max(p / t[i], t[i] / p))
    print("\n== per setting: measured, fitted, ratio (> 1 either way), main counts ==")
    print("   measured  fitted  ratio  LOO   " + "  ".join(f"{k:>9s}" for k in SHOWN))
    for i in range(len(t)):
        c = dict(zip(names, X[i], strict=True))
        print(
            f"   {t[i]:8.3f} {pred[i]:7.3f} {ratio[i]:6.2f} {loo[i]:5.2f}   "
            + "  ".join(f"{c[k]:9.2e}" for k in SHOWN)
        )
    print(
        f"\n   fit error: median ratio {np.median(ratio):.2f}, worst {ratio.max():.2f} in sample; "
        f"leave-one-out median {np.median(loo):.2f}, worst {max(loo):.2f}"
    )
    print("   shares of the measured total: " + ", ".join(
        f"{k} {100 * (X[:, j] * prices[j]).sum() / t.sum():.0f}%"
        for j, k in enumerate(names) if prices[j] > 0
    ))  # fmt: skip
    print(f"\n# Fitted by bench/cost_fit.py on {datetime.date.today()}, {_machine()}:")
    print("PRICES: dict[str, float] = {")
    for k, v in zip(names, prices, strict=True):
        print(f'    "{k}": {v:.3g},')
    print("}")
    return 0


def _short(v) -> str:
    if isinstance(v, tuple) and len(v) > 3:
        return f"{v[0]}x{len(v)}" if len(set(v)) == 1 else f"({len(v)} items)"
    return str(v).replace(" ", "")


def _machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, one BLAS thread"


if __name__ == "__main__":
    raise SystemExit(main())
