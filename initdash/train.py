"""Training every scheme side by side in one vectorized pass.

Model k of the stack is (scheme s, repeat r) with k = s * repeats + r. All models see the same
batches in the same order; each draws its initial weights from its own stream
(:func:`initdash.schemes.scheme_rng`), so a scheme's numbers do not depend on which other
schemes are trained with it.

:class:`Trainer` advances epoch by epoch and writes into a :class:`~initdash.results.Result`;
:func:`train` wraps it as an iterator of :class:`Snapshot` for live display; :func:`run`
trains to the end and returns the result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import neurons
from .config import GRID_SIZE, PROBE_SIZE, TrainConfig
from .data import Data, make_dataset, prepare
from .metrics import (
    SIMILARITY_NEURONS,
    activation_edges,
    dead_units,
    distinct_neurons,
    distribution,
    divergence,
    hist_edges,
    histograms,
    layer_signal,
    linear_histograms,
    model_std,
    param_clones,
    percentiles,
    prediction_gap,
    rms,
    similarity,
    stuck_units,
)
from .nn import StackedMLP, output_units, with_ones
from .results import LayerStats, Result
from .schemes import stream

FLUSH_CHECK_EVERY = 16  # epochs between two checks for near-subnormal signals (nn.needs_flush)
TRAVEL_NEURONS = 16  # first-layer neurons whose weights are recorded at each detail epoch


def make_data(config: TrainConfig) -> Data:
    """The config's generated dataset, split and standardized."""
    X, y = make_dataset(
        config.dataset,
        n_samples=config.n_samples,
        noise=config.noise,
        seed=config.seed,
        n_classes=config.n_classes,
        imbalance=config.imbalance,
    )
    return prepare(X, y, test_fraction=config.test_fraction, seed=config.seed)


def stacked_init(
    dims: list[int], config: TrainConfig, X: np.ndarray, y: np.ndarray | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Initial weights and biases of every model (each scheme x each repeat), stacked on the
    model axis (float64). ``X``: a data batch for the data-dependent schemes (LSUV, which
    rescales the weights with the biases at 0); ``y``: the training labels (the prior bias).
    A repeat's biases are the same for every scheme (``config.initial_biases``)."""
    per_model = [
        config.initial_weights(name, dims, X, repeat=r)
        for name in config.schemes
        for r in range(config.repeats)
    ]
    Ws = [np.stack([ws[i] for ws in per_model]) for i in range(len(dims) - 1)]
    if config.bias_init == "zeros":
        bs = [np.zeros((len(per_model), n)) for n in dims[1:]]
    else:
        per_repeat = [config.initial_biases(dims, y, repeat=r) for r in range(config.repeats)]
        bs = [np.stack([per_repeat[r][i] for _ in config.schemes for r in range(config.repeats)])
              for i in range(len(dims) - 1)]  # fmt: skip
    return Ws, bs


def measure(
    net: StackedMLP,
    X: np.ndarray,
    y: np.ndarray,
    similarity_models: np.ndarray,
    alive: np.ndarray,
    w_c: list[float] | None = None,
) -> LayerStats:
    """Per-layer statistics of every model on the probe batch (X, y); neuron similarities of
    the ``similarity_models`` only. ``w_c``: the symlog constants of the weight histograms at
    initialization (their bins resolve those decades at every later epoch too).

    Runs one forward and backward pass, so it overwrites the net's gradient buffers. Models
    not ``alive`` (diverged) get NaN statistics and empty histograms, and do not set the
    histogram bins of the others. The update ratio is left blank: the trainer fills it in at
    the next update (:meth:`Trainer._update`).
    """
    with np.errstate(all="ignore"):
        ws = net.full_pass(X, y, keep=False)
        act = net.act
        H = len(net.Ws) - 1
        M = net.n_models
        m = X.shape[1]
        stats = LayerStats.empty(M, H, len(net.Ws))
        bounded = act.name if not any(net.skips) else ""  # a residual stream is unbounded
        for i, (w, dw) in enumerate(zip(net.Ws, net.dWs, strict=True)):
            A = ws.A[i].astype(np.float64) if i < H else None
            G = None if i >= H or not net.skips[i] else ws.F[i].astype(np.float64)
            Z = ws.Z[i]
            for column, values in layer_signal(act, A, Z, dw, ws.dZ[i], G).items():
                getattr(stats, column)[:, i] = values
            stats.dz_pct[:, i] = percentiles(np.abs(ws.dZ[i])) * m
            stats.dw_pct[:, i] = percentiles(np.abs(dw))
            stats.w_rms[:, i] = rms(w, (1, 2))
            stats.w_std[:, i] = model_std(w)
            c_max = w_c[i] if w_c is not None else None
            edges, c = hist_edges(w[alive] if alive.any() else w, c_max=c_max)
            stats.w_edges.append(edges)
            stats.w_c.append(c)
            stats.w_hist.append(histograms(w, edges))
            lin_edges, lin_hist = linear_histograms(w)
            stats.w_lin_edges.append(lin_edges)
            stats.w_lin_hist.append(lin_hist)
            if A is None:  # the output layer
                continue
            dead, stuck = dead_units(act, Z), stuck_units(act, A if G is None else G, Z)
            stats.dead_units[:, i] = dead.sum(axis=1)
            stats.stuck_units[:, i] = stuck.sum(axis=1)
            stats.divergence[:, i] = divergence(A)
            stats.distinct[:, i] = distinct_neurons(A, inactive=dead | stuck)
            stats.param_clones[:, i] = param_clones(net.unit_params(i), net.Ws[i + 1])
            raw = ws.A[i]  # (sorted in its own dtype: float32 sorts twice as fast)
            edges = activation_edges(bounded, raw[alive] if alive.any() else raw)
            stats.act_pct[:, i], counts = distribution(raw, edges)
            stats.act_edges.append(edges)
            stats.act_hist.append(counts.astype(np.int32))
            stats.width.append(A.shape[1])
            sim = similarity(A[similarity_models], SIMILARITY_NEURONS).astype(np.float16)
            sim[~alive[similarity_models]] = np.nan
            stats.similarity.append(sim)
        stats.prediction_gap[:] = prediction_gap(ws.Z[-1].astype(np.float64))
    if not alive.all():
        stats.blank(~alive)
    return stats


@dataclass(frozen=True)
class Snapshot:
    """What :func:`train` yields: progress, plus the live result (shared, growing)."""

    epoch: int
    epochs: int
    elapsed: float
    done: bool
    detailed: bool  # a detailed (heavy) measurement was taken at this epoch
    result: Result


class Trainer:
    """Trains all the config's schemes (x repeats) at once, one epoch per :meth:`step`.

    ``detail=False`` skips the detailed measurement of epoch 0 (layer statistics, weight
    histograms, similarity, decision boundary): for a trainer that is only looked at, never
    trained (:func:`initial_curves`)."""

    def __init__(self, config: TrainConfig, data: Data | None = None, *, detail: bool = True):
        self.config = config
        self.data = make_data(config) if data is None else data
        d = self.data
        dt = np.dtype(config.dtype)
        self.X = with_ones(d.X_train, dt)
        self.y = np.ascontiguousarray(d.y_train)
        self.Xt = with_ones(d.X_test, dt)
        self.yt = np.ascontiguousarray(d.y_test)
        self.first = np.arange(len(config.schemes)) * config.repeats  # repeat 0 of each scheme
        dims = [d.n_features, *config.hidden, output_units(d.n_classes)]
        t0 = time.perf_counter()
        Ws, bs = stacked_init(dims, config, d.X_train[:PROBE_SIZE], d.y_train)
        self.net = StackedMLP(
            Ws, bs, config.activation, d.n_classes, dt, config.batchnorm, config.residual
        )
        # the starting weights (the net's dtype), to measure how far each layer moves
        self.W0 = [w.copy() for w in self.net.Ws]
        self.W0_norm = [_norms(w) for w in self.W0]
        self.batch = config.batch_size or len(self.y)  # 0: the whole training set
        self.full_batch = self.batch >= len(self.y)
        self.order_rng = stream(config.seed, "batch-order")
        probe_rng = stream(config.seed, "probe")
        n = len(self.y)
        pick = np.sort(probe_rng.permutation(n)[:PROBE_SIZE]) if n > PROBE_SIZE else np.arange(n)
        self.Xp, self.yp = self.X[:, pick], self.y[pick]
        with np.errstate(all="ignore"):
            ws = self.net.full_pass(self.Xp, self.yp, keep=False)
            self.net.needs_flush(ws)
            # BatchNorm's running statistics start at the probe batch's (frameworks start at
            # mean 0, variance 1, so evaluations before the first steps would be a plain net's)
            self.net.track(ws, momentum=0.0)
        self.grid = neurons.plane_grid(d, GRID_SIZE) if d.n_features == 2 else None
        self.grid_X1 = None if self.grid is None else with_ones(self.grid[2], dt)
        self.alive = np.ones(self.net.n_models, dtype=bool)
        self._opt_state: list[list[np.ndarray]] = []
        self._t = 0
        self._ratio_due: LayerStats | None = None  # measured, awaiting its update ratio
        self.epoch = 0
        self._detail_epochs = set(config.detail_epochs().tolist())
        self.result = Result.empty(config, d, dims, self.grid)
        self.result.thumbnails = neurons.thumbnail_inputs(d)
        self._last_detailed = -1
        if detail and 0 in self._detail_epochs:  # epoch 0 measured now: the first Snapshot has it
            with np.errstate(all="ignore"):
                self._detailed(0)
        self.elapsed = time.perf_counter() - t0

    # ---------------------------------------------------------------- state
    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.epoch,
            self.config.epochs,
            self.elapsed,
            self.result.finished,
            self._last_detailed == self.epoch,
            self.result,
        )

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Measure the current epoch, train one epoch, and finish when the last one is done."""
        if self.result.finished:
            return
        t0 = time.perf_counter()
        with np.errstate(all="ignore"):
            e = self.epoch
            self._evaluate("test", e)
            if self.full_batch:
                loss = self._train_step(self.X, self.y)
                self.result.record("train", e, loss, self._last_ws.correct)
            else:
                self._evaluate("train", e)
                perm = self.order_rng.permutation(len(self.y))
                for i in range(0, len(perm), self.batch):
                    idx = np.sort(perm[i : i + self.batch])
                    self._train_step(self.X[:, idx], self.y[idx])
            if e % FLUSH_CHECK_EVERY == 0:
                self.net.needs_flush(self._last_ws)
            self.epoch = self.result.epochs_done = e + 1
            if self.epoch >= self.config.epochs:
                self._finalize(stopped=False)
            elif self.epoch in self._detail_epochs:  # measured as soon as the epoch is reached
                self._detailed(self.epoch)
        self.elapsed += time.perf_counter() - t0

    def advance(self, seconds: float | None = None, epochs: int | None = None) -> None:
        """Train until done, or for about ``seconds``, or for ``epochs`` more epochs."""
        t_end = None if seconds is None else time.perf_counter() + seconds
        stop_at = None if epochs is None else self.epoch + epochs
        while not self.result.finished:
            self.step()
            if stop_at is not None and self.epoch >= stop_at:
                break
            if t_end is not None and time.perf_counter() >= t_end:
                break

    def stop(self) -> Result:
        """End early: take the final measurements at the current epoch and keep the result."""
        if not self.result.finished:
            t0 = time.perf_counter()
            with np.errstate(all="ignore"):
                self._finalize(stopped=self.epoch < self.config.epochs)
            self.elapsed += time.perf_counter() - t0
        return self.result

    def _finalize(self, stopped: bool) -> None:
        e = self.epoch
        self._evaluate("test", e)
        self._evaluate("train", e)
        # The last update may have made a model's loss or gradient non-finite with no training
        # step left to notice: check as a step does (gradient on the probe), mark it diverged.
        ws = self.net.full_pass(self.Xp, self.yp, keep=False)
        bad = ~np.isfinite(self.result.curves["train_loss"][e]) | ~np.isfinite(ws.loss)
        bad |= ~np.isfinite(np.add.reduce(self.net.dP[0], axis=(1, 2)))
        newly = self._diverge(bad, e)
        if self._last_detailed != e:
            self._detailed(e)
        elif newly.any():  # measured already (stopped at a detail epoch): blank them there
            self.result.blank_last(newly)
            neurons.blank(self.result.neurons[-1], ~self.alive[self.first])
        self.result.finish(e, stopped=stopped)

    # ---------------------------------------------------------------- internals
    def _evaluate(self, split: str, e: int) -> None:
        """Loss and accuracy at epoch e on the whole train or test split."""
        X, y = (self.X, self.y) if split == "train" else (self.Xt, self.yt)
        if len(y) == 0:
            return
        ws = self.net.forward(X)
        loss = self.net.loss(ws, y, grad=False)
        self.result.record(split, e, loss, ws.correct)
        if split == "test":  # logits that overflow on held-out points: the weights blew up too
            self._diverge(~np.isfinite(loss), e)

    def _diverge(self, bad: np.ndarray, e: int) -> np.ndarray:
        """Mark the live models among ``bad`` diverged at epoch e and freeze them (their
        optimizer state is cleared, and the trainer zeroes their gradients from now on)."""
        newly = bad & self.alive
        if newly.any():
            self.alive &= ~newly
            self.result.diverged_epoch[newly] = e
            for state in self._opt_state:
                for s in state:
                    s[newly] = 0.0
        return newly

    def _detailed(self, e: int) -> None:
        at_init = self.result.details[0].w_c if self.result.details else None
        stats = measure(self.net, self.Xp, self.yp, self.first, self.alive, at_init)
        boundary = None
        if self.grid is not None:
            with np.errstate(all="ignore"):
                proba = self.net.predict_proba(self.grid_X1)[self.first]
            boundary = proba.astype(np.float32)
            boundary[~self.alive[self.first]] = np.nan
        drawn = neurons.record(self.net, self.result.thumbnails, self.Xp[:-1, :256].T, self.first)
        neurons.blank(drawn, ~self.alive[self.first])
        self._moved(stats)
        self.result.record_detailed(e, stats, boundary)
        self.result.neurons.append(drawn)
        self.result.travel.append(self._travel())
        self._last_detailed = e
        self._ratio_due = stats

    def _moved(self, stats: LayerStats) -> None:
        """Each layer's ||W - W0|| / ||W0|| into ``stats.w_change`` (NaN where W0 = 0 and for
        diverged models)."""
        with np.errstate(all="ignore"):
            for i, (w, w0, n0) in enumerate(zip(self.net.Ws, self.W0, self.W0_norm, strict=True)):
                change = _norms(w - w0) / n0
                change[(n0 == 0) | ~self.alive] = np.nan
                stats.w_change[:, i] = change

    def _travel(self) -> np.ndarray | None:
        """The first layer's incoming weights, first TRAVEL_NEURONS neurons, repeat 0 of each
        scheme: (S, k, 2) float32 (None unless the data are 2-D); NaN for diverged models."""
        if self.net.dims[0] != 2:
            return None
        points = self.net.Ws[0][self.first, :TRAVEL_NEURONS].astype(np.float32)
        points[~self.alive[self.first]] = np.nan
        return points

    def _train_step(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        net = self.net
        ws = self._last_ws = net.full_pass(X, y)
        net.track(ws)
        loss = ws.loss
        ok = np.isfinite(loss) & np.isfinite(np.add.reduce(net.dP[0], axis=(1, 2)))
        if not ok.all():
            self._diverge(~ok, self.epoch)
        if not self.alive.all():
            dead = ~self.alive
            for g in net.grads:
                g[dead] = 0.0
        self._update()
        return loss

    def _update(self) -> None:
        """One optimizer step on every model; the first step after a detailed measurement also
        records each layer's update ratio there (:meth:`_ratios`), from the update applied."""
        c = self.config
        net = self.net
        params, grads = net.params, net.grads  # with BatchNorm: gamma and beta too
        self._t += 1
        due, self._ratio_due = self._ratio_due, None
        layers = len(net.P)  # the weight tensors come first; BatchNorm's gamma/beta are not rated
        spread = None if due is None else [_spread(p[:, :, :-1]) for p in params[:layers]]
        if c.optimizer == "sgd":
            for p, g in zip(params, grads, strict=True):
                g *= c.lr
                p -= g
            updates = grads
        elif c.optimizer == "momentum":
            if not self._opt_state:
                self._opt_state = [[np.zeros_like(p)] for p in params]
            for p, g, (v,) in zip(params, grads, self._opt_state, strict=True):
                v *= c.momentum
                v += g
                np.multiply(v, c.lr, out=g)
                p -= g
            updates = grads
        else:
            if not self._opt_state:
                self._opt_state = [[np.zeros_like(p) for _ in range(3)] for p in params]
            b1, b2, eps = 0.9, 0.999, 1e-8
            lr_t = c.lr * np.sqrt(1.0 - b2**self._t) / (1.0 - b1**self._t)
            for p, g, (m, v, tmp) in zip(params, grads, self._opt_state, strict=True):
                np.multiply(g, g, out=tmp)
                tmp *= 1.0 - b2
                v *= b2
                v += tmp
                g *= 1.0 - b1
                m *= b1
                m += g
                np.sqrt(v, out=tmp)
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= lr_t
                p -= tmp
            updates = [tmp for _, _, tmp in self._opt_state]
        if due is not None:
            self._ratios(due, spread, updates[:layers])

    def _ratios(self, stats: LayerStats, spread, updates: list[np.ndarray]) -> None:
        """Each layer's update-to-data ratio (Karpathy's makemore part 3): std of the update
        just subtracted from the weights (``updates``: what each layer's buffer holds after the
        step) / std of the weights before it (``spread``), per model, biases left out. Diverged
        models get NaN; weights all equal (std 0) give inf, or NaN if they did not move."""
        for i, (before, u) in enumerate(zip(spread, updates, strict=True)):
            with np.errstate(all="ignore"):
                ratio = _spread(u[:, :, :-1]) / before
            ratio[~self.alive] = np.nan
            stats.update_ratio[:, i] = ratio


def _norms(w: np.ndarray) -> np.ndarray:
    """Each model's Frobenius norm of w (M, n, k), in float64."""
    return np.sqrt(np.einsum("kij,kij->k", w, w, dtype=np.float64))


def _spread(w: np.ndarray) -> np.ndarray:
    """Each model's standard deviation of w (M, n, k), in float64, exactly 0 when all its values
    are equal (np.std of equal values can be off by a rounding error, ~1e-17)."""
    return np.std(w - w[:, :1, :1], axis=(1, 2), dtype=np.float64)


def train(config: TrainConfig, data: Data | None = None, *, every: int = 1) -> Iterator[Snapshot]:
    """Train live: yields a :class:`Snapshot` at epoch 0 and then every ``every`` epochs,
    and at the end. Stop early by not iterating further; the result keeps what was trained."""
    trainer = Trainer(config, data)
    yield trainer.snapshot()
    while not trainer.result.finished:
        trainer.step()
        if trainer.result.finished or trainer.epoch % every == 0:
            yield trainer.snapshot()


def initial_curves(config: TrainConfig, data: Data | None = None) -> pd.DataFrame:
    """Where the curves start: loss and accuracy of every model on the training and test
    sets at its first weights (epoch 0), before any training. The same table as
    ``Result.curves_table()`` with epoch 0 only, and the same numbers a run records there."""
    trainer = Trainer(config, data, detail=False)  # the curves only: no layer statistics
    with np.errstate(all="ignore"):
        trainer._evaluate("test", 0)
        trainer._evaluate("train", 0)
    return trainer.result.curves_table(max_points=None)


def run(config: TrainConfig, data: Data | None = None) -> Result:
    """Train to the end. ``result.history()`` and ``result.summary()`` are the tidy tables."""
    trainer = Trainer(config, data)
    trainer.advance()
    return trainer.result
