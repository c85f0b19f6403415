"""What a run will cost, in seconds, before it runs: counts of its work times fitted prices.

:func:`counts` counts a run's kinds of work (:class:`initdash.train.Trainer`) from the config
and the data sizes alone:

* ``macs``: multiply-adds of the matrix products (training steps, about 3 forward passes each;
  the evaluations every epoch; the detailed measurements; LSUV's rescaling passes);
* ``elems``: activation values computed (3 per training row, 1 per evaluated row), and a
  residual layer's additions (the stream forward, the skip's gradient backward: 2 per
  training row, 1 per evaluated row);
* ``updates``: parameter values the optimizer touches, times its operations (SGD 2, momentum
  4, Adam 11);
* ``calls``: numpy calls per layer, whose fixed cost dominates small nets;
* ``steps``, ``epochs``: fixed costs per training step and per epoch;
* ``details``, ``detail_elems``, ``detail_params``, ``gram``: the detailed measurements at the
  detail epochs (per layer, per probe activation value, per parameter, and the neuron-by-
  neuron Gram matrices: width^2 x probe rows);
* ``bn_elems``, ``bn_calls``: BatchNorm's extra work per hidden value and per hidden layer;
* ``draws``: initial weights drawn;
* ``flushed``: the activation values of a run whose signal shrinks toward the subnormal range
  (``nn.StackedMLP.needs_flush``: two more passes over its values), foreseen at initialization
  by :func:`shrinks`; a run whose signal only shrinks later is not (the app stops any run at
  the limit: ``dashboard.live.advance``).

:func:`seconds` is their sum weighted by ``PRICES``, fitted by ``bench/cost_fit.py`` on
measured runs (one BLAS thread, the thread's CPU time, as the app trains). A run's CPU time on
another machine differs by that machine's speed; the limits below are in this machine's seconds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import calculate_gain, get_activation
from .chaos import GAUSS_NODES, GAUSS_WEIGHTS
from .config import FIELDS, GRID_SIZE, PROBE_SIZE, TrainConfig
from .data import Data, split_sizes
from .nn import residual_skips
from .schemes import LSUV_MAX_ITER, SCHEMES, stream
from .travel import sweep_configs

# The most one classroom run may cost (predicted seconds of one core), and the most the runs
# in progress on one server may still cost together (dashboard.live refuses a new run beyond).
CLASSROOM_SECONDS = 30.0
SERVER_SECONDS = 120.0
# The most memory one classroom run may need for its buffers (see memory).
CLASSROOM_MEMORY_CAP = 200e6

UPDATE_OPS = {"sgd": 2, "momentum": 4, "adam": 11}

# Seconds per unit of each count, fitted by `python bench/cost_fit.py` on 2026-12-01 on this
# project's machine (AMD EPYC, 2 cores, one BLAS thread, numpy 2.4; other people's work running:
# the thread's CPU time is measured): 35 settings (6 with BatchNorm), median ratio 1.05 and
# worst 1.24 in sample, leave-one-out median 1.09 and worst 1.51. Refit them when the
# trainer's work changes.
PRICES: dict[str, float] = {
    "fixed": 0.0,
    "macs": 1.38e-11,
    "elems": 5.67e-10,
    "updates": 3.62e-10,
    "calls": 7.41e-07,
    "steps": 2.15e-05,
    "epochs": 2.42e-05,
    "details": 3.74e-04,
    "detail_elems": 1.95e-08,
    "detail_params": 4.04e-08,
    "gram": 2.10e-11,
    "bn_elems": 3.62e-09,
    "bn_calls": 2.86e-05,
    "draws": 1.44e-07,
    "flushed": 7.18e-10,
}


@dataclass(frozen=True)
class Sizes:
    """The sizes a run's cost follows: features, classes, training and test rows."""

    n_features: int
    n_classes: int
    n_train: int
    n_test: int


def sizes(config: TrainConfig, data: Data | None = None) -> Sizes:
    """Sizes of the user's data, or of the config's generated dataset (its exact split)."""
    if data is not None:
        return Sizes(data.n_features, data.n_classes, len(data.y_train), len(data.y_test))
    n_train, n_test = split_sizes(
        config.n_samples, config.n_classes, config.test_fraction, config.imbalance
    )
    return Sizes(2, config.n_classes, n_train, n_test)


def counts(config: TrainConfig, data: Data | None = None) -> dict[str, float]:
    """The run's work, counted (see the module's docstring), one entry per price."""
    s = sizes(config, data)
    k = 1 if s.n_classes == 2 else s.n_classes
    dims = [s.n_features, *config.hidden, k]
    L = len(dims) - 1
    M = len(config.schemes) * config.repeats
    f = sum(b * (a + 1) for a, b in zip(dims[:-1], dims[1:], strict=True))  # params = MACs/row
    units = sum(dims[1:])
    skip_units = _skip_units(dims, config.residual)
    bn = bool(config.batchnorm)
    bn_units = sum(config.hidden) if bn else 0
    params = f + 2 * bn_units  # with gamma and beta
    batch = config.batch_size or s.n_train
    full = batch >= s.n_train
    per_epoch = 1 if full else math.ceil(s.n_train / batch)
    E = config.epochs
    steps = E * per_epoch
    train_rows = E * s.n_train
    eval_rows = E * (s.n_test + (0 if full else s.n_train)) + s.n_train + s.n_test
    evals = E * (1 + (not full)) + 2
    probe = min(s.n_train, PROBE_SIZE)
    D = len(config.detail_epochs())
    grid = GRID_SIZE**2 if s.n_features == 2 else 0
    ops = UPDATE_OPS[config.optimizer]
    lsuv = sum(SCHEMES[n].data_dependent for n in config.schemes) * config.repeats
    return {
        "fixed": 1.0,
        "macs": M * f * (3 * train_rows + eval_rows + D * (3 * probe + grid))
        + lsuv * f * probe * LSUV_MAX_ITER,
        "elems": M * units * (3 * train_rows + eval_rows)
        + M * skip_units * (2 * train_rows + eval_rows),
        "updates": M * params * steps * ops,
        "calls": L * (steps * (6 + ops) + 2 * evals),
        "bn_elems": M * bn_units * (train_rows + eval_rows / 4),
        "bn_calls": bn * (L - 1) * steps,
        "steps": steps,
        "epochs": E,
        "details": D * L,
        "detail_elems": D * M * units * probe,
        "detail_params": D * M * f,
        "gram": D * M * sum(n * n for n in config.hidden) * probe,
        "draws": M * params,
        "flushed": M * units * (3 * train_rows + eval_rows) * shrinks(config, dims, batch),
    }


def _skip_units(dims: list[int], residual: bool) -> int:
    """Units of the hidden layers that add their input (nn.residual_skips)."""
    skips = residual_skips(dims, residual)
    return sum(n for n, skip in zip(dims[1:-1], skips, strict=True) if skip)


def shrinks(config: TrainConfig, dims: list[int], batch: int) -> bool:
    """Whether some scheme's signal at initialization falls where the trainer flushes tiny
    values (below 2**64 times the dtype's smallest normal number: nn.StackedMLP.needs_flush).

    Mean-field estimate (the variance formula, Var z = n Var(W) E[a^2], layer by layer, with
    Gaussian pre-activations): forward from inputs of spread 1, each layer's pre-activation
    has mean ``mean(W) n E[a]`` and variance ``n Var(W) E[a^2] + (mean(W) n)^2 Var(a)`` (equal
    weights add coherently); backward from the output gradient (about 1 / batch), each layer
    multiplies the mean square gradient by ``E[act'(z)^2] (n Var(W) + (mean(W) n)^2)``.
    Saturated units (a slope near 0) thus vanish the gradient as they do in the trainer."""
    return any(
        _shrinks(
            name, config.scheme_param(name), config.activation, config.dtype, tuple(dims), batch
        )
        for name in config.schemes
        if name != "zeros" and not SCHEMES[name].data_dependent  # exact zeros; LSUV: spread 1
    )


@functools.lru_cache(maxsize=4096)
def _shrinks(
    name: str, param: float | None, activation: str, dtype: str, dims: tuple[int, ...], batch: int
) -> bool:
    """:func:`shrinks` for one scheme (remembered: the sidebar asks again at every rerun, and a
    refusal's search asks about the same net with other epochs, samples or repeats)."""
    act = get_activation(activation)
    floor = 2 * (math.log10(np.finfo(dtype).tiny) + 64 * math.log10(2.0))  # of squares
    gain = calculate_gain(activation)
    layers = list(zip(dims[:-1], dims[1:], strict=True))
    mean_a, sq_a, var_a = 0.0, 1.0, 1.0  # the standardized inputs
    slopes = []
    for i, (n_in, n_out) in enumerate(layers[:-1]):
        mu, rms = _moments(name, n_out, n_in, param, gain)
        var_w = max(rms * rms - mu * mu, 0.0)
        m = mu * n_in * mean_a
        q = n_in * var_w * sq_a + (mu * n_in) ** 2 * (var_a if i else 1.0 / n_in)
        z = m + math.sqrt(q) * GAUSS_NODES
        a = act.fn(z, np.empty_like(z))
        mean_a, sq_a = float(GAUSS_WEIGHTS @ a), float(GAUSS_WEIGHTS @ (a * a))
        var_a = max(sq_a - mean_a * mean_a, 0.0)
        if sq_a <= 0 or math.log10(sq_a) < floor:
            return True
        g = act.grad(z, a, np.empty_like(z))
        slopes.append(float(GAUSS_WEIGHTS @ (g * g)))
    grad = -2 * math.log10(batch) - math.log10(4.0)  # log10 of the mean square gradient
    for (n_in, n_out), slope in zip(reversed(layers[1:]), reversed(slopes), strict=True):
        mu, rms = _moments(name, n_out, n_in, param, gain)
        factor = slope * (n_out * max(rms * rms - mu * mu, 0.0) + (mu * n_out) ** 2)
        grad += math.log10(max(factor, 1e-300))
        if grad < floor:
            return True
    return False


@functools.lru_cache(maxsize=512)
def _moments(scheme: str, n_out: int, n_in: int, param: float | None, gain: float):
    """|mean| and rms of one (n_out, n_in) weight matrix drawn by the scheme."""
    s = SCHEMES[scheme]
    w = s.sampler((n_out, n_in), stream(0, "cost"), param, gain)
    return abs(float(w.mean())), float(np.sqrt(np.mean(np.square(w))))


def seconds(config: TrainConfig, data: Data | None = None) -> float:
    """Predicted CPU seconds of the whole run (one core, one BLAS thread) on this machine."""
    return sum(PRICES[k] * v for k, v in counts(config, data).items())


def sweep_seconds(config: TrainConfig, data: Data | None = None) -> float:
    """Predicted CPU seconds of :func:`initdash.travel.lazy_sweep` for this config's data: the
    runs its work equals (``travel.sweep_configs``), an upper bound."""
    return sum(seconds(c, data) for c in sweep_configs(config))


def memory(config: TrainConfig, data: Data | None = None) -> float:
    """Estimated peak bytes of the run's buffers (activations of every layer and model).

    Training keeps 4 arrays per layer for a training batch (forward and backward), 2 for
    each evaluated batch (the full training set with mini-batches, the test set) and, at
    a detailed measurement, 4 for the probe or 2 for the decision-boundary grid. BatchNorm
    adds one per hidden layer in each of these passes (the normalized values), and so does a
    residual layer (its branch's activations).
    """
    c = config
    s = sizes(config, data)
    n_train, n_test = s.n_train, s.n_test
    batch = n_train if c.batch_size in (0, None) else min(c.batch_size, n_train)
    rows = 4 * batch + 2 * n_test + (2 * n_train if batch < n_train else 0)
    rows += max(4 * min(n_train, PROBE_SIZE), 2 * GRID_SIZE**2)
    units = sum(c.hidden) + s.n_classes
    models = len(c.schemes) * c.repeats
    itemsize = 4 if c.dtype == "float32" else 8
    values = units * rows
    extra = sum(c.hidden) if c.batchnorm else 0
    extra += _skip_units([s.n_features, *c.hidden, 1], c.residual)
    if extra:
        passes = batch + n_test + (n_train if batch < n_train else 0)
        values += extra * (passes + max(min(n_train, PROBE_SIZE), GRID_SIZE**2))
    return float(models * values * itemsize)


def _times(r: float) -> str:
    return f"{r:.1f}x" if r < 10 else f"{r:.0f}x"


def duration(s: float) -> str:
    """Seconds as a person reads them: '0.8 s', '45 s', '3 min', '1.2 h'."""
    if s < 10:
        return f"{s:.1f} s"
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


# The sidebar's batch sizes (and 0 = the whole training set): what a refusal suggests.
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 0)


def _nice_floor(n: int) -> int:
    """n rounded down to 2 significant digits (1234 -> 1200), at least 1."""
    if n < 100:
        return max(n, 1)
    step = 10 ** (len(str(n)) - 2)
    return n // step * step


def _largest(lo: int, hi: int, load: Callable[[int], float], power: float = 1.0) -> int | None:
    """The largest integer x in [lo, hi] whose ``load(x)`` is at most 1 (load grows with x), or
    None. Each try is where a power law through the nearest tries above and below 1 crosses 1
    (at first x^power through the try at hi alone), so a few tries find it; after a try that
    did not halve the range left, the next one bisects it."""
    if hi < lo:
        return None
    a, fa, b, fb = None, math.nan, hi, load(hi)
    if fb <= 1.0:
        return hi
    bisect = not 0 < fb < math.inf
    while True:
        low = lo if a is None else a + 1
        if low >= b:
            return a
        if bisect:
            x = (low + b) / 2 if a is None else (a + b) / 2
        elif a is None:
            x = b * fb ** (-1.0 / power)
        else:
            x = a * math.exp(math.log(fa) * math.log(b / a) / math.log(fa / fb))
        x = min(max(int(x), low), b - 1)
        left = b - low
        fx = load(x)
        if fx <= 1.0:
            a, fa = x, fx
        else:
            b, fb = x, fx
        now_left = b - (lo if a is None else a + 1)
        bisect = 2 * now_left > left or not 0 < fb < math.inf or (a is not None and not fa > 0)


def hidden_text(hidden: tuple[int, ...]) -> str:
    """Hidden layers as a person reads them: '1 hidden layer of 34', '2 hidden layers of 14',
    '3 hidden layers (64,32,32)', 'no hidden layer'."""
    d = len(hidden)
    if d == 0:
        return "no hidden layer"
    layers = f"{d} hidden layer{'s' * (d != 1)}"
    if len(set(hidden)) == 1:
        return f"{layers} of {hidden[0]}"
    return f"{layers} ({','.join(map(str, hidden))})"


# How many nets a refusal suggests when the hidden layers are too big.
NETS_SUGGESTED = 3


def _nets(config: TrainConfig, s: Sizes, load) -> list[tuple[int, ...]]:
    """Hidden layers that fit (``load(hidden) <= 1``), depth and width searched together: at
    depths 1, 2, 4, ... up to the asked one (halving it), the asked first layers capped at the
    widest width that fits (never wider than at a shallower depth). Of those, the
    NETS_SUGGESTED with the most parameters (nearest to the asked net, which has more than
    any), shallowest first."""
    asked = config.hidden
    H, top = len(asked), max(asked, default=0)
    k = 1 if s.n_classes == 2 else s.n_classes

    def shape(d: int, w: int) -> tuple[int, ...]:
        return tuple(min(n, w) for n in asked[:d])

    def params(hidden: tuple[int, ...]) -> int:
        dims = [s.n_features, *hidden, k]
        return sum((a + 1) * b for a, b in zip(dims[:-1], dims[1:], strict=True))

    found = []
    widest = top
    for d in sorted({-(-H // 2**i) for i in range(H.bit_length() + 1)}):  # 1, 2, 4, 8, 15, 30
        hi = min(widest, top - 1) if d == H else widest  # the asked net itself does not fit
        w = _largest(1, hi, lambda w, d=d: load(shape(d, w)), power=2.0)
        if w is None:  # deeper nets cost more still
            break
        found.append(shape(d, w))
        widest = w
    best = sorted(found, key=lambda h: (-params(h), -len(h)))[:NETS_SUGGESTED]
    return sorted(best, key=len)


@dataclass(frozen=True)
class Fix:
    """One change that brings a run under a limit: the field, the setting as it is now and
    as it would fit (as a person reads them), and the config with the change."""

    field: str
    now: str
    text: str
    config: TrainConfig


# The settings a refusal may suggest changing, in the order it names them.
FIX_FIELDS = ("batch_size", "epochs", "hidden", "n_samples", "repeats", "schemes")


def fixes(
    config: TrainConfig,
    data: Data | None,
    load: Callable[[TrainConfig], float],
    fields: tuple[str, ...] = FIX_FIELDS,
) -> list[Fix]:
    """Single changes that bring ``load(config)`` to 1 or under (e.g. the predicted seconds
    over a limit), the others kept, e.g. Fix("batch_size", "batch size 1", "batch size 64",
    ...): for each of the ``fields`` the nearest setting that fits (the most epochs, the
    smallest batch, ...; for the hidden layers up to NETS_SUGGESTED nets, depth and width
    searched together)."""
    tried: dict[tuple, float] = {}

    def cost(**change) -> float:
        """load of the config with the change; inf for a change it refuses."""
        key = tuple(sorted(change.items()))
        if key not in tried:
            try:
                tried[key] = load(config.replace(**change))
            except ValueError:
                tried[key] = math.inf
        return tried[key]

    def plural(n: int, what: str) -> str:
        return f"{n} {what}{'s' * (n != 1)}"

    out: list[Fix] = []

    def add(field: str, now: str, text: str, **change) -> None:
        out.append(Fix(field, now, text, config.replace(**change)))

    s = sizes(config, data)
    if "batch_size" in fields:
        batch = config.batch_size or s.n_train
        now = "the full batch" if config.batch_size == 0 else f"batch size {config.batch_size}"
        # a larger batch takes fewer steps: the nearest that fits
        bigger = [b for b in BATCH_SIZES if (b or s.n_train) > batch and (b == 0 or b < s.n_train)]
        b = next((b for b in bigger if cost(batch_size=b) <= 1.0), None)
        if b is None and memory(config, data) > CLASSROOM_MEMORY_CAP:  # a smaller one: less memory
            smaller = [b for b in reversed(BATCH_SIZES) if 0 < b < min(batch, s.n_train)]
            b = next((b for b in smaller if cost(batch_size=b) <= 1.0), None)
        if b is not None:
            text = "the full batch" if b == 0 else f"batch size {b}"
            add("batch_size", now, text, batch_size=b)
    if "epochs" in fields:
        e = _largest(1, config.epochs - 1, lambda e: cost(epochs=_nice_floor(e)))
        if e is not None:
            e = _nice_floor(e)
            add("epochs", plural(config.epochs, "epoch"), plural(e, "epoch"), epochs=e)
    if "hidden" in fields:
        for hidden in _nets(config, s, lambda hidden: cost(hidden=hidden)):
            add("hidden", hidden_text(config.hidden), hidden_text(hidden), hidden=hidden)
    if "n_samples" in fields and data is None:
        n = _largest(1, config.n_samples // 20 - 1, lambda k: cost(n_samples=20 * k))
        if n is not None:
            now = plural(config.n_samples, "sample")
            add("n_samples", now, plural(20 * n, "sample"), n_samples=20 * n)
    if "repeats" in fields:
        r = _largest(1, config.repeats - 1, lambda r: cost(repeats=r))
        if r is not None:
            add("repeats", plural(config.repeats, "repeat"), plural(r, "repeat"), repeats=r)
    if "schemes" in fields:
        k = _largest(1, len(config.schemes) - 1, lambda k: cost(schemes=config.schemes[:k]))
        if k is not None:
            now = plural(len(config.schemes), "scheme")
            add("schemes", now, plural(k, "scheme"), schemes=config.schemes[:k])
    return out


def over(config: TrainConfig, data: Data | None = None, limit: float = CLASSROOM_SECONDS) -> str:
    """What the run would cost, as a multiple of the limit ('' when it fits)."""
    t = seconds(config, data)
    if t <= limit:
        return ""
    return (
        f"about {duration(t)} of training, {_times(t / limit)} the classroom limit of "
        f"{duration(limit)} per run"
    )


def too_slow(config: TrainConfig, data: Data | None = None, limit: float = CLASSROOM_SECONDS):
    """Why the run is over the limit, what it would cost and what fits ('' when it fits)."""
    cost = over(config, data, limit)
    if not cost:
        return ""
    found = fixes(config, data, lambda c: seconds(c, data) / limit)[:3]
    now = f" ({', '.join(dict.fromkeys(f.now for f in found))})" if found else ""
    text = f"this run{now} would take {cost}"
    if not found:
        return text + "; use a smaller network, fewer schemes or fewer epochs"
    return text + "; it fits with " + " or ".join(f.text for f in found)


def classroom_problems(config: TrainConfig, data: Data | None = None) -> list[str]:
    """Why this config is too big for a shared classroom server ([] when it fits): a setting
    over its classroom cap, the predicted seconds over CLASSROOM_SECONDS (with what fits), the
    memory over CLASSROOM_MEMORY_CAP."""
    problems = []
    for name, field in FIELDS.items():
        try:
            field.check(getattr(config, name), classroom=True)
        except ValueError as e:
            problems.append(str(e))
    slow = too_slow(config, data)
    if slow:
        problems.append(slow)
    if memory(config, data) > CLASSROOM_MEMORY_CAP:
        problems.append(
            f"this run would need about {memory(config, data) / 1e6:.0f} MB of memory, over the "
            f"classroom limit of {CLASSROOM_MEMORY_CAP / 1e6:.0f} MB; use fewer samples, "
            "schemes, repeats or a smaller network"
        )
    return problems
