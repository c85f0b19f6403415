"""Every sentence a student reads in a lesson (and on the first page), as a check.

A claim is a short paraphrase of the sentence it checks, a function of one seed's runs that says
whether the sentence holds for that seed and, for a lesson's step, ``quote``: a verbatim piece of
the step's text, so a test can tell that each step has its claims (and each claim its step).
Quiz claims say which answer each question of a lesson gets (the answer its steps teach).
tests/test_presets.py asserts each claim on seeds 0..9 (links carry the seed and students
change it), and ``python bench/claims.py`` prints how many seeds each claim holds on. A claim
that fails on any seed is a sentence (or a setting) to change, never a check to loosen.

Runs are made once per (preset, changes, seed) and shared by the claims.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

import initdash
from initdash import chaos, quiz
from initdash.presets import PRESETS, START, TEN_RELU
from initdash.verdicts import NO_LEARNING_CUT

SEEDS = tuple(range(10))
LN2 = math.log(2)
FIRST_PAGE = "first page"  # a claim's ``where`` for the first page (START, the defaults)


@cache
def run(preset: str | None, seed: int, **changes: Any) -> initdash.Result:
    """The run a student gets from ``?preset=<preset>&seed=<seed>`` plus ``changes``
    (``preset=None``: the first page, the defaults)."""
    base = PRESETS[preset].config() if preset else initdash.TrainConfig()
    return initdash.run(base.replace(seed=seed, **changes))


@cache
def summary(preset: str | None, seed: int, **changes: Any) -> pd.DataFrame:
    return run(preset, seed, **changes).summary().set_index("scheme")


def spread(result: initdash.Result, epoch: int = 0) -> pd.DataFrame:
    """Activation spread per scheme (rows) and hidden layer (columns), repeat 0."""
    lt = result.layer_table(epoch)
    lt = lt[(lt.kind == "hidden") & (lt.repeat == 0)]
    return lt.pivot(index="scheme", columns="layer", values="act_std")


def weights_moved(preset: str, seed: int, **changes: Any) -> list[tuple[bool, bool]]:
    """Per layer of the first scheme: (did its weights move?, did its biases move?)."""
    config = PRESETS[preset].config().replace(seed=seed, **changes)
    trainer = initdash.Trainer(config)
    before = [p.copy() for p in trainer.net.P]
    trainer.advance()
    return [
        (
            not np.array_equal(a[0, :, :-1], b[0, :, :-1]),
            not np.array_equal(a[0, :, -1], b[0, :, -1]),
        )
        for a, b in zip(trainer.net.P, before, strict=True)
    ]


@dataclass(frozen=True)
class Claim:
    where: str  # the preset's name, FIRST_PAGE, or the page part ("activations view"...)
    says: str  # a short paraphrase of the sentence
    holds: Callable[[int], bool] = field(repr=False)  # seed -> does it hold?
    quote: str = ""  # a verbatim piece of the lesson step it checks ("" for other text)


def _row(preset, seed, scheme, **changes):
    return summary(preset, seed, **changes).loc[scheme]


def _unstable(row) -> bool:
    """The loss climbed back to over twice its lowest: the verdict says unstable."""
    return row.relapse > 2 and row.outcome == "unstable"


def _clones(seed: int) -> bool:
    r = run("clones", seed)
    d = r.divergence_table()
    ok = True
    for name in ("zeros", "constant"):
        rows = d[d.scheme == name]
        ok &= bool((rows.divergence == 0.0).all() and (rows.distinct_neurons == 1).all())
    return ok


def _xavier_all_distinct(seed: int) -> bool:
    d = run("clones", seed).divergence_table()
    last = d[(d.scheme == "xavier_normal") & (d.epoch == d.epoch.max())]
    return bool((last.distinct_neurons == last.width).all())


def _only_output_bias(seed: int, activation: str) -> bool:
    moved = weights_moved("clones", seed, activation=activation, schemes=("zeros",))
    hidden_still = all(not w and not b for w, b in moved[:-1])
    return hidden_still and moved[-1] == (False, True)


def _sigmoid_clones_move(seed: int) -> bool:
    moved = weights_moved("clones", seed, activation="sigmoid", schemes=("zeros",))
    s = summary("clones", seed, activation="sigmoid", schemes=("zeros",)).loc["zeros"]
    return all(w for w, _ in moved) and not s.symmetry_broken and s.distinct_neurons == 1


def _per_layer_factor(result, scheme: str) -> float:
    sd = spread(result).loc[scheme]
    first, last = sd.index[0], sd.index[-1]
    return float((sd[last] / sd[first]) ** (1 / (last - first)))


def _spread_ratio(result, scheme: str) -> float:
    sd = spread(result).loc[scheme]
    return float(sd.iloc[-1] / sd.iloc[0])


def _deep_lab(preset: str, seed: int) -> pd.DataFrame:
    d = PRESETS[preset].deep
    config = PRESETS[preset].config().replace(activation=d["activation"], seed=seed)
    return initdash.propagate(config, depth=d["depth"], width=128, n_samples=256, dtype="float32")


def _deep_lab_same(seed: int) -> bool:
    df = _deep_lab("small_vs_large", seed).set_index(["scheme", "layer"])
    small = df.loc["random_small"].act_std
    large = df.loc["random_large"].saturated_fraction
    xavier = df.loc["xavier_normal"].act_std
    return bool(
        small.iloc[-1] < 1e-6 * small.iloc[0]
        and large.min() > 0.9
        and xavier.iloc[-1] > 0.1 * xavier.iloc[0]
    )


@cache
def lab(activation: str, seed: int, **kw: Any) -> pd.DataFrame:
    """The deep-signal lab at its opening settings (20 layers of 128 units, 256 inputs)."""
    schemes = (
        "random_small",
        "random_large",
        "xavier_normal",
        "he_normal",
        "lecun_normal",
        "orthogonal",
        "lsuv",
    )
    config = initdash.TrainConfig(schemes=schemes, activation=activation, seed=seed, **kw)
    df = initdash.propagate(config, depth=20, width=128, n_samples=256)
    return df.set_index(["scheme", "layer"])


def _lab_ratio(df: pd.DataFrame, scheme: str, col: str = "act_std") -> float:
    d = df.loc[scheme][col]
    return float(d.iloc[-1] / d.iloc[0])


def _lab_factor(df: pd.DataFrame, scheme: str) -> float:
    return _lab_ratio(df, scheme) ** (1 / 19)


def _bands(seed: int) -> pd.DataFrame:
    """The first page's activation percentiles (repeat 0, the one hidden layer), by scheme."""
    p = run(None, seed).activation_percentiles()
    return p[p.repeat == 0].set_index(["scheme", "epoch"])


def _end_bins_at_init(seed: int, scheme: str) -> float:
    """Share of a scheme's outputs (first page, epoch 0) in the two end bins of tanh's range."""
    t = run(None, seed).activation_table(1)
    t = t[(t.epoch == 0) & (t.scheme == scheme)].sort_values("lo")
    return float(t.share.iloc[0] + t.share.iloc[-1])


def _zeros_exactly_zero(seed: int) -> bool:
    r = run(None, seed)
    s = r.schemes.index("zeros") * r.repeats
    every_output_at_0 = all(
        st.act_hist[0][s, (len(st.act_edges[0]) - 1) // 2] == st.act_hist[0][s].sum() > 0
        for st in r.details
    )
    percentiles = _bands(seed).loc["zeros"][["p2", "p50", "p98"]]
    return every_output_at_0 and bool((percentiles == 0).all().all())


def _learners_reach_the_ends(seed: int) -> bool:
    last = _bands(seed).xs(run(None, seed).detail_epochs[-1], level="epoch")
    learners = ("random_large", "xavier_normal", "he_normal")
    return all(last.loc[n, "p2"] <= -0.99 and last.loc[n, "p98"] >= 0.99 for n in learners)


@cache
def _init_gradients(seed: int, dtype: str = "float32") -> pd.DataFrame:
    """Preset 2's gradients at init (repeat 0): median |dL/dz| and |dL/dW| by scheme and layer."""
    config = PRESETS["small_vs_large"].config().replace(seed=seed, epochs=1, dtype=dtype)
    g = initdash.run(config).gradient_table(0)
    return g[g.repeat == 0].pivot_table(index=["scheme", "layer"], columns="gradient", values="p50")


def _spread(values: pd.Series) -> float:
    """Largest over smallest."""
    return float(values.max() / values.min())


def _updates(seed: int, **changes) -> pd.Series:
    """Median log10 update ratio per scheme over the recorded epochs and layers (repeat 0)."""
    u = run(None, seed, **changes).update_table()
    return u[u.repeat == 0].groupby("scheme").log10_ratio.median()


def _update_levels(seed: int) -> bool:
    med = _updates(seed)
    zeros = run(None, seed).update_table().query("scheme == 'zeros'")
    return (
        all(-2.5 < med[n] < -1.5 for n in ("random_small", "xavier_normal", "he_normal"))
        and med["random_large"] < med.drop(["random_large", "zeros"]).min()
        and bool(zeros.update_ratio.isna().all())
    )


def _small_start(seed: int, **changes) -> int:
    return int(_row("seed_table", seed, "random_small", **changes).first_cut_epoch)


def _deep_lab_depth(preset: str, seed: int) -> pd.DataFrame:
    """The deep-signal lab as a lesson's step opens it (Scene.lab: activation and depth)."""
    act, depth = next(s.scene.lab for s in PRESETS[preset].steps if s.scene.lab)
    config = PRESETS[preset].config().replace(activation=act, seed=seed)
    df = initdash.propagate(config, depth=depth, width=128, n_samples=256, dtype="float32")
    return df.set_index(["scheme", "layer"])


def _layer_signal(preset: str, seed: int, scheme: str, **changes) -> np.ndarray:
    """A scheme's backprop signal per layer at epoch 0 (repeat 0), layer 1 first, the output
    layer last."""
    lt = run(preset, seed, **changes).layer_table(0)
    rows = lt[(lt.scheme == scheme) & (lt.repeat == 0)]
    return rows.sort_values("layer").backprop_signal.to_numpy()


def _ten_relu(seed: int, lr: float) -> pd.DataFrame:
    """Lesson 3's "tempting first experiment": 10 ReLU layers of 16 at step ``lr``."""
    return summary("xavier_vs_he", seed, **TEN_RELU, lr=lr)


def _verdicts(preset: str, seed: int, column: str, **want: str) -> bool:
    """Each named scheme's summary ``column`` says what ``want`` says."""
    row = summary(preset, seed)[column]
    return all(row.loc[scheme] == word for scheme, word in want.items())


def _learns(row) -> bool:
    return bool(row.first_cut_epoch >= 0)


TWO = {"hidden": (16, 16)}
RANDOM = ("random_small", "random_large", "xavier_normal", "he_normal")

# ---------------------------------------------------------------------- the first page (START)
FIRST_PAGE_CLAIMS = (
    Claim(
        FIRST_PAGE,
        "Zeros' neurons stay clones",
        lambda s: not summary(None, s).loc["zeros"].symmetry_broken,
        quote="Zeros' neurons stay clones",
    ),
    Claim(
        FIRST_PAGE,
        "Zeros' loss stays at ln 2 (within 1%)",
        lambda s: abs(summary(None, s).loc["zeros", "train_loss"] - LN2) < 0.01 * LN2,
        quote="its loss stays at ln 2 = 0.693",
    ),
    Claim(
        FIRST_PAGE,
        "every random scheme: different weights (symmetry broken) and learns",
        lambda s: all(
            summary(None, s).loc[n].symmetry_broken and _learns(summary(None, s).loc[n])
            for n in RANDOM
        ),
        quote="The random schemes' neurons all have different weights",
    ),
)

# ---------------------------------------------------------------------- 1. clones
CLONES_CLAIMS = (
    Claim(
        "clones",
        "divergence of Zeros and Constant exactly 0, 1 distinct",
        _clones,
        quote="Their divergence is **exactly 0** at every epoch",
    ),
    Claim(
        "clones",
        "all 8 of Xavier's neurons are distinct",
        _xavier_all_distinct,
        quote="all 8 of Xavier's neurons differ",
    ),
    Claim(
        "clones",
        "Constant's loss falls to less than half of where it started",
        lambda s: (
            _row("clones", s, "constant").train_loss
            < 0.5 * _row("clones", s, "constant").initial_loss
        ),
        quote="Constant's loss falls to less than half of where it started",
    ),
    Claim(
        "clones",
        "zeros + tanh: only the output bias moves",
        lambda s: _only_output_bias(s, "tanh"),
        quote="only the output bias does",
    ),
    Claim(
        "clones",
        "Zeros' loss stays at ln 2 (within 1%)",
        lambda s: abs(_row("clones", s, "zeros").train_loss - LN2) < 0.01 * LN2,
        quote="its loss stays at ln 2 = 0.693",
    ),
    Claim(
        "clones",
        "sigmoid: the weights move, every neuron of a layer stays identical",
        _sigmoid_clones_move,
        quote="now Zeros' weights do move, yet every neuron of a layer stays identical",
    ),
)

# ---------------------------------------------------------------------- 2. small vs large
SMALL_VS_LARGE_CLAIMS = (
    Claim(
        "small_vs_large",
        "x0.01: each layer multiplies the spread by about 0.06 (0.04 to 0.08)",
        lambda s: 0.04 < _per_layer_factor(run("small_vs_large", s), "random_small") < 0.08,
        quote="by about 0.06 per layer",
    ),
    Claim(
        "small_vs_large",
        "layer 5's spread over layer 1's: x0.01's 1/100,000 (1e-6 to 1e-4), Xavier's within a "
        "factor of 3",
        lambda s: (
            1e-6 < _spread_ratio(run("small_vs_large", s), "random_small") < 1e-4
            and 1 / 3 < _spread_ratio(run("small_vs_large", s), "xavier_normal") < 3
        ),
        quote="layer 5's spread is 1/100,000 of layer 1's",
    ),
    Claim(
        "small_vs_large",
        "x0.01: signal reaching layer 1 under a millionth of the output's (vanishing)",
        lambda s: (
            _row("small_vs_large", s, "random_small").signal_ratio_at_init < 1e-6
            and _row("small_vs_large", s, "random_small").gradient == "vanishing"
        ),
        quote="under a millionth of the output's (vanishing)",
    ),
    Claim(
        "small_vs_large",
        "x0.01: the loss sits at ln 2: no learning",
        lambda s: (
            abs(_row("small_vs_large", s, "random_small").lowest_loss - LN2) < 0.01
            and _row("small_vs_large", s, "random_small").outcome == "no learning"
        ),
        quote="its loss sits at ln 2 = 0.693: no learning",
    ),
    Claim(
        "small_vs_large",
        "x10: signal reaching layer 1 amplified more than 100-fold (exploding)",
        lambda s: (
            _row("small_vs_large", s, "random_large").signal_ratio_at_init > 100
            and _row("small_vs_large", s, "random_large").gradient == "exploding"
        ),
        quote="amplified over 100-fold (exploding)",
    ),
    Claim(
        "small_vs_large",
        "x10: over 90% of the outputs start saturated, the loss starts above 10",
        lambda s: (
            _row("small_vs_large", s, "random_large").saturated_at_init > 0.9
            and _row("small_vs_large", s, "random_large").initial_loss > 10
        ),
        quote="over 90% of the tanh outputs on their flat tails, and its loss starts above 10",
    ),
    Claim(
        "small_vs_large",
        "x10: the loss climbs back to over twice its lowest (unstable)",
        lambda s: _unstable(_row("small_vs_large", s, "random_large")),
        quote="x10's loss climbs back to over twice its lowest",
    ),
    Claim(
        "small_vs_large",
        "Xavier learns steadily (stable)",
        lambda s: _row("small_vs_large", s, "xavier_normal").outcome == "stable",
        quote="Xavier's falls steadily",
    ),
    Claim(
        "small_vs_large",
        "large scale 1: about half the outputs still saturated (over 45%)",
        lambda s: (
            _row("small_vs_large", s, "random_large", large_scale=1.0).saturated_at_init > 0.45
        ),
        quote="about half of the outputs still start saturated",
    ),
    Claim(
        "small_vs_large",
        "large scale 1: layer 1 gets 4 to 25 times the output's signal, learns to 90%",
        lambda s: (
            4 < _row("small_vs_large", s, "random_large", large_scale=1.0).signal_ratio_at_init < 25
            and _row("small_vs_large", s, "random_large", large_scale=1.0).test_accuracy >= 0.9
        ),
        quote="layer 1 now gets 4 to 25 times the output's signal",
    ),
    Claim(
        "small_vs_large",
        "the deep-signal lab, at depth 20: x0.01 collapses, x10 over 90% saturated in every "
        "layer, Xavier keeps over a tenth of its spread",
        _deep_lab_same,
        quote="x10 saturates over 90% of every layer",
    ),
)

# ---------------------------------------------------------------------- 3. Xavier vs He
XAVIER_VS_HE_CLAIMS = (
    Claim(
        "xavier_vs_he",
        "Xavier: no learning (never 10% below its start, ln 2)",
        lambda s: (
            _row("xavier_vs_he", s, "xavier_normal").outcome == "no learning"
            and abs(_row("xavier_vs_he", s, "xavier_normal").initial_loss - LN2) < 0.01
        ),
        quote="Xavier's loss never gets 10% below ln 2 = 0.693 (no learning)",
    ),
    Claim(
        "xavier_vs_he",
        "He's loss falls below 0.5",
        lambda s: _row("xavier_vs_he", s, "he_normal").lowest_loss < 0.5,
        quote="He's falls below 0.5",
    ),
    Claim(
        "xavier_vs_he",
        "Xavier's activations shrink by about 1/sqrt(2) per layer (0.6 to 0.8)",
        lambda s: 0.6 < _per_layer_factor(run("xavier_vs_he", s), "xavier_normal") < 0.8,
        quote="shrink by about 1/sqrt(2) per layer",
    ),
    Claim(
        "xavier_vs_he",
        "layer 20's spread over layer 1's: Xavier's under 1/100, He's within a factor of 20",
        lambda s: (
            _spread_ratio(run("xavier_vs_he", s), "xavier_normal") < 1 / 100
            and 1 / 20 < _spread_ratio(run("xavier_vs_he", s), "he_normal") < 20
        ),
        quote="layer 20's spread is under 1/100 of layer 1's",
    ),
    Claim(
        "xavier_vs_he",
        "Xavier's layer 1 gets under 1/1000 of the output's signal (vanishing)",
        lambda s: (
            _row("xavier_vs_he", s, "xavier_normal").signal_ratio_at_init < 1e-3
            and _row("xavier_vs_he", s, "xavier_normal").gradient == "vanishing"
        ),
        quote="Xavier's layer 1 gets under 1/1000 of the output's signal",
    ),
    Claim(
        "xavier_vs_he",
        "He's layer 1 gets over 1/50 of the output's signal (healthy)",
        lambda s: (
            _row("xavier_vs_he", s, "he_normal").signal_ratio_at_init > 1 / 50
            and _row("xavier_vs_he", s, "he_normal").gradient == "healthy"
        ),
        quote="He's gets over 1/50 (healthy)",
    ),
    Claim(
        "xavier_vs_he",
        "tanh: both learn, Xavier's first layer gets a healthy share",
        lambda s: (
            all(
                summary("xavier_vs_he", s, activation="tanh").loc[n, "outcome"]
                in ("stable", "slow start")
                for n in ("xavier_normal", "he_normal")
            )
            and summary("xavier_vs_he", s, activation="tanh").loc["xavier_normal", "gradient"]
            == "healthy"
        ),
        quote="Xavier's first layer gets a healthy share again",
    ),
    Claim(
        "xavier_vs_he",
        "tanh: He's loss ends lower than Xavier's",
        lambda s: (
            summary("xavier_vs_he", s, activation="tanh").loc["he_normal", "train_loss"]
            < summary("xavier_vs_he", s, activation="tanh").loc["xavier_normal", "train_loss"]
        ),
        quote="He still learns faster (its loss ends lower)",
    ),
    Claim(
        "xavier_vs_he",
        "tanh, epoch 0: He keeps more of layer 1's spread at layer 20 than Xavier",
        lambda s: (
            _spread_ratio(run("xavier_vs_he", s, activation="tanh"), "he_normal")
            > _spread_ratio(run("xavier_vs_he", s, activation="tanh"), "xavier_normal")
        ),
        quote="its larger variance keeps more of tanh's spread",
    ),
    Claim(
        "xavier_vs_he",
        "10 ReLU layers of 16, step 0.5: each card counts 6 or more of 16 dead, or diverged",
        lambda s: all(
            r.diverged or r.distinct_neurons < 0 or r.dead_neurons >= 6
            for r in (_ten_relu(s, 0.5).loc[n] for n in ("xavier_normal", "he_normal"))
        ),
        quote="over a third of a layer's 16 neurons dead",
    ),
    Claim(
        "xavier_vs_he",
        "10 ReLU layers of 16, step 0.05: He's card at most 5 dead; both over 75% test accuracy",
        lambda s: (
            0 <= _ten_relu(s, 0.05).loc["he_normal"].dead_neurons <= 5
            and bool((_ten_relu(s, 0.05).test_accuracy > 0.75).all())
        ),
        quote="at step 0.05 He's card counts at most 5 dead",
    ),
)

# ---------------------------------------------------------------------- 4. saturation
SATURATION_CLAIMS = (
    Claim(
        "saturation",
        "x10: over 70% of the outputs start saturated",
        lambda s: _row("saturation", s, "random_large").saturated_at_init > 0.7,
        quote="over 70% of the hidden outputs start on a flat",
    ),
    Claim(
        "saturation",
        "x10: the loss starts at over twice ln 2",
        lambda s: _row("saturation", s, "random_large").initial_loss > 2 * LN2,
        quote="the loss starts at over twice ln 2",
    ),
    Claim(
        "saturation",
        "x10: layer 1 gets between half and 5 times the output's signal",
        lambda s: 0.5 < _row("saturation", s, "random_large").signal_ratio_at_init < 5,
        quote="layer 1 gets between half and 5 times the output's backprop signal",
    ),
    Claim(
        "saturation",
        "x10: over 50 times Xavier's share",
        lambda s: (
            _row("saturation", s, "random_large").signal_ratio_at_init
            > 50 * _row("saturation", s, "xavier_normal").signal_ratio_at_init
        ),
        quote="over 50 times Xavier's share",
    ),
    Claim(
        "saturation",
        "x10 learns (10% below its start) and ends over 75% test accuracy",
        lambda s: (
            _learns(_row("saturation", s, "random_large"))
            and _row("saturation", s, "random_large").test_accuracy > 0.75
        ),
        quote="with over 75% of the test set right",
    ),
    Claim(
        "saturation",
        "x0.01: the signal reaching layer 1 under a millionth, nothing learned",
        lambda s: (
            _row("saturation", s, "random_small").signal_ratio_at_init < 1e-6
            and _row("saturation", s, "random_small").outcome == "no learning"
        ),
        quote="falls under a millionth of the output's, and nothing is learned",
    ),
    Claim(
        "saturation",
        "Xavier's backprop signal shrinks over 2-fold per sigmoid layer; layer 1 gets over "
        "1/1000 of the output's (healthy)",
        lambda s: (
            bool(np.all(np.diff(np.log2(_layer_signal("saturation", s, "xavier_normal"))) > 1))
            and _row("saturation", s, "xavier_normal").signal_ratio_at_init > 1e-3
            and _row("saturation", s, "xavier_normal").gradient == "healthy"
        ),
        quote="shrinks over 2-fold at every sigmoid layer",
    ),
    Claim(
        "saturation",
        "deep-signal lab, 10 sigmoid layers: Xavier's layer 1 under 1/1000 of layer 10's",
        lambda s: (
            1 / _lab_ratio(_deep_lab_depth("saturation", s), "xavier_normal", "backprop_signal")
            < 1e-3
        ),
        quote="10 sigmoid layers leave Xavier's layer 1 under 1/1000 of layer 10's",
    ),
)

# ---------------------------------------------------------------------- 6. BatchNorm
BN_OFF = {"batchnorm": False}


def _zeros_fail_either_way(seed: int) -> bool:
    ok = True
    for changes in ({}, BN_OFF):
        d = run("batchnorm", seed, **changes).divergence_table()
        rows = d[d.scheme == "zeros"]
        z = _row("batchnorm", seed, "zeros", **changes)
        ok &= bool((rows.divergence == 0.0).all() and (rows.distinct_neurons == 1).all())
        ok &= abs(z.lowest_loss - LN2) < 0.01 * LN2 and abs(z.train_loss - LN2) < 0.01 * LN2
        ok &= not z.symmetry_broken
    return ok


BATCHNORM_CLAIMS = (
    Claim(
        "batchnorm",
        "x0.01 with BatchNorm: loss below 0.15, 90% or more test accuracy",
        lambda s: (
            _row("batchnorm", s, "random_small").lowest_loss < 0.15
            and _row("batchnorm", s, "random_small").test_accuracy >= 0.9
        ),
        quote="its loss gets below 0.15 and it ends with 90% or more test accuracy",
    ),
    Claim(
        "batchnorm",
        "epoch 0: x0.01's fifth layer's spread within 20% of the first's (without: 1e-6 to 1e-4)",
        lambda s: (
            0.8 < _spread_ratio(run("batchnorm", s), "random_small") < 1.2
            and 1e-6 < _spread_ratio(run("batchnorm", s, **BN_OFF), "random_small") < 1e-4
        ),
        quote="keeps its spread within 20% of the first's (without BatchNorm: 1/100,000)",
    ),
    Claim(
        "batchnorm",
        "x0.01: layer 1 gets 2 to 20 times the output's signal (without: under a millionth)",
        lambda s: (
            2 < _row("batchnorm", s, "random_small").signal_ratio_at_init < 20
            and _row("batchnorm", s, "random_small", **BN_OFF).signal_ratio_at_init < 1e-6
        ),
        quote="layer 1 gets 2 to 20 times the output's backprop signal",
    ),
    Claim(
        "batchnorm",
        "without BatchNorm x0.01 sits at ln 2",
        lambda s: (
            abs(_row("batchnorm", s, "random_small", **BN_OFF).lowest_loss - LN2) < 0.01
            and _row("batchnorm", s, "random_small", **BN_OFF).outcome == "no learning"
        ),
        quote="x0.01 sits at ln 2 = 0.693 again",
    ),
    Claim(
        "batchnorm",
        "x10: under 1% saturated at init (over 90% without), loss under 0.05, starts above 2",
        lambda s: (
            _row("batchnorm", s, "random_large").saturated_at_init < 0.01
            and _row("batchnorm", s, "random_large", **BN_OFF).saturated_at_init > 0.9
            and _row("batchnorm", s, "random_large").lowest_loss < 0.05
            and _row("batchnorm", s, "random_large").initial_loss > 2
        ),
        quote="x10 starts with under 1% of its outputs saturated",
    ),
    Claim(
        "batchnorm",
        "x0.01 with BatchNorm: after epoch 100, loss back to over twice its lowest (unstable)",
        lambda s: (
            _unstable(_row("batchnorm", s, "random_small"))
            and _row("batchnorm", s, "random_small").relapse_epoch > 100
        ),
        quote="after epoch 100, x0.01's loss climbs back to over twice its lowest",
    ),
    Claim(
        "batchnorm",
        "x0.01 at step 0.01 (5 times smaller): still unstable",
        lambda s: _unstable(_row("batchnorm", s, "random_small", lr=0.01)),
        quote="train with a step 5 times smaller and it still climbs back",
    ),
    Claim(
        "batchnorm",
        "Zeros, with or without BatchNorm: loss at ln 2, divergence exactly 0, 1 distinct",
        _zeros_fail_either_way,
        quote="its neurons stay clones (divergence exactly 0)",
    ),
)

# ---------------------------------------------------------------------- across seeds
# A sentence about how often something happens ("on most seeds") is a claim about the seeds
# 0..29 together: it is computed once over all of them and holds (or not) for every seed alike.
BENCH_SEEDS = tuple(range(30))
LARGE_ONLY = {"schemes": ("random_large",)}


@cache
def _unstable_share(**changes: Any) -> float:
    """The share of seeds 0..29 on which the first page's Random large is unstable."""
    return float(
        np.mean(
            [
                _unstable(summary(None, s, **LARGE_ONLY, **changes).loc["random_large"])
                for s in BENCH_SEEDS
            ]
        )
    )


SMALL_STEP = {"lr": 0.05}

FIRST_PAGE_CLAIMS += (
    Claim(
        FIRST_PAGE,
        "Random large: over 70% of its outputs saturated at init, loss over 4 times ln 2",
        lambda s: (
            summary(None, s).loc["random_large"].saturated_at_init > 0.7
            and summary(None, s).loc["random_large"].initial_loss > 4 * LN2
        ),
        quote="starts with over 70% of its tanh outputs saturated and a loss over 4 times ln 2",
    ),
    Claim(
        FIRST_PAGE,
        "seeds 0..29: at step 0.5 Random large is unstable on most seeds (over 2 in 3)",
        lambda s: _unstable_share() > 2 / 3,
        quote="its loss usually climbs back up",
    ),
    Claim(
        FIRST_PAGE,
        "seeds 0..29: at step 0.05 Random large is stable on at least 9 seeds in 10",
        lambda s: _unstable_share(**SMALL_STEP) <= 0.1,
        quote="on almost every seed, it does not",
    ),
    Claim(
        FIRST_PAGE,
        "lesson 1 has four steps",
        lambda s: len(PRESETS["clones"].steps) == 4,
        quote="Lesson 1 shows it in four steps",
    ),
)

# ---------------------------------------------------------------------- 5. the lesson's table
# The lesson's TL;DR table: symmetry broken?, risk of a vanishing gradient?, outcome.
LESSON_TABLE = {
    "zeros": ("No", "No", "All neurons same"),
    "random_large": ("Yes", "Yes", "Unstable training"),
    "random_small": ("Yes", "No", "Stable training"),
}
OUTCOME_WORDS = {
    "all neurons same": "All neurons same",
    "unstable": "Unstable training",
    "stable": "Stable training",
    "slow start": "Stable training",
}
# The one cell that holds on most seeds, not all: Random large's outcome (a risk of a large
# step on mini-batches; see the claims "on most seeds").
SEED_DEPENDENT_CELLS = {("random_large", 2)}


def lesson_table(seed: int) -> dict[str, tuple[str, str, str]]:
    """The seed_table preset's TL;DR in the lesson's words, each cell from a measurement."""
    s = summary("seed_table", seed)
    out = {}
    for name, row in s.iterrows():
        risk = row.gradient_risk in ("vanishing", "exploding", "saturated", "dead")
        out[name] = (
            "Yes" if row.symmetry_broken else "No",
            "Yes" if risk else "No",
            OUTCOME_WORDS.get(row.outcome, row.outcome),
        )
    return out


def _every_seed_cells(seed: int) -> bool:
    got = lesson_table(seed)
    return all(
        got[name][i] == cell
        for name, row in LESSON_TABLE.items()
        for i, cell in enumerate(row)
        if (name, i) not in SEED_DEPENDENT_CELLS
    )


SEED_TABLE_CLAIMS = (
    Claim(
        "seed_table",
        "symmetry: Zeros' neurons keep identical weights, the random schemes' differ",
        lambda s: (
            not _row("seed_table", s, "zeros").symmetry_broken
            and _row("seed_table", s, "random_small").symmetry_broken
            and _row("seed_table", s, "random_large").symmetry_broken
        ),
        quote="Zeros' neurons keep identical weights",
    ),
    Claim(
        "seed_table",
        "the lesson's table: every cell but Random large's outcome, on every seed",
        _every_seed_cells,
        quote="every cell measured from this run",
    ),
    Claim(
        "seed_table",
        "Zeros passes exactly 0 back (blocked); Random small healthy, no risk",
        lambda s: (
            _verdicts("seed_table", s, "gradient", zeros="blocked", random_small="healthy")
            and _verdicts("seed_table", s, "gradient_risk", random_small="none")
        ),
        quote="Zeros passes exactly 0 back to layer 1",
    ),
    Claim(
        "seed_table",
        "Random large: most outputs saturated (the risk), loss over 4 times ln 2, layer 1 gets "
        "between half and 5 times the output's signal",
        lambda s: (
            _row("seed_table", s, "random_large").saturated_at_init > 0.5
            and _row("seed_table", s, "random_large").gradient_risk == "saturated"
            and _row("seed_table", s, "random_large").initial_loss > 4 * LN2
            and 0.5 < _row("seed_table", s, "random_large").signal_ratio_at_init < 5
        ),
        quote="between half and 5 times the output's",
    ),
    Claim(
        "seed_table",
        "outcome: Zeros all neurons same, Random small stable",
        lambda s: _verdicts(
            "seed_table", s, "outcome", zeros="all neurons same", random_small="stable"
        ),
        quote="Random small descends steadily",
    ),
    Claim(
        "seed_table",
        "seeds 0..29: Random large unstable on most seeds (over 2 in 3)",
        lambda s: _unstable_share() > 2 / 3,
        quote="on most seeds at this large step",
    ),
    Claim(
        "seed_table",
        "seed 28: Random large's loss never climbs back (no climb counted)",
        lambda s: _row("seed_table", 28, "random_large").relapse_epoch < 0,
        quote="train seed 28 and its loss does not climb back",
    ),
    Claim(
        "seed_table",
        "(16,16): Random small's layer-1 signal drops over 10-fold, under 1/1000 (vanishing)",
        lambda s: (
            _row("seed_table", s, "random_small", **TWO).signal_ratio_at_init < 1e-3
            and _row("seed_table", s, "random_small", **TWO).gradient == "vanishing"
            and _row("seed_table", s, "random_small").signal_ratio_at_init
            > 10 * _row("seed_table", s, "random_small", **TWO).signal_ratio_at_init
        ),
        quote="drops over 10-fold, under 1/1000 of the output's (vanishing)",
    ),
    Claim(
        "seed_table",
        "(16,16): its loss takes 5 times as many epochs to get going",
        lambda s: _small_start(s, **TWO) >= 5 * max(_small_start(s), 1),
        quote="takes 5 times as many epochs to get going",
    ),
)


# ---------------------------------------------------------------------- the views' captions
VIEW_CLAIMS = (
    Claim(
        "activations view",
        "first page: Zeros' outputs are exactly 0 at every epoch",
        _zeros_exactly_zero,
    ),
    Claim(
        "activations view",
        "first page: Random large starts with over 70% of its outputs in the two end bins, "
        "keeps its 2nd and 98th percentiles at -1 and +1 to the end",
        lambda s: (
            _end_bins_at_init(s, "random_large") > 0.7
            and bool((_bands(s).loc["random_large"].p2 <= -0.99).all())
            and bool((_bands(s).loc["random_large"].p98 >= 0.99).all())
        ),
    ),
    Claim(
        "activations view",
        "first page: Random small starts collapsed (middle 96% within +-0.05), spread out by "
        "epoch 40 (98th percentile above 0.5)",
        lambda s: (
            -0.05 < _bands(s).loc[("random_small", 0), "p2"]
            and _bands(s).loc[("random_small", 0), "p98"] < 0.05
            and _bands(s).loc[("random_small", 40), "p98"] > 0.5
        ),
    ),
    Claim(
        "activations view",
        "first page: Xavier starts spread wide (2nd and 98th percentiles beyond -0.5 and "
        "+0.5), under 1% of its outputs saturated",
        lambda s: (
            _bands(s).loc[("xavier_normal", 0), "p98"] > 0.5
            and _bands(s).loc[("xavier_normal", 0), "p2"] < -0.5
            and summary(None, s).loc["xavier_normal", "saturated_at_init"] < 0.01
        ),
    ),
    Claim(
        "activations view",
        "first page: by the last epoch Xavier and He (and still Random large) have outputs "
        "within 0.01 of -1 and +1",
        _learners_reach_the_ends,
    ),
    Claim(
        "gradients view",
        "preset 2, Random small: median |dL/dz| shrinks over 5-fold per layer toward layer 1, "
        "which gets under 1/10,000 of layer 5's",
        lambda s: (
            all(
                _init_gradients(s).loc[("random_small", k), "dz"]
                < 0.2 * _init_gradients(s).loc[("random_small", k + 1), "dz"]
                for k in range(1, 5)
            )
            and _init_gradients(s).loc[("random_small", 1), "dz"]
            < 1e-4 * _init_gradients(s).loc[("random_small", 5), "dz"]
        ),
    ),
    Claim(
        "gradients view",
        "preset 2, Random small: median weight gradients of layers 2 to 5 within a factor of 3 "
        "of each other, all under 1e-7",
        lambda s: (
            _spread(_init_gradients(s).loc["random_small"].dw.loc[2:5]) < 3
            and bool((_init_gradients(s).loc["random_small"].dw.loc[1:5] < 1e-7).all())
        ),
    ),
    Claim(
        "gradients view",
        "preset 2, Xavier: median |dL/dz| (layers 1 to 5) and weight gradients (layers 2 to 5) "
        "each vary under 5-fold across the layers",
        lambda s: (
            _spread(_init_gradients(s).loc["xavier_normal"].dz.loc[1:5]) < 5
            and _spread(_init_gradients(s).loc["xavier_normal"].dw.loc[2:5]) < 5
        ),
    ),
    Claim(
        "gradients view",
        "preset 2, Random large: the median |dL/dz| of every hidden layer is exactly 0 in "
        "float32; in float64, layers 2 to 5 still exactly 0, layer 1 under 1e-10",
        lambda s: (
            bool((_init_gradients(s).loc["random_large"].dz.loc[1:5] == 0).all())
            and bool((_init_gradients(s, "float64").loc["random_large"].dz.loc[2:5] == 0).all())
            and _init_gradients(s, "float64").loc[("random_large", 1), "dz"] < 1e-10
        ),
    ),
    Claim(
        "updates view",
        "first page: Random small, Xavier and He: median log10 update ratio between -2.5 and "
        "-1.5; Random large's the lowest; Zeros has none",
        _update_levels,
    ),
    Claim(
        "updates view",
        "first page: at learning rate 0.05 every median drops by 0.6 to 1.2",
        lambda s: bool(
            ((_updates(s) - _updates(s, lr=0.05)).drop("zeros").between(0.6, 1.2)).all()
        ),
    ),
    # ------------------------------------------------------------------ the deep-signal lab
    Claim(
        "deep-signal lab",
        "x0.01 multiplies tanh's spread by about 0.01 x sqrt(width) per layer (ReLU's by "
        "0.01 x sqrt(width / 2))",
        lambda s: (
            0.7 < _lab_factor(lab("tanh", s), "random_small") / (0.01 * 128**0.5) < 1.4
            and 0.7 < _lab_factor(lab("relu", s), "random_small") / (0.01 * 64**0.5) < 1.4
        ),
    ),
    Claim(
        "deep-signal lab",
        "x10 pushes tanh and sigmoid onto their flat tails; at x1 most tanh outputs saturate",
        lambda s: (
            lab("tanh", s).loc["random_large"].saturated_fraction.min() > 0.9
            and lab("sigmoid", s).loc["random_large"].saturated_fraction.min() > 0.9
            and lab("tanh", s, large_scale=1.0).loc["random_large"].saturated_fraction.mean() > 0.5
        ),
    ),
    Claim(
        "deep-signal lab",
        "Xavier's tanh spread shrinks slowly (layer 20 keeps 10% to 100% of layer 1's)",
        lambda s: 0.1 < _lab_ratio(lab("tanh", s), "xavier_normal") < 1,
    ),
    Claim(
        "deep-signal lab",
        "ReLU: Xavier and LeCun lose a factor sqrt(2) per layer (0.6 to 0.8)",
        lambda s: all(
            0.6 < _lab_factor(lab("relu", s), n) < 0.8 for n in ("xavier_normal", "lecun_normal")
        ),
    ),
    Claim(
        "deep-signal lab",
        "ReLU: He, orthogonal (gain sqrt(2)) and LSUV hold the spread (within a factor 3)",
        lambda s: all(
            1 / 3 < _lab_ratio(lab("relu", s), n) < 3 for n in ("he_normal", "orthogonal", "lsuv")
        ),
    ),
    Claim(
        "deep-signal lab",
        "sigmoid: the backprop signal vanishes for every scheme that keeps units near 0.5",
        lambda s: all(
            1 / _lab_ratio(lab("sigmoid", s), n, "backprop_signal") < 1e-6
            for n in ("random_small", "xavier_normal", "he_normal", "lecun_normal", "orthogonal")
        ),
    ),
)


# ---------------------------------------------------------------------- the scale x depth map
@cache
def lab_map(activation: str, seed: int) -> pd.DataFrame:
    """The deep-signal lab's scale x depth map at its opening settings (20 layers of 128)."""
    config = initdash.TrainConfig(activation=activation, seed=seed)
    return initdash.lab.scale_depth_map(config, depth=20, width=128)


def _map_at(activation: str, seed: int, layer: int = 20) -> pd.DataFrame:
    m = lab_map(activation, seed)
    return m[m.layer == layer].set_index("gain")


def _relu_steps_exact(seed: int) -> bool:
    spread = _map_at("relu", seed).spread.loc[list(initdash.lab.MAP_GAINS)].to_numpy()
    step = 10**0.1
    return bool(np.allclose(spread[1:] / spread[:-1], step**19, rtol=1e-3))


GAIN_2 = initdash.lab.MAP_GAINS[13]  # 1.995
GAIN_079 = initdash.lab.MAP_GAINS[9]  # 0.794
MAP_CLAIMS = (
    Claim(
        "deep-signal lab map",
        "ReLU, depth 20: gain 1 keeps under 1/100 of layer 1's spread (less than layer 10), "
        "gain 2 over 100 times (more than layer 10), He's within the band (a tenth to 10x)",
        lambda s: (
            _map_at("relu", s).spread.loc[1.0] < min(0.01, _map_at("relu", s, 10).spread.loc[1.0])
            and _map_at("relu", s).spread.loc[GAIN_2]
            > max(100, _map_at("relu", s, 10).spread.loc[GAIN_2])
            and 0.1 < _map_at("relu", s).spread.loc[math.sqrt(2)] < 10
        ),
    ),
    Claim(
        "deep-signal lab map",
        "ReLU: each step of 1.26 in gain multiplies layer 20's spread by 1.26^19 = 79",
        _relu_steps_exact,
    ),
    Claim(
        "deep-signal lab map",
        "tanh: from gain 1.26 up, layer 20 keeps over half of layer 1's spread",
        lambda s: bool((_map_at("tanh", s).query("gain > 1.2").spread > 0.5).all()),
    ),
    Claim(
        "deep-signal lab map",
        "tanh, gain 2: the backprop signal grows with depth, over 10 times layer 20's",
        lambda s: (
            _map_at("tanh", s).backprop.loc[GAIN_2] > 10
            and _map_at("tanh", s).backprop.loc[GAIN_2]
            > _map_at("tanh", s, 10).backprop.loc[GAIN_2]
            > 1
        ),
    ),
    Claim(
        "deep-signal lab map",
        "tanh, gain 0.79: spread and backprop signal both under 1/50 at depth 20",
        lambda s: (
            _map_at("tanh", s).spread.loc[GAIN_079] < 0.02
            and _map_at("tanh", s).backprop.loc[GAIN_079] < 0.02
        ),
    ),
)


# ---------------------------------------------------------------------- the lab's other panels
# Each at the lab's opening settings (width 128, depth 20; the residual panel's 64 inputs, the
# Jacobian's 2, the edge of chaos's 128 units and 4 pairs, its pictures' 64 units at 0.05).
ALL_SCHEMES = tuple(initdash.SCHEMES)
NOT_RANDOM = ("zeros", "constant")  # the schemes that draw no random weights


@cache
def residual(activation: str, seed: int) -> pd.Series:
    """The residual panel: each (branch, N)'s spread after its last block."""
    config = initdash.TrainConfig(activation=activation, seed=seed)
    df = initdash.lab.residual_stream(config, width=128, n_samples=64)
    return df[df.block == df.blocks].set_index(["branch", "blocks"]).spread


def _residual_zero_exact(seed: int) -> bool:
    for act in ("tanh", "relu"):
        config = initdash.TrainConfig(activation=act, seed=seed)
        df = initdash.lab.residual_stream(config, width=128, n_samples=64)
        if not (df[df.branch == "zero"].spread == 1.0).all():
            return False
    return True


@cache
def spectrum(activation: str, seed: int) -> pd.DataFrame:
    """The Jacobian panel's summary (every scheme), by scheme and depth."""
    config = initdash.TrainConfig(activation=activation, seed=seed, schemes=ALL_SCHEMES)
    df = initdash.lab.jacobian_spectrum(config, depth=20, width=128, n_inputs=2)
    return initdash.lab.spectrum_summary(df, ["scheme", "depth"]).set_index(["scheme", "depth"])


@cache
def isometry(activation: str, seed: int) -> pd.DataFrame:
    config = initdash.TrainConfig(activation=activation, seed=seed)
    df = initdash.lab.isometry_sweep(config, depth=20, width=128)
    by = ["weights", "input_std", "gain"]
    return initdash.lab.spectrum_summary(df, by).set_index(by)


def _gaussian_spread(seed: int) -> bool:
    s = spectrum("tanh", seed).xs(10, level="depth")
    gaussian = s.loc[["xavier_normal", "lecun_normal", "he_normal"]]
    return bool((np.log10(gaussian.p95 / gaussian.p5) > 6).all())


def _isometry(seed: int) -> bool:
    near = isometry("tanh", seed).near_one
    return bool(
        near[("orthogonal", 0.1, 1.0)] > 0.95
        and near[("Gaussian", 0.1, 1.0)] < 0.2
        and near[("orthogonal", 0.1, 5 / 3)] < 0.2
        and near[("orthogonal", 1.0, 1.0)] < 0.05
    )


@cache
def edge(seed: int) -> pd.DataFrame:
    return chaos.phase_diagram(depth=20, width=128, seed=seed, pairs=4)


def _dying_signal_keeps_pairs(seed: int) -> bool:
    """Without biases and below sigma_w^2 = 1, pairs end within a factor 5 of their layer-1
    distance (separation: log10 of that ratio)."""
    d = edge(seed)
    d = d[(d.sigma_b2 == 0) & (d.sigma_w2 < 1)]
    return len(d) > 0 and bool((d.separation.abs() < np.log10(5)).all())


def _order_and_chaos(seed: int) -> bool:
    d = edge(seed)
    d = d[d.sigma_b2 > 0]
    return bool((d[d.chi_1 < 0.9].separation < 0).all() and (d[d.chi_1 > 1.1].separation > 0).all())


@cache
def pictures(seed: int) -> pd.DataFrame:
    """The panel's three pictures at sigma_b^2 = 0.05: ordered, edge, chaotic (in order)."""
    w2 = float(chaos.critical_sigma_w2(0.05))
    points = ((w2 / 2, 0.05), (w2, 0.05), (4.0, 0.05))
    p = chaos.output_pictures(points, depth=20, width=64, seed=seed, units=1)
    return chaos.picture_stats(p)


def _pictures_hold(seed: int) -> bool:
    ordered, edge_, chaotic = (row for row in pictures(seed).itertuples())
    return bool(
        ordered.range < 0.2
        and edge_.roughness < 0.15
        and chaotic.range > 1.2
        and chaotic.roughness > 2 * edge_.roughness
    )


LAB_PANEL_CLAIMS = (
    Claim(
        "deep-signal lab: residual blocks",
        "ReLU, plain He branches: the spread grows by about sqrt(3) per block (1.65 to 1.8), "
        "over 50 times the input's after 8 blocks, over 1e28 after 128",
        lambda s: (
            1.65 < residual("relu", s)[("he", 128)] ** (1 / 128) < 1.8
            and residual("relu", s)[("he", 8)] > 50
            and residual("relu", s)[("he", 128)] > 1e28
        ),
    ),
    Claim(
        "deep-signal lab: residual blocks",
        "tanh, plain He branches: 3 to 4 after 8 blocks, 12 to 20 after 128",
        lambda s: (
            3 < residual("tanh", s)[("he", 8)] < 4 and 12 < residual("tanh", s)[("he", 128)] < 20
        ),
    ),
    Claim(
        "deep-signal lab: residual blocks",
        "GPT-2's 1/sqrt(2N): at every N from 8 to 128 between 1.5 and 1.8 (ReLU), 1.2 and 1.3 "
        "(tanh)",
        lambda s: bool(
            residual("relu", s).loc["gpt2"].between(1.5, 1.8).all()
            and residual("tanh", s).loc["gpt2"].between(1.2, 1.3).all()
        ),
    ),
    Claim(
        "deep-signal lab: residual blocks",
        "a zero last layer: the spread is exactly 1 at every block",
        _residual_zero_exact,
    ),
    Claim(
        "deep-signal lab: Jacobian spectrum",
        "tanh: Gaussian weights (Xavier, LeCun, He) spread the singular values over 6 decades "
        "between the 5th and 95th percentile by depth 10",
        _gaussian_spread,
    ),
    Claim(
        "deep-signal lab: Jacobian spectrum",
        "tanh, the lab's N(0, 1) inputs: no scheme keeps over 25% within a factor 2 of 1 at "
        "depth 20",
        lambda s: bool((spectrum("tanh", s).xs(20, level="depth").near_one <= 0.25).all()),
    ),
    Claim(
        "deep-signal lab: Jacobian spectrum",
        "ReLU: at every depth, every scheme, over 40% of the singular values are 0; 40% to 70% "
        "with the schemes that draw their weights at random",
        lambda s: bool(
            (spectrum("relu", s).unresolved > 0.4).all()
            and (spectrum("relu", s).unresolved.drop(list(NOT_RANDOM), level="scheme") < 0.7).all()
        ),
    ),
    Claim(
        "deep-signal lab: Jacobian spectrum",
        "tanh, depth 20: orthogonal at gain 1 with inputs of std 0.1 keeps over 95% within a "
        "factor 2 of 1; Gaussian there under 20%, orthogonal at 5/3 under 20%, orthogonal at "
        "gain 1 with std-1 inputs under 5%",
        _isometry,
    ),
    Claim(
        "deep-signal lab: Jacobian spectrum",
        "ReLU: no gain and no input size brings more than 15% within a factor 2 of 1",
        lambda s: bool((isometry("relu", s).near_one <= 0.15).all()),
    ),
    Claim(
        "deep-signal lab: edge of chaos",
        "depth 20, with biases: chi_1 under 0.9, the pairs end closer than at layer 1; over "
        "1.1, further apart",
        _order_and_chaos,
    ),
    Claim(
        "deep-signal lab: edge of chaos",
        "without biases, sigma_w^2 = 1 sits exactly on the edge (chi_1 = 1); below it q* = 0",
        lambda s: bool(
            chaos.chi_1(1.0, 0.0) == 1.0
            and (chaos.q_star(np.array([0.5, 0.75, 1.0]), 0.0) == 0).all()
            and abs(chaos.critical_sigma_w2(0.0) - 1.0) < 1e-9
        ),
    ),
    Claim(
        "deep-signal lab: edge of chaos",
        "depth 20, without biases, below sigma_w^2 = 1: nearby inputs end within a factor 5 of "
        "their layer-1 distance",
        _dying_signal_keeps_pairs,
    ),
    Claim(
        "deep-signal lab: edge of chaos",
        "pictures at sigma_b^2 = 0.05, depth 20: ordered varies by under 0.2; the edge's "
        "neighbours differ by under 0.15 of its spread; chaotic spans over 1.2 and is over "
        "twice as rough as the edge",
        _pictures_hold,
    ),
)


# ---------------------------------------------------------------------- theory, sidebar, TL;DR
# Sentences of the Theory view, the scheme summaries (initdash/schemes.py), the sidebar's help
# and the views' captions that docs/lesson-text-changes.md proposes.
def _orthogonal_keeps_norms(seed: int) -> bool:
    """Widening (or square) layers keep every input's norm times the gain; a narrowing one
    does not (an input orthogonal to its rows is sent to 0)."""
    gain = initdash.calculate_gain("tanh")
    p = initdash.init_params([2, 16, 32, 32, 8], "orthogonal", activation="tanh", seed=seed)
    x = np.random.default_rng(seed).standard_normal((32, 200))
    ok = True
    for i, fan_in in ((1, 2), (2, 16), (3, 32)):
        w = p[f"W{i}"]
        r = np.linalg.norm(w @ x[:fan_in], axis=0) / np.linalg.norm(x[:fan_in], axis=0)
        ok &= bool(np.allclose(r, gain, rtol=1e-9))
    narrow = p["W4"]  # (8, 32): keeps the norm of inputs in its 8-dimensional row space only
    null = x - narrow.T @ (narrow @ x) / gain**2  # the part orthogonal to the rows
    return ok and bool(np.allclose(narrow @ null, 0, atol=1e-9))


@cache
def tanh_lab(seed: int, depth: int) -> pd.DataFrame:
    config = initdash.TrainConfig(schemes=("xavier_normal", "he_normal"), activation="tanh")
    df = initdash.propagate(
        config.replace(seed=seed), depth=depth, width=128, n_samples=256, dtype="float32"
    )
    return df.set_index(["scheme", "layer"])


def _backprop_growth(seed: int, scheme: str, depth: int) -> float:
    """Layer 1's backprop signal over the last layer's, in the lab (tanh, width 128)."""
    return 1 / _lab_ratio(tanh_lab(seed, depth), scheme, "backprop_signal")


@cache
def _first_page_medians(seed: int) -> pd.Series:
    """The first page's Gradients at init: median |dL/dz| per layer, Random large, repeat 0."""
    g = run(None, seed).gradient_table(0)
    g = g[(g.repeat == 0) & (g.scheme == "random_large") & (g.gradient == "dz")]
    return g.set_index("layer").p50


PAGE_CLAIMS = (
    Claim(
        "theory",
        "sigmoid: at Xavier's, He's and LeCun's variances the backprop signal vanishes with "
        "depth; on the map, gain 10 keeps spread and backprop signal within a factor of 10 at "
        "depth 20, gains up to 2.5 do not",
        lambda s: (
            0.1 < _map_at("sigmoid", s).spread.loc[10.0] < 10
            and 0.1 < _map_at("sigmoid", s).backprop.loc[10.0] < 10
            and bool((_map_at("sigmoid", s).query("gain < 2.6").backprop < 0.1).all())
            and all(
                1 / _lab_ratio(lab("sigmoid", s), n, "backprop_signal") < 1e-6
                for n in ("xavier_normal", "he_normal", "lecun_normal")
            )
        ),
    ),
    Claim(
        "theory",
        "tanh, lab at 50 layers: He keeps over 2/3 of layer 1's spread (Xavier under 1/4); "
        "He's backprop signal grows with depth: under 3-fold at 20 layers, over 4-fold at 50",
        lambda s: (
            _lab_ratio(tanh_lab(s, 50), "he_normal") > 2 / 3
            and _lab_ratio(tanh_lab(s, 50), "xavier_normal") < 1 / 4
            and 1 < _backprop_growth(s, "he_normal", 20) < 3
            and _backprop_growth(s, "he_normal", 50) > 4
        ),
    ),
    Claim(
        "theory",
        "orthogonal: layers as wide as their input or wider keep every norm exactly (times g); "
        "a narrowing layer only on a subspace",
        _orthogonal_keeps_norms,
    ),
    Claim(
        "theory",
        "Zeros: with tanh or ReLU only the output bias moves",
        lambda s: _only_output_bias(s, "tanh") and _only_output_bias(s, "relu"),
    ),
    Claim(
        "sidebar",
        "depth: with 2 hidden layers Random small's backprop signal already vanishes (lesson 5)",
        lambda s: _row("seed_table", s, "random_small", **TWO).gradient == "vanishing",
    ),
    Claim(
        "gradients view",
        "first page, Random large: the median |dL/dz| of layer 1 is under 1e-5 while the TL;DR's "
        "ratio (RMS) is between half and 5 times the output's",
        lambda s: (
            _first_page_medians(s).loc[1] < 1e-5
            and 0.5 < summary(None, s).loc["random_large"].signal_ratio_at_init < 5
        ),
    ),
    Claim(
        "tldr view",
        "BatchNorm (lesson 6), Random large at epoch 0: between hidden layers 2 to 5 the "
        "backprop signal changes under 5-fold per layer",
        lambda s: bool(
            np.all(
                np.abs(np.diff(np.log10(_layer_signal("batchnorm", s, "random_large")[1:5])))
                < np.log10(5)
            )
        ),
    ),
    Claim(
        "README",
        "first page: Random large ends with a higher held-out loss than Random small",
        lambda s: (
            summary(None, s).loc["random_large", "test_loss"]
            > summary(None, s).loc["random_small", "test_loss"]
        ),
    ),
)


# ---------------------------------------------------------------------- 7. random biases
ZERO_BIASES = {"bias_init": "zeros"}


def _same_random_biases(seed: int) -> bool:
    """Lesson 7 is lesson 1 with random biases (std 0.5), the same for every model."""
    config = PRESETS["random_biases"].config().replace(seed=seed)
    lesson_1 = PRESETS["clones"].config().replace(seed=seed, bias_init="random")
    bs = initdash.Trainer(config, detail=False).net.bs
    return config == lesson_1 and config.bias_std == 0.5 and all((b == b[:1]).all() for b in bs)


def _at_epoch(preset: str, seed: int, epoch: int, **changes) -> pd.DataFrame:
    """The divergence table of a preset's run at one detail epoch (repeat 0)."""
    d = run(preset, seed, **changes).divergence_table()
    return d[(d.epoch == epoch) & (d.repeat == 0)]


def _distinct_at_start(seed: int) -> bool:
    """Epoch 0: every neuron of Zeros and Constant distinct, Zeros' divergence about 1 (within
    10%)."""
    d = _at_epoch("random_biases", seed, 0)
    rows = d[d.scheme.isin(["zeros", "constant"])]
    zeros = d[d.scheme == "zeros"]
    return bool(
        (rows.distinct_neurons == rows.width).all() and zeros.divergence.between(0.9, 1.1).all()
    )


def _zeros_blocked(seed: int) -> bool:
    return _row("random_biases", seed, "zeros").gradient == "blocked"


def _output_layer_first(seed: int) -> bool:
    """Lesson 7's Zeros, its first 3 SGD steps on the lesson's own mini-batches: step 1 moves
    only the output layer (weights or biases), each outgoing weight by its unit's tanh(b) times
    one number; step 2 the last hidden layer too; step 3 every layer."""
    config = PRESETS["random_biases"].config().replace(seed=seed, schemes=("zeros",))
    t = initdash.Trainer(config, detail=False)
    tanh_b = np.tanh(t.net.bs[-2][0].astype(float))  # the last hidden layer's outputs
    w0 = t.net.Ws[-1][0, 0].astype(float)
    perm = t.order_rng.permutation(len(t.y))  # the first epoch's order, as Trainer.step draws it
    moved = []
    for k in range(3):
        idx = np.sort(perm[k * t.batch : (k + 1) * t.batch])
        before = [p.copy() for p in t.net.P]
        t._train_step(t.X[:, idx], t.y[idx])
        moved.append([not np.array_equal(a, b) for a, b in zip(t.net.P, before, strict=True)])
        if k == 0:
            per_unit = (t.net.Ws[-1][0, 0].astype(float) - w0) / tanh_b
    one_number = np.allclose(per_unit, per_unit[0], rtol=1e-3) and per_unit[0] != 0
    return one_number and moved == [[False, False, True], [False, True, True], [True] * 3]


def _line_spread(preset: str, seed: int, scheme: str, epoch: int) -> float:
    """How far a scheme's first-layer neurons are from one line through the origin at a
    detail epoch: the second singular value of their (w1, w2) points over the first (0: all
    on one line; NaN: all at the origin)."""
    t = run(preset, seed).travel_table(epoch)
    p = t[(t.scheme == scheme) & (t.epoch == epoch)][["w1", "w2"]].to_numpy(dtype=float)
    s = np.linalg.svd(p, compute_uv=False)
    return float(s[1] / s[0]) if s[0] > 0 else float("nan")


def _below_ln2(preset: str, seed: int, scheme: str) -> int:
    """The first epoch a scheme's training loss is the learning cut below ln 2 (-1: never)."""
    r = run(preset, seed)
    loss = r.curve("train_loss")[:, r.schemes.index(scheme)]
    hit = np.flatnonzero(loss <= NO_LEARNING_CUT * LN2)
    return int(hit[0]) if hit.size else -1


def _clones_again(seed: int) -> bool:
    d = run("random_biases", seed, **ZERO_BIASES).divergence_table()
    rows = d[d.scheme.isin(["zeros", "constant"])]
    return bool((rows.divergence == 0.0).all() and (rows.distinct_neurons == 1).all())


BIAS_CLAIMS = (
    Claim(
        "random_biases",
        "lesson 1's settings, biases random with std 0.5, the same for every scheme",
        _same_random_biases,
        quote="now with every bias drawn from N(0, 0.5²), the same biases for every scheme",
    ),
    Claim(
        "random_biases",
        "epoch 0: all 8 neurons of each layer of Zeros and Constant distinct, Zeros' divergence "
        "about 1 (0.9 to 1.1)",
        _distinct_at_start,
        quote="at epoch 0 all 8 neurons of each layer of Zeros and Constant are **distinct**",
    ),
    Claim(
        "random_biases",
        "Zeros: at epoch 0 exactly 0 reaches layer 1 (blocked)",
        _zeros_blocked,
        quote="at epoch 0 exactly 0 reaches layer 1 (blocked)",
    ),
    Claim(
        "random_biases",
        "Zeros' first SGD steps: the output layer alone (each weight by its unit's tanh(b)), "
        "then the last hidden layer too, then every layer",
        _output_layer_first,
        quote="The gradient reaches the layers below one step later each",
    ),
    Claim(
        "random_biases",
        "Zeros' symmetry broken; over 20 epochs to get 10% below ln 2 (Xavier: 3 or fewer, "
        "Constant: within 20), 75% or more test accuracy",
        lambda s: (
            _row("random_biases", s, "zeros").symmetry_broken
            and _below_ln2("random_biases", s, "zeros") > 20
            and 0 <= _below_ln2("random_biases", s, "xavier_normal") <= 3
            and 0 <= _below_ln2("random_biases", s, "constant") <= 20
            and _row("random_biases", s, "zeros").test_accuracy >= 0.75
        ),
        quote="Its loss takes over 20 epochs to get",
    ),
    Claim(
        "random_biases",
        "Zeros' first-layer neurons on one line at epoch 40 (across under 5% of along), over "
        "10 times wider by the end",
        lambda s: (
            _line_spread("random_biases", s, "zeros", 40) < 0.05
            and _line_spread("random_biases", s, "zeros", run("random_biases", s).detail_epochs[-1])
            > 10 * _line_spread("random_biases", s, "zeros", 40)
        ),
        quote="they leave the origin along one line",
    ),
    Claim(
        "random_biases",
        "zero biases: Zeros' and Constant's neurons clones at every epoch",
        _clones_again,
        quote="Zeros' and Constant's neurons clones at every epoch",
    ),
)


# ---------------------------------------------------------------------- 8. the class prior
def _prior_entropy(seed: int, **changes) -> float:
    y = run("prior_bias", seed, **changes).data.y_train
    p = np.bincount(y) / len(y)
    return float(-(p * np.log(p)).sum())


def _output_bias(seed: int) -> float:
    """The output bias every model of the prior lesson starts with (its trainer's, at init)."""
    config = PRESETS["prior_bias"].config().replace(seed=seed)
    bias = initdash.Trainer(config, detail=False).net.bs[-1]
    assert np.all(bias == bias[0, 0])
    return float(bias[0, 0])


def _start(seed: int, scheme: str, **changes) -> float:
    return float(_row("prior_bias", seed, scheme, **changes).initial_loss)


def _reach_prior(seed: int, scheme: str) -> int:
    """The first epoch the zero-bias run's training loss is within 5% of the prior's entropy."""
    r = run("prior_bias", seed, **ZERO_BIASES)
    loss = r.curve("train_loss")[:, r.schemes.index(scheme)]
    hit = np.flatnonzero(loss <= 1.05 * _prior_entropy(seed))
    return int(hit[0]) if hit.size else -1


def _class_0_share(seed: int) -> float:
    """What a constant guess of class 0 scores on the training set."""
    y = run("prior_bias", seed).data.y_train
    return float(np.mean(y == 0))


PRIOR_SCHEMES = ("random_small", "xavier_normal", "he_normal")
PRIOR_CLAIMS = (
    Claim(
        "prior_bias",
        "the prior's entropy is 0.325; the output bias starts at ln(1/9) = -2.2",
        lambda s: (
            abs(_prior_entropy(s) - 0.325) < 0.0005
            and abs(_output_bias(s) - math.log(1 / 9)) < 0.01
        ),
        quote="Here the output bias starts at the log odds, ln(1/9) = -2.2: the prior",
    ),
    Claim(
        "prior_bias",
        "Random small starts within 1% of 0.325, Xavier and He below 0.6",
        lambda s: (
            abs(_start(s, "random_small") - _prior_entropy(s)) < 0.01 * _prior_entropy(s)
            and _start(s, "xavier_normal") < 0.6
            and _start(s, "he_normal") < 0.6
        ),
        quote="Random small's starts within 1% of 0.325, Xavier's and He's below 0.6",
    ),
    Claim(
        "prior_bias",
        "biases zero: Random small starts at ln 2 (within 1%), Xavier and He above 0.6",
        lambda s: (
            abs(_start(s, "random_small", **ZERO_BIASES) - LN2) < 0.01 * LN2
            and _start(s, "xavier_normal", **ZERO_BIASES) > 0.6
            and _start(s, "he_normal", **ZERO_BIASES) > 0.6
        ),
        quote="Random small starts at ln 2 (within 1%), Xavier and He above 0.6",
    ),
    Claim(
        "prior_bias",
        "biases zero: Random small needs 15 epochs or more to reach the prior's start (within "
        "5%), Xavier and He at least 2",
        lambda s: (
            _reach_prior(s, "random_small") >= 15
            and _reach_prior(s, "xavier_normal") >= 2
            and _reach_prior(s, "he_normal") >= 2
        ),
        quote="needs 15 epochs or more to get down to where the prior started",
    ),
    Claim(
        "prior_bias",
        "every scheme ends within 0.02 of its loss with the prior; training accuracy above "
        "90%, what a constant guess of class 0 scores, with the prior and without",
        lambda s: (
            _class_0_share(s) == 0.9
            and all(
                abs(
                    _row("prior_bias", s, n).train_loss
                    - _row("prior_bias", s, n, **ZERO_BIASES).train_loss
                )
                < 0.02
                and _row("prior_bias", s, n).train_accuracy > 0.9
                and _row("prior_bias", s, n, **ZERO_BIASES).train_accuracy > 0.9
                for n in PRIOR_SCHEMES
            )
        ),
        quote="every scheme ends within 0.02 of its loss with the prior",
    ),
)


# ---------------------------------------------------------------------- 9. the weights travel
def _points(seed: int, scheme: str, epoch: int) -> np.ndarray:
    t = run("travel", seed).travel_table(epoch)
    return t[(t.scheme == scheme) & (t.epoch == epoch)][["w1", "w2"]].to_numpy(dtype=float)


def _collapse(seed: int) -> bool:
    r = run("travel", seed)
    zeros_at_origin = all(
        len(_points(seed, "zeros", e)) == 16 and not _points(seed, "zeros", e).any()
        for e in r.detail_epochs
    )
    constant_one = all(len(np.unique(_points(seed, "constant", e), axis=0)) == 1
                       for e in r.detail_epochs)  # fmt: skip
    moved = not np.array_equal(
        _points(seed, "constant", 0), _points(seed, "constant", r.detail_epochs[-1])
    )
    return zeros_at_origin and constant_one and moved


def _fans_out(seed: int) -> bool:
    last = run("travel", seed).detail_epochs[-1]
    start, end = _points(seed, "random_small", 0), _points(seed, "random_small", last)
    r0, r1 = np.hypot(*start.T), np.hypot(*end.T)
    return bool(r0.max() < 0.05 and np.median(r1) > 20 * np.median(r0))


def _final_change(seed: int) -> pd.DataFrame:
    r = run("travel", seed)
    c = r.change_table()
    c = c[(c.repeat == 0) & (c.epoch == r.detail_epochs[-1])]
    return c.pivot(index="scheme", columns="layer", values="change")


def _least_moved(seed: int) -> bool:
    c = _final_change(seed)
    others = c.drop(["random_large", "zeros"])
    return bool(
        (c.loc["random_large"] < others.min()).all()
        and c.loc["random_large", 1] < 0.5
        and c.loc["xavier_normal", 1] > 2
        and c.loc["random_small", 1] > 20
        and c.loc["zeros"].isna().all()
    )


@cache
def sweep(seed: int, layer: int = 1) -> pd.DataFrame:
    """The lazy/rich sweep on the first page's data (the travel lesson's): a layer's change,
    width by gain."""
    df = initdash.travel.lazy_sweep(initdash.TrainConfig(seed=seed))
    return df[df.layer == layer].pivot(index="width", columns="gain", values="change")


@cache
def sweep_loss(seed: int) -> pd.DataFrame:
    """The sweep's final training losses, width by gain."""
    df = initdash.travel.lazy_sweep(initdash.TrainConfig(seed=seed))
    return df[df.layer == 1].pivot(index="width", columns="gain", values="loss")


def _lazy_fits(seed: int) -> bool:
    """The widest net at the largest scale (which moves least) fits: its loss ends under half
    of ln 2, lower than the narrowest net's at the smallest scale (which moves most)."""
    loss = sweep_loss(seed)
    return bool(loss.iloc[-1, -1] < 0.5 * LN2 and loss.iloc[-1, -1] < loss.iloc[0, 0])


def _output_layer_stays(seed: int) -> bool:
    c = sweep(seed, 2)
    ratio = c.iloc[0] / c.iloc[-1]
    return bool(((ratio < 3) & (ratio > 1 / 3)).all())


TRAVEL_CLAIMS = (
    Claim(
        "travel",
        "Zeros' 16 neurons at the origin at every epoch; Constant's one point that moves",
        _collapse,
        quote="Zeros' 16 neurons sit at the origin at every epoch",
    ),
    Claim(
        "travel",
        "x0.01 starts within 0.05 of the origin, ends over 20 times farther away (median)",
        _fans_out,
        quote="x0.01's neurons start within 0.05 of the origin and fan out",
    ),
    Claim(
        "travel",
        "x10's first layer moves the least (every layer), under 50%; Xavier's over twice its "
        "size, x0.01's over 20 times",
        _least_moved,
        quote="x10's first layer moves the least of all, under 50% of its size",
    ),
    Claim(
        "travel",
        "sweep: from 16 to 256 units the change falls over 3-fold at every scale",
        lambda s: bool((sweep(s).iloc[0] / sweep(s).iloc[-1] > 3).all()),
        quote="the hidden layer's change falls over 3-fold at every scale",
    ),
    Claim(
        "travel",
        "sweep: from x0.5 to x4 it falls over 1.5-fold at every width",
        lambda s: bool((sweep(s).iloc[:, 0] / sweep(s).iloc[:, -1] > 1.5).all()),
        quote="to x4 over 1.5-fold at every width",
    ),
    Claim(
        "travel",
        "sweep: 256 units at x4 ends with a loss under half of ln 2, below 16 units at x0.5",
        _lazy_fits,
        quote="wide nets and large scales fit while barely moving",
    ),
    Claim(
        "travel view",
        "sweep: the output layer's change stays within a factor of 3 from 16 to 256 units",
        _output_layer_stays,
    ),
)


# ---------------------------------------------------------------------- the quiz
# Each lesson's questions (quiz.questions_for on its own settings) and the answer its steps
# teach: the run must grade that answer right. "question: scheme=answer, ...; question: ..."
# (scheme ALL: a question about all the schemes at once, the race or lazy).
ALL = "all"


def answers(table: str) -> dict[tuple[str, str | None], str]:
    out = {}
    for part in table.split(";"):
        question, pairs = part.split(":")
        for pair in pairs.split(","):
            scheme, answer = (x.strip() for x in pair.split("="))
            out[(question.strip(), None if scheme == ALL else scheme)] = answer
    return out


QUIZ_ANSWERS: dict[str, dict[tuple[str, str | None], str]] = {
    FIRST_PAGE: answers("clones: zeros=yes, xavier_normal=no; learns: zeros=no, random_small=yes"),
    "clones": answers(
        "clones: zeros=yes, constant=yes, xavier_normal=no; "
        "learns: zeros=no, constant=yes, xavier_normal=yes"
    ),
    "small_vs_large": answers(
        "gradient: random_small=vanish, random_large=explode, xavier_normal=stay healthy; "
        "unstable: random_large=yes, xavier_normal=no"
    ),
    "xavier_vs_he": answers(
        "gradient: xavier_normal=vanish, he_normal=stay healthy; "
        "learns: xavier_normal=no, he_normal=yes"
    ),
    "saturation": answers(
        "saturated: random_small=no, random_large=yes, xavier_normal=no; "
        "gradient: random_small=vanish, random_large=stay healthy, xavier_normal=stay healthy"
    ),
    "seed_table": answers(
        "clones: zeros=yes, random_small=no; saturated: random_large=yes, random_small=no; "
        "learns: zeros=no, random_small=yes, random_large=yes"
    ),
    "batchnorm": answers(
        "learns: zeros=no, random_small=yes, random_large=yes; clones: zeros=yes; "
        "unstable: random_small=yes"
    ),
    "random_biases": answers(
        "learns: zeros=yes; gradient: zeros=be exactly 0; clones: zeros=no, constant=no"
    ),
    "prior_bias": answers(
        "start: random_small=near the prior's entropy; "
        "learns: random_small=yes, xavier_normal=yes, he_normal=yes"
    ),
    "travel": answers(
        f"lazy: {ALL}=random_large; clones: zeros=yes, constant=yes, random_small=no"
    ),
}


def preset_of(where: str) -> str | None:
    """The preset a lesson's claims run (None: the first page)."""
    return None if where == FIRST_PAGE else where


def lesson(where: str):
    """The lesson (a Preset) a claim's ``where`` names: START for the first page."""
    return START if where == FIRST_PAGE else PRESETS[where]


@cache
def _facts(where: str, seed: int) -> pd.DataFrame:
    return quiz.facts(run(preset_of(where), seed))


def _graded(where: str, question: str, scheme: str | None, answer: str) -> Callable[[int], bool]:
    return lambda s: quiz.grade(question, _facts(where, s), answer, scheme).right


QUIZ_CLAIMS = tuple(
    Claim(
        where,
        f"quiz: {question}, {scheme or ALL}: {answer}",
        _graded(where, question, scheme, answer),
    )
    for where, answers in QUIZ_ANSWERS.items()
    for (question, scheme), answer in answers.items()
)

CLAIMS: tuple[Claim, ...] = (
    FIRST_PAGE_CLAIMS
    + CLONES_CLAIMS
    + SMALL_VS_LARGE_CLAIMS
    + XAVIER_VS_HE_CLAIMS
    + SATURATION_CLAIMS
    + SEED_TABLE_CLAIMS
    + BATCHNORM_CLAIMS
    + BIAS_CLAIMS
    + PRIOR_CLAIMS
    + TRAVEL_CLAIMS
    + QUIZ_CLAIMS
    + VIEW_CLAIMS
    + MAP_CLAIMS
    + LAB_PANEL_CLAIMS
    + PAGE_CLAIMS
)
STEP_CLAIMS = tuple(c for c in CLAIMS if c.quote)


def tally(claim: Claim, seeds=SEEDS) -> list[int]:
    """The seeds on which a claim does not hold."""
    return [s for s in seeds if not claim.holds(s)]
