"""The command line: ``python -m initdash train|propagate``.

Most tests call ``main([...])`` in-process (fast); one runs the real ``python -m initdash``.
The oracle for the numbers is the library itself: the same settings through the CLI and through
``initdash.run`` / ``initdash.propagate`` must give exactly the same values.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import initdash
from initdash import FIELDS, SCHEMES, TrainConfig, cli
from initdash.cli import main
from initdash.config import DEFAULT_SCHEMES

REPO_ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--epochs", "20", "--samples", "80"]
PROPAGATE_KEYS = {
    "scheme",
    "layer",
    "act_mean",
    "act_std",
    "saturated_fraction",
    "dead_fraction",
    "grad_norm",
    "backprop_signal",
}


def _reject(token: str):
    raise ValueError(f"not strict JSON: {token}")


def strict_json(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_reject)


def expected_records(frame) -> list[dict]:
    """A library table as the CLI's JSON should carry it: NaN -> None, numpy -> Python."""
    out = []
    for row in frame.to_dict(orient="records"):
        rec = {}
        for k, v in row.items():
            v = v.item() if hasattr(v, "item") else v
            rec[k] = None if isinstance(v, float) and not math.isfinite(v) else v
        out.append(rec)
    return out


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_usage_error(code: int, out: str, err: str, *needles: str) -> str:
    """Exit 2, nothing on stdout, one error line (after argparse's usage, if any), no traceback."""
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("initdash: error: "), err
    assert len(lines) == 1 or (len(lines) == 2 and lines[0].startswith("usage: ")), err
    for needle in needles:
        assert needle in lines[-1], err
    return lines[-1]


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def blob_rows(n: int, classes: str = "ab", header: str = "x1,x2,label") -> list[str]:
    """A small CSV of well separated blobs: class number k sits around (3k, 0)."""
    rows = [header]
    for i in range(n):
        k = i % len(classes)
        x1 = 3.0 * k + 0.1 * ((i * 7) % 5 - 2)
        x2 = 0.2 * ((i * 3) % 7 - 3)
        rows.append(f"{x1:.3f},{x2:.3f},{classes[k]}")
    return rows


# --------------------------------------------------------------------------- train
def test_train_table(capsys):
    """Default settings, fewer epochs and samples: one header line, then one row per scheme."""
    code, out, err = run_cli(capsys, "train", "--epochs", "50", "--samples", "200")
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    header = lines[0]
    for part in (
        "dataset=moons",
        "hidden=16",
        "activation=tanh",
        "optimizer=sgd",
        "lr=0.5",
        "epochs=50",
        "batch=32",
        "seed=0",
    ):
        assert part in header.split(), header
    assert lines[1].split() == [
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
    rows = [line.split() for line in lines[2:]]
    assert [r[0] for r in rows] == list(DEFAULT_SCHEMES)
    summary = initdash.run(TrainConfig(epochs=50, n_samples=200)).summary()
    for r, (_, s) in zip(rows, summary.iterrows(), strict=True):
        assert r[1] == f"{s.train_loss:.4f}"
        assert r[4] == f"{s.test_accuracy:.3f}"
        assert r[5] == ("yes" if s.symmetry_broken else "no")
        assert r[6] == s.gradient
        assert r[7] == s.gradient_risk
        assert r[-1] == "no"
    zeros = rows[0]
    assert zeros[5] == "no" and zeros[6] == "blocked"  # zero weights: clones, no signal
    he = rows[-1]
    assert he[5] == "yes" and he[6] == "healthy"


JSON_FIELDS = (
    "scheme",
    "initial_loss",
    "train_loss",
    "test_accuracy",
    "symmetry_broken",
    "signal_ratio_at_init",
    "saturated_at_init",
    "dead_at_init",
    "gradient",
    "outcome",
)


@pytest.mark.parametrize("preset", ["seed_table", "xavier_vs_he"])
def test_train_a_preset(capsys, preset):
    """--preset NAME [--seed N] --json: the preset's run, exactly as the library makes it,
    with the documented fields; other flags change the preset's settings."""
    code, out, err = run_cli(capsys, "train", "--preset", preset, "--seed", "3", "--epochs", "40",
                             "--json")  # fmt: skip
    assert code == 0, err
    got = json.loads(out)
    config = initdash.PRESETS[preset].config().replace(seed=3, epochs=40)
    want = initdash.run(config).summary()
    assert [r["scheme"] for r in got] == list(config.schemes)
    for r, (_, s) in zip(got, want.iterrows(), strict=True):
        assert set(JSON_FIELDS) <= set(r)
        assert r["gradient"] in ("blocked", "vanishing", "exploding", "healthy")
        for key in ("initial_loss", "train_loss", "signal_ratio_at_init", "outcome"):
            assert r[key] == s[key], key


def test_unknown_preset_is_a_one_line_error(capsys):
    code, out, err = run_cli(capsys, "train", "--preset", "nope")
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == (
        "initdash: error: --preset: unknown preset 'nope'; choose one of: "
        + ", ".join(initdash.PRESETS)
    )


def test_train_json_equals_library(capsys):
    """Every summary() field, exactly the library's value, for non-default settings."""
    argv = [
        "--schemes",
        "zeros,random_large,he_normal,lsuv",
        "--activation",
        "relu",
        "--hidden",
        "8,4",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "30",
        "--batch-size",
        "32",
        "--samples",
        "120",
        "--noise",
        "0.3",
        "--dataset",
        "circles",
        "--seed",
        "7",
        "--large-scale",
        "3",
        "--dtype",
        "float64",
        "--repeats",
        "2",
        "--test-fraction",
        "0.3",
    ]
    code, out, err = run_cli(capsys, "train", *argv, "--json")
    assert code == 0, err
    got = strict_json(out)
    config = TrainConfig(
        schemes=("zeros", "random_large", "he_normal", "lsuv"),
        activation="relu",
        hidden=(8, 4),
        optimizer="adam",
        lr=0.01,
        epochs=30,
        batch_size=32,
        n_samples=120,
        noise=0.3,
        dataset="circles",
        seed=7,
        large_scale=3.0,
        dtype="float64",
        repeats=2,
        test_fraction=0.3,
    )
    summary = initdash.run(config).summary()
    assert got == expected_records(summary)  # exact float equality, same keys
    assert list(got[0]) == list(summary.columns)
    for key in (
        "scheme",
        "train_loss",
        "train_accuracy",
        "test_accuracy",
        "symmetry_broken",
        "diverged",
    ):
        assert all(key in obj for obj in got)
    assert [o["scheme"] for o in got] == list(config.schemes)
    assert all(isinstance(o["symmetry_broken"], bool) for o in got)


def test_train_json_equals_library_with_every_measurement(capsys):
    """The CLI measures in detail only the first and the last epoch (all the summary reads);
    its summary is still the library's with every detailed epoch, for a run that diverges
    between them and one that does not."""
    argv = ["--schemes", "random_large,he_normal,zeros", "--activation", "linear", "--epochs"]
    argv += ["40", "--samples", "100", "--batch-size", "0", "--large-scale", "1000", "--lr"]
    for lr, diverges in (("10", True), ("0.1", False)):
        code, out, err = run_cli(capsys, "train", *argv, lr, "--json")
        assert (code, err) == (0, "")
        config = TrainConfig(
            schemes=("random_large", "he_normal", "zeros"),
            activation="linear",
            epochs=40,
            n_samples=100,
            batch_size=0,
            large_scale=1000.0,
            lr=float(lr),
        )
        result = initdash.run(config)
        assert len(result.detail_epochs) == config.snapshots
        got = strict_json(out)
        assert got == expected_records(result.summary())
        assert any(o["diverged"] for o in got) is diverges


def test_train_json_nan_is_null(capsys):
    """No hidden layer: no saturation to measure (NaN in the library) -> null, strict JSON."""
    code, out, err = run_cli(capsys, "train", *SMALL, "--hidden", "", "--json")
    assert code == 0, err
    got = strict_json(out)
    assert all(o["saturated_at_init"] is None for o in got)
    assert "NaN" not in out and "Infinity" not in out


def test_train_diverged(capsys):
    """Huge weights and a huge step: the loss overflows; table and JSON say at which epoch."""
    argv = [
        "train",
        "--schemes",
        "random_large,he_normal",
        "--activation",
        "linear",
        "--large-scale",
        "1000",
        "--lr",
        "10",
        "--epochs",
        "20",
        "--samples",
        "100",
    ]
    code, out, err = run_cli(capsys, *argv, "--json")
    assert (code, err) == (0, "")  # no RuntimeWarning escapes
    got = strict_json(out)
    first = got[0]
    assert first["scheme"] == "random_large" and first["diverged"] is True
    assert first["diverged_epoch"] >= 0 and first["outcome"] == "diverged"
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    row = out.splitlines()[2]
    assert row.startswith("random_large") and row.endswith(f"epoch {first['diverged_epoch']}")


def test_schemes_all(capsys):
    code, out, err = run_cli(capsys, "train", *SMALL, "--schemes", "all", "--json")
    assert code == 0, err
    got = strict_json(out)
    assert [o["scheme"] for o in got] == list(SCHEMES)


def test_negative_numbers(capsys):
    """'--constant-value -1e-3' works although argparse alone would take '-1e-3' for a flag."""
    code, out, err = run_cli(
        capsys, "train", *SMALL, "--schemes", "constant", "--constant-value", "-1e-3", "--json"
    )
    assert code == 0, err
    config = TrainConfig(epochs=20, n_samples=80, schemes=("constant",), constant_value=-1e-3)
    assert strict_json(out) == expected_records(initdash.run(config).summary())


def test_ctrl_c_exits_130_quietly(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    code, out, err = run_cli(capsys, "train", *SMALL)
    assert (code, out, err) == (130, "", "")


# --------------------------------------------------------------------------- propagate
def test_propagate_json_equals_library(capsys):
    code, out, err = run_cli(capsys, "propagate", "--depth", "5", "--width", "16", "--json")
    assert code == 0, err
    got = strict_json(out)
    assert len(got) == len(DEFAULT_SCHEMES) * 5
    assert all(PROPAGATE_KEYS <= set(o) for o in got)
    for i, scheme in enumerate(DEFAULT_SCHEMES):
        block = got[5 * i : 5 * (i + 1)]
        assert [o["scheme"] for o in block] == [scheme] * 5
        assert [o["layer"] for o in block] == [1, 2, 3, 4, 5]
    assert got == expected_records(initdash.propagate(depth=5, width=16))


def test_propagate_table(capsys):
    argv = ["--depth", "5", "--width", "16", "--schemes", "zeros,he_normal", "--activation", "relu"]
    code, out, err = run_cli(capsys, "propagate", *argv)
    assert code == 0, err
    lines = out.splitlines()
    assert "activation=relu" in lines[0] and "depth=5" in lines[0] and "width=16" in lines[0]
    assert lines[1].split() == ["scheme", "layer", *cli.LAYER_COLUMNS]
    rows = [line.split() for line in lines[2:]]
    assert len(rows) == 2 * 5
    assert [(r[0], int(r[1])) for r in rows] == [
        (s, layer) for s in ("zeros", "he_normal") for layer in range(1, 6)
    ]
    config = TrainConfig(schemes=("zeros", "he_normal"), activation="relu")
    frame = initdash.propagate(config, depth=5, width=16)
    assert [r[3] for r in rows] == [f"{v:.4g}" for v in frame.act_std]


def test_propagate_options_reach_the_library(capsys):
    argv = [
        "--schemes",
        "all",
        "--depth",
        "3",
        "--width",
        "8",
        "--samples",
        "50",
        "--seed",
        "5",
        "--small-scale",
        "0.5",
        "--dtype",
        "float32",
        "--activation",
        "sigmoid",
    ]
    code, out, err = run_cli(capsys, "propagate", *argv, "--json")
    assert code == 0, err
    config = TrainConfig(schemes=tuple(SCHEMES), seed=5, small_scale=0.5, activation="sigmoid")
    expected = initdash.propagate(config, depth=3, width=8, n_samples=50, dtype="float32")
    got = strict_json(out)
    assert len(got) == len(SCHEMES) * 3
    assert got == expected_records(expected)


# --------------------------------------------------------------------------- CSV data
def test_csv_data_split(capsys, tmp_path):
    """--data alone is split by the config's test_fraction, with the config's seed."""
    path = write_csv(tmp_path / "train.csv", blob_rows(40))
    code, out, err = run_cli(capsys, "train", "--data", str(path), "--epochs", "20", "--json")
    assert code == 0, err
    X, y, features, classes = initdash.load_csv(path)
    config = TrainConfig(epochs=20)
    data = initdash.prepare(
        X,
        y,
        test_fraction=config.test_fraction,
        seed=config.seed,
        feature_names=features,
        class_names=classes,
    )
    assert strict_json(out) == expected_records(initdash.run(config, data).summary())
    code, out, err = run_cli(capsys, "train", "--data", str(path), "--epochs", "20")
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"dataset={path} (30 train, 10 test, 2 features")


def test_csv_data_with_test_file(capsys, tmp_path):
    """The test file may order its columns differently and lack a class: matched by name."""
    train = write_csv(tmp_path / "train.csv", blob_rows(45, "abc"))
    test_rows = blob_rows(12, "ac", header="label,x2,x1")  # 'c' is class 1 here, 2 in training
    test_rows = (
        [test_rows[0]]
        + [
            f"{label},{x2},{float(x1) * 2:.3f}"  # c sits at x1 = 6 as in training
            for x1, x2, label in (row.split(",") for row in test_rows[1:])
        ]
    )
    test = write_csv(tmp_path / "test.csv", test_rows)
    argv = ["train", "--data", str(train), "--test-data", str(test), "--epochs", "30"]
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 0, err
    got = strict_json(out)
    assert len(got) == len(DEFAULT_SCHEMES)
    X, y, features, classes = initdash.load_csv(train)
    Xt, yt, test_features, test_classes = initdash.load_csv(test)
    assert test_features == ("x2", "x1") and test_classes == ("a", "c")
    data = initdash.prepare(
        X, y, X_test=Xt[:, ::-1], y_test=yt * 2, feature_names=features, class_names=classes
    )
    assert got == expected_records(initdash.run(TrainConfig(epochs=30), data).summary())
    # he_normal on well separated blobs; were 'c' not remapped to 2, half the test set would fail
    assert got[-1]["test_accuracy"] > 0.8

    unseen = write_csv(tmp_path / "unseen.csv", blob_rows(12, "ad"))
    code, out, err = run_cli(capsys, "train", "--data", str(train), "--test-data", str(unseen))
    assert_usage_error(code, out, err, "--test-data", "'d'")  # class d never trained
    other = write_csv(tmp_path / "other.csv", blob_rows(12, "ab", header="x1,x3,label"))
    code, out, err = run_cli(capsys, "train", "--data", str(train), "--test-data", str(other))
    assert_usage_error(code, out, err, "--test-data", "x3")


def test_bad_csv_one_line_error(capsys, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", ["x1,x2,y", "1,2,0", "3,4,1"])
    with pytest.raises(ValueError) as info:
        initdash.load_csv(bad)
    code, out, err = run_cli(capsys, "train", "--data", str(bad))
    line = assert_usage_error(code, out, err)
    assert line == f"initdash: error: --data: {info.value}"
    assert len(err.splitlines()) == 1

    broken = tmp_path / "binary.csv"
    broken.write_bytes(b"\xff\xfe\x00\x01label\n")
    assert_usage_error(*run_cli(capsys, "train", "--data", str(broken)), "--data")


def test_missing_or_unreadable_csv(capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    assert_usage_error(*run_cli(capsys, "train", "--data", str(missing)), "--data", "nope.csv")
    good = write_csv(tmp_path / "good.csv", blob_rows(20))
    assert_usage_error(
        *run_cli(capsys, "train", "--data", str(good), "--test-data", str(missing)),
        "--test-data",
    )
    assert_usage_error(*run_cli(capsys, "train", "--data", str(tmp_path)), "--data")


# --------------------------------------------------------------------------- bad arguments
BAD_ARGUMENTS = [
    ([], "required"),
    (["fly"], "invalid choice"),
    (["train", "--bogus"], "--bogus"),
    (["train", "--epochs"], "--epochs"),
    (["train", "--epochs", "many"], "--epochs"),
    (["train", "--epochs", "0"], "--epochs"),
    (["train", "--epochs", "1.5"], "--epochs"),
    (["train", "--epochs", "100001"], "100000"),
    (["train", "--samples", "5"], "--samples"),
    (["train", "--noise", "nan"], "--noise"),
    (["train", "--lr", "inf"], "--lr"),
    (["train", "--lr", "-1"], "--lr"),
    (["train", "--seed", "-1"], "4294967295"),
    (["train", "--schemes", "zeros,bogus"], "bogus"),
    (["train", "--schemes", "zeros,zeros"], "--schemes"),
    (["train", "--schemes", ""], "--schemes"),
    (["train", "--activation", "swish"], "swish"),
    (["train", "--dataset", "mnist"], "mnist"),
    (["train", "--optimizer", "lbfgs"], "lbfgs"),
    (["train", "--dtype", "float16"], "--dtype"),
    (["train", "--hidden", "10,,5"], "--hidden"),
    (["train", "--hidden", "0"], "--hidden"),
    (["train", "--classes", "3"], "moons"),  # moons has 2 classes
    (["train", "--momentum", "1"], "--momentum"),
    (["train", "--repeats", "0"], "--repeats"),
    (["train", "--small-scale", "0"], "--small-scale"),
    (["train", "--large-scale", "x"], "--large-scale"),
    (["train", "--constant-value", "11"], "--constant-value"),
    (["train", "--test-fraction", "0.95"], "--test-fraction"),
    (["train", "--test-data", "t.csv"], "--data"),
    (["train", "--data", "a.csv", "--dataset", "moons"], "--dataset"),
    (["train", "--data", "a.csv", "--test-data", "b.csv", "--test-fraction", "0.2"], "fraction"),
    (["train", "--epochs", "5", "extra"], "extra"),
    (["propagate", "--depth", "0"], "--depth"),
    (["propagate", "--depth", "101"], "100"),
    (["propagate", "--depth", "three"], "--depth"),
    (["propagate", "--width", "1025"], "--width"),
    (["propagate", "--samples", "1"], "--samples"),
    (["propagate", "--schemes", "he"], "he"),
    (["propagate", "--activation", "gelu"], "gelu"),
    (["propagate", "--dtype", "int8"], "--dtype"),
    (["propagate", "--epochs", "5"], "--epochs"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD_ARGUMENTS, ids=lambda a: " ".join(a) or "none")
def test_bad_arguments(capsys, argv, needle):
    assert_usage_error(*run_cli(capsys, *argv), needle)


def test_value_errors_have_no_usage(capsys):
    """A value out of range is one line, no usage block: the flag exists, the value is wrong."""
    code, out, err = run_cli(capsys, "train", "--epochs", "0")
    assert err == (
        f"initdash: error: --epochs = 0 is not allowed; use {FIELDS['epochs'].allowed()}\n"
    )


# --------------------------------------------------------------------------- help
@pytest.mark.parametrize("command", ["train", "propagate"])
def test_help_lists_flags_schemes_and_ranges(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "2000")  # no wrapping: search whole phrases
    code, out, err = run_cli(capsys, command, "--help")
    assert code == 0 and err == ""
    for name in SCHEMES:
        assert name in out
    if command == "train":
        config_fields = tuple(cli.TRAIN_FIELDS)
    else:  # propagate's flags that set a config field (and dtype, whose range is the config's)
        config_fields = (*cli.SCHEME_FIELDS, "activation", "seed", "dtype")
    for name in config_fields:
        field, flag = FIELDS[name], cli.flag(name)
        assert flag in out
        line = next(line for line in out.splitlines() if line.strip().startswith(flag + " "))
        assert field.help in line
        if field.choices is not None:
            assert all(c in line for c in field.choices())
        elif field.kind in ("int", "ints"):
            assert f"from {int(field.lo)} to {int(field.hi)}" in line
        elif field.kind == "bool":
            assert "1/0, true/false or on/off" in line
        else:
            assert f"from {field.lo:g} to {field.hi:g}" in line
    if command == "train":
        for flag in ("--data", "--test-data", "--json"):
            assert flag in out
    else:
        assert "from 1 to 100 " in out and "from 1 to 1024 " in out and "from 2 to 5000 " in out
        assert "(default: float64)" in out  # propagate's own default, not the trainer's


def test_top_level_help(capsys):
    code, out, err = run_cli(capsys, "--help")
    assert code == 0
    assert "train" in out and "propagate" in out
    assert all(name in out for name in SCHEMES)


# --------------------------------------------------------------------------- real process
def test_python_m_initdash_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "initdash", "train", "--epochs", "5", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no warnings
    got = strict_json(proc.stdout)
    assert [o["scheme"] for o in got] == list(DEFAULT_SCHEMES)
    assert got == expected_records(initdash.run(TrainConfig(epochs=5)).summary())


# --------------------------------------------------------------------------- batchnorm
def test_batchnorm_flag_alone_means_on_and_reads_on_off(capsys):
    """--batchnorm alone turns it on; --batchnorm off (or 0, false) leaves it off; the run is
    the library's with the same config, and the header says so."""
    code, out, err = run_cli(capsys, "train", "--epochs", "3", "--batchnorm", "--json")
    assert code == 0, err
    config = TrainConfig(epochs=3, batchnorm=True)
    assert strict_json(out) == expected_records(initdash.run(config).summary())
    code, out, err = run_cli(capsys, "train", "--epochs", "3", "--batchnorm", "on")
    assert code == 0 and "batchnorm=on" in out.splitlines()[0]
    code, out, err = run_cli(capsys, "train", "--epochs", "3", "--batchnorm", "0")
    assert code == 0 and "batchnorm" not in out.splitlines()[0]


def test_batchnorm_flag_refuses_other_words(capsys):
    code, out, err = run_cli(capsys, "train", "--batchnorm", "maybe")
    assert_usage_error(code, out, err, "--batchnorm", "1/0, true/false or on/off")
