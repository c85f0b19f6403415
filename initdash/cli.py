"""Command line: ``python -m initdash train ...`` and ``python -m initdash propagate ...``.

Every flag that sets a config field takes its help text, allowed range or choices and default
from :data:`initdash.config.FIELDS`; values are read with ``Field.parse`` and checked with
``Field.check``, then :class:`~initdash.config.TrainConfig` validates the whole config. The CLI
calls the library exactly as a program would (``run(config, data)``, ``propagate(...)``), so the
same settings give the same numbers.

Output is a fixed-width table, or with ``--json`` a strictly valid JSON list (NaN -> null).
A wrong argument prints one line ``initdash: error: ...`` to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import math
import os
import re
import sys
import textwrap
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .blas import limit_blas_threads
from .config import FIELDS, Field, TrainConfig
from .csvfile import load_csv
from .data import Data, prepare
from .lab import MAX_DEPTH, MAX_LAB_SAMPLES, MAX_WIDTH, propagate
from .metrics import LAYER_COLUMNS
from .presets import PRESETS
from .schemes import SCHEMES
from .train import make_data, run

PROG = "python -m initdash"
USAGE_ERROR = 2
INTERRUPTED = 130


def flag(name: str) -> str:
    """The flag of a config field or argument: ``--batch-size`` for batch_size; n_samples ->
    --samples."""
    return "--" + name.removeprefix("n_").replace("_", "-")


# The flags of each command: field name -> Field, from FIELDS (a new field gets its flag here).
# The schemes and the numbers some of them take (SCHEMES[name].param) are shared by both
# commands; propagate()'s own arguments are read like fields too: its defaults (from its
# signature), lab.py's limits.
SCHEME_FIELDS = ("schemes", *dict.fromkeys(s.param for s in SCHEMES.values() if s.param))
TRAIN_FIELDS = {name: f for name, f in FIELDS.items() if name != "snapshots"}
_OWN = inspect.signature(propagate).parameters
PROPAGATE_FIELDS = {
    **{name: FIELDS[name] for name in (*SCHEME_FIELDS, "activation", "seed")},
    **{
        name: Field(name, "int", _OWN[name].default, text, lo, hi)
        for name, text, lo, hi in (
            ("depth", "number of hidden layers", 1, MAX_DEPTH),
            ("width", "units in every hidden layer (and input features)", 1, MAX_WIDTH),
            ("n_samples", "number of input points, each drawn from N(0, 1)", 2, MAX_LAB_SAMPLES),
        )
    },
    "dtype": dataclasses.replace(FIELDS["dtype"], default=_OWN["dtype"].default),
}
OWN_ARGUMENTS = tuple(name for name in _OWN if name != "config")  # depth, width, n_samples, dtype
GENERATED_ONLY = ("dataset", "n_samples", "noise", "n_classes", "imbalance")

# The flags that set no config field: name -> add_argument's keywords.
OTHER_FLAGS = {
    "preset": dict(
        metavar="NAME",
        help="start from a lesson preset's settings (the other flags change them): "
        + ", ".join(PRESETS)
        + " (default: none)",
    ),
    "data": dict(
        metavar="CSV",
        help="training data: a CSV file with numeric feature columns and a 'label' column, "
        "instead of a generated dataset (default: none)",
    ),
    "test_data": dict(
        metavar="CSV",
        help="test data: a CSV file with the same columns as --data; without it, --data is "
        "split by --test-fraction (default: none)",
    ),
    "json": dict(action="store_true", help="print a JSON list instead of a table (NaN as null)"),
}

# How --help groups the flags (a field in no group is listed under "more").
TRAIN_LAYOUT = {
    "lesson preset": ("preset",),
    "schemes": SCHEME_FIELDS,
    "biases": ("bias_init", "bias_std"),
    "network": ("hidden", "activation", "batchnorm", "residual"),
    "data (a generated toy dataset, or your own CSV with --data)": (
        *GENERATED_ONLY,
        "test_fraction",
        "data",
        "test_data",
    ),
    "training": ("optimizer", "lr", "momentum", "epochs", "batch_size", "repeats", "seed", "dtype"),
    "output": ("json",),
}
PROPAGATE_LAYOUT = {
    "schemes": SCHEME_FIELDS,
    "network and input": ("depth", "width", "n_samples", "activation", "seed", "dtype"),
    "output": ("json",),
}
METAVARS = {"int": "N", "float": "X", "str": "NAME", "ints": "N,N,...", "names": "A,B,...",
            "bool": "on|off"}  # fmt: skip
WIDTH = 88  # help text width


class CliError(Exception):
    """A wrong argument: main prints ``initdash: error: <message>`` and returns 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises :class:`CliError` (after the usage line)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise CliError(message)


@contextlib.contextmanager
def _usage_error(prefix: str = "") -> Iterator[None]:
    """A ValueError inside becomes a :class:`CliError` that names the flag, not the field:
    'n_samples = 5 is ...' -> '--samples = 5 is ...'."""
    try:
        yield
    except ValueError as e:
        message = re.sub(
            r"^(\w+)(?= =|: )",
            lambda m: flag(m[1]) if m[1] in FIELDS or m[1] in PROPAGATE_FIELDS else m[1],
            str(e),
        )
        raise CliError(prefix + message) from None


# --------------------------------------------------------------------------- parser
def _field_help(field: Field) -> str:
    allowed = field.allowed()
    if field.kind == "ints" and field.min_len == 0:
        allowed += " ('' for none)"
    shown = field.format(field.default) or repr("")
    return f"{field.help}: {allowed} (default: {shown})".replace("%", "%%")


def _add_flags(
    parser: argparse.ArgumentParser,
    layout: Mapping[str, Sequence[str]],
    fields: Mapping[str, Field],
) -> None:
    """Add the layout's flags, in its groups; fields it does not place go into a last group."""
    placed = {name for names in layout.values() for name in names}
    more = tuple(name for name in fields if name not in placed)
    for title, names in {**layout, **({"more": more} if more else {})}.items():
        group = parser.add_argument_group(title)
        for name in names:
            if name in OTHER_FLAGS:
                group.add_argument(flag(name), **OTHER_FLAGS[name])
            else:
                field = fields[name]
                # an on/off flag alone means on: --batchnorm = --batchnorm on
                alone = dict(nargs="?", const="on") if field.kind == "bool" else {}
                group.add_argument(
                    flag(name),
                    dest=name,
                    metavar=METAVARS[field.kind],
                    help=_field_help(field),
                    **alone,
                )


def _fill(text: str) -> str:
    return textwrap.fill(text, WIDTH)


def _scheme_epilog() -> str:
    width = max(len(n) for n in SCHEMES) + 4
    lines = ["schemes:"]
    for s in SCHEMES.values():
        text = f"{s.label}: {s.summary}. Suits: {s.suits}."
        lines += textwrap.wrap(
            text, WIDTH, initial_indent=f"  {s.name:<{width - 2}}", subsequent_indent=" " * width
        )
    return "\n".join(lines).replace("%", "%%")


def _subparser(sub, name: str, help_: str, description: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help_,
        description=_fill(description),
        usage="%(prog)s [options]",
        epilog=_scheme_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m initdash`` parser with its ``train`` and ``propagate`` subcommands."""
    parser = _Parser(
        prog=PROG,
        description=_fill(
            "Weight-initialization experiments from the command line: train every scheme side "
            "by side, or push one batch through a deep net at initialization. "
            f"'{PROG} COMMAND --help' lists a command's options."
        ),
        epilog=_scheme_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="subcommand", metavar="{train,propagate}", required=True)
    train = _subparser(
        sub,
        "train",
        "train the schemes side by side; one row per scheme",
        "Train every scheme on the same data with the same batches and print one row per "
        "scheme: final loss and accuracy, whether symmetry broke, the gradient at init, the "
        "outcome and whether (at which epoch) it diverged. Toy data by default, or your own "
        "CSV with --data.",
    )
    _add_flags(train, TRAIN_LAYOUT, TRAIN_FIELDS)
    train.set_defaults(parser=train, handler=cmd_train)
    prop = _subparser(
        sub,
        "propagate",
        "per-layer signal statistics of a deep net at initialization (no training)",
        "Push one batch of N(0, 1) inputs through a deep net at initialization and print, per "
        "scheme and hidden layer (1 = first), the activations' mean and spread, the saturated "
        "and dead fractions, the weight-gradient norm and the backprop signal.",
    )
    _add_flags(prop, PROPAGATE_LAYOUT, PROPAGATE_FIELDS)
    prop.set_defaults(parser=prop, handler=cmd_propagate)
    return parser


def _read(args: argparse.Namespace, fields: Mapping[str, Field]) -> dict[str, Any]:
    """The values of the flags given, parsed and checked: name -> value."""
    values = {}
    for name, field in fields.items():
        text = getattr(args, name)
        if text is None:
            continue
        with _usage_error():
            values[name] = field.check(field.parse(text))
    return values


# --------------------------------------------------------------------------- train
def _match_test_classes(test_classes: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Index of each test class among the training classes (by name, or by numeric value)."""

    def key(name: str) -> Any:
        try:
            return float(name)
        except ValueError:
            return name

    by_name = {c: k for k, c in enumerate(classes)}
    by_value = {key(c): k for k, c in enumerate(classes)}
    index = []
    for c in test_classes:
        k = by_name.get(c, by_value.get(key(c)))
        if k is None:
            raise CliError(
                f"--test-data: class {c!r} does not occur in --data (classes there: "
                f"{', '.join(map(repr, classes))}); every test class needs training examples"
            )
        index.append(k)
    return np.array(index, dtype=np.int64)


def load_data(train_path: str, test_path: str | None, config: TrainConfig) -> Data:
    """The user's CSV data, split (test_fraction, seed of the config) or with its test file."""
    with _usage_error("--data: "):
        X, y, features, classes = load_csv(train_path)
    X_test = y_test = None
    if test_path is not None:
        with _usage_error("--test-data: "):
            X_test, y_test, test_features, test_classes = load_csv(test_path)
        if set(test_features) != set(features) or len(test_features) != len(features):
            raise CliError(
                f"--test-data has feature columns {', '.join(test_features)} but --data has "
                f"{', '.join(features)}; they must have the same columns"
            )
        X_test = X_test[:, [test_features.index(f) for f in features]]
        y_test = _match_test_classes(test_classes, classes)[y_test]
    with _usage_error():
        return prepare(
            X,
            y,
            test_fraction=config.test_fraction,
            seed=config.seed,
            X_test=X_test,
            y_test=y_test,
            feature_names=features,
            class_names=classes,
        )


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The validated config the train flags describe."""
    values = _read(args, TRAIN_FIELDS)
    if args.data is None:
        if args.test_data is not None:
            raise CliError("--test-data needs --data (the training CSV)")
    else:
        for name in GENERATED_ONLY:
            if name in values:
                raise CliError(
                    f"{flag(name)} cannot be used with --data (the data come from the file)"
                )
        if args.test_data is not None and "test_fraction" in values:
            raise CliError("--test-fraction cannot be used with --test-data (no split is made)")
    if args.preset is not None and args.preset not in PRESETS:
        raise CliError(
            f"--preset: unknown preset {args.preset[:40]!r}; choose one of: {', '.join(PRESETS)}"
        )
    base = PRESETS[args.preset].config() if args.preset else TrainConfig()
    with _usage_error():
        return base.replace(**values)


def train_header(config: TrainConfig, data: Data, source: str) -> str:
    """One line stating the run: data, network, optimizer, schedule and seed."""
    c = config
    n_test = len(data.y_test)
    split = f"{len(data.y_train)} train" + (f", {n_test} test" if n_test else "")
    momentum = f" momentum={c.momentum:g}" if c.optimizer == "momentum" else ""
    bn = (" batchnorm=on" if c.batchnorm else "") + (" residual=on" if c.residual else "")
    biases = "" if c.bias_init == "zeros" else f" biases={c.bias_init}"
    biases += f"({c.bias_std:g})" if c.bias_init == "random" else ""
    imbalance = (
        f" imbalance=1:{c.imbalance:g}" if c.imbalance != 1.0 and source == c.dataset else ""
    )
    return (
        f"dataset={source}{imbalance} ({split}, {data.n_features} features, {data.n_classes} "
        f"classes) hidden={FIELDS['hidden'].format(c.hidden) or 'none'} "
        f"activation={c.activation}{bn}{biases} "
        f"optimizer={c.optimizer} lr={c.lr:g}{momentum} epochs={c.epochs} "
        f"batch={c.batch_size or 'full'} seed={c.seed} repeats={c.repeats} dtype={c.dtype}"
    )


def train_table(summary: pd.DataFrame, repeats: int = 1) -> dict[str, list[str]]:
    """The train table's columns: header -> cells, one per scheme."""
    s = summary
    test_accuracy = _nums(s.test_accuracy, ".3f")
    if repeats > 1:
        test_accuracy = [
            text + (f" (sd {sd:.3f})" if math.isfinite(sd) else "")
            for text, sd in zip(test_accuracy, s.test_accuracy_std, strict=True)
        ]
    return {
        "scheme": list(s.scheme),
        "train_loss": _nums(s.train_loss, ".4f"),
        "test_loss": _nums(s.test_loss, ".4f"),
        "train_accuracy": _nums(s.train_accuracy, ".3f"),
        "test_accuracy": test_accuracy,
        "symmetry_broken": ["yes" if broken else "no" for broken in s.symmetry_broken],
        "gradient": list(s.gradient),
        "risk": list(s.gradient_risk),
        "outcome": list(s.outcome),
        "diverged": [
            f"epoch {epoch}" if diverged else "no"
            for diverged, epoch in zip(s.diverged, s.diverged_epoch, strict=True)
        ],
    }


def cmd_train(args: argparse.Namespace) -> str:
    config = train_config(args)
    if args.data is not None:
        data = load_data(args.data, args.test_data, config)
        source = args.data + (f" + {args.test_data}" if args.test_data else "")
    else:
        data = make_data(config)  # what run(config) would make: same numbers
        source = config.dataset
    # The summary reads the first and the last detailed measurement only (Result.verdict); the
    # 24 between cost a sixth of issue 19's lesson command and print nothing.
    summary = run(config.replace(snapshots=2), data).summary()
    if args.json:
        return to_json(summary)
    numbers = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
    table = _format_table(train_table(summary, config.repeats), numbers)
    return train_header(config, data, source) + "\n" + table


# --------------------------------------------------------------------------- propagate
def propagate_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """propagate()'s arguments from the flags: ``config`` (schemes, their numbers, activation,
    seed) and its own depth, width, n_samples and dtype (its defaults for the rest)."""
    values = _read(args, PROPAGATE_FIELDS)
    kwargs = {name: values.pop(name) for name in OWN_ARGUMENTS if name in values}
    with _usage_error():
        kwargs["config"] = TrainConfig(**values)
    return kwargs


def propagate_header(kwargs: Mapping[str, Any]) -> str:
    p = {**{name: f.default for name, f in PROPAGATE_FIELDS.items()}, **kwargs}
    c = p["config"]
    return (
        f"activation={c.activation} depth={p['depth']} width={p['width']} "
        f"samples={p['n_samples']} seed={c.seed} dtype={p['dtype']} input=N(0,1)"
    )


def cmd_propagate(args: argparse.Namespace) -> str:
    kwargs = propagate_kwargs(args)
    frame = propagate(**kwargs)
    if args.json:
        return to_json(frame)
    columns = {
        "scheme": list(frame.scheme),
        "layer": [str(layer) for layer in frame.layer],
        **{c: _nums(frame[c], ".4g") for c in LAYER_COLUMNS},
    }
    numbers = ("layer", *LAYER_COLUMNS)
    return propagate_header(kwargs) + "\n" + _format_table(columns, numbers)


# --------------------------------------------------------------------------- output
def _nums(values: Iterable[Any], fmt: str) -> list[str]:
    """Each value in ``fmt``; huge or tiny values in scientific notation, NaN as '-'."""
    out = []
    for x in map(float, values):
        if not math.isfinite(x):
            out.append("-")
        elif fmt.endswith("f") and x != 0 and not 1e-3 <= abs(x) < 1e5:
            out.append(format(x, ".3e"))
        else:
            out.append(format(x, fmt))
    return out


def _format_table(columns: Mapping[str, list[str]], numbers: Collection[str]) -> str:
    """Fixed-width columns under their headers: numbers right-aligned, text left-aligned."""
    padded = []
    for header, cells in columns.items():
        width = max(len(c) for c in (header, *cells))
        align = str.rjust if header in numbers else str.ljust
        padded.append([align(c, width) for c in (header, *cells)])
    return "\n".join("  ".join(row).rstrip() for row in zip(*padded, strict=True))


def _plain(value: Any) -> Any:
    """A JSON-able Python value: numpy scalars unwrapped, NaN and infinities as None."""
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and not math.isfinite(value) else value


def to_json(frame: pd.DataFrame) -> str:
    """Strict JSON (no NaN or Infinity tokens): one object per row."""
    rows = [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return json.dumps(rows, indent=2, allow_nan=False)


# --------------------------------------------------------------------------- main
NEGATIVE_NUMBER = re.compile(r"-(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _attach_negative_values(argv: Sequence[str]) -> list[str]:
    """``--flag -1e-3`` -> ``--flag=-1e-3``: argparse takes '-1e-3' for an option otherwise."""
    out: list[str] = []
    for tok in argv:
        prev = out[-1] if out else ""
        if NEGATIVE_NUMBER.fullmatch(tok) and prev.startswith("--") and "=" not in prev:
            out[-1] = f"{prev}={tok}"
        else:
            out.append(tok)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 wrong argument, 130 interrupted)."""
    limit_blas_threads(1)
    try:
        try:
            argv = sys.argv[1:] if argv is None else argv
            args, extra = build_parser().parse_known_args(_attach_negative_values(argv))
            if extra:
                args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
            text = args.handler(args)
        except CliError as e:
            message = " ".join(str(e).split()) or "invalid arguments"
            print(f"initdash: error: {message}", file=sys.stderr)
            return USAGE_ERROR
        except SystemExit as e:  # --help (0), or argparse exiting on its own
            return e.code if isinstance(e.code, int) else (0 if e.code is None else USAGE_ERROR)
        try:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. `| head`: stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        return 0
    except KeyboardInterrupt:
        return INTERRUPTED
