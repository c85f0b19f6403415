"""Biases: how they start (zeros, random, the class prior), the class-imbalance option, and
their gradients against central finite differences.

The oracles: central differences of the loss (tests/test_nn.py's), the entropy of the class
prior written out by hand, and hand-worked first steps of a net with zero weights.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import initdash
from initdash import loss_and_grads
from initdash.blas import limit_blas_threads
from initdash.data import class_sizes, make_dataset, split_sizes
from initdash.nn import output_units
from initdash.schemes import BIAS_INITS, class_prior_bias, sample_biases, stream
from initdash.train import stacked_init
from tests.test_nn import FD_RTOL, N_IN, numerical_grads, rel_error

limit_blas_threads(1)


def entropy(p: np.ndarray) -> float:
    p = np.asarray(p, dtype=np.float64)
    return float(-(p * np.log(p)).sum())


# --------------------------------------------------------------------------- bias init
def test_zeros_is_the_default_and_keeps_every_bias_at_zero():
    config = initdash.TrainConfig()
    assert config.bias_init == "zeros"
    X = np.zeros((4, 2))
    _, bs = stacked_init([2, 16, 1], config, X, np.array([0, 1, 0, 1]))
    assert all(b.shape == (5, n) and not b.any() for b, n in zip(bs, (16, 1), strict=True))


def test_random_biases_are_the_same_for_every_scheme_and_follow_the_std():
    """Every scheme of a repeat gets the same biases (a controlled comparison), drawn from the
    (seed, "biases", repeat) stream; another repeat draws others."""
    config = initdash.TrainConfig(bias_init="random", bias_std=2.0, repeats=2, hidden=(300,))
    _, bs = stacked_init([2, 300, 1], config, np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    b1 = bs[0]
    for s in range(len(config.schemes)):
        np.testing.assert_array_equal(b1[2 * s], b1[0])
        np.testing.assert_array_equal(b1[2 * s + 1], b1[1])
    assert not np.array_equal(b1[0], b1[1])
    expected = stream(config.seed, "biases", 0).standard_normal(300) * 2.0
    np.testing.assert_array_equal(b1[0], expected)
    assert 1.7 < b1[0].std() < 2.3  # 300 draws of N(0, 2^2)


def test_biases_do_not_change_the_weights():
    """The weights come from the schemes' own streams, whatever the biases."""
    X, y = np.random.default_rng(0).standard_normal((8, 2)), np.arange(8) % 2
    dims = [2, 8, 8, 1]
    ws = {b: stacked_init(dims, initdash.TrainConfig(bias_init=b), X, y)[0] for b in BIAS_INITS}
    for b in BIAS_INITS:
        for a, z in zip(ws[b], ws["zeros"], strict=True):
            np.testing.assert_array_equal(a, z)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_prior_bias_predicts_the_class_prior(n_classes):
    """With zero weights the prior bias's prediction is exactly the labels' class shares, so
    the loss is the entropy of the prior (Karpathy: check the loss at init)."""
    y = np.repeat(np.arange(n_classes), [7, 2, 11, 1, 4][:n_classes])
    p = np.bincount(y) / len(y)
    k = output_units(n_classes)
    b = class_prior_bias(y, k)
    if k == 1:
        assert b[0] == pytest.approx(math.log(p[1] / p[0]), rel=1e-15)
        proba = np.array([1 - 1 / (1 + math.exp(-b[0])), 1 / (1 + math.exp(-b[0]))])
    else:
        proba = np.exp(b) / np.exp(b).sum()
    np.testing.assert_allclose(proba, p, rtol=1e-13)
    params = {"W1": np.zeros((4, N_IN)), "b1": np.zeros(4), "W2": np.zeros((k, 4)), "b2": b}
    X = np.random.default_rng(2).standard_normal((len(y), N_IN))
    loss, _ = loss_and_grads(params, X, y, activation="tanh")
    assert loss == pytest.approx(entropy(p), rel=1e-13)


def test_prior_bias_leaves_the_hidden_biases_at_zero():
    bs = sample_biases([2, 5, 4, 1], "prior", y=np.array([0, 0, 0, 1]))
    assert not bs[0].any() and not bs[1].any()
    assert bs[2][0] == pytest.approx(math.log(1 / 3))


def test_bias_init_errors_name_the_choices():
    with pytest.raises(ValueError, match="zeros, random, prior"):
        sample_biases([2, 3, 1], "ones")
    with pytest.raises(ValueError, match="training labels"):
        sample_biases([2, 3, 1], "prior")
    with pytest.raises(ValueError, match="bias_init"):
        initdash.TrainConfig(bias_init="ones")
    with pytest.raises(ValueError, match="bias_std"):
        initdash.TrainConfig(bias_std=-1.0)


# --------------------------------------------------------------------------- gradients
def fd_check(params: dict, X: np.ndarray, y: np.ndarray, activation: str) -> dict:
    """Backprop against central differences for every parameter: the relative error per key
    (0 when both are exactly 0)."""
    _, grads = loss_and_grads(params, X, y, activation=activation)
    numeric = numerical_grads(params, X, y, activation)
    return {k: rel_error(grads[k], numeric[k]) for k in params}


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("bias_init", ["random", "prior"])
def test_bias_paths_match_central_differences(bias_init, n_classes, activation):
    """The trainer's own starting biases (random: N(0, 1) in every layer; prior: the output
    layer's log prior) on Xavier weights: every gradient, biases first, equals central
    differences (h = 1e-6, float64)."""
    dims = [N_IN, 5, 4, output_units(n_classes)]
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, N_IN))
    y = np.arange(12) % n_classes
    y[:5] = 0  # an uneven prior
    config = initdash.TrainConfig(bias_init=bias_init, bias_std=1.0, activation=activation)
    ws = config.initial_weights("xavier_normal", dims, X)
    bs = config.initial_biases(dims, y)
    assert any(b.any() for b in bs)
    params = {f"{p}{i}": v for i, (w, b) in enumerate(zip(ws, bs, strict=True), 1)
              for p, v in (("W", w), ("b", b))}  # fmt: skip
    errors = fd_check(params, X, y, activation)
    assert max(errors.values()) < FD_RTOL, errors


def test_zero_weights_with_random_biases_match_central_differences():
    """The symmetry lesson's net at its start: zero weights, random biases. Only the output
    layer has a gradient (its weights by each unit's own tanh(b), its bias by the mean error);
    everything below gets exactly 0, and central differences agree."""
    dims = [N_IN, 5, 4, 1]
    X = np.random.default_rng(4).standard_normal((10, N_IN))
    y = np.arange(10) % 2
    bs = sample_biases(dims, "random", rng=np.random.default_rng(5), std=0.5)
    params = {}
    for i, b in enumerate(bs, start=1):
        params[f"W{i}"] = np.zeros((len(b), dims[i - 1]))
        params[f"b{i}"] = b
    loss, grads = loss_and_grads(params, X, y, activation="tanh")
    numeric = numerical_grads(params, X, y, "tanh")
    for key in ("W1", "b1", "W2", "b2"):
        assert not grads[key].any(), key  # W3 = 0 blocks them exactly
        assert np.abs(numeric[key]).max() < 1e-9, key
    for key in ("W3", "b3"):
        assert rel_error(grads[key], numeric[key]) < FD_RTOL, key
    err = 1 / (1 + np.exp(-bs[2][0])) - y  # dLoss/dz of the output, per example
    np.testing.assert_allclose(grads["b3"], [err.mean()], rtol=1e-12)
    np.testing.assert_allclose(grads["W3"][0], np.tanh(bs[1]) * err.mean(), rtol=1e-12)


def test_zero_weights_with_random_biases_second_step_is_rank_one():
    """Hand-worked second step of one hidden layer, zero weights, random biases: after the
    first step W2_i = -lr tanh(b_i) g (g the mean output error), so the first layer's gradient
    is dW1_i = (1 - tanh(b_i)^2) W2_i v with v = sum_x dLoss/dz_x x, one vector for every
    neuron: each row a different multiple of v. The neurons are distinct, yet they start
    to move along one line."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((16, 2))
    y = (X[:, 0] > 0).astype(int)
    b1 = rng.standard_normal(6) * 0.5
    params = {"W1": np.zeros((6, 2)), "b1": b1, "W2": np.zeros((1, 6)), "b2": np.array([0.3])}
    lr = 0.5
    _, g = loss_and_grads(params, X, y, activation="tanh")
    for k in params:
        params[k] = params[k] - lr * g[k]
    assert not params["W1"].any() and np.unique(params["W2"]).size == 6
    _, g2 = loss_and_grads(params, X, y, activation="tanh")
    s = np.linalg.svd(g2["W1"], compute_uv=False)
    assert s[0] > 0 and s[1] <= 1e-12 * s[0]  # rank 1
    coeff = (1 - np.tanh(b1) ** 2) * params["W2"][0]
    v = g2["W1"][np.argmax(np.abs(coeff))] / coeff[np.argmax(np.abs(coeff))]
    np.testing.assert_allclose(g2["W1"], np.outer(coeff, v), rtol=1e-10, atol=1e-15)


def test_random_biases_break_zero_weights_symmetry_in_training():
    """Trained (tanh, SGD): zero weights with random biases do not stay clones, while the same
    net with zero biases does (tests/test_train.py)."""
    config = initdash.TrainConfig(
        schemes=("zeros",), hidden=(8,), bias_init="random", epochs=60, snapshots=3
    )
    trainer = initdash.Trainer(config)
    trainer.advance()
    w1 = trainer.net.Ws[0][0]
    assert np.unique(w1, axis=0).shape[0] == 8
    assert bool(trainer.result.summary().symmetry_broken.iloc[0])


# --------------------------------------------------------------------------- class imbalance
@pytest.mark.parametrize("n_classes", [2, 3, 6])
@pytest.mark.parametrize("ratio", [1.0, 2.5, 9.0, 100.0])
@pytest.mark.parametrize("n", [20, 401, 1000])
def test_class_sizes(n, ratio, n_classes):
    sizes = class_sizes(n, n_classes, ratio)
    assert sum(sizes) == n and min(sizes) >= 2
    assert sizes == sorted(sizes, reverse=True)
    if ratio == 1.0:
        assert max(sizes) - min(sizes) <= 1
    elif min(sizes) > 20:  # far from the 2-row floor: the ratio within rounding
        assert sizes[0] / sizes[-1] == pytest.approx(ratio, rel=0.1)


def test_imbalance_one_is_the_balanced_dataset_bit_for_bit():
    for name in initdash.DATASETS:
        a = make_dataset(name, n_samples=300, noise=0.3, seed=4)
        b = make_dataset(name, n_samples=300, noise=0.3, seed=4, imbalance=1.0)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("name", list(initdash.DATASETS))
def test_imbalanced_dataset_has_the_sizes_and_the_split_agrees(name):
    k = min(3, initdash.DATASETS[name].max_classes)
    X, y = make_dataset(name, n_samples=400, noise=0.2, seed=1, n_classes=k, imbalance=9.0)
    assert X.shape == (400, 2) and np.isfinite(X).all()
    assert np.bincount(y).tolist() == class_sizes(400, k, 9.0)
    config = initdash.TrainConfig(dataset=name, n_classes=k, n_samples=400, imbalance=9.0)
    d = initdash.make_data(config)
    assert (len(d.y_train), len(d.y_test)) == split_sizes(400, k, 0.25, 9.0)
    assert initdash.cost.sizes(config).n_train == len(d.y_train)


def test_one_to_nine_moons():
    """imbalance=9 on two moons: 1:9, class 1 rare, its points a random subset of its moon."""
    X, y = make_dataset("moons", n_samples=400, noise=0.0, seed=0, imbalance=9.0)
    assert np.bincount(y).tolist() == [360, 40]
    lower = X[y == 1] + np.array([0.5, 0.25])  # on the circle of radius 1 around (1, 0.5)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.ptp(lower[:, 0]) > 1.5  # spread along the whole moon


@pytest.mark.parametrize("bad", [0.5, 101.0, float("nan"), True])
def test_imbalance_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="imbalance"):
        make_dataset("moons", n_samples=100, imbalance=bad)
    with pytest.raises(ValueError, match="imbalance"):
        initdash.TrainConfig(imbalance=bad)


def test_prior_bias_run_starts_at_the_prior_entropy():
    """1:9 moons, Zeros with the prior bias: the loss at epoch 0 is the entropy of the
    training labels' prior, exactly as the formula says."""
    config = initdash.TrainConfig(
        imbalance=9.0, bias_init="prior", schemes=("zeros",), epochs=1, dtype="float64"
    )
    result = initdash.run(config)
    p = np.bincount(result.data.y_train) / len(result.data.y_train)
    assert result.curves["train_loss"][0, 0] == pytest.approx(entropy(p), rel=1e-12)
    assert entropy(p) < 0.5 * math.log(2) + 0.01
