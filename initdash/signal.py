"""The deep-signal lab: push one batch through a deep net at initialization, no training.

The classic experiment (CS231n; Glorot & Bengio 2010; He et al. 2015): with N(0, 1) inputs and
``depth`` hidden layers of ``width`` units, watch the activations' spread and the backprop
signal layer by layer. Weights x0.01 shrink the signal towards 0, x1.0 saturates tanh, Xavier
holds tanh steady and only He holds ReLU steady.

A one-unit sigmoid output with random labels on top gives a real loss to backpropagate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import TrainConfig
from .metrics import dead_fraction, rms, saturated_fraction
from .nn import StackedMLP, with_ones
from .schemes import SCHEMES, stream

MAX_DEPTH = 100
MAX_WIDTH = 1024
MAX_SAMPLES = 5000


def _check_int(name: str, value: int, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} = {value!r} is not allowed; use a whole number from {lo} to {hi}")
    return int(value)


def propagate(
    config: TrainConfig | None = None,
    *,
    depth: int = 10,
    width: int = 256,
    n_samples: int = 500,
    dtype: str = "float64",
) -> pd.DataFrame:
    """Per-layer statistics of a deep net at initialization, for each of the config's schemes.

    From the config: the schemes (with their own numbers: ``config.scheme_param``), the
    activation and the seed (default: ``TrainConfig()``). Returns one row per (scheme, hidden
    layer): ``scheme``, ``layer`` (1 = first hidden), ``act_mean``, ``act_std``,
    ``saturated_fraction``, ``dead_fraction``, ``grad_norm`` (Frobenius norm of dLoss/dW of the
    layer) and ``backprop_signal`` (RMS of dLoss/dz per example). The same arguments always
    give the same numbers.
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
    depth = _check_int("depth", depth, 1, MAX_DEPTH)
    width = _check_int("width", width, 1, MAX_WIDTH)
    n_samples = _check_int("n_samples", n_samples, 2, MAX_SAMPLES)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype = {dtype!r} is not allowed; use float32 or float64")

    data_rng = stream(config.seed, "propagate-data")
    X = data_rng.standard_normal((n_samples, width))
    y = data_rng.integers(0, 2, n_samples)
    dims = [width] * (depth + 1) + [1]
    rows = []
    # One scheme at a time: a 50 x 512 net's activations for 11 schemes at once would need
    # gigabytes, and a one-off pass gains little from stacking.
    for name in config.schemes:
        net = StackedMLP(
            [w[None] for w in config.initial_weights(name, dims, X)],
            [np.zeros((1, n)) for n in dims[1:]],
            config.activation,
            2,
            dtype,
        )
        rows.append(_layer_rows(net, with_ones(X, net.dtype), y, name, depth))
    return pd.concat(rows, ignore_index=True)


def _layer_rows(net: StackedMLP, X1: np.ndarray, y: np.ndarray, name: str, depth: int):
    """One row per hidden layer of a one-model net after one forward and backward pass."""
    with np.errstate(all="ignore"):
        ws = net.full_pass(X1, y)
        if net.needs_flush(ws):  # signal near subnormal numbers: redo with flushing (fast)
            ws = net.full_pass(X1, y)
        m = X1.shape[1]
        cols: dict[str, list] = {k: [] for k in LAYER_COLUMNS}
        for i in range(depth):
            A = ws.A[i].astype(np.float64)
            Z = ws.Z[i]
            cols["act_mean"].append(float(A.mean()))
            cols["act_std"].append(float(A.std()))
            cols["saturated_fraction"].append(float(saturated_fraction(net.act, A, Z)[0]))
            cols["dead_fraction"].append(float(dead_fraction(net.act, Z)[0]))
            cols["grad_norm"].append(
                float(np.sqrt(np.sum(np.square(net.dWs[i], dtype=np.float64))))
            )
            cols["backprop_signal"].append(float(rms(ws.dZ[i].astype(np.float64), (1, 2))[0] * m))
    return pd.DataFrame(
        {"scheme": name, "label": SCHEMES[name].label, "layer": np.arange(1, depth + 1), **cols}
    )


# The per-layer statistics propagate() reports, in order (the CLI prints these columns).
LAYER_COLUMNS = (
    "act_mean",
    "act_std",
    "saturated_fraction",
    "dead_fraction",
    "grad_norm",
    "backprop_signal",
)
