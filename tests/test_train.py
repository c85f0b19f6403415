"""Tests for initdash.train and the tables of initdash.results: the symmetry lesson (exact
clones), vectorized training = one run per scheme, determinism, divergence handling, live
snapshots and early stop, the optimizers against hand-written updates, the tidy tables and
the TL;DR verdicts of the default lesson."""

from __future__ import annotations

import functools
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from initdash import SCHEMES, TrainConfig, Trainer, loss_and_grads, run, train
from initdash.blas import limit_blas_threads
from initdash.train import GRID_SIZE

# One BLAS thread, as the app and the CLI set it: the matrices here are tiny, and OpenBLAS's
# threads on a busy 2-core machine make each matmul ~30x slower (see initdash/blas.py).
limit_blas_threads(1)

RANDOM = tuple(s for s in SCHEMES if s not in ("zeros", "constant"))
ACTS = ("tanh", "relu", "sigmoid")
OPTS = ("sgd", "momentum", "adam")
DTYPES = ("float32", "float64")

# n_samples=101 makes the classes 51/50, so the training split is unbalanced (checked below)
# and the zero-weight net's output bias has a nonzero gradient.
CLONE_CONFIG = TrainConfig(
    schemes=("zeros", "constant"), hidden=(8, 8), n_samples=101, epochs=200, snapshots=20
)


@functools.cache
def clone_trainer(activation: str, optimizer: str, dtype: str) -> tuple[Trainer, list]:
    """A trained Trainer of zeros + constant, and its parameters before training."""
    config = CLONE_CONFIG.replace(activation=activation, optimizer=optimizer, dtype=dtype)
    trainer = Trainer(config)
    before = [p.copy() for p in trainer.net.P]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.advance()
    return trainer, before


def assert_clones(W: np.ndarray, b: np.ndarray, W_next: np.ndarray) -> None:
    """Every neuron of the layer has the same incoming weights and bias, and the same outgoing
    weights (all columns of the next layer's W equal)."""
    assert np.all(W == W[:1]) and np.all(b == b[0])
    assert np.all(W_next == W_next[:, :1])


# --------------------------------------------------------------------------- (a) symmetry


@pytest.mark.parametrize(
    ("activation", "optimizer", "dtype"), list(itertools.product(ACTS, OPTS, DTYPES))
)
def test_zeros_and_constant_stay_exact_clones(activation, optimizer, dtype):
    """Neurons that start equal get equal gradients (same inputs, same outgoing weights), so
    they stay equal after any number of updates, bit for bit: the per-neuron output divergence
    is exactly 0.0 and there is 1 distinct neuron (or, when the clones are all dead ReLUs or all
    stuck at the ends of tanh/sigmoid, 0 distinct and all of them dead or stuck), in every
    hidden layer at every detailed epoch, whatever the activation, optimizer or precision."""
    trainer, _ = clone_trainer(activation, optimizer, dtype)
    result = trainer.result
    assert result.finished and result.epochs_done == CLONE_CONFIG.epochs
    table = result.divergence_table()
    assert sorted(set(table.epoch)) == result.detail_epochs
    assert len(result.detail_epochs) == CLONE_CONFIG.snapshots
    assert set(table.layer) == {1, 2}
    assert (table.divergence == 0.0).all()
    inactive = table.dead_neurons + table.stuck_neurons
    one = (table.distinct_neurons == 1) & (inactive == 0)
    none_live = (table.distinct_neurons == 0) & (inactive == table.width)
    assert (one | none_live).all()
    net = trainer.net
    for k in range(net.n_models):
        for i in range(len(net.Ws) - 1):
            assert_clones(net.Ws[i][k], net.bs[i][k], net.Ws[i + 1][k])
    assert not result.summary().symmetry_broken.any()


@pytest.mark.parametrize(("optimizer", "dtype"), list(itertools.product(OPTS, DTYPES)))
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_zeros_with_f0_equal_0_only_moves_the_output_bias(activation, optimizer, dtype):
    """With zero weights and f(0) = 0 (ReLU, tanh) every hidden output is 0, so the output
    weights get gradient dz a^T = 0, and no signal flows back through the zero output weights:
    every weight and hidden bias keeps its exact initial value. Only the output bias learns
    (towards the class balance, which is uneven here)."""
    trainer, before = clone_trainer(activation, optimizer, dtype)
    y = trainer.data.y_train
    assert np.sum(y == 0) != np.sum(y == 1)  # uneven, so the output bias has a gradient
    k = trainer.result.schemes.index("zeros")
    after = trainer.net.P
    for i, (p0, p1) in enumerate(zip(before, after, strict=True)):
        if i < len(after) - 1:
            np.testing.assert_array_equal(p1[k], p0[k])  # hidden weights and biases
        else:
            np.testing.assert_array_equal(p1[k][:, :-1], p0[k][:, :-1])  # output weights
            assert not np.array_equal(p1[k][:, -1], p0[k][:, -1])  # output bias moved


@pytest.mark.parametrize(("optimizer", "dtype"), list(itertools.product(OPTS, DTYPES)))
@pytest.mark.parametrize("activation", ACTS)
def test_nonzero_constant_clones_learn_but_stay_clones(activation, optimizer, dtype):
    """With a nonzero constant the gradients are nonzero, so every layer's weights change, but
    identically for every neuron of a layer (see the clone test): they learn as one neuron."""
    trainer, before = clone_trainer(activation, optimizer, dtype)
    k = trainer.result.schemes.index("constant")
    for i, (p0, p1) in enumerate(zip(before, trainer.net.P, strict=True)):
        assert not np.array_equal(p1[k][:, :-1], p0[k][:, :-1]), f"layer {i + 1} did not learn"
    assert np.all(np.isfinite(trainer.net.P[0][k]))


@functools.cache
def random_run(activation: str):
    config = TrainConfig(
        schemes=RANDOM, activation=activation, epochs=150, snapshots=4, dtype="float64"
    )
    return Trainer(config), run(config)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_random_schemes_break_symmetry(activation):
    """Random weights give every neuron its own input weights, hence (for a strictly monotone
    activation) its own output on the probe set: distinct_neurons == width everywhere."""
    _, result = random_run(activation)
    table = result.divergence_table()
    assert (table.distinct_neurons == table.width).all()
    assert (table.divergence > 0).all()
    assert result.summary().symmetry_broken.all()


def test_random_schemes_break_symmetry_with_relu():
    """With ReLU too every neuron has its own weights; units that are off (z <= 0) for every
    probe example all output 0: they are counted apart as dead, never as one distinct neuron:
    distinct = width - dead."""
    trainer, result = random_run("relu")
    for W in trainer.net.Ws[:-1]:  # at init: no two neurons share their input weights
        for w in W:
            assert len(np.unique(w, axis=0)) == len(w)
    for epoch in result.detail_epochs:
        t = result.layer_table(epoch)
        t = t[t.kind == "hidden"]
        dead = np.rint(t.dead_fraction * t.width).astype(int)
        np.testing.assert_array_equal(t.dead_neurons, dead)
        np.testing.assert_array_equal(t.distinct_neurons, t.width - dead)
    assert result.summary().symmetry_broken.all()


# --------------------------------------------------------------------------- (b) vectorized


def assert_same_as_solo(config: TrainConfig, schemes=None) -> None:
    """Every scheme's curves in the joint run equal its solo run's, bit for bit."""
    joint = run(config)
    R = config.repeats
    for name in schemes or config.schemes:
        s = config.schemes.index(name)
        solo = run(config.replace(schemes=(name,)))
        for key in joint.CURVES:
            np.testing.assert_array_equal(
                joint.curves[key][:, s * R : (s + 1) * R], solo.curves[key], err_msg=name
            )
        np.testing.assert_array_equal(
            joint.diverged_epoch[s * R : (s + 1) * R], solo.diverged_epoch
        )
        lt = joint.layer_table()
        lt = lt[lt.scheme == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(lt, solo.layer_table(), check_exact=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "extra", [{}, {"repeats": 2, "batch_size": 32}], ids=["full-batch", "repeats2-minibatch"]
)
def test_vectorized_training_equals_one_run_per_scheme(extra, dtype):
    """All schemes train in one stacked pass, yet each scheme's curves (and final layer
    statistics) are *exactly* equal to training it alone: the stacked matmuls and reductions
    are per model, every model sees the same batches, and each scheme (and repeat) draws its
    weights from its own stream. Exact equality holds in float64 and float32."""
    config = TrainConfig(epochs=100, snapshots=3, dtype=dtype, **extra)
    assert len(config.schemes) == 5
    assert_same_as_solo(config)


# --------------------------------------------------------------------------- (c) determinism


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(epochs=150),
        TrainConfig(epochs=30, batch_size=32, optimizer="adam", repeats=2, schemes=RANDOM),
    ],
    ids=["default-lesson", "minibatch-adam"],
)
def test_same_config_same_numbers(config):
    a, b = run(config), run(config)
    for table in ("history", "summary", "layer_table", "weights_table", "boundary_table"):
        pd.testing.assert_frame_equal(getattr(a, table)(), getattr(b, table)(), check_exact=True)


def test_different_seed_different_numbers():
    config = TrainConfig(epochs=20, schemes=("he_normal",))
    a, b = run(config), run(config.replace(seed=1))
    assert not a.history().equals(b.history())


# --------------------------------------------------------------------------- (d) divergence

DIVERGE = TrainConfig(
    schemes=("random_large", "xavier_normal", "he_normal"),
    large_scale=1000.0,
    activation="relu",
    hidden=(16, 16, 16),
    noise=0.2,
    lr=0.1,
    batch_size=0,
    epochs=150,
    snapshots=4,
)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_weights_diverge_alone_and_the_others_still_learn(dtype):
    """x1000 weights through 3 ReLU layers give logits ~1e12: the first update sends the
    weights to ~1e13, the next logits overflow, the loss becomes non-finite. That model is
    marked diverged (and frozen), with NaN curves after the epoch; no numpy warning escapes;
    the healthy schemes of the same run learn (accuracy far above chance) and are bit for bit
    what they are when trained alone. lr = 1 (at lr = 10 the healthy ReLU nets do not learn
    either; see the next test)."""
    config = DIVERGE.replace(lr=1.0, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer(config)
        trainer.advance(epochs=10)
        k = 0  # random_large
        d = int(trainer.result.diverged_epoch[k])
        assert 0 <= d < 10
        frozen = [p[k].copy() for p in trainer.net.P]
        trainer.advance()
        result = trainer.result
        summary = result.summary().set_index("scheme")
        history = result.history()
    for p0, p in zip(frozen, trainer.net.P, strict=True):
        np.testing.assert_array_equal(p[k], p0)  # frozen since it diverged
    assert result.finished and result.epochs_done == config.epochs
    assert bool(summary.loc["random_large", "diverged"])
    assert summary.loc["random_large", "diverged_epoch"] == d
    assert summary.loc["random_large", "outcome"] == "diverged"
    big = history[history.scheme == "random_large"]
    assert big[big.epoch > d][["loss", "accuracy"]].isna().all().all()
    assert big[big.epoch < d].loss.notna().all()
    assert np.isfinite(trainer.result.curves["train_loss"][0, k])  # huge but finite at start
    for name in ("xavier_normal", "he_normal"):
        assert not summary.loc[name, "diverged"]
        assert summary.loc[name, "diverged_epoch"] == -1
        assert summary.loc[name, "test_accuracy"] >= 0.8  # chance is 0.5
        assert history[history.scheme == name].loss.notna().all()
    assert_same_as_solo(config, ("xavier_normal", "he_normal"))


def test_lr_10_with_huge_weights_runs_to_the_end_without_warnings():
    """The brief's extreme case, lr = 10: whatever blows up is marked, nothing raises or
    warns, every epoch is recorded, and every non-diverged model's curve stays finite."""
    config = DIVERGE.replace(lr=10.0, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(config)
        summary = result.summary()
    assert result.epochs_done == config.epochs
    assert bool(summary.set_index("scheme").loc["random_large", "diverged"])
    for k, d in enumerate(result.diverged_epoch):
        loss = result.curve("train_loss")[:, k]
        if d < 0:
            assert np.all(np.isfinite(loss))
        else:
            assert np.all(np.isnan(loss[d + 1 :]))


# --------------------------------------------------------------------------- (e) snapshots


def expected_detail_epochs(config: TrainConfig) -> list[int]:
    """`snapshots` epochs evenly spread over 0..epochs, rounded, duplicates removed."""
    E = config.epochs
    return sorted({round(x) for x in np.linspace(0, E, min(config.snapshots, E + 1))})


@pytest.mark.parametrize("every", [1, 4])
def test_train_yields_live_snapshots(every):
    config = TrainConfig(epochs=30, snapshots=7, schemes=("zeros", "he_normal"))
    snaps = list(train(config, every=every))
    epochs = [s.epoch for s in snaps]
    assert epochs[0] == 0
    assert all(b > a for a, b in itertools.pairwise(epochs))
    assert epochs == sorted(set(range(0, 31, every)) | {30})
    assert [s.done for s in snaps] == [False] * (len(snaps) - 1) + [True]
    assert all(s.epochs == 30 for s in snaps)
    assert all(s.result is snaps[0].result for s in snaps)
    want = expected_detail_epochs(config)
    assert snaps[-1].result.detail_epochs == want
    assert [s.epoch for s in snaps if s.detailed] == [e for e in want if e in epochs]
    assert snaps[0].detailed  # epoch 0 is measured before the first snapshot
    assert all(later.elapsed >= s.elapsed for s, later in itertools.pairwise(snaps))


def test_stop_early_keeps_a_partial_result():
    """advance(epochs=k) then stop(): the result ends at epoch k, is finished and stopped,
    and carries a detailed measurement and finite curves at epoch k."""
    k = 13
    config = TrainConfig(epochs=100, snapshots=5)
    trainer = Trainer(config)
    trainer.advance(epochs=k)
    assert trainer.epoch == k and not trainer.result.finished
    result = trainer.stop()
    assert result is trainer.result
    assert result.finished and result.stopped and result.epochs_done == k
    assert result.detail_epochs[-1] == k
    assert result.layer_table().epoch.eq(k).all()
    h = result.history()
    assert h.epoch.max() == k
    assert h[h.epoch == k][["loss", "accuracy"]].notna().all().all()
    trainer.step()  # a finished trainer does nothing more
    assert trainer.epoch == k and result.epochs_done == k
    assert len(result.summary()) == len(config.schemes)


def test_a_run_to_the_end_is_not_stopped():
    result = run(TrainConfig(epochs=5))
    assert result.finished and not result.stopped and result.epochs_done == 5


# --------------------------------------------------------------------------- (f) optimizers


def hand_updates(optimizer, params, X, y, activation, lr, mu, steps):
    """Hand-written numpy updates from loss_and_grads.

    sgd: p -= lr g;  momentum (heavy ball): v = mu v + g, p -= lr v;  Adam (Kingma & Ba 2015,
    the efficient form of their section 2): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
    p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
    """
    b1, b2, eps = 0.9, 0.999, 1e-8
    params = {k: v.copy() for k, v in params.items()}
    state = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in params.items()}
    for t in range(1, steps + 1):
        _, grads = loss_and_grads(params, X, y, activation=activation)
        for key, g in grads.items():
            m, v = state[key]
            if optimizer == "sgd":
                params[key] = params[key] - lr * g
            elif optimizer == "momentum":
                m[:] = mu * m + g
                params[key] = params[key] - lr * m
            else:
                m[:] = b1 * m + (1 - b1) * g
                v[:] = b2 * v + (1 - b2) * g**2
                lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
                params[key] = params[key] - lr_t * m / (np.sqrt(v) + eps)
    return params


def net_params(trainer: Trainer, k: int = 0) -> dict:
    net = trainer.net
    out = {}
    for i, (w, b) in enumerate(zip(net.Ws, net.bs, strict=True), start=1):
        out[f"W{i}"], out[f"b{i}"] = w[k].copy(), b[k].copy()
    return out


@pytest.mark.parametrize(
    ("dataset", "n_classes"), [("moons", 2), ("blobs", 3)], ids=["sigmoid", "softmax"]
)
@pytest.mark.parametrize("optimizer", OPTS)
def test_optimizer_steps_equal_hand_written_updates(optimizer, dataset, n_classes):
    """Three full-batch steps of the trainer = three hand-written updates (state carried)."""
    config = TrainConfig(
        dataset=dataset,
        n_classes=n_classes,
        schemes=("xavier_normal",),
        hidden=(5, 4),
        n_samples=60,
        epochs=10,
        optimizer=optimizer,
        lr=0.05,
        momentum=0.8,
        batch_size=0,
        dtype="float64",
    )
    trainer = Trainer(config)
    start = net_params(trainer)
    for _ in range(3):
        trainer.step()
    d = trainer.data
    expected = hand_updates(
        optimizer, start, d.X_train, d.y_train, config.activation, config.lr, config.momentum, 3
    )
    got = net_params(trainer)
    for key in expected:
        assert not np.array_equal(got[key], start[key]), key  # the step did something
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-15, err_msg=key)


def test_train_loss_curve_is_the_loss_before_each_update():
    """train_loss at epoch e (full batch) is the loss of the parameters after e updates."""
    config = TrainConfig(schemes=("he_normal",), hidden=(6,), epochs=5, dtype="float64")
    trainer = Trainer(config)
    d = trainer.data
    losses = []
    for _ in range(3):
        losses.append(loss_and_grads(net_params(trainer), d.X_train, d.y_train, activation="tanh"))
        trainer.step()
    curve = trainer.result.curves["train_loss"][:3, 0]
    np.testing.assert_allclose(curve, [lo for lo, _ in losses], rtol=1e-12)


# --------------------------------------------------------------------------- (g) tables


@functools.cache
def table_run():
    config = TrainConfig(
        dataset="blobs",
        n_classes=3,
        schemes=("zeros", "random_small", "xavier_normal", "he_normal"),
        repeats=2,
        hidden=(40, 8),
        epochs=60,
        snapshots=5,
        n_samples=240,
    )
    return run(config)


def test_history_table():
    r = table_run()
    h = r.history()
    assert {"epoch", "scheme", "repeat", "split", "loss", "accuracy"} <= set(h.columns)
    E, M = r.config.epochs, r.n_models
    assert len(h) == (E + 1) * M * 2
    assert set(h.split) == {"train", "test"}
    assert set(h.scheme) == set(r.config.schemes) and set(h.repeat) == {0, 1}
    assert h.accuracy.between(0, 1).all() and (h.loss >= 0).all()
    thin = r.history(max_points=50)
    epochs = sorted(set(thin.epoch))
    assert len(epochs) <= 50 and epochs[0] == 0 and epochs[-1] == E


def test_curves_table_aggregates_repeats():
    r = table_run()
    c = r.curves_table()
    cols = {"epoch", "scheme", "split", "loss", "loss_lo", "loss_hi"}
    assert cols | {"accuracy", "accuracy_lo", "accuracy_hi"} <= set(c.columns)
    assert (c.loss_lo <= c.loss + 1e-12).all() and (c.loss <= c.loss_hi + 1e-12).all()
    assert (c.accuracy_lo <= c.accuracy + 1e-12).all()
    assert (c.accuracy <= c.accuracy_hi + 1e-12).all()
    h = r.history()
    one = h[(h.epoch == 7) & (h.scheme == "he_normal") & (h.split == "train")]
    row = c[(c.epoch == 7) & (c.scheme == "he_normal") & (c.split == "train")].iloc[0]
    assert row.loss == pytest.approx(one.loss.mean()) and row.loss_hi == one.loss.max()


def test_layer_and_divergence_tables():
    r = table_run()
    for epoch in r.detail_epochs:
        t = r.layer_table(epoch)
        cols = {"epoch", "scheme", "repeat", "layer", "kind", "width", "act_mean", "act_std"}
        cols |= {"saturated_fraction", "dead_fraction", "divergence", "distinct_neurons"}
        assert cols | {"grad_norm", "weight_rms"} <= set(t.columns)
        assert (t.epoch == epoch).all()
        assert len(t) == r.n_models * 3  # 2 hidden layers + the output layer
        hidden = t[t.kind == "hidden"]
        for col in ("saturated_fraction", "dead_fraction"):
            assert hidden[col].between(0, 1).all()
        assert hidden.distinct_neurons.between(1, hidden.width).all()
        assert (hidden.act_std >= 0).all() and (t.grad_norm >= 0).all()
        assert (t[t.kind == "output"].distinct_neurons == -1).all()
    d = r.divergence_table()
    assert {"epoch", "scheme", "repeat", "layer", "divergence", "distinct_neurons", "width"} <= set(
        d.columns
    )
    assert sorted(set(d.epoch)) == r.detail_epochs
    assert (d.divergence >= 0).all()


def test_weights_table_histograms():
    r = table_run()
    dims = r.dims
    for epoch in (0, r.config.epochs):
        w = r.weights_table(epoch)
        assert {"epoch", "scheme", "layer", "lo", "hi", "count", "fraction", "c"} <= set(w.columns)
        for (_, layer), g in w.groupby(["scheme", "layer"]):
            assert g["count"].sum() == dims[layer] * dims[layer - 1]
            assert g.fraction.sum() == pytest.approx(1.0)
            assert (g.lo.to_numpy()[1:] == g.hi.to_numpy()[:-1]).all()  # contiguous bins
            assert (g.lo < g.hi).all()
        # shared edges: every scheme of a layer uses the same bins
        for _, g in w.groupby("layer"):
            edges = g.groupby("scheme").lo.apply(tuple)
            assert edges.nunique() == 1


def test_similarity_table():
    r = table_run()
    for layer, width in ((1, 40), (2, 8)):
        s = r.similarity_table(layer=layer)
        assert {"scheme", "i", "j", "similarity"} <= set(s.columns)
        k = min(width, 32)
        assert len(s) == len(r.schemes) * k * k
        assert s.similarity.between(0, 1).all()
        assert (s[s.i == s.j].similarity == 1.0).all()
        m = s.pivot_table(index=["scheme", "i"], columns="j", values="similarity")
        for scheme in r.schemes:
            a = m.loc[scheme].to_numpy()
            np.testing.assert_array_equal(a, a.T)
        assert (s[s.scheme == "zeros"].similarity == 1.0).all()  # clones


def test_boundary_and_points_tables():
    r = table_run()
    b = r.boundary_table()
    assert {"scheme", "x1", "x2", "predicted", "confidence", "p1"} <= set(b.columns)
    assert len(b) == len(r.schemes) * GRID_SIZE**2
    assert b.p1.between(0, 1).all()
    assert b.confidence.between(1 / 3 - 1e-6, 1 + 1e-6).all()
    assert set(b.predicted) <= {0, 1, 2}
    p = r.points_table()
    assert {"x1", "x2", "label", "split"} <= set(p.columns)
    assert len(p) == r.config.n_samples
    assert (p.split == "train").sum() == len(r.data.y_train)
    assert set(p.label) == {0, 1, 2}


def test_binary_boundary_agrees_with_p1():
    """For 2 classes the predicted class is 1 exactly where p1 > 1/2 (confidence = max)."""
    r = run(TrainConfig(epochs=30, schemes=("he_normal",)))
    b = r.boundary_table()
    clear = (b.p1 - 0.5).abs() > 1e-6
    assert ((b.p1 > 0.5) == (b.predicted == 1))[clear].all()
    np.testing.assert_allclose(b.confidence, np.maximum(b.p1, 1 - b.p1), atol=1e-6)


# --------------------------------------------------------------------------- (h) verdicts


@functools.cache
def default_lesson():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return run(TrainConfig()).summary().set_index("scheme")


def test_default_lesson_is_the_documented_one():
    c = TrainConfig()
    assert (c.dataset, c.noise, c.hidden, c.activation) == ("moons", 0.35, (16,), "tanh")
    assert (c.optimizer, c.lr, c.batch_size) == ("sgd", 0.5, 32)
    assert c.schemes == ("zeros", "random_small", "random_large", "xavier_normal", "he_normal")


def test_default_lesson_zeros_never_break_symmetry():
    s = default_lesson()
    assert not s.loc["zeros", "symmetry_broken"]
    assert s.loc["zeros", "outcome"] == "all neurons same"
    assert s.loc["zeros", "distinct_neurons"] == 1
    assert s.loc["zeros", "divergence"] == 0.0


def test_default_lesson_random_schemes_break_symmetry():
    s = default_lesson()
    for name in ("random_small", "random_large", "xavier_normal", "he_normal"):
        assert s.loc[name, "symmetry_broken"], name
        assert s.loc[name, "distinct_neurons"] > 1


def test_default_lesson_random_large_saturates():
    """x10 weights on 2 standardized inputs put tanh's inputs far from 0: most units are on
    the flat part at init: a risk, though in one layer the signal that gets through is not
    small (the gradient verdict is measured apart)."""
    s = default_lesson()
    assert s.loc["random_large", "gradient_risk"] == "saturated"
    assert s.loc["random_large", "gradient"] == "healthy"
    assert s.loc["random_large", "signal_ratio_at_init"] > 1
    assert s.loc["random_large", "saturated_at_init"] > 0.5
    assert s.loc["random_large", "initial_loss"] > 2 * np.log(2)  # far worse than chance


@pytest.mark.parametrize("name", ["xavier_normal", "he_normal"])
def test_default_lesson_xavier_and_he_are_healthy(name):
    s = default_lesson()
    assert s.loc[name, "gradient"] == "healthy"
    assert s.loc[name, "outcome"] == "stable"
    assert s.loc[name, "test_accuracy"] >= 0.8  # noisy moons: the classes overlap
    assert not s.loc[name, "diverged"]


# --------------------------------------------------------------------------- before training
@pytest.mark.parametrize(
    "changes",
    [{}, {"batch_size": 32, "repeats": 2}, {"dtype": "float64", "activation": "relu"}],
    ids=["full-batch", "mini-batch-repeats", "float64-relu"],
)
def test_initial_curves_are_exactly_what_a_run_records_at_epoch_0(changes):
    from initdash import initial_curves

    config = TrainConfig(epochs=3, n_samples=160, **changes)
    start = initial_curves(config)
    curves = run(config).curves_table(max_points=None)
    at0 = curves[curves["epoch"] == 0].reset_index(drop=True)
    assert len(start) == len(config.schemes) * 2  # train and test per scheme
    pd.testing.assert_frame_equal(start.reset_index(drop=True), at0)
    # and it is a measurement, not a constant: Random large starts far above ln 2
    loss = start.set_index(["scheme", "split"])["loss"]
    assert loss[("zeros", "train")] == pytest.approx(np.log(2), abs=1e-6)
    assert loss[("random_large", "train")] > 2 * np.log(2)
