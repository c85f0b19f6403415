"""The experiment configuration: a frozen, validated config whose attributes declare the fields.

Each ``TrainConfig`` attribute is the single source of truth for one setting (``FIELDS`` is read
from them): its type, default, allowed range, the tighter *classroom cap* used where many people
share one server (the app and share links), and how it reads from and writes to text (CLI flags,
URL query parameters). A classroom run must also fit a budget in predicted seconds and memory
(:func:`initdash.cost.classroom_problems`). ``TrainConfig`` validates against the ranges; invalid
values raise ``ValueError`` naming the field and the allowed range.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .data import DATASETS, MAX_IMBALANCE
from .schemes import BIAS_INITS, SCHEMES, sample_biases, sample_weights, scheme_rng, stream

OPTIMIZERS = {
    "sgd": "plain gradient descent",
    "momentum": "gradient descent with momentum (heavy ball)",
    "adam": "Adam (Kingma & Ba 2015)",
}
DTYPES = ("float32", "float64")
DEFAULT_SCHEMES = ("zeros", "random_small", "random_large", "xavier_normal", "he_normal")


@dataclass(frozen=True)
class Field:
    """One setting. ``kind`` is int, float, str (a choice), ints (list of widths), names or
    bool (reads 1/0, true/false or on/off in any case; writes on or off)."""

    name: str
    kind: str
    default: Any
    help: str
    lo: float | None = None
    hi: float | None = None
    cap: float | None = None  # classroom cap: the app and share links never go beyond it
    choices: Callable[[], tuple[str, ...]] | None = None
    min_len: int = 1
    max_len: int | None = None
    max_len_cap: int | None = None
    min_len_cap: int | None = None  # classroom minimum length (the app needs a hidden layer)

    def allowed(self, classroom: bool = False) -> str:
        """Human-readable allowed values, for error messages."""
        if self.kind == "names":
            lo, n = self._lengths(classroom)
            count = f"up to {n}" if lo == 0 else f"{lo} to {n}"
            return f"{count} comma-separated names from: {', '.join(self.choices())}, or 'all'"
        if self.choices is not None:
            return "one of: " + ", ".join(self.choices())
        if self.kind == "bool":
            return "1/0, true/false or on/off"
        hi = self.cap if classroom and self.cap is not None else self.hi
        if self.kind == "ints":
            lo, n = self._lengths(classroom)
            return (
                f"{lo} to {n} comma-separated whole numbers (a repeated one as WIDTHxCOUNT) "
                f"from {self.lo:g} to {hi:g}"
            )
        if self.kind == "int":  # exact: :g would print 2**32 - 1 as 4.29497e+09
            return f"a whole number from {int(self.lo)} to {int(hi)}"
        return f"a number from {self.lo:g} to {hi:g}"

    def _lengths(self, classroom: bool) -> tuple[int, int]:
        """The fewest and most items of a list field."""
        n = self.max_len_cap if classroom and self.max_len_cap else self.max_len
        lo = self.min_len_cap if classroom and self.min_len_cap else self.min_len
        return lo, len(self.choices()) if n is None and self.choices else n

    # ------------------------------------------------------------ text I/O
    def parse(self, text: str, classroom: bool = False) -> Any:
        """Read a value from text (CLI flag, URL parameter); ValueError if it cannot be read.

        Only the *type* is checked here; the range is checked by :meth:`check`. ``classroom``
        only changes the allowed range quoted in the message. A list (``ints``, ``names``) is
        comma-separated; a trailing comma is ignored but an empty item between two others is
        refused (``16,,16``: a number is missing), and ``all`` names every choice. In a list
        of numbers ``NxK`` stands for N repeated K times (``16x10``, ``32x2,8``), as
        :meth:`format` writes a run of three or more.
        """
        if not isinstance(text, str):
            raise ValueError(
                f"{self.name}: expected text, got {type(text).__name__}; use "
                f"{self.allowed(classroom)}"
            )
        s = text.strip()
        if len(s) > 200:
            raise ValueError(
                f"{self.name}: value is too long ({len(s)} characters); use "
                f"{self.allowed(classroom)}"
            )
        items = [p.strip() for p in s.rstrip(", ").split(",")] if s.rstrip(", ") else []
        if self.kind in ("ints", "names") and not all(items):
            raise ValueError(
                f"{self.name}: {text[:40]!r} has an empty item between two commas; use "
                f"{self.allowed(classroom)}"
            )
        try:
            if self.kind == "int":
                return _parse_int(s)
            if self.kind == "float":
                v = float(s)
                if not math.isfinite(v):
                    raise ValueError
                return v
            if self.kind == "str":
                return s
            if self.kind == "ints":
                return tuple(v for p in items for v in self._repeated(p))
            if self.kind == "names":
                return tuple(self.choices()) if s.lower() == "all" else tuple(items)
            if self.kind == "bool" and s.lower() in BOOL_WORDS:
                return BOOL_WORDS[s.lower()]
        except ValueError:
            pass
        raise ValueError(f"{self.name}: {text[:40]!r} is not {self.allowed(classroom)}")

    def _repeated(self, item: str) -> list[int]:
        """One item of a list of numbers: ``16``, or ``16x10`` (16 ten times; a count from 1 to
        the longest list allowed, so a link cannot make a huge list)."""
        width, x, count = item.lower().partition("x")
        if not x:
            return [_parse_int(item)]
        if not count.strip().isdigit() or not 1 <= int(count) <= (self.max_len or 1):
            raise ValueError
        return [_parse_int(width)] * int(count)

    def format(self, value: Any) -> str:
        """Write a value as text that :meth:`parse` reads back exactly; in a list of numbers a
        run of three or more equal ones as ``NxK`` (``16x10``)."""
        if self.kind == "ints":
            runs = [(v, len(list(g))) for v, g in itertools.groupby(value)]
            return ",".join(f"{v}x{k}" if k >= 3 else ",".join([str(v)] * k) for v, k in runs)
        if self.kind == "names":
            return ",".join(str(v) for v in value)
        if self.kind == "float":
            return repr(float(value))
        if self.kind == "bool":
            return "on" if value else "off"
        return str(value)

    # ------------------------------------------------------------ checking
    def check(self, value: Any, classroom: bool = False) -> Any:
        """Return the normalized value or raise ValueError naming the field and the range."""
        bad = ValueError(
            f"{self.name} = {_short(value)} is not allowed; use {self.allowed(classroom)}"
        )
        hi = self.cap if classroom and self.cap is not None else self.hi
        if self.kind == "int":
            v = _as_int(value)
            if v is None or v < self.lo or v > hi:
                raise bad
            return v
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad
            try:
                v = float(value)
            except OverflowError:  # an int too large for a float
                raise bad from None
            if not math.isfinite(v) or v < self.lo or v > hi:
                raise bad
            return v
        if self.kind == "str":
            if not isinstance(value, str) or value not in self.choices():
                raise bad
            return value
        if self.kind == "bool":  # True/False (numpy's too), never 0/1 or text: say so
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(
                    f"{self.name} = {_short(value)} is not allowed; use True or False "
                    f"(in text: {self.allowed()})"
                )
            return bool(value)
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise bad
        items = tuple(value)
        min_len, max_len = self._lengths(classroom)
        if len(items) < min_len or (max_len is not None and len(items) > max_len):
            raise bad
        if self.kind == "ints":
            out = tuple(_as_int(v) for v in items)
            if any(v is None or v < self.lo or v > hi for v in out):
                raise bad
            return out
        names = self.choices()
        if any(not isinstance(v, str) or v not in names for v in items):
            unknown = [v for v in items if v not in names]
            raise ValueError(
                f"{self.name}: unknown {_short(unknown)}; use {self.allowed(classroom)}"
            )
        if len(set(items)) != len(items):
            raise ValueError(
                f"{self.name}: each name may appear once, got {_short(items)}; use "
                f"{self.allowed(classroom)}"
            )
        return items


BOOL_WORDS = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _parse_int(s: str) -> int:
    s = s.strip()
    if not s or len(s) > 12:
        raise ValueError
    return int(s, 10)


def _as_int(v: Any) -> int | None:
    """v as an int if it is a whole number (not a bool): Python's, numpy's, a 0-d array's."""
    if isinstance(v, bool):
        return None
    if isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer()):
        return int(v)
    kind = getattr(getattr(v, "dtype", None), "kind", None)
    if getattr(v, "ndim", None) == 0 and kind in ("i", "u"):  # 0-d integer arrays, not arrays
        return int(v)
    return None


# The detailed measurements (layer statistics, weight histograms) run on at most PROBE_SIZE
# training examples; decision boundaries are predicted on a GRID_SIZE x GRID_SIZE grid.
PROBE_SIZE = 512
GRID_SIZE = 30


def setting(
    kind: str,
    default: Any,
    help: str,
    lo: float | None = None,
    hi: float | None = None,
    cap: float | None = None,
    **more: Any,
) -> Any:
    """A TrainConfig attribute: its default, and the rest of its :class:`Field` as metadata."""
    return dataclasses.field(
        default=default, metadata=dict(kind=kind, help=help, lo=lo, hi=hi, cap=cap, **more)
    )


def pick_epochs(last: int, max_points: int | None) -> np.ndarray:
    """Epochs 0..last, evenly thinned to at most ``max_points`` (first and last kept): the
    epochs a history table shows, and the detail epochs of a run (``TrainConfig.snapshots``
    of them: :meth:`TrainConfig.detail_epochs`)."""
    if max_points is None or last + 1 <= max_points:
        return np.arange(last + 1)
    return np.unique(np.round(np.linspace(0, last, max_points)).astype(int))


# The defaults are the classic lesson's setting: one hidden layer of 16 tanh units on noisy moons,
# SGD with step 0.5 on batches of 32. There every row of the lesson's TL;DR table holds on seeds
# 0 to 9 (tests/test_presets.py, the first page and the "seed_table" preset).
@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Frozen and validated: same config, same numbers.
    Each attribute: ``setting(kind, default, help, lo, hi, cap, ...)``, see :class:`Field`."""

    dataset: str = setting(
        "str", "moons", "which toy problem to learn", choices=lambda: tuple(DATASETS)
    )
    n_samples: int = setting("int", 400, "number of data points (train + test)", 20, 100_000, 2_000)
    noise: float = setting("float", 0.35, "how much the classes overlap", 0.0, 5.0, 2.0)
    n_classes: int = setting("int", 2, "classes (spirals and blobs only)", 2, 6)
    imbalance: float = setting(
        "float",
        1.0,
        "class imbalance: the commonest class outnumbers the rarest this many times (1 = "
        "balanced; 9 = 1:9); generated data only",
        1.0,
        MAX_IMBALANCE,
        20.0,
    )
    test_fraction: float = setting("float", 0.25, "share of points held out for testing", 0.0, 0.9)
    hidden: tuple[int, ...] = setting(
        "ints",
        (16,),
        "width of each hidden layer, first to last",
        1,
        1024,
        128,
        max_len=100,
        max_len_cap=30,
        min_len=0,
        min_len_cap=1,
    )
    activation: str = setting(
        "str", "tanh", "nonlinearity of the hidden layers", choices=lambda: tuple(ACTIVATIONS)
    )
    batchnorm: bool = setting(
        "bool",
        False,
        "batch normalization of every hidden pre-activation, with a learned scale and shift",
    )
    residual: bool = setting(
        "bool",
        False,
        "skip connections: every hidden layer after the first adds its input to its output "
        "(where the widths match), h = h_prev + g(W h_prev + b)",
    )
    schemes: tuple[str, ...] = setting(
        "names",
        DEFAULT_SCHEMES,
        "initialization schemes trained side by side",
        choices=lambda: tuple(SCHEMES),
        max_len=len(SCHEMES),
    )
    # The schemes' own numbers: their defaults are the registry's (initdash.schemes).
    small_scale: float = setting(
        "float", SCHEMES["random_small"].default, "std of 'random small' weights", 1e-6, 1.0
    )
    large_scale: float = setting(
        "float", SCHEMES["random_large"].default, "std of 'random large' weights", 0.1, 1e4, 1e3
    )
    constant_value: float = setting(
        "float", SCHEMES["constant"].default, "value of every weight for 'constant'", -10.0, 10.0
    )
    bias_init: str = setting(
        "str",
        "zeros",
        "how the biases start: zeros; random, N(0, bias_std) in every layer (the same for "
        "every scheme); prior, the output bias at the training classes' log prior (log odds "
        "for two classes), the others 0",
        choices=lambda: tuple(BIAS_INITS),
    )
    bias_std: float = setting(
        "float", 0.5, "std of the random biases (bias init 'random')", 0.0, 10.0
    )
    optimizer: str = setting("str", "sgd", "update rule", choices=lambda: tuple(OPTIMIZERS))
    lr: float = setting("float", 0.5, "learning rate (step size)", 1e-5, 10.0)
    momentum: float = setting("float", 0.9, "momentum coefficient (momentum optimizer)", 0.0, 0.999)
    epochs: int = setting("int", 1000, "passes over the training set", 1, 100_000, 5_000)
    batch_size: int = setting(
        "int", 32, "examples per step; 0 = the whole training set", 0, 100_000
    )
    seed: int = setting("int", 0, "random seed: same seed, same numbers", 0, 2**32 - 1)
    repeats: int = setting(
        "int", 1, "runs per scheme with different seeds (mean and spread)", 1, 20, 5
    )
    # The detail epochs: ``snapshots`` epochs spread evenly over the run (pick_epochs above) get
    # the detailed measurements (layer statistics, histograms, neurons, decision boundary).
    snapshots: int = setting("int", 26, "how many epochs get the detailed measurements", 2, 200, 60)
    dtype: str = setting("str", "float32", "floating-point precision", choices=lambda: DTYPES)

    def __post_init__(self) -> None:
        for name, field in FIELDS.items():
            object.__setattr__(self, name, field.check(getattr(self, name)))
        max_classes = DATASETS[self.dataset].max_classes
        if self.n_classes > max_classes:
            use = "2" if max_classes == 2 else f"a whole number from 2 to {max_classes}"
            raise ValueError(
                f"n_classes = {self.n_classes} is not allowed for dataset {self.dataset!r} "
                f"(at most {max_classes} classes); use {use}"
            )

    # ------------------------------------------------------------ helpers
    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (tuples become lists)."""
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainConfig:
        """Build from a mapping; unknown keys are an error naming them."""
        unknown = sorted(set(d) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(map(str, unknown))}")
        return cls(**dict(d))

    def detail_epochs(self) -> np.ndarray:
        """The epochs measured in detail: ``snapshots`` of 0..epochs, evenly spread."""
        return pick_epochs(self.epochs, self.snapshots)

    def scheme_param(self, scheme: str) -> float | None:
        """The number the scheme uses (its scale or constant), or None."""
        p = SCHEMES[scheme].param
        return None if p is None else getattr(self, p)

    def initial_weights(
        self, scheme: str, dims: Sequence[int], X: np.ndarray, repeat: int = 0
    ) -> list[np.ndarray]:
        """One net's initial weights (widths ``dims``) drawn by ``scheme`` with this config's
        number for it and activation, from the scheme's own stream (seed, scheme, repeat).
        ``X``: the data batch LSUV rescales on."""
        rng = scheme_rng(self.seed, scheme, repeat)
        scale = self.scheme_param(scheme)
        return sample_weights(dims, scheme, rng, activation=self.activation, scale=scale, X=X)

    def initial_biases(
        self, dims: Sequence[int], y: np.ndarray, repeat: int = 0
    ) -> list[np.ndarray]:
        """One net's initial biases (widths ``dims``) by ``bias_init``: random ones come from
        the stream (seed, "biases", repeat), the same for every scheme; the prior from the
        training labels ``y``."""
        rng = stream(self.seed, "biases", repeat) if self.bias_init == "random" else None
        return sample_biases(dims, self.bias_init, rng=rng, std=self.bias_std, y=y)


# Every setting: name -> Field, in TrainConfig's order (the CLI, share links and sidebar read it).
FIELDS: dict[str, Field] = {
    f.name: Field(f.name, default=f.default, **f.metadata) for f in dataclasses.fields(TrainConfig)
}
