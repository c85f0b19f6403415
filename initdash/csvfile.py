"""A user's CSV file as a dataset: ``load_csv`` reads numbers and a ``label`` column, and every
way a file can be wrong gets a message a student can act on (never a traceback)."""

from __future__ import annotations

import io
import math
import os
import re

import numpy as np
import pandas as pd

from .data import MAX_CLASSES

MAX_CSV_ROWS = 20_000
MAX_CSV_FEATURES = 20
MIN_CSV_ROWS = 10
MAX_CSV_BYTES = 20 * 2**20  # 20 MiB: far more than MAX_CSV_ROWS rows of plain numbers need


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
