"""Predict, then observe: questions a student answers before training, graded by the run itself.

A question is asked about some of the trained schemes ("will its neurons stay clones?") or once
about all of them ("which scheme reaches a training loss of 0.3 first?"). Each states the rule
it is graded by, in plain words, with the threshold taken from :mod:`initdash.verdicts`. After
the run, :func:`grade` compares the answer with what the run measured: a row of
:meth:`Result.summary` (the TL;DR verdicts) plus the epoch each scheme's training loss first
reached ``RACE_LOSS`` (:func:`facts`). Every grade says why, with the number it came from, and
where the page shows it (a :class:`~initdash.lessons.Scene`: a view and an epoch). Pure
functions: a summary table in, grades out; the page keeps the answers in the session only.

Each lesson asks 2 or 3 questions (``Preset.asks``); the first page asks ``START.asks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .activations import get_activation
from .config import TrainConfig
from .lessons import LAST, Scene
from .metrics import SATURATION_SLOPE
from .presets import PRESETS, START
from .schemes import SCHEMES
from .verdicts import (
    EXPLODE_RATIO,
    RELAPSE,
    RELAPSE_ABS,
    RISK_SHARE,
    VANISH_RATIO,
    cut,
    first_epoch_at_or_below,
    one_in,
    percent,
    ratio,
    rule_text,
    times,
)

RACE_LOSS = 0.3  # the race question: which scheme's training loss gets down to this first?
NONE = "none"  # the race's answer when no scheme gets there


@dataclass(frozen=True)
class Grade:
    """One answer, graded: was it right, the run's own answer, why (with the number) and where
    the page shows that number."""

    question: str
    scheme: str | None  # None: a question about all the schemes (the race)
    answer: str
    truths: tuple[str, ...]  # the right answers (several when schemes tie in the race)
    right: bool
    why: str
    scene: Scene  # the view and epoch that show the evidence


@dataclass(frozen=True)
class Question:
    """``truth(row or table) -> (the right answers, why)`` and ``where(row or table) -> Scene``:
    for a per-scheme question the scheme's summary row, for a race the whole facts table.
    ``rule`` says how the answer is graded, in words a student reads before the lesson."""

    name: str
    question: str
    rule: str
    choices: tuple[str, ...]  # for the race: the schemes trained, plus NONE
    truth: Callable[..., tuple[tuple[str, ...], str]]
    where: Callable[..., Scene]
    per_scheme: bool = True

    @property
    def text(self) -> str:
        """The question and the rule it is graded by."""
        return f"{self.question} {self.rule}"


def _n(v: float) -> str:
    return f"{v:.3g}" if np.isfinite(v) else "-"


def _neurons(row) -> str:
    """'k of n neurons distinct', with the dead and stuck units counted apart."""
    text = f"{row['distinct_neurons']} of {row['layer_width']} neurons distinct"
    for col, word in (("dead_neurons", "dead"), ("stuck_neurons", "stuck")):
        if row[col] > 0:
            text += f" + {row[col]} {word}"
    return text


def _clones(row) -> tuple[tuple[str, ...], str]:
    if not row["symmetry_broken"]:
        return ("yes",), f"its neurons kept identical weights to the end ({_neurons(row)})"
    return ("no",), f"its neurons' weights differ at the end ({_neurons(row)})"


def _learns(row) -> tuple[tuple[str, ...], str]:
    start, low, at = row["initial_loss"], row["lowest_loss"], row["first_cut_epoch"]
    if at >= 0:
        return ("yes",), (
            f"its training loss went from {_n(start)} to {cut()} below that at epoch {at} "
            f"(lowest {_n(low)})"
        )
    return ("no",), (
        f"its training loss started at {_n(start)} and never got {cut()} below that "
        f"(lowest {_n(low)})"
    )


GRADIENT_WORDS = {
    "vanishing": "vanish",
    "exploding": "explode",
    "healthy": "stay healthy",
    "blocked": "be exactly 0",
}


def _gradient(row) -> tuple[tuple[str, ...], str]:
    word, ratio = row["gradient"], row["signal_ratio_at_init"]
    if word == "blocked":
        return (GRADIENT_WORDS[word],), "exactly 0 reached layer 1 at the start"
    got = f"x{_n(ratio)}" if np.isfinite(ratio) else "an overflow"
    return (GRADIENT_WORDS[word],), f"layer 1 got {got} of the output layer's backprop signal"


def _saturated(row) -> tuple[tuple[str, ...], str]:
    sat = row["saturated_at_init"]
    truth = "yes" if sat > RISK_SHARE else "no"
    return (truth,), (
        f"{100 * sat:.0f}% of its outputs started saturated (we count 'most' as over "
        f"{percent(RISK_SHARE)})"
    )


def _unstable(row) -> tuple[tuple[str, ...], str]:
    worst, at = row["relapse"], row["relapse_epoch"]
    if worst > RELAPSE:
        return ("yes",), f"its loss climbed back to {_n(worst)}x its lowest (at epoch {at})"
    if at < 0:
        return ("no",), f"its loss never climbed back {rule_text('relapse')}"
    return ("no",), f"its worst climb back was to {_n(worst)}x its lowest (at epoch {at})"


START_WORDS = ("near the prior's entropy", "near ln K", "higher")
# "start": a loss up to START_GAP x (ln K - the prior's entropy) above ln K still counts as near
# ln K (the midpoint between the two decides nearer which).
START_GAP = 0.5


def _start(row) -> tuple[tuple[str, ...], str]:
    """Where the loss started (Karpathy: check the loss at init): nearer the entropy H of the
    class prior (what knowing only the class shares gives) than ln K (a uniform guess); else
    within START_GAP of that gap above ln K; else higher."""
    start, H, lnK = row["initial_loss"], row["prior_entropy"], row["uniform_loss"]
    if not np.isfinite(start):
        return (START_WORDS[2],), "its training loss started non-finite"
    gap = lnK - H
    truth = 0 if start <= H + gap / 2 else 1 if start <= lnK + START_GAP * gap else 2
    return (START_WORDS[truth],), (
        f"its training loss started at {_n(start)}; the prior's entropy is {_n(H)}, "
        f"ln K = {_n(lnK)}"
    )


def _lazy(table: pd.DataFrame) -> tuple[tuple[str, ...], str]:
    """The scheme whose first layer moved least relative to its start (finite values only)."""
    moved = dict(zip(table["scheme"], table["first_layer_change"], strict=True))
    got = {s: float(v) for s, v in moved.items() if np.isfinite(v)}
    if not got:
        return (NONE,), "no scheme's first layer had a size to compare with (all started at 0)"
    least = min(got.values())
    winners = tuple(s for s, v in got.items() if v == least)
    others = "; ".join(
        f"{SCHEMES[s].label} {100 * v:.0f}%" if np.isfinite(v) else f"{SCHEMES[s].label} -"
        for s, v in sorted(moved.items(), key=lambda kv: (not np.isfinite(kv[1]), kv[1]))
        if s not in winners
    )
    names = " and ".join(SCHEMES[s].label for s in winners)
    return winners, (
        f"{names}'s first layer moved {100 * least:.0f}% of its starting size"
        + (f" ({others})" if others else "")
    )


def _race(table: pd.DataFrame) -> tuple[tuple[str, ...], str]:
    reach = dict(zip(table["scheme"], table["reach_epoch"], strict=True))
    got = {s: int(e) for s, e in reach.items() if e >= 0}
    if not got:
        return (NONE,), f"no scheme's training loss got down to {RACE_LOSS:g}"
    first = min(got.values())
    winners = tuple(s for s, e in got.items() if e == first)
    others = [
        f"{SCHEMES[s].label} at {e}" if e >= 0 else f"{SCHEMES[s].label} never"
        for s, e in sorted(reach.items(), key=lambda kv: (kv[1] < 0, kv[1]))
        if s not in winners
    ]
    names = " and ".join(SCHEMES[s].label for s in winners)
    rest = f" ({'; '.join(others)})" if others else ""
    return winners, f"{names} reached a training loss of {RACE_LOSS:g} at epoch {first}{rest}"


def _at(epoch: int) -> int:
    """A verdict's epoch (-1: never) as a scene's: never shows the last epoch."""
    return int(epoch) if epoch >= 0 else LAST


def _race_epoch(table: pd.DataFrame) -> int:
    reached = table["reach_epoch"][table["reach_epoch"] >= 0]
    return int(reached.min()) if len(reached) else LAST


# The rules in plain words, each threshold formatted from initdash.verdicts (or this module).
CLONES_RULE = (
    "Clones: at the last epoch, all the neurons of a hidden layer have exactly the same weights."
)
LEARNS_RULE = (
    f"We count it as learning if its training loss ever gets {cut()} or "
    "more below where it started."
)
GRADIENT_RULE = (
    "We compare the error signal reaching the first hidden layer with the one at the output "
    f"layer: under {one_in(VANISH_RATIO)} of it ({ratio(VANISH_RATIO)}) is vanishing, over "
    f"{EXPLODE_RATIO:g} times it ({ratio(EXPLODE_RATIO)}) exploding, none at all exactly 0, "
    "anything between healthy."
)
SATURATED_RULE = (
    f"A unit is saturated where its slope is under {percent(SATURATION_SLOPE)} of its steepest; "
    f"we count 'most' as over {percent(RISK_SHARE)} of the outputs at epoch 0."
)
UNSTABLE_RULE = (
    f"We look for a climb to over {times(RELAPSE)} the lowest loss so far; climbs smaller "
    f"than {RELAPSE_ABS:g} x the loss of guessing (ln 2 = 0.69 for 2 classes) do not count."
)
RACE_RULE = (
    "We read each scheme's training loss at every epoch; schemes that get there at the same "
    "epoch all count."
)
START_RULE = (
    "We read the training loss at epoch 0: nearer the prior's entropy than ln K is near the "
    f"prior's entropy, up to {times(START_GAP)} that gap above ln K is near ln K, anything "
    "above that higher."
)
LAZY_RULE = (
    "We read each scheme's first-layer ||W - W0|| / ||W0|| at the last epoch; weights that "
    "start at 0 have no size to compare with and do not count."
)

YES_NO = ("yes", "no")
QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question("clones", "Will its neurons stay clones to the end?", CLONES_RULE, YES_NO,
                 _clones, lambda row: Scene("clones", LAST)),
        Question("learns", "Will it learn at all?", LEARNS_RULE, YES_NO, _learns,
                 lambda row: Scene("curves", _at(row["first_cut_epoch"]), metric="loss")),
        Question("gradient", "At the start, will the error signal that reaches the first "
                 "hidden layer vanish, explode, stay healthy or be exactly 0?", GRADIENT_RULE,
                 tuple(GRADIENT_WORDS.values()), _gradient,
                 lambda row: Scene("signal", 0, measure="backprop_signal")),
        Question("saturated", "Will most of its units start saturated, on the flat tails of "
                 "the activation?", SATURATED_RULE, YES_NO, _saturated,
                 lambda row: Scene("signal", 0, measure="saturated_fraction")),
        Question("unstable", "Will its training loss climb back up during training?",
                 UNSTABLE_RULE, YES_NO, _unstable,
                 lambda row: Scene("curves", _at(row["relapse_epoch"]), metric="loss")),
        Question("race", f"Which scheme gets its training loss down to {RACE_LOSS:g} first?",
                 RACE_RULE, (), _race,
                 lambda table: Scene("curves", _race_epoch(table), metric="loss"),
                 per_scheme=False),
        Question("start", "Where will its training loss start: near the entropy of the class "
                 "prior (what knowing only the class shares gives), near ln K (a uniform guess "
                 "over the K classes: ln 2 for two) or higher?", START_RULE, START_WORDS,
                 _start, lambda row: Scene("curves", 0, metric="loss")),
        Question("lazy", "Whose first layer will have moved least by the end, relative to "
                 "its starting size (||W - W0|| / ||W0||)?", LAZY_RULE, (), _lazy,
                 lambda table: Scene("travel", LAST), per_scheme=False),
    )
}  # fmt: skip


def questions_for(preset: str | None, config: TrainConfig) -> list[tuple[str, str | None]]:
    """The (question, scheme) pairs to ask for this config: the lesson's asks (the preset's, or
    the first page's ``START``), each for the schemes it names that this config trains (for
    every scheme trained when it names none, or none of them is trained), or once (scheme None)
    for a question about all the schemes (the race, lazy). The saturation question needs an
    S-shaped activation, the loss-at-init question ("start") imbalanced classes, a question
    about all the schemes two of them."""
    lesson = PRESETS.get(preset, START) if preset else START
    out: list[tuple[str, str | None]] = []
    for ask in lesson.asks:
        name = ask.question
        if name == "saturated" and not get_activation(config.activation).saturates:
            continue
        if name == "start" and config.imbalance == 1.0:  # the prior's entropy is ln K
            continue
        if QUESTIONS[name].per_scheme:
            chosen = [s for s in ask.schemes if s in config.schemes] or config.schemes
            out.extend((name, s) for s in chosen)
        elif len(config.schemes) > 1:
            out.append((name, None))
    return out


def choices(name: str, schemes: Sequence[str]) -> tuple[str, ...]:
    """The answers a question offers (for the race: the schemes, then NONE)."""
    q = QUESTIONS[name]
    return q.choices if q.per_scheme else (*schemes, NONE)


def facts(result) -> pd.DataFrame:
    """What the quiz is graded on: ``result.summary()`` plus ``reach_epoch``, the first epoch
    at which each scheme's training loss (mean over repeats) was at or below RACE_LOSS;
    ``prior_entropy`` and ``uniform_loss``, the entropy of the training labels' class shares
    and ln K; and ``first_layer_change``, the first layer's ||W - W0|| / ||W0|| at the last
    detail epoch (mean over repeats; NaN where the weights started at 0)."""
    s = result.summary()
    s["reach_epoch"] = [
        first_epoch_at_or_below(result.evidence(i).loss, RACE_LOSS)
        for i in range(len(result.schemes))
    ]
    shares = np.bincount(result.data.y_train, minlength=result.data.n_classes)
    shares = shares[shares > 0] / shares.sum()
    s["prior_entropy"] = float(-(shares * np.log(shares)).sum())
    s["uniform_loss"] = float(np.log(result.data.n_classes))
    change = result.details[-1].w_change[:, 0]
    with np.errstate(all="ignore"):
        s["first_layer_change"] = [
            float(np.mean(change[i * result.repeats : (i + 1) * result.repeats]))
            for i in range(len(result.schemes))
        ]
    return s


def grade(name: str, table: pd.DataFrame, answer: str, scheme: str | None = None) -> Grade:
    """Grade one answer against the run's facts (:func:`facts`, or a hand-made table with the
    same columns)."""
    q = QUESTIONS[name]
    facts = table.set_index("scheme").loc[scheme] if q.per_scheme else table
    truths, why = q.truth(facts)
    return Grade(name, scheme, answer, truths, answer in truths, why, q.where(facts))


def grade_all(answers: Mapping[tuple[str, str | None], str], table: pd.DataFrame) -> list[Grade]:
    """Every answer graded, in the order given."""
    return [grade(name, table, a, scheme) for (name, scheme), a in answers.items()]
