"""How far the cost model's prediction is from the measured CPU seconds, on a grid unlike
bench/cost_fit.py's (where the prices were fitted): each setting's ratio prediction / measured,
best of 2 runs, one BLAS thread (as the app). Target: within a factor of 2 either way; a ratio
outside it says the prices need a refit on this machine (`python bench/cost_fit.py`).

    python bench/cost_check.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, as cost_fit.py

import initdash  # noqa: E402
from bench.cost_fit import _csv_like  # noqa: E402  (the fit's CSV-like data)
from initdash import cost  # noqa: E402
from initdash.blas import limit_blas_threads  # noqa: E402
from initdash.config import TrainConfig  # noqa: E402
from initdash.schemes import SCHEMES  # noqa: E402

# A grid unlike bench/cost_fit.py's (where the prices were fitted): tiny and large nets, batch
# sizes 1 to full, several schemes and repeats, the three optimizers, 6 classes, CSV features,
# BatchNorm.
# Epochs are cut so each run takes 0.05 to 1 s: the prediction is the same sum at any length.
GRID = [
    (dict(hidden=(1,), schemes=("zeros",), epochs=400), None),
    (dict(epochs=150, seed=3), None),
    (dict(batch_size=1, n_samples=300, epochs=3), None),
    (dict(batch_size=0, n_samples=2000, epochs=300), None),
    (dict(hidden=(8,) * 30, batch_size=8, epochs=10, schemes=("he_normal", "lsuv")), None),
    (dict(hidden=(128,) * 30, n_samples=100, epochs=3, schemes=("xavier_normal",)), None),
    (dict(hidden=(64,) * 5, optimizer="adam", lr=0.01, epochs=30), None),
    (dict(schemes=tuple(SCHEMES), repeats=3, hidden=(24, 24), epochs=25), None),
    (dict(dataset="blobs", n_classes=6, hidden=(48,) * 3, optimizer="momentum", epochs=60), None),
    (dict(hidden=(32,), batch_size=16, epochs=20, repeats=2), _csv_like(600, 20, 3)),
    # signals shrinking to the subnormal range (the trainer flushes tiny values: cost.shrinks)
    (
        dict(hidden=(96,) * 25, n_samples=120, epochs=40, schemes=("random_small", "he_normal")),
        None,
    ),
    (dict(hidden=(12,) * 18, epochs=80, repeats=2), None),
    # BatchNorm after every hidden layer
    (dict(batchnorm=True, hidden=(24,) * 4, batch_size=16, epochs=20), None),
    (dict(batchnorm=True, hidden=(96,) * 8, n_samples=600, epochs=15, optimizer="adam"), None),
    (dict(batchnorm=True, batch_size=0, epochs=400, repeats=2), None),
]


def main() -> None:
    limit_blas_threads(1)
    initdash.run(TrainConfig(epochs=5))  # warm-up
    worst = 1.0
    for settings_, data in GRID:
        config = TrainConfig(**settings_)
        data = initdash.make_data(config) if data is None else data
        best = np.inf
        for _ in range(2):
            c0 = time.thread_time()
            initdash.run(config, data)
            best = min(best, time.thread_time() - c0)
        ratio = cost.seconds(config, data) / best
        worst = max(worst, ratio, 1 / ratio)
        flag = "" if 0.5 <= ratio <= 2.0 else "  OUTSIDE 2x"
        print(f"{best:7.3f} s measured  {ratio:5.2f} predicted/measured  {settings_}{flag}")
    print(f"worst factor: {worst:.2f} (target: at most 2)")


if __name__ == "__main__":
    main()
