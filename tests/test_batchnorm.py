"""BatchNorm (``batchnorm=True``): backprop against central differences and against a textbook
implementation written here (plain numpy, one network, loops over units); the stacked net
against one call per model; running statistics; evaluation with them; the trainer's optimizers
on gamma and beta; and symmetry: BatchNorm cannot make clones differ.

The reference follows Ioffe & Szegedy (2015), Algorithm 1 and the chain rule of their section 3
(gradients through the batch mean and variance written out term by term), independently of
initdash.nn's compact three-term form.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import initdash
from initdash import ACTIVATIONS, TrainConfig, Trainer, loss_and_grads, neurons
from initdash.activations import LEAKY_SLOPE
from initdash.blas import limit_blas_threads
from initdash.nn import BN_EPS, BN_MOMENTUM, StackedMLP, output_units, with_ones
from tests.test_nn import (
    FD_RTOL,
    M_EXAMPLES,
    N_IN,
    numerical_grads,
    random_params,
    ref_activation,
    ref_loss,
    rel_error,
)
from tests.test_train import hand_updates

limit_blas_threads(1)

HIDDEN = [5, 4]
KINK_MARGIN = 1e-3


# --------------------------------------------------------------------------- the reference


def ref_slope(name: str, z: np.ndarray) -> np.ndarray:
    """Textbook derivatives of the activations (not the package's)."""
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE)
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    if name == "linear":
        return np.ones_like(z)
    raise AssertionError(name)


def ref_bn_forward(u: np.ndarray, gamma, beta, stats=None):
    """One hidden layer's BatchNorm, unit by unit: (m, n) pre-activations -> z, and what the
    backward pass needs. ``stats`` = (running mean, running var): evaluation."""
    m, n = u.shape
    z, xhat, mus, vars_ = np.empty_like(u), np.empty_like(u), np.empty(n), np.empty(n)
    for j in range(n):
        if stats is None:
            mus[j] = sum(u[:, j]) / m
            vars_[j] = sum((u[:, j] - mus[j]) ** 2) / m
        else:
            mus[j], vars_[j] = stats[0][j], stats[1][j]
        xhat[:, j] = (u[:, j] - mus[j]) / np.sqrt(vars_[j] + BN_EPS)
        z[:, j] = gamma[j] * xhat[:, j] + beta[j]
    return z, (u, xhat, mus, vars_)


def ref_bn_backward(dz: np.ndarray, gamma, cache):
    """Ioffe & Szegedy's chain rule through the batch statistics, unit by unit:
    dL/dxhat, dL/dvar, dL/dmu, then dL/du, dL/dgamma, dL/dbeta."""
    u, xhat, mus, vars_ = cache
    m, n = u.shape
    du, dgamma, dbeta = np.empty_like(u), np.empty(n), np.empty(n)
    for j in range(n):
        dxhat = dz[:, j] * gamma[j]
        dvar = sum(dxhat * (u[:, j] - mus[j])) * -0.5 * (vars_[j] + BN_EPS) ** -1.5
        dmu = (
            sum(dxhat * -1.0 / np.sqrt(vars_[j] + BN_EPS))
            + dvar * sum(-2.0 * (u[:, j] - mus[j])) / m
        )
        du[:, j] = (
            dxhat / np.sqrt(vars_[j] + BN_EPS) + dvar * 2.0 * (u[:, j] - mus[j]) / m + dmu / m
        )
        dgamma[j] = sum(dz[:, j] * xhat[:, j])
        dbeta[j] = sum(dz[:, j])
    return du, dgamma, dbeta


def ref_net(params: dict, X: np.ndarray, y, activation: str, stats=None):
    """Loss, gradients (same keys) and the hidden activation inputs z of a batch-first MLP
    with BatchNorm after every hidden pre-activation. ``stats``: per hidden layer (running
    mean, running var) for an evaluation pass (then no gradients)."""
    L = sum(1 for k in params if k.startswith("W"))
    a, caches, acts, zs = X, [], [X], []
    for i in range(1, L):
        u = a @ params[f"W{i}"].T + params[f"b{i}"]
        z, cache = ref_bn_forward(
            u, params[f"gamma{i}"], params[f"beta{i}"], None if stats is None else stats[i - 1]
        )
        caches.append(cache)
        zs.append(z)
        a = ref_activation(activation, z)
        acts.append(a)
    logits = a @ params[f"W{L}"].T + params[f"b{L}"]
    loss = ref_loss(logits, y)
    if stats is not None:
        return loss, None, zs, logits
    m = len(y)
    if logits.shape[1] == 1:
        dlogit = (1.0 / (1.0 + np.exp(-logits[:, 0])) - y)[:, None] / m
    else:
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        dlogit = e / e.sum(axis=1, keepdims=True)
        dlogit[np.arange(m), y] -= 1.0
        dlogit /= m
    grads, du = {}, dlogit
    for i in range(L, 0, -1):
        grads[f"W{i}"] = du.T @ acts[i - 1]
        grads[f"b{i}"] = du.sum(axis=0)
        if i > 1:
            dz = (du @ params[f"W{i}"]) * ref_slope(activation, zs[i - 2])
            du, grads[f"gamma{i - 1}"], grads[f"beta{i - 1}"] = ref_bn_backward(
                dz, params[f"gamma{i - 1}"], caches[i - 2]
            )
    return loss, grads, zs, logits


def bn_params(rng: np.random.Generator, dims: list[int], scale: float = 1.0) -> dict:
    """Gaussian weights, small biases and gammas/betas away from their starting 1 and 0."""
    params = random_params(rng, dims, scale)
    for i, n in enumerate(dims[1:-1], start=1):
        params[f"gamma{i}"] = 1.0 + 0.5 * rng.standard_normal(n)
        params[f"beta{i}"] = 0.3 * rng.standard_normal(n)
    return params


def bn_problem(activation: str, n_classes: int, seed0: int = 0):
    """A small BatchNorm net and a batch whose activation inputs z all stay KINK_MARGIN away
    from 0 (the kink of relu and leaky_relu), found by trying seeds in order."""
    dims = [N_IN, *HIDDEN, output_units(n_classes)]
    for seed in range(seed0, seed0 + 200):
        rng = np.random.default_rng(seed)
        params = bn_params(rng, dims)
        X = rng.standard_normal((M_EXAMPLES, N_IN))
        y = np.arange(M_EXAMPLES) % n_classes
        rng.shuffle(y)
        _, _, zs, _ = ref_net(params, X, y, activation)
        if min(np.abs(z).min() for z in zs) > KINK_MARGIN:
            return params, X, y
    raise AssertionError("no seed kept the activation inputs away from 0")


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("n_classes", [2, 3], ids=["sigmoid-head", "softmax-head"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_batchnorm_backprop_matches_central_differences(activation, n_classes):
    """Every gradient of a BatchNorm net (weights, biases, gammas, betas) equals central
    differences of the loss in float64. The hidden biases' true gradient is 0 (normalizing
    subtracts them again): the differences are rounding noise, ours exactly 0. (With linear
    units, so is that of every beta but the last layer's.)"""
    params, X, y = bn_problem(activation, n_classes)
    loss, grads = loss_and_grads(params, X, y, activation=activation)
    assert np.isfinite(loss) and sorted(grads) == sorted(params)
    numeric = numerical_grads(params, X, y, activation)
    L = len(HIDDEN) + 1
    for key in params:
        if key in [f"b{i}" for i in range(1, L)]:
            assert np.abs(numeric[key]).max() < 1e-8, key
            assert (grads[key] == 0.0).all(), key
            continue
        if activation == "linear" and key in [f"beta{i}" for i in range(1, L - 1)]:
            # a shift passed linearly into the next normalized layer is subtracted there too
            assert np.abs(numeric[key]).max() < 1e-8 and np.abs(grads[key]).max() < 1e-12
            continue
        assert np.linalg.norm(numeric[key]) > 0, key  # not vacuous
        err = rel_error(grads[key], numeric[key])
        assert err < FD_RTOL, f"{activation} {key}: relative error {err:.2e}"


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_batchnorm_equals_the_reference_implementation(activation, n_classes):
    """Loss and every gradient equal the textbook implementation above (float64)."""
    params, X, y = bn_problem(activation, n_classes, seed0=50)
    loss, grads = loss_and_grads(params, X, y, activation=activation)
    ref, ref_grads, _, _ = ref_net(params, X, y, activation)
    assert loss == pytest.approx(ref, rel=1e-12)
    for key, g in ref_grads.items():
        np.testing.assert_allclose(grads[key], g, rtol=1e-9, atol=1e-13, err_msg=key)


def test_bad_batchnorm_keys_are_named():
    params, X, y = bn_problem("tanh", 2)
    del params["beta2"]
    with pytest.raises(ValueError, match="gamma1..gamma"):
        loss_and_grads(params, X, y, activation="tanh")


# --------------------------------------------------------------------------- the stacked net


def stacked(models: list[dict], activation: str, n_classes: int) -> StackedMLP:
    L = sum(1 for k in models[0] if k.startswith("W"))
    net = StackedMLP(
        [np.stack([p[f"W{i}"] for p in models]) for i in range(1, L + 1)],
        [np.stack([p[f"b{i}"] for p in models]) for i in range(1, L + 1)],
        activation,
        n_classes,
        np.float64,
        batchnorm=True,
    )
    for i, bn in enumerate(net.BN, start=1):
        bn[:, :, 0] = np.stack([p[f"gamma{i}"] for p in models])
        bn[:, :, 1] = np.stack([p[f"beta{i}"] for p in models])
    return net


@pytest.mark.parametrize("n_classes", [2, 3])
def test_stacked_batchnorm_equals_one_call_per_model(n_classes):
    """Models stacked on the model axis normalize each over its own batch statistics: each
    model's loss and gradients equal a single-model call's, bit for bit."""
    dims = [N_IN, *HIDDEN, output_units(n_classes)]
    rng = np.random.default_rng(5)
    models = [bn_params(rng, dims) for _ in range(4)]
    X = rng.standard_normal((M_EXAMPLES, N_IN))
    y = np.arange(M_EXAMPLES) % n_classes
    net = stacked(models, "tanh", n_classes)
    ws = net.full_pass(with_ones(X, net.dtype), y)
    for k, params in enumerate(models):
        loss, grads = loss_and_grads(params, X, y, activation="tanh")
        assert ws.loss[k] == loss
        for i in range(len(dims) - 1):
            np.testing.assert_array_equal(net.dWs[i][k], grads[f"W{i + 1}"])
        for i in range(len(HIDDEN)):
            np.testing.assert_array_equal(net.dBN[i][k, :, 0], grads[f"gamma{i + 1}"])
            np.testing.assert_array_equal(net.dBN[i][k, :, 1], grads[f"beta{i + 1}"])


def test_running_statistics_and_evaluation():
    """track() folds each batch's mean and unbiased variance into the running ones with
    BN_MOMENTUM (momentum 0: replaced); a full pass alone leaves them alone; forward() and
    predict_proba() (evaluation) normalize with them, as the reference does."""
    dims = [N_IN, *HIDDEN, 1]
    rng = np.random.default_rng(9)
    models = [bn_params(rng, dims) for _ in range(2)]
    net = stacked(models, "tanh", 2)
    batches = [rng.standard_normal((M_EXAMPLES, N_IN)) for _ in range(3)]
    y = np.arange(M_EXAMPLES) % 2
    np.testing.assert_array_equal(net.running_var[0], 1.0)  # frameworks' start
    expected = [[(np.zeros(n), np.ones(n)) for n in HIDDEN] for _ in models]  # per model, per layer
    for t, X in enumerate(batches):
        ws = net.full_pass(with_ones(X, net.dtype), y)
        before = [r.copy() for r in net.running_mean]
        net.full_pass(with_ones(X, net.dtype), y)
        assert all(np.array_equal(a, b) for a, b in zip(before, net.running_mean, strict=True))
        momentum = 0.0 if t == 0 else BN_MOMENTUM
        net.track(ws, momentum=momentum)
        for k, p in enumerate(models):
            a = X
            for i in range(len(HIDDEN)):
                u = a @ p[f"W{i + 1}"].T + p[f"b{i + 1}"]
                rm, rv = expected[k][i]
                expected[k][i] = (
                    momentum * rm + (1 - momentum) * u.mean(axis=0),
                    momentum * rv + (1 - momentum) * u.var(axis=0, ddof=1),
                )
                z, _ = ref_bn_forward(u, p[f"gamma{i + 1}"], p[f"beta{i + 1}"])
                a = np.tanh(z)
    for k in range(len(models)):
        for i in range(len(HIDDEN)):
            np.testing.assert_allclose(net.running_mean[i][k, :, 0], expected[k][i][0], 1e-12)
            np.testing.assert_allclose(net.running_var[i][k, :, 0], expected[k][i][1], 1e-12)
    X = rng.standard_normal((20, N_IN))
    ws = net.forward(with_ones(X, net.dtype))
    proba = net.predict_proba(with_ones(X, net.dtype))
    for k, p in enumerate(models):
        _, _, zs, logits = ref_net(p, X, np.zeros(20, int), "tanh", stats=expected[k])
        np.testing.assert_allclose(ws.Z[-1][k, 0], logits[:, 0], rtol=1e-10)
        np.testing.assert_allclose(ws.Z[0][k].T, zs[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(proba[k, :, 1], 1 / (1 + np.exp(-logits[:, 0])), rtol=1e-10)


def test_one_example_leaves_the_running_statistics_alone():
    dims = [N_IN, 3, 1]
    net = stacked([bn_params(np.random.default_rng(2), dims)], "relu", 2)
    ws = net.full_pass(with_ones(np.ones((1, N_IN)), net.dtype), np.array([1]))
    net.track(ws)
    np.testing.assert_array_equal(net.running_mean[0], 0.0)
    np.testing.assert_array_equal(net.running_var[0], 1.0)


# --------------------------------------------------------------------------- symmetry


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_batchnorm_keeps_clones_clones_in_one_step(activation):
    """Identical weights give identical pre-activations, which normalize to identical
    outputs (and, for all-zero weights, a zero variance: x = 0, z = beta): every unit's
    gradients are identical too, bit for bit. BatchNorm cannot break symmetry. (Widths of 8:
    OpenBLAS may compute the last rows of a product whose height is not a multiple of its
    kernel's in another order, 1 unit in the last place apart, with or without BatchNorm;
    metrics.CLONE_RTOL reads those outputs as clones.)"""
    dims = [N_IN, 8, 8, 1]
    rng = np.random.default_rng(4)
    X = rng.standard_normal((M_EXAMPLES, N_IN))
    y = np.arange(M_EXAMPLES) % 2
    for value in (0.0, 0.3):
        params = {}
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
            params[f"W{i}"], params[f"b{i}"] = np.full((b, a), value), np.zeros(b)
        for i, n in enumerate(dims[1:-1], start=1):
            params[f"gamma{i}"], params[f"beta{i}"] = np.ones(n), np.zeros(n)
        _, grads = loss_and_grads(params, X, y, activation=activation)
        for i in (1, 2):
            g = grads[f"W{i}"]
            assert (g == g[:1]).all(), (value, i)
            assert (grads[f"gamma{i}"] == grads[f"gamma{i}"][0]).all()
            assert (grads[f"beta{i}"] == grads[f"beta{i}"][0]).all()
        assert (grads["W3"] == grads["W3"][:, :1]).all()


CLONES = TrainConfig(
    schemes=("zeros", "constant", "xavier_normal"),
    hidden=(8, 8),
    n_samples=101,
    epochs=120,
    snapshots=10,
    batchnorm=True,
)


@pytest.mark.parametrize(
    ("activation", "optimizer"), itertools.product(["tanh", "relu", "sigmoid"], ["sgd", "adam"])
)
def test_zeros_and_constant_stay_exact_clones_with_batchnorm(activation, optimizer):
    """Trained with BatchNorm, Zeros and Constant keep bit-identical units (weights, gamma,
    beta): divergence exactly 0 and 1 distinct neuron (or none, all dead or stuck) at every
    detailed epoch; every one of Xavier's neurons that is not stuck or dead is distinct."""
    trainer = Trainer(CLONES.replace(activation=activation, optimizer=optimizer))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.advance()
    r = trainer.result
    d = r.divergence_table()
    for name in ("zeros", "constant"):
        rows = d[d.scheme == name]
        assert (rows.divergence == 0.0).all(), name
        inactive = rows.dead_neurons + rows.stuck_neurons
        assert ((rows.distinct_neurons == 1) | (inactive == rows.width)).all(), name
        k = r.schemes.index(name)
        for i in range(2):
            units = trainer.net.unit_params(i)[k]
            assert (units == units[:1]).all(), (name, i)
    last = d[(d.scheme == "xavier_normal") & (d.epoch == d.epoch.max())]
    live = last.width - last.dead_neurons - last.stuck_neurons
    assert (last.distinct_neurons == live).all() and (live > 1).all()
    s = r.summary().set_index("scheme")
    assert not s.loc["zeros", "symmetry_broken"] and not s.loc["constant", "symmetry_broken"]
    assert s.loc["xavier_normal", "symmetry_broken"]


# --------------------------------------------------------------------------- the trainer


def bn_net_params(trainer: Trainer, k: int = 0) -> dict:
    net, out = trainer.net, {}
    for i, (w, b) in enumerate(zip(net.Ws, net.bs, strict=True), start=1):
        out[f"W{i}"], out[f"b{i}"] = w[k].copy(), b[k].copy()
    for i, bn in enumerate(net.BN, start=1):
        out[f"gamma{i}"], out[f"beta{i}"] = bn[k, :, 0].copy(), bn[k, :, 1].copy()
    return out


# three classes, two hidden layers, full batch: three trainer steps are three updates
STEPS = TrainConfig(dataset="blobs", n_classes=3, schemes=("xavier_normal",), hidden=(5, 4),
                    n_samples=60, lr=0.05, momentum=0.8, batch_size=0, dtype="float64",
                    batchnorm=True)  # fmt: skip


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_optimizers_update_gamma_and_beta_as_written_by_hand(optimizer):
    """Three full-batch steps with BatchNorm = three hand-written updates of every parameter
    (gammas and betas included) from the gradients; the hidden biases stay exactly 0."""
    trainer = Trainer(STEPS.replace(optimizer=optimizer))
    start = bn_net_params(trainer)
    trainer.advance(epochs=3)
    X, y, c = trainer.data.X_train, trainer.data.y_train, trainer.config
    expected = hand_updates(optimizer, start, X, y, c.activation, c.lr, c.momentum, 3)
    got = bn_net_params(trainer)
    for key, value in expected.items():
        if key in ("b1", "b2"):
            assert (got[key] == 0.0).all() and (value == 0.0).all(), key
        else:
            assert not np.array_equal(got[key], start[key]), key
            np.testing.assert_allclose(got[key], value, rtol=1e-10, atol=1e-13, err_msg=key)


@pytest.fixture(scope="module")
def trained() -> Trainer:
    config = TrainConfig(
        schemes=("random_small", "xavier_normal"), hidden=(8, 6), epochs=40, batchnorm=True,
        dtype="float64", snapshots=3,
    )  # fmt: skip
    trainer = Trainer(config)
    trainer.advance()
    return trainer


def running_stats(net: StackedMLP, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = zip(net.running_mean, net.running_var, strict=True)
    return [(m[k, :, 0], v[k, :, 0]) for m, v in pairs]


def test_running_statistics_start_at_the_probe_batch():
    """A BatchNorm run's running statistics start at the probe batch's (not at 0 and 1), so
    the first evaluations are of the normalized net."""
    trainer = Trainer(TrainConfig(schemes=("he_normal",), hidden=(7,), batchnorm=True,
                                  dtype="float64"))  # fmt: skip
    X = trainer.Xp[:-1].T
    u = X @ trainer.net.Ws[0][0].T
    np.testing.assert_allclose(trainer.net.running_mean[0][0, :, 0], u.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(
        trainer.net.running_var[0][0, :, 0], u.var(axis=0, ddof=1), rtol=1e-12
    )


def test_evaluation_uses_the_running_statistics(trained):
    """The recorded test loss, the decision boundary and the neuron pictures at the last
    epoch are the reference net evaluated with the running statistics."""
    r, net = trained.result, trained.net
    d = trained.data
    for s, name in enumerate(r.schemes):
        p, stats = bn_net_params(trained, s), running_stats(net, s)
        loss, _, _, _ = ref_net(p, d.X_test, d.y_test, "tanh", stats=stats)
        assert r.curves["test_loss"][r.last_epoch, s] == pytest.approx(loss, rel=1e-10)
        _, _, _, logits = ref_net(p, r.grid[2], np.zeros(len(r.grid[2]), int), "tanh", stats)
        boundary = r.boundary_table()
        p1 = boundary[boundary.scheme == name]["p1"].to_numpy()
        np.testing.assert_allclose(p1, 1 / (1 + np.exp(-logits[:, 0])), rtol=1e-5, atol=1e-6)
        _, _, zs, _ = ref_net(p, r.thumbnails.X, np.zeros(len(r.thumbnails.X), int), "tanh", stats)
        maps = neurons.maps_table(r, None, layer=2)
        maps = maps[maps.scheme == name]["output"]
        got = maps.to_numpy().reshape(6, -1).T
        np.testing.assert_allclose(got, np.tanh(zs[1]), rtol=2e-3, atol=2e-3)  # float16


def test_probe_measurements_use_the_probe_batch_statistics(trained):
    """The signal-flow numbers come from a pass with the probe's own statistics (as a
    training step), so every hidden layer's activation inputs have mean beta and spread
    gamma there: a BatchNorm net's spread does not depend on its weights' scale."""
    r, net = trained.result, trained.net
    lt = r.layer_table(r.last_epoch)
    for s, name in enumerate(r.schemes):
        p = bn_net_params(trained, s)
        X = trained.Xp[:-1].T
        _, _, zs, _ = ref_net(p, X, trained.yp, "tanh")
        rows = lt[(lt.scheme == name) & (lt.kind == "hidden")].sort_values("layer")
        np.testing.assert_allclose(
            rows.act_std.to_numpy(), [np.tanh(z).std() for z in zs], rtol=1e-9
        )
    assert net.batchnorm


def test_a_batchnorm_run_is_vectorized_and_reproducible():
    """All schemes stacked in one BatchNorm run = one run per scheme, bit for bit, in the
    default float32 and with mini-batches; the hidden biases never move."""
    config = TrainConfig(epochs=20, batchnorm=True, hidden=(16, 16))
    joint = initdash.run(config)
    for s, name in enumerate(config.schemes):
        solo = initdash.run(config.replace(schemes=(name,)))
        np.testing.assert_array_equal(
            joint.curves["train_loss"][:, s], solo.curves["train_loss"][:, 0]
        )
        np.testing.assert_array_equal(
            joint.curves["test_loss"][:, s], solo.curves["test_loss"][:, 0]
        )
    trainer = Trainer(config.replace(optimizer="adam"))
    trainer.advance()
    assert (trainer.net.bs[0] == 0).all() and (trainer.net.bs[1] == 0).all()
    assert trainer.net.BN[0].dtype == np.float32


@pytest.mark.parametrize("batch_size", [0, 32])
def test_initial_curves_with_batchnorm_are_what_the_run_records(batch_size):
    config = TrainConfig(epochs=3, batchnorm=True, batch_size=batch_size)
    first = initdash.initial_curves(config)
    r = initdash.run(config).curves_table(max_points=None)
    r = r[r.epoch == 0].set_index(["scheme", "split"]).loss
    for row in first.itertuples():
        if batch_size == 0 and row.split == "train":
            continue  # full batch: the run records the training step (batch statistics)
        assert r.loc[(row.scheme, row.split)] == pytest.approx(row.loss, rel=1e-6)
