"""The budget in seconds (initdash.cost): the prediction against measured runs, and no setting
reachable from the sidebar or a link predicts more than the per-run limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import initdash
from dashboard import controls
from dashboard.links import _load, parse_query
from initdash import SCHEMES, TrainConfig, cost
from initdash.config import FIELDS
from initdash.cost import CLASSROOM_MEMORY_CAP

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_prices_make_every_count_cost_something():
    """A fitted price of 0 would let that work grow without limit (the fit can zero a count
    that its grid never made large): every kind of work the trainer does has a price, except
    the fixed cost."""
    assert all(v > 0 for k, v in cost.PRICES.items() if k != "fixed"), cost.PRICES
    assert set(cost.PRICES) == set(cost.counts(TrainConfig()))


def test_the_flush_estimate_matches_the_trainer_at_initialization():
    """cost.shrinks foresees the trainer's flushing of tiny values (a slower run) where the
    signal vanishes at initialization: deep nets of small random weights, or of saturating
    sigmoids; not where the scheme keeps the signal's spread."""
    cases = [
        (dict(hidden=(16,) * 20), True),  # random small: 0.04 per layer
        (dict(hidden=(16,) * 3), False),
        (dict(hidden=(64,) * 20, schemes=("xavier_normal", "he_normal")), False),
        (dict(hidden=(64,) * 20, schemes=("he_normal",), activation="relu"), False),
        (dict(hidden=(128,) * 30, schemes=("random_small",)), True),
    ]
    for settings_, expected in cases:
        config = TrainConfig(**settings_, n_samples=200)
        trainer = initdash.Trainer(config, detail=False)
        assert (trainer.net.flush > 0) == expected, settings_
        assert (cost.counts(config)["flushed"] > 0) == expected, settings_


def test_sizes_are_the_split_the_trainer_trains_on():
    for settings_ in (dict(), dict(n_samples=2000), dict(dataset="spirals", n_classes=5,
                                                          n_samples=63)):  # fmt: skip
        config = TrainConfig(**settings_)
        data = initdash.make_data(config)
        assert cost.sizes(config) == cost.sizes(config, data)
        assert cost.sizes(config).n_train == len(data.y_train)


# --------------------------------------------------------------------------- what is reachable
@st.composite
def sidebar_values(draw) -> dict:
    """Any values the sidebar's widgets can hold (and a link can give them)."""
    values = {}
    for name in controls.links.CONFIG_KEYS:
        f = FIELDS[name]
        hi = f.cap if f.cap is not None else f.hi
        if name == "hidden":
            depth = draw(st.integers(1, int(f.max_len_cap)))
            values[name] = tuple(draw(st.integers(1, int(hi))) for _ in range(depth))
        elif name == "schemes":
            values[name] = tuple(draw(st.lists(st.sampled_from(tuple(SCHEMES)), min_size=1,
                                               unique=True)))  # fmt: skip
        elif name == "batch_size":
            values[name] = draw(st.sampled_from((0, 1, 2, *controls.BATCH_STEPS)))
        elif f.kind == "str":
            values[name] = draw(st.sampled_from(f.choices()))
        elif f.kind == "int":
            values[name] = draw(st.integers(int(f.lo), int(hi)))
        else:
            values[name] = draw(st.floats(f.lo, hi))
    values["epochs"] = draw(st.sampled_from((*controls.EPOCH_STEPS, 4999)))
    return values


@settings(max_examples=300, deadline=None)
@given(sidebar_values())
def test_no_sidebar_setting_predicts_over_the_limit(values):
    config, problems = controls.build_config(values)
    if config is None:  # refused: the message says why (a cap, the time, the memory)
        assert problems
        return
    assert cost.seconds(config) <= cost.CLASSROOM_SECONDS
    assert cost.memory(config) <= CLASSROOM_MEMORY_CAP


EXTREMES = [  # the sidebar's and links' heaviest corners
    dict(batch_size=1, n_samples=2000, epochs=5000),
    dict(batch_size=1, n_samples=2000, epochs=5000, hidden=(1,) * 30, schemes=("he_normal",)),
    dict(batch_size=8, hidden=(8,) * 30, epochs=5000),
    dict(hidden=(128,) * 30),
    dict(hidden=(128,) * 30, schemes=tuple(SCHEMES), repeats=5, epochs=5000, n_samples=2000),
    dict(schemes=tuple(SCHEMES), repeats=5, epochs=5000, n_samples=2000, optimizer="adam"),
]


@pytest.mark.parametrize("values", EXTREMES, ids=range(len(EXTREMES)))
def test_the_heaviest_settings_are_refused_saying_what_fits(values):
    """The issue's settings (6 minutes to an hour each): refused in the sidebar, with the
    cost and the single changes that fit, each of which really fits; a link drops only what
    it must and keeps the run under the limit."""
    config = TrainConfig(**values)
    assert cost.seconds(config) > cost.CLASSROOM_SECONDS
    built, problems = controls.build_config({**TrainConfig().to_dict(), **values})
    assert built is None
    text = " ".join(problems)
    assert "classroom limit of 30 s per run" in text
    fixes = cost.fixes(config, None, lambda c: cost.seconds(c) / cost.CLASSROOM_SECONDS)
    assert fixes and all(f.text in text for f in fixes[:3])
    for fix in fixes:  # each change alone fits, and changes only its field
        assert cost.seconds(fix.config) <= cost.CLASSROOM_SECONDS, fix.text
        changed = {k for k in FIELDS if getattr(fix.config, k) != getattr(config, k)}
        assert changed == {fix.field}
    link = parse_query({k: controls.links.PARAMS[k].format(v) for k, v in values.items()})
    assert _load(link.config) <= 1.0 and cost.classroom_problems(link.config) == []
    assert link.warnings


def test_a_refusal_suggests_the_nearest_settings_that_fit():
    """Batch size 1, 2000 samples, 5000 epochs: a larger batch, fewer epochs or fewer samples
    fit (in that order), each the nearest that does: one step further does not."""
    config = TrainConfig(batch_size=1, n_samples=2000, epochs=5000)
    limit = cost.CLASSROOM_SECONDS
    fixes = {f.field: f for f in cost.fixes(config, None, lambda c: cost.seconds(c) / limit)}
    assert list(fixes)[:3] == ["batch_size", "epochs", "n_samples"]
    b = fixes["batch_size"].config.batch_size
    assert fixes["batch_size"].text == f"batch size {b}"
    smaller = controls.BATCH_STEPS[controls.BATCH_STEPS.index(b) - 1]
    assert cost.seconds(config.replace(batch_size=smaller)) > limit
    e = fixes["epochs"].config.epochs
    assert cost.seconds(config.replace(epochs=int(e * 1.1) + 1)) > limit
    n = fixes["n_samples"].config.n_samples
    assert cost.seconds(config.replace(n_samples=n + 20)) > limit


def test_readme_examples_fit_and_its_deep_net_claim_is_true():
    """Every share link in the README opens without a warning and under the limit, and the
    README's sentence about the deepest widest net states settings that fit (and more that do
    not)."""
    text = README.read_text()
    queries = re.findall(r"`\?([^`]+)`", text)
    assert len(queries) >= 3
    for q in queries:
        query = dict(part.split("=", 1) for part in q.split("&") if "=" in part)
        link = parse_query(query)
        assert link.warnings == [], (q, link.warnings)
        assert cost.seconds(link.config) <= cost.CLASSROOM_SECONDS
    m = re.search(r"30 hidden layers of 128 units train in about (\d+) s with (\d+) samples and "
                  r"(\d+) epochs", " ".join(text.split()))  # fmt: skip
    assert m, "the README states what fits"
    secs, n, e = (int(g) for g in m.groups())
    deep = TrainConfig(hidden=(128,) * 30, n_samples=n, epochs=e)
    assert cost.classroom_problems(deep) == []
    assert abs(cost.seconds(deep) - secs) <= 0.5 * secs
    assert cost.classroom_problems(TrainConfig(hidden=(128,) * 30, epochs=e))  # 400 samples: no
