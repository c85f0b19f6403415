"""What a run recorded, and the tidy tables the app, the CLI and the tests read.

The trainer writes arrays (model axis k = scheme * repeats + repeat); every table method turns
them into a long-format ``pandas.DataFrame`` (one row per observation) small enough to chart:
curves are downsampled, weights are histograms, boundaries are a coarse grid.
Values of a model after the epoch it diverged at are shown as missing (NaN).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .activations import get_activation
from .config import TrainConfig, pick_epochs
from .data import Data
from .metrics import PERCENTILES
from .schemes import SCHEMES
from .verdicts import Evidence, Verdict, verdicts


def _per(axis: str, blank: float | int | bool = np.nan):
    """A per-model array of LayerStats: one value per hidden layer ("H"), per weight layer
    ("L") or per model (""), or the three percentiles (metrics.PERCENTILES) per hidden layer
    ("H3") or weight layer ("L3"); ``blank`` is what a diverged model shows (and its dtype)."""
    return field(metadata={"axis": axis, "blank": blank})


@dataclass
class LayerStats:
    """Per-layer measurements of every model at one epoch (H hidden layers, L weight layers)."""

    act_mean: np.ndarray = _per("H")
    act_std: np.ndarray = _per("H")
    saturated_fraction: np.ndarray = _per("H")  # share of outputs on a flat part
    dead_fraction: np.ndarray = _per("H")  # share of units off for every probe example
    divergence: np.ndarray = _per("H")  # scale-free (0 = clones, ~1 = unrelated neurons)
    distinct: np.ndarray = _per("H", -1)  # distinct outputs among units neither dead nor stuck
    dead_units: np.ndarray = _per("H", -1)  # ReLU-family units off for every probe example
    stuck_units: np.ndarray = _per("H", -1)  # S-shaped units saturated for every probe example
    param_clones: np.ndarray = _per("H", False)  # all the layer's neurons have equal parameters
    grad_norm: np.ndarray = _per("L")  # Frobenius norm of dLoss/dW
    backprop_signal: np.ndarray = _per("L")  # RMS of dLoss/dz per example
    w_rms: np.ndarray = _per("L")  # RMS of the weights
    w_std: np.ndarray = _per("L")  # standard deviation of the weights
    prediction_gap: np.ndarray = _per("")  # most confident prediction's distance from chance
    act_pct: np.ndarray = _per("H3")  # percentiles of the layer's outputs
    dz_pct: np.ndarray = _per("L3")  # percentiles of |dLoss/dz| per example (backprop signal)
    dw_pct: np.ndarray = _per("L3")  # percentiles of |dLoss/dW| (the weight gradients)
    # std of the update the optimizer applies next (the epoch's first step) / std of the
    # weights it is applied to (weights only, no bias); filled in by Trainer._update
    update_ratio: np.ndarray = _per("L")
    # how far the layer's weights have moved since initialization, relative to their size:
    # ||W - W0|| / ||W0|| (Frobenius norms); NaN where W0 = 0 (Zeros). Filled in by the trainer.
    w_change: np.ndarray = _per("L")
    width: list[int] = field(default_factory=list)  # (H,)
    w_edges: list[np.ndarray] = field(default_factory=list)  # L x (bins + 1,)
    w_c: list[float] = field(default_factory=list)  # L symlog constants
    w_hist: list[np.ndarray] = field(default_factory=list)  # L x (M, bins)
    # each model's own linear bins over its weights (metrics.linear_histograms)
    w_lin_edges: list[np.ndarray] = field(default_factory=list)  # L x (M, bins + 1)
    w_lin_hist: list[np.ndarray] = field(default_factory=list)  # L x (M, bins)
    similarity: list[np.ndarray] = field(default_factory=list)  # H x (S, k, k), repeat 0 only
    act_edges: list[np.ndarray] = field(default_factory=list)  # H x (ACT_BINS + 1,)
    act_hist: list[np.ndarray] = field(default_factory=list)  # H x (M, ACT_BINS) int32 counts

    @classmethod
    def empty(cls, M: int, H: int, L: int) -> LayerStats:
        shapes = {"H": (M, H), "L": (M, L), "": (M,), "H3": (M, H, 3), "L3": (M, L, 3)}
        return cls(
            **{
                f.name: np.full(shapes[f.metadata["axis"]], f.metadata["blank"])
                for f in fields(cls)
                if "axis" in f.metadata
            }
        )

    def blank(self, models: np.ndarray) -> None:
        """Erase the measurements of some models (diverged ones): NaN, -1, no histogram."""
        for f in fields(self):
            if "axis" in f.metadata:
                getattr(self, f.name)[models] = f.metadata["blank"]
        for h in (*self.w_hist, *self.w_lin_hist, *self.act_hist):
            h[models] = 0


@dataclass
class Result:
    """Everything one run recorded. Built by the trainer; read through the table methods."""

    config: TrainConfig
    data: Data
    dims: list[int]
    schemes: tuple[str, ...]
    repeats: int
    curves: dict[str, np.ndarray]  # name -> (epochs + 1, M)
    diverged_epoch: np.ndarray  # (M,) -1 = never
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    epochs_done: int = 0
    finished: bool = False
    stopped: bool = False
    detail_epochs: list[int] = field(default_factory=list)
    details: list[LayerStats] = field(default_factory=list)
    boundaries: list[np.ndarray | None] = field(default_factory=list)  # (S, G*G, K) repeat 0
    thumbnails: Any = None  # neurons.Thumbnails: the inputs every neuron is drawn on
    neurons: list[Any] = field(default_factory=list)  # neurons.NeuronRecord per detail epoch
    # Where the weights travel: per detail epoch, the first layer's incoming weights of its
    # first TRAVEL_NEURONS neurons, repeat 0 of each scheme, (S, k, 2) float32 (2-D data only;
    # None otherwise); NaN for a diverged model.
    travel: list[np.ndarray | None] = field(default_factory=list)

    CURVES = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")

    @classmethod
    def empty(cls, config: TrainConfig, data: Data, dims: list[int], grid) -> Result:
        M = len(config.schemes) * config.repeats
        curves = {k: np.full((config.epochs + 1, M), np.nan) for k in cls.CURVES}
        diverged = np.full(M, -1, np.int64)
        return cls(config, data, dims, config.schemes, config.repeats, curves, diverged, grid)

    # ------------------------------------------------------------ recording (trainer)
    def record(self, split: str, epoch: int, loss: np.ndarray, correct: np.ndarray) -> None:
        """Loss and number of correct predictions of every model on the train or test split."""
        n = len(self.data.y_train if split == "train" else self.data.y_test)
        self.curves[f"{split}_loss"][epoch] = loss
        self.curves[f"{split}_accuracy"][epoch] = correct / max(n, 1)

    def record_detailed(self, epoch: int, stats: LayerStats, boundary) -> None:
        self.detail_epochs.append(epoch)
        self.details.append(stats)
        self.boundaries.append(boundary)

    def blank_last(self, models: np.ndarray) -> None:
        """Blank the last detailed measurement of some models (repeat 0 arrays too): they
        diverged at that epoch."""
        self.details[-1].blank(models)
        shown = models[np.arange(len(self.schemes)) * self.repeats]
        for arrays in (self.boundaries, self.travel):
            if arrays and arrays[-1] is not None:
                arrays[-1][shown] = np.nan

    def finish(self, epoch: int, stopped: bool = False) -> None:
        self.epochs_done = epoch
        self.finished = True
        self.stopped = stopped

    # ------------------------------------------------------------ indexing helpers
    @property
    def n_models(self) -> int:
        return len(self.schemes) * self.repeats

    @property
    def model_scheme(self) -> np.ndarray:
        return np.repeat(np.array(self.schemes, dtype=object), self.repeats)

    @property
    def model_repeat(self) -> np.ndarray:
        return np.tile(np.arange(self.repeats), len(self.schemes))

    @property
    def last_epoch(self) -> int:
        """The last epoch with recorded curves."""
        return self.epochs_done if self.finished else max(self.epochs_done - 1, 0)

    def curve(self, name: str) -> np.ndarray:
        """(last_epoch + 1, M) values; NaN where non-finite and after a model's divergence."""
        a = self.curves[name][: self.last_epoch + 1].copy()
        a[~np.isfinite(a)] = np.nan
        for k, d in enumerate(self.diverged_epoch):
            if d >= 0:
                a[d + 1 :, k] = np.nan
        return a

    def detail_index(self, epoch: int | None = None) -> int:
        """Index of the detailed measurement at (or last before) ``epoch``; None = latest."""
        if not self.detail_epochs:
            raise ValueError("no detailed measurements recorded yet")
        if epoch is None:
            return len(self.detail_epochs) - 1
        i = int(np.searchsorted(self.detail_epochs, epoch, side="right")) - 1
        return max(i, 0)

    # ------------------------------------------------------------ tables
    def history(self, max_points: int | None = None) -> pd.DataFrame:
        """Long table: epoch, scheme, repeat, split (train/test), loss, accuracy."""
        epochs = pick_epochs(self.last_epoch, max_points)
        frames = []
        for split in ("train", "test"):
            if split == "test" and len(self.data.y_test) == 0:
                continue
            loss = self.curve(f"{split}_loss")[epochs]
            acc = self.curve(f"{split}_accuracy")[epochs]
            E, M = loss.shape
            frames.append(
                pd.DataFrame(
                    {
                        "epoch": np.repeat(epochs, M),
                        "scheme": np.tile(self.model_scheme, E),
                        "repeat": np.tile(self.model_repeat, E),
                        "split": split,
                        "loss": loss.ravel(),
                        "accuracy": acc.ravel(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def curves_table(self, max_points: int | None = 300) -> pd.DataFrame:
        """Curves aggregated over repeats: mean, min and max of loss and accuracy per epoch."""
        h = self.history(max_points)
        g = h.groupby(["epoch", "scheme", "split"], sort=False)
        return g.agg(
            loss=("loss", "mean"),
            loss_lo=("loss", "min"),
            loss_hi=("loss", "max"),
            accuracy=("accuracy", "mean"),
            accuracy_lo=("accuracy", "min"),
            accuracy_hi=("accuracy", "max"),
        ).reset_index()

    def layer_table(self, epoch: int | None = None) -> pd.DataFrame:
        """Per scheme, repeat and layer (the hidden ones, then the output layer) at a detailed
        epoch: activation mean/std, saturated and dead fractions, divergence and distinct
        neurons (blank for the output layer), plus the weight-gradient norm, backprop signal and
        weight RMS of the layer's incoming weights."""
        i = self.detail_index(epoch)
        stats = self.details[i]
        M, L = stats.grad_norm.shape

        def by_layer(a: np.ndarray, blank: float = np.nan) -> np.ndarray:
            """(M, H) or (M, L) values -> layer by layer, a blank output layer added to H."""
            if a.shape[1] < L:
                a = np.column_stack([a, np.full(M, blank)])
            return a.T.ravel()

        return pd.DataFrame(
            {
                "epoch": self.detail_epochs[i],
                "scheme": np.tile(self.model_scheme, L),
                "repeat": np.tile(self.model_repeat, L),
                "layer": np.repeat(np.arange(1, L + 1), M),
                "kind": np.repeat(["hidden"] * (L - 1) + ["output"], M),
                "width": np.repeat(self.dims[1:], M),
                "act_mean": by_layer(stats.act_mean),
                "act_std": by_layer(stats.act_std),
                "saturated_fraction": by_layer(stats.saturated_fraction),
                "dead_fraction": by_layer(stats.dead_fraction),
                "divergence": by_layer(stats.divergence),
                "distinct_neurons": by_layer(stats.distinct, -1),
                "dead_neurons": by_layer(stats.dead_units, -1),
                "stuck_neurons": by_layer(stats.stuck_units, -1),
                "grad_norm": by_layer(stats.grad_norm),
                "backprop_signal": by_layer(stats.backprop_signal),
                "weight_rms": by_layer(stats.w_rms),
            }
        )

    def divergence_table(self) -> pd.DataFrame:
        """Per detail epoch, scheme, repeat and hidden layer: divergence and distinct neurons."""

        def frame(e: int, stats: LayerStats) -> pd.DataFrame:
            M, H = stats.divergence.shape
            return pd.DataFrame(
                {
                    **self._model_layers(H, epoch=e),
                    "divergence": stats.divergence.ravel(),
                    "distinct_neurons": stats.distinct.ravel(),
                    "dead_neurons": stats.dead_units.ravel(),
                    "stuck_neurons": stats.stuck_units.ravel(),
                    "width": np.tile(self.dims[1 : H + 1], M),
                }
            )

        return self._per_detail(frame) if self.details else pd.DataFrame()

    def weights_table(
        self, epoch: int | None = None, layers: list[int] | None = None, linear: bool = False
    ) -> pd.DataFrame:
        """Weight histograms (repeat 0) at a detail epoch: scheme, layer, lo, hi, count,
        fraction, the symlog constant ``c`` of the layer's shared bins, and ``std``, the
        standard deviation of the scheme's weights in that layer. ``linear``: each scheme's own
        equal bins over its own range (-max|w| to max|w|) instead of the layer's shared
        symmetric-log bins."""
        i = self.detail_index(epoch)
        stats = self.details[i]
        first = np.arange(len(self.schemes)) * self.repeats
        frames = []
        for layer, (edges, c, hist) in enumerate(
            zip(stats.w_edges, stats.w_c, stats.w_hist, strict=True)
        ):
            if layers is not None and layer + 1 not in layers:
                continue
            if linear:
                edges, hist = stats.w_lin_edges[layer][first], stats.w_lin_hist[layer]
            else:
                edges = np.broadcast_to(edges, (len(first), len(edges)))
            h = hist[first]
            S, B = h.shape
            total = np.maximum(h.sum(axis=1, keepdims=True), 1)
            frames.append(
                pd.DataFrame(
                    {
                        "epoch": self.detail_epochs[i],
                        "scheme": np.repeat(self.schemes, B),
                        "layer": layer + 1,
                        "lo": edges[:, :-1].ravel(),
                        "hi": edges[:, 1:].ravel(),
                        "count": h.ravel(),
                        "fraction": (h / total).ravel(),
                        "c": c,
                        "std": np.repeat(stats.w_std[first, layer], B),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def activation_table(self, layer: int = 1) -> pd.DataFrame:
        """How a hidden layer's outputs are distributed (repeat 0 of each scheme, probe batch)
        at every detail epoch: epoch, scheme, bin (lo, hi) and the share of the outputs in
        that bin (0 for a diverged model)."""
        first = np.arange(len(self.schemes)) * self.repeats

        def frame(e: int, stats: LayerStats) -> pd.DataFrame:
            edges, h = stats.act_edges[layer - 1], stats.act_hist[layer - 1][first]
            S, B = h.shape
            total = np.maximum(h.sum(axis=1, keepdims=True), 1)
            return pd.DataFrame(
                {
                    "epoch": e,
                    "scheme": np.repeat(self.schemes, B),
                    "lo": np.tile(edges[:-1], S),
                    "hi": np.tile(edges[1:], S),
                    "share": (h / total).ravel(),
                }
            )

        return self._per_detail(frame)

    def _model_layers(self, n: int, **columns) -> dict[str, Any]:
        """``columns``, then the scheme, repeat and layer (1..n) of each row of a
        (models, n) array raveled."""
        return {
            **columns,
            "scheme": np.repeat(self.model_scheme, n),
            "repeat": np.repeat(self.model_repeat, n),
            "layer": np.tile(np.arange(1, n + 1), self.n_models),
        }

    def _per_detail(self, frame) -> pd.DataFrame:
        """``frame(epoch, stats)`` of every detail epoch, concatenated."""
        return pd.concat(
            [frame(e, stats) for e, stats in zip(self.detail_epochs, self.details, strict=True)],
            ignore_index=True,
        )

    def _percentile_frame(self, values: np.ndarray, **columns) -> pd.DataFrame:
        """(M, layers, 3) percentiles -> rows per scheme, repeat and layer, + ``columns``."""
        table = self._model_layers(values.shape[1], **columns)
        for k, q in enumerate(PERCENTILES):
            table[f"p{q:g}"] = values[:, :, k].ravel()
        return pd.DataFrame(table)

    def activation_percentiles(self) -> pd.DataFrame:
        """Glorot & Bengio's bands: per detail epoch, scheme, repeat and hidden layer, the
        2nd, 50th and 98th percentiles of the layer's outputs on the probe batch (p2, p50,
        p98)."""
        return self._per_detail(lambda e, stats: self._percentile_frame(stats.act_pct, epoch=e))

    def gradient_table(self, epoch: int | None = 0) -> pd.DataFrame:
        """The gradients at a detail epoch (default: at init), per scheme, repeat and weight
        layer (the last is the output layer): percentiles (p2, p50, p98) of |dLoss/dz| per
        example, the back-propagated signal (gradient "dz"), and of |dLoss/dW|, the weight
        gradients (gradient "dw"), on the probe batch."""
        i = self.detail_index(epoch)
        stats = self.details[i]
        L = stats.dz_pct.shape[1]
        frames = []
        for name, values in (("dz", stats.dz_pct), ("dw", stats.dw_pct)):
            df = self._percentile_frame(values, epoch=self.detail_epochs[i], gradient=name)
            df.insert(5, "kind", np.where(df["layer"] == L, "output", "hidden"))
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def update_table(self) -> pd.DataFrame:
        """Update-to-data ratios over training: per detail epoch (whose next optimizer step
        it measures: none after the last), scheme, repeat and weight layer, the ratio std(update)
        / std(weights) and its log10 (NaN where the ratio is 0, infinite or missing)."""

        def frame(e: int, stats: LayerStats) -> pd.DataFrame:
            r = stats.update_ratio
            with np.errstate(all="ignore"):
                log = np.where(np.isfinite(r) & (r > 0), np.log10(r), np.nan)
            return pd.DataFrame(
                {
                    **self._model_layers(r.shape[1], epoch=e),
                    "update_ratio": r.ravel(),
                    "log10_ratio": log.ravel(),
                }
            )

        return self._per_detail(frame)

    def change_table(self) -> pd.DataFrame:
        """How far each layer's weights have moved from where they started: per detail epoch,
        scheme, repeat and weight layer (the last is the output layer), ``change`` =
        ||W - W0|| / ||W0|| (Frobenius norms; NaN where W0 = 0, i.e. Zeros, or diverged)."""

        def frame(e: int, stats: LayerStats) -> pd.DataFrame:
            c = stats.w_change
            return pd.DataFrame({**self._model_layers(c.shape[1], epoch=e), "change": c.ravel()})

        return self._per_detail(frame)

    def travel_table(self, epoch: int | None = None) -> pd.DataFrame:
        """Where the first layer's neurons travel (repeat 0, 2-D data only): each neuron of
        the first TRAVEL_NEURONS as a point in the plane of its two incoming weights (w1, w2),
        at every detail epoch up to ``epoch`` (None: all): epoch, scheme, neuron (1..k), w1, w2.
        Empty without 2-D data."""
        cols = ["epoch", "scheme", "neuron", "w1", "w2"]
        last = self.detail_index(epoch) if self.detail_epochs else -1
        frames = []
        for e, points in zip(self.detail_epochs[: last + 1], self.travel, strict=False):
            if points is None:
                continue
            S, k, _ = points.shape
            frames.append(
                pd.DataFrame(
                    {
                        "epoch": e,
                        "scheme": np.repeat(self.schemes, k),
                        "neuron": np.tile(np.arange(1, k + 1), S),
                        "w1": points[:, :, 0].ravel(),
                        "w2": points[:, :, 1].ravel(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)

    def similarity_table(self, epoch: int | None = None, layer: int = 1) -> pd.DataFrame:
        """Neuron-by-neuron similarity (repeat 0) of a hidden layer: scheme, i, j, similarity."""
        stats = self.details[self.detail_index(epoch)]
        if not stats.similarity:
            return pd.DataFrame(columns=["scheme", "i", "j", "similarity"])
        sim = stats.similarity[layer - 1].astype(np.float64)
        S, k, _ = sim.shape
        ii, jj = np.meshgrid(np.arange(1, k + 1), np.arange(1, k + 1), indexing="ij")
        return pd.DataFrame(
            {
                "scheme": np.repeat(self.schemes, k * k),
                "i": np.tile(ii.ravel(), S),
                "j": np.tile(jj.ravel(), S),
                "similarity": sim.ravel(),
            }
        )

    def boundary_table(self, epoch: int | None = None) -> pd.DataFrame:
        """Predictions on a grid (repeat 0, 2-D data only): scheme, x1, x2, predicted class,
        confidence and p1 (probability of class 1)."""
        if self.grid is None:
            return pd.DataFrame(columns=["scheme", "x1", "x2", "predicted", "confidence", "p1"])
        proba = self.boundaries[self.detail_index(epoch)]
        S, G, K = proba.shape
        pts = self.grid[2]
        return pd.DataFrame(
            {
                "scheme": np.repeat(self.schemes, G),
                "x1": np.tile(pts[:, 0], S),
                "x2": np.tile(pts[:, 1], S),
                "predicted": proba.argmax(axis=2).ravel(),
                "confidence": proba.max(axis=2).ravel(),
                "p1": proba[:, :, 1].ravel(),
            }
        )

    def points_table(self) -> pd.DataFrame:
        """The data points (standardized): x1, x2, label, split."""
        d = self.data
        X = np.concatenate([d.X_train, d.X_test])
        y = np.concatenate([d.y_train, d.y_test])
        split = np.array(["train"] * len(d.y_train) + ["test"] * len(d.y_test))
        return pd.DataFrame(
            {"x1": X[:, 0], "x2": X[:, min(1, X.shape[1] - 1)], "label": y, "split": split}
        )

    # ------------------------------------------------------------ summaries
    def evidence(self, s: int) -> Evidence:
        """What was measured for scheme number ``s`` (over its repeats): the verdicts' input."""
        ks = self._models_of(s)
        loss = _mean_finite(self.curve("train_loss")[:, ks])
        div_epochs = self.diverged_epoch[ks]
        alive = div_epochs < 0
        first, last = self.details[0], self.details[-1]
        wide = np.array(last.width) > 1
        clones = last.param_clones[ks][:, wide].any(axis=1)
        symmetric = bool(clones[alive].all()) if alive.any() else bool(clones.all())
        delta = first.backprop_signal[ks]
        first_signal = float(np.nanmax(np.abs(delta[:, 0]))) if delta.size else float("nan")
        with np.errstate(all="ignore"):
            ratios = delta[:, 0] / delta[:, -1]
        ok = np.isfinite(ratios) & (ratios > 0)
        if ok.any():
            ratio = float(np.exp(np.mean(np.log(ratios[ok]))))
        else:
            ratio = 0.0 if first_signal == 0.0 else float("nan")
        H = first.act_mean.shape[1]
        act = get_activation(self.config.activation)
        return Evidence(
            loss=loss,
            n_classes=self.data.n_classes,
            diverged=bool((~alive).any()),
            symmetric=symmetric and bool(wide.any()),
            first_signal=first_signal,
            ratio=ratio,
            saturated=_finite(first.saturated_fraction[ks])
            if H and act.saturates
            else float("nan"),
            dead=_finite(first.dead_fraction[ks]) if H and act.dies else float("nan"),
            prediction_gap=_finite(last.prediction_gap[ks], np.max),
            has_hidden=H > 0,
        )

    def verdict(self, s: int) -> Verdict:
        """The verdict for scheme number ``s``: final figures and the rules' words."""
        ks = self._models_of(s)
        ev = self.evidence(s)
        split = "test" if len(self.data.y_test) else "train"
        curves = ("train_loss", "train_accuracy", f"{split}_loss", f"{split}_accuracy")
        final = {name: _last_finite(self.curve(name)[:, ks]) for name in curves}
        div_epochs = self.diverged_epoch[ks]
        last = self.details[-1]
        widths = np.array(last.width)
        wide = widths > 1
        if wide.any():
            alive = div_epochs >= 0 if not (div_epochs < 0).any() else div_epochs < 0
            distinct = last.distinct[ks][alive][:, wide]
            r, layer = np.unravel_index(np.argmin(distinct), distinct.shape)
            picked = np.flatnonzero(wide)[layer]
            row = ks[np.flatnonzero(alive)[r]]
            fewest = (
                int(distinct[r, layer]),
                int(last.dead_units[row, picked]),
                int(last.stuck_units[row, picked]),
                int(widths[picked]),
            )
            div_final = _finite(last.divergence[ks][:, wide].min(axis=1))
        else:  # no hidden layer, or only width-1 layers: nothing to be symmetric
            n = int(widths.min()) if widths.size else 0
            fewest = (n, 0, 0, n)
            div_final = float("nan")
        return Verdict(
            epochs=self.epochs_done,
            initial_loss=_finite(self.curve("train_loss")[0, ks]),
            lowest_loss=_finite(ev.loss, np.min),
            train_loss=_finite(final["train_loss"]),
            test_loss=_finite(final[f"{split}_loss"]),
            train_accuracy=_finite(final["train_accuracy"]),
            test_accuracy=_finite(final[f"{split}_accuracy"]),
            test_accuracy_std=_finite(final[f"{split}_accuracy"], np.std)
            if self.repeats > 1
            else 0.0,
            diverged=ev.diverged,
            diverged_epoch=int(div_epochs[div_epochs >= 0].min()) if ev.diverged else -1,
            divergence=div_final,
            distinct_neurons=fewest[0],
            dead_neurons=fewest[1],
            stuck_neurons=fewest[2],
            layer_width=fewest[3],
            saturated_at_init=ev.saturated,
            dead_at_init=ev.dead,
            signal_ratio_at_init=ev.ratio,
            **verdicts(ev),
        )

    def summary(self) -> pd.DataFrame:
        """One row per scheme: final figures (mean over repeats) and the TL;DR verdicts (see
        :mod:`initdash.verdicts`)."""
        return pd.DataFrame(
            [
                {"scheme": name, "label": SCHEMES[name].label, **asdict(self.verdict(s))}
                for s, name in enumerate(self.schemes)
            ]
        )

    def _models_of(self, s: int) -> np.ndarray:
        return np.arange(s * self.repeats, (s + 1) * self.repeats)


def _finite(a, stat=np.mean) -> float:
    """``stat`` (mean, std, min, ...) of the finite values of ``a``; NaN if there are none."""
    a = np.asarray(a, dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(stat(a)) if a.size else float("nan")


def _last_finite(a: np.ndarray) -> np.ndarray:
    """The last finite value of each column of ``a`` (NaN where a column has none)."""
    ok = np.isfinite(a)
    last = len(a) - 1 - np.argmax(ok[::-1], axis=0)
    return np.where(ok.any(axis=0), a[last, np.arange(a.shape[1])], np.nan)


def _mean_finite(a: np.ndarray) -> np.ndarray:
    """Row means over the finite values of a 2-D array (NaN where a row has none)."""
    finite = np.isfinite(a)
    n = finite.sum(axis=1)
    out = np.where(finite, a, 0.0).sum(axis=1) / np.maximum(n, 1)
    out[n == 0] = np.nan
    return out
