"""Share links and presets, pure functions (no script run): dashboard.links and initdash.presets.

A valid link round-trips exactly; a malformed one never raises, never asks the shared server for
more than the classroom caps, and gets one warning per rejected parameter, naming it.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import initdash
from dashboard.links import (
    CONFIG_KEYS,
    DEFAULT_VIEW,
    PARAMS,
    SECTIONS,
    STREAMLIT_KEYS,
    WORK_FALLBACK,
    _load,
    _show,
    baseline,
    lesson,
    parse_query,
    suggestions,
    to_query,
)
from dashboard.views.registry import VIEWS as VIEW_REGISTRY
from dashboard.views.registry import find
from initdash import SCHEMES, TrainConfig, cost
from initdash.config import FIELDS
from initdash.cost import CLASSROOM_SECONDS, _largest
from initdash.data import DATASETS
from initdash.presets import PRESETS
from tests.harness import python_c

VIEWS = tuple(VIEW_REGISTRY)

PRESET_NAMES = tuple(PRESETS)


# --------------------------------------------------------------------------- strategies
def _hi(name: str) -> float:
    f = FIELDS[name]
    return f.cap if f.cap is not None else f.hi


def field_values(name: str) -> st.SearchStrategy:
    """Values of one config field within its classroom range."""
    f = FIELDS[name]
    if name == "hidden":
        n = f.max_len_cap
        return st.lists(st.integers(int(f.lo), int(f.cap)), min_size=1, max_size=n).map(tuple)
    if name == "schemes":
        return st.lists(st.sampled_from(tuple(SCHEMES)), min_size=1, unique=True).map(tuple)
    if f.kind == "str":
        return st.sampled_from(f.choices())
    if f.kind == "int":
        return st.integers(int(f.lo), int(_hi(name)))
    if f.kind == "float":
        return st.floats(f.lo, _hi(name), allow_nan=False, allow_infinity=False)
    if f.kind == "bool":
        return st.booleans()
    raise AssertionError(f"no strategy for {name}")


@st.composite
def classroom_configs(draw) -> TrainConfig:
    """A random config that a classroom server accepts (every link field drawn)."""
    values = {k: draw(field_values(k)) for k in CONFIG_KEYS if k not in ("epochs", "n_classes")}
    values["n_classes"] = draw(st.integers(2, DATASETS[values["dataset"]].max_classes))
    # Epochs last, uniform over what still fits under the limits (most random nets of 30
    # layers x 128 units would otherwise fail the filter).
    top = _largest(1, int(_hi("epochs")), lambda e: _load(TrainConfig(**values, epochs=e)))
    assume(top is not None)
    values["epochs"] = draw(st.integers(1, top))
    config = TrainConfig(**values)
    assume(not cost.classroom_problems(config))
    return config


hides = st.lists(st.sampled_from(SECTIONS), unique=True).map(tuple)
presets_or_none = st.one_of(st.none(), st.sampled_from(PRESET_NAMES))


# --------------------------------------------------------------------------- round trip
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(classroom_configs(), presets_or_none, st.sampled_from(VIEWS), hides, st.booleans())
def test_valid_link_round_trips_exactly(config, preset, view, hide, as_lists):
    query = to_query(config, preset=preset, view=view, hide=hide)
    assert set(query) <= set(PARAMS)
    assert all(isinstance(v, str) for v in query.values())
    base = baseline(preset)
    for key in CONFIG_KEYS:  # defaults (the baseline's values) are left out
        assert (key in query) == (getattr(config, key) != getattr(base, key)), key
    if as_lists:  # the shape st.query_params.get_all gives
        query = {k: [v] for k, v in query.items()}
    shared = parse_query(query)
    assert shared.warnings == []
    assert shared.config == config
    assert shared.preset == preset
    assert shared.view == view
    assert shared.hide == hide


def test_a_link_cannot_ask_for_a_net_without_hidden_layers():
    """The core allows no hidden layer (logistic regression), but a classroom link needs one:
    the lesson is about a hidden layer's neurons. The link is refused with a warning."""
    config = TrainConfig(hidden=(), epochs=10)
    query = to_query(config)
    assert query == {"hidden": "", "epochs": "10"}
    shared = parse_query(query)
    assert shared.config == TrainConfig(epochs=10)
    assert len(shared.warnings) == 1 and shared.warnings[0].startswith("parameter 'hidden'")


def test_defaults_give_an_empty_link_and_a_preset_only_its_name():
    assert to_query(TrainConfig()) == {}
    assert to_query(TrainConfig(), view=DEFAULT_VIEW, hide=()) == {}
    for name, preset in PRESETS.items():
        assert to_query(baseline(name), preset=name) == {"preset": name}
        assert to_query(preset.config(), preset=name, view=preset.view) == {"preset": name}


def test_empty_link_gives_the_defaults():
    shared = parse_query({})
    assert shared.config == TrainConfig()
    got = (shared.preset, shared.view, shared.hide, shared.warnings)
    assert got == (None, DEFAULT_VIEW, (), [])


def test_streamlit_own_parameters_are_ignored_silently():
    shared = parse_query({"embed": "true", "embed_options": ["light_theme", "show_toolbar"]})
    assert shared.config == TrainConfig() and shared.warnings == []


def test_links_load_neither_streamlit_nor_altair():
    """dashboard.links reads the view names from the registry's plain table, so importing it
    alone (in a fresh interpreter) loads no page code."""
    code = (
        "import sys, dashboard.links; "
        "loaded = [m for m in ('streamlit', 'altair') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr


def test_every_view_names_a_draw_and_options_function_in_its_room():
    """The registry's "room.function" names resolve (each room imported on first use)."""
    for view in VIEW_REGISTRY.values():
        assert callable(find(view.draws)), view.draws
        assert view.asks is None or callable(find(view.asks)), view.asks


# --------------------------------------------------------------------------- malformed links
NASTY = (
    "",
    " ",
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "../../etc/passwd",
    "%00",
    "\x00",
    "\n",
    "[x](javascript:alert(1))",
    ":red[x]",
    "**bold**",
    "$\\LaTeX$",
    "1e308",
    "-1e308",
    "1e-400",
    str(10**30),
    "-" + str(10**30),
    str(2**32),
    "-1",
    "0",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "0x10",
    "1_000",
    "1.5",
    "400.0",
    "1,2,3",
    "1,,2",
    ",",
    "0,0",
    "zeros,zeros",
    "zeros,evil",
    "data,data",
    "True",
    "None",
    "[]",
    "{}",
    "１００",
    "\u202e100",
    "x" * 201,
    "9" * 5000,
)
UNKNOWN_KEYS = (
    "Epochs",
    "EPOCHS",
    "epochs ",
    " epochs",
    "epochs[]",
    "__proto__",
    "constructor",
    "test_fraction",  # a config field that links do not carry
    "snapshots",
    "dtype",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    ":red[x]",
    "k" * 300,
)


# Valid but heavy values, so that links asking for too much work in total are common.
HEAVY = {
    "epochs": st.integers(2000, 5000),
    "n_samples": st.integers(1000, 2000),
    "hidden": st.lists(st.integers(64, 128), min_size=10, max_size=30).map(tuple),
    "repeats": st.integers(3, 5),
    "schemes": st.lists(st.sampled_from(tuple(SCHEMES)), min_size=6, unique=True).map(tuple),
}


def _valid_text(key: str) -> st.SearchStrategy:
    """Text a link may validly carry for a known key."""
    if key in HEAVY:
        return st.one_of(field_values(key), HEAVY[key]).map(PARAMS[key].format)
    if key in CONFIG_KEYS:
        return field_values(key).map(PARAMS[key].format)
    if key == "preset":
        return st.sampled_from(PRESET_NAMES)
    if key == "view":
        return st.sampled_from(VIEWS)
    if key == "hide":
        return hides.map(",".join)
    return st.nothing()


garbage = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.integers(-(10**40), 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@st.composite
def malformed_queries(draw) -> dict:
    keys = draw(
        st.lists(
            st.one_of(
                st.sampled_from(tuple(PARAMS)),
                st.sampled_from(tuple(PARAMS)),
                st.sampled_from(tuple(HEAVY) + ("preset", "dataset", "n_classes")),
                st.sampled_from(tuple(STREAMLIT_KEYS) + UNKNOWN_KEYS),
                st.text(min_size=1, max_size=40),
                st.text(min_size=100, max_size=400),
            ),
            min_size=1,
            max_size=10,
            unique=True,
        )
    )
    query = {}
    for key in keys:
        one = st.one_of(_valid_text(key), garbage) if key in PARAMS else garbage
        query[key] = draw(
            st.one_of(
                _valid_text(key) if key in PARAMS else garbage,  # valid, if the key is known
                one,  # a plain value
                one.map(lambda v: [v]),  # get_all's shape
                st.lists(one, min_size=2, max_size=4),  # a duplicated key
                st.just([]),
            )
        )
    return query


def _read_ok(key: str, raw) -> bool:
    """Does this single parameter pass the table's own parse + classroom check?"""
    values = [raw] if isinstance(raw, str) else list(raw)
    if len(values) != 1:
        return False
    spec = PARAMS[key]
    try:
        spec.check(spec.parse(values[0]), classroom=True)
    except ValueError:
        return False
    return True


def named_keys(warnings: list[str], keys) -> Counter:
    """The parameter each warning names (as _show displays it), counted."""
    shows = {_show(k) for k in keys}
    out: Counter = Counter()
    for w in warnings:
        hits = {
            s
            for s in shows
            if w.startswith(f"unknown parameter {s} ") or w.startswith(f"parameter {s} ")
        }
        assert len(hits) == 1, (w, hits)
        out[hits.pop()] += 1
    return out


@settings(max_examples=600, deadline=None)
@given(malformed_queries())
def test_malformed_link_never_raises_stays_safe_and_names_exactly_the_rejected(query):
    shared = parse_query(query)  # never raises
    config = shared.config
    assert isinstance(config, TrainConfig)
    assert cost.classroom_problems(config) == []  # never an unsafe size
    assert cost.seconds(config) <= CLASSROOM_SECONDS

    ours = [k for k in query if k not in STREAMLIT_KEYS]
    bad = [k for k in ours if k not in PARAMS or not _read_ok(k, query[k])]
    good = [k for k in ours if k not in bad]
    named = named_keys(shared.warnings, ours)
    # each rejected parameter is named once; nothing is named that was not in the link
    assert all(named[_show(k)] >= 1 for k in bad)
    assert sum(named.values()) == len(shared.warnings)
    if bad:
        assert shared.warnings
    # a valid value is rejected only when it clashes with another or asks too much work
    dropped = [k for k in good if _show(k) in named]
    # ... or a step past the end of its lesson (the lesson is known only with the preset)
    assert set(dropped) <= {"dataset", "n_classes", "step", *WORK_FALLBACK}, dropped
    assert sum(named.values()) == len(bad) + len(dropped)

    # the page parameters: a valid one is used, a rejected one falls back
    def read(key):
        return PARAMS[key].check(PARAMS[key].parse(next(iter(_as_list(query[key])))), True)

    expected_preset = read("preset") if "preset" in good else None
    assert shared.preset == expected_preset
    steps = lesson(expected_preset).steps  # the preset's, or the first page's
    asked = read("step") if "step" in good else 1
    expected_step = asked if asked <= len(steps) else 1
    assert shared.step == expected_step
    default_view = steps[expected_step - 1].scene.view  # the step's view, unless one is asked
    assert shared.view == (read("view") if "view" in good else default_view)
    assert shared.hide == (read("hide") if "hide" in good else ())

    # the config: the baseline with exactly the accepted (valid, not dropped) values
    base = baseline(expected_preset)
    kept = {k: read(k) for k in good if k in CONFIG_KEYS and k not in dropped}
    assert config == base.replace(**kept)
    assert shared.given == kept
    for k in dropped:  # a value dropped for work is heavier than the one used instead
        if any(
            w.startswith(f"parameter {_show(k)}") and "classroom limit" in w
            for w in shared.warnings
        ):
            assert _load(config.replace(**{k: read(k)})) > _load(config), k
    if dropped:  # dropping was needed: with everything valid the run clashes or is too big
        everything = {**kept, **{k: read(k) for k in dropped}}
        try:
            too_big = _load(base.replace(**everything)) > 1
        except ValueError:
            too_big = True
        assert too_big

    for w in shared.warnings:  # short, one line, printable: safe to show
        assert len(w) < 500 and w.isprintable(), w
        assert "using its default" in w or w.startswith("unknown parameter")


def _as_list(raw):
    return [raw] if isinstance(raw, str) else list(raw)


@pytest.mark.parametrize("key", CONFIG_KEYS)
@pytest.mark.parametrize(
    "value",
    ["1e308", str(10**30), "nan", "inf", "-inf", "<script>alert(1)</script>", "'; DROP TABLE",
     "../../etc/passwd", "%00", "[x](javascript:alert(1))", ":red[x]", "x" * 300],
)  # fmt: skip
def test_hostile_values_are_rejected_for_every_config_key(key, value):
    shared = parse_query({key: value})
    assert len(shared.warnings) == 1 and f"parameter '{key}'" in shared.warnings[0]
    assert shared.config == TrainConfig()


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_duplicated_key_is_rejected_even_with_equal_values(key):
    text = PARAMS[key].format(getattr(TrainConfig(), key))
    shared = parse_query({key: [text, text]})
    assert shared.warnings == [
        f"parameter '{key}' is given 2 times (give it once, as "
        f"{PARAMS[key].allowed(classroom=True)}); using its default instead"
    ]


def test_warnings_name_the_parameter_readably():
    shared = parse_query({"epochs": "abc", "bogus": "1", "lr": ["0.1", "0.2"]})
    assert len(shared.warnings) == 3
    assert "'epochs'" in shared.warnings[0] and "'abc'" in shared.warnings[0]
    assert shared.warnings[1].startswith("unknown parameter 'bogus' ignored; known: dataset")
    assert "'lr'" in shared.warnings[2] and "2 times" in shared.warnings[2]
    long = parse_query({"k" * 1000: "1", "a\nb": "2"}).warnings
    assert [w.split(";")[0] for w in long] == [
        "unknown parameter '" + "k" * 27 + "...' ignored",
        "unknown parameter 'a?b' ignored",
    ]


def test_out_of_range_and_over_the_classroom_cap():
    for key, value in {"epochs": "0", "n_samples": "19", "noise": "-0.1", "lr": "11"}.items():
        assert parse_query({key: value}).config == TrainConfig()
    # within the field's range, but over the classroom cap: refused, with the cap in the message
    shared = parse_query({"n_samples": "50000"})
    assert shared.config.n_samples == FIELDS["n_samples"].default
    assert "2000" in shared.warnings[0]
    shared = parse_query({"hidden": ",".join(["8"] * 31)})
    assert shared.config.hidden == FIELDS["hidden"].default and "30" in shared.warnings[0]


def test_unreadable_value_message_quotes_the_classroom_range():
    (warning,) = parse_query({"n_samples": "abc"}).warnings
    assert "2000" in warning and "100000" not in warning


def test_clash_between_fields_names_the_later_one():
    shared = parse_query({"dataset": "moons", "n_classes": "5"})
    assert shared.config == TrainConfig()
    assert len(shared.warnings) == 1 and shared.warnings[0].startswith("parameter 'n_classes'")
    shared = parse_query({"dataset": "spirals", "n_classes": "5"})
    assert shared.warnings == [] and (shared.config.dataset, shared.config.n_classes) == (
        "spirals",
        5,
    )


# --------------------------------------------------------------------------- the time limit
def test_too_much_work_falls_back_below_the_cap_naming_what_fell_back():
    asked = {
        "epochs": "5000",
        "n_samples": "2000",
        "hidden": ",".join(["128"] * 30),
        "schemes": ",".join(SCHEMES),
        "repeats": "5",
    }
    wanted = {
        "epochs": 5000,
        "n_samples": 2000,
        "hidden": (128,) * 30,
        "schemes": tuple(SCHEMES),
        "repeats": 5,
    }
    assert cost.seconds(TrainConfig(**wanted)) > CLASSROOM_SECONDS
    for key in asked:  # each value is within its own classroom range: only the total is too big
        assert PARAMS[key].check(PARAMS[key].parse(asked[key]), classroom=True) == wanted[key]
    shared = parse_query(asked)
    config = shared.config
    assert cost.seconds(config) <= CLASSROOM_SECONDS and cost.classroom_problems(config) == []
    fell_back = [k for k in wanted if getattr(config, k) != wanted[k]]
    assert fell_back and len(shared.warnings) == len(fell_back)
    assert sorted(w.split("'")[1] for w in shared.warnings) == sorted(fell_back)
    for key in fell_back:
        (warning,) = [w for w in shared.warnings if w.startswith(f"parameter '{key}' rejected")]
        assert "classroom limit of" in warning and "using its default instead" in warning
        assert getattr(config, key) == FIELDS[key].default
    # only what must go went: putting any one dropped value back goes over the limits
    for key in fell_back:
        assert _load(config.replace(**{key: wanted[key]})) > 1, key
    # what was kept is what was asked
    for key in set(wanted) - set(fell_back):
        assert getattr(config, key) == wanted[key]


def test_work_fallback_never_drops_a_value_lighter_than_the_default():
    """A short run of a big net: dropping epochs=30 (back to 1000) would only add work."""
    asked = {"epochs": "30", "hidden": ",".join(["128"] * 30), "schemes": ",".join(SCHEMES)}
    shared = parse_query(asked)
    assert cost.classroom_problems(shared.config) == []
    assert shared.config.epochs == 30 and shared.config.schemes == tuple(SCHEMES)
    assert shared.config.hidden == FIELDS["hidden"].default
    assert len(shared.warnings) == 1 and shared.warnings[0].startswith("parameter 'hidden'")


# --------------------------------------------------------------------------- presets
@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_is_a_valid_classroom_lesson(name):
    preset = PRESETS[name]
    assert preset.name == name
    assert set(preset.settings) <= set(CONFIG_KEYS)  # the sidebar can show (and keep) them all
    config = preset.config()
    assert cost.classroom_problems(config) == []
    assert preset.view in VIEWS
    assert preset.title.strip() and preset.narrative.strip()
    assert 0 < cost.seconds(config) <= CLASSROOM_SECONDS
    shared = parse_query({"preset": name})
    assert shared.warnings == []
    assert shared.config == config
    assert (shared.preset, shared.view, shared.hide) == (name, preset.view, ())


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_link_with_an_override_keeps_the_preset(name):
    config = PRESETS[name].config().replace(epochs=30)
    query = to_query(config, preset=name)
    assert query == {"preset": name, "epochs": "30"}
    shared = parse_query(query)
    assert shared.config == config and shared.preset == name and shared.warnings == []


@pytest.mark.parametrize(
    "query",
    [{"n_classes": "3", "dataset": "xor"}, {"dataset": "xor", "n_classes": "3"}],
    ids=["n_classes-first", "dataset-first"],
)
def test_a_clash_drops_only_the_value_that_cannot_stay(query):
    """3 classes of xor (which has 2): xor stays and n_classes is refused, in either order."""
    link = parse_query(query)
    assert link.config.dataset == "xor" and link.config.n_classes == 2
    assert len(link.warnings) == 1 and "'n_classes' rejected" in link.warnings[0]


@pytest.mark.parametrize(
    ("key", "hint"), [("epoch", "did you mean 'epochs'?"), ("Seed", "did you mean 'seed'?")]
)
def test_a_typo_gets_a_suggestion(key, hint):
    (warning,) = parse_query({key: "7", "lr": "0.1"}).warnings
    assert warning.endswith(hint)
    assert parse_query({key: "7", "lr": "0.1"}).config.lr == 0.1  # the rest is kept


def test_an_unknown_parameter_lists_the_known_ones():
    (warning,) = parse_query({"zzz": "1"}).warnings
    assert "known: dataset, n_samples" in warning and "hide" in warning


# --------------------------------------------------------------------------- friendlier refusals
def test_a_link_asking_for_too_much_drops_only_what_it_must():
    """Batch size 1 on 2000 samples for 5000 epochs (minutes on one server): dropping the
    batch size alone fits, so the samples and epochs stay; the warning says what the run
    would cost and which batch sizes fit."""
    link = parse_query({"batch_size": "1", "n_samples": "2000", "epochs": "5000", "lr": "0.1"})
    assert (link.config.n_samples, link.config.epochs, link.config.lr) == (2000, 5000, 0.1)
    assert link.config.batch_size == FIELDS["batch_size"].default
    (warning,) = link.warnings
    assert warning.startswith("parameter 'batch_size' rejected: with batch_size 1 the run")
    assert "the classroom limit of 30 s per run" in warning and "min of training" in warning
    fits = int(re.search(r"batch size (\d+) would fit", warning)[1])
    assert cost.seconds(link.config.replace(batch_size=fits)) <= CLASSROOM_SECONDS
    assert warning.endswith("using its default instead")


EIGHT_SCHEMES = ",".join(list(SCHEMES)[:8])  # all but LeCun, orthogonal and LSUV
# Issue 19's two links whose refusal of hidden named nothing that fits, and the nets it missed.
ISSUE_LINKS = [
    ({"optimizer": "adam", "hidden": ",".join(["128"] * 30), "schemes": EIGHT_SCHEMES,
      "epochs": "5000", "repeats": "5", "n_samples": "1000", "dataset": "spirals",
      "n_classes": "6"}, ["1 hidden layer of 34", "2 hidden layers of 14"]),
    ({"repeats": "5", "epochs": "3000", "hidden": ",".join(["32"] * 20), "optimizer": "adam",
      "batch_size": "1", "batchnorm": "on"}, ["1 hidden layer of 30"]),
]  # fmt: skip


def over_budget_links(n: int = 200, seed: int = 19) -> list[dict[str, str]]:
    """Links of heavy settings, each within its classroom range but over the limits together:
    depth, width, epochs, repeats, batch, optimizer, BatchNorm, samples, schemes and classes."""
    rng = np.random.default_rng(seed)
    links = []
    while len(links) < n:
        depth, width = int(rng.integers(1, 31)), int(rng.choice([2, 8, 16, 32, 64, 100, 128]))
        query = {
            "hidden": ",".join([str(width)] * depth),
            "epochs": str(rng.choice([300, 1000, 2000, 3000, 5000])),
            "repeats": str(rng.integers(1, 6)),
            "batch_size": str(rng.choice([0, 1, 8, 32, 256])),
            "optimizer": str(rng.choice(list(initdash.OPTIMIZERS))),
            "batchnorm": str(rng.choice(["on", "off"])),
            "n_samples": str(rng.choice([200, 400, 1000, 2000])),
            "schemes": str(rng.choice(["all", EIGHT_SCHEMES, "he_normal,xavier_normal"])),
        }
        if rng.random() < 0.3:
            query.update(dataset="spirals", n_classes=str(rng.integers(2, 7)))
        asked = {k: PARAMS[k].parse(v, classroom=True) for k, v in query.items()}
        if _load(TrainConfig(**asked)) > 1:
            links.append(query)
    return links


def refusals(query: dict[str, str]) -> list[tuple[str, str, list]]:
    """(key, warning, suggestions) for each value a link drops as too much."""
    link = parse_query(dict(query))
    out = []
    for warning in link.warnings:
        assert " rejected: with " in warning, warning  # the only refusals here: the limits
        key = warning.split("'")[1]
        asked = PARAMS[key].check(PARAMS[key].parse(query[key], classroom=True), classroom=True)
        out.append((key, warning, suggestions(key, link.config, asked)))
    assert out and _load(link.config) <= 1
    return out


def check_suggestions(key: str, warning: str, fixes: list, kept: TrainConfig) -> None:
    """The warning names each suggestion, each really fits, and each changes only ``key``."""
    assert fixes, warning
    assert "would fit with the link's other settings" in warning
    for fix in fixes:
        assert fix.text in warning
        assert _load(fix.config) <= 1, fix.text
        assert fix.config == kept.replace(**{key: getattr(fix.config, key)})


@pytest.mark.parametrize(("query", "named"), ISSUE_LINKS, ids=["30x128 adam", "20x32 batch 1"])
def test_a_refused_net_names_nets_that_fit(query, named):
    """Issue 19: hidden dropped, and the warning names nets that load within the limit,
    depth and width searched together (not only fewer layers of 128, or 30 narrower ones)."""
    link = parse_query(query)
    (warning,) = [w for w in link.warnings if w.startswith("parameter 'hidden'")]
    for text in named:
        assert text in warning
    for key, warning, fixes in refusals(query):
        check_suggestions(key, warning, fixes, link.config)
        if key == "hidden":
            assert [f.text for f in fixes][: len(named)] == named
            assert all(0 < cost.seconds(f.config) <= CLASSROOM_SECONDS for f in fixes)


def test_every_refusal_over_a_grid_of_heavy_links_names_a_value_that_fits():
    """200 seeded heavy links: every value dropped for the limits comes with values that fit
    with the link's other settings, each named in its warning and each really under them."""
    dropped = Counter()
    for query in over_budget_links():
        kept = parse_query(dict(query)).config
        for key, warning, fixes in refusals(query):
            check_suggestions(key, warning, fixes, kept)
            dropped[key] += 1
    assert dropped["hidden"] > 20 and len(dropped) >= 4, dropped  # the grid reaches them all


@pytest.mark.parametrize("key", ["hidden", "schemes", "hide"])
def test_every_list_parameter_takes_a_trailing_comma_and_refuses_an_empty_item(key):
    one, two = {"hidden": ("32", "8"), "schemes": ("zeros", "he_normal"),
                "hide": ("data", "init")}[key]  # fmt: skip
    expected = PARAMS[key].check(PARAMS[key].parse(one), classroom=True)
    for text in (f"{one},", f"{one}, ", f" {one} ,"):
        link = parse_query({key: text})
        assert link.warnings == [], text
        assert (link.hide if key == "hide" else getattr(link.config, key)) == expected
    (warning,) = parse_query({key: f"{one},,{two}"}).warnings
    assert "has an empty item between two commas" in warning
    assert PARAMS[key].allowed(classroom=True) in warning


def test_schemes_all_in_a_link_is_every_scheme_as_on_the_command_line():
    link = parse_query({"schemes": "all"})
    assert link.warnings == [] and link.config.schemes == tuple(SCHEMES)
    assert to_query(link.config) == {"schemes": ",".join(SCHEMES)}


@pytest.mark.parametrize(
    ("text", "widths", "written"),
    [
        ("16x10", (16,) * 10, "16x10"),
        ("32x2,8", (32, 32, 8), "32,32,8"),  # a run of two stays spelled out
        ("8,64X3,8", (8, 64, 64, 64, 8), "8,64x3,8"),
        (" 16 x 3 ", (16, 16, 16), "16x3"),
        ("16,16,16,16", (16,) * 4, "16x4"),
    ],
)
def test_a_repeated_width_reads_and_writes_as_width_x_count(text, widths, written):
    link = parse_query({"hidden": text})
    assert link.warnings == [] and link.config.hidden == widths
    assert to_query(link.config)["hidden"] == written
    assert parse_query(to_query(link.config)).config == link.config


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("16x0", "is not 1 to 30 comma-separated whole numbers"),  # no layer of 16
        ("x5", "is not 1 to 30 comma-separated whole numbers"),  # no width
        ("16x", "is not 1 to 30 comma-separated whole numbers"),  # no count
        ("16x3x2", "is not 1 to 30 comma-separated whole numbers"),
        ("16x-2", "is not 1 to 30 comma-separated whole numbers"),
        ("16x99", "hidden = (16, 16"),  # read, then over the classroom's 30 layers
        ("16x999999999", "is not 1 to 30 comma-separated whole numbers"),  # never expanded
        ("0x5", "hidden = (0, 0"),  # a width of 0
    ],
)
def test_a_bad_repeated_width_is_refused_naming_what_is_allowed(text, why):
    link = parse_query({"hidden": text, "seed": "7"})
    (warning,) = link.warnings
    assert warning.startswith("parameter 'hidden' rejected") and why in warning, warning
    assert "a repeated one as WIDTHxCOUNT" in warning and "from 1 to 128" in warning
    assert link.config.hidden == FIELDS["hidden"].default and link.config.seed == 7


ALLOWED = {  # each refusal path -> the allowed range its warning must quote
    "unreadable": ({"epochs": "abc"}, "a whole number from 1 to 5000"),
    "out of range": ({"epochs": "0"}, "a whole number from 1 to 5000"),
    "over the classroom cap": ({"n_samples": "50000"}, "a whole number from 20 to 2000"),
    "not a choice": ({"activation": "swish"}, "one of: tanh"),
    "unknown name": ({"schemes": "zeros,evil"}, "names from: zeros, constant"),
    "repeated name": ({"schemes": "zeros,zeros"}, "1 to 11 comma-separated names"),
    "too many layers": ({"hidden": ",".join(["8"] * 31)}, "1 to 30 comma-separated whole"),
    "too long": ({"lr": "1" * 300}, "a number from 1e-05 to 10"),
    "duplicated": ({"lr": ["0.1", "0.2"]}, "give it once, as a number from 1e-05 to 10"),
    "clash": ({"dataset": "xor", "n_classes": "3"}, "(at most 2 classes); use 2"),
    "clash of 6": ({"dataset": "spirals", "n_classes": "7"}, "whole number from 2 to 6"),
    "unknown parameter": ({"epoch": "5"}, "did you mean 'epochs'?"),
    "too slow": ({"batch_size": "1", "n_samples": "2000"}, "would fit with the link's other"),
}


@pytest.mark.parametrize("case", list(ALLOWED))
def test_each_refusal_names_the_parameter_what_was_wrong_and_what_is_allowed(case):
    query, allowed = ALLOWED[case]
    link = parse_query({**query, "seed": "7"})
    (warning,) = link.warnings
    assert allowed in warning, warning
    assert any(
        warning.startswith(f"{w} '{k}'") for k in query for w in ("parameter", "unknown parameter")
    )
    assert link.config.seed == 7  # every other setting is kept


def test_batchnorm_in_a_link():
    """``batchnorm=on`` (or 1, true) turns BatchNorm on; off is the default and is left out of
    links; another word is named in a warning and falls back to off."""
    for text in ("on", "1", "TRUE"):
        link = parse_query({"batchnorm": text})
        assert link.config.batchnorm is True and not link.warnings
    assert to_query(TrainConfig(batchnorm=True)) == {"batchnorm": "on"}
    assert "batchnorm" not in to_query(TrainConfig())
    link = parse_query({"batchnorm": "yes"})
    assert link.config.batchnorm is False
    (warning,) = link.warnings
    assert "'batchnorm'" in warning and "1/0, true/false or on/off" in warning
