"""The deep-signal lab: push one batch through a deep net at initialization, no training.

The classic experiment (CS231n; Glorot & Bengio 2010; He et al. 2015): with N(0, 1) inputs and
``depth`` hidden layers of ``width`` units, watch the activations' spread and the backprop
signal layer by layer. Weights x0.01 shrink the signal towards 0, x1.0 saturates tanh, Xavier
holds tanh steady and only He holds ReLU steady.

A one-unit sigmoid output with random labels on top gives a real loss to backpropagate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .config import DEFAULT_SCHEMES, FIELDS
from .metrics import dead_fraction, rms, saturated_fraction
from .nn import StackedMLP, with_ones
from .schemes import SCHEMES, get_scheme, sample_weights, scheme_rng
from .train import _stream

MAX_DEPTH = 100
MAX_WIDTH = 1024
MAX_SAMPLES = 5000


def _check_int(name: str, value: int, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} = {value!r} is not allowed; use a whole number from {lo} to {hi}")
    return int(value)


def propagate(
    schemes: Sequence[str] = DEFAULT_SCHEMES,
    *,
    activation: str = "tanh",
    depth: int = 10,
    width: int = 256,
    n_samples: int = 500,
    seed: int = 0,
    small_scale: float = FIELDS["small_scale"].default,
    large_scale: float = FIELDS["large_scale"].default,
    constant_value: float = FIELDS["constant_value"].default,
    dtype: str = "float64",
) -> pd.DataFrame:
    """Per-layer statistics of a deep net at initialization, for each scheme.

    Returns one row per (scheme, hidden layer): ``scheme``, ``layer`` (1 = first hidden),
    ``act_mean``, ``act_std``, ``saturated_fraction``, ``dead_fraction``, ``grad_norm``
    (Frobenius norm of dLoss/dW of the layer) and ``backprop_signal`` (RMS of dLoss/dz per
    example). The same arguments always give the same numbers.
    """
    schemes = tuple(FIELDS["schemes"].check(tuple(schemes)))
    FIELDS["activation"].check(activation)
    depth = _check_int("depth", depth, 1, MAX_DEPTH)
    width = _check_int("width", width, 1, MAX_WIDTH)
    n_samples = _check_int("n_samples", n_samples, 2, MAX_SAMPLES)
    seed = FIELDS["seed"].check(seed)
    params = {
        "small_scale": FIELDS["small_scale"].check(small_scale),
        "large_scale": FIELDS["large_scale"].check(large_scale),
        "constant_value": FIELDS["constant_value"].check(constant_value),
    }
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype = {dtype!r} is not allowed; use float32 or float64")

    data_rng = _stream(seed, "propagate-data")
    X = data_rng.standard_normal((n_samples, width))
    y = data_rng.integers(0, 2, n_samples)
    dims = [width] * (depth + 1) + [1]
    per_model = []
    for name in schemes:
        scheme = get_scheme(name)
        scale = params[scheme.param] if scheme.param else None
        per_model.append(
            sample_weights(
                dims, name, scheme_rng(seed, name), activation=activation, scale=scale, X=X
            )
        )
    Ws = [np.stack([ws[i] for ws in per_model]) for i in range(len(dims) - 1)]
    bs = [np.zeros((len(schemes), n)) for n in dims[1:]]
    net = StackedMLP(Ws, bs, activation, 2, dtype)
    X1 = with_ones(X, net.dtype)
    with np.errstate(all="ignore"):
        ws = net.full_pass(X1, y)
        if net.needs_flush(ws):  # signal near subnormal numbers: redo with flushing (fast)
            ws = net.full_pass(X1, y)
        rows = []
        for i in range(depth):
            A = ws.A[i].astype(np.float64)
            Z = ws.Z[i]
            rows.append(
                pd.DataFrame(
                    {
                        "scheme": schemes,
                        "label": [SCHEMES[s].label for s in schemes],
                        "layer": i + 1,
                        "act_mean": A.mean(axis=(1, 2)),
                        "act_std": A.std(axis=(1, 2)),
                        "saturated_fraction": saturated_fraction(net.act, A, Z),
                        "dead_fraction": dead_fraction(net.act, Z),
                        "grad_norm": np.sqrt(
                            np.sum(np.square(net.dWs[i], dtype=np.float64), axis=(1, 2))
                        ),
                        "backprop_signal": rms(ws.dZ[i].astype(np.float64), (1, 2)) * n_samples,
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["scheme", "layer"], key=_scheme_order(schemes)).reset_index(drop=True)


def _scheme_order(schemes: tuple[str, ...]):
    order = {s: i for i, s in enumerate(schemes)}

    def key(col: pd.Series) -> pd.Series:
        return col.map(order) if col.name == "scheme" else col

    return key
