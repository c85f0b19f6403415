"""The deep-signal lab: push one batch through a deep net at initialization, no training.

The classic experiment (CS231n; Glorot & Bengio 2010; He et al. 2015): with N(0, 1) inputs and
``depth`` hidden layers of ``width`` units, watch the activations' spread and the backprop
signal layer by layer. Weights x0.01 shrink the signal towards 0, x1.0 saturates tanh, Xavier
holds tanh steady and only He holds ReLU steady.

A one-unit sigmoid output with random labels on top gives a real loss to backpropagate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .activations import calculate_gain
from .config import TrainConfig
from .metrics import LAYER_COLUMNS, layer_signal
from .nn import StackedMLP, with_ones
from .schemes import SCHEMES, sample_weights, scheme_rng, stream

MAX_DEPTH = 100
MAX_WIDTH = 1024
MAX_LAB_SAMPLES = 5000  # inputs pushed through the lab's net


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
    n_samples = _check_int("n_samples", n_samples, 2, MAX_LAB_SAMPLES)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype = {dtype!r} is not allowed; use float32 or float64")

    X, y = _inputs(config.seed, n_samples, width)
    dims = [width] * (depth + 1) + [1]
    rows = []
    # One scheme at a time: a 50 x 512 net's activations for 11 schemes at once would need
    # gigabytes, and a one-off pass gains little from stacking.
    for name in config.schemes:
        net = _net(config.initial_weights(name, dims, X), config.activation, dtype)
        rows.append(_layer_rows(net, with_ones(X, net.dtype), y, name, depth))
    return pd.concat(rows, ignore_index=True)


def _inputs(seed: int, n_samples: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The lab's batch: N(0, 1) inputs and random labels, from the seed's own stream."""
    data_rng = stream(seed, "propagate-data")
    X = data_rng.standard_normal((n_samples, width))
    return X, data_rng.integers(0, 2, n_samples)


def _net(weights: list[np.ndarray], activation: str, dtype: str) -> StackedMLP:
    """One plain net (zero biases, a one-unit sigmoid head) with these weights."""
    return StackedMLP(
        [w[None] for w in weights], [np.zeros((1, len(w))) for w in weights], activation, 2, dtype
    )


def _layer_rows(net: StackedMLP, X1: np.ndarray, y: np.ndarray, name: str, depth: int):
    """One row per hidden layer of a one-model net after one forward and backward pass."""
    with np.errstate(all="ignore"):
        ws = net.full_pass(X1, y)
        if net.needs_flush(ws):  # signal near subnormal numbers: redo with flushing (fast)
            ws = net.full_pass(X1, y)
        cols: dict[str, list] = {k: [] for k in LAYER_COLUMNS}
        for i in range(depth):
            A = ws.A[i].astype(np.float64)
            for column, values in layer_signal(net.act, A, ws.Z[i], net.dWs[i], ws.dZ[i]).items():
                cols[column].append(float(values[0]))
    label = SCHEMES[name].label if name in SCHEMES else name
    return pd.DataFrame({"scheme": name, "label": label, "layer": np.arange(1, depth + 1), **cols})


# The scale x depth map: the weights' std = gain / sqrt(width), over 21 gains from 0.1 to 10
# (each 10^0.1 = 1.26 times the last; 1 is one of them).
MAP_GAINS = tuple(10.0 ** (k / 10) for k in range(-10, 11))
# Most work one map may take, in width^2 x samples per layer and gain (the matmuls' size): a
# map of the lab's widest, deepest net (50 layers of 256 units) stays well under a second.
MAP_WORK = 128 * 128 * 64


def map_samples(width: int) -> int:
    """Inputs pushed through the map's nets: as many as MAP_WORK allows, 16 to 256."""
    return int(min(256, max(16, MAP_WORK // width**2)))


def reference_gains(activation: str) -> dict[str, float]:
    """Where the schemes sit on the map's gain axis (std x sqrt(fan_in)) when every layer has
    the same width n: LeCun 1/n and Xavier 2/(n + n) = 1/n (gain 1), He 2/n (sqrt 2), and
    orthogonal the activation's gain (``calculate_gain``; its rows have norm = gain, so its
    entries' std is gain / sqrt(n))."""
    return {
        "LeCun": 1.0,
        "Xavier": 1.0,
        "He": math.sqrt(2.0),
        "orthogonal": calculate_gain(activation),
    }


def scale_depth_map(
    config: TrainConfig | None = None,
    *,
    depth: int = 20,
    width: int = 128,
    n_samples: int | None = None,
    gains: tuple[float, ...] | None = None,
    dtype: str = "float32",
) -> pd.DataFrame:
    """The deep-signal lab over a continuum of weight scales, at initialization.

    For each gain g: the net of :func:`propagate` (``depth`` hidden layers of ``width`` units,
    N(0, 1) inputs, the config's activation and seed) with every weight N(0, 1) x g /
    sqrt(width): Random small's draws, so a cell equals ``propagate`` with the scheme
    ``random_small`` at ``small_scale = g / sqrt(width)``. A net of depth d is the first d
    layers of this one (same weights, same inputs), so one pass per gain gives every depth.
    Rows: ``gain``, ``std`` (of the weights), ``layer`` (d = 1..depth), ``spread`` (layer d's
    activation spread over layer 1's) and ``backprop`` (the backprop signal of layer 1 over
    layer d's, in this depth-``depth`` net). A layer whose numbers overflowed reads inf.
    ``n_samples`` defaults to :func:`map_samples`; ``gains`` to MAP_GAINS and the schemes' own
    (:func:`reference_gains` of the activation), in increasing order.
    """
    config = TrainConfig() if config is None else config
    depth = _check_int("depth", depth, 1, MAX_DEPTH)
    width = _check_int("width", width, 1, MAX_WIDTH)
    n = (
        map_samples(width)
        if n_samples is None
        else _check_int("n_samples", n_samples, 2, MAX_LAB_SAMPLES)
    )
    if gains is None:
        gains = tuple(sorted({*MAP_GAINS, *reference_gains(config.activation).values()}))
    X, y = _inputs(config.seed, n, width)
    dims = [width] * (depth + 1) + [1]
    base = sample_weights(dims, "random_small", scheme_rng(config.seed, "random_small"), scale=1.0)
    net = _net(base, config.activation, dtype)  # its weights are set for each gain below
    X1 = with_ones(X, net.dtype)
    frames = []
    for g in gains:
        std = g / math.sqrt(width)
        for w, w0 in zip(net.Ws, base, strict=True):  # as propagate: float64 product, cast
            np.multiply(w0, std, out=w[0], casting="unsafe")
        net.flush = 0.0  # a small gain's subnormal signal must not set the next one's flushing
        stats = _layer_rows(net, X1, y, "", depth)
        with np.errstate(all="ignore"):
            act = stats.act_std.to_numpy()
            back = stats.backprop_signal.to_numpy()
            spread = np.where(np.isfinite(act), act / act[0], np.inf)
            backprop = np.where(np.isfinite(back), back[0] / back, np.inf)
        frames.append(
            pd.DataFrame(
                {"gain": g, "std": std, "layer": stats.layer, "spread": spread,
                 "backprop": backprop}
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)
