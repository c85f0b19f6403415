"""initdash.neurons: what each drawn neuron computes over the input plane, and the network's
drawn links, against an independent forward pass; clones are identical pictures."""

from __future__ import annotations

import numpy as np
import pytest

import initdash
from initdash import TrainConfig, neurons
from initdash.blas import limit_blas_threads

limit_blas_threads(1)
CLONES = TrainConfig(schemes=("zeros", "constant", "xavier_normal"), hidden=(8, 8), epochs=30,
                     constant_value=0.5, dtype="float64")  # fmt: skip


@pytest.fixture(scope="module")
def trained() -> initdash.Trainer:
    trainer = initdash.Trainer(CLONES)
    trainer.advance()
    return trainer


def test_the_grid_covers_the_data_plane(trained):
    t = trained.result.thumbnails
    assert t.kind == "grid" and t.X.shape == (neurons.THUMB**2, 2)
    np.testing.assert_array_equal(t.X, t.xy)
    d = trained.data
    X = np.concatenate([d.X_train, d.X_test])
    assert (t.X.min(axis=0) < X.min(axis=0)).all() and (t.X.max(axis=0) > X.max(axis=0)).all()


def test_more_features_are_drawn_on_their_two_principal_components():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5)) * np.array([5.0, 1.0, 0.2, 0.1, 0.1])
    y = (X[:, 0] > 0).astype(int)
    data = initdash.prepare(X @ np.linalg.qr(rng.standard_normal((5, 5)))[0], y, seed=0)
    t = neurons.thumbnail_inputs(data)
    assert t.kind == "pca" and t.X.shape == (neurons.THUMB**2, 5) and t.xy.shape == (144, 2)
    centred = t.X - t.X.mean(axis=0)
    # the drawn coordinates are the projections on orthonormal directions, the first the widest
    basis, *_ = np.linalg.lstsq(centred, t.xy, rcond=None)
    np.testing.assert_allclose(basis.T @ basis, np.eye(2), atol=1e-8)
    assert t.xy[:, 0].var() >= t.xy[:, 1].var()


def test_outputs_equal_an_independent_forward_pass(trained):
    """Layer 2's outputs on the thumbnail inputs, for the first seed of Xavier, recomputed by
    hand from the trainer's own weights: tanh(W2 tanh(W1 x + b1) + b2)."""
    r = trained.result
    k = r.schemes.index("xavier_normal") * r.repeats
    W1, b1 = trained.net.Ws[0][k], trained.net.bs[0][k]
    W2, b2 = trained.net.Ws[1][k], trained.net.bs[1][k]
    a2 = np.tanh(np.tanh(r.thumbnails.X @ W1.T + b1) @ W2.T + b2)  # (P, 8)
    table = neurons.maps_table(r, None, layer=2)
    got = table[table.scheme == "xavier_normal"]["output"].to_numpy().reshape(8, -1).T
    np.testing.assert_allclose(got, a2, rtol=2e-3, atol=2e-3)  # stored as float16
    nodes, links = neurons.network_table(r)
    w = links[(links.scheme == "xavier_normal") & (links.layer == 2)]["weight"].to_numpy()
    np.testing.assert_array_equal(w, W2[:8, :8].ravel())
    means = nodes[(nodes.scheme == "xavier_normal") & (nodes.layer == 1)]["mean"].to_numpy()
    probe = trained.Xp[:-1, :256].T
    np.testing.assert_allclose(means, np.tanh(probe @ W1.T + b1).mean(axis=0), rtol=1e-9)


@pytest.mark.parametrize("layer", [1, 2])
def test_clones_draw_identical_pictures_random_weights_do_not(trained, layer):
    table = neurons.maps_table(trained.result, None, layer)
    for scheme in ("zeros", "constant"):
        pictures = table[table.scheme == scheme]["output"].to_numpy().reshape(8, -1)
        assert (pictures == pictures[0]).all(), scheme  # exactly, not approximately
    xavier = table[table.scheme == "xavier_normal"]["output"].to_numpy().reshape(8, -1)
    assert len({p.tobytes() for p in xavier}) == 8


def test_sizes_stay_bounded_for_a_deep_wide_net():
    config = TrainConfig(hidden=(64,) * 12, epochs=2, snapshots=2, n_samples=200)
    r = initdash.run(config)
    snap = r.neurons[-1]
    S = len(config.schemes)
    assert [m.shape for m in snap.maps] == [(S, neurons.NEURONS, neurons.THUMB**2)] * 4
    assert snap.maps[0].dtype == np.float16
    assert len(snap.links) == neurons.LAYERS  # input -> 1 -> 2 -> 3 -> 4; no output drawn
    nodes, links = neurons.network_table(r)
    assert sorted(nodes.layer.unique()) == [0, 1, 2, 3, 4]
    assert len(links) <= S * (2 * 8 + 3 * 8 * 8)


def test_a_diverged_scheme_draws_nothing():
    config = TrainConfig(schemes=("random_large", "he_normal"), large_scale=1000.0,
                         activation="relu", hidden=(16, 16, 16), noise=0.2, lr=1.0,
                         batch_size=0, epochs=10, snapshots=2)  # fmt: skip
    r = initdash.run(config)
    assert r.diverged_epoch[0] >= 0
    table = neurons.maps_table(r)
    assert table[table.scheme == "random_large"]["output"].isna().all()
    assert table[table.scheme == "he_normal"]["output"].notna().all()
