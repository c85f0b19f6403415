"""Reliability: any valid config trains cleanly, any invalid one is refused cleanly, numbers stay
finite (or are marked diverged) under stress, and the app survives a Stop in every phase of a run.

* Property tests (hypothesis) over the whole space of *valid* configs of a small size: a run
  goes to the end with no exception and no warning of any kind, every table holds finite-or-NaN
  values only, and each model is either finite throughout or marked diverged.
* Property tests over *invalid* configs (one field out of range or of the wrong type):
  ``TrainConfig(...)`` raises ValueError naming the field and what is allowed, never another
  exception type.
* Numerical stress: x1000 weights, lr = 10 with every optimizer, 50-layer nets (sigmoid, and
  ReLU with tiny weights, whose signals fall towards the subnormal range), in both precisions.
* Two script threads on one run (Streamlit starts the next script run while the previous one
  may still be training): a Stop or a second advance must take turns with the first.
* AppTest runs of the real ``streamlit_app.py``: Stop before a run, right after Train, mid-run,
  at the last epoch, after the end, and Stop then Train again; a run keeps training while a
  tab that does not show it (theory, deep-signal lab) is open.

Layer measurements may hold inf where that is the honest value; see assert_no_inf_but_overflow.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

import initdash
from bench import page_reading as P
from dashboard import live, page
from dashboard.views.registry import VIEWS, nav_state
from initdash import DATASETS, FIELDS, OPTIMIZERS, SCHEMES, TrainConfig, run
from initdash.blas import limit_blas_threads
from initdash.config import DTYPES

limit_blas_threads(1)  # tiny matrices: one BLAS thread, as the app and the CLI use

ACTIVATIONS = tuple(initdash.ACTIVATIONS)
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


# =========================================================================== table checks


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    return df.select_dtypes(include=["number", "bool"])


def assert_no_inf(df: pd.DataFrame, what: str) -> None:
    """Every numeric value is finite or NaN (never +-inf)."""
    num = _numeric(df).to_numpy(dtype=np.float64, na_value=np.nan)
    assert not np.isinf(num).any(), f"{what} holds inf:\n{df[np.isinf(num).any(axis=1)]}"


def assert_in_01(values: pd.Series, what: str) -> None:
    v = values.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v[~np.isnan(v)]
    assert ((v >= 0) & (v <= 1)).all(), f"{what} outside [0, 1]: {v[(v < 0) | (v > 1)]}"


# Layer measurements may hold inf in two honest cases: at the epoch a model diverged (that
# measurement shows the state that blew up; later epochs are NaN), and, in float64, in sizes
# computed from sums of squares (MAGNITUDES) of a model whose numbers passed ~1e154 while its
# loss was still finite. The signal-flow chart leaves such values out with a note "infinite
# value(s) (overflow)".
MAGNITUDES = ("act_std", "divergence", "grad_norm", "backprop_signal", "weight_rms")
STATS = ("act_mean", *MAGNITUDES)
EXPLODED = 1e50  # an overflowed magnitude is only believable next to numbers this large


def assert_no_inf_but_overflow(df: pd.DataFrame, result: initdash.Result, what: str) -> None:
    """Like assert_no_inf, except inf in the measurements of a model at the epoch it diverged,
    and +inf in MAGNITUDES of a model that visibly exploded."""
    assert_no_inf(df.drop(columns=[c for c in STATS if c in df]), what)
    model = (df.scheme.map(result.schemes.index) * result.repeats + df.repeat).to_numpy()
    rest = df[df.epoch.to_numpy() != result.diverged_epoch[model]]
    if "act_mean" in rest:
        assert not np.isinf(rest.act_mean.to_numpy(dtype=np.float64)).any(), what
    mags = [c for c in MAGNITUDES if c in rest]
    values = rest[mags].to_numpy(dtype=np.float64, na_value=np.nan)
    assert not np.isneginf(values).any(), f"{what} holds -inf"
    inf_rows = np.isposinf(values).any(axis=1)
    if not inf_rows.any():
        return
    sizes = np.abs(rest[[*mags, *(["act_mean"] if "act_mean" in rest else [])]])
    sizes = sizes.where(np.isfinite(sizes))
    biggest = sizes.groupby([rest.epoch, rest.scheme, rest.repeat]).transform("max").max(axis=1)
    bad = inf_rows & ~(biggest.to_numpy() >= EXPLODED)
    assert not bad.any(), f"{what} holds inf for a model that did not explode:\n{rest[bad]}"


def epochs_to_check(result: initdash.Result) -> list[int]:
    """The detailed epochs whose tables are read: first, middle, last, and every epoch at
    which a model diverged (reading all of them would double the time of the property test)."""
    epochs = result.detail_epochs
    keep = {epochs[0], epochs[len(epochs) // 2], epochs[-1]}
    keep |= {e for e in result.diverged_epoch.tolist() if e in epochs}
    return sorted(keep)


def check_result(result: initdash.Result) -> None:
    """Every table of a finished run: finite-or-NaN values (except overflowed magnitudes of
    an exploded model), fractions in [0, 1], and each model finite throughout or marked
    diverged (finite before the epoch it diverged at)."""
    config = result.config
    assert result.finished
    h = result.history()
    assert_no_inf(h, "history")
    assert_in_01(h.accuracy, "history accuracy")
    assert h.epoch.max() == result.epochs_done
    assert_no_inf(result.curves_table(), "curves_table")
    s = result.summary()
    assert list(s.scheme) == list(config.schemes)
    assert_no_inf(s, "summary")
    for col in ("train_accuracy", "test_accuracy", "saturated_at_init", "dead_at_init"):
        assert_in_01(s[col], f"summary {col}")
    dt = result.divergence_table()
    assert_no_inf(dt.drop(columns="divergence"), "divergence_table")
    for e in epochs_to_check(result):
        lt = result.layer_table(e)
        hidden = lt[lt.kind == "hidden"]  # the same divergence numbers; overflow checked here
        np.testing.assert_array_equal(
            dt[dt.epoch == e].sort_values(["scheme", "repeat", "layer"]).divergence,
            hidden.sort_values(["scheme", "repeat", "layer"]).divergence,
        )
        assert_no_inf_but_overflow(lt, result, f"layer_table at epoch {e}")
        for col in ("saturated_fraction", "dead_fraction"):
            assert_in_01(lt[col], f"layer_table {col}")
        wt = result.weights_table(e)
        assert_no_inf(wt, f"weights_table at epoch {e}")
        assert (wt["count"] >= 0).all()
        assert_in_01(wt.fraction, "weights_table fraction")
        for layer in range(1, len(config.hidden) + 1):
            sim = result.similarity_table(e, layer)
            assert_no_inf(sim, f"similarity_table at epoch {e}, layer {layer}")
        if result.grid is not None:
            b = result.boundary_table(e)
            assert_no_inf(b, f"boundary_table at epoch {e}")
            assert_in_01(b.confidence, "boundary confidence")
            assert_in_01(b.p1, "boundary p1")
    assert_no_inf(result.points_table(), "points_table")
    last = result.epochs_done
    has_test = len(result.data.y_test) > 0
    # test_loss is left out: it can overflow while the training loss (the divergence
    # criterion) is finite; see test_test_loss_overflow_marks_the_model_diverged
    for k, d in enumerate(result.diverged_epoch):
        for name in ("train_loss", "train_accuracy", "test_accuracy"):
            if name.startswith("test") and not has_test:
                continue
            c = result.curves[name][: last + 1, k]
            upto = last + 1 if d < 0 else d
            assert np.isfinite(c[:upto]).all(), (
                f"model {k} ({result.model_scheme[k]}), diverged_epoch {d}: {name} is not "
                f"finite at epochs {np.flatnonzero(~np.isfinite(c[:upto])).tolist()}"
            )


def run_clean(config: TrainConfig) -> initdash.Result:
    """Train to the end and read every table with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(config)
        check_result(result)
    return result


def assert_same_as_solo(result: initdash.Result, schemes: tuple[str, ...]) -> None:
    """The given schemes' numbers equal those of a run with only them (bit for bit)."""
    solo = run_clean(result.config.replace(schemes=schemes))
    h = result.history()
    h = h[h.scheme.isin(schemes)].reset_index(drop=True)
    pd.testing.assert_frame_equal(h, solo.history())
    for name in schemes:
        i, j = result.schemes.index(name), solo.schemes.index(name)
        np.testing.assert_array_equal(result.diverged_epoch[i], solo.diverged_epoch[j])


# =========================================================================== valid configs


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats spread evenly in log space over [lo, hi], ends included."""
    inner = st.floats(math.log10(lo), math.log10(hi)).map(lambda e: min(max(10.0**e, lo), hi))
    return st.one_of(st.sampled_from([lo, hi]), inner)


def field_range(name: str) -> tuple[float, float]:
    f = FIELDS[name]
    return f.lo, f.hi


@st.composite
def valid_configs(draw) -> TrainConfig:
    dataset = draw(st.sampled_from(list(DATASETS)))
    return TrainConfig(
        dataset=dataset,
        n_samples=draw(st.integers(20, 150)),
        noise=draw(st.floats(*field_range("noise"))),
        n_classes=draw(st.integers(2, DATASETS[dataset].max_classes)),
        test_fraction=draw(st.floats(*field_range("test_fraction"))),
        hidden=tuple(draw(st.lists(st.integers(1, 12), min_size=1, max_size=4))),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        schemes=tuple(
            draw(st.lists(st.sampled_from(list(SCHEMES)), min_size=1, max_size=11, unique=True))
        ),
        small_scale=draw(log_uniform(*field_range("small_scale"))),
        large_scale=draw(log_uniform(*field_range("large_scale"))),
        constant_value=draw(st.floats(*field_range("constant_value"))),
        optimizer=draw(st.sampled_from(list(OPTIMIZERS))),
        lr=draw(log_uniform(*field_range("lr"))),
        momentum=draw(st.floats(*field_range("momentum"))),
        epochs=draw(st.integers(1, 15)),
        batch_size=draw(st.one_of(st.just(0), st.integers(1, 64))),
        seed=draw(st.integers(0, 2**32 - 1)),
        repeats=draw(st.integers(1, 2)),
        snapshots=draw(st.integers(2, 20)),
        dtype=draw(st.sampled_from(DTYPES)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=valid_configs())
def test_any_valid_config_trains_cleanly(config):
    result = run_clean(config)
    assert result.epochs_done == config.epochs and not result.stopped


# =========================================================================== invalid configs

INT_FIELDS = [n for n, f in FIELDS.items() if f.kind == "int"]
FLOAT_FIELDS = [n for n, f in FIELDS.items() if f.kind == "float"]
CHOICE_FIELDS = [n for n, f in FIELDS.items() if f.kind == "str"]
NOT_A_NUMBER = st.sampled_from(
    ["5", "0.1", "", "nan", None, [1], (1,), {"x": 1}, 1 + 2j, b"1", np.array([1, 2]), object()]
)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf, np.float64("nan")])
BOOLS = st.sampled_from([True, False, np.bool_(True)])


def out_of_range_int(name: str) -> st.SearchStrategy:
    lo, hi = int(FIELDS[name].lo), int(FIELDS[name].hi)
    return st.one_of(
        st.integers(max_value=lo - 1),
        st.integers(min_value=hi + 1),
        st.sampled_from([lo - 1, hi + 1, 10**30, -(10**30), np.int64(lo - 1)]),
    )


def out_of_range_float(name: str) -> st.SearchStrategy:
    lo, hi = FIELDS[name].lo, FIELDS[name].hi
    return st.one_of(
        st.floats(max_value=lo, exclude_max=True, allow_nan=False, allow_infinity=False),
        st.floats(min_value=hi, exclude_min=True, allow_nan=False, allow_infinity=False),
        st.sampled_from([10**400, -(10**400)]),  # Python ints too large for a float
    )


def int_case(name: str) -> st.SearchStrategy:
    bad = st.one_of(
        out_of_range_int(name),
        BOOLS,
        NON_FINITE,
        NOT_A_NUMBER,
        st.floats(0.5, 1e6).filter(lambda v: v != int(v)),  # not whole
        st.sampled_from([np.array([5]), np.array(5.5)]),
    )
    return st.tuples(st.just(name), bad)


def float_case(name: str) -> st.SearchStrategy:
    bad = st.one_of(out_of_range_float(name), BOOLS, NON_FINITE, NOT_A_NUMBER)
    return st.tuples(st.just(name), bad)


def choice_case(name: str) -> st.SearchStrategy:
    choices = FIELDS[name].choices()
    unknown = st.text(max_size=12).filter(lambda s: s not in choices)
    wrong_type = st.sampled_from([None, 1, 1.5, True, [choices[0]], (choices[0],), b"x"])
    return st.tuples(st.just(name), st.one_of(unknown, wrong_type, st.just(choices[0].upper())))


HIDDEN_BAD = st.one_of(
    st.tuples(  # a 0-width, negative or too-wide layer somewhere among good ones
        st.lists(st.integers(1, 12), max_size=3),
        st.integers(0, 3),
        st.sampled_from([0, -1, 1025, 2000]),
    ).map(lambda t: (*t[0][: t[1]], t[2], *t[0][t[1] :])),
    st.just((4,) * 101),  # too deep
    st.sampled_from(
        [
            "16,16",
            16,
            None,
            (1.5,),
            (True, 4),
            ("16",),
            (math.nan,),
            ((4, 4),),
            (np.array([4, 4]),),
            np.array([[4, 4]]),
        ]
    ),
)
SCHEMES_BAD = st.one_of(
    st.just(()),
    st.lists(st.sampled_from(list(SCHEMES)), min_size=1, max_size=4).map(
        lambda names: (*names, names[0])  # a duplicate
    ),
    st.lists(st.text(max_size=10), min_size=1, max_size=3)
    .filter(lambda names: any(n not in SCHEMES for n in names))
    .map(tuple),
    st.sampled_from(["zeros", None, 3, ("Zeros",), ("zeros", None), (("zeros",),)]),
)
TOO_MANY_CLASSES = st.sampled_from([d for d, v in DATASETS.items() if v.max_classes < 6]).flatmap(
    lambda d: st.tuples(
        st.just("n_classes"),
        st.integers(DATASETS[d].max_classes + 1, 6),
        st.just(d),
    )
)

INVALID = st.one_of(
    *[int_case(n) for n in INT_FIELDS],
    *[float_case(n) for n in FLOAT_FIELDS],
    *[choice_case(n) for n in CHOICE_FIELDS],
    st.tuples(st.just("hidden"), HIDDEN_BAD),
    st.tuples(st.just("schemes"), SCHEMES_BAD),
    st.tuples(st.just("lr"), st.sampled_from([0, 0.0, 100, 100.0, -0.1])),
    st.tuples(st.just("epochs"), st.integers(max_value=0)),
    TOO_MANY_CLASSES,
)


def allowed_phrases(name: str, kwargs: dict) -> list[str]:
    """What a good message says about the allowed values (any one of these)."""
    if name == "n_classes" and "dataset" in kwargs:
        k = DATASETS[kwargs["dataset"]].max_classes
        return ["use 2" if k == 2 else f"use a whole number from 2 to {k}"]
    phrases = [FIELDS[name].allowed()]
    if name == "schemes":
        phrases.append("each name may appear once")
    return phrases


@settings(max_examples=400, deadline=None)
@given(case=INVALID)
@example(case=("lr", 10**400))  # was OverflowError
@example(case=("noise", -(10**400)))  # was OverflowError
@example(case=("epochs", np.array([5, 6])))  # was TypeError
@example(case=("seed", np.array([5])))  # was TypeError
@example(case=("hidden", np.array([[4, 4]])))  # was TypeError
@example(case=("n_classes", 3, "moons"))
def test_any_invalid_config_is_refused_with_a_clear_value_error(case):
    name, value, *dataset = case
    kwargs = {name: value, **({"dataset": dataset[0]} if dataset else {})}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as info:
            TrainConfig(**kwargs)
    message = str(info.value)
    assert name in message, message
    assert any(p in message for p in allowed_phrases(name, kwargs)), message


# =========================================================================== numerical stress

HEALTHY = ("xavier_normal", "he_normal")
STRESS = TrainConfig(
    n_samples=160, hidden=(16, 16, 16), epochs=40, snapshots=5, schemes=("random_large", *HEALTHY)
)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_x1000_weights_are_finite_or_diverged_and_the_others_unaffected(activation, dtype):
    """random_large with std 1000: tanh and sigmoid saturate (finite numbers), ReLU's logits
    reach ~1e12 and the model may diverge; either way every table is clean, and the healthy
    schemes have exactly the numbers they have when trained alone."""
    config = STRESS.replace(activation=activation, large_scale=1000.0, lr=0.5, dtype=dtype)
    result = run_clean(config)
    s = result.summary().set_index("scheme")
    for name in HEALTHY:
        assert not s.loc[name, "diverged"]
    if not s.loc["random_large", "diverged"]:
        assert np.isfinite(result.curve("train_loss")[:, 0]).all()
    assert_same_as_solo(result, HEALTHY)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_lr_10_is_finite_or_diverged_with_every_optimizer(optimizer, dtype):
    config = STRESS.replace(
        schemes=("random_large", "lsuv", "orthogonal", *HEALTHY),
        activation="relu",
        optimizer=optimizer,
        lr=10.0,
        dtype=dtype,
    )
    result = run_clean(config)
    assert result.epochs_done == config.epochs
    # every scheme's numbers are its own: the same as trained without the others
    assert_same_as_solo(result, HEALTHY)
    assert_same_as_solo(result, ("random_large",))


@pytest.mark.parametrize("dtype", DTYPES)
def test_depth_50_sigmoid_runs_clean(dtype):
    """50 sigmoid layers: the gradient vanishes by many orders of magnitude; numbers stay
    finite (or diverged) and every table is clean."""
    config = TrainConfig(
        hidden=(16,) * 50,
        activation="sigmoid",
        n_samples=60,
        epochs=5,
        snapshots=3,
        schemes=("zeros", "random_small", "random_large", "xavier_normal", "lsuv"),
        dtype=dtype,
    )
    result = run_clean(config)
    lt = result.layer_table(0).set_index(["scheme", "layer"])
    # the lesson: with plain N(0, 0.01) weights the first layer gets almost no gradient
    grad = lt.loc["random_small", "grad_norm"]
    assert grad.loc[1] < 1e-6 * grad.loc[51]


def best_time(config: TrainConfig, tries: int = 2) -> float:
    best = math.inf
    for _ in range(tries):
        t0 = time.perf_counter()
        run(config)
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("dtype", DTYPES)
def test_depth_50_relu_tiny_weights_stays_fast_and_finite(dtype):
    """50 ReLU layers of 64 units with N(0, 0.0145^2) weights: the signal shrinks ~0.08x per
    layer, so in float32 it crosses the subnormal range (1e-38 to 1e-45) around layer 35, in
    the forward and the backward pass. Subnormal arithmetic is many times slower on x86; the
    trainer flushes such values to zero. Measured on 2 cores: without the flush this run
    takes 2.5-3x as long as the same net with He weights, with it about as long. (float64's
    subnormals, below 1e-308, are out of reach here: the check is that nothing slows down.)"""
    config = TrainConfig(
        hidden=(64,) * 50,
        activation="relu",
        n_samples=400,
        epochs=12,
        snapshots=3,
        schemes=("random_small", "he_normal"),
        small_scale=0.0145,
        lr=0.1,
        batch_size=0,
        dtype=dtype,
    )
    t0 = time.perf_counter()
    result = run_clean(config)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10.0, f"{elapsed:.1f} s for a 50-layer run of {config.epochs} epochs"
    s = result.summary().set_index("scheme")
    assert not s.loc["random_small", "diverged"] and not s.loc["he_normal", "diverged"]
    assert s.loc["random_small", "gradient"] in ("vanishing", "blocked")
    assert_same_as_solo(result, ("he_normal",))
    if dtype == "float32":
        tiny = best_time(config.replace(schemes=("random_small",)))
        he = best_time(config.replace(schemes=("he_normal",)))
        assert tiny < 2.0 * he, f"tiny weights {tiny:.2f} s vs He weights {he:.2f} s"


def test_a_model_that_overflows_in_the_last_update_is_marked_diverged():
    """Found by the property test: the loss is finite up to epoch 9 (~4e30), the 10th and last
    update sends the weights to ~1e21 and the loss at epoch 10 to NaN. No training step follows
    to notice, so the trainer used to report the model as not diverged (loss 4e30, outcome
    'unstable') with inf in its final layer table."""
    config = TrainConfig(
        n_samples=119,
        noise=0.0,
        test_fraction=0.0,
        hidden=(4, 7),
        activation="leaky_relu",
        schemes=("xavier_normal", "he_normal"),
        lr=10.0,
        batch_size=0,
        epochs=10,
        seed=257,
        snapshots=2,
        dtype="float32",
    )
    result = run_clean(config)
    assert np.isfinite(result.curves["train_loss"][:-1, 0]).all()
    assert not np.isfinite(result.curves["train_loss"][-1, 0])
    assert result.diverged_epoch[0] == config.epochs
    assert result.summary().outcome[0] == "diverged"
    assert result.layer_table().query("scheme == 'xavier_normal'").grad_norm.isna().all()


def test_test_loss_overflow_marks_the_model_diverged():
    """Logits that overflow on held-out points (float32, ~1e37) while the training loss is
    still finite: the weights have blown up, so the model is marked diverged."""
    config = TrainConfig(
        dataset="moons",
        n_samples=119,
        noise=0.0,
        test_fraction=0.6796875,
        hidden=(4, 7),
        activation="leaky_relu",
        schemes=("orthogonal",),
        lr=10.0,
        batch_size=0,
        epochs=11,
        seed=260,
        snapshots=2,
        dtype="float32",
    )
    result = run_clean(config)
    train_loss, test_loss = (result.curves[k][:, 0] for k in ("train_loss", "test_loss"))
    if np.isfinite(test_loss).all() or not np.isfinite(train_loss).all():
        pytest.skip("the reproducer no longer overflows the test loss alone")
    assert result.diverged_epoch[0] >= 0, (train_loss[-1], test_loss[-1])


# =========================================================================== two script threads

# With Streamlit's fast reruns (the default), a click starts the next script run at once, in a
# new thread, while the previous one may still be inside live.advance() (a training slice of
# 0.25 s or more). Both threads then hold the same Run from session state.


def test_stop_while_another_thread_advances_caches_no_partial_run():
    """The Stop callback (new thread) ends the run while the old thread's slice is still
    training: the stopped, partial result must not go into the cache of finished runs (it did:
    the next Train of that config then 'loaded a finished run' that had stopped early)."""
    config = TrainConfig(epochs=100_000, hidden=(16, 16), seed=97)
    live.clear()
    r = live.start(config, None, "generated")
    old = threading.Thread(target=live.advance, args=(r, 0.6))
    old.start()
    time.sleep(0.15)
    live.stop(r)
    old.join()
    assert r.result.stopped and 0 < r.result.epochs_done < config.epochs
    again = live.start(config, None, "generated")
    assert not again.from_cache and again.trainer is not None


def test_two_threads_advancing_one_run_give_the_numbers_of_one():
    """A click mid-run: the new script run advances the run while the old one may still be
    advancing it. They must take turns: the numbers equal an undisturbed run's (they used to
    differ by ~0.6 in loss: two threads stepping one trainer's shared buffers)."""
    config = TrainConfig(epochs=300, hidden=(32, 32), seed=96, schemes=("he_normal", "lsuv"))
    live.clear()
    r = live.start(config, None, "generated")
    threads = [threading.Thread(target=live.advance, args=(r, 60.0)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.finished and r.result.epochs_done == config.epochs
    pd.testing.assert_frame_equal(r.result.history(), run(config).history())


# =========================================================================== Stop in every phase

N_EPOCHS = 40
PAGE_QUERY = {"epochs": str(N_EPOCHS), "n_samples": "120", "hidden": "8,8"}
RUN_CONFIG = TrainConfig(epochs=N_EPOCHS, n_samples=120, hidden=(8, 8))


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def fresh() -> AppTest:
    live.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(PAGE_QUERY)
    return ok(at.run())


def progress(at: AppTest) -> str:
    texts = [p.proto.text or "" for p in at.get("progress")]
    assert len(texts) == 1, texts
    return texts[0]


def press(at: AppTest, key: str) -> AppTest:
    """Click Train or Stop and rerun (AppTest, like a browser, refuses a disabled button;
    Streamlit also drops a click on a widget that was disabled when last drawn)."""
    return ok(at.button(key=key).click().run())


CHART_VIEWS = tuple(n for n, v in VIEWS.items() if v.charts)


def assert_every_view_renders(at: AppTest, text: str) -> None:
    """Each tab renders without exception, with its charts, and the progress line stays."""
    for name in VIEWS:
        for key, value in nav_state(name).items():
            at.session_state[key] = value
        ok(at.run())
        assert text in progress(at), (name, progress(at))
        if name in CHART_VIEWS:
            assert at.get("vega_lite_chart"), f"view {name} drew no chart"


def started_run(epochs_trained: int) -> live.Run:
    """What Train creates (live.start), trained for some epochs, as the app would."""
    live.clear()  # a fresh trainer, not a finished run from the cache
    r = live.start(RUN_CONFIG, None, "generated")
    assert r.trainer is not None and not r.from_cache
    if epochs_trained:
        r.trainer.advance(epochs=epochs_trained)
    assert r.result.epochs_done == epochs_trained and not r.finished
    return r


def stop_button(at: AppTest):
    (button,) = [b for b in at.button if b.label.endswith("Stop")]
    return button


def stop_while_training(at: AppTest, r: live.Run) -> AppTest:
    """Press Stop while ``r``, not finished, is the session's run; rerun the page.

    The Stop button's callback (``stop_run``) calls ``live.stop`` on the session's run. In a
    browser the click arrives while the script trains (tests/test_browser_*.py click it);
    AppTest cannot click mid-run (its script run trains to the end first, and Streamlit drops
    a click on a button drawn disabled), so this does what the callback does.
    """
    at.session_state["run"] = r
    live.stop(r)
    return ok(at.run())


def test_stop_before_any_run_does_nothing():
    at = fresh()
    assert stop_button(at).disabled
    with pytest.raises(AppTestError, match="disabled"):
        stop_button(at).click()  # a user cannot click it
    ok(at.run())
    assert "run" not in at.session_state
    # the row holds its place before any run, in the words bench/page_reading.py reads
    assert progress(at) == page.NOT_TRAINED == P.NOT_TRAINED
    assert any("Press" in i.value for i in at.info)
    assert not at.button(key="train").disabled


@pytest.mark.parametrize(
    "k", [0, N_EPOCHS // 2, N_EPOCHS - 1], ids=["right-after-train", "mid-run", "last-epoch"]
)
def test_stop_at_epoch_k_keeps_a_partial_run_and_every_view_renders(k):
    at = fresh()
    r = started_run(k)
    stop_while_training(at, r)
    assert at.session_state["run"] is r
    assert r.finished and r.result.stopped and r.result.epochs_done == k
    assert r.trainer is None
    text = f"Stopped at epoch {k} of {N_EPOCHS}"
    assert text in progress(at)
    assert stop_button(at).disabled and not at.button(key="train").disabled
    check_result(r.result)
    history = r.result.history()
    with pytest.raises(AppTestError, match="disabled"):  # Stop is now disabled
        stop_button(at).click()
    live.stop(r)  # and stopping again changes nothing
    ok(at.run())
    pd.testing.assert_frame_equal(r.result.history(), history)
    assert_every_view_renders(at, text)


def test_stop_after_the_run_finished_changes_nothing():
    at = press(fresh(), "train")
    r = at.session_state["run"]
    assert r.finished and not r.result.stopped
    history, summary = r.result.history(), r.result.summary()
    assert f"Trained {N_EPOCHS} epochs" in progress(at)
    assert stop_button(at).disabled  # greyed out as soon as the run ended
    live.stop(r)  # what a (late) Stop click would do
    ok(at.run())
    assert at.session_state["run"] is r and not r.result.stopped
    assert r.result.epochs_done == N_EPOCHS
    pd.testing.assert_frame_equal(r.result.history(), history)
    pd.testing.assert_frame_equal(r.result.summary(), summary)
    assert_every_view_renders(at, f"Trained {N_EPOCHS} epochs")


def test_stop_then_train_again_gives_a_new_complete_run():
    at = fresh()
    first = started_run(N_EPOCHS // 3)
    stop_while_training(at, first)
    assert f"Stopped at epoch {N_EPOCHS // 3} of {N_EPOCHS}" in progress(at)
    press(at, "train")
    second = at.session_state["run"]
    assert second is not first
    assert second.finished and not second.result.stopped
    assert second.result.epochs_done == N_EPOCHS
    assert f"Trained {N_EPOCHS} epochs" in progress(at)
    assert first.result.epochs_done == N_EPOCHS // 3  # the stopped run is left as it was
    check_result(second.result)
    assert_every_view_renders(at, f"Trained {N_EPOCHS} epochs")


@pytest.mark.parametrize("name", ["theory", "deep"])
def test_a_run_trains_on_while_a_tab_without_it_is_open(name):
    """Theory and the deep-signal lab do not show the run; opening one mid-run must not pause
    the training (it used to stop at the epoch reached until a run tab was opened again)."""
    at = fresh()
    r = started_run(5)
    at.session_state["run"] = r
    for key, value in nav_state(name).items():
        at.session_state[key] = value
    ok(at.run())
    assert r.finished and not r.result.stopped and r.result.epochs_done == N_EPOCHS
    assert f"Trained {N_EPOCHS} epochs" in progress(at)
    assert stop_button(at).disabled
