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

from .activations import calculate_gain, get_activation
from .config import TrainConfig
from .metrics import LAYER_COLUMNS, layer_signal
from .nn import StackedMLP, with_ones
from .schemes import SCHEMES, sample_weights, scheme_rng, stream

MAX_DEPTH = 100
MAX_WIDTH = 1024
MAX_LAB_SAMPLES = 5000  # inputs pushed through the lab's net


def check_int(name: str, value: int, lo: int, hi: int) -> int:
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
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    n_samples = check_int("n_samples", n_samples, 2, MAX_LAB_SAMPLES)
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
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    n = (
        map_samples(width)
        if n_samples is None
        else check_int("n_samples", n_samples, 2, MAX_LAB_SAMPLES)
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


# ---------------------------------------------------------------------- residual blocks at init
# The residual panel: a stream of ``width`` units through N blocks, h_k = h_{k-1} + F_k(h_{k-1}),
# each branch two layers F(h) = W2 g(W1 h) (a transformer's MLP block, without its norm).
RESIDUAL_BLOCKS = (8, 16, 32, 64, 128)
RESIDUAL_BRANCHES = {  # name: (label, what the branch's last layer W2 is)
    "he": ("plain He", "N(0, 2/width), as W1"),
    "gpt2": ("GPT-2 1/sqrt(2N)", "He's, times 1/sqrt(2N) (Radford et al. 2019)"),
    "zero": ("zero last layer", "0: Fixup, SkipInit, ReZero (Zhang et al. 2019; De & Smith "
             "2020; Bachlechner et al. 2020)"),
}  # fmt: skip


def residual_stream(
    config: TrainConfig | None = None,
    *,
    width: int = 128,
    n_samples: int = 64,
    blocks: tuple[int, ...] = RESIDUAL_BLOCKS,
) -> pd.DataFrame:
    """The residual stream's spread at initialization, block by block.

    N(0, 1) inputs (the lab's batch, :func:`_inputs`) enter a stream of ``width`` units; block
    k adds its branch, h_k = h_{k-1} + W2_k g(W1_k h_{k-1}), g the config's activation, W1_k
    drawn N(0, 2/width) (He's) from the seed's own stream. The branches' last layers W2_k
    (RESIDUAL_BRANCHES): the same draws as W1's kind (plain He), those times 1/sqrt(2N) for a
    net of N blocks (GPT-2's scaling: each of its N blocks adds two branches), or 0 (Fixup,
    SkipInit, ReZero: every block starts as the identity). Every variant uses the same W1
    draws, and GPT-2's its W2 draws scaled. A net of N blocks is the first N blocks; GPT-2's
    scale depends on N, so it has one net per N in ``blocks``.

    Rows: ``branch`` (a RESIDUAL_BRANCHES key), ``blocks`` (N), ``block`` (k = 0..N; 0 is the
    input) and ``spread`` (std of h_k over its std of h_0; inf where float64 overflowed).
    """
    config = TrainConfig() if config is None else config
    width = check_int("width", width, 1, MAX_WIDTH)
    n_samples = check_int("n_samples", n_samples, 2, MAX_LAB_SAMPLES)
    if not blocks or any(check_int("blocks", n, 1, 1024) != n for n in blocks):
        raise ValueError(f"blocks = {blocks!r} is not allowed; use whole numbers from 1 to 1024")
    act = get_activation(config.activation)
    X, _ = _inputs(config.seed, n_samples, width)
    N = max(blocks)
    rng = stream(config.seed, "residual-lab")
    he = math.sqrt(2.0 / width)
    W1 = [rng.standard_normal((width, width)) * he for _ in range(N)]
    W2 = [rng.standard_normal((width, width)) * he for _ in range(N)]
    s0 = float(X.std())
    frames = []

    def run(name: str, n: int, scale: float) -> None:
        h, spread = X.copy(), [1.0]
        with np.errstate(all="ignore"):
            for w1, w2 in zip(W1[:n], W2[:n], strict=True):
                if scale:
                    h += act(h @ w1.T) @ (w2.T * scale)
                else:  # a zero last layer: the branch adds exactly 0
                    h += act(h @ w1.T) @ np.zeros_like(w2.T)
                spread.append(float(h.std()) / s0)
        spread = np.array(spread)
        spread[~np.isfinite(spread)] = np.inf
        frames.append(
            pd.DataFrame({"branch": name, "blocks": n, "block": np.arange(n + 1),
                          "spread": spread})
        )  # fmt: skip

    for n in sorted(blocks):
        run("gpt2", n, 1.0 / math.sqrt(2 * n))
    run("he", N, 1.0)
    run("zero", N, 0.0)
    whole = pd.concat(frames, ignore_index=True)
    # He's and zero's nets of N blocks are the first N blocks of the longest one
    out = [whole[whole.branch == "gpt2"]]
    for name in ("he", "zero"):
        rows = whole[whole.branch == name]
        out += [rows[rows.block <= n].assign(blocks=n) for n in sorted(blocks)]
    return pd.concat(out, ignore_index=True)


# ---------------------------------------------------------------------- the Jacobian's spectrum
# The input-output Jacobian of the lab's net, J = D_L W_L ... D_1 W_1 (D_l = diag g'(z_l)), at
# these depths (and the net's own); its singular values below SV_FLOOR times the largest are
# rounding (float64 keeps about 16 digits), not measured.
SPECTRUM_DEPTHS = (1, 2, 5, 10, 20, 50)
SV_FLOOR = 1e-12
ISOMETRY_BAND = 2.0  # a singular value within a factor 2 of 1 counts as near isometry
ISOMETRY_GAINS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 5 / 3, 2.0)
ISOMETRY_INPUT_STDS = (1.0, 0.1)


def jacobians(
    weights: list[np.ndarray], X: np.ndarray, activation: str, depths: tuple[int, ...]
) -> dict[int, np.ndarray]:
    """The Jacobian d(layer d's output)/d(input) of a plain net (zero biases) with these
    weights, for each input row of X (batch-first), at each depth d: {d: (m, n_d, n_0)}.
    Forward mode, in float64: J_d = diag(g'(z_d)) W_d J_{d-1}, J_0 = I."""
    act = get_activation(activation)
    a = np.asarray(X, dtype=np.float64)
    m, n0 = a.shape
    J = np.broadcast_to(np.eye(n0), (m, n0, n0))
    out = {}
    with np.errstate(all="ignore"):
        for d, w in enumerate(weights[: max(depths)], start=1):
            z = a @ w.T
            a = act(z)
            slope = act.grad(z, a, np.empty_like(z))
            J = slope[:, :, None] * np.matmul(w, J)
            if d in depths:
                out[d] = J
    return out


def singular_values(J: np.ndarray) -> np.ndarray:
    """Each Jacobian's singular values (m, k), largest first; NaN where J is not finite."""
    finite = np.isfinite(J).all(axis=(1, 2))
    sv = np.full((J.shape[0], min(J.shape[1:])), np.nan)
    if finite.any():
        sv[finite] = np.linalg.svd(J[finite], compute_uv=False)
    return sv


def jacobian_spectrum(
    config: TrainConfig | None = None,
    *,
    depth: int = 20,
    width: int = 128,
    n_inputs: int = 2,
) -> pd.DataFrame:
    """The singular values of the input-output Jacobian at initialization, per scheme and depth
    (Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017).

    The lab's net (:func:`propagate`: ``depth`` layers of ``width`` units, each scheme's own
    weights, zero biases, the config's activation) at its first ``n_inputs`` N(0, 1) inputs; at
    each depth of SPECTRUM_DEPTHS up to ``depth`` (and ``depth``) the singular values of
    J = d h_d / d x. Rows: ``scheme``, ``depth``, ``input``, ``sv`` (largest first) and
    ``resolved`` (False below SV_FLOOR x the largest: rounding, not measured)."""
    config = TrainConfig() if config is None else config
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    n_inputs = check_int("n_inputs", n_inputs, 1, 64)
    X, _ = _inputs(config.seed, 256, width)  # the lab's batch; its first rows
    dims = [width] * (depth + 1) + [1]
    depths = tuple(sorted({d for d in SPECTRUM_DEPTHS if d < depth} | {depth}))
    frames = []
    for name in config.schemes:
        weights = config.initial_weights(name, dims, X)[:-1]
        for d, J in jacobians(weights, X[:n_inputs], config.activation, depths).items():
            frames.append(_spectrum_rows(singular_values(J), scheme=name, depth=d))
    return pd.concat(frames, ignore_index=True)


def _spectrum_rows(sv: np.ndarray, **keys) -> pd.DataFrame:
    m, k = sv.shape
    with np.errstate(invalid="ignore"):
        resolved = sv > SV_FLOOR * sv[:, :1]
    return pd.DataFrame(
        {**keys, "input": np.repeat(np.arange(m), k), "sv": sv.ravel(),
         "resolved": resolved.ravel()}
    )  # fmt: skip


def spectrum_summary(spectrum: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group of ``by``: the singular values' median, 5th and 95th percentiles, smallest and
    largest (unresolved ones counted as SV_FLOOR x the largest, the most they can be), the share
    measured within a factor ISOMETRY_BAND of 1 and the share unresolved."""

    def one(g: pd.DataFrame) -> pd.Series:
        top = g.groupby("input").sv.transform("max")
        sv = np.where(g.resolved, g.sv, SV_FLOOR * top)
        finite = np.isfinite(sv)
        if not finite.any():
            return pd.Series(dict(p0=np.nan, p5=np.nan, p50=np.nan, p95=np.nan, p100=np.nan,
                                  near_one=np.nan, unresolved=np.nan))  # fmt: skip
        p0, p5, p50, p95, p100 = np.percentile(sv[finite], [0, 5, 50, 95, 100])
        band = (sv >= 1 / ISOMETRY_BAND) & (sv <= ISOMETRY_BAND) & g.resolved.to_numpy()
        band = band[finite]  # an unresolved value is only bounded above: never near 1
        return pd.Series(dict(p0=p0, p5=p5, p50=p50, p95=p95, p100=p100,
                              near_one=float(band.mean()),
                              unresolved=float((~g.resolved[finite]).mean())))  # fmt: skip

    rows = [{**dict(zip(by, key, strict=True)), **one(g)} for key, g in
            spectrum.groupby(by, sort=False)]  # fmt: skip
    return pd.DataFrame(rows)


def isometry_sweep(
    config: TrainConfig | None = None,
    *,
    depth: int = 20,
    width: int = 128,
    gains: tuple[float, ...] = ISOMETRY_GAINS,
    input_stds: tuple[float, ...] = ISOMETRY_INPUT_STDS,
) -> pd.DataFrame:
    """Where dynamical isometry lives: orthogonal against Gaussian weights over their gain.

    The lab's net at ``depth`` (the config's activation and seed, zero biases) with every
    layer's weights ``gain`` x an orthogonal matrix (orthogonal's draws at gain 1) or ``gain``
    x N(0, 1/width) (Random small's draws), for each of ``gains``; its first lab input scaled to
    each of ``input_stds`` (1: the lab's inputs; small: tanh works near its linear part). Rows:
    ``weights`` ("orthogonal" or "Gaussian"), ``gain``, ``input_std``, ``sv`` and ``resolved``
    (as :func:`jacobian_spectrum`)."""
    config = TrainConfig() if config is None else config
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    X, _ = _inputs(config.seed, 256, width)
    dims = [width] * (depth + 1)
    bases = {
        "orthogonal": sample_weights(dims, "orthogonal", scheme_rng(config.seed, "orthogonal"),
                                     activation="linear"),
        "Gaussian": sample_weights(dims, "random_small", scheme_rng(config.seed, "random_small"),
                                   scale=1.0 / math.sqrt(width)),
    }  # fmt: skip
    frames = []
    for kind, base in bases.items():
        for g in gains:
            weights = [w * g for w in base]
            for s in input_stds:
                J = jacobians(weights, X[:1] * s, config.activation, (depth,))[depth]
                frames.append(_spectrum_rows(singular_values(J), weights=kind, gain=g,
                                             input_std=s))  # fmt: skip
    return pd.concat(frames, ignore_index=True)
