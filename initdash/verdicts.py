"""The TL;DR verdicts: each one a small rule from measured numbers to a word.

The rules take an :class:`Evidence` record (what a run measured for one scheme, gathered by
:meth:`initdash.results.Result.summary`) and nothing else, so each can be checked by hand: a loss
curve, a ratio or a share in, a word out. Every threshold is defined here, beside its rule, and
every word the app prints sits beside the number it came from.

* **symmetry broken?** no when, at the last epoch, some hidden layer of width > 1 still has all
  its neurons with bit-identical weights (:func:`initdash.metrics.param_clones`), in every
  repeat that did not diverge: such neurons can never become different. (Dead ReLUs make
  neurons *output* the same, which the distinct-neuron count shows apart, but their weights
  differ, so that is not the symmetry problem.)
* **gradient at init** (:func:`gradient`), from the *backprop signal* of a layer = RMS of
  dLoss/dz per example, and ``ratio`` = the first hidden layer's signal over the output
  layer's, at epoch 0.
* **risk of a vanishing or exploding gradient** (:func:`gradient_risk`): the measured gradient,
  else most units saturated or dead (their slope passes almost nothing back), else none.
* **outcome** (:func:`outcome`), judged on the training-loss curve.

Each rule is also said in words once, here (:func:`rule_text`, :func:`tldr_rules`), each number
formatted from its threshold: the page's captions and cards and the quiz print these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import SATURATION_SLOPE

# --------------------------------------------------------------------------- gradient at init
# ratio < VANISH_RATIO: vanishing; ratio > EXPLODE_RATIO: exploding; exactly 0: blocked.
# Measured at init (seeds 0-2) for schemes used with the activation they suit (Xavier, LeCun
# and orthogonal with tanh, He, orthogonal and LSUV with ReLU), 1 to 10 hidden layers of 16 to
# 128 units, 2 or 4 classes: the ratio lies between 0.005 and 4 (narrow output layers make it
# typically 0.1 to 1). Random N(0, 0.01) weights: about 0.01 with one hidden layer, 1e-4 with
# two, 1e-8 with five; N(0, 100) weights with tanh: about 2 with one hidden layer, 6 to 28 with
# two, 400 or more with five. The thresholds sit well outside the healthy band.
VANISH_RATIO = 1e-3
EXPLODE_RATIO = 10.0
# Most units on a flat part (saturated share of outputs) or off for every input (dead share of
# units) at init: a risk even when the gradient that still gets through is not small.
RISK_SHARE = 0.5

# --------------------------------------------------------------------------- outcome
# Learned at all: the loss went below NO_LEARNING_CUT x its starting value at some epoch.
NO_LEARNING_CUT = 0.9
# Slow start: that first cut (to NO_LEARNING_CUT x the start) came after SLOW_FRACTION of the
# epochs.
SLOW_FRACTION = 0.15
# Unstable: at some epoch the loss climbed back above RELAPSE x the lowest loss reached so far
# (judged against the curve's own level), and by more than RELAPSE_ABS x the chance-level loss
# ln K (a quarter of what guessing costs: mini-batch noise near a small loss does not count).
# Smooth descent never does that: measured on the first page and the lesson presets (seeds
# 0-9), the schemes with a stable path climb back to at most 1.8x their lowest loss (or by
# less than RELAPSE_ABS ln K), Random large (x10 weights) to 2.3x or more, by 0.24 or more.
RELAPSE = 2.0
RELAPSE_ABS = 0.25
LOSS_FLOOR = 1e-9  # a lowest loss under this counts as this (a climb back from 0 is finite)
# Undecided: every final prediction within this distance of a coin toss (p - 1/K), so its
# accuracy says nothing (the sign of a 1e-8 logit decides it).
UNDECIDED_GAP = 1e-3


@dataclass(frozen=True)
class Evidence:
    """What a run measured for one scheme (over its repeats): the input of every rule."""

    loss: np.ndarray  # mean training loss per epoch, over the repeats with a finite value
    n_classes: int
    diverged: bool
    symmetric: bool  # some hidden layer's neurons have identical weights at the end
    first_signal: float  # backprop signal reaching the first hidden layer at init (largest)
    ratio: float  # first hidden layer's signal / output layer's at init (geometric mean)
    saturated: float  # share of saturated outputs at init (NaN: no S-shaped hidden layer)
    dead: float  # share of dead units at init (NaN: no ReLU-family hidden layer)
    prediction_gap: float  # final: most confident prediction's distance from chance
    has_hidden: bool = True


def gradient(first_signal: float, ratio: float, has_hidden: bool = True) -> str:
    """blocked | vanishing | exploding | healthy, from the signal ratio at init."""
    if not has_hidden:
        return "healthy"  # no hidden layer: nothing for a gradient to cross
    if first_signal == 0.0:
        return "blocked"
    if not np.isfinite(ratio) or ratio > EXPLODE_RATIO:
        return "exploding"
    if ratio < VANISH_RATIO:
        return "vanishing"
    return "healthy"


def gradient_risk(grad: str, saturated: float, dead: float) -> str:
    """The lesson's "risk of vanishing gradient": vanishing | exploding (measured), else
    saturated | dead (most units pass almost no gradient), else blocked | none."""
    if grad in ("vanishing", "exploding"):
        return grad
    if np.isfinite(saturated) and saturated > RISK_SHARE:
        return "saturated"
    if np.isfinite(dead) and dead > RISK_SHARE:
        return "dead"
    return "blocked" if grad == "blocked" else "none"


def first_epoch_at_or_below(loss: np.ndarray, level: float) -> int:
    """The first epoch whose loss is at or below ``level``; -1 = never."""
    hit = np.flatnonzero(np.asarray(loss, dtype=float) <= level)
    return int(hit[0]) if hit.size else -1


def first_cut_epoch(loss: np.ndarray) -> int:
    """The first epoch whose loss is below NO_LEARNING_CUT x the starting loss; -1 = never."""
    loss = np.asarray(loss, dtype=float)
    if loss.size == 0 or not np.isfinite(loss[0]):
        return -1
    return first_epoch_at_or_below(loss, NO_LEARNING_CUT * loss[0])


def relapse(loss: np.ndarray, n_classes: int = 2) -> tuple[float, int]:
    """The worst climb of a loss curve back up: (largest loss / lowest loss before it, and the
    epoch where it happened). Climbs of less than RELAPSE_ABS x ln K do not count: (1.0, -1).
    A lowest loss under LOSS_FLOOR counts as LOSS_FLOOR, so a climb back from 0 stays finite."""
    loss = np.asarray(loss, dtype=float)
    ok = np.flatnonzero(np.isfinite(loss))
    if ok.size < 2:
        return 1.0, -1
    seen = loss[ok]
    low = np.minimum.accumulate(seen)[:-1]
    later = seen[1:]
    climbed = later - low > RELAPSE_ABS * np.log(n_classes)
    ratio = np.where(climbed, later / np.maximum(low, LOSS_FLOOR), 1.0)
    i = int(np.argmax(ratio))
    return (float(ratio[i]), int(ok[i + 1])) if ratio[i] > 1.0 else (1.0, -1)


def outcome(ev: Evidence) -> str:
    """diverged | all neurons same | no learning | unstable | slow start | stable."""
    if ev.diverged:
        return "diverged"
    if ev.symmetric:
        return "all neurons same"
    cut = first_cut_epoch(ev.loss)
    if cut < 0:
        return "no learning"
    if relapse(ev.loss, ev.n_classes)[0] > RELAPSE:
        return "unstable"
    if cut > SLOW_FRACTION * (len(ev.loss) - 1):
        return "slow start"
    return "stable"


def undecided(prediction_gap: float) -> bool:
    """True when every final prediction is within a hair of a coin toss."""
    return bool(np.isfinite(prediction_gap) and prediction_gap < UNDECIDED_GAP)


@dataclass(frozen=True)
class Verdict:
    """One scheme's summary row: final figures, the evidence numbers and the verdicts."""

    epochs: int
    initial_loss: float
    lowest_loss: float
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    test_accuracy_std: float
    undecided: bool  # every final prediction within UNDECIDED_GAP of chance
    diverged: bool
    diverged_epoch: int  # -1 = never (earliest over repeats)
    divergence: float  # final scale-free divergence, least divergent hidden layer, mean
    distinct_neurons: int  # in the hidden layer with the fewest (final, fewest over repeats)
    dead_neurons: int  # in that layer
    stuck_neurons: int  # in that layer
    layer_width: int  # that layer's width
    symmetry_broken: bool
    saturated_at_init: float
    dead_at_init: float
    signal_ratio_at_init: float  # backprop signal, first hidden layer / output layer
    gradient: str  # blocked | vanishing | exploding | healthy
    gradient_risk: str  # vanishing | exploding | saturated | dead | blocked | none
    first_cut_epoch: int  # first epoch under NO_LEARNING_CUT x the starting loss; -1 = never
    relapse: float  # the worst climb back: loss / lowest loss before it (1 = never climbed)
    relapse_epoch: int  # where it happened; -1 = never
    outcome: str  # diverged | all neurons same | no learning | unstable | slow start | stable


def verdicts(ev: Evidence) -> dict:
    """The verdict fields that come from the rules alone (the rest are plain figures)."""
    grad = gradient(ev.first_signal, ev.ratio, ev.has_hidden)
    worst, at = relapse(ev.loss, ev.n_classes)
    return {
        "symmetry_broken": not ev.symmetric,
        "gradient": grad,
        "gradient_risk": gradient_risk(grad, ev.saturated, ev.dead),
        "first_cut_epoch": first_cut_epoch(ev.loss),
        "relapse": worst,
        "relapse_epoch": at,
        "outcome": outcome(ev),
        "undecided": undecided(ev.prediction_gap),
    }


# --------------------------------------------------------------------------- the rules in words
# Each threshold said once, from its constant: change a threshold and every sentence follows.
SAID = {2.0: "twice", 0.5: "half", 0.25: "a quarter"}  # multiples a person says in words


def percent(share: float) -> str:
    """A share as a percentage: 0.1 -> '10%', 0.15 -> '15%'."""
    return f"{100 * share:.3g}%"


def times(factor: float) -> str:
    """A multiple in words: 2 -> 'twice', 0.25 -> 'a quarter', 3 -> '3x'."""
    return SAID.get(factor, f"{factor:g}x")


def one_in(share: float) -> str:
    """A small share as one part in so many: 0.001 -> '1/1000'."""
    return f"1/{1 / share:g}"


def ratio(factor: float) -> str:
    """A ratio as the signal columns print it: 0.001 -> 'x0.001', 10 -> 'x10'."""
    return f"x{factor:g}"


def cut() -> str:
    """How far below its start the training loss must get to count as learning: '10%'."""
    return percent(1.0 - NO_LEARNING_CUT)


def most() -> str:
    """RISK_SHARE in words: 'most' (over a half), else 'over 60%'."""
    return "most" if RISK_SHARE == 0.5 else f"over {percent(RISK_SHARE)} of"


def rule_text(name: str) -> str:
    """One rule's threshold in words, e.g. rule_text("no learning") -> 'never got 10% below its
    start'. Names: the outcomes (no learning, slow start, unstable), the relapse floor
    (relapse), the gradient words (vanishing, exploding, blocked), saturated and undecided."""
    texts = {
        "no learning": f"never got {cut()} below its start",
        "slow start": f"the first {cut()} drop took over {percent(SLOW_FRACTION)} of the run",
        "unstable": f"climbed back above {times(RELAPSE)} its lowest",
        "relapse": f"by more than {times(RELAPSE_ABS)} of chance level",
        "vanishing": f"under {ratio(VANISH_RATIO)}",
        "exploding": f"over {ratio(EXPLODE_RATIO)}",
        "blocked": "exactly 0",
        "saturated": f"slope under {percent(SATURATION_SLOPE)} of its peak",
        "undecided": f"every prediction is within {UNDECIDED_GAP:g} of a coin toss",
    }
    if name not in texts:
        raise ValueError(f"unknown rule {name!r}; choose one of: {', '.join(texts)}")
    return texts[name]


def tldr_rules() -> str:
    """The TL;DR's rules in two sentences (Markdown), every threshold from its constant."""
    return (
        "**Risk**: the backprop signal reaching layer 1 at epoch 0, as a multiple of the output "
        f"layer's ({rule_text('vanishing')}: vanishing; {rule_text('exploding')}: exploding; "
        f"{rule_text('blocked')}: blocked), else {most()} outputs saturated "
        f"({rule_text('saturated')}) or {most()} ReLUs dead, which pass almost nothing back. "
        f"**Outcome**, from the training loss: no learning if it {rule_text('no learning')}; "
        f"unstable if it {rule_text('unstable')}; slow start if {rule_text('slow start')}. "
        f"Accuracy shows - when {rule_text('undecided')}."
    )
