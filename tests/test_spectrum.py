"""The Jacobian's spectrum at initialization (initdash.lab.jacobian_spectrum, isometry_sweep):
the input-output Jacobian and its singular values against PyTorch's autograd on the very same
weights (torch.func.jacrev and torch.autograd.functional.jacobian, float64), and the lessons
of Saxe et al. (2014) and Pennington, Schoenholz & Ganguli (2017) as hand-checked cases.

PyTorch is a test dependency only (requirements-dev.txt); without it these tests skip locally
and fail under CI=true, where the oracle must run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import initdash
from initdash import ACTIVATIONS, TrainConfig
from initdash.blas import limit_blas_threads
from initdash.lab import (
    SV_FLOOR,
    _inputs,
    isometry_sweep,
    jacobian_spectrum,
    jacobians,
    singular_values,
    spectrum_summary,
)
from tests.harness import in_ci

limit_blas_threads(1)


@pytest.fixture(scope="module")
def torch():
    try:
        import torch
    except ImportError:
        reason = "PyTorch is not installed (pip install -r requirements-dev.txt: torch==2.13.0)"
        if in_ci():
            pytest.fail(f"{reason}; CI=true: the Jacobian oracle must run, not skip", pytrace=False)
        pytest.skip(reason)
    torch.set_num_threads(1)
    return torch


TORCH_ACT = {
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "sigmoid": "sigmoid",
    "linear": None,
}


def torch_net(torch, weights, activation: str, depth: int):
    """x -> layer ``depth``'s output of the plain net (zero biases), written in torch."""
    Ws = [torch.tensor(w, dtype=torch.float64) for w in weights[:depth]]
    name = TORCH_ACT[activation]

    def g(z):
        if name is None:
            return z
        if name == "leaky_relu":
            return torch.nn.functional.leaky_relu(z, initdash.activations.LEAKY_SLOPE)
        return getattr(torch, name)(z)

    def f(x):
        for w in Ws:
            x = g(w @ x)
        return x

    return f


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("scheme", ["xavier_normal", "orthogonal", "he_normal"])
def test_jacobians_equal_torch_jacrev(torch, activation, scheme):
    """Our forward-mode Jacobians at depths 1, 3 and 6 of a 6-layer net of 12 units equal
    torch.func.jacrev's of the same function, input by input (float64). (Not x10 weights
    with tanh or sigmoid: their slopes 1 - a^2, a within an ulp of 1, are rounding on both
    sides.)"""
    from torch.func import jacrev

    width, depth = 12, 6
    config = TrainConfig(activation=activation, seed=5)
    X = np.random.default_rng(1).standard_normal((3, width))
    weights = config.initial_weights(scheme, [width] * (depth + 1), X)
    ours = jacobians(weights, X, activation, (1, 3, 6))
    for d, J in ours.items():
        f = torch_net(torch, weights, activation, d)
        for k, x in enumerate(X):
            ref = jacrev(f)(torch.tensor(x, dtype=torch.float64)).numpy()
            scale = np.abs(ref).max()
            np.testing.assert_allclose(J[k], ref, rtol=1e-10, atol=1e-12 * scale)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_the_labs_spectrum_equals_torch_on_the_same_weights(torch, activation):
    """jacobian_spectrum's singular values (the lab's own weights and inputs) equal the
    singular values of torch.autograd.functional.jacobian's Jacobian of the same net
    (torch.linalg.svdvals), wherever they are resolved; the unresolved ones are under
    SV_FLOOR x the largest in both."""
    from torch.autograd.functional import jacobian

    width, depth = 16, 8
    schemes = ("xavier_normal", "he_normal", "orthogonal", "lsuv")
    config = TrainConfig(activation=activation, seed=3, schemes=schemes)
    df = jacobian_spectrum(config, depth=depth, width=width, n_inputs=2)
    X, _ = _inputs(3, 256, width)
    for name in schemes:
        weights = config.initial_weights(name, [width] * (depth + 1) + [1], X)
        for d in sorted(df.depth.unique()):
            f = torch_net(torch, weights, activation, int(d))
            for k in range(2):
                J = jacobian(f, torch.tensor(X[k], dtype=torch.float64))
                ref = torch.linalg.svdvals(J).numpy()
                got = df[(df.scheme == name) & (df.depth == d) & (df.input == k)]
                sv, resolved = got.sv.to_numpy(), got.resolved.to_numpy()
                assert len(sv) == width
                # Weyl: a rounding error E moves each singular value by at most ||E||
                np.testing.assert_allclose(sv[resolved], ref[resolved], rtol=1e-8,
                                           atol=1e-12 * ref[0])  # fmt: skip
                assert (ref[~resolved] <= 2 * SV_FLOOR * ref[0]).all()


def test_the_isometry_sweep_equals_torch_at_gain_one(torch):
    """The sweep's orthogonal net at gain 1 (orthogonal's own draws at gain 1), against torch
    on weights rebuilt here from the scheme's stream."""
    from torch.func import jacrev

    width, depth = 16, 10
    df = isometry_sweep(TrainConfig(seed=2), depth=depth, width=width, gains=(1.0,),
                        input_stds=(0.1,))  # fmt: skip
    rng = initdash.schemes.scheme_rng(2, "orthogonal")
    weights = [initdash.schemes.orthogonal((width, width), rng, 0.0, 1.0) for _ in range(depth)]
    X, _ = _inputs(2, 256, width)
    J = jacrev(torch_net(torch, weights, "tanh", depth))(torch.tensor(X[0] * 0.1))
    ref = torch.linalg.svdvals(J).numpy()
    got = df[df.weights == "orthogonal"].sv.to_numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-12 * ref[0])


# --------------------------------------------------------------------------- hand-checked cases


def test_orthogonal_linear_nets_are_exact_isometries():
    """A linear net of orthogonal layers at gain 1 is itself orthogonal: every singular value
    is 1 (to rounding), at every depth; at gain g, every one is g^depth."""
    config = TrainConfig(activation="linear", schemes=("orthogonal",))
    df = jacobian_spectrum(config, depth=12, width=32)
    gain = initdash.calculate_gain("linear")
    for d, g in df.groupby("depth"):
        np.testing.assert_allclose(g.sv, gain**d, rtol=1e-9)
    sweep = isometry_sweep(TrainConfig(activation="linear"), depth=5, width=32, gains=(1.5,))
    orth = sweep[sweep.weights == "orthogonal"]
    np.testing.assert_allclose(orth.sv, 1.5**5, rtol=1e-9)


def test_relu_zeroes_the_singular_values_of_the_units_that_are_off():
    """ReLU: J = D W with D's zeros where units are off, so its rank is at most the number of
    units on: the singular values beyond it are 0 (unresolved), whatever the weights."""
    width = 32
    config = TrainConfig(activation="relu", schemes=("he_normal", "orthogonal"))
    df = jacobian_spectrum(config, depth=1, width=width, n_inputs=3)
    X, _ = _inputs(config.seed, 256, width)
    for name in config.schemes:
        W = config.initial_weights(name, [width, width, 1], X)[0]
        for k in range(3):
            on = int(((W @ X[k]) > 0).sum())
            rows = df[(df.scheme == name) & (df.input == k)]
            assert int(rows.resolved.sum()) == on
            assert 0 < on < width


def test_gaussian_products_spread_and_orthogonal_tanh_at_gain_one_does_not():
    """Pennington et al.'s contrast at depth 20: Gaussian weights at gain 1 spread the
    singular values over orders of magnitude, orthogonal ones with small inputs (tanh near its
    linear part) keep nearly all within a factor 2 of 1."""
    sweep = isometry_sweep(TrainConfig(), depth=20, width=64, gains=(1.0,), input_stds=(0.1,))
    s = spectrum_summary(sweep, ["weights"]).set_index("weights")
    assert s.near_one["orthogonal"] > 0.95
    assert s.near_one["Gaussian"] < 0.3
    assert math.log10(s.p95["Gaussian"] / s.p5["Gaussian"]) > 4


def test_unresolved_values_never_count_as_near_one():
    """A singular value under SV_FLOOR x the largest is rounding: the summary bounds it from
    above and never counts it near 1, even when that bound falls between 1/2 and 2."""
    import pandas as pd

    df = pd.DataFrame({"g": "a", "input": 0, "sv": [1e12, 3e-5, 1.5],
                       "resolved": [True, False, True]})  # fmt: skip
    s = spectrum_summary(df, ["g"]).iloc[0]
    assert s.near_one == pytest.approx(1 / 3) and s.unresolved == pytest.approx(1 / 3)
    assert s.p0 == pytest.approx(SV_FLOOR * 1e12)


def test_singular_values_of_a_non_finite_jacobian_are_nan():
    J = np.stack([np.eye(3), np.full((3, 3), np.inf)])
    sv = singular_values(J)
    np.testing.assert_allclose(sv[0], 1.0)
    assert np.isnan(sv[1]).all()


@pytest.mark.parametrize(("kwargs", "word"), [({"depth": 0}, "depth"), ({"width": 5000}, "width"),
                                              ({"n_inputs": 0}, "n_inputs")])  # fmt: skip
def test_bad_sizes_are_refused_by_name(kwargs, word):
    with pytest.raises(ValueError, match=word):
        jacobian_spectrum(**kwargs)
