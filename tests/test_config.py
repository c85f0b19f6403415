"""Tests for initdash.config: every field of the declarative table (defaults, ranges, text
round trips), the frozen TrainConfig, the classroom caps, and from_dict/to_dict."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from initdash import FIELDS, SCHEMES, TrainConfig, cost
from initdash.cost import CLASSROOM_MEMORY_CAP, CLASSROOM_SECONDS
from initdash.data import DATASETS

NUMERIC = [f for f in FIELDS.values() if f.kind in ("int", "float")]
CHOICE = [f for f in FIELDS.values() if f.kind == "str"]


def ids(fields):
    return [f.name for f in fields]


def numbers_in(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def assert_names_field_and_range(err: pytest.ExceptionInfo, field, classroom=False) -> None:
    msg = str(err.value)
    assert field.name in msg
    assert field.allowed(classroom) in msg


# --------------------------------------------------------------------------- defaults


@pytest.mark.parametrize("field", FIELDS.values(), ids=ids(FIELDS.values()))
def test_default_passes_check(field):
    assert field.check(field.default) == field.default
    assert field.check(field.default, classroom=True) == field.default
    assert getattr(TrainConfig(), field.name) == field.default


def test_every_field_is_a_config_attribute_and_back():
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    assert names == list(FIELDS)


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize("field", NUMERIC, ids=ids(NUMERIC))
def test_allowed_text_states_the_exact_range(field):
    """The error text's range reads back as the very bounds (no rounding of big numbers)."""
    assert numbers_in(field.allowed())[-2:] == [field.lo, field.hi]
    if field.cap is not None:
        assert numbers_in(field.allowed(classroom=True))[-2:] == [field.lo, field.cap]


@pytest.mark.parametrize("field", NUMERIC, ids=ids(NUMERIC))
def test_values_just_outside_the_range_are_rejected(field):
    if field.kind == "int":
        below, above = int(field.lo) - 1, int(field.hi) + 1
    else:
        below, above = np.nextafter(field.lo, -math.inf), np.nextafter(field.hi, math.inf)
        below, above = float(below), float(above)
    assert field.check(field.lo) == field.lo and field.check(field.hi) == field.hi
    for bad in (below, above):
        with pytest.raises(ValueError) as err:
            field.check(bad)
        assert_names_field_and_range(err, field)
        with pytest.raises(ValueError) as err:
            TrainConfig(**{field.name: bad})
        assert_names_field_and_range(err, field)


@pytest.mark.parametrize("field", [f for f in NUMERIC if f.cap is not None], ids=str)
def test_classroom_cap_is_a_tighter_range(field):
    over = int(field.cap) + 1 if field.kind == "int" else float(np.nextafter(field.cap, math.inf))
    assert field.check(over) == over  # fine outside the classroom
    with pytest.raises(ValueError) as err:
        field.check(over, classroom=True)
    assert_names_field_and_range(err, field, classroom=True)


@pytest.mark.parametrize("field", CHOICE, ids=ids(CHOICE))
def test_choice_fields_accept_only_their_choices(field):
    for choice in field.choices():
        assert field.check(choice) == choice
    for bad in ("nope", field.default.upper(), "", None, 3):
        with pytest.raises(ValueError) as err:
            field.check(bad)
        assert_names_field_and_range(err, field)


def test_choice_lists_are_the_registries():
    assert FIELDS["dataset"].choices() == tuple(DATASETS)
    assert FIELDS["schemes"].choices() == tuple(SCHEMES)


@pytest.mark.parametrize(
    "bad",
    [(0,), (1025,), (16, 0), (16, 2.5), ("16",), (8,) * 101, "16,16", 16, None],
)
def test_hidden_widths_are_checked(bad):
    field = FIELDS["hidden"]
    with pytest.raises(ValueError) as err:
        field.check(bad)
    assert_names_field_and_range(err, field)


def test_hidden_edge_values():
    field = FIELDS["hidden"]
    assert field.check(()) == ()  # no hidden layer: logistic regression
    assert field.check([1024] * 100) == (1024,) * 100
    assert field.check([np.int64(4), 5.0]) == (4, 5)
    with pytest.raises(ValueError, match="hidden"):
        field.check((8,) * 31, classroom=True)
    with pytest.raises(ValueError, match="hidden"):
        field.check((129,), classroom=True)


@pytest.mark.parametrize(
    ("bad", "word"),
    [
        (("zeros", "glorot"), "glorot"),
        (("zeros", "zeros"), "once"),
        ((), "schemes"),
        ("zeros", "schemes"),
        ((1,), "schemes"),
    ],
)
def test_scheme_lists_are_checked(bad, word):
    with pytest.raises(ValueError) as err:
        FIELDS["schemes"].check(bad)
    assert "schemes" in str(err.value) and word in str(err.value)


def test_all_schemes_at_once_are_allowed():
    assert FIELDS["schemes"].check(list(SCHEMES)) == tuple(SCHEMES)


@pytest.mark.parametrize("field", [f for f in NUMERIC if f.kind == "int"], ids=str)
def test_int_fields_normalize_and_refuse_non_integers(field):
    lo = int(field.lo)
    assert field.check(np.int64(lo)) == lo and type(field.check(np.int64(lo))) is int
    assert field.check(float(lo)) == lo
    for bad in (lo + 0.5, True, str(lo), None, math.nan):
        with pytest.raises(ValueError, match=field.name):
            field.check(bad)


@pytest.mark.parametrize("field", [f for f in NUMERIC if f.kind == "float"], ids=str)
def test_float_fields_refuse_non_numbers(field):
    assert type(field.check(int(field.hi))) is float
    for bad in (math.nan, math.inf, -math.inf, "0.5", True, None):
        with pytest.raises(ValueError, match=field.name):
            field.check(bad)


# --------------------------------------------------------------------------- text round trip


def representative(field) -> list:
    if field.kind == "int":
        lo, hi = int(field.lo), int(field.hi)
        return [field.default, lo, hi, (lo + hi) // 2]
    if field.kind == "float":
        mid = [v for v in (0.1, 1 / 3, 2.5e-5, 0.999, 7.3) if field.lo <= v <= field.hi]
        return [field.default, field.lo, field.hi, *mid]
    if field.kind == "str":
        return list(field.choices())
    if field.kind == "ints":
        return [field.default, (), (1,), (1024, 3, 77)]
    if field.kind == "bool":
        return [False, True]
    return [field.default, *[(s,) for s in SCHEMES], tuple(SCHEMES)]


@pytest.mark.parametrize("field", FIELDS.values(), ids=ids(FIELDS.values()))
def test_parse_of_format_is_the_value(field):
    for v in representative(field):
        v = field.check(v)
        text = field.format(v)
        assert isinstance(text, str)
        back = field.parse(text)
        assert back == v and type(back) is type(v)
        assert field.check(back) == v


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("n_samples", "abc"),
        ("n_samples", "1.5"),
        ("n_samples", ""),
        ("noise", "nan"),
        ("noise", "inf"),
        ("noise", "0,2"),
        ("hidden", "16,x"),
        ("hidden", "16,,16"),
        ("seed", "9" * 13),
    ],
)
def test_parse_rejects_unreadable_text(name, text):
    with pytest.raises(ValueError, match=name):
        FIELDS[name].parse(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", True), ("0", False), ("true", True), ("FALSE", False), (" On ", True), ("off", False)],
)
def test_on_off_fields_read_every_spelling(text, value):
    assert FIELDS["batchnorm"].parse(text) is value
    assert FIELDS["batchnorm"].format(value) == ("on" if value else "off")


@pytest.mark.parametrize("text", ["yes", "2", "", "onn", "-1"])
def test_on_off_fields_refuse_other_text_saying_what_is_read(text):
    with pytest.raises(ValueError) as err:
        FIELDS["batchnorm"].parse(text)
    message = str(err.value)
    assert message.startswith("batchnorm: ") and "1/0, true/false or on/off" in message


@pytest.mark.parametrize("bad", [1, 0, "on", None, 1.0])
def test_on_off_fields_take_only_true_or_false(bad):
    with pytest.raises(ValueError, match=r"batchnorm = .* use True or False"):
        TrainConfig(batchnorm=bad)
    assert TrainConfig(batchnorm=np.True_).batchnorm is True


def test_parse_trims_spaces():
    assert FIELDS["hidden"].parse(" 10, 5 ") == (10, 5)
    assert FIELDS["schemes"].parse("zeros, he_normal,") == ("zeros", "he_normal")
    assert FIELDS["lr"].parse(" 0.5 ") == 0.5


# --------------------------------------------------------------------------- TrainConfig


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr": 0.0}, "lr"),
        ({"epochs": 0}, "epochs"),
        ({"hidden": (0,)}, "hidden"),
        ({"activation": "swish"}, "activation"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"dtype": "float16"}, "dtype"),
        ({"schemes": ("he_normal", "he_normal")}, "schemes"),
        ({"momentum": 1.0}, "momentum"),
    ],
)
def test_bad_config_values_name_the_field(kwargs, name):
    with pytest.raises(ValueError, match=name):
        TrainConfig(**kwargs)
    with pytest.raises(ValueError, match=name):
        TrainConfig().replace(**kwargs)


def test_config_is_frozen_and_normalized():
    c = TrainConfig(hidden=[8, 4], schemes=["zeros"], n_samples=np.int64(100), lr=1)
    assert c.hidden == (8, 4) and c.schemes == ("zeros",)
    assert type(c.n_samples) is int and type(c.lr) is float
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.lr = 0.5
    assert c == TrainConfig(hidden=(8, 4), schemes=("zeros",), n_samples=100, lr=1.0)
    assert hash(c) == hash(TrainConfig(hidden=(8, 4), schemes=("zeros",), n_samples=100, lr=1.0))


def test_n_classes_beyond_the_dataset_is_rejected():
    for name, d in DATASETS.items():
        assert TrainConfig(dataset=name, n_classes=d.max_classes).n_classes == d.max_classes
        if d.max_classes < FIELDS["n_classes"].hi:
            with pytest.raises(ValueError) as err:
                TrainConfig(dataset=name, n_classes=d.max_classes + 1)
            assert "n_classes" in str(err.value) and name in str(err.value)


def test_scheme_param_is_the_schemes_number():
    c = TrainConfig(small_scale=0.02, large_scale=3.0, constant_value=-0.5)
    assert c.scheme_param("random_small") == 0.02
    assert c.scheme_param("random_large") == 3.0
    assert c.scheme_param("constant") == -0.5
    assert c.scheme_param("xavier_normal") is None


# --------------------------------------------------------------------------- dicts


def test_to_dict_from_dict_round_trip():
    c = TrainConfig(hidden=(5, 3), schemes=("lsuv", "zeros"), lr=0.03, seed=9)
    d = c.to_dict()
    assert d["hidden"] == [5, 3] and d["schemes"] == ["lsuv", "zeros"]  # JSON-able
    assert TrainConfig.from_dict(d) == c


def test_from_dict_rejects_unknown_keys_naming_them():
    with pytest.raises(ValueError, match="learning_rate"):
        TrainConfig.from_dict({"learning_rate": 0.1, "epochs": 3})


def test_from_dict_checks_values():
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig.from_dict({"epochs": -3})


# --------------------------------------------------------------------------- classroom


def test_defaults_fit_the_classroom():
    assert cost.classroom_problems(TrainConfig()) == []


def test_over_cap_field_is_flagged():
    problems = cost.classroom_problems(TrainConfig(n_samples=5000))
    assert len(problems) == 1 and "n_samples" in problems[0]
    assert FIELDS["n_samples"].allowed(classroom=True) in problems[0]


def test_a_run_over_the_time_limit_is_flagged_with_what_fits():
    """Every field within its cap, but batches of 1 make 7.5 million steps: the predicted
    seconds are over the limit, and the message says by how much and what fits instead."""
    c = TrainConfig(batch_size=1, n_samples=2000, epochs=5000)
    assert all(f.check(getattr(c, n), classroom=True) is not None for n, f in FIELDS.items())
    assert cost.seconds(c) > CLASSROOM_SECONDS and cost.memory(c) < CLASSROOM_MEMORY_CAP
    (problem,) = cost.classroom_problems(c)
    assert "batch size 1" in problem and "classroom limit of 30 s per run" in problem
    ratio = float(re.search(r"([0-9.]+)x the classroom limit", problem)[1])
    assert ratio == pytest.approx(cost.seconds(c) / CLASSROOM_SECONDS, rel=0.06)
    fits = re.search(r"it fits with (.*)$", problem)[1].split(" or ")
    assert fits[0].startswith("batch size ")
    for fix in fits:  # each suggestion, applied alone, fits
        number = int(re.search(r"\d+", fix)[0])
        field = next(
            k
            for k in ("batch_size", "epochs", "n_samples")
            if k.split("_")[-1] in fix.replace(" ", "_")
        )
        assert cost.classroom_problems(c.replace(**{field: number})) == [], fix


def test_too_much_memory_is_flagged():
    """One epoch of a 30 x 128 net for every scheme on 2000 points is little work, but its
    activations for all 11 models would need over a gigabyte."""
    c = TrainConfig(hidden=(128,) * 30, n_samples=2000, epochs=1, schemes=tuple(SCHEMES))
    assert cost.seconds(c) < CLASSROOM_SECONDS and cost.memory(c) > 1e9
    problems = cost.classroom_problems(c)
    assert len(problems) == 1 and "MB of memory" in problems[0]


@pytest.mark.parametrize("batchnorm", [False, True])
def test_memory_estimate_covers_the_real_buffers(batchnorm):
    """The estimate is at least what the trainer's kept workspaces really hold (with
    BatchNorm, its normalized values too)."""
    from initdash.train import Trainer

    c = TrainConfig(hidden=(32, 32, 32), epochs=2, n_samples=600, batch_size=64)
    c = c.replace(batchnorm=batchnorm)
    t = Trainer(c)
    t.advance()
    held = sum(
        a.nbytes
        for ws in t.net._spaces.values()
        for name in ("Z", "A1", "dZ", "dA", "XH")
        for a in vars(ws).get(name, [])  # made so far
    )
    assert 0 < held <= cost.memory(c) < 3 * held


def test_predicted_seconds_grow_with_the_run():
    """More epochs, repeats, schemes, units or smaller batches: a longer predicted run."""
    c = TrainConfig(hidden=(4, 3), epochs=100)
    assert cost.seconds(c.replace(epochs=200)) > cost.seconds(c)
    assert cost.seconds(c.replace(repeats=3)) > cost.seconds(c)
    assert cost.seconds(c.replace(schemes=("zeros",))) < cost.seconds(c)
    assert cost.seconds(c.replace(hidden=(8, 3))) > cost.seconds(c)
    assert cost.seconds(c.replace(batch_size=8)) > cost.seconds(c)
    assert cost.seconds(c) > cost.seconds(c.replace(batch_size=0))
