"""Neurons you can see: each hidden neuron's output over the input plane, and the network drawn.

At every detail epoch the trainer records, for the first seed of each scheme and the first
``LAYERS`` hidden layers (at most ``NEURONS`` neurons each):

* each neuron's output on the thumbnail inputs: a ``THUMB`` x ``THUMB`` grid over the data
  plane (2 features), or up to ``THUMB**2`` data points placed in the plane of their first two
  principal components (more features), as TensorFlow Playground draws inside each neuron;
* each neuron's mean output on the probe set (a node's colour in the network diagram);
* the weights between the drawn neurons (the diagram's links).

The sizes are bounded whatever the network: per scheme and epoch at most
LAYERS x NEURONS x THUMB^2 outputs (float16) and a few hundred weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import Data
from .nn import StackedMLP, with_ones

THUMB = 12  # thumbnail resolution: THUMB x THUMB grid points (or data points)
NEURONS = 8  # neurons drawn per layer
LAYERS = 4  # hidden layers drawn (the first ones)
INPUTS = 8  # input features drawn in the network diagram


@dataclass(frozen=True)
class Thumbnails:
    """The inputs every neuron is shown on, once per run."""

    X: np.ndarray  # (P, n_features): what the networks are fed
    xy: np.ndarray  # (P, 2): where each input is drawn
    kind: str  # "grid" (the data plane) or "pca" (data points on their first 2 components)


@dataclass
class NeuronRecord:
    """What the neurons did at one detail epoch (first seed of each of the S schemes)."""

    maps: list[np.ndarray]  # per drawn layer: (S, k, P) float16 outputs on the thumbnail inputs
    means: list[np.ndarray]  # per drawn layer: (S, k) mean output on the probe set
    links: list[np.ndarray]  # input -> layer 1 -> ... -> (output): (S, k_out, k_in) weights


def thumbnail_inputs(data: Data) -> Thumbnails:
    """A grid over the (standardized) data plane, or data points on their first two
    principal components when there are more than 2 features."""
    if data.n_features == 2:
        grid = plane_grid(data, THUMB)[2]
        return Thumbnails(grid, grid, "grid")
    X = np.concatenate([data.X_train, data.X_test])
    pick = np.unique(np.round(np.linspace(0, len(X) - 1, min(THUMB**2, len(X)))).astype(int))
    points = X[pick]
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return Thumbnails(points, centred @ vt[:2].T, "pca")


def plane_grid(data: Data, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A size x size grid over the (standardized) 2-D data, with a margin: xs, ys, points."""
    X = np.concatenate([data.X_train, data.X_test])
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo) + 0.25
    xs, ys = (np.linspace(lo[j] - pad[j], hi[j] + pad[j], size) for j in (0, 1))
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def record(
    net: StackedMLP, thumbs: Thumbnails, X_probe: np.ndarray, models: np.ndarray
) -> NeuronRecord:
    """Outputs, mean outputs and links of the drawn neurons of ``models`` (one per scheme).

    Runs the drawn layers only, for those models only: a few small matmuls."""
    layers = min(LAYERS, len(net.Ws) - 1)
    P = [p[models].astype(np.float64) for p in net.P[: layers + 1]]
    maps, means, links = [], [], []
    a_grid, a_probe = with_ones(thumbs.X, np.float64), with_ones(X_probe, np.float64)
    with np.errstate(all="ignore"):
        for i in range(layers):
            k = min(NEURONS, P[i].shape[1])
            a_grid, a_probe = (_next_layer(net, P[i], a, i, models) for a in (a_grid, a_probe))
            maps.append(a_grid[:, :k].astype(np.float16))
            means.append(a_probe[:, :k].mean(axis=2))
            k_in = min(INPUTS if i == 0 else NEURONS, P[i].shape[2] - 1)
            links.append(P[i][:, :k, :k_in])
        if layers == len(net.Ws) - 1:  # every hidden layer drawn: the output layer too
            k_in = min(NEURONS, P[layers].shape[2] - 1)
            links.append(P[layers][:, :, :k_in])
    return NeuronRecord(maps, means, links)


def _next_layer(
    net: StackedMLP, P: np.ndarray, a1: np.ndarray, i: int, models: np.ndarray
) -> np.ndarray:
    """Hidden layer i for a few models: a1 = [a; 1] of shape (n+1, m) or (M, n+1, m). With
    BatchNorm, normalized as in evaluation (running statistics), like the decision boundary;
    a residual layer adds its input (nn.StackedMLP.skips)."""
    z = np.matmul(P, a1)
    if net.batchnorm:
        scale, shift = net.bn_scale_shift(i, models)
        z = z * scale + shift
    out = np.ones((z.shape[0], z.shape[1] + 1, z.shape[2]))
    net.act.fn(z, out[:, :-1])
    if net.skips[i]:  # a residual layer: its input plus its branch
        out[:, :-1] += a1[..., :-1, :]
    return out


def blank(recorded: NeuronRecord, schemes: np.ndarray) -> None:
    """Erase what diverged schemes show (NaN): their numbers mean nothing any more."""
    for arrays in (recorded.maps, recorded.means, recorded.links):
        for a in arrays:
            a[schemes] = np.nan


def maps_table(result, epoch: int | None = None, layer: int = 1) -> pd.DataFrame:
    """Each drawn neuron's output over the thumbnail inputs of a hidden layer (first seed):
    scheme, neuron (1-based), x, y (where the input is drawn), output."""
    recorded = result.neurons[result.detail_index(epoch)]
    maps = recorded.maps[layer - 1]
    S, k, P = maps.shape
    xy = result.thumbnails.xy.astype(np.float32)
    return pd.DataFrame(
        {
            "scheme": np.repeat(result.schemes, k * P),
            "neuron": np.tile(np.repeat(np.arange(1, k + 1), P), S),
            "x": np.tile(xy[:, 0], S * k),
            "y": np.tile(xy[:, 1], S * k),
            "output": maps.ravel().astype(np.float32),
        }
    )


def network_table(result, epoch: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The network diagram (first seed of each scheme), laid out: nodes (scheme, layer,
    neuron, x, y, mean output; layer 0 = the inputs) and links (scheme, layer of the target,
    weight, x1, y1, x2, y2). A layer's nodes sit at x = layer, centred on y = 0."""
    recorded = result.neurons[result.detail_index(epoch)]
    S = len(result.schemes)
    counts = [recorded.links[0].shape[2], *(w.shape[1] for w in recorded.links)]
    means = [np.full((S, counts[0]), np.nan), *recorded.means]
    means += [np.full((S, c), np.nan) for c in counts[len(means) :]]  # the output layer

    def ys(n: int) -> np.ndarray:
        return np.arange(n) - (n - 1) / 2

    nodes = pd.concat(
        [
            pd.DataFrame(
                {
                    "scheme": np.repeat(result.schemes, n),
                    "layer": layer,
                    "neuron": np.tile(np.arange(1, n + 1), S),
                    "x": float(layer),
                    "y": np.tile(ys(n), S),
                    "mean": m.ravel(),
                }
            )
            for layer, (n, m) in enumerate(zip(counts, means, strict=True))
        ],
        ignore_index=True,
    )
    links = pd.concat(
        [
            pd.DataFrame(
                {
                    "scheme": np.repeat(result.schemes, w.shape[1] * w.shape[2]),
                    "layer": layer,
                    "weight": w.ravel(),
                    "x1": float(layer - 1),
                    "y1": np.tile(np.tile(ys(w.shape[2]), w.shape[1]), S),
                    "x2": float(layer),
                    "y2": np.tile(np.repeat(ys(w.shape[1]), w.shape[2]), S),
                }
            )
            for layer, w in enumerate(recorded.links, start=1)
        ],
        ignore_index=True,
    )
    return nodes, links
