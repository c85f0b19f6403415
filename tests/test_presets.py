"""Every lesson preset tells the truth: each claim of its narrative, measured on its own run.

The narratives in initdash/presets.py make concrete claims ("exactly 0", "stays flat at ln 2",
"saturated fraction over 80%"); these tests run each preset and check them, so a change to the
core, the data or a preset that makes a narrative false fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import initdash
from initdash.blas import limit_blas_threads
from initdash.presets import PRESETS

limit_blas_threads(1)
LN2 = math.log(2)


@pytest.fixture(scope="module")
def runs() -> dict[str, initdash.Result]:
    return {name: initdash.run(p.config()) for name, p in PRESETS.items()}


def summary(result: initdash.Result):
    return result.summary().set_index("scheme")


def act_std(result: initdash.Result, epoch: int = 0):
    """Activation spread per scheme (rows) and hidden layer (columns) at an epoch."""
    lt = result.layer_table(epoch)
    lt = lt[(lt.kind == "hidden") & (lt.repeat == 0)]
    return lt.pivot(index="scheme", columns="layer", values="act_std")


def test_clones(runs):
    r = runs["clones"]
    s = summary(r)
    div = r.divergence_table()
    for name in ("zeros", "constant"):
        d = div[div.scheme == name]
        assert (d.divergence == 0.0).all(), "exactly 0 at every epoch"
        assert (d.distinct_neurons == 1).all(), "1 distinct neuron per layer"
        assert not s.loc[name, "symmetry_broken"]
        assert s.loc[name, "outcome"] == "all neurons same"
    assert (div[(div.scheme == "xavier_normal") & (div.epoch > 0)].divergence > 0.1).all()
    # Constant's clones learn (their weights move and the loss falls), Zeros' (tanh) barely
    assert s.loc["constant", "train_loss"] < 0.5 * s.loc["constant", "initial_loss"]
    assert s.loc["constant", "test_accuracy"] > s.loc["zeros", "test_accuracy"] + 0.2
    # "Switch the activation to ReLU: nothing but the output bias moves"
    config = PRESETS["clones"].config().replace(activation="relu", schemes=("zeros",))
    trainer = initdash.Trainer(config)
    before = [p.copy() for p in trainer.net.P]
    trainer.advance()
    after = trainer.net.P
    for b, a in zip(before[:-1], after[:-1], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(after[-1][:, :, :-1], before[-1][:, :, :-1])
    assert not np.array_equal(after[-1][:, :, -1], before[-1][:, :, -1])


def test_small_vs_large(runs):
    r = runs["small_vs_large"]
    s = summary(r)
    std = act_std(r)
    first, last = std.columns[0], std.columns[-1]
    # x0.01: the signal shrinks by orders of magnitude, the loss sits at ln 2
    assert std.loc["random_small", last] < 1e-3 * std.loc["random_small", first]
    assert s.loc["random_small", "gradient"] == "vanishing"
    assert abs(s.loc["random_small", "train_loss"] - LN2) < 0.01
    # x10: saturated, huge start, backprop signal amplified hundreds of times, erratic
    assert s.loc["random_large", "saturated_at_init"] > 0.9
    assert s.loc["random_large", "initial_loss"] > 10 * LN2
    assert s.loc["random_large", "signal_ratio_at_init"] > 100
    assert s.loc["random_large", "outcome"] == "unstable"
    # Xavier: steady spread, learns
    assert 1 / 3 < std.loc["xavier_normal", last] / std.loc["xavier_normal", first] < 3
    assert s.loc["xavier_normal", "outcome"] == "stable"
    # "Set the large scale to 1: saturation stays, the explosion goes"
    one = summary(initdash.run(PRESETS["small_vs_large"].config().replace(large_scale=1.0)))
    assert one.loc["random_large", "saturated_at_init"] > 0.3
    assert one.loc["random_large", "gradient"] != "exploding"


def test_xavier_vs_he(runs):
    r = runs["xavier_vs_he"]
    s = summary(r)
    assert abs(s.loc["xavier_normal", "train_loss"] - LN2) < 0.01, "Xavier stays flat at ln 2"
    assert s.loc["he_normal", "test_accuracy"] >= 0.9, "He trains"
    std = act_std(r)
    first, last = std.columns[0], std.columns[-1]
    per_layer = (std.loc["xavier_normal", last] / std.loc["xavier_normal", first]) ** (
        1 / (last - first)
    )
    assert per_layer == pytest.approx(1 / math.sqrt(2), abs=0.1), "about 1/sqrt(2) per layer"
    assert 1 / 3 < std.loc["he_normal", last] / std.loc["he_normal", first] < 3


def test_saturation(runs):
    s = summary(runs["saturation"])
    assert s.loc["random_large", "saturated_at_init"] > 0.8
    assert s.loc["random_large", "initial_loss"] > 5 * LN2
    assert s.loc["random_large", "outcome"] == "unstable"
    assert s.loc["random_small", "signal_ratio_at_init"] < 1e-3
    assert s.loc["random_small", "outcome"] == "no learning"
    assert s.loc["xavier_normal", "outcome"] in ("stable", "slow start")
    assert s.loc["xavier_normal", "test_accuracy"] > 0.75


def test_seed_table_reproduces_the_lesson(runs):
    """The classic lesson's TL;DR table, every cell measured."""
    s = summary(runs["seed_table"])
    table = {
        name: (row.symmetry_broken, row.gradient in ("vanishing", "exploding"), row.outcome)
        for name, row in s.iterrows()
    }
    assert table == {
        "zeros": (False, False, "all neurons same"),  # No / No / all neurons same
        "random_large": (True, True, "unstable"),  # Yes / Yes / unstable training
        "random_small": (True, False, "stable"),  # Yes / Safer / stable training
    }
    # "add a second hidden layer: ... drops about 20-fold, under 1/1000, vanishing, several
    # times as many epochs to get going"
    deep = initdash.run(PRESETS["seed_table"].config().replace(hidden=(16, 16)))
    d = summary(deep)
    assert d.loc["random_small", "signal_ratio_at_init"] < 1e-3
    assert (
        s.loc["random_small", "signal_ratio_at_init"]
        > 10 * d.loc["random_small", "signal_ratio_at_init"]
    )
    assert d.loc["random_small", "gradient"] == "vanishing"

    def start(result):
        loss = result.curve("train_loss")[:, result.schemes.index("random_small")]
        return int(np.flatnonzero(loss <= 0.9 * loss[0])[0])

    assert start(deep) >= 3 * max(start(runs["seed_table"]), 1)
