"""The residual MLP (``residual=True``): every hidden layer after the first whose width equals
its input's adds its input, ``h_l = h_{l-1} + g(z_l)``. Backprop against central differences
(every activation, both output heads, with and without BatchNorm); the forward pass against a
textbook one written here; the stacked net bit for bit against solo runs; the trainer's
measurements (stream spread, saturation of the branch) and the drawn neurons against direct
computations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import initdash
from initdash import ACTIVATIONS, TrainConfig, Trainer, loss_and_grads, neurons
from initdash.blas import limit_blas_threads
from initdash.metrics import saturated_fraction
from initdash.nn import StackedMLP, output_units, residual_skips, with_ones
from tests import test_nn as plain
from tests.test_nn import FD_RTOL, M_EXAMPLES, N_IN, numerical_grads, random_params
from tests.test_train import assert_same_as_solo

limit_blas_threads(1)

# 3 inputs -> 4 (plain) -> 4 (skip) -> 4 (skip) -> head; the mixed net skips where widths match
HIDDEN = [4, 4, 4]
MIXED = [4, 4, 6, 6, 6]
KINK_MARGIN = 1e-3


def ref_forward(params: dict, X: np.ndarray, activation: str, bn: bool = False):
    """Logits and the activation inputs z of a batch-first residual MLP, written from the
    definition: h1 = g(z1); h_l = h_{l-1} + g(z_l) where the widths match, else g(z_l); with
    ``bn``, z = gamma (u - mean) / sqrt(var + eps) + beta over the batch."""
    L = sum(1 for k in params if k.startswith("W"))
    h, zs = X, []
    for i in range(1, L + 1):
        u = h @ params[f"W{i}"].T + params[f"b{i}"]
        if i == L:
            return u, zs
        if bn:
            mean, var = u.mean(axis=0), u.var(axis=0)
            u = params[f"gamma{i}"] * (u - mean) / np.sqrt(var + initdash.nn.BN_EPS)
            u = u + params[f"beta{i}"]
        zs.append(u)
        g = plain.ref_activation(activation, u)
        h = h + g if i > 1 and h.shape[1] == g.shape[1] else g
    raise AssertionError("unreachable")


def make_params(rng, dims: list[int], bn: bool) -> dict:
    params = random_params(rng, dims)
    if bn:
        for i, n in enumerate(dims[1:-1], start=1):
            params[f"gamma{i}"] = 1.0 + 0.5 * rng.standard_normal(n)
            params[f"beta{i}"] = 0.3 * rng.standard_normal(n)
    return params


def problem(activation: str, n_classes: int, bn: bool, hidden=HIDDEN, seed0: int = 0):
    """A residual net and a batch whose activation inputs all stay KINK_MARGIN away from 0
    (relu's kink), found by trying seeds in order."""
    dims = [N_IN, *hidden, output_units(n_classes)]
    for seed in range(seed0, seed0 + 200):
        rng = np.random.default_rng(seed)
        params = make_params(rng, dims, bn)
        X = rng.standard_normal((M_EXAMPLES, N_IN))
        y = np.arange(M_EXAMPLES) % n_classes
        rng.shuffle(y)
        _, zs = ref_forward(params, X, activation, bn)
        if min(np.abs(z).min() for z in zs) > KINK_MARGIN:
            return params, X, y
    raise AssertionError("no seed kept the activation inputs away from 0")


def test_which_layers_skip():
    """After the first hidden layer, a layer skips where its width equals its input's."""
    assert residual_skips([2, 16, 16, 16, 1], True) == [False, True, True]
    assert residual_skips([16, 16, 16, 1], True) == [False, True]  # never the first
    assert residual_skips([2, 8, 8, 4, 4, 1], True) == [False, True, False, True]
    assert residual_skips([2, 8, 8, 8, 1], False) == [False, False, False]
    assert residual_skips([2, 1], True) == []


@pytest.mark.parametrize("bn", [False, True], ids=["plain", "batchnorm"])
@pytest.mark.parametrize("n_classes", [2, 3], ids=["sigmoid-head", "softmax-head"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_residual_backprop_matches_central_differences(activation, n_classes, bn):
    """Every gradient of a residual net (two skips) equals central differences of its loss in
    float64, with BatchNorm too; the hidden biases' true gradient under BatchNorm is 0 (the
    normalization subtracts them), ours exactly 0."""
    params, X, y = problem(activation, n_classes, bn)
    loss, grads = loss_and_grads(params, X, y, activation=activation, residual=True)
    assert np.isfinite(loss) and sorted(grads) == sorted(params)
    numeric = numerical_grads(params, X, y, activation, residual=True)
    L = len(HIDDEN) + 1
    for key in params:
        if bn and key in [f"b{i}" for i in range(1, L)]:
            assert np.abs(numeric[key]).max() < 1e-8 and (grads[key] == 0.0).all(), key
            continue
        assert np.linalg.norm(numeric[key]) > 0, key  # not vacuous
        err = plain.rel_error(grads[key], numeric[key])
        assert err < FD_RTOL, f"{activation} {key}: relative error {err:.2e}"


@pytest.mark.parametrize("bn", [False, True], ids=["plain", "batchnorm"])
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_residual_loss_equals_the_textbook_forward_pass(activation, n_classes, bn):
    """On a net of mixed widths (skips only where they match), the loss is the textbook
    residual net's; without ``residual`` it is the plain net's, which differs."""
    params, X, y = problem(activation, n_classes, bn, hidden=MIXED, seed0=50)
    loss, _ = loss_and_grads(params, X, y, activation=activation, residual=True)
    logits, _ = ref_forward(params, X, activation, bn)
    assert loss == pytest.approx(plain.ref_loss(logits, y), rel=1e-12)
    without, _ = loss_and_grads(params, X, y, activation=activation)
    assert without != pytest.approx(loss, rel=1e-6)


def test_residual_changes_nothing_without_matching_widths():
    """No two consecutive hidden widths equal: no layer skips, the very same bits."""
    rng = np.random.default_rng(3)
    params = random_params(rng, [N_IN, 5, 4, 3, 1])
    X = rng.standard_normal((M_EXAMPLES, N_IN))
    y = np.arange(M_EXAMPLES) % 2
    a, ga = loss_and_grads(params, X, y, activation="tanh", residual=True)
    b, gb = loss_and_grads(params, X, y, activation="tanh")
    assert a == b and all(np.array_equal(ga[k], gb[k]) for k in ga)


RESIDUAL = TrainConfig(residual=True, hidden=(8,) * 5, epochs=60, snapshots=3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "extra",
    [{}, {"batchnorm": True, "repeats": 2}, {"activation": "relu", "batch_size": 0}],
    ids=["tanh-minibatch", "batchnorm-repeats2", "relu-fullbatch"],
)
def test_stacked_residual_nets_equal_solo_runs(extra, dtype):
    """Every scheme of a residual run is bit for bit its solo run (curves, layer tables)."""
    assert_same_as_solo(RESIDUAL.replace(dtype=dtype, **extra))


def test_measurements_read_the_stream_and_the_branch():
    """In a residual layer the activation spread is the stream's (what the next layer
    reads) and saturation is the branch's g(z): both equal a direct computation from the
    trainer's weights, and x10 weights saturate the branches while the stream grows."""
    config = RESIDUAL.replace(schemes=("xavier_normal", "random_large"), dtype="float64")
    trainer = Trainer(config)
    net = trainer.net
    X = trainer.Xp[:-1].T  # the probe batch, batch-first
    k = 1  # random_large
    params = {}
    for i, p in enumerate(net.P, start=1):
        params[f"W{i}"], params[f"b{i}"] = p[k, :, :-1], p[k, :, -1]
    _, zs = ref_forward(params, X, "tanh")
    stream, h = [], None
    for i, z in enumerate(zs):
        h = np.tanh(z) if i == 0 else h + np.tanh(z)
        stream.append(h)
    lt = trainer.result.layer_table(0).query("kind == 'hidden' and scheme == 'random_large'")
    lt = lt.sort_values("layer")
    np.testing.assert_allclose(lt.act_std, [s.std() for s in stream], rtol=1e-9)
    act = ACTIVATIONS["tanh"]
    for i, z in enumerate(zs):
        g = np.tanh(z).T[None]
        want = saturated_fraction(act, g, z.T[None])[0]
        assert lt.saturated_fraction.iloc[i] == pytest.approx(want)
    assert (lt.saturated_fraction > 0.5).all()
    assert lt.act_std.iloc[-1] > 2 * lt.act_std.iloc[0]  # 5 saturated branches add up: ~sqrt(5)


def test_drawn_neurons_add_the_skip():
    """The Neurons view's layer-2 pictures of a residual net are its stream h2 = h1 + g(z2),
    recomputed by hand."""
    config = TrainConfig(residual=True, hidden=(8, 8), epochs=5, dtype="float64",
                         schemes=("xavier_normal",))  # fmt: skip
    trainer = Trainer(config)
    trainer.advance()
    r = trainer.result
    W1, b1 = trainer.net.Ws[0][0], trainer.net.bs[0][0]
    W2, b2 = trainer.net.Ws[1][0], trainer.net.bs[1][0]
    h1 = np.tanh(r.thumbnails.X @ W1.T + b1)
    h2 = h1 + np.tanh(h1 @ W2.T + b2)
    table = neurons.maps_table(r, None, layer=2)
    got = table["output"].to_numpy().reshape(8, -1).T
    np.testing.assert_allclose(got, h2, rtol=2e-3, atol=2e-3)  # stored as float16


def test_a_twenty_block_net_trains_for_every_scheme():
    """21 hidden layers of 16 (20 residual blocks), every scheme at once: each one's loss is
    finite at the end, and He and Xavier learn the moons (accuracy well above chance)."""
    config = TrainConfig(residual=True, hidden=(16,) * 21, schemes=tuple(initdash.SCHEMES),
                         epochs=40, snapshots=2, lr=0.05)  # fmt: skip
    s = initdash.run(config).summary().set_index("scheme")
    assert not s.diverged.any()
    assert s.loc[["xavier_normal", "he_normal"], "test_accuracy"].min() > 0.8


def test_stacked_net_forward_matches_textbook_for_a_whole_stack():
    """Four models stacked: each one's logits equal the textbook residual forward."""
    dims = [N_IN, 6, 6, 6, 3]
    rng = np.random.default_rng(7)
    models = [random_params(rng, dims) for _ in range(4)]
    X = rng.standard_normal((M_EXAMPLES, N_IN))
    Ws = [np.stack([p[f"W{i}"] for p in models]) for i in range(1, 5)]
    bs = [np.stack([p[f"b{i}"] for p in models]) for i in range(1, 5)]
    net = StackedMLP(Ws, bs, "relu", 3, np.float64, residual=True)
    ws = net.forward(with_ones(X, net.dtype))
    for k, params in enumerate(models):
        logits, _ = ref_forward(params, X, "relu")
        np.testing.assert_allclose(ws.Z[-1][k].T, logits, rtol=1e-12, atol=1e-14)


def test_cost_counts_the_skips():
    """initdash.cost counts a residual layer's additions (2 per unit and training row, 1 per
    evaluated row) and its branch buffers; without a skip nothing changes."""
    plain = TrainConfig(hidden=(16,) * 21)
    res = plain.replace(residual=True)
    a, b = initdash.cost.counts(plain), initdash.cost.counts(res)
    n_train, n_test = 300, 100  # the default split of 400 samples
    rows = 2 * plain.epochs * n_train + plain.epochs * (n_test + n_train) + n_train + n_test
    assert b["elems"] - a["elems"] == len(plain.schemes) * 20 * 16 * rows
    assert {k: v for k, v in a.items() if k != "elems"} == {
        k: v for k, v in b.items() if k != "elems"
    }
    assert initdash.cost.memory(res) > initdash.cost.memory(plain)
    unequal = TrainConfig(hidden=(16, 8, 4))
    assert initdash.cost.counts(unequal) == initdash.cost.counts(unequal.replace(residual=True))
    assert initdash.cost.memory(unequal) == initdash.cost.memory(unequal.replace(residual=True))


# --------------------------------------------------------------------------- the lab's panel
def test_residual_stream_table_and_an_independent_pass():
    """One row per block of every net (N = each of ``blocks``; block 0 is the input), and the
    plain He stream equals a numpy pass over the same draws."""
    config = TrainConfig(activation="relu", seed=4)
    df = initdash.lab.residual_stream(config, width=16, n_samples=10, blocks=(2, 5))
    for name in initdash.lab.RESIDUAL_BRANCHES:
        for n in (2, 5):
            rows = df[(df.branch == name) & (df.blocks == n)]
            assert rows.block.tolist() == list(range(n + 1)) and rows.spread.iloc[0] == 1.0
    rng = initdash.schemes.stream(4, "residual-lab")
    W1 = [rng.standard_normal((16, 16)) * math.sqrt(2 / 16) for _ in range(5)]
    W2 = [rng.standard_normal((16, 16)) * math.sqrt(2 / 16) for _ in range(5)]
    X, _ = initdash.lab._inputs(4, 10, 16)
    h, want = X, []
    for w1, w2 in zip(W1, W2, strict=True):
        h = h + np.maximum(h @ w1.T, 0) @ w2.T
        want.append(h.std() / X.std())
    he = df[(df.branch == "he") & (df.blocks == 5)].spread.to_numpy()[1:]
    np.testing.assert_allclose(he, want, rtol=1e-12)
    gpt = df[(df.branch == "gpt2") & (df.blocks == 2)].spread.to_numpy()
    h = X
    for w1, w2 in zip(W1[:2], W2[:2], strict=True):
        h = h + np.maximum(h @ w1.T, 0) @ (w2.T / 2.0)  # 1/sqrt(2 x 2)
    assert gpt[-1] == pytest.approx(h.std() / X.std(), rel=1e-12)


def test_residual_stream_follows_the_variance_recursion():
    """ReLU He branches add twice the stream's variance per block (Var W1 h = 2 q, ReLU keeps
    half, W2 doubles it again): the spread grows by sqrt(3) per block. GPT-2's 1/sqrt(2N)
    adds q/N per block: (1 + 1/N)^(N/2), about sqrt(e), whatever N. A zero last layer adds
    exactly nothing."""
    config = TrainConfig(activation="relu", seed=1)
    df = initdash.lab.residual_stream(config, width=256, n_samples=128, blocks=(16, 64))
    he = df[(df.branch == "he") & (df.blocks == 16)].spread.to_numpy()
    assert he[-1] ** (1 / 16) == pytest.approx(math.sqrt(3), rel=0.03)
    for n in (16, 64):
        end = df[(df.branch == "gpt2") & (df.blocks == n)].spread.iloc[-1]
        assert end == pytest.approx((1 + 1 / n) ** (n / 2), rel=0.08)
    assert (df[df.branch == "zero"].spread == 1.0).all()


def test_residual_stream_refuses_bad_sizes():
    for kw, word in ((dict(width=0), "width"), (dict(blocks=()), "blocks"),
                     (dict(blocks=(0,)), "blocks"), (dict(n_samples=1), "n_samples")):  # fmt: skip
        with pytest.raises(ValueError, match=word):
            initdash.lab.residual_stream(**kw)


def test_the_quiz_grades_a_residual_run():
    """The predict-then-observe questions are graded from a residual run's own summary, as from
    a plain one's: every default question has a right answer and a why with its number."""
    from initdash import quiz

    config = TrainConfig(residual=True, hidden=(8,) * 4, epochs=30, snapshots=2)
    table = quiz.facts(initdash.run(config))
    asked = quiz.questions_for(None, config)
    assert asked
    for name, scheme in asked:
        g = quiz.grade(name, table, quiz.choices(name, config.schemes)[0], scheme)
        assert g.truths and g.why
