"""Every sentence a student reads in a preset's narrative (and on the first page), as a check.

A claim is a short quote of the sentence it checks and a function of one seed's runs that says
whether the sentence holds for that seed. tests/test_presets.py asserts each claim on seeds 0..9
(links carry the seed and students change it), and ``python bench/claims.py`` prints how many
seeds each claim holds on. A claim that fails on any seed is a sentence (or a setting) to change.

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
from initdash.presets import PRESETS

SEEDS = tuple(range(10))
LN2 = math.log(2)


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
    where: str  # the preset's name, or "first page"
    says: str  # a short quote of the sentence
    holds: Callable[[int], bool] = field(repr=False)  # seed -> does it hold?


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


def _first_page_ordering(seed: int) -> bool:
    s = summary(None, seed)
    return bool(
        s.loc["zeros", "outcome"] == "all neurons same"
        and s.loc["random_large", "outcome"] == "unstable"
        and s.loc["random_large", "gradient_risk"] in ("saturated", "exploding", "vanishing")
        and all(s.loc[n, "outcome"] == "stable" for n in ("random_small", "xavier_normal"))
        and s.loc["he_normal", "outcome"] == "stable"
        and all(s.loc[n, "gradient"] == "healthy" for n in ("random_small", "xavier_normal"))
        and s.loc["he_normal", "gradient"] == "healthy"
    )


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
def _init_gradients(seed: int) -> pd.DataFrame:
    """Preset 2's gradients at init (repeat 0): median |dL/dz| and |dL/dW| by scheme and layer."""
    config = PRESETS["small_vs_large"].config().replace(seed=seed, epochs=1)
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


TWO = {"hidden": (16, 16)}

CLAIMS: tuple[Claim, ...] = (
    # ------------------------------------------------------------------ the first page
    Claim(
        "first page",
        "Zeros: all neurons same; Random large: at risk and unstable; Random small, Xavier "
        "and He: healthy and stable",
        _first_page_ordering,
    ),
    Claim(
        "first page",
        "Random large ends with a higher held-out loss than Random small",
        lambda s: (
            summary(None, s).loc["random_large", "test_loss"]
            > summary(None, s).loc["random_small", "test_loss"]
        ),
    ),
    Claim(
        "first page",
        "Zeros stays at ln 2 (within 1%)",
        lambda s: abs(summary(None, s).loc["zeros", "train_loss"] - LN2) < 0.01 * LN2,
    ),
    # ------------------------------------------------------------------ the views' captions
    Claim(
        "activations view",
        "first page: Zeros' outputs are exactly 0 at every epoch",
        _zeros_exactly_zero,
    ),
    Claim(
        "activations view",
        "first page: Random large starts with over 80% of its outputs in the two end bins, "
        "keeps its 2nd and 98th percentiles at -1 and +1 to the end",
        lambda s: (
            _end_bins_at_init(s, "random_large") > 0.8
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
        "first page: Xavier starts spread over about +-0.8 (98th percentile 0.7 to 0.85, 2nd "
        "-0.85 to -0.7), under 1% of them saturated",
        lambda s: (
            0.7 < _bands(s).loc[("xavier_normal", 0), "p98"] < 0.85
            and -0.85 < _bands(s).loc[("xavier_normal", 0), "p2"] < -0.7
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
        "preset 2, Random small: median |dL/dz| shrinks over 10-fold per layer toward layer 1, "
        "which gets under 1/10,000 of layer 5's",
        lambda s: (
            all(
                _init_gradients(s).loc[("random_small", k), "dz"]
                < 0.1 * _init_gradients(s).loc[("random_small", k + 1), "dz"]
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
        "preset 2, Xavier: median |dL/dz| within a factor of 2 over layers 1 to 5, weight "
        "gradients within a factor of 3 over layers 2 to 5",
        lambda s: (
            _spread(_init_gradients(s).loc["xavier_normal"].dz.loc[1:5]) < 2
            and _spread(_init_gradients(s).loc["xavier_normal"].dw.loc[2:5]) < 3
        ),
    ),
    Claim(
        "gradients view",
        "preset 2, Random large: the median |dL/dz| of every hidden layer is exactly 0",
        lambda s: bool((_init_gradients(s).loc["random_large"].dz.loc[1:5] == 0).all()),
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
    # ------------------------------------------------------------------ 1. clones
    Claim("clones", "divergence of Zeros and Constant exactly 0, 1 distinct", _clones),
    Claim("clones", "all 8 of Xavier's neurons are distinct", _xavier_all_distinct),
    Claim(
        "clones",
        "Constant's loss falls to less than half of where it started",
        lambda s: (
            _row("clones", s, "constant").train_loss
            < 0.5 * _row("clones", s, "constant").initial_loss
        ),
    ),
    Claim(
        "clones",
        "zeros + tanh: only the output bias moves",
        lambda s: _only_output_bias(s, "tanh"),
    ),
    Claim(
        "clones",
        "zeros + ReLU does the same",
        lambda s: _only_output_bias(s, "relu"),
    ),
    Claim(
        "clones",
        "sigmoid: the weights move, every neuron of a layer stays identical",
        _sigmoid_clones_move,
    ),
    # ------------------------------------------------------------------ 2. small vs large
    Claim(
        "small_vs_large",
        "x0.01: each layer multiplies the spread by about 0.06 (0.04 to 0.08)",
        lambda s: 0.04 < _per_layer_factor(run("small_vs_large", s), "random_small") < 0.08,
    ),
    Claim(
        "small_vs_large",
        "x0.01: the fifth layer's spread is 1/100,000 of the first's (1e-6 to 1e-4)",
        lambda s: 1e-6 < _spread_ratio(run("small_vs_large", s), "random_small") < 1e-4,
    ),
    Claim(
        "small_vs_large",
        "x0.01: signal reaching layer 1 under a millionth of the output's (vanishing)",
        lambda s: (
            _row("small_vs_large", s, "random_small").signal_ratio_at_init < 1e-6
            and _row("small_vs_large", s, "random_small").gradient == "vanishing"
        ),
    ),
    Claim(
        "small_vs_large",
        "x0.01: the loss sits at ln 2: no learning",
        lambda s: (
            abs(_row("small_vs_large", s, "random_small").lowest_loss - LN2) < 0.01
            and _row("small_vs_large", s, "random_small").outcome == "no learning"
        ),
    ),
    Claim(
        "small_vs_large",
        "x10: over 90% of the outputs start saturated, the loss starts above 10",
        lambda s: (
            _row("small_vs_large", s, "random_large").saturated_at_init > 0.9
            and _row("small_vs_large", s, "random_large").initial_loss > 10
        ),
    ),
    Claim(
        "small_vs_large",
        "x10: signal reaching layer 1 amplified more than 100-fold (exploding)",
        lambda s: (
            _row("small_vs_large", s, "random_large").signal_ratio_at_init > 100
            and _row("small_vs_large", s, "random_large").gradient == "exploding"
        ),
    ),
    Claim(
        "small_vs_large",
        "x10: the loss climbs back to over twice its lowest (unstable)",
        lambda s: _unstable(_row("small_vs_large", s, "random_large")),
    ),
    Claim(
        "small_vs_large",
        "Xavier keeps the spread within a factor of 3 and learns steadily",
        lambda s: (
            1 / 3 < _spread_ratio(run("small_vs_large", s), "xavier_normal") < 3
            and _row("small_vs_large", s, "xavier_normal").outcome == "stable"
        ),
    ),
    Claim(
        "small_vs_large",
        "large scale 1: about half the outputs still saturated (over 45%)",
        lambda s: (
            _row("small_vs_large", s, "random_large", large_scale=1.0).saturated_at_init > 0.45
        ),
    ),
    Claim(
        "small_vs_large",
        "large scale 1: layer 1 gets 4 to 25 times the output's signal, learns to 90%",
        lambda s: (
            4 < _row("small_vs_large", s, "random_large", large_scale=1.0).signal_ratio_at_init < 25
            and _row("small_vs_large", s, "random_large", large_scale=1.0).test_accuracy >= 0.9
        ),
    ),
    Claim(
        "small_vs_large",
        "the deep-signal lab, at depth 20, shows the same",
        _deep_lab_same,
    ),
    # ------------------------------------------------------------------ 3. Xavier vs He
    Claim(
        "xavier_vs_he",
        "Xavier stays within 2% of ln 2 (no learning)",
        lambda s: (
            _row("xavier_vs_he", s, "xavier_normal").lowest_loss > 0.98 * LN2
            and _row("xavier_vs_he", s, "xavier_normal").outcome == "no learning"
        ),
    ),
    Claim(
        "xavier_vs_he",
        "He's loss falls below 0.25, smoothly",
        lambda s: (
            _row("xavier_vs_he", s, "he_normal").lowest_loss < 0.25
            and _row("xavier_vs_he", s, "he_normal").outcome == "stable"
        ),
    ),
    Claim(
        "xavier_vs_he",
        "Xavier's activations shrink by about 1/sqrt(2) per layer (0.6 to 0.8)",
        lambda s: 0.6 < _per_layer_factor(run("xavier_vs_he", s), "xavier_normal") < 0.8,
    ),
    Claim(
        "xavier_vs_he",
        "Xavier's layer 1 gets under 1/1000 of the output's signal (vanishing)",
        lambda s: (
            _row("xavier_vs_he", s, "xavier_normal").signal_ratio_at_init < 1e-3
            and _row("xavier_vs_he", s, "xavier_normal").gradient == "vanishing"
        ),
    ),
    Claim(
        "xavier_vs_he",
        "He's spread stays within a factor of 20 of layer 1's, layer 1 gets 5% to 25%",
        lambda s: (
            1 / 20 < _spread_ratio(run("xavier_vs_he", s), "he_normal") < 20
            and 0.05 < _row("xavier_vs_he", s, "he_normal").signal_ratio_at_init < 0.25
        ),
    ),
    Claim(
        "xavier_vs_he",
        "layer 20's spread under 1/400 of layer 1's (Xavier)",
        lambda s: _spread_ratio(run("xavier_vs_he", s), "xavier_normal") < 1 / 400,
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
    ),
    # ------------------------------------------------------------------ 4. saturation
    Claim(
        "saturation",
        "x10: about 80% of the outputs start saturated (75% to 90%)",
        lambda s: 0.75 < _row("saturation", s, "random_large").saturated_at_init < 0.9,
    ),
    Claim(
        "saturation",
        "x10: the loss starts at over 4 times ln 2",
        lambda s: _row("saturation", s, "random_large").initial_loss > 4 * LN2,
    ),
    Claim(
        "saturation",
        "x10: layer 1 gets between half and 5 times the output's signal",
        lambda s: 0.5 < _row("saturation", s, "random_large").signal_ratio_at_init < 5,
    ),
    Claim(
        "saturation",
        "x10: over 50 times Xavier's share",
        lambda s: (
            _row("saturation", s, "random_large").signal_ratio_at_init
            > 50 * _row("saturation", s, "xavier_normal").signal_ratio_at_init
        ),
    ),
    Claim(
        "saturation",
        "x10: the net learns (85% or more)",
        lambda s: _row("saturation", s, "random_large").test_accuracy >= 0.85,
    ),
    Claim(
        "saturation",
        "x0.01: the signal reaching layer 1 under a millionth, nothing learned",
        lambda s: (
            _row("saturation", s, "random_small").signal_ratio_at_init < 1e-6
            and _row("saturation", s, "random_small").outcome == "no learning"
        ),
    ),
    Claim(
        "saturation",
        "Xavier's signal shrinks 5- to 10-fold per sigmoid layer",
        lambda s: (
            5 < (1 / _row("saturation", s, "xavier_normal").signal_ratio_at_init) ** (1 / 3) < 10
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
    # ------------------------------------------------------------------ 5. the lesson's table
    Claim(
        "seed_table",
        "the lesson's 9 cells",
        lambda s: lesson_table(s) == LESSON_TABLE,
    ),
    Claim(
        "seed_table",
        "Random large: over 75% saturated; layer 1 gets 1.5 to 3 times the output's signal",
        lambda s: (
            _row("seed_table", s, "random_large").saturated_at_init > 0.75
            and 1.5 < _row("seed_table", s, "random_large").signal_ratio_at_init < 3
        ),
    ),
    Claim(
        "seed_table",
        "Random large starts over 4 times higher than ln 2, climbs back to over twice its lowest",
        lambda s: (
            _row("seed_table", s, "random_large").initial_loss > 4 * LN2
            and _row("seed_table", s, "random_large").relapse > 2
        ),
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
    ),
    Claim(
        "seed_table",
        "(16,16): its loss takes 5 times as many epochs to get going",
        lambda s: _small_start(s, **TWO) >= 5 * max(_small_start(s), 1),
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


# ---------------------------------------------------------------------- 6. BatchNorm
BN_OFF = {"batchnorm": False}


def _first_steps(preset: str, seed: int, scheme: str) -> np.ndarray:
    """How much the first SGD step changes each hidden layer's weights, relative to their size:
    lr ||dLoss/dW|| / ||W|| at epoch 0 (repeat 0)."""
    r = run(preset, seed)
    lt = r.layer_table(0)
    rows = lt[(lt.scheme == scheme) & (lt.kind == "hidden") & (lt.repeat == 0)].sort_values("layer")
    sizes = np.sqrt([r.dims[i - 1] * r.dims[i] for i in rows.layer]) * rows.weight_rms
    return (r.config.lr * rows.grad_norm / sizes).to_numpy()


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
    ),
    Claim(
        "batchnorm",
        "switch BatchNorm off: x0.01 sits at ln 2",
        lambda s: (
            abs(_row("batchnorm", s, "random_small", **BN_OFF).lowest_loss - LN2) < 0.01
            and _row("batchnorm", s, "random_small", **BN_OFF).outcome == "no learning"
        ),
    ),
    Claim(
        "batchnorm",
        "epoch 0: x0.01's fifth layer's spread within 20% of the first's (without: 1e-6 to 1e-4)",
        lambda s: (
            0.8 < _spread_ratio(run("batchnorm", s), "random_small") < 1.2
            and 1e-6 < _spread_ratio(run("batchnorm", s, **BN_OFF), "random_small") < 1e-4
        ),
    ),
    Claim(
        "batchnorm",
        "x0.01: layer 1 gets 2 to 20 times the output's signal (without: under a millionth)",
        lambda s: (
            2 < _row("batchnorm", s, "random_small").signal_ratio_at_init < 20
            and _row("batchnorm", s, "random_small", **BN_OFF).signal_ratio_at_init < 1e-6
        ),
    ),
    Claim(
        "batchnorm",
        "x0.01's first step changes every hidden layer's weights by over a tenth of their size "
        "(Random large's: under 1%)",
        lambda s: bool(
            (_first_steps("batchnorm", s, "random_small") > 0.1).all()
            and (_first_steps("batchnorm", s, "random_large") < 0.01).all()
        ),
    ),
    Claim(
        "batchnorm",
        "x0.01 with BatchNorm: loss back to over twice its lowest (unstable)",
        lambda s: _unstable(_row("batchnorm", s, "random_small")),
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
    ),
    Claim(
        "batchnorm",
        "Zeros, with or without BatchNorm: loss at ln 2, divergence exactly 0, 1 distinct",
        _zeros_fail_either_way,
    ),
)


# ---------------------------------------------------------------------- 7. random biases
ZERO_BIASES = {"bias_init": "zeros"}


def _at_epoch(preset: str, seed: int, epoch: int, **changes) -> pd.DataFrame:
    """The divergence table of a preset's run at one detail epoch (repeat 0)."""
    d = run(preset, seed, **changes).divergence_table()
    return d[(d.epoch == epoch) & (d.repeat == 0)]


def _distinct_at_start(seed: int) -> bool:
    d = _at_epoch("random_biases", seed, 0)
    rows = d[d.scheme.isin(["zeros", "constant"])]
    zeros = d[d.scheme == "zeros"]
    return bool((rows.distinct_neurons == rows.width).all() and (zeros.divergence > 0.9).all())


def _line_spread(preset: str, seed: int, scheme: str, epoch: int) -> float:
    """How far a scheme's first-layer neurons are from one line through the origin at a
    detail epoch: the second singular value of their (w1, w2) points over the first (0: all
    on one line; NaN: all at the origin)."""
    t = run(preset, seed).travel_table(epoch)
    p = t[(t.scheme == scheme) & (t.epoch == epoch)][["w1", "w2"]].to_numpy(dtype=float)
    s = np.linalg.svd(p, compute_uv=False)
    return float(s[1] / s[0]) if s[0] > 0 else float("nan")


def _below_ln2(preset: str, seed: int, scheme: str) -> int:
    """The first epoch a scheme's training loss is 10% below ln 2 (-1: never)."""
    r = run(preset, seed)
    loss = r.curve("train_loss")[:, r.schemes.index(scheme)]
    hit = np.flatnonzero(loss <= 0.9 * LN2)
    return int(hit[0]) if hit.size else -1


def _clones_again(seed: int) -> bool:
    d = run("random_biases", seed, **ZERO_BIASES).divergence_table()
    rows = d[d.scheme.isin(["zeros", "constant"])]
    return bool((rows.divergence == 0.0).all() and (rows.distinct_neurons == 1).all())


BIAS_CLAIMS = (
    Claim(
        "random_biases",
        "epoch 0: all 8 neurons of each layer of Zeros and Constant distinct, Zeros' divergence "
        "about 1",
        _distinct_at_start,
    ),
    Claim(
        "random_biases",
        "Zeros: at epoch 0 exactly 0 reaches layer 1 (blocked)",
        lambda s: (
            _row("random_biases", s, "zeros").gradient == "blocked"
            and _row("random_biases", s, "zeros").symmetry_broken
        ),
    ),
    Claim(
        "random_biases",
        "Zeros learns, slowly: over 20 epochs to get 10% below ln 2 (Xavier: 3 or fewer, "
        "Constant: within 20), 75% or more test accuracy",
        lambda s: (
            _below_ln2("random_biases", s, "zeros") > 20
            and 0 <= _below_ln2("random_biases", s, "xavier_normal") <= 3
            and 0 <= _below_ln2("random_biases", s, "constant") <= 20
            and _row("random_biases", s, "zeros").test_accuracy >= 0.75
        ),
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
    ),
    Claim("random_biases", "biases back to zeros: clones at every epoch", _clones_again),
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


PRIOR_SCHEMES = ("random_small", "xavier_normal", "he_normal")
PRIOR_CLAIMS = (
    Claim(
        "prior_bias",
        "the prior's entropy is 0.325; the output bias starts at ln(1/9) = -2.2",
        lambda s: (
            abs(_prior_entropy(s) - 0.325) < 0.0005
            and abs(_output_bias(s) - math.log(1 / 9)) < 0.01
        ),
    ),
    Claim(
        "prior_bias",
        "Random small starts within 1% of 0.325, Xavier and He below 0.6",
        lambda s: (
            abs(_start(s, "random_small") - _prior_entropy(s)) < 0.01 * _prior_entropy(s)
            and _start(s, "xavier_normal") < 0.6
            and _start(s, "he_normal") < 0.6
        ),
    ),
    Claim(
        "prior_bias",
        "biases zero: Random small starts at ln 2 (within 1%), Xavier and He above 0.6",
        lambda s: (
            abs(_start(s, "random_small", **ZERO_BIASES) - LN2) < 0.01 * LN2
            and _start(s, "xavier_normal", **ZERO_BIASES) > 0.6
            and _start(s, "he_normal", **ZERO_BIASES) > 0.6
        ),
    ),
    Claim(
        "prior_bias",
        "biases zero: Random small needs 15 epochs or more to reach the prior's start, Xavier "
        "and He at least 2",
        lambda s: (
            _reach_prior(s, "random_small") >= 15
            and _reach_prior(s, "xavier_normal") >= 2
            and _reach_prior(s, "he_normal") >= 2
        ),
    ),
    Claim(
        "prior_bias",
        "every scheme ends within 0.02 of its loss with the prior, training accuracy above "
        "90% (a constant guess of class 0)",
        lambda s: all(
            abs(
                _row("prior_bias", s, n).train_loss
                - _row("prior_bias", s, n, **ZERO_BIASES).train_loss
            )
            < 0.02
            and _row("prior_bias", s, n).train_accuracy > 0.9
            and _row("prior_bias", s, n, **ZERO_BIASES).train_accuracy > 0.9
            for n in PRIOR_SCHEMES
        ),
    ),
)


# ---------------------------------------------------------------------- 9. the weights travel
def _points(seed: int, scheme: str, epoch: int) -> np.ndarray:
    t = run("travel", seed).travel_table(epoch)
    return t[(t.scheme == scheme) & (t.epoch == epoch)][["w1", "w2"]].to_numpy(dtype=float)


def _collapse(seed: int) -> bool:
    r = run("travel", seed)
    zeros_at_origin = all(not _points(seed, "zeros", e).any() for e in r.detail_epochs)
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


def _output_layer_stays(seed: int) -> bool:
    c = sweep(seed, 2)
    ratio = c.iloc[0] / c.iloc[-1]
    return bool(((ratio < 3) & (ratio > 1 / 3)).all())


TRAVEL_CLAIMS = (
    Claim(
        "travel",
        "Zeros' 16 neurons at the origin at every epoch; Constant's one point that moves",
        _collapse,
    ),
    Claim(
        "travel",
        "x0.01 starts within 0.05 of the origin, ends over 20 times farther away (median)",
        _fans_out,
    ),
    Claim(
        "travel",
        "x10's first layer moves the least (every layer), under 50%; Xavier's over twice its "
        "size, x0.01's over 20 times",
        _least_moved,
    ),
    Claim(
        "travel",
        "sweep: from 16 to 256 units the change falls over 3-fold at every scale",
        lambda s: bool((sweep(s).iloc[0] / sweep(s).iloc[-1] > 3).all()),
    ),
    Claim(
        "travel",
        "sweep: from x0.5 to x4 it falls over 1.5-fold at every width",
        lambda s: bool((sweep(s).iloc[:, 0] / sweep(s).iloc[:, -1] > 1.5).all()),
    ),
    Claim(
        "travel view",
        "sweep: the output layer's change stays within a factor of 3 from 16 to 256 units",
        _output_layer_stays,
    ),
)
CLAIMS = CLAIMS + MAP_CLAIMS + BATCHNORM_CLAIMS + BIAS_CLAIMS + PRIOR_CLAIMS + TRAVEL_CLAIMS

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


def tally(claim: Claim, seeds=SEEDS) -> list[int]:
    """The seeds on which a claim does not hold."""
    return [s for s in seeds if not claim.holds(s)]
