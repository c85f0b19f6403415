"""Datasets for initdash: toy 2-D generators, the train/test split, and CSV upload.

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

import io
import math
import numbers
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_GENERATED_SAMPLES = 100_000  # points of a generated dataset
MAX_NOISE = 5.0
MAX_IMBALANCE = 100.0  # the commonest class at most this many times the rarest
MAX_CSV_ROWS = 20_000
MAX_CSV_FEATURES = 20
MAX_CLASSES = 10
MIN_CSV_ROWS = 10
MAX_CSV_BYTES = 20 * 2**20  # 20 MiB: far more than MAX_CSV_ROWS rows of plain numbers need


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


# --------------------------------------------------------------------------- CSV upload

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # plain decimal, ASCII
_MISSING_WORDS = {"nan", "na", "n/a", "#n/a", "null", "none", "missing", "?", "-"}
_INFINITE_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_MAX_SPREAD = 1e150  # a column's values may differ from its mean by this: their squares fit
_MAX_CSV_LINES = 5 * MAX_CSV_ROWS  # blank lines are skipped, but not without limit
_MAX_CSV_COLUMNS = 10 * (MAX_CSV_FEATURES + 1)  # header commas, counted before parsing
_EMPTY = (
    "the file is empty; add a header row naming the columns (one of them 'label') "
    "and one row per sample below it"
)
_FIX_ENCODING = "save it as 'CSV UTF-8 (comma delimited)' from your spreadsheet program"


def _show(value: str, limit: int = 20) -> str:
    """Quote a cell for an error message, truncated to ``limit`` characters."""
    return repr(value[:limit] + "..." if len(value) > limit else value)


def _read_text(path_or_file) -> str:
    """Read a path or file-like object (bytes or text) into a str, decoding UTF-8 (BOM ok)."""
    if isinstance(path_or_file, (str, os.PathLike)):
        try:
            with open(path_or_file, "rb") as fh:
                raw = fh.read(MAX_CSV_BYTES + 1)
        except OSError as exc:
            raise ValueError(
                f"cannot read {os.fspath(path_or_file)!r}: {exc.strerror or exc}; "
                "check the file path"
            ) from None
    elif hasattr(path_or_file, "read"):
        if getattr(path_or_file, "seekable", lambda: False)():
            path_or_file.seek(0)  # an upload may already have been read once
        raw = path_or_file.read(MAX_CSV_BYTES + 1)
    else:
        raise TypeError(f"expected a path or a file object, got {type(path_or_file).__name__}")
    if len(raw) > MAX_CSV_BYTES:
        raise ValueError(
            f"the file is larger than {MAX_CSV_BYTES // 2**20} MB; "
            f"use at most {MAX_CSV_ROWS} rows and {MAX_CSV_FEATURES} feature columns"
        )
    if isinstance(raw, (bytes, bytearray, memoryview)):
        try:
            text = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"the file is not UTF-8 text (bad byte at position {exc.start}); it may be an "
                f"Excel or other binary file: {_FIX_ENCODING}"
            ) from None
    elif isinstance(raw, str):
        text = raw.removeprefix("\ufeff")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"the text is not valid Unicode: {_FIX_ENCODING}") from None
    else:
        raise TypeError(f"file object returned {type(raw).__name__}, expected bytes or str")
    if "\x00" in text:
        raise ValueError(f"the file contains NUL bytes, so it is not CSV text: {_FIX_ENCODING}")
    return text


def _read_table(text: str) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    """Parse CSV text into (1-based row numbers, header, data) with blank rows dropped.

    ``data`` has one str column per header column (positional labels 0..n-1), cells stripped of
    surrounding whitespace. Row numbers count every line before a multi-line cell, as a
    spreadsheet does; the header's row number is ``rows[0]``.
    """
    body = text.lstrip()
    first_row = 1 + len(re.findall(r"\r\n|\r|\n", text[: len(text) - len(body)]))
    if not body.strip():
        raise ValueError(_EMPTY)
    # Cheap guards before pandas builds a frame: a pathological file (millions of commas or of
    # newlines) would otherwise cost far more memory than its size.
    n_lines = body.count("\n") + body.count("\r") - body.count("\r\n")
    if n_lines > _MAX_CSV_LINES:
        raise ValueError(
            f"too many rows: the file has {n_lines} lines, the limit is {MAX_CSV_ROWS} data rows; "
            "use a random sample of the rows"
        )
    n_columns = re.split(r"[\r\n]", body, maxsplit=1)[0].count(",") + 1
    if n_columns > _MAX_CSV_COLUMNS:
        raise ValueError(
            f"too many feature columns: the header has {n_columns} columns, the limit is "
            f"{MAX_CSV_FEATURES} feature columns plus 'label'; keep the most useful ones"
        )
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=",",
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if match:
            expected, line, saw = (int(g) for g in match.groups())
            detail = (
                f"line {line + first_row - 1} has {saw} values but the header has {expected} "
                "columns"
            )
        raise ValueError(
            f"could not parse the file as CSV: {detail}. Every row needs as many comma-separated "
            "values as the header; put quotes around values that contain commas, use '.' as "
            "the decimal point and close every opening quote"
        ) from None
    except (pd.errors.EmptyDataError, ValueError, TypeError, IndexError, OverflowError) as exc:
        raise ValueError(
            f"could not parse the file as CSV ({exc}); check it is a CSV file"
        ) from None
    cells = frame.fillna("").astype(str).apply(lambda column: column.str.strip())
    filled = (cells != "").any(axis=1).to_numpy(dtype=bool)
    rows = first_row + np.flatnonzero(filled)
    if len(rows) == 0:  # only commas and whitespace
        raise ValueError(_EMPTY)
    cells = cells[filled].reset_index(drop=True)
    return rows, cells.iloc[0].tolist(), cells.iloc[1:].reset_index(drop=True)


def _bad_feature(value: str, row: int, column: str) -> ValueError:
    """The error for a feature cell that is not a plain finite number."""
    where = f"row {row}, column {column!r}"
    lowered = value.lower()
    if not value or lowered in _MISSING_WORDS:
        shown = "is empty" if not value else f"is {_show(value)}, a missing value"
        return ValueError(
            f"{where} {shown}; every feature cell needs a number: fill it in or delete the row"
        )
    if lowered in _INFINITE_WORDS:
        return ValueError(
            f"{where} is {_show(value)}, which is not a finite number; replace it with a number "
            "or delete the row"
        )
    if not re.fullmatch(_NUMBER, value):
        return ValueError(
            f"{where} holds {_show(value)}, which is not a number; feature columns must be numeric "
            "(write numbers like 3.5 or -1e-3, or remove the column; only 'label' may hold text)"
        )
    return ValueError(
        f"{where} holds {_show(value)}, which is too large to store; rescale the column"
    )


def _parse_features(data: pd.DataFrame, columns: list[int], names: list[str], rows: np.ndarray):
    """Features as a float64 array; raises for the first bad cell (top row, then leftmost)."""
    X = np.empty((len(data), len(columns)), dtype=np.float64)
    first_bad: tuple[int, int] | None = None  # (data row index, column position)
    for k, j in enumerate(columns):
        cells = data[j]
        ok = cells.str.fullmatch(_NUMBER).to_numpy(dtype=bool, na_value=False)
        if ok.all():
            try:
                X[:, k] = pd.to_numeric(cells).to_numpy(dtype=np.float64)
            except ValueError:  # an integer of over 4300 digits: Python refuses to read it
                X[:, k] = [float(c) for c in cells]  # as a float it is inf: "too large"
            ok = np.isfinite(X[:, k])
        if not ok.all():
            bad = (int(np.argmin(ok)), k)
            first_bad = bad if first_bad is None else min(first_bad, bad)
    if first_bad is not None:
        i, k = first_bad
        raise _bad_feature(data[columns[k]].iloc[i], int(rows[i]), names[k])
    return X


def _check_scale(X: np.ndarray, data: pd.DataFrame, columns, names, rows: np.ndarray) -> None:
    """Refuse a column whose values are finite but too large to standardize (the squares in
    its spread overflow, e.g. 1e308), naming the row and column of its largest value."""
    with np.errstate(all="ignore"):
        spread = np.abs(X - X.mean(axis=0)).max(axis=0)
        bad = ~np.isfinite(X.mean(axis=0)) | ~np.isfinite(X.std(axis=0)) | (spread > _MAX_SPREAD)
    for k in np.flatnonzero(bad)[:1]:
        i = int(np.argmax(np.abs(X[:, k])))
        raise ValueError(
            f"row {int(rows[i])}, column {names[k]!r} holds {_show(data[columns[k]].iloc[i])}, "
            f"which is too large to compute with (values up to about 1e150 in size can be "
            "standardized); rescale the column, e.g. divide it by a power of 10"
        )


def _class_mapping(labels: list[str]) -> tuple[list[str], dict[str, int]]:
    """Sorted class names and the index of each label string.

    If every label is a number, classes are the distinct numeric values sorted numerically (so
    "1" and "1.0" are one class, named by the spelling seen first); otherwise the distinct strings,
    sorted as strings.
    """
    distinct = list(dict.fromkeys(labels))
    values = {s: float(s) for s in distinct if re.fullmatch(_NUMBER, s)}
    if len(values) == len(distinct) and all(math.isfinite(v) for v in values.values()):
        first: dict[float, str] = {}
        for s in distinct:
            first.setdefault(values[s], s)
        ordered = sorted(first)
        index = {v: k for k, v in enumerate(ordered)}
        return [first[v] for v in ordered], {s: index[values[s]] for s in distinct}
    names = sorted(distinct)
    return names, {s: k for k, s in enumerate(names)}


def _check_header(header: list[str], header_row: int) -> int:
    """Validate the column names; return the position of the label column."""
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if not name:
            raise ValueError(
                f"column {j + 1} has no name in the header (row {header_row}); name every column, "
                "or delete it if it is an unnamed index column (pandas: to_csv(index=False))"
            )
        key = "label" if name.lower() == "label" else name
        if key in seen and key == "label":
            raise ValueError(
                f"two label columns: {header[seen[key]]!r} (column {seen[key] + 1}) and {name!r} "
                f"(column {j + 1}); the name 'label' is case-insensitive: rename or delete one"
            )
        if key in seen:
            raise ValueError(
                f"duplicate column name {_show(name)} (columns {seen[key] + 1} and {j + 1}); "
                "rename or delete one of them"
            )
        seen[key] = j
    if "label" not in seen:
        found = ", ".join(_show(name) for name in header[:30])
        raise ValueError(
            f"no 'label' column; columns found: {found}. Add a column named 'label' holding each "
            "row's class (also check the file is comma-separated, not ';' or tab)"
        )
    if len(header) == 1:
        raise ValueError(
            "no feature columns: the file has only the 'label' column; add at least one numeric "
            "feature column"
        )
    if len(header) - 1 > MAX_CSV_FEATURES:
        raise ValueError(
            f"too many feature columns: {len(header) - 1}, the limit is {MAX_CSV_FEATURES}; "
            "keep the most useful ones"
        )
    return seen["label"]


def load_csv(path_or_file) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """Load a CSV with numeric feature columns and a ``label`` column (any case, any position).

    Accepts a path or a binary/text file object (read from the start). Returns X (m, d) float64,
    y (m,) int64 in 0..K-1, the feature names and the class names (see ``_class_mapping``).
    Cells are stripped of surrounding whitespace and blank rows are skipped; a feature cell must
    be a plain decimal number such as ``-1.5e3``. Anything wrong with the file raises ValueError
    saying what is wrong, where (1-based row as a spreadsheet shows it, header = row 1; column
    name), and how to fix it.
    """
    rows, header, data = _read_table(_read_text(path_or_file))
    label_col = _check_header(header, int(rows[0]))
    feature_cols = [j for j in range(len(header)) if j != label_col]
    feature_names = [header[j] for j in feature_cols]
    rows = rows[1:]
    n = len(data)
    if n == 0:
        raise ValueError("the file has only a header and no data rows; add rows below the header")
    if n < MIN_CSV_ROWS:
        raise ValueError(
            f"too few rows: {n} data row{'s' if n > 1 else ''}, at least {MIN_CSV_ROWS} are "
            "needed; add more rows"
        )
    if n > MAX_CSV_ROWS:
        raise ValueError(
            f"too many rows: {n} data rows, the limit is {MAX_CSV_ROWS}; "
            "use a random sample of the rows"
        )

    X = _parse_features(data, feature_cols, feature_names, rows)
    _check_scale(X, data, feature_cols, feature_names, rows)
    labels = data[label_col].tolist()
    if "" in labels:
        row = int(rows[labels.index("")])
        raise ValueError(
            f"row {row}, column {header[label_col]!r}: the label is missing; give every row "
            "a class or delete the row"
        )

    class_names, index = _class_mapping(labels)
    if len(class_names) < 2:
        raise ValueError(
            f"only one class ({_show(class_names[0])}) in the label column; a classifier needs "
            "at least 2 classes: add rows of another class"
        )
    if len(class_names) > MAX_CLASSES:
        shown = ", ".join(_show(c) for c in class_names[:12])
        if len(class_names) > 12:
            shown += ", ..."
        raise ValueError(
            f"too many classes: {len(class_names)} ({shown}), the limit is {MAX_CLASSES}; "
            "merge classes or check the label column holds classes, not measurements"
        )
    y = np.array([index[s] for s in labels], dtype=np.int64)
    counts = np.bincount(y, minlength=len(class_names))
    for k in np.flatnonzero(counts < 2):
        row = int(rows[int(np.flatnonzero(y == k)[0])])
        raise ValueError(
            f"class {_show(class_names[k])} has only 1 sample (row {row}); every class needs at "
            "least 2 rows so it can appear in both the training and the test split: add rows of "
            "that class or delete that row"
        )
    return X, y, tuple(feature_names), tuple(class_names)
