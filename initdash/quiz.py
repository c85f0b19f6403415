"""Predict, then observe: questions a student answers before training, graded by the run itself.

A question is asked about each trained scheme ("will its neurons stay clones?") or once about all
of them ("which scheme reaches a training loss of 0.3 first?"). After the run, :func:`grade`
compares the answer with what the run measured: a row of :meth:`Result.summary` (the TL;DR
verdicts, see :mod:`initdash.verdicts`) plus the epoch each scheme's training loss first reached
``RACE_LOSS`` (:func:`facts`). Every grade says why, with the number it came from. Pure
functions: a summary table in, grades out; the page keeps the answers in the session only.

Presets choose their questions (``Preset.questions``); the first page asks ``DEFAULT``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .activations import get_activation
from .config import TrainConfig
from .presets import DEFAULT_QUESTIONS, PRESETS
from .schemes import SCHEMES
from .verdicts import (
    EXPLODE_RATIO,
    RELAPSE,
    RISK_SHARE,
    VANISH_RATIO,
    cut,
    first_epoch_at_or_below,
    percent,
    ratio,
    rule_text,
    times,
)

RACE_LOSS = 0.3  # the race question: which scheme's training loss gets down to this first?
NONE = "none"  # the race's answer when no scheme gets there


@dataclass(frozen=True)
class Grade:
    """One answer, graded: was it right, the run's own answer, and why (with the number)."""

    question: str
    scheme: str | None  # None: a question about all the schemes (the race)
    answer: str
    truths: tuple[str, ...]  # the right answers (several when schemes tie in the race)
    right: bool
    why: str


@dataclass(frozen=True)
class Question:
    """``truth(row or table) -> (the right answers, why)``: for a per-scheme question the
    scheme's summary row, for a race the whole facts table."""

    name: str
    text: str
    choices: tuple[str, ...]  # for the race: the schemes trained, plus NONE
    truth: Callable[..., tuple[tuple[str, ...], str]]
    per_scheme: bool = True


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
        f"{100 * sat:.0f}% of its outputs started saturated (most: over {percent(RISK_SHARE)})"
    )


def _unstable(row) -> tuple[tuple[str, ...], str]:
    worst, at = row["relapse"], row["relapse_epoch"]
    if worst > RELAPSE:
        return ("yes",), f"its loss climbed back to {_n(worst)}x its lowest (at epoch {at})"
    if at < 0:
        return ("no",), f"its loss never climbed back {rule_text('relapse')}"
    return ("no",), f"its worst climb back was to {_n(worst)}x its lowest (at epoch {at})"


START_WORDS = ("near the prior's entropy", "near ln K", "higher")


def _start(row) -> tuple[tuple[str, ...], str]:
    """Where the loss started (Karpathy: check the loss at init): nearer the entropy H of the
    class prior (what knowing only the class shares gives) than ln K (a uniform guess); else
    within half that gap above ln K; else higher."""
    start, H, lnK = row["initial_loss"], row["prior_entropy"], row["uniform_loss"]
    if not np.isfinite(start):
        return (START_WORDS[2],), "its training loss started non-finite"
    gap = lnK - H
    truth = 0 if start <= H + gap / 2 else 1 if start <= lnK + gap / 2 else 2
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


YES_NO = ("yes", "no")
QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question("clones", "Will its neurons stay clones (identical weights) to the end?",
                 YES_NO, _clones),
        Question("learns", f"Will it learn at all (training loss {cut()} below where it "
                 "starts)?", YES_NO, _learns),
        Question("gradient", "At the start, will the backprop signal reaching layer 1 vanish "
                 f"(under {ratio(VANISH_RATIO)} of the output layer's), explode (over "
                 f"{ratio(EXPLODE_RATIO)}) or stay healthy?", tuple(GRADIENT_WORDS.values()),
                 _gradient),
        Question("saturated", "Will most of its units start saturated (on the flat tails of "
                 "the activation)?", YES_NO, _saturated),
        Question("unstable", f"Will its training loss climb back to over {times(RELAPSE)} its "
                 "lowest?", YES_NO, _unstable),
        Question("race", f"Which scheme gets its training loss down to {RACE_LOSS:g} first?",
                 (), _race, per_scheme=False),
        Question("start", "Where will its training loss start: near the entropy of the class "
                 "prior (what knowing only the class shares gives), near ln K (a uniform guess "
                 "over the K classes: ln 2 for two) or higher?", START_WORDS, _start),
        Question("lazy", "Whose first layer will have moved least by the end, relative to "
                 "its starting size (||W - W0|| / ||W0||)?", (), _lazy, per_scheme=False),
    )
}  # fmt: skip


def questions_for(preset: str | None, config: TrainConfig) -> list[tuple[str, str | None]]:
    """The (question, scheme) pairs to ask for this config: the preset's questions (or
    DEFAULT_QUESTIONS), each for every scheme, or once (scheme None) for the race. The
    saturation question needs an S-shaped activation, the race two schemes or more."""
    names = PRESETS[preset].questions if preset in PRESETS else DEFAULT_QUESTIONS
    out: list[tuple[str, str | None]] = []
    for name in names:
        if name == "saturated" and not get_activation(config.activation).saturates:
            continue
        if name == "start" and config.imbalance == 1.0:  # the prior's entropy is ln K
            continue
        if QUESTIONS[name].per_scheme:
            out.extend((name, s) for s in config.schemes)
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
    if q.per_scheme:
        row = table.set_index("scheme").loc[scheme]
        truths, why = q.truth(row)
    else:
        truths, why = q.truth(table)
    return Grade(name, scheme, answer, truths, answer in truths, why)


def grade_all(answers: Mapping[tuple[str, str | None], str], table: pd.DataFrame) -> list[Grade]:
    """Every answer graded, in the order given."""
    return [grade(name, table, a, scheme) for (name, scheme), a in answers.items()]
