"""Tests for initdash.nn: backprop against finite differences, a stable loss from logits, the
stacked (many-model) net against single-model calls, and the output heads against plain numpy.

The oracles here are written independently of the package: a textbook forward pass in numpy
(batch-first, ``z = a W^T + b``) and the cross-entropy from logits via ``np.logaddexp``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from initdash import ACTIVATIONS, loss_and_grads
from initdash.activations import LEAKY_SLOPE
from initdash.blas import limit_blas_threads
from initdash.nn import StackedMLP, output_units, with_ones

# One BLAS thread, as the app and the CLI set it: the matrices here are tiny, and OpenBLAS's
# threads on a busy 2-core machine make each matmul ~30x slower (see initdash/blas.py).
limit_blas_threads(1)

# layer widths of the small test nets: 3 inputs, two hidden layers, the output head last
HIDDEN = [5, 4]
N_IN = 3
M_EXAMPLES = 8
KINK_MARGIN = 1e-3  # no hidden pre-activation closer than this to a kink at 0
FD_STEP = 1e-6
FD_RTOL = 1e-6


# --------------------------------------------------------------------------- oracles


def ref_activation(name: str, z: np.ndarray) -> np.ndarray:
    """Textbook activations, written without the package's code (and without overflow)."""
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))  # 1 / (1 + e^-z), stable for any z
    if name == "linear":
        return z.copy()
    raise AssertionError(f"no reference for activation {name!r}")


def ref_forward(params: dict, X: np.ndarray, activation: str) -> tuple[np.ndarray, list]:
    """Logits (m, K) and the hidden pre-activations of a plain batch-first MLP."""
    L = len(params) // 2
    a = X
    pre = []
    for i in range(1, L + 1):
        z = a @ params[f"W{i}"].T + params[f"b{i}"]
        if i < L:
            pre.append(z)
            a = ref_activation(activation, z)
        else:
            return z, pre
    raise AssertionError("unreachable")


def ref_loss(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy from logits: binary (1 logit) or softmax (K logits), via logaddexp."""
    if logits.shape[1] == 1:
        z = logits[:, 0]
        # -y log s(z) - (1 - y) log(1 - s(z)) = log(1 + e^z) - y z
        return float(np.mean(np.logaddexp(0.0, z) - y * z))
    lse = np.logaddexp.reduce(logits, axis=1)
    return float(np.mean(lse - logits[np.arange(len(y)), y]))


def ref_proba(logits: np.ndarray) -> np.ndarray:
    """Class probabilities (m, K): [1 - s(z), s(z)] for one logit, softmax otherwise."""
    if logits.shape[1] == 1:
        p1 = np.exp(-np.logaddexp(0.0, -logits[:, 0]))
        return np.column_stack([1.0 - p1, p1])
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def random_params(rng: np.random.Generator, dims: list[int], scale: float = 1.0) -> dict:
    """Gaussian weights ~ N(0, 1/fan_in) * scale and small nonzero biases."""
    params = {}
    for i, (n_in, n_out) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
        params[f"W{i}"] = rng.standard_normal((n_out, n_in)) * scale / np.sqrt(n_in)
        params[f"b{i}"] = rng.standard_normal(n_out) * 0.1 * scale
    return params


def kink_margin(params: dict, X: np.ndarray, activation: str) -> float:
    """Smallest |hidden pre-activation| of the net on X."""
    _, pre = ref_forward(params, X, activation)
    return float(min(np.abs(z).min() for z in pre))


def problem(activation: str, n_classes: int, *, scale: float = 1.0, seed0: int = 0):
    """A small net, a batch and labels whose hidden pre-activations all stay KINK_MARGIN away
    from 0 (the kink of relu and leaky_relu), found by trying seeds in order from ``seed0``."""
    dims = [N_IN, *HIDDEN, output_units(n_classes)]
    for seed in range(seed0, seed0 + 200):
        rng = np.random.default_rng(seed)
        params = random_params(rng, dims, scale)
        X = rng.standard_normal((M_EXAMPLES, N_IN))
        y = np.arange(M_EXAMPLES) % n_classes  # every class present
        rng.shuffle(y)
        if kink_margin(params, X, activation) > KINK_MARGIN * scale:
            return params, X, y
    raise AssertionError("no seed kept the pre-activations away from 0")


# --------------------------------------------------------------------------- gradient check


def numerical_grads(
    params: dict, X: np.ndarray, y: np.ndarray, activation: str, **net: bool
) -> dict:
    """Central differences (f(p + h) - f(p - h)) / 2h of the loss, entry by entry; ``net``:
    more of loss_and_grads' options (``residual=True``)."""
    out = {}
    for key, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + FD_STEP
            up, _ = loss_and_grads(params, X, y, activation=activation, **net)
            value[idx] = old - FD_STEP
            down, _ = loss_and_grads(params, X, y, activation=activation, **net)
            value[idx] = old
            g[idx] = (up - down) / (2 * FD_STEP)
        out[key] = g
    return out


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are 0."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.mark.parametrize("n_classes", [2, 3], ids=["sigmoid-head", "softmax-head"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_backprop_matches_central_differences(activation, n_classes):
    """Backprop = the derivative of the loss that loss_and_grads reports: central differences
    have O(h^2) error, so with h = 1e-6 in float64 they agree to far better than 1e-6
    (relative), provided no pre-activation sits on a kink (checked)."""
    params, X, y = problem(activation, n_classes)
    assert kink_margin(params, X, activation) > KINK_MARGIN  # away from relu's kink
    loss, grads = loss_and_grads(params, X, y, activation=activation)
    assert np.isfinite(loss)
    assert sorted(grads) == sorted(params)
    numeric = numerical_grads(params, X, y, activation)
    for key in params:
        assert grads[key].shape == params[key].shape
        assert np.linalg.norm(numeric[key]) > 0, key  # the check is not vacuous
        err = rel_error(grads[key], numeric[key])
        assert err < FD_RTOL, f"{activation} {key}: relative error {err:.2e}"


def test_gradient_check_detects_a_wrong_gradient():
    """The finite-difference oracle is sharp enough to notice a 1% error in one entry."""
    params, X, y = problem("tanh", 2)
    _, grads = loss_and_grads(params, X, y, activation="tanh")
    numeric = numerical_grads(params, X, y, "tanh")
    wrong = grads["W1"].copy()
    i = np.unravel_index(np.argmax(np.abs(wrong)), wrong.shape)
    wrong[i] *= 1.01
    assert rel_error(wrong, numeric["W1"]) > FD_RTOL


# --------------------------------------------------------------------------- the loss


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_loss_equals_reference_cross_entropy(activation, n_classes):
    """At ordinary scale the loss is the textbook mean cross-entropy of the logits."""
    params, X, y = problem(activation, n_classes)
    loss, _ = loss_and_grads(params, X, y, activation=activation)
    logits, _ = ref_forward(params, X, activation)
    assert loss == pytest.approx(ref_loss(logits, y), rel=1e-12)


def test_loss_at_zero_logits_is_log_k():
    """All-zero weights give logits 0: every class has probability 1/K, so the loss is ln K."""
    for n_classes in (2, 3, 4):
        params = {
            "W1": np.zeros((4, N_IN)),
            "b1": np.zeros(4),
            "W2": np.zeros((output_units(n_classes), 4)),
            "b2": np.zeros(output_units(n_classes)),
        }
        X = np.random.default_rng(1).standard_normal((6, N_IN))
        y = np.arange(6) % n_classes
        loss, _ = loss_and_grads(params, X, y, activation="tanh")
        assert loss == pytest.approx(np.log(n_classes), rel=1e-14)


@pytest.mark.parametrize("scale", [1e3, 1e6])
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_huge_weights_give_a_large_finite_loss_without_warnings(activation, n_classes, scale):
    """The loss is computed from the logits, so huge logits give a huge loss (about the logit
    margin of the misclassified examples), never inf or NaN, and no overflow warning.

    Example 0's label is set to a class the net does *not* predict, so the loss is large.
    """
    params, X, y = problem(activation, n_classes, scale=scale)
    logits, _ = ref_forward(params, X, activation)
    pred = (logits[:, 0] > 0).astype(int) if n_classes == 2 else logits.argmax(axis=1)
    y = y.copy()
    y[0] = (pred[0] + 1) % n_classes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grads = loss_and_grads(params, X, y, activation=activation)
        expected = ref_loss(logits, y)
    assert np.isfinite(loss)
    assert loss > 1.0
    assert loss == pytest.approx(expected, rel=1e-12)
    for key, g in grads.items():
        assert np.all(np.isfinite(g)), key


# --------------------------------------------------------------------------- stacked models


def stack(param_list: list[dict]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    L = len(param_list[0]) // 2
    Ws = [np.stack([p[f"W{i}"] for p in param_list]) for i in range(1, L + 1)]
    bs = [np.stack([p[f"b{i}"] for p in param_list]) for i in range(1, L + 1)]
    return Ws, bs


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_stacked_net_equals_one_call_per_model(activation, n_classes):
    """M networks stacked on the model axis compute, per model, the loss and gradients of M
    separate single-model calls, bit for bit: stacking only batches the matmuls (numpy runs
    one gemm per model slice) and every reduction is per model."""
    dims = [N_IN, *HIDDEN, output_units(n_classes)]
    rng = np.random.default_rng(7)
    models = [random_params(rng, dims) for _ in range(4)]
    X = rng.standard_normal((M_EXAMPLES, N_IN))
    y = np.arange(M_EXAMPLES) % n_classes
    net = StackedMLP(*stack(models), activation, n_classes, np.float64)
    ws = net.full_pass(with_ones(X, net.dtype), y)
    for k, params in enumerate(models):
        loss, grads = loss_and_grads(params, X, y, activation=activation)
        assert ws.loss[k] == loss
        for i in range(len(dims) - 1):
            np.testing.assert_array_equal(net.dWs[i][k], grads[f"W{i + 1}"])
            np.testing.assert_array_equal(net.dbs[i][k], grads[f"b{i + 1}"])


def test_stacked_layout_views_share_memory():
    """Ws and bs are views of P = [W | b], so an update of P is an update of W and b."""
    dims = [N_IN, 4, 1]
    models = [random_params(np.random.default_rng(s), dims) for s in range(2)]
    net = StackedMLP(*stack(models), "tanh", 2, np.float64)
    assert net.P[0].shape == (2, 4, N_IN + 1)
    np.testing.assert_array_equal(net.Ws[0][1], models[1]["W1"])
    np.testing.assert_array_equal(net.bs[1][0], models[0]["b2"])
    net.P[0][1, 2, -1] = 123.0
    assert net.bs[0][1, 2] == 123.0
    net.P[0][0, 3, 1] = -7.0
    assert net.Ws[0][0, 3, 1] == -7.0


def test_wrong_output_width_is_rejected():
    """3 classes need 3 output units; a 1-unit head is an error that says so."""
    dims = [N_IN, 4, 1]
    models = [random_params(np.random.default_rng(0), dims)]
    with pytest.raises(ValueError, match="3 classes need 3"):
        StackedMLP(*stack(models), "tanh", 3)


# --------------------------------------------------------------------------- output heads


@pytest.mark.parametrize("n_classes", [2, 3, 6])
@pytest.mark.parametrize("activation", ["tanh", "leaky_relu"])
def test_predict_proba_equals_numpy_reference(activation, n_classes):
    """Softmax (K >= 3) or sigmoid (K = 2) probabilities of each stacked model equal an
    independent numpy implementation; rows sum to 1."""
    dims = [N_IN, *HIDDEN, output_units(n_classes)]
    rng = np.random.default_rng(3)
    models = [random_params(rng, dims, scale=3.0) for _ in range(3)]
    X = rng.standard_normal((M_EXAMPLES, N_IN))
    net = StackedMLP(*stack(models), activation, n_classes, np.float64)
    proba = net.predict_proba(with_ones(X, net.dtype))
    assert proba.shape == (3, M_EXAMPLES, n_classes)
    for k, params in enumerate(models):
        logits, _ = ref_forward(params, X, activation)
        np.testing.assert_allclose(proba[k], ref_proba(logits), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=2), 1.0, rtol=1e-12)


def test_accuracy_count_matches_argmax():
    """The loss pass also counts correct predictions: argmax of the logits vs the labels."""
    n_classes = 3
    dims = [N_IN, 6, n_classes]
    rng = np.random.default_rng(11)
    models = [random_params(rng, dims, scale=2.0) for _ in range(2)]
    X = rng.standard_normal((40, N_IN))
    y = rng.integers(0, n_classes, 40)
    net = StackedMLP(*stack(models), "relu", n_classes, np.float64)
    ws = net.forward(with_ones(X, net.dtype))
    net.loss(ws, y, grad=False)
    for k, params in enumerate(models):
        logits, _ = ref_forward(params, X, "relu")
        assert ws.correct[k] == np.sum(logits.argmax(axis=1) == y)
