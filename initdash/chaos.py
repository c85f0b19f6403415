"""The edge of chaos: random deep tanh nets at initialization, in mean-field theory and measured
(Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli 2016; Schoenholz, Gilmer, Ganguli &
Sohl-Dickstein 2017).

A net of width n: h_1 = W_1 x + b_1, h_l = W_l tanh(h_{l-1}) + b_l, with every weight drawn
N(0, sigma_w^2 / fan_in) and every bias N(0, sigma_b^2). For wide nets a unit's pre-activation
is Gaussian with variance q_l, and the correlation c_l of two inputs' pre-activations follows
two maps (z, z1, z2 independent N(0, 1)):

    q_l  = sigma_w^2 E[tanh(sqrt(q_{l-1}) z)^2] + sigma_b^2                  (length)
    c_l  = (sigma_w^2 E[tanh(u1) tanh(u2)] + sigma_b^2) / q_l,                 (correlation)
           u1 = sqrt(q) z1, u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2)

q settles at a fixed point q*, and c = 1 is a fixed point whose stability is set by the slope
chi_1 = sigma_w^2 E[tanh'(sqrt(q*) z)^2]: below 1, nearby inputs are pulled together (ordered:
the net forgets where its input came from); above 1, pushed apart (chaotic: a tiny change of
the input changes the output completely). chi_1 = 1 is the edge of chaos. The expectations are
Gauss-Hermite quadratures (HERMITE nodes); the fixed point q* is found by bisection.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .lab import MAX_DEPTH, MAX_WIDTH, check_int
from .schemes import stream

HERMITE = 81
GAUSS_NODES, GAUSS_WEIGHTS = np.polynomial.hermite_e.hermegauss(HERMITE)
GAUSS_WEIGHTS = GAUSS_WEIGHTS / GAUSS_WEIGHTS.sum()  # E[f(z)], z ~ N(0, 1): a weighted sum
_Z2, _W2 = np.polynomial.hermite_e.hermegauss(41)
_W2 = _W2 / _W2.sum()

SIGMA_W2 = tuple(np.round(np.linspace(0.5, 4.0, 15), 4))  # the phase diagram's columns
SIGMA_B2 = tuple(np.round(np.linspace(0.0, 0.3, 13), 4))  # ... and rows


def _expect(f, q: np.ndarray) -> np.ndarray:
    """E[f(sqrt(q) z)] for every q (any shape), z ~ N(0, 1)."""
    q = np.asarray(q, dtype=np.float64)
    return f(np.sqrt(q)[..., None] * GAUSS_NODES) @ GAUSS_WEIGHTS


def length_map(q, sigma_w2, sigma_b2) -> np.ndarray:
    """One layer of the length map: q -> sigma_w^2 E[tanh(sqrt(q) z)^2] + sigma_b^2."""
    return sigma_w2 * _expect(lambda u: np.tanh(u) ** 2, q) + sigma_b2


def q_star(sigma_w2, sigma_b2) -> np.ndarray:
    """The length map's stable fixed point q* (broadcast over the arguments): 0 when sigma_b^2
    is 0 and sigma_w^2 <= 1 (the signal dies out), else the root of q = length_map(q) in
    (0, sigma_w^2 + sigma_b^2], by bisection to float precision (the map lies above the
    diagonal below q* and under it above)."""
    sw2, sb2 = np.broadcast_arrays(np.asarray(sigma_w2, float), np.asarray(sigma_b2, float))
    lo = np.zeros(sw2.shape)
    hi = sw2 + sb2 + 1e-12  # E[tanh^2] < 1: the map never exceeds this
    for _ in range(80):
        mid = (lo + hi) / 2
        above = length_map(mid, sw2, sb2) > mid
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.where((sb2 == 0) & (sw2 <= 1), 0.0, (lo + hi) / 2)


def chi_1(sigma_w2, sigma_b2) -> np.ndarray:
    """chi_1 = sigma_w^2 E[tanh'(sqrt(q*) z)^2]: the correlation map's slope at c = 1."""
    q = q_star(sigma_w2, sigma_b2)
    return np.asarray(sigma_w2) * _expect(lambda u: (1.0 - np.tanh(u) ** 2) ** 2, q)


def critical_sigma_w2(sigma_b2) -> np.ndarray:
    """The edge of chaos: for each sigma_b^2, the sigma_w^2 where chi_1 = 1 (chi_1 grows with
    sigma_w^2; bisection on [0.5, 16])."""
    sb2 = np.asarray(sigma_b2, dtype=np.float64)
    lo, hi = np.full(sb2.shape, 0.5), np.full(sb2.shape, 16.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        ordered = chi_1(mid, sb2) < 1
        lo = np.where(ordered, mid, lo)
        hi = np.where(ordered, hi, mid)
    return (lo + hi) / 2


def correlation_map(sigma_w2: float, sigma_b2: float, c0: float, depth: int) -> np.ndarray:
    """Mean-field correlation c_l of two inputs' pre-activations, layers 1..depth, for inputs
    with per-unit mean square 1 and correlation c0 (as :func:`phase_diagram`'s), iterating
    both maps from layer 1 (q_1 = sigma_w^2 + sigma_b^2)."""
    z1, z2 = np.meshgrid(_Z2, _Z2, indexing="ij")
    w = np.outer(_W2, _W2)
    q = sigma_w2 + sigma_b2
    c = (sigma_w2 * c0 + sigma_b2) / q
    out = [c]
    for _ in range(depth - 1):
        u1 = math.sqrt(q) * z1
        u2 = math.sqrt(q) * (c * z1 + math.sqrt(max(1.0 - c * c, 0.0)) * z2)
        q12 = sigma_w2 * float(np.sum(w * np.tanh(u1) * np.tanh(u2))) + sigma_b2
        q = float(length_map(q, sigma_w2, sigma_b2))
        c = min(q12 / q, 1.0)
        out.append(c)
    return np.array(out)


def phase_diagram(
    *,
    depth: int = 20,
    width: int = 128,
    seed: int = 0,
    pairs: int = 4,
    c0: float = 0.99,
    sigma_w2: tuple[float, ...] = SIGMA_W2,
    sigma_b2: tuple[float, ...] = SIGMA_B2,
) -> pd.DataFrame:
    """The (sigma_w^2, sigma_b^2) plane of a random tanh net of ``depth`` layers of ``width``,
    in theory and measured.

    Every cell's net scales the same N(0, 1) draws (the seed's own stream): W_l =
    sqrt(sigma_w^2 / width) G_l, b_l = sqrt(sigma_b^2) g_l. ``pairs`` pairs of nearby inputs
    (N(0, 1) vectors with correlation ``c0``) go through every cell's net. Rows, one per cell:
    ``sigma_w2``, ``sigma_b2``, ``chi_1`` and ``q_star`` (mean field), ``c_1`` and ``c_L``
    (measured: the pairs' mean correlation of pre-activations, sum h h' / sqrt(sum h^2 sum
    h'^2), at layer 1 and layer ``depth``), ``c_L_theory`` (:func:`correlation_map`) and
    ``separation``: log10((1 - c_L) / (1 - c_1)), how far the pairs moved apart (> 0) or
    together (< 0) between layer 1 and layer ``depth`` (clipped to -15 where they merged to
    float precision)."""
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 2, MAX_WIDTH)
    pairs = check_int("pairs", pairs, 1, 64)
    if not 0 < c0 < 1:
        raise ValueError(f"c0 = {c0!r} is not allowed; use a number between 0 and 1")
    rng = stream(seed, "edge-of-chaos")
    x1 = rng.standard_normal((pairs, width))
    x2 = c0 * x1 + math.sqrt(1 - c0 * c0) * rng.standard_normal((pairs, width))
    cells = np.array([(a, b) for a in sigma_w2 for b in sigma_b2], dtype=np.float64)
    C = len(cells)
    sw = np.sqrt(cells[:, 0] / width)[:, None, None]
    sb = np.sqrt(cells[:, 1])[:, None, None]
    a = np.broadcast_to(np.concatenate([x1, x2]).T, (C, width, 2 * pairs))
    corr = []
    for _ in range(depth):
        G = rng.standard_normal((width, width))
        g = rng.standard_normal((width, 1))
        # one matmul for every cell: G @ [a_1 | a_2 | ...]
        pre = (G @ a.transpose(1, 0, 2).reshape(width, -1)).reshape(width, C, -1)
        h = sw * pre.transpose(1, 0, 2) + sb * g
        u, v = h[:, :, :pairs], h[:, :, pairs:]
        c = np.sum(u * v, axis=1) / np.sqrt(np.sum(u * u, axis=1) * np.sum(v * v, axis=1))
        corr.append(c.mean(axis=1))
        a = np.tanh(h)
    c1, cL = corr[0], corr[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        sep = np.log10(np.maximum(1.0 - cL, 0.0) / (1.0 - c1))
    sep = np.clip(np.nan_to_num(sep, nan=0.0, neginf=-15.0), -15.0, None)
    df = pd.DataFrame({"sigma_w2": cells[:, 0], "sigma_b2": cells[:, 1]})
    df["chi_1"] = chi_1(df.sigma_w2.to_numpy(), df.sigma_b2.to_numpy())
    df["q_star"] = q_star(df.sigma_w2.to_numpy(), df.sigma_b2.to_numpy())
    df["c_1"], df["c_L"], df["separation"] = c1, cL, sep
    df["c_L_theory"] = [
        correlation_map(w2, b2, c0, depth)[-1] for w2, b2 in zip(df.sigma_w2, df.sigma_b2,
                                                                   strict=True)
    ]  # fmt: skip
    return df


PICTURE_GRID = 40  # the pictures' points per side, over the square [-1, 1]^2
PICTURE_UNITS = 4  # units of the last layer drawn (the first ones)


def output_pictures(
    points: tuple[tuple[float, float], ...],
    *,
    depth: int = 20,
    width: int = 64,
    seed: int = 0,
    grid: int = PICTURE_GRID,
    units: int = PICTURE_UNITS,
) -> pd.DataFrame:
    """A random deep tanh net's output over the plane, at each (sigma_w^2, sigma_b^2) of
    ``points``: the input is the point (x, y) of a grid x grid square over [-1, 1]^2, the
    first layer's fan-in 2; rows ``sigma_w2``, ``sigma_b2``, ``unit`` (of the last layer's
    first ``units``), ``x``, ``y`` and ``value`` = tanh(h_depth) in [-1, 1]. Every point's net
    scales the same draws (the seed's own stream)."""
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 2, MAX_WIDTH)
    grid = check_int("grid", grid, 2, 200)
    units = check_int("units", units, 1, width)
    rng = stream(seed, "chaos-pictures")
    Gs = [rng.standard_normal((width, 2 if i == 0 else width)) for i in range(depth)]
    gs = [rng.standard_normal((width, 1)) for _ in range(depth)]
    xs = np.linspace(-1.0, 1.0, grid)
    gx, gy = np.meshgrid(xs, xs)
    X = np.stack([gx.ravel(), gy.ravel()])  # (2, grid^2)
    frames = []
    for w2, b2 in points:
        a = X
        for G, g in zip(Gs, gs, strict=True):
            a = np.tanh(math.sqrt(w2 / G.shape[1]) * (G @ a) + math.sqrt(b2) * g)
        for k in range(units):
            frames.append(pd.DataFrame({"sigma_w2": w2, "sigma_b2": b2, "unit": k + 1,
                                        "x": X[0], "y": X[1], "value": a[k]}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def picture_stats(pictures: pd.DataFrame) -> pd.DataFrame:
    """Per picture (point and unit): ``range``, the 98th minus the 2nd percentile of its values
    (0: flat; tanh spans 2), and ``roughness``, the mean |difference| between vertically
    neighbouring grid points over the values' std (small: smooth; large: fragmented)."""
    rows = []
    for (w2, b2, unit), g in pictures.groupby(["sigma_w2", "sigma_b2", "unit"], sort=False):
        img = g.sort_values(["y", "x"]).value.to_numpy()
        n = int(round(math.sqrt(len(img))))
        img = img.reshape(n, n)
        p2, p98 = np.percentile(img, [2, 98])
        sd = img.std()
        rough = float(np.mean(np.abs(np.diff(img, axis=0))) / sd) if sd > 0 else 0.0
        rows.append(dict(sigma_w2=w2, sigma_b2=b2, unit=unit, range=p98 - p2, roughness=rough))
    return pd.DataFrame(rows)
