"""Tests for initdash.propagate, the deep-signal lab: the table's shape and the classic lesson
(CS231n; Glorot & Bengio 2010; He et al. 2015) on a deep net at initialization."""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import initdash
from initdash import TrainConfig, propagate
from initdash.blas import limit_blas_threads
from initdash.config import DEFAULT_SCHEMES
from initdash.lab import (
    MAP_GAINS,
    MAP_WORK,
    map_samples,
    reference_gains,
    scale_depth_map,
)

# One BLAS thread, as the app and the CLI set it: the matrices here are tiny, and OpenBLAS's
# threads on a busy 2-core machine make each matmul ~30x slower (see initdash/blas.py).
limit_blas_threads(1)

DEPTH = 20
WIDTH = 64
N = 300
COLUMNS = {
    "scheme",
    "layer",
    "act_mean",
    "act_std",
    "saturated_fraction",
    "dead_fraction",
    "grad_norm",
}


@functools.cache
def lesson(activation: str, large_scale: float = 10.0, depth: int = DEPTH) -> pd.DataFrame:
    config = TrainConfig(activation=activation, large_scale=large_scale)
    return propagate(config, depth=depth, width=WIDTH, n_samples=N)


def schemes(*names: str, seed: int = 0) -> TrainConfig:
    return TrainConfig(schemes=names, seed=seed)


def by_layer(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """layer x scheme table of one column."""
    return df.pivot(index="layer", columns="scheme", values=column)


def test_table_shape_and_columns():
    df = lesson("tanh")
    assert COLUMNS <= set(df.columns)
    assert len(df) == len(DEFAULT_SCHEMES) * DEPTH
    assert list(df.scheme.unique()) == list(DEFAULT_SCHEMES)  # in the order asked for
    for _, g in df.groupby("scheme"):
        assert g.layer.tolist() == list(range(1, DEPTH + 1))
    assert df.saturated_fraction.between(0, 1).all() and df.dead_fraction.between(0, 1).all()
    assert (df.act_std >= 0).all() and (df.grad_norm >= 0).all()


def test_row_count_for_other_sizes():
    df = propagate(schemes("he_normal", "orthogonal", "lsuv"), depth=3, width=8, n_samples=20)
    assert len(df) == 3 * 3
    assert list(df.scheme) == ["he_normal"] * 3 + ["orthogonal"] * 3 + ["lsuv"] * 3


def test_random_small_signal_dies_out_with_tanh():
    """x0.01 weights multiply the spread by about 0.01 sqrt(width) = 0.08 per layer (tanh is
    ~linear near 0): after 19 more layers it has shrunk by many orders of magnitude."""
    std = by_layer(lesson("tanh"), "act_std")["random_small"]
    assert std[DEPTH] / std[1] < 1e-6
    assert (np.diff(std.to_numpy()) < 0).all()  # shrinks at every layer


def test_random_small_backprop_signal_vanishes_towards_the_input():
    sig = by_layer(lesson("tanh"), "backprop_signal")["random_small"]
    assert sig[1] / sig[DEPTH] < 1e-6


@pytest.mark.parametrize("scale", [1.0, 10.0])
def test_random_large_saturates_tanh_at_every_layer(scale):
    """N(0, scale^2) weights on width-64 inputs of spread ~1 give pre-activations with std
    ~ scale x 8: most land where tanh is flat, at every layer."""
    sat = by_layer(lesson("tanh", large_scale=scale), "saturated_fraction")["random_large"]
    assert (sat > 0.5).all()


def test_xavier_keeps_tanh_signal_alive():
    """Xavier's variance 1/fan_in (fan_in = fan_out) keeps tanh's spread from collapsing:
    the last layer is within 10x of the first."""
    std = by_layer(lesson("tanh"), "act_std")["xavier_normal"]
    assert 0.1 < std[DEPTH] / std[1] < 10


def test_zeros_pass_no_signal():
    """Zero weights: every activation is tanh(0) = 0 and no gradient reaches any weight."""
    df = lesson("tanh")
    z = df[df.scheme == "zeros"]
    assert (z.act_std == 0.0).all() and (z.act_mean == 0.0).all()
    assert (z.grad_norm == 0.0).all()


def test_only_he_keeps_relu_signal_steady():
    """ReLU zeroes half the signal: He's 2/fan_in makes up for it, so at depth 20 only He
    stays within 3x of layer 1, while Xavier (1/fan_in here) halves the variance per layer,
    a factor 2^(-19/2) ~ 1/700 in std."""
    std = by_layer(lesson("relu"), "act_std")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = std.loc[DEPTH] / std.loc[1]
    steady = {s for s in DEFAULT_SCHEMES if 1 / 3 <= ratio[s] <= 3}
    assert steady == {"he_normal"}
    assert ratio["xavier_normal"] < 0.1
    assert ratio["random_large"] > 1e3  # x10 weights blow the ReLU signal up


def test_relu_has_no_saturation_and_tanh_no_dead_units():
    assert (lesson("relu").saturated_fraction == 0.0).all()
    assert (lesson("tanh").dead_fraction == 0.0).all()


def test_deterministic():
    a = propagate(schemes("xavier_normal", "lsuv", seed=3), depth=5, width=16, n_samples=50)
    b = propagate(schemes("xavier_normal", "lsuv", seed=3), depth=5, width=16, n_samples=50)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = propagate(schemes("xavier_normal", "lsuv", seed=4), depth=5, width=16, n_samples=50)
    assert not a.act_std.equals(c.act_std)


def test_a_schemes_rows_do_not_depend_on_the_others():
    alone = propagate(schemes("he_normal"), depth=4, width=16, n_samples=40)
    mixed = propagate(schemes("zeros", "he_normal"), depth=4, width=16, n_samples=40)
    pd.testing.assert_frame_equal(
        alone, mixed[mixed.scheme == "he_normal"].reset_index(drop=True), check_exact=True
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"depth": 0}, ["depth", "1 to 100"]),
        ({"depth": 2.5}, ["depth"]),
        ({"width": 10**6}, ["width", "1 to 1024"]),
        ({"n_samples": 1}, ["n_samples"]),
        ({"dtype": "float16"}, ["dtype", "float32"]),
        ({"config": {"activation": "tanh"}}, ["TrainConfig"]),
    ],
)
def test_bad_arguments_are_rejected_clearly(kwargs, words):
    args = {"depth": 3, "width": 8, "n_samples": 20, **kwargs}
    with pytest.raises(ValueError) as info:
        propagate(**args)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_theory_variance_formula_uses_the_mean_square(activation):
    """The Theory tab's Var(z) = n sigma^2 E[a^2] (zero biases, independent zero-mean weights),
    checked on a sampled layer: with E[a^2] it holds within 3%, while Var(a) in its place is
    off for ReLU (E[a^2] = Var(z)/2 > Var(a)) and far off for sigmoid (outputs around 0.5)."""
    from initdash import ACTIVATIONS

    rng = np.random.default_rng(0)
    n, m, sigma = 256, 500, 0.1
    a = ACTIVATIONS[activation](rng.standard_normal((n, m)))
    z = (rng.standard_normal((4000, n)) * sigma) @ a  # many rows: the expectation over W
    predicted = n * sigma**2 * np.mean(a**2)
    assert np.var(z) == pytest.approx(predicted, rel=0.03)
    with_var = n * sigma**2 * np.var(a)
    if activation == "relu":
        assert np.var(z) / with_var > 1.3
    if activation == "sigmoid":
        assert np.var(z) / with_var > 5


# --------------------------------------------------------------------------- the scale x depth map
MAP_DEPTH, MAP_WIDTH, MAP_N = 12, 48, 40


@functools.cache
def scale_map(activation: str) -> pd.DataFrame:
    config = TrainConfig(activation=activation, seed=3)
    return scale_depth_map(config, depth=MAP_DEPTH, width=MAP_WIDTH, n_samples=MAP_N)


def cell(df: pd.DataFrame, gain: float, layer: int) -> pd.Series:
    return df[(df.gain == gain) & (df.layer == layer)].iloc[0]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize(("gain", "layer"), [(0.5, 7), (1.0, 12), (math.sqrt(2), 4), (2.0, 9)])
def test_map_cells_are_propagate_of_random_small_at_that_std(activation, gain, layer):
    """A cell is the deep-signal lab itself: Random small with std = gain / sqrt(width) (its
    very draws), a net of depth d for the spread and the map's depth for the backprop signal:
    the same numbers, bit for bit."""
    df = scale_depth_map(
        TrainConfig(activation=activation, seed=3),
        depth=MAP_DEPTH,
        width=MAP_WIDTH,
        n_samples=MAP_N,
        gains=(0.5, 1.0, math.sqrt(2), 2.0),
    )
    c = cell(df, gain, layer)
    config = TrainConfig(
        schemes=("random_small",), small_scale=gain / math.sqrt(MAP_WIDTH), seed=3,
        activation=activation,
    )  # fmt: skip
    kw = dict(width=MAP_WIDTH, n_samples=MAP_N, dtype="float32")
    short = propagate(config, depth=layer, **kw).set_index("layer")
    assert c.spread == short.act_std[layer] / short.act_std[1]
    assert c["std"] == gain / math.sqrt(MAP_WIDTH)
    full = propagate(config, depth=MAP_DEPTH, **kw).set_index("layer")
    assert c.backprop == full.backprop_signal[1] / full.backprop_signal[layer]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_map_spread_equals_a_plain_numpy_forward_pass(activation):
    """Independently of the package: the same N(0,1) draws (Random small's stream, scale 1)
    and inputs, scaled in float64 and pushed through a textbook forward pass."""
    df = scale_map(activation)
    rng = initdash.schemes.scheme_rng(3, "random_small")
    base = [rng.standard_normal((MAP_WIDTH, MAP_WIDTH)) for _ in range(MAP_DEPTH)]
    data = initdash.schemes.stream(3, "propagate-data")
    X = data.standard_normal((MAP_N, MAP_WIDTH))
    f = {
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    }
    for gain in (MAP_GAINS[3], MAP_GAINS[10], MAP_GAINS[13], MAP_GAINS[17]):
        a, stds = X, []
        for w in base:
            a = f[activation](a @ (w * gain / math.sqrt(MAP_WIDTH)).T)
            stds.append(a.std())
        got = df[df.gain == gain].sort_values("layer").spread.to_numpy()
        np.testing.assert_allclose(got, np.array(stds) / stds[0], rtol=2e-3)


def test_map_covers_the_gains_and_marks_the_schemes():
    df = scale_map("tanh")
    gains = sorted(df.gain.unique())
    assert len(gains) == len(MAP_GAINS) + 2  # He's sqrt 2 and tanh's 5/3 join the 21
    assert set(MAP_GAINS) <= set(gains) and {math.sqrt(2), 5 / 3} <= set(gains)
    assert gains[0] == pytest.approx(0.1) and gains[-1] == pytest.approx(10.0)
    assert len(df) == len(gains) * MAP_DEPTH
    assert (df[df.layer == 1].spread == 1.0).all() and (df[df.layer == 1].backprop == 1.0).all()
    marks = reference_gains("relu")
    assert marks["LeCun"] == marks["Xavier"] == 1.0 and marks["He"] == marks["orthogonal"]
    # for equal widths the schemes' own stds are these gains over sqrt(width)
    w = initdash.schemes.sample_weights([256, 256], "xavier_normal", np.random.default_rng(0))[0]
    assert w.std() * math.sqrt(256) == pytest.approx(marks["Xavier"], rel=0.02)
    w = initdash.schemes.sample_weights([256, 256], "he_normal", np.random.default_rng(0))[0]
    assert w.std() * math.sqrt(256) == pytest.approx(marks["He"], rel=0.02)
    w = initdash.init_params([256, 256], "orthogonal", activation="tanh")["W1"]
    assert w.std() * math.sqrt(256) == pytest.approx(reference_gains("tanh")["orthogonal"])


def test_map_overflow_reads_inf_without_warnings():
    """ReLU at gain 10 multiplies the spread by about 7 per layer: float32 overflows before
    layer 50, and those cells read inf (exploded), not NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = scale_depth_map(TrainConfig(activation="relu"), depth=50, width=32, gains=(1.0, 10.0))
    top = df[df.gain == 10.0].set_index("layer")
    assert np.isinf(top.spread[50]) and np.isfinite(top.spread[2])
    assert np.isfinite(df[df.gain == 1.0].spread).all()


def test_map_refuses_bad_sizes_naming_them():
    for kw, name in ((dict(depth=0), "depth"), (dict(width=2000), "width"),
                     (dict(n_samples=1), "n_samples")):  # fmt: skip
        with pytest.raises(ValueError, match=name):
            scale_depth_map(**kw)


def test_map_cost_is_bounded_by_the_sample_count():
    """Wider nets get fewer inputs, so width^2 x samples (the matmuls' size) stays bounded."""
    for width in (32, 64, 128, 256):
        assert 16 <= map_samples(width) <= 256
        assert width**2 * map_samples(width) <= max(MAP_WORK, 32**2 * 256)
