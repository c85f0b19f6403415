"""Datasets for initdash: toy 2-D generators and the train/test split (CSV files: csvfile.py).

Everything here is deterministic: randomness comes only from ``np.random.default_rng(seed)``,
so the same arguments always give bit-identical arrays.

Toy datasets (all 2-D, roughly centred at 0; ``noise`` is a standard deviation):

========  ==========================================================  ===========================
name      clean geometry (``noise=0``)                                ``noise`` means
========  ==========================================================  ===========================
moons     two interleaved unit half circles, centres (-0.5, -0.25)    Gaussian jitter of x and y
          and (0.5, 0.25), 0 = upper moon, 1 = lower moon
circles   concentric circles, 0 = radius 1, 1 = radius 0.5            Gaussian jitter of x and y
spirals   K arms, radius 0.1 -> 1 over 0.9 turn, arm k starts at      Gaussian jitter of the
          angle 2*pi*k/K                                              angle, in radians
xor       uniform in [-1, 1]^2, label 1 where x1 * x2 > 0             Gaussian jitter of x and y
                                                                      (labels keep the clean rule)
blobs     K Gaussian clusters, centres 2*(cos, sin)(2*pi*k/K)         cluster std = 0.5 + noise
========  ==========================================================  ===========================
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAX_GENERATED_SAMPLES = 100_000  # points of a generated dataset
MAX_NOISE = 5.0
MAX_IMBALANCE = 100.0  # the commonest class at most this many times the rarest
MAX_CLASSES = 10


# --------------------------------------------------------------------------- toy datasets


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """Balanced class sizes: they sum to n_samples and differ by at most 1."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def class_sizes(n_samples: int, n_classes: int, imbalance: float = 1.0) -> list[int]:
    """Class sizes summing to n_samples. Balanced (``imbalance`` 1: :func:`_class_sizes`), or
    falling geometrically from class 0 (the commonest) to the last class (the rarest), which
    is ``imbalance`` times smaller: 1:9 for two classes is ``imbalance=9`` (class 1 rare).
    Rounded by largest remainders; every class keeps at least 2 rows (one to train on, one to
    test on)."""
    if imbalance == 1.0:
        return _class_sizes(n_samples, n_classes)
    share = float(imbalance) ** (-np.arange(n_classes) / max(n_classes - 1, 1))
    exact = n_samples * share / share.sum()
    sizes = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - sizes), kind="stable")[: n_samples - sizes.sum()]:
        sizes[k] += 1
    for k in range(n_classes):  # a rare class keeps 2 rows, taken from the commonest
        short = max(2 - sizes[k], 0)
        sizes[k] += short
        sizes[int(np.argmax(sizes))] -= short
    return [int(n) for n in sizes]


def _labels(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _moons(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Two interleaved unit half circles (like sklearn's make_moons), shifted to centre at 0."""
    n0, n1 = _class_sizes(n_samples, 2)
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.concatenate([upper, lower]) - np.array([0.5, 0.25])
    return X + noise * rng.standard_normal(X.shape), _labels([n0, n1])


def _circles(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Two concentric circles: class 0 on radius 1, class 1 on radius 0.5."""
    sizes = _class_sizes(n_samples, 2)
    parts = []
    for radius, n in zip((1.0, 0.5), sizes, strict=True):
        t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
        parts.append(radius * np.column_stack([np.cos(t), np.sin(t)]))
    X = np.concatenate(parts)
    return X + noise * rng.standard_normal(X.shape), _labels(sizes)


def _spirals(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """K interleaved spiral arms (like the CS231n spiral); noise jitters the angle (radians)."""
    sizes = _class_sizes(n_samples, n_classes)
    r = np.concatenate([np.linspace(0.1, 1.0, n) for n in sizes])
    y = _labels(sizes)
    theta = 2.0 * np.pi * (y / n_classes + r) + noise * rng.standard_normal(r.shape)
    return r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]), y


def _xor(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Uniform points in [-1, 1]^2, label 1 where x1 * x2 > 0, then Gaussian jitter of x and y."""
    sizes = _class_sizes(n_samples, 2)
    y = _labels(sizes)
    magnitude = 1.0 - rng.random((n_samples, 2))  # in (0, 1], never on an axis
    sign = np.where(rng.random(n_samples) < 0.5, -1.0, 1.0)
    # class 1: both coordinates share a sign (quadrants I, III); class 0: opposite signs
    X = magnitude * np.column_stack([sign, np.where(y == 1, sign, -sign)])
    return X + noise * rng.standard_normal(X.shape), y


def _blobs(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """K round Gaussian clusters of std 0.5 + noise, centres evenly spaced on a radius-2 circle."""
    sizes = _class_sizes(n_samples, n_classes)
    y = _labels(sizes)
    angle = 2.0 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres[y] + (0.5 + noise) * rng.standard_normal((n_samples, 2)), y


@dataclass(frozen=True)
class Dataset:
    """A registered toy dataset: display text plus its generator ``fn``."""

    name: str
    label: str
    description: str
    max_classes: int
    fn: Callable[[int, float, np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "moons",
            "Two moons",
            "Two interlocking half circles: no straight line separates them.",
            2,
            _moons,
        ),
        Dataset(
            "circles",
            "Circles",
            "A small ring inside a large ring: the boundary has to be a closed curve.",
            2,
            _circles,
        ),
        Dataset(
            "spirals",
            "Spirals",
            "Spiral arms wound around each other: the boundary has to wind around the centre.",
            6,
            _spirals,
        ),
        Dataset(
            "xor",
            "XOR",
            "Points in a square labelled by whether x and y have the same sign: the classic XOR.",
            2,
            _xor,
        ),
        Dataset(
            "blobs",
            "Blobs",
            "Round clusters around a circle: almost linearly separable, a good sanity check.",
            6,
            _blobs,
        ),
    )
}


def _is_int(value: object, lo: float, hi: float = math.inf) -> bool:
    """An integer (not a bool) from lo to hi."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and lo <= value <= hi


def _is_number(value: object, lo: float, hi: float) -> bool:
    """A real number (not a bool, not NaN) from lo to hi."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and lo <= value <= hi


def _check_seed(seed: object) -> None:
    if not _is_int(seed, 0):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def make_dataset(
    name: str,
    *,
    n_samples: int = 400,
    noise: float = 0.2,
    seed: int = 0,
    n_classes: int = 2,
    imbalance: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate toy dataset ``name``: X (m, 2) float64 and y (m,) int64 labels 0..n_classes-1.

    Classes are balanced (sizes differ by at most 1) and the rows are shuffled with the same
    ``np.random.default_rng(seed)`` that draws the noise. With ``imbalance`` r > 1 the class sizes
    are :func:`class_sizes` (class 0 the commonest, the last r times rarer): the balanced dataset
    of ``n_classes`` x the largest size is drawn (the same way), and each class keeps its first
    rows in the shuffled order. Raises ValueError on an unknown name or an argument out of range
    (n_samples 2*n_classes..100000, noise 0..5, n_classes 2..max_classes, imbalance 1..100).
    """
    dataset = DATASETS.get(name) if isinstance(name, str) else None
    if dataset is None:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    if not _is_int(n_classes, 2, dataset.max_classes):
        allowed = "2" if dataset.max_classes == 2 else f"2 to {dataset.max_classes}"
        raise ValueError(
            f"n_classes must be an integer from {allowed} for dataset {name!r}, got {n_classes!r}"
        )
    low = 2 * int(n_classes)
    if not _is_int(n_samples, low, MAX_GENERATED_SAMPLES):
        raise ValueError(
            f"n_samples must be an integer from {low} (2 per class) to {MAX_GENERATED_SAMPLES}, "
            f"got {n_samples!r}"
        )
    if not _is_number(noise, 0.0, MAX_NOISE):
        raise ValueError(f"noise must be a number from 0 to {MAX_NOISE:g}, got {noise!r}")
    if not _is_number(imbalance, 1.0, MAX_IMBALANCE):
        raise ValueError(
            f"imbalance must be a number from 1 to {MAX_IMBALANCE:g}, got {imbalance!r}"
        )
    _check_seed(seed)

    sizes = class_sizes(int(n_samples), int(n_classes), float(imbalance))
    drawn = int(n_samples) if imbalance == 1.0 else int(n_classes) * max(sizes)
    rng = np.random.default_rng(int(seed))
    X, y = dataset.fn(drawn, float(noise), rng, int(n_classes))
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    if imbalance != 1.0:  # each class's first rows in the shuffled order
        rank = np.zeros(len(y), dtype=np.int64)
        for k in range(int(n_classes)):
            rank[y == k] = np.arange(np.count_nonzero(y == k))
        keep = rank < np.asarray(sizes)[y]
        X, y = X[keep], y[keep]
    return np.ascontiguousarray(X, dtype=np.float64), y.astype(np.int64)


# --------------------------------------------------------------------------- train/test split


@dataclass(frozen=True, eq=False)
class Data:
    """What training consumes: standardized float64 features, int64 labels 0..n_classes-1.

    ``mean`` and ``std`` are the standardization applied to both splits, computed on the training
    split only. All arrays are read-only.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray

    @property
    def n_features(self) -> int:
        """Number of input features (columns of X)."""
        return self.X_train.shape[1]


def _as_features(X: object, what: str) -> np.ndarray:
    try:
        arr = np.array(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a 2-D array of numbers: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{what} must be a 2-D array (rows, features), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contains NaN or infinite values")
    return arr


def _as_labels(y: object, n_rows: int, what: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n_rows:
        raise ValueError(f"{what} must be 1-D with one label per row ({n_rows}), got {arr.shape}")
    if arr.dtype.kind == "b" or (arr.size and arr.dtype.kind not in "iuf"):
        raise ValueError(f"{what} must hold integer class labels 0..K-1, got dtype {arr.dtype}")
    if arr.size and (not np.isfinite(arr).all() or (arr != np.round(arr)).any() or arr.min() < 0):
        raise ValueError(f"{what} must hold integer class labels 0..K-1")
    return arr.astype(np.int64)


def held_out(class_size: int, test_fraction: float) -> int:
    """How many rows of a class the split sends to the test set: round(test_fraction * size),
    at least 1 when test_fraction > 0, and never all of them."""
    n_test = math.floor(test_fraction * class_size + 0.5)
    return min(max(n_test, 1) if test_fraction > 0 else n_test, class_size - 1)


def split_sizes(
    n_samples: int, n_classes: int, test_fraction: float, imbalance: float = 1.0
) -> tuple[int, int]:
    """(training rows, test rows) of a generated dataset after :func:`prepare`'s split, from
    its size alone (its classes' sizes: :func:`class_sizes`)."""
    sizes = class_sizes(n_samples, n_classes, imbalance)
    n_test = sum(held_out(size, test_fraction) for size in sizes)
    return n_samples - n_test, n_test


def _stratified_split(
    y: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per class, :func:`held_out` rows go to test, drawn at random."""
    test_parts = []
    for k in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == k))
        test_parts.append(idx[: held_out(len(idx), test_fraction)])
    in_test = np.zeros(len(y), dtype=bool)
    if test_parts:
        in_test[np.concatenate(test_parts)] = True
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)


_SPLIT_STREAM = 0x5B117  # second seed word, so the split never reuses the dataset's stream


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


def prepare(
    X,
    y,
    *,
    test_fraction: float = 0.25,
    seed: int = 0,
    X_test=None,
    y_test=None,
    feature_names=None,
    class_names=None,
) -> Data:
    """Split (X, y) into train and test and standardize with the training mean and std.

    Without ``X_test``/``y_test`` the split is stratified and deterministic, drawn from its own
    ``default_rng([seed, _SPLIT_STREAM])`` (independent of ``make_dataset(seed=seed)``): each
    class sends round(test_fraction * its size) rows to the test set, but at least 1 and never
    all of them; rows keep their original order within each split. ``test_fraction`` is in
    [0, 0.9]; 0 gives an empty test set. With ``X_test``/``y_test`` given, (X, y) is all training
    data and the test set is used as is. Features with std 0 are divided by 1. K =
    len(class_names), else max label + 1, must be 2..MAX_CLASSES; raises ValueError if a class
    0..K-1 is missing from the training split.
    """
    X = _as_features(X, "X")
    y = _as_labels(y, len(X), "y")
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if X_test is None:
        if not _is_number(test_fraction, 0.0, 0.9):
            raise ValueError(f"test_fraction must be a number from 0 to 0.9, got {test_fraction!r}")
        _check_seed(seed)
        rng = np.random.default_rng([int(seed), _SPLIT_STREAM])
        train_idx, test_idx = _stratified_split(y, float(test_fraction), rng)
        X_tr, y_tr, X_te, y_te = X[train_idx], y[train_idx], X[test_idx], y[test_idx]
    else:
        X_tr, y_tr = X, y
        X_te = _as_features(X_test, "X_test")
        y_te = _as_labels(y_test, len(X_te), "y_test")
        if X_te.shape[1] != X.shape[1]:
            raise ValueError(
                f"X_test has {X_te.shape[1]} feature columns but X has {X.shape[1]}; "
                "they must have the same columns"
            )
    if len(y_tr) == 0:
        raise ValueError("the training split is empty; give at least one row per class")

    top = int(max(y_tr.max(), y_te.max() if len(y_te) else 0))
    n_classes = top + 1 if class_names is None else len(class_names)
    if not 2 <= n_classes <= MAX_CLASSES:
        raise ValueError(
            f"need 2 to {MAX_CLASSES} classes (labels 0..K-1) to train a classifier, "
            f"got {n_classes}"
        )
    if top >= n_classes:  # only when class_names are given
        raise ValueError(f"label {top} is out of range for {n_classes} class_names")
    class_names = tuple(map(str, range(n_classes) if class_names is None else class_names))
    missing = sorted(set(range(n_classes)) - set(np.unique(y_tr).tolist()))
    if missing:
        names = ", ".join(repr(class_names[k]) for k in missing)
        raise ValueError(
            f"class {names} has no rows in the training split; every class needs training "
            "examples (add rows of that class or lower test_fraction)"
        )
    if feature_names is None:
        feature_names = [f"x{j + 1}" for j in range(X.shape[1])]
    feature_names = tuple(map(str, feature_names))
    if len(feature_names) != X.shape[1]:
        raise ValueError(f"got {len(feature_names)} feature_names for {X.shape[1]} feature columns")

    with np.errstate(all="ignore"):
        mean = X_tr.mean(axis=0)
        std = X_tr.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        X_tr = (X_tr - mean) / std
        X_te = (X_te - mean) / std
    finite = np.isfinite(X_tr).all(axis=0) & np.isfinite(X_te).all(axis=0) & np.isfinite(std)
    if not finite.all():
        names = ", ".join(repr(feature_names[j]) for j in np.flatnonzero(~finite)[:5])
        raise ValueError(
            f"feature values are too large to standardize (overflow) in column {names}; "
            "rescale them (values up to about 1e150 in size work)"
        )
    return Data(
        X_train=_readonly(X_tr),
        y_train=_readonly(y_tr),
        X_test=_readonly(X_te.reshape(len(X_te), X.shape[1])),
        y_test=_readonly(y_te),
        n_classes=n_classes,
        feature_names=feature_names,
        class_names=class_names,
        mean=_readonly(mean),
        std=_readonly(std),
    )
