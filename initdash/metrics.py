"""Measurements on stacks of networks: all functions take arrays with a leading model axis;
layer outputs are (M, n neurons, m examples). These definitions are the ones the app, the CLI
and the TL;DR use (docs/architecture.md says where each is shown); each function says what it
measures. Two need more words:

* per-neuron output divergence (:func:`divergence`): ``D / (sqrt(2) * std(A))`` with
  ``D = sqrt( sum_{i<j} ||a_i - a_j||^2 / (n(n-1)/2) / m )`` computed in O(m n) from
  ``sum_{i<j} ||a_i - a_j||^2 = n sum ||d_i||^2 - ||sum d_i||^2`` with ``d_i = a_i - a_1``
  (shifting by the first neuron keeps exact clones at exactly 0). Values under ``CLONE_RTOL``
  are float rounding and read exactly 0: BLAS may compute two identical rows of a matrix
  product in different orders, 1 unit in the last place apart;
* distinct neurons (:func:`distinct_neurons`): among the units that are neither dead nor
  stuck, those whose output differs from every earlier one's by more than ``CLONE_RTOL``
  times the layer's RMS output (so a layer reads "k distinct + d dead + s stuck" of n).
"""

from __future__ import annotations

import numpy as np

from .activations import Activation

CLONE_RTOL = 1e-6
# A unit is saturated where its slope is under 5% of the activation's peak slope: tanh' < 0.05
# (|a| > 0.975), sigmoid' < 0.0125 (a < 0.0127 or a > 0.9873).
SATURATION_SLOPE = 0.05
HIST_BINS = 31  # odd, so 0 sits in the middle of a bin
SIMILARITY_NEURONS = 32
ACT_BINS = 31  # bins of an activation histogram (odd: 0, or sigmoid's 0.5, mid-bin)
# The range of the bounded activations: their histograms use fixed bins over it.
ACT_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
ACT_SYMLOG_C = 0.1  # unbounded activations: bins linear within about +-0.1, logarithmic beyond
PERCENTILES = (2.0, 50.0, 98.0)


def divergence(A: np.ndarray) -> np.ndarray:
    """Per-model scale-free pairwise distance between neuron outputs. A: (M, n, m) -> (M,).

    The RMS distance between two neurons' outputs, averaged over the pairs, divided by
    ``sqrt(2)`` times the standard deviation of all the layer's outputs: exactly 0 for clones,
    about 1 for unrelated neurons (two independent outputs of spread s are sqrt(2) s apart)."""
    M, n, m = A.shape
    if n < 2 or m == 0:
        return np.zeros(M)
    d = A - A[:, :1, :]
    sq = np.einsum("kij,kij->k", d, d)
    s = d.sum(axis=1)
    total = n * sq - np.einsum("ki,ki->k", s, s)
    pairs = n * (n - 1) / 2
    rms_distance = np.sqrt(np.maximum(total, 0.0) / pairs / m)
    spread = np.sqrt(2.0) * A.std(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(spread > 0, rms_distance / spread, 0.0)
    out[(sq == 0) | (out < CLONE_RTOL)] = 0.0  # clones, up to float rounding
    return out


def param_clones(P_in: np.ndarray, W_out: np.ndarray) -> np.ndarray:
    """True per model when every neuron of a layer has exactly the same parameters: the same
    incoming weights and bias (rows of ``P_in``, (M, n, fan_in + 1)) and the same outgoing
    weights (columns of ``W_out``, (M, n_next, n)). Such neurons are interchangeable: the
    symmetry that gradient descent can never break. Unlike output-based clone counts, dead or
    vanished units with different weights do not count."""
    same_in = np.all(P_in == P_in[:, :1, :], axis=(1, 2))
    same_out = np.all(W_out == W_out[:, :, :1], axis=(1, 2))
    return same_in & same_out


def _gram_distances(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared distances between neuron output vectors (M, n, n) and their norms (M, n)."""
    G = np.matmul(A, A.transpose(0, 2, 1))
    sq = np.einsum("kii->ki", G)
    D2 = sq[:, :, None] + sq[:, None, :] - 2.0 * G
    np.maximum(D2, 0.0, out=D2)
    return D2, np.sqrt(sq)


def dead_units(act: Activation, Z: np.ndarray) -> np.ndarray:
    """(M, n) bool: units of the ReLU family that are off (z <= 0) for every example."""
    if not act.dies or Z.shape[2] == 0:
        return np.zeros(Z.shape[:2], dtype=bool)
    return ~np.any(Z > 0, axis=2)


def _slopes(act: Activation, A: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """The activation's slope at every output, relative to its peak slope."""
    slope = act.grad(Z, A, np.empty(A.shape, np.float64))
    slope /= act.peak_slope
    return slope


def stuck_units(act: Activation, A: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """(M, n) bool: S-shaped units saturated on every example (their slope stays under
    ``SATURATION_SLOPE`` of the peak: almost no gradient passes them, whatever the input)."""
    if not act.saturates or A.shape[2] == 0:
        return np.zeros(A.shape[:2], dtype=bool)
    return np.all(~(_slopes(act, A, Z) >= SATURATION_SLOPE), axis=2)


def distinct_neurons(A: np.ndarray, inactive: np.ndarray | None = None) -> np.ndarray:
    """Number of neurons that are not clones of an earlier neuron, among those not marked
    ``inactive`` ((M, n) bool: dead or stuck units, counted apart). A: (M, n, m) -> (M,) int."""
    M, n, m = A.shape
    if n == 0:
        return np.zeros(M, dtype=np.int64)
    live = np.ones((M, n), dtype=bool) if inactive is None else ~inactive
    D2, norms = _gram_distances(A)
    scale = np.sqrt((norms**2).sum(axis=1) / max(n, 1))  # RMS norm of a neuron vector
    tol = (CLONE_RTOL * scale) ** 2 + 1e-300
    close = D2 <= tol[:, None, None]
    close &= live[:, None, :]  # a clone of an earlier *live* neuron
    repeated = np.tril(close, k=-1).any(axis=2)
    out = (live & ~repeated).sum(axis=1)
    exact = np.all(A == A[:, :1, :], axis=(1, 2)) & live.all(axis=1)
    out[exact] = 1
    return out.astype(np.int64)


def similarity(A: np.ndarray, max_neurons: int = SIMILARITY_NEURONS) -> np.ndarray:
    """Neuron-by-neuron similarity ``1 - ||c_i - c_j|| / (||c_i|| + ||c_j||)`` of the first
    ``max_neurons`` neurons, on outputs centred by the layer's mean output ``c = a - mean(A)``
    (so 0.5 +- tiny sigmoid outputs do not all look alike). -> (M, k, k) in [0, 1]."""
    C = A - A.mean(axis=(1, 2), keepdims=True)
    C = C[:, :max_neurons, :]
    D2, norms = _gram_distances(C)
    denom = norms[:, :, None] + norms[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = 1.0 - np.sqrt(D2) / denom
    s[denom == 0] = 1.0
    return np.clip(np.nan_to_num(s, nan=0.0), 0.0, 1.0)


def saturated_fraction(act: Activation, A: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Share of (example, unit) outputs on a flat part of an S-shaped activation: slope under
    ``SATURATION_SLOPE`` times the activation's peak slope. -> (M,)."""
    if not act.saturates:
        return np.zeros(A.shape[0])
    return np.mean(~(_slopes(act, A, Z) >= SATURATION_SLOPE), axis=(1, 2))


def dead_fraction(act: Activation, Z: np.ndarray) -> np.ndarray:
    """Share of units of the ReLU family that are off (z <= 0) for every example. -> (M,)."""
    return dead_units(act, Z).mean(axis=1) if Z.shape[1] else np.zeros(Z.shape[0])


# The signal-flow statistics of a layer (:func:`layer_signal`), in the order the lab's table
# and the CLI print them.
LAYER_COLUMNS = (
    "act_mean",
    "act_std",
    "saturated_fraction",
    "dead_fraction",
    "grad_norm",
    "backprop_signal",
)


def layer_signal(
    act: Activation,
    A: np.ndarray | None,
    Z: np.ndarray,
    dW: np.ndarray,
    dZ: np.ndarray,
    G: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The signal flowing through one layer after a forward and backward pass, per model:
    LAYER_COLUMNS -> (M,). From a hidden layer's outputs ``A`` (M, n, m) in float64 and
    pre-activations ``Z``: the outputs' mean and std, the saturated share of the outputs
    (:func:`saturated_fraction`) and the dead share of the units (:func:`dead_fraction`);
    ``A`` None (the output layer) leaves those out. From the gradient of the layer's incoming
    weights ``dW`` and of its pre-activations ``dZ`` (of the mean loss over the m examples):
    the Frobenius norm of dLoss/dW and the backprop signal, the RMS of dLoss/dz per example.
    In a residual layer ``A`` is the stream and ``G`` (float64) the branch's g(Z), where
    saturation is measured. The training's detailed measurements and the deep-signal lab both
    read these."""
    out = {}
    if A is not None:
        out["act_mean"] = A.mean(axis=(1, 2))
        out["act_std"] = A.std(axis=(1, 2))
        out["saturated_fraction"] = saturated_fraction(act, A if G is None else G, Z)
        out["dead_fraction"] = dead_fraction(act, Z)
    out["grad_norm"] = np.sqrt(np.sum(np.square(dW, dtype=np.float64), axis=(1, 2)))
    out["backprop_signal"] = rms(dZ.astype(np.float64), (1, 2)) * dZ.shape[2]
    return out


def prediction_gap(logits: np.ndarray) -> np.ndarray:
    """How far the most confident prediction of each model is from a coin toss: the largest,
    over examples, of (probability of the predicted class - 1/K). logits: (M, K', m) with one
    logit for 2 classes (K' = 1) or one per class. -> (M,) in [0, 1 - 1/K]."""
    if logits.shape[2] == 0:
        return np.zeros(logits.shape[0])
    if logits.shape[1] == 1:
        return np.max(np.abs(0.5 * np.tanh(0.5 * logits[:, 0])), axis=1)
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e.max(axis=1) / e.sum(axis=1)
    return np.max(p, axis=1) - 1.0 / logits.shape[1]


def hist_edges(
    weights: np.ndarray, bins: int = HIST_BINS, c_max: float | None = None
) -> tuple[np.ndarray, float]:
    """Shared bin edges for one layer's stacked weights (M, ...), spaced evenly in asinh(w / c)
    so tiny and huge weights are both visible, and that symlog constant c: half the smallest
    std of a model, and at most ``c_max`` (the layer's c at initialization: the bins keep
    resolving the decades its weights started in)."""
    flat = weights.reshape(weights.shape[0], -1)
    finite = np.where(np.isfinite(flat), flat, 0.0)
    R = float(np.abs(finite).max()) if finite.size else 0.0
    if R == 0.0:
        R = 1.0
    stds = finite.std(axis=1)
    stds = stds[stds > 0]
    c = float(stds.min()) / 2 if stds.size else R / 2
    c = min(c, c_max) if c_max is not None and c_max > 0 else c
    c = min(max(c, R * 1e-5), R / 2)
    u = np.arcsinh(R / c)
    edges = c * np.sinh(np.linspace(-u, u, bins + 1))
    edges[0], edges[-1] = -R, R
    return edges, c


def histograms(weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of each model's weights in the shared bins (values outside go to the end bins,
    non-finite ones are dropped). weights: (M, ...) -> (M, bins) int."""
    M = weights.shape[0]
    bins = len(edges) - 1
    flat = weights.reshape(M, -1)
    idx = np.clip(np.searchsorted(edges, flat, side="right") - 1, 0, bins - 1)
    idx += (np.arange(M) * bins)[:, None]
    keep = np.isfinite(flat)
    return np.bincount(idx[keep], minlength=M * bins).reshape(M, bins)


def model_std(x: np.ndarray) -> np.ndarray:
    """Each model's standard deviation of all its values (M, ...) -> (M,), in float64, scaled by
    its largest |value| first so that huge but finite values (1e156) do not overflow when
    squared; NaN where a value is not finite."""
    flat = x.reshape(x.shape[0], -1).astype(np.float64)
    top = np.abs(flat).max(axis=1, keepdims=True, initial=0.0)
    scale = np.where((top > 0) & np.isfinite(top), top, 1.0)
    out = (flat / scale).std(axis=1) * scale[:, 0]
    return np.where(np.isfinite(top[:, 0]), out, np.nan)


def linear_histograms(weights: np.ndarray, bins: int = HIST_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Each model's own equal bins over its own range, -max|w| to max|w| (0 mid-bin; -1 to 1
    when all its weights are 0), and its counts in them (non-finite values dropped): the
    shape of one model's weights on a linear axis. weights: (M, ...) -> edges (M, bins + 1),
    counts (M, bins) int."""
    M = weights.shape[0]
    flat = weights.reshape(M, -1).astype(np.float64)
    keep = np.isfinite(flat)
    top = np.where(keep, np.abs(flat), 0.0).max(axis=1, initial=0.0)
    top = np.where(top > 0, top, 1.0)
    edges = np.linspace(-top, top, bins + 1, axis=1)
    idx = np.floor((flat + top[:, None]) / (2 * top[:, None]) * bins)
    idx = np.clip(np.where(keep, idx, 0), 0, bins - 1).astype(np.intp)
    idx += (np.arange(M) * bins)[:, None]
    counts = np.bincount(idx[keep], minlength=M * bins).reshape(M, bins)
    return edges, counts


def rms(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    # squares in float64: float32 weights above ~1.8e19 would overflow to inf
    return np.sqrt(np.mean(np.square(x, dtype=np.float64), axis=axes))


def percentiles(values: np.ndarray, q: tuple[float, ...] = PERCENTILES) -> np.ndarray:
    """Each model's percentiles ``q`` of all its values (M, ...) -> (M, len(q)), NaN for a model
    with a NaN value: ``np.percentile``'s numbers (linear interpolation, the same formula, in
    float64), from one sort per model (a seventh of np.percentile's partition at 3 levels)."""
    return distribution(values)[0]


def distribution(
    values: np.ndarray, edges: np.ndarray | None = None, q: tuple[float, ...] = PERCENTILES
) -> tuple[np.ndarray, np.ndarray | None]:
    """Percentiles (as :func:`percentiles`) and, with ``edges``, the counts of
    :func:`histograms` (M, bins), both from one sort of each model's values."""
    flat = values.reshape(values.shape[0], -1)
    M, n = flat.shape
    counts = None if edges is None else np.zeros((M, len(edges) - 1), np.int64)
    if n == 0:
        return np.full((M, len(q)), np.nan), counts
    s = flat.copy()
    s.sort(axis=1)  # NaN sorts last
    pos = np.asarray(q, dtype=np.float64) / 100 * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    t = pos - lo
    a, b = s[:, lo].astype(np.float64), s[:, hi].astype(np.float64)
    d = b - a
    pct = np.where(t >= 0.5, b - d * (1 - t), a + d * t)  # as numpy's _lerp
    pct[np.isnan(s[:, -1])] = np.nan
    if edges is not None:  # bins as in histograms(): values below the edges in the first bin
        all_finite = np.isfinite(s[:, [0, -1]]).all(axis=1)
        cuts = np.empty(len(edges), np.int64)
        for k, row in enumerate(s):
            cuts[1:-1] = row.searchsorted(edges[1:-1])  # how many values are below each
            cuts[0], cuts[-1] = 0, n  # the finite values (-inf sorts first, +inf and NaN last)
            if not all_finite[k]:
                cuts[0], cuts[-1] = row.searchsorted(-np.inf, "right"), row.searchsorted(np.inf)
            counts[k] = cuts[1:] - cuts[:-1]
    return pct, counts


def activation_edges(name: str, A: np.ndarray, bins: int = ACT_BINS) -> np.ndarray:
    """Bin edges for a layer's outputs A (M, ...) under activation ``name``: fixed equal bins
    over the range of a bounded activation (ACT_RANGES), else from the smallest to the largest
    finite output, spaced evenly in asinh(a / ACT_SYMLOG_C) (at least +-ACT_SYMLOG_C wide)."""
    if name in ACT_RANGES:
        return np.linspace(*ACT_RANGES[name], bins + 1)
    finite = A[np.isfinite(A)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    c = ACT_SYMLOG_C
    if hi - lo < c:
        mid = (hi + lo) / 2
        lo, hi = mid - c, mid + c
    edges = c * np.sinh(np.linspace(np.arcsinh(lo / c), np.arcsinh(hi / c), bins + 1))
    edges[0], edges[-1] = lo, hi
    return edges
