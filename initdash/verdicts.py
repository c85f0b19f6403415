"""The TL;DR verdicts, derived from what a run measured (never from a scheme's name).

For each scheme (over its repeats):

* **symmetry broken?** no when, at the last epoch, some hidden layer of width > 1 still has
  all its neurons with bit-identical weights (:func:`initdash.metrics.param_clones`), in
  every repeat that did not diverge: such neurons can never become different. (Dead ReLUs or
  a vanished signal make neurons *output* the same, which the distinct-neuron count shows, but
  their weights differ, so that is not the symmetry problem.)
* **gradient at init**: from the detailed measurement at epoch 0, with the *backprop signal*
  of a layer = RMS of dLoss/dz per example, and ``ratio`` = first hidden layer's signal over
  the output layer's:
  ``blocked`` when no signal reaches the first layer at all (exactly 0: zero weights pass none),
  ``exploding`` when ratio > ``EXPLODE_RATIO``, ``vanishing`` when ratio < ``VANISH_RATIO``
  or most S-shaped units are saturated (share > ``SATURATED``), else ``healthy``;
* **outcome**: ``diverged`` (loss became non-finite), ``all neurons same`` (symmetry never
  broken), ``no learning`` (final accuracy within ``NO_LEARNING_MARGIN`` of always guessing the
  largest class), ``unstable`` (at least ``UNSTABLE_SPIKES`` times the loss jumped from one
  epoch to the next by over ``SPIKE`` x and by over ``SPIKE_ABS`` x the chance-level loss ln K,
  or it rose above ``BLOWUP`` x its lowest value so far and by over ``BLOWUP_ABS`` x ln K:
  smooth descent never does that, while mini-batch noise near a small loss stays under the
  absolute thresholds), ``slow start`` (the first 10% cut in the loss took over ``SLOW_FRACTION`` of
  the run), else ``stable``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .results import Result

VANISH_RATIO = 1e-3
EXPLODE_RATIO = 1e2
SATURATED = 0.5
NO_LEARNING_MARGIN = 0.05
SPIKE = 1.1
SPIKE_ABS = 0.05
UNSTABLE_SPIKES = 3
BLOWUP = 2.0
BLOWUP_ABS = 0.25
SLOW_FRACTION = 0.15


@dataclass(frozen=True)
class Verdict:
    epochs: int
    initial_loss: float
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    test_accuracy_std: float
    diverged: bool
    diverged_epoch: int  # -1 = never (earliest over repeats)
    divergence: float  # final per-neuron output divergence, smallest hidden layer, mean of repeats
    distinct_neurons: int  # final, fewest over hidden layers and repeats
    symmetry_broken: bool
    saturated_at_init: float
    dead_at_init: float
    signal_ratio_at_init: float  # backprop signal, first hidden layer / output layer
    gradient: str  # blocked | vanishing | exploding | healthy
    outcome: str  # diverged | all neurons same | no learning | unstable | slow start | stable

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def vanishing_risk(self) -> str:
        return "yes" if self.gradient in ("vanishing", "exploding") else "no"


def _nanmean(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def _nanstd(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(a.std()) if a.size else float("nan")


def _last_finite(col: np.ndarray) -> float:
    ok = np.flatnonzero(np.isfinite(col))
    return float(col[ok[-1]]) if ok.size else float("nan")


def gradient_at_init(sat: float, ratio: float, first_signal: float) -> str:
    if first_signal == 0.0:
        return "blocked"
    if not np.isfinite(ratio) or ratio > EXPLODE_RATIO:
        return "exploding"
    if ratio < VANISH_RATIO or (np.isfinite(sat) and sat > SATURATED):
        return "vanishing"
    return "healthy"


def outcome_of(
    loss: np.ndarray,
    test_acc: float,
    chance: float,
    diverged: bool,
    symmetric: bool,
    n_classes: int = 2,
) -> str:
    """Classify a (mean) training-loss curve and its final accuracy."""
    if diverged:
        return "diverged"
    if symmetric:
        return "all neurons same"
    if not np.isfinite(test_acc) or test_acc < chance + NO_LEARNING_MARGIN:
        return "no learning"
    loss = loss[np.isfinite(loss)]
    if loss.size >= 3:
        chance_loss = np.log(n_classes)
        up = np.diff(loss)
        spikes = np.sum((loss[1:] > SPIKE * loss[:-1]) & (up > SPIKE_ABS * chance_loss))
        low = np.minimum.accumulate(loss)[:-1]
        blowup = np.any((loss[1:] > BLOWUP * low) & (loss[1:] - low > BLOWUP_ABS * chance_loss))
        if spikes >= UNSTABLE_SPIKES or blowup:
            return "unstable"
        cut = np.flatnonzero(loss <= 0.9 * loss[0])
        if not cut.size or cut[0] > SLOW_FRACTION * (loss.size - 1):
            return "slow start"
    return "stable"


def judge(result: Result, s: int) -> Verdict:
    """The verdict for scheme number ``s`` of a result."""
    R = result.repeats
    ks = np.arange(s * R, (s + 1) * R)
    train_loss = result.curve("train_loss")[:, ks]
    has_test = len(result.data.y_test) > 0
    split = "test" if has_test else "train"
    acc = result.curve(f"{split}_accuracy")[:, ks]
    test_loss = result.curve(f"{split}_loss")[:, ks]
    div_epochs = result.diverged_epoch[ks]
    diverged = bool((div_epochs >= 0).any())
    final_acc = np.array([_last_finite(acc[:, j]) for j in range(R)])

    first, last = result.details[0], result.details[-1]
    widths = np.array(last.width)
    wide = widths > 1
    if wide.any():
        distinct = last.distinct[ks][:, wide]
        symmetric_per_repeat = last.param_clones[ks][:, wide].any(axis=1)
        counted = distinct[div_epochs < 0] if (div_epochs < 0).any() else distinct
        distinct_min = int(counted.min())
        div_final = _nanmean(last.divergence[ks][:, wide].min(axis=1))
    else:  # no hidden layer, or only width-1 layers: nothing to be symmetric
        symmetric_per_repeat = np.zeros(R, dtype=bool)
        distinct_min = int(widths.min()) if widths.size else 0
        div_final = float("nan")
    alive = div_epochs < 0
    symmetric = (
        bool(symmetric_per_repeat[alive].all()) if alive.any() else bool(symmetric_per_repeat.all())
    )

    H = first.act_mean.shape[1]
    sat = _nanmean(first.saturated[ks]) if H else float("nan")
    dead = _nanmean(first.dead[ks]) if H else float("nan")
    delta = first.delta[ks]
    first_signal = float(np.nanmax(np.abs(delta[:, 0]))) if delta.size else float("nan")
    with np.errstate(all="ignore"):
        ratios = delta[:, 0] / delta[:, -1]
    ok = np.isfinite(ratios) & (ratios > 0)
    ratio = (
        float(np.exp(np.mean(np.log(ratios[ok]))))
        if ok.any()
        else (0.0 if first_signal == 0.0 else float("nan"))
    )
    gradient = "healthy" if H == 0 else gradient_at_init(sat, ratio, first_signal)

    y = result.data.y_test if has_test else result.data.y_train
    chance = float(np.bincount(y).max() / max(len(y), 1)) if len(y) else 0.5
    finite = np.isfinite(train_loss)
    n_finite = finite.sum(axis=1)
    mean_loss = np.where(finite, train_loss, 0.0).sum(axis=1) / np.maximum(n_finite, 1)
    mean_loss[n_finite == 0] = np.nan
    outcome = outcome_of(
        mean_loss, _nanmean(final_acc), chance, diverged, symmetric, result.data.n_classes
    )

    return Verdict(
        epochs=result.epochs_done,
        initial_loss=_nanmean(train_loss[0]),
        train_loss=_nanmean([_last_finite(train_loss[:, j]) for j in range(R)]),
        test_loss=_nanmean([_last_finite(test_loss[:, j]) for j in range(R)]),
        train_accuracy=_nanmean([_last_finite(result.curve("train_accuracy")[:, k]) for k in ks]),
        test_accuracy=_nanmean(final_acc),
        test_accuracy_std=_nanstd(final_acc) if R > 1 else 0.0,
        diverged=diverged,
        diverged_epoch=int(div_epochs[div_epochs >= 0].min()) if diverged else -1,
        divergence=div_final,
        distinct_neurons=distinct_min,
        symmetry_broken=not symmetric,
        saturated_at_init=sat,
        dead_at_init=dead,
        signal_ratio_at_init=ratio,
        gradient=gradient,
        outcome=outcome,
    )
