"""Lazy against rich training (Chizat, Oyallon & Bach 2019): how far the weights travel.

A run records where each layer's weights go (``Result.change_table``: ||W - W0|| / ||W0|| per
layer; ``Result.travel_table``: the first layer's neurons as points in the plane of their two
incoming weights). :func:`lazy_sweep` asks how that distance depends on the network: the same
one-hidden-layer net at several widths and initial scales, trained the same way on the run's
data. Wide nets and large initial scales fit the data while their weights barely move (the
"lazy" regime, where a net behaves like its linearization at init: the neural tangent kernel
of Jacot et al. 2018); narrow nets at small scales move far from where they started ("rich",
feature-learning training).

The sweep's nets share their draws: width n uses the first n hidden units of the widest net
(rows of one N(0, 1) matrix), so widths differ by their units, not by luck. Each layer's
weights are N(0, 1) x gain / sqrt(fan_in) (gain 1: LeCun's variance), biases 0; all gains of one
width train at once on the model axis (:class:`~initdash.nn.StackedMLP`), full-batch SGD.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .config import TrainConfig
from .data import Data
from .nn import StackedMLP, output_units, with_ones
from .schemes import stream
from .train import make_data

LAZY_WIDTHS = (16, 32, 64, 128, 256)
LAZY_GAINS = (0.5, 1.0, 2.0, 4.0)
LAZY_LR = 0.1
LAZY_EPOCHS = 500


def sweep_configs(
    config: TrainConfig,
    widths: tuple[int, ...] = LAZY_WIDTHS,
    gains: tuple[float, ...] = LAZY_GAINS,
    epochs: int = LAZY_EPOCHS,
    lr: float = LAZY_LR,
) -> list[TrainConfig]:
    """The runs the sweep's work equals, one per width (its gains as repeats; full batch),
    for :mod:`initdash.cost`: they also evaluate every epoch, so they bound it from above."""
    return [
        config.replace(
            hidden=(int(n),),
            schemes=("lecun_normal",),
            repeats=len(gains),
            epochs=epochs,
            lr=lr,
            optimizer="sgd",
            batch_size=0,
            batchnorm=False,
            snapshots=2,
            dtype="float32",
        )
        for n in widths
    ]


# What lazy_sweep reads of its config: its data's settings, the activation and the seed.
SWEEP_FIELDS = (
    "activation", "seed", "dataset", "n_samples", "noise", "n_classes", "imbalance",
    "test_fraction",
)  # fmt: skip


def sweep_inputs(config: TrainConfig) -> TrainConfig:
    """``config`` with only what :func:`lazy_sweep` reads (the rest at the defaults): the same
    sweep, and a cache key that does not change when the schemes, epochs or optimizer do."""
    return TrainConfig(**{f: getattr(config, f) for f in SWEEP_FIELDS})


def lazy_sweep(
    config: TrainConfig,
    data: Data | None = None,
    *,
    widths: tuple[int, ...] = LAZY_WIDTHS,
    gains: tuple[float, ...] = LAZY_GAINS,
    epochs: int = LAZY_EPOCHS,
    lr: float = LAZY_LR,
) -> pd.DataFrame:
    """Train one hidden layer of each width x gain on the config's data (or ``data``) with its
    activation and seed, ``epochs`` steps of full-batch SGD at ``lr``; return one row per
    (width, gain, layer): ``change`` = ||W - W0|| / ||W0|| at the end (layer 1: the hidden
    layer, 2: the output layer), ``loss`` (the final training loss) and ``diverged`` (its
    loss went non-finite: change and loss NaN)."""
    d = make_data(config) if data is None else data
    X1 = with_ones(d.X_train, np.dtype("float32"))
    y = np.ascontiguousarray(d.y_train)
    k = output_units(d.n_classes)
    rng = stream(config.seed, "lazy-sweep")
    top = max(widths)
    Z1 = rng.standard_normal((top, d.n_features))
    Z2 = rng.standard_normal((k, top))
    rows = []
    for n in widths:
        base = [Z1[:n] / math.sqrt(d.n_features), Z2[:, :n] / math.sqrt(n)]
        Ws = [np.stack([b * g for g in gains]) for b in base]
        bs = [np.zeros((len(gains), w.shape[0])) for w in base]
        net = StackedMLP(Ws, bs, config.activation, d.n_classes, np.float32)
        W0 = [w.astype(np.float64) for w in net.Ws]
        with np.errstate(all="ignore"):
            for _ in range(epochs):
                net.full_pass(X1, y)
                for p, g in zip(net.P, net.dP, strict=True):
                    g *= lr
                    p -= g
            loss = net.full_pass(X1, y).loss.astype(np.float64)
            bad = ~np.isfinite(loss)
            for layer, (w, w0) in enumerate(zip(net.Ws, W0, strict=True), start=1):
                moved = np.sqrt(np.sum((w - w0) ** 2, axis=(1, 2)) / np.sum(w0**2, axis=(1, 2)))
                moved[bad | ~np.isfinite(moved)] = np.nan
                for g, c, lo, b in zip(gains, moved, loss, bad, strict=True):
                    rows.append(
                        dict(width=n, gain=g, layer=layer, change=float(c),
                             loss=float("nan") if b else float(lo), diverged=bool(b))
                    )  # fmt: skip
    return pd.DataFrame(rows)
