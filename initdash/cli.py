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
import inspect
import json
import math
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .blas import limit_blas_threads
from .config import FIELDS, TrainConfig
from .data import Data, load_csv, prepare
from .presets import PRESETS
from .schemes import SCHEMES
from .signal import LAYER_COLUMNS, MAX_DEPTH, MAX_SAMPLES, MAX_WIDTH, propagate
from .train import make_data, run

PROG = "python -m initdash"
ERROR_PREFIX = "initdash: error: "
USAGE_ERROR = 2
INTERRUPTED = 130


def flag(field: str) -> str:
    """The flag of a config field: ``--batch-size`` for batch_size; n_samples -> --samples."""
    return "--" + field.removeprefix("n_").replace("_", "-")


# flag -> config field, derived from FIELDS (a new field gets its flag here). The schemes and
# the numbers some of them take (SCHEMES[name].param) are shared by both commands.
SCHEME_FIELDS = ("schemes", *dict.fromkeys(s.param for s in SCHEMES.values() if s.param))
TRAIN_FLAGS = {flag(f): f for f in FIELDS if f != "snapshots"}
PROPAGATE_FLAGS = {flag(f): f for f in (*SCHEME_FIELDS, "activation", "seed", "dtype")}
GENERATED_ONLY = tuple(flag(f) for f in ("dataset", "n_samples", "noise", "n_classes"))
CSV_FLAGS = {
    "--data": "training data: a CSV file with numeric feature columns and a 'label' column, "
    "instead of a generated dataset (default: none)",
    "--test-data": "test data: a CSV file with the same columns as --data; without it, --data "
    "is split by --test-fraction (default: none)",
}

# propagate's own integer arguments: flag -> (parameter, lowest, highest, help). The highest
# values are signal.py's limits; the lowest are the ones propagate() checks.
PROPAGATE_INTS = {
    "--depth": ("depth", 1, MAX_DEPTH, "number of hidden layers"),
    "--width": ("width", 1, MAX_WIDTH, "units in every hidden layer (and input features)"),
    "--samples": ("n_samples", 2, MAX_SAMPLES, "number of input points, each drawn from N(0, 1)"),
}

# How --help groups the flags (a flag in no group is listed under "more").
SCHEME_GROUP = ("schemes", tuple(flag(f) for f in SCHEME_FIELDS))
PRESET_HELP = (
    "start from a lesson preset's settings (the other flags change them): "
    + ", ".join(PRESETS)
    + " (default: none)"
)
TRAIN_LAYOUT = (
    ("lesson preset", ("--preset",)),
    SCHEME_GROUP,
    ("network", ("--hidden", "--activation")),
    (
        "data (a generated toy dataset, or your own CSV with --data)",
        (*GENERATED_ONLY, "--test-fraction", *CSV_FLAGS),
    ),
    (
        "training",
        tuple(
            flag(f)
            for f in ("optimizer", "lr", "momentum", "epochs", "batch_size", "repeats", "seed")
        )
        + ("--dtype",),
    ),
    ("output", ("--json",)),
)
PROPAGATE_LAYOUT = (
    SCHEME_GROUP,
    (
        "network and input",
        ("--depth", "--width", "--samples", "--activation", "--seed", "--dtype"),
    ),
    ("output", ("--json",)),
)
JSON_HELP = "print a JSON list instead of a table (NaN as null)"
METAVARS = {"int": "N", "float": "X", "str": "NAME", "ints": "N,N,...", "names": "A,B,..."}
WIDTH = 88  # help text width


class CliError(Exception):
    """A wrong argument: main prints ``initdash: error: <message>`` and returns 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises :class:`CliError` (after the usage line)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise CliError(message)


# --------------------------------------------------------------------------- parser
def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _field_help(name: str, default: Any) -> str:
    field = FIELDS[name]
    allowed = field.allowed()
    if field.kind == "names":
        allowed = f"comma-separated, each {allowed}; or 'all' for every scheme"
    elif field.kind == "ints" and field.min_len == 0:
        allowed += " ('' for none)"
    shown = field.format(default) or repr("")
    return f"{field.help}: {allowed} (default: {shown})".replace("%", "%%")


def _add_flags(
    parser: argparse.ArgumentParser,
    layout: Sequence[tuple[str, Sequence[str]]],
    fields: Mapping[str, str],
    defaults: Mapping[str, Any],
) -> None:
    """Add the layout's flags: config fields (help from FIELDS), CSV paths, propagate's ints;
    config-field flags the layout does not place go into a last group, "more"."""
    placed = {f for _, flags in layout for f in flags}
    more = tuple(f for f in fields if f not in placed)
    for title, flags in (*layout, *((("more", more),) if more else ())):
        group = parser.add_argument_group(title)
        for flag_ in flags:
            if flag_ == "--json":
                group.add_argument(flag_, action="store_true", help=JSON_HELP)
            elif flag_ == "--preset":
                group.add_argument(flag_, metavar="NAME", help=PRESET_HELP)
            elif flag_ in fields:
                name = fields[flag_]
                metavar = METAVARS[FIELDS[name].kind]
                help_ = _field_help(name, defaults[name])
                group.add_argument(flag_, dest=_dest(flag_), metavar=metavar, help=help_)
            elif flag_ in CSV_FLAGS:
                group.add_argument(flag_, dest=_dest(flag_), metavar="CSV", help=CSV_FLAGS[flag_])
            else:
                param, lo, hi, text = PROPAGATE_INTS[flag_]
                help_ = f"{text}: a whole number from {lo} to {hi} (default: {defaults[param]})"
                group.add_argument(flag_, dest=_dest(flag_), metavar="N", help=help_)


def _propagate_defaults() -> dict[str, Any]:
    """The defaults of propagate: its config's (FIELDS) and its own (float64, 256 units, read
    from its signature)."""
    own = {
        k: p.default
        for k, p in inspect.signature(propagate).parameters.items()
        if p.default is not inspect.Parameter.empty and k != "config"
    }
    return {**{n: f.default for n, f in FIELDS.items()}, **own}


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
    _add_flags(train, TRAIN_LAYOUT, TRAIN_FLAGS, {n: f.default for n, f in FIELDS.items()})
    train.set_defaults(parser=train, handler=cmd_train)
    prop = _subparser(
        sub,
        "propagate",
        "per-layer signal statistics of a deep net at initialization (no training)",
        "Push one batch of N(0, 1) inputs through a deep net at initialization and print, per "
        "scheme and hidden layer (1 = first), the activations' mean and spread, the saturated "
        "and dead fractions, the weight-gradient norm and the backprop signal.",
    )
    _add_flags(prop, PROPAGATE_LAYOUT, PROPAGATE_FLAGS, _propagate_defaults())
    prop.set_defaults(parser=prop, handler=cmd_propagate)
    return parser


# --------------------------------------------------------------------------- reading values
def _flag_message(message: str, names: Mapping[str, str]) -> str:
    """Name the flag instead of the field: 'n_samples = 5 is ...' -> '--samples = 5 is ...'."""
    for name, flag in names.items():
        if message.startswith(name) and message[len(name) : len(name) + 2] in (" =", ": "):
            return flag + message[len(name) :]
    return message


def _field_values(args: argparse.Namespace, flags: Mapping[str, str]) -> dict[str, Any]:
    """The given field flags, parsed and checked: field name -> value."""
    out = {}
    for flag, name in flags.items():
        text = getattr(args, _dest(flag))
        if text is None:
            continue
        field = FIELDS[name]
        try:
            if field.kind == "names" and text.strip().lower() == "all":
                value: Any = tuple(SCHEMES)
            else:
                value = field.parse(text)
            out[name] = field.check(value)
        except ValueError as e:
            raise CliError(_flag_message(str(e), {name: flag})) from None
    return out


def _given(args: argparse.Namespace, flags: Iterable[str]) -> list[str]:
    return [f for f in flags if getattr(args, _dest(f)) is not None]


# --------------------------------------------------------------------------- train
def _read_csv(path: str, flag: str):
    try:
        return load_csv(path)
    except ValueError as e:
        raise CliError(f"{flag}: {e}") from None
    except OSError as e:  # load_csv turns these into ValueError; kept as a safety net
        raise CliError(f"{flag}: cannot read {path!r}: {e.strerror or e}") from None


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
    X, y, features, classes = _read_csv(train_path, "--data")
    X_test = y_test = None
    if test_path is not None:
        X_test, y_test, test_features, test_classes = _read_csv(test_path, "--test-data")
        if set(test_features) != set(features) or len(test_features) != len(features):
            raise CliError(
                f"--test-data has feature columns {', '.join(test_features)} but --data has "
                f"{', '.join(features)}; they must have the same columns"
            )
        X_test = X_test[:, [test_features.index(f) for f in features]]
        y_test = _match_test_classes(test_classes, classes)[y_test]
    try:
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
    except ValueError as e:
        raise CliError(str(e)) from None


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The validated config the train flags describe."""
    values = _field_values(args, TRAIN_FLAGS)
    if args.data is None:
        if args.test_data is not None:
            raise CliError("--test-data needs --data (the training CSV)")
    else:
        for flag in _given(args, GENERATED_ONLY):
            raise CliError(f"{flag} cannot be used with --data (the data come from the file)")
        if args.test_data is not None and args.test_fraction is not None:
            raise CliError("--test-fraction cannot be used with --test-data (no split is made)")
    if args.preset is not None and args.preset not in PRESETS:
        raise CliError(
            f"--preset: unknown preset {args.preset[:40]!r}; choose one of: {', '.join(PRESETS)}"
        )
    base = PRESETS[args.preset].config() if args.preset else TrainConfig()
    try:
        return base.replace(**values)
    except ValueError as e:
        names = {n: f for f, n in TRAIN_FLAGS.items()}
        raise CliError(_flag_message(str(e), names)) from None


def train_header(config: TrainConfig, data: Data, source: str) -> str:
    """One line stating the run: data, network, optimizer, schedule and seed."""
    c = config
    hidden = FIELDS["hidden"].format(c.hidden) or "none"
    n_test = len(data.y_test)
    split = f"{len(data.y_train)} train, {n_test} test" if n_test else f"{len(data.y_train)} train"
    parts = [
        f"dataset={source} ({split}, {data.n_features} features, {data.n_classes} classes)",
        f"hidden={hidden}",
        f"activation={c.activation}",
        f"optimizer={c.optimizer}",
        f"lr={c.lr:g}",
    ]
    if c.optimizer == "momentum":
        parts.append(f"momentum={c.momentum:g}")
    parts += [
        f"epochs={c.epochs}",
        f"batch={c.batch_size or 'full'}",
        f"seed={c.seed}",
        f"repeats={c.repeats}",
        f"dtype={c.dtype}",
    ]
    return " ".join(parts)


def _num(x: Any, fmt: str) -> str:
    """``x`` in ``fmt``; huge or tiny values in scientific notation, NaN as '-'."""
    x = float(x)
    if not math.isfinite(x):
        return "-"
    if fmt.endswith("f") and x != 0 and not 1e-3 <= abs(x) < 1e5:
        return format(x, ".3e")
    return format(x, fmt)


def train_table(summary: pd.DataFrame, repeats: int = 1) -> list[list[str]]:
    """Rows of the train table (header row first)."""
    rows = [
        [
            "scheme",
            "train_loss",
            "test_loss",
            "train_accuracy",
            "test_accuracy",
            "symmetry_broken",
            "gradient",
            "risk",
            "outcome",
            "diverged",
        ]
    ]
    for r in summary.to_dict(orient="records"):
        test_acc = _num(r["test_accuracy"], ".3f")
        if repeats > 1 and math.isfinite(float(r["test_accuracy_std"])):
            test_acc += f" (sd {float(r['test_accuracy_std']):.3f})"
        rows.append(
            [
                str(r["scheme"]),
                _num(r["train_loss"], ".4f"),
                _num(r["test_loss"], ".4f"),
                _num(r["train_accuracy"], ".3f"),
                test_acc,
                "yes" if r["symmetry_broken"] else "no",
                str(r["gradient"]),
                str(r["gradient_risk"]),
                str(r["outcome"]),
                f"epoch {int(r['diverged_epoch'])}" if r["diverged"] else "no",
            ]
        )
    return rows


def cmd_train(args: argparse.Namespace) -> str:
    config = train_config(args)
    if args.data is not None:
        data = load_data(args.data, args.test_data, config)
        source = args.data + (f" + {args.test_data}" if args.test_data else "")
    else:
        try:
            data = make_data(config)  # what run(config) would make: same numbers
        except ValueError as e:
            raise CliError(str(e)) from None
        source = config.dataset
    summary = run(config, data).summary()
    if args.json:
        return to_json(summary)
    left = {0, 5, 6, 7, 8, 9}
    table = _format_table(train_table(summary, config.repeats), left)
    return train_header(config, data, source) + "\n" + table


# --------------------------------------------------------------------------- propagate
def propagate_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """propagate()'s arguments from the flags: ``config`` (schemes, their numbers, activation,
    seed) and its own depth, width, n_samples and dtype (its defaults for the rest)."""
    values = _field_values(args, PROPAGATE_FLAGS)
    kwargs: dict[str, Any] = {"dtype": values.pop("dtype")} if "dtype" in values else {}
    for flag_, (param, _, _, _) in PROPAGATE_INTS.items():
        text = getattr(args, _dest(flag_))
        if text is None:
            continue
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", text.strip()):
            raise CliError(f"{flag_}: {text[:40]!r} is not a whole number")
        kwargs[param] = int(text.strip())
    try:
        kwargs["config"] = TrainConfig(**values)
    except ValueError as e:
        raise CliError(_flag_message(str(e), {n: f for f, n in PROPAGATE_FLAGS.items()})) from None
    return kwargs


def propagate_header(kwargs: Mapping[str, Any]) -> str:
    p = {**_propagate_defaults(), **kwargs}
    c = p["config"]
    return (
        f"activation={c.activation} depth={p['depth']} width={p['width']} "
        f"samples={p['n_samples']} seed={c.seed} dtype={p['dtype']} input=N(0,1)"
    )


PROPAGATE_COLUMNS = LAYER_COLUMNS


def propagate_table(frame: pd.DataFrame) -> list[list[str]]:
    rows = [["scheme", "layer", *PROPAGATE_COLUMNS]]
    for r in frame.to_dict(orient="records"):
        rows.append(
            [str(r["scheme"]), str(int(r["layer"]))]
            + [_num(r[c], ".4g") for c in PROPAGATE_COLUMNS]
        )
    return rows


def cmd_propagate(args: argparse.Namespace) -> str:
    kwargs = propagate_kwargs(args)
    names = {param: flag_ for flag_, (param, *_) in PROPAGATE_INTS.items()}
    try:
        frame = propagate(**kwargs)
    except ValueError as e:
        raise CliError(_flag_message(str(e), names)) from None
    if args.json:
        return to_json(frame)
    return propagate_header(kwargs) + "\n" + _format_table(propagate_table(frame), {0})


# --------------------------------------------------------------------------- output
def _plain(value: Any) -> Any:
    """A JSON-able Python value: numpy scalars unwrapped, NaN and infinities as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as a list of plain dicts, one per row."""
    return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def to_json(frame: pd.DataFrame) -> str:
    """Strict JSON (no NaN or Infinity tokens): one object per row."""
    return json.dumps(records(frame), indent=2, allow_nan=False)


def _format_table(rows: list[list[str]], left: set[int]) -> str:
    """Fixed-width columns: text columns (``left``) left-aligned, numbers right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join(line(r) for r in rows)


# --------------------------------------------------------------------------- main
def _one_line(message: str) -> str:
    return " ".join(str(message).split()) or "invalid arguments"


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
        parser = build_parser()
        try:
            argv = sys.argv[1:] if argv is None else argv
            args, extra = parser.parse_known_args(_attach_negative_values(argv))
            if extra:
                args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
            text = args.handler(args)
        except CliError as e:
            print(ERROR_PREFIX + _one_line(str(e)), file=sys.stderr)
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
