"""The distributions a run records at its detailed epochs, against independent computations:
activation percentiles and histograms against np.percentile / np.histogram of the outputs of a
textbook forward pass, the gradients' percentiles against a textbook backward pass, and the
update-to-data ratio against hand-written optimizer steps (SGD, momentum, Adam).
"""

from __future__ import annotations

import numpy as np
import pytest

from initdash import TrainConfig, Trainer, run
from initdash.blas import limit_blas_threads
from initdash.metrics import (
    ACT_BINS,
    ACT_RANGES,
    ACT_SYMLOG_C,
    PERCENTILES,
    activation_edges,
    distribution,
    histograms,
    percentiles,
)
from tests.test_nn import ref_activation, ref_forward
from tests.test_train import DIVERGE, hand_updates, net_params

limit_blas_threads(1)

SCHEMES = ("zeros", "random_small", "random_large", "xavier_normal", "he_normal")


def small_config(**changes) -> TrainConfig:
    """A float64 run with every epoch detailed, two hidden layers, on the probe batch's size."""
    config = TrainConfig(schemes=SCHEMES, hidden=(6, 5), n_samples=80, epochs=4, snapshots=5)
    return config.replace(batch_size=0, dtype="float64", lr=0.1).replace(**changes)


def probe_batch(trainer: Trainer) -> tuple[np.ndarray, np.ndarray]:
    """The probe batch, batch-first (m, n_features), and its labels."""
    return trainer.Xp[:-1].T.copy(), trainer.yp


def ref_backward(params: dict, X: np.ndarray, y: np.ndarray, activation: str):
    """A textbook backward pass (binary head, sigmoid + cross-entropy, mean over m examples):
    dLoss/dz of every layer (m, n_l) and dLoss/dW (n_l, n_{l-1}), written from scratch."""
    L = len(params) // 2
    logits, pre = ref_forward(params, X, activation)
    acts = [X] + [ref_activation(activation, z) for z in pre]
    m = len(y)
    p1 = np.exp(-np.logaddexp(0.0, -logits[:, 0]))  # sigmoid, without overflow
    dz = [None] * L
    dz[L - 1] = ((p1 - y) / m)[:, None]
    for i in range(L - 2, -1, -1):
        da = dz[i + 1] @ params[f"W{i + 2}"]
        if activation == "tanh":
            slope = 1.0 / np.cosh(pre[i]) ** 2
        else:  # relu
            slope = (pre[i] > 0).astype(float)
        dz[i] = da * slope
    dW = [dz[i].T @ acts[i] for i in range(L)]
    return dz, dW


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_activation_percentiles_and_histograms_equal_numpy_on_a_textbook_forward_pass(activation):
    """At epoch 0 and after two epochs: every model's recorded percentiles of every hidden
    layer's outputs are np.percentile of a plain forward pass on the probe batch; the counts
    are np.histogram's on the recorded edges; the edges are tanh's fixed bins, or (ReLU) span
    the outputs of the epoch."""
    trainer = Trainer(small_config(activation=activation))
    X, _ = probe_batch(trainer)
    for epochs in (0, 2):
        if epochs:
            trainer.advance(epochs=epochs)
        assert trainer.result.detail_epochs[-1] == trainer.epoch
        stats = trainer.result.details[-1]
        outputs = []
        for k in range(trainer.net.n_models):
            _, pre = ref_forward(net_params(trainer, k), X, activation)
            outputs.append([ref_activation(activation, z) for z in pre])
        for i in range(2):
            A = np.stack([o[i] for o in outputs])  # (M, m, n)
            expected = np.percentile(A.reshape(len(A), -1), PERCENTILES, axis=1).T
            np.testing.assert_allclose(stats.act_pct[:, i], expected, rtol=1e-12, atol=1e-15)
            edges = stats.act_edges[i]
            assert len(edges) == ACT_BINS + 1
            if activation == "tanh":
                np.testing.assert_array_equal(edges, np.linspace(-1, 1, ACT_BINS + 1))
            else:
                assert edges[0] == pytest.approx(A.min()) and edges[-1] == pytest.approx(A.max())
            counts = [np.histogram(a, edges)[0] for a in A]
            np.testing.assert_array_equal(stats.act_hist[i], counts)
    assert trainer.epoch == 2


def test_activation_table_shares_are_the_histograms():
    r = run(small_config())
    t = r.activation_table(2)
    assert set(t.epoch) == set(r.detail_epochs)
    sums = t.groupby(["epoch", "scheme"]).share.sum()
    np.testing.assert_allclose(sums, 1.0)
    last = t[t.epoch == r.detail_epochs[-1]]
    st = r.details[-1]
    for s, name in enumerate(r.schemes):
        h = st.act_hist[1][s * r.repeats]
        np.testing.assert_allclose(last[last.scheme == name].share, h / h.sum())
    zeros = last[last.scheme == "zeros"]  # tanh(0) = 0: one spike in the middle bin
    assert zeros.share.max() == 1.0
    middle = zeros.iloc[int(np.argmax(zeros.share))]
    assert middle.lo < 0 < middle.hi


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_distribution_is_np_percentile_and_histograms_from_one_sort(dtype):
    """Random values with ties, values outside the edges, on an edge, and (one model) NaN and
    infinities: percentiles as np.percentile's (of the float64 values), counts as
    histograms()' (the trainer's weight histograms), a NaN model's percentiles NaN."""
    rng = np.random.default_rng(7)
    values = np.round(rng.normal(size=(4, 6, 50)), 2).astype(dtype)
    values[1, 0, :3] = (-5.0, 5.0, 0.5)  # below, above, on an edge
    values[2, 0, :3] = (np.nan, np.inf, -np.inf)
    edges = np.linspace(-2.0, 2.0, 9)
    pct, counts = distribution(values, edges)
    flat = values.reshape(4, -1).astype(np.float64)
    want = np.percentile(flat, PERCENTILES, axis=1).T
    np.testing.assert_array_equal(pct[[0, 1, 3]], want[[0, 1, 3]])
    assert np.isnan(pct[2]).all()
    np.testing.assert_array_equal(counts, histograms(values, edges))
    assert counts[2].sum() == 300 - 3 and counts[1].sum() == 300
    np.testing.assert_array_equal(percentiles(values), pct)


def test_activation_edges():
    """Bounded activations: fixed bins over their range. Unbounded: from the smallest to the
    largest finite output, evenly spaced in asinh(a / c); all equal: a bin around them."""
    for name, (lo, hi) in ACT_RANGES.items():
        np.testing.assert_array_equal(
            activation_edges(name, np.zeros((2, 3))), np.linspace(lo, hi, ACT_BINS + 1)
        )
    A = np.array([[[0.0, 0.05, 3.0]], [[1000.0, np.inf, 0.2]]])
    e = activation_edges("relu", A)
    assert e[0] == 0.0 and e[-1] == 1000.0
    t = np.arcsinh(e / ACT_SYMLOG_C)
    np.testing.assert_allclose(np.diff(t), np.diff(t)[0])
    flat = activation_edges("relu", np.zeros((2, 3)))
    assert flat[0] == -ACT_SYMLOG_C and flat[-1] == ACT_SYMLOG_C
    assert flat[ACT_BINS // 2] < 0 < flat[ACT_BINS // 2 + 1]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradient_percentiles_equal_a_textbook_backward_pass(activation):
    """Epoch 0: percentiles of |dL/dz| per example (the mean loss's gradient times m) and of
    |dL/dW| per layer, against a backward pass written from scratch. (Equal up to rounding:
    the trainer takes tanh's slope as 1 - a^2, which loses digits where a unit saturates.)"""
    trainer = Trainer(small_config(activation=activation))
    X, y = probe_batch(trainer)
    r = trainer.result
    st = r.details[0]
    for k in range(trainer.net.n_models):
        dz, dW = ref_backward(net_params(trainer, k), X, y, activation)
        for i in range(3):
            want_z = np.percentile(np.abs(dz[i]) * len(y), PERCENTILES)
            want_w = np.percentile(np.abs(dW[i]), PERCENTILES)
            for got, want in ((st.dz_pct[k, i], want_z), (st.dw_pct[k, i], want_w)):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9 * want.max())
    g = r.gradient_table(0)
    assert len(g) == 2 * 3 * len(SCHEMES)
    zeros = g[(g.scheme == "zeros") & (g.layer < 3)]
    assert (zeros[["p2", "p50", "p98"]] == 0).all().all()  # blocked: exactly 0 in both
    assert list(g[g.gradient == "dz"].kind.unique()) == ["hidden", "output"]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_update_ratio_is_the_applied_step_over_the_weights(optimizer):
    """The ratio recorded at epoch e is std(update) / std(weights) of epoch e's step, the
    update and the weights taken from hand-written optimizer steps (state carried over: the
    third step's momentum and Adam moments hold two earlier gradients)."""
    config = small_config(
        schemes=("xavier_normal", "random_small"), optimizer=optimizer, momentum=0.8, lr=0.05
    )
    trainer = Trainer(config)
    starts = [net_params(trainer, k) for k in range(trainer.net.n_models)]
    trainer.advance()
    r = trainer.result
    assert r.detail_epochs == list(range(config.epochs + 1))
    d = trainer.data
    for k, start in enumerate(starts):
        for e in range(config.epochs):
            args = (d.X_train, d.y_train, config.activation, config.lr, config.momentum)
            before = hand_updates(optimizer, start, *args, e)
            after = hand_updates(optimizer, start, *args, e + 1)
            for i in range(3):
                w = before[f"W{i + 1}"]
                want = np.std(w - after[f"W{i + 1}"]) / np.std(w)
                assert r.details[e].update_ratio[k, i] == pytest.approx(want, rel=1e-9)
    assert np.isnan(r.details[-1].update_ratio).all()  # no step after the last epoch
    u = r.update_table()
    first = u[(u.epoch == 0) & (u.scheme == "xavier_normal") & (u.layer == 1)].iloc[0]
    assert first.log10_ratio == pytest.approx(np.log10(first.update_ratio))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_update_ratio_with_batchnorm_rates_the_weights_only(optimizer):
    """With BatchNorm the optimizer also steps gamma and beta; the recorded ratio per layer is
    still the weights' own: std(W before - W after) / std(W before), biases left out, one per
    layer (gamma and beta get no column)."""
    config = small_config(schemes=("xavier_normal", "he_normal"), epochs=1, batchnorm=True)
    trainer = Trainer(config.replace(optimizer=optimizer, lr=0.05))
    before = [p[:, :, :-1].astype(np.float64).copy() for p in trainer.net.P]
    trainer.advance()
    ratio = trainer.result.details[0].update_ratio
    assert ratio.shape == (2, len(before))
    for i, (w, p) in enumerate(zip(before, trainer.net.P, strict=True)):
        for k in range(2):
            want = np.std(w[k] - p[k, :, :-1]) / np.std(w[k])
            assert ratio[k, i] == pytest.approx(want, rel=1e-9)


def test_update_ratio_of_equal_weights_is_undefined_and_of_a_mini_batch_step_is_recorded():
    """Zeros: weights all 0 and no update in the hidden layers: NaN (undefined). Constant:
    every weight equal (std 0) but moving: infinite. With mini-batches every recorded epoch
    (but the last) gets a ratio."""
    r = run(small_config(schemes=("zeros", "constant", "he_normal"), batch_size=16))
    ratios = np.array([st.update_ratio for st in r.details[:-1]])  # (E, M, L)
    assert np.isnan(ratios[:, 0, :2]).all()
    assert np.isposinf(ratios[0, 1, 0])
    assert np.isfinite(ratios[:, 2]).all() and (ratios[:, 2] > 0).all()
    u = r.update_table()
    assert u[u.scheme == "constant"].log10_ratio.notna().sum() < len(u[u.scheme == "constant"])


def test_a_diverged_model_has_blank_distributions():
    """A model that diverges gets NaN percentiles and ratios and empty histograms."""
    config = DIVERGE.replace(schemes=("random_large", "he_normal"), lr=1.0, epochs=12, snapshots=13)
    r = run(config)
    k = int(np.flatnonzero(r.diverged_epoch >= 0)[0])
    assert r.schemes[k // r.repeats] == "random_large"
    last = r.details[-1]
    assert np.isnan(last.act_pct[k]).all() and np.isnan(last.dz_pct[k]).all()
    assert all(h[k].sum() == 0 for h in last.act_hist)
    e = r.detail_epochs.index(int(r.diverged_epoch[k]) + 1)
    assert np.isnan(r.details[e].update_ratio[k]).all()
    assert np.isfinite(last.act_pct[1 - k]).all()
