"""Where the weights travel: the first layer's recorded points, each layer's relative change,
the lazy/rich sweep (against a plain numpy net) and their charts.

The oracles: the trainer's own weights at the end, numpy norms of the difference from the
starting weights, and a two-layer net written out in numpy for the sweep.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import initdash
from dashboard.views import travel_charts
from initdash.blas import limit_blas_threads
from initdash.schemes import stream
from initdash.train import TRAVEL_NEURONS
from initdash.travel import lazy_sweep, sweep_configs, sweep_inputs
from tests.test_charts import strict

limit_blas_threads(1)

SCHEMES = ("zeros", "constant", "random_small", "random_large", "xavier_normal")


@pytest.fixture(scope="module")
def trained() -> initdash.Trainer:
    """The travel lesson's schemes on a short run (32 hidden units: 16 of them recorded)."""
    config = initdash.TrainConfig(schemes=SCHEMES, hidden=(32,), epochs=60, snapshots=4)
    trainer = initdash.Trainer(config)
    trainer.advance()
    return trainer


def test_travel_records_the_first_layers_weights(trained):
    """At the last detail epoch the points are the trained weights (repeat 0, first 16
    neurons), as float32; at epoch 0 the starting ones."""
    r = trained.result
    last = r.detail_epochs[-1]
    t = r.travel_table()
    assert set(t.epoch) == set(r.detail_epochs)
    assert len(t) == len(r.detail_epochs) * len(SCHEMES) * TRAVEL_NEURONS
    for s, name in enumerate(SCHEMES):
        now = t[(t.scheme == name) & (t.epoch == last)].sort_values("neuron")
        want = trained.net.Ws[0][s, :TRAVEL_NEURONS].astype(np.float32)
        np.testing.assert_array_equal(now[["w1", "w2"]].to_numpy(), want)
        start = t[(t.scheme == name) & (t.epoch == 0)].sort_values("neuron")
        np.testing.assert_array_equal(start[["w1", "w2"]].to_numpy(), trained.W0[0][s, :16])
    shown = r.travel_table(r.detail_epochs[1])
    assert set(shown.epoch) == set(r.detail_epochs[:2])


def test_zeros_stay_at_the_origin_and_constant_is_one_point(trained):
    t = trained.result.travel_table()
    assert not t[t.scheme == "zeros"][["w1", "w2"]].to_numpy().any()
    for _, g in t[t.scheme == "constant"].groupby("epoch"):
        assert len(np.unique(g[["w1", "w2"]].to_numpy(), axis=0)) == 1


def test_relative_change_is_the_norm_of_the_difference_over_the_start(trained):
    """change = ||W - W0|| / ||W0|| per model and layer: 0 at epoch 0, the numpy value at the
    end, NaN for Zeros (its W0 is 0)."""
    r = trained.result
    c = r.change_table()
    first = c[c.epoch == 0]
    assert (first[first.scheme != "zeros"].change == 0).all()
    assert first[first.scheme == "zeros"].change.isna().all()
    last = c[c.epoch == r.detail_epochs[-1]].set_index(["scheme", "layer"])
    for s, name in enumerate(SCHEMES):
        for i, (w, w0) in enumerate(zip(trained.net.Ws, trained.W0, strict=True), start=1):
            a, b = w[s].astype(np.float64), w0[s].astype(np.float64)
            want = np.linalg.norm(a - b) / np.linalg.norm(b) if b.any() else np.nan
            assert last.loc[(name, i), "change"] == pytest.approx(want, rel=1e-6, nan_ok=True)


def test_no_points_for_more_than_two_features():
    X = np.random.default_rng(0).standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)
    data = initdash.prepare(X, y, seed=0)
    r = initdash.run(initdash.TrainConfig(epochs=5, snapshots=2), data)
    assert r.travel == [None, None] and r.travel_table().empty
    assert len(r.change_table()) == 2 * 5 * 2


def test_a_diverged_scheme_is_blank_after_it_diverged():
    """x1000 through 3 ReLU layers blows up (tests/test_train.py's case): its points and
    changes go NaN once it diverged, the others' stay finite."""
    config = initdash.TrainConfig(
        schemes=("random_large", "xavier_normal"), large_scale=1000.0, activation="relu",
        hidden=(16, 16, 16), noise=0.2, lr=1.0, epochs=40, snapshots=5,
    )  # fmt: skip
    r = initdash.run(config)
    assert r.diverged_epoch[0] >= 0 and r.diverged_epoch[1] < 0
    t = r.travel_table()
    late = t[t.epoch > r.diverged_epoch[0]]
    assert late[late.scheme == "random_large"].w1.isna().all()
    assert np.isfinite(late[late.scheme == "xavier_normal"].w1).all()
    c = r.change_table()
    assert c[(c.scheme == "random_large") & (c.epoch > r.diverged_epoch[0])].change.isna().all()


# --------------------------------------------------------------------------- the sweep
def ref_sweep(
    config, width: int, gain: float, epochs: int, lr: float, top: int
) -> tuple[float, float]:
    """A two-layer tanh net with a sigmoid output written out in numpy (float64), started as
    the sweep says (the first ``width`` units of the widest net, ``top``), trained by
    full-batch SGD: (layer 1's relative change, the final loss)."""
    d = initdash.make_data(config)
    X, y = d.X_train, d.y_train
    rng = stream(config.seed, "lazy-sweep")
    Z1 = rng.standard_normal((top, 2))
    Z2 = rng.standard_normal((1, top))
    W1 = Z1[:width] * gain / math.sqrt(2)
    W2 = Z2[:, :width] * gain / math.sqrt(width)
    b1, b2 = np.zeros(width), np.zeros(1)
    start = W1.copy()
    m = len(y)
    for _ in range(epochs + 1):
        a = np.tanh(X @ W1.T + b1)
        z = (a @ W2.T + b2)[:, 0]
        loss = float(np.mean(np.logaddexp(0, z) - y * z))
        g = (1 / (1 + np.exp(-z)) - y)[:, None] / m
        dW2, db2 = g.T @ a, g.sum(axis=0)
        dz1 = (g @ W2) * (1 - a**2)
        dW1, db1 = dz1.T @ X, dz1.sum(axis=0)
        if _ == epochs:
            break
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    return float(np.linalg.norm(W1 - start) / np.linalg.norm(start)), loss


def test_the_sweep_trains_what_a_plain_numpy_net_trains():
    config = initdash.TrainConfig(seed=3)
    df = lazy_sweep(config, widths=(8, 32), gains=(0.5, 2.0), epochs=30, lr=0.1)
    assert len(df) == 2 * 2 * 2 and not df.diverged.any()
    for width in (8, 32):
        for gain in (0.5, 2.0):
            row = df[(df.width == width) & (df.gain == gain) & (df.layer == 1)].iloc[0]
            change, loss = ref_sweep(config, width, gain, 30, 0.1, top=32)
            assert row.change == pytest.approx(change, rel=2e-3)
            assert row.loss == pytest.approx(loss, rel=1e-4)


def test_the_sweep_is_deterministic_and_its_cost_bounds_its_work():
    config = initdash.TrainConfig(seed=1, n_samples=200)
    a = lazy_sweep(config, widths=(16,), epochs=20)
    pd.testing.assert_frame_equal(a, lazy_sweep(config, widths=(16,), epochs=20))
    runs = sweep_configs(config)
    assert [c.hidden for c in runs] == [(n,) for n in initdash.travel.LAZY_WIDTHS]
    assert all(c.repeats == len(initdash.travel.LAZY_GAINS) and c.batch_size == 0 for c in runs)
    more = initdash.cost.sweep_seconds(config.replace(n_samples=800))
    assert 0 < initdash.cost.sweep_seconds(config) < more


def test_the_sweep_reads_only_its_inputs():
    """The app caches the sweep by ``sweep_inputs(config)``: the same sweep as the full
    config's, and the same key when only what the sweep does not read changes."""
    config = initdash.TrainConfig(seed=2, n_samples=200, activation="relu", noise=0.3)
    other = config.replace(schemes=("zeros",), epochs=7, lr=0.01, optimizer="adam",
                           hidden=(4, 4), batchnorm=True)  # fmt: skip
    assert sweep_inputs(config) == sweep_inputs(other) != sweep_inputs(config.replace(seed=3))
    kw = dict(widths=(8,), gains=(1.0,), epochs=10)
    pd.testing.assert_frame_equal(lazy_sweep(config, **kw), lazy_sweep(sweep_inputs(other), **kw))


# --------------------------------------------------------------------------- charts
def test_charts_of_a_run_and_of_the_sweep(trained):
    """Single views (each takes its column's width: a row of them stacks on a phone): a
    scheme's paths on axes of its own that include the origin; a layer's change on a shared
    log axis, Zeros named as not drawn; a layer of the sweep on a log-2 width axis."""
    r = trained.result
    last = r.detail_epochs[-1]
    paths = strict(
        travel_charts.travel_path(r.travel_table(last), scheme="random_small", epoch=last)
    )
    assert "facet" not in paths and "width" not in paths
    values = next(iter(paths["datasets"].values()))
    assert len(values) == len(r.detail_epochs) * TRAVEL_NEURONS
    assert {v["when"] for v in values} == {"start", "path", "now"}
    assert paths["layer"][2]["encoding"]["x"]["scale"] == {"zero": True}
    change = r.change_table()
    change = change[change.repeat == 0]
    domain = travel_charts.change_domain(change.change)
    assert domain[0] <= change.change[change.change > 0].min() and domain[1] >= change.change.max()
    chart = strict(travel_charts.change_chart(change, layer=1, name="layer 1", domain=domain))
    rows = next(iter(chart["datasets"].values()))
    assert len(rows) == (len(r.detail_epochs) - 1) * (len(SCHEMES) - 1)  # no epoch 0, no Zeros
    assert chart["title"]["subtitle"] == ["not drawn: Zeros (started at 0 or diverged)"]
    sweep = lazy_sweep(initdash.TrainConfig(), widths=(16, 32), gains=(1.0, 2.0), epochs=5)
    lazy = strict(travel_charts.lazy_chart(sweep, layer=1, domain=(0.001, 1.0)))
    assert lazy["layer"][0]["encoding"]["x"]["scale"] == {"type": "log", "base": 2, "nice": False}
    assert len(next(iter(lazy["datasets"].values()))) == 4
