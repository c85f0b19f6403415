"""Tests for initdash.schemes and the gain table: sample statistics at large fan against each
scheme's formula, torch's gains, orthogonality, LSUV's unit variance, the parameter layout,
determinism, and each scheme's independence from the others (its own random stream)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from initdash import ACTIVATIONS, SCHEMES, TrainConfig, Trainer, calculate_gain, init_params, run
from initdash.blas import limit_blas_threads
from initdash.schemes import LSUV_TOL

# One BLAS thread, as the app and the CLI set it: the matrices here are tiny, and OpenBLAS's
# threads on a busy 2-core machine make each matmul ~30x slower (see initdash/blas.py).
limit_blas_threads(1)

CANONICAL = (
    "zeros",
    "constant",
    "random_small",
    "random_large",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "orthogonal",
    "lsuv",
)
RANDOM = tuple(s for s in CANONICAL if s not in ("zeros", "constant"))
# weight shapes (fan_out, fan_in): 1e6 samples each, so a sample std is within ~0.1% of the
# true std (its relative standard error is 1/sqrt(2N)); the tests allow 2%.
SHAPES = [(1000, 1000), (500, 2000), (2000, 500)]
STD_RTOL = 0.02


def weights(scheme: str, shape: tuple[int, int], **kwargs) -> np.ndarray:
    """W1 of a one-layer net with W1.shape == shape = (fan_out, fan_in)."""
    fan_out, fan_in = shape
    return init_params([fan_in, fan_out], scheme, **kwargs)["W1"]


def assert_mean_zero(w: np.ndarray, std: float) -> None:
    """|sample mean| within 5 standard errors (std / sqrt(N)) of 0."""
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)


def test_registry_holds_the_canonical_names():
    assert tuple(SCHEMES) == CANONICAL


@pytest.mark.parametrize("name", CANONICAL)
def test_every_scheme_is_documented(name):
    s = SCHEMES[name]
    assert s.name == name
    for text in (s.label, s.latex, s.suits, s.summary):
        assert isinstance(text, str) and text.strip()


# --------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_xavier_normal_statistics(shape):
    """Glorot & Bengio: N(0, 2 / (fan_in + fan_out))."""
    fan_out, fan_in = shape
    w = weights("xavier_normal", shape)
    std = math.sqrt(2.0 / (fan_in + fan_out))
    assert w.std() == pytest.approx(std, rel=STD_RTOL)
    assert_mean_zero(w, std)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_xavier_uniform_statistics(shape):
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)): |w| <= a, the extremes come within
    0.1% of a (missing that has probability (1 - 1e-3)^1e6 ~ e^-1000), and std = a / sqrt(3)."""
    fan_out, fan_in = shape
    w = weights("xavier_uniform", shape)
    a = math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(w).max() <= a
    assert w.max() > a * (1 - 1e-3) and w.min() < -a * (1 - 1e-3)
    assert w.std() == pytest.approx(a / math.sqrt(3), rel=STD_RTOL)
    assert_mean_zero(w, a / math.sqrt(3))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_he_normal_statistics(shape):
    """He et al.: N(0, 2 / fan_in)."""
    w = weights("he_normal", shape)
    std = math.sqrt(2.0 / shape[1])
    assert w.std() == pytest.approx(std, rel=STD_RTOL)
    assert_mean_zero(w, std)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_he_uniform_statistics(shape):
    """He uniform: U(-a, a), a = sqrt(6 / fan_in), so the variance is a^2 / 3 = 2 / fan_in."""
    w = weights("he_uniform", shape)
    a = math.sqrt(6.0 / shape[1])
    assert np.abs(w).max() <= a
    assert np.abs(w).max() > a * (1 - 1e-3)
    assert w.std() == pytest.approx(math.sqrt(2.0 / shape[1]), rel=STD_RTOL)
    assert_mean_zero(w, a / math.sqrt(3))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_lecun_normal_statistics(shape):
    """LeCun: N(0, 1 / fan_in)."""
    w = weights("lecun_normal", shape)
    std = math.sqrt(1.0 / shape[1])
    assert w.std() == pytest.approx(std, rel=STD_RTOL)
    assert_mean_zero(w, std)


@pytest.mark.parametrize(
    ("scheme", "scale", "std"),
    [
        ("random_small", None, 0.01),
        ("random_small", 0.05, 0.05),
        ("random_large", None, 10.0),
        ("random_large", 3.0, 3.0),
    ],
)
def test_random_normal_statistics(scheme, scale, std):
    """N(0, 1) x scale; the defaults are the classic 0.01 and the lesson's 10."""
    w = weights(scheme, (1000, 1000), scale=scale)
    assert w.std() == pytest.approx(std, rel=STD_RTOL)
    assert_mean_zero(w, std)


def test_scheme_defaults_match_the_documented_scales():
    assert SCHEMES["random_small"].default == 0.01
    assert SCHEMES["random_large"].default == 10.0


def test_zeros_is_all_zero():
    p = init_params([7, 5, 3], "zeros")
    for key, value in p.items():
        assert np.all(value == 0.0), key


@pytest.mark.parametrize("value", [None, 0.37, -2.0])
def test_constant_is_the_value(value):
    p = init_params([7, 5, 3], "constant", scale=value)
    expected = SCHEMES["constant"].default if value is None else value
    assert np.all(p["W1"] == expected) and np.all(p["W2"] == expected)


# --------------------------------------------------------------------------- gains


def test_calculate_gain_matches_torch():
    """torch.nn.init.calculate_gain's table (torch docs): linear/identity/sigmoid 1, tanh 5/3,
    relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)) with slope 0.01 by default."""
    assert calculate_gain("sigmoid") == 1.0
    assert calculate_gain("linear") == 1.0
    assert calculate_gain("identity") == 1.0
    assert calculate_gain("tanh") == pytest.approx(5.0 / 3.0, rel=1e-15)
    assert calculate_gain("relu") == pytest.approx(math.sqrt(2.0), rel=1e-15)
    assert calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2.0 / (1 + 0.01**2)), rel=1e-15)
    assert calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2.0 / 1.04), rel=1e-15)


def test_calculate_gain_rejects_unknown_names_listing_the_choices():
    with pytest.raises(ValueError, match="swish") as info:
        calculate_gain("swish")
    for name in ("linear", "sigmoid", "tanh", "relu", "leaky_relu"):
        assert name in str(info.value)


# torch.nn.init.calculate_gain's values, typed from its documentation (not from our code)
TORCH_GAINS = {
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "leaky_relu": math.sqrt(2.0 / (1.0 + 0.01**2)),
    "sigmoid": 1.0,
    "linear": 1.0,
}


def test_every_activation_has_torchs_gain():
    """Each registered activation carries torch's gain for it (orthogonal weights use it)."""
    assert set(ACTIVATIONS) == set(TORCH_GAINS)
    for name, gain in TORCH_GAINS.items():
        assert ACTIVATIONS[name].gain == pytest.approx(gain, rel=1e-15), name


# --------------------------------------------------------------------------- orthogonal, LSUV


@pytest.mark.parametrize("shape", [(40, 40), (30, 70), (70, 30)], ids=str)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_orthogonal_is_gain_times_semi_orthogonal(activation, shape):
    """Saxe et al.: W = g Q with orthonormal rows (fan_out <= fan_in: W W^T = g^2 I) or
    orthonormal columns (fan_out > fan_in: W^T W = g^2 I); g = the activation's gain."""
    w = weights("orthogonal", shape, activation=activation)
    g = TORCH_GAINS[activation]
    fan_out, fan_in = shape
    gram = w @ w.T if fan_out <= fan_in else w.T @ w
    np.testing.assert_allclose(gram, g**2 * np.eye(min(shape)), rtol=0, atol=1e-10)


@pytest.mark.parametrize("scale", [0.1, 5.0])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_lsuv_gives_unit_preactivation_variance_on_the_batch(activation, scale):
    """LSUV (Mishkin & Matas): after init, every layer's pre-activation z = a W^T (biases are
    0) has variance within LSUV_TOL of 1 on the batch X it was fitted on, whatever the
    scale of X."""
    dims = [6, 32, 32, 32, 3]
    X = np.random.default_rng(0).standard_normal((256, dims[0])) * scale
    p = init_params(dims, "lsuv", activation=activation, X=X)
    a = X
    act = ACTIVATIONS[activation]
    for i in range(1, len(dims)):
        z = a @ p[f"W{i}"].T + p[f"b{i}"]
        assert abs(z.var() - 1.0) < LSUV_TOL, f"layer {i}: variance {z.var():.4f}"
        a = act(z)


def test_lsuv_needs_data():
    with pytest.raises(ValueError, match="lsuv"):
        init_params([4, 8, 1], "lsuv")


# --------------------------------------------------------------------------- layout, errors


@pytest.mark.parametrize("name", CANONICAL)
def test_init_params_layout(name):
    """Keys W1..WL and b1..bL, W[l] of shape (n_l, n_{l-1}), zero biases, float64."""
    dims = [3, 8, 5, 2]
    X = np.random.default_rng(0).standard_normal((50, 3))
    p = init_params(dims, name, X=X if SCHEMES[name].data_dependent else None)
    L = len(dims) - 1
    assert sorted(p) == sorted(
        [f"W{i}" for i in range(1, L + 1)] + [f"b{i}" for i in range(1, L + 1)]
    )
    for i in range(1, L + 1):
        assert p[f"W{i}"].shape == (dims[i], dims[i - 1])
        assert p[f"W{i}"].dtype == np.float64
        assert p[f"b{i}"].shape == (dims[i],)
        assert np.all(p[f"b{i}"] == 0.0)
        assert np.all(np.isfinite(p[f"W{i}"]))


def test_unknown_scheme_lists_the_names():
    with pytest.raises(ValueError, match="glorot") as info:
        init_params([2, 3], "glorot")
    for name in CANONICAL:
        assert name in str(info.value)


@pytest.mark.parametrize("dims", [[3], [], [3, 0, 1]])
def test_bad_layer_dims_are_rejected(dims):
    with pytest.raises(ValueError, match="layer_dims"):
        init_params(dims, "he_normal")


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="tanh"):
        init_params([2, 3], "he_normal", activation="softsign")


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", CANONICAL)
def test_same_seed_same_weights(name):
    dims = [4, 16, 16, 1]
    X = np.random.default_rng(1).standard_normal((64, 4))
    kw = {"X": X} if SCHEMES[name].data_dependent else {}
    a = init_params(dims, name, seed=5, **kw)
    b = init_params(dims, name, seed=5, **kw)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize("name", RANDOM)
def test_different_seed_different_weights(name):
    dims = [4, 16, 1]
    X = np.random.default_rng(1).standard_normal((64, 4))
    kw = {"X": X} if SCHEMES[name].data_dependent else {}
    a = init_params(dims, name, seed=5, **kw)["W1"]
    b = init_params(dims, name, seed=6, **kw)["W1"]
    assert not np.array_equal(a, b)


def test_schemes_draw_from_different_streams():
    """Two schemes with the same distribution (He normal vs N(0,1) x sqrt(2/fan_in)) and the
    same seed do not produce proportional weights: each scheme has its own stream."""
    he = init_params([50, 50], "he_normal", seed=0)["W1"]
    rnd = init_params([50, 50], "random_small", seed=0, scale=math.sqrt(2.0 / 50))["W1"]
    assert not np.allclose(he, rnd)


def _initial_weights(config: TrainConfig, scheme: str) -> list[np.ndarray]:
    trainer = Trainer(config)
    k = config.schemes.index(scheme) * config.repeats
    return [w[k].copy() for w in trainer.net.Ws]


@pytest.mark.parametrize("name", RANDOM)
def test_a_schemes_weights_do_not_depend_on_the_others(name):
    """Training scheme b alone or next to others gives b the very same initial weights, and
    they equal init_params(seed, b) (repeat 0 of a run is the scheme's plain stream)."""
    base = TrainConfig(hidden=(8, 6), dtype="float64", epochs=1, activation="relu", seed=3)
    others = tuple(s for s in ("he_normal", "zeros", "xavier_uniform") if s != name)
    alone = _initial_weights(base.replace(schemes=(name,)), name)
    mixed = _initial_weights(base.replace(schemes=(*others, name)), name)
    first = _initial_weights(base.replace(schemes=(name, *others)), name)
    for a, b, c in zip(alone, mixed, first, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    if not SCHEMES[name].data_dependent:  # lsuv is fitted on the trainer's own probe batch
        direct = init_params(
            [2, 8, 6, 1], name, activation="relu", seed=3, scale=base.scheme_param(name)
        )
        for i, w in enumerate(alone, start=1):
            np.testing.assert_array_equal(w, direct[f"W{i}"])


def test_run_results_do_not_depend_on_the_other_schemes():
    """A whole (short) run of scheme b gives the same curves with or without scheme a."""
    base = TrainConfig(hidden=(8,), dtype="float64", epochs=20)
    both = run(base.replace(schemes=("xavier_normal", "he_normal")))
    alone = run(base.replace(schemes=("he_normal",)))
    for key in both.CURVES:
        np.testing.assert_array_equal(both.curves[key][:, 1], alone.curves[key][:, 0])


def _same_state(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:])


def test_global_numpy_random_state_is_untouched():
    """No scheme, no run reads or reseeds numpy's global RandomState."""
    # the legacy global state is exactly what is under test here
    np.random.seed(12345)  # noqa: NPY002
    before = np.random.get_state()  # noqa: NPY002
    X = np.random.default_rng(0).standard_normal((32, 3))
    for name in CANONICAL:
        init_params([3, 8, 2], name, X=X)
    run(TrainConfig(schemes=CANONICAL, hidden=(4,), epochs=3, n_samples=60))
    assert _same_state(before, np.random.get_state())  # noqa: NPY002


def test_variances_relate_as_the_descriptions_say():
    """LeCun's 1/fan_in is half of He's 2/fan_in, equals Xavier's 2/(fan_in + fan_out) when the
    widths are equal, and is below Xavier's for narrowing layers (so "between Xavier and He"
    would be false there); He is twice Xavier for equal widths."""
    rng = np.random.default_rng(0)

    def var(name, shape):
        return float(np.var(SCHEMES[name].sampler(shape, rng, 1.0, 1.0)))

    equal, narrowing = (400, 400), (100, 400)  # (fan_out, fan_in)
    assert var("lecun_normal", equal) == pytest.approx(var("xavier_normal", equal), rel=0.02)
    assert var("lecun_normal", equal) == pytest.approx(var("he_normal", equal) / 2, rel=0.02)
    assert var("lecun_normal", narrowing) < 0.9 * var("xavier_normal", narrowing)
    assert var("he_normal", equal) == pytest.approx(2 * var("xavier_normal", equal), rel=0.02)
