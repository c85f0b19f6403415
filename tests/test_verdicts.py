"""Every branch of every TL;DR rule, on hand-made evidence: a ratio, a share or a loss curve in,
the word out. (Whole runs check the same rules in tests/test_presets.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from initdash import verdicts as V
from initdash.verdicts import Evidence

LN2 = math.log(2)


def evidence(loss, **kw) -> Evidence:
    base = dict(
        loss=np.asarray(loss, dtype=float),
        n_classes=2,
        diverged=False,
        symmetric=False,
        first_signal=1.0,
        ratio=0.3,
        saturated=0.0,
        dead=float("nan"),
        prediction_gap=0.4,
    )
    base.update(kw)
    return Evidence(**base)


# --------------------------------------------------------------------------- gradient at init
@pytest.mark.parametrize(
    "first, ratio, expected",
    [
        (0.0, 0.0, "blocked"),  # zero weights pass exactly nothing back
        (0.0, float("nan"), "blocked"),
        (1.0, 0.3, "healthy"),
        (1.0, V.VANISH_RATIO * 1.01, "healthy"),
        (1.0, V.VANISH_RATIO * 0.99, "vanishing"),
        (1e-9, 1e-9, "vanishing"),
        (1.0, V.EXPLODE_RATIO * 0.99, "healthy"),
        (1.0, V.EXPLODE_RATIO * 1.01, "exploding"),
        (1.0, float("inf"), "exploding"),
        (1.0, float("nan"), "exploding"),  # overflowed on the way back
        (5.0, 2.0, "healthy"),  # a signal that grew twofold is not vanishing
    ],
)
def test_gradient(first, ratio, expected):
    assert V.gradient(first, ratio) == expected


def test_gradient_without_hidden_layers_is_healthy():
    assert V.gradient(0.0, 0.0, has_hidden=False) == "healthy"


def test_thresholds_are_well_away_from_one():
    assert V.VANISH_RATIO <= 1e-2 and V.EXPLODE_RATIO >= 10


# --------------------------------------------------------------------------- risk
@pytest.mark.parametrize(
    "grad, sat, dead, expected",
    [
        ("vanishing", 0.0, float("nan"), "vanishing"),
        ("exploding", 0.95, float("nan"), "exploding"),  # measured direction first
        ("healthy", 0.85, float("nan"), "saturated"),  # most units flat: the lesson's risk
        ("healthy", 0.5, float("nan"), "none"),  # exactly half is not "most"
        ("healthy", float("nan"), 0.6, "dead"),
        ("healthy", float("nan"), 0.3, "none"),
        ("blocked", 0.0, float("nan"), "blocked"),
        ("blocked", float("nan"), 1.0, "dead"),  # zeros + ReLU: every unit is off
        ("healthy", float("nan"), float("nan"), "none"),
    ],
)
def test_gradient_risk(grad, sat, dead, expected):
    assert V.gradient_risk(grad, sat, dead) == expected


# --------------------------------------------------------------------------- learning
def test_first_cut_epoch():
    assert V.first_cut_epoch([1.0, 0.95, 0.91, 0.9, 0.5]) == 3  # 0.9 x 1.0 reached at epoch 3
    assert V.first_cut_epoch([1.0, 0.95, 0.93]) == -1
    assert V.first_cut_epoch([LN2, LN2 - 2e-9, LN2 + 1e-9] * 100) == -1
    assert V.first_cut_epoch([np.nan, 0.1]) == -1  # no starting loss
    assert V.first_cut_epoch([]) == -1
    assert V.first_cut_epoch([1.0, np.nan, 0.5]) == 2  # epochs keep their numbers


def test_relapse_of_a_smooth_curve_is_one():
    loss = 0.7 * np.exp(-np.linspace(0, 5, 200))
    assert V.relapse(loss) == (1.0, -1)


def test_relapse_finds_the_worst_climb_back():
    """Lowest 0.1 by epoch 2, then up to 0.45 at epoch 3 (4.5x, +0.35 > 0.25 ln 2), later a
    smaller climb to 0.3 (3x): the worst is 4.5x at epoch 3."""
    loss = [0.7, 0.3, 0.1, 0.45, 0.12, 0.3, 0.09]
    ratio, epoch = V.relapse(loss)
    assert ratio == pytest.approx(4.5) and epoch == 3


def test_small_climbs_near_zero_do_not_count():
    """From 0.05 to 0.15 is 3x, but only 0.1 up (under a quarter of ln 2): mini-batch noise
    near a small loss, not instability."""
    loss = [0.7, 0.1, 0.05, 0.15, 0.05]
    assert 0.1 < V.RELAPSE_ABS * LN2
    assert V.relapse(loss) == (1.0, -1)


def test_relapse_from_exactly_zero_is_huge_but_finite():
    ratio, epoch = V.relapse([0.7, 0.0, 0.5])
    assert ratio == pytest.approx(0.5 / V.LOSS_FLOOR) and epoch == 2


def test_relapse_skips_missing_epochs():
    ratio, epoch = V.relapse([0.7, 0.1, np.nan, 0.5])
    assert ratio == pytest.approx(5.0) and epoch == 3


def test_relapse_threshold_scales_with_classes():
    """The absolute floor is relative to the chance-level loss ln K."""
    loss = [1.0, 0.1, 0.35]  # +0.25: over 0.25 ln 2 = 0.17, under 0.25 ln 6 = 0.45
    assert V.relapse(loss, 2)[0] == pytest.approx(3.5)
    assert V.relapse(loss, 6) == (1.0, -1)


# --------------------------------------------------------------------------- outcome
def test_outcome_order_and_every_branch():
    smooth = 0.7 * np.exp(-np.linspace(0, 5, 101))
    assert V.outcome(evidence(smooth)) == "stable"
    assert V.outcome(evidence(smooth, diverged=True, symmetric=True)) == "diverged"
    assert V.outcome(evidence(smooth, symmetric=True)) == "all neurons same"
    assert V.outcome(evidence(np.full(101, LN2))) == "no learning"
    # slow start: the first 10% cut comes at epoch 40 of 100 (> 15%)
    slow = np.concatenate([np.full(40, LN2), LN2 * np.exp(-np.linspace(0.2, 3, 61))])
    assert V.first_cut_epoch(slow) == 40
    assert V.outcome(evidence(slow)) == "slow start"
    # the same curve with its first cut at epoch 10 (10%): stable
    fast = np.concatenate([np.full(10, LN2), LN2 * np.exp(-np.linspace(0.2, 3, 91))])
    assert V.outcome(evidence(fast)) == "stable"
    # unstable beats slow start: a relapse to 3x the lowest
    bumpy = slow.copy()
    bumpy[80] = 3 * bumpy[:80].min()
    assert V.outcome(evidence(bumpy)) == "unstable"


def test_no_learning_is_judged_on_the_loss_not_the_accuracy():
    """A loss of ln 2 +- 2e-9 for 1000 epochs never learned, whatever accuracy the sign of a
    1e-8 logit gives; and a huge start that came down is learning, however bumpy."""
    flat = LN2 + 2e-9 * np.sin(np.arange(1000))
    assert V.outcome(evidence(flat, prediction_gap=2.5e-9)) == "no learning"
    assert V.undecided(2.5e-9)
    came_down = np.concatenate([[40.0], np.full(99, 0.5)])
    assert V.outcome(evidence(came_down)) == "stable"


def test_undecided():
    assert V.undecided(0.0) and V.undecided(V.UNDECIDED_GAP / 2)
    assert not V.undecided(V.UNDECIDED_GAP * 2)
    assert not V.undecided(float("nan"))  # nothing measured: not claimed


def test_verdicts_record_carries_the_evidence_numbers():
    loss = [0.7, 0.3, 0.1, 0.35, 0.09]
    out = V.verdicts(evidence(loss, ratio=2.0, saturated=0.8))  # +0.25 > 0.25 ln 2
    assert out == {
        "symmetry_broken": True,
        "gradient": "healthy",
        "gradient_risk": "saturated",
        "first_cut_epoch": 1,
        "relapse": pytest.approx(3.5),
        "relapse_epoch": 3,
        "outcome": "unstable",
        "undecided": False,
    }


# --------------------------------------------------------------------------- the rules in words
def test_each_rule_is_said_with_the_numbers_of_its_thresholds():
    """The words the page and the quiz printed when they typed the thresholds by hand."""
    assert V.rule_text("no learning") == "never got 10% below its start"
    assert V.rule_text("slow start") == "the first 10% drop took over 15% of the run"
    assert V.rule_text("unstable") == "climbed back above twice its lowest"
    assert V.rule_text("relapse") == "by more than a quarter of chance level"
    assert (V.rule_text("vanishing"), V.rule_text("exploding")) == ("under x0.001", "over x10")
    assert V.rule_text("saturated") == "slope under 5% of its peak"
    assert V.rule_text("undecided") == "every prediction is within 0.001 of a coin toss"
    assert V.tldr_rules() == (
        "**Risk**: the backprop signal reaching layer 1 at epoch 0, as a multiple of the output "
        "layer's (under x0.001: vanishing; over x10: exploding; exactly 0: blocked), else most "
        "outputs saturated (slope under 5% of its peak) or most ReLUs dead, which pass almost "
        "nothing back. **Outcome**, from the training loss: no learning if it never got 10% "
        "below its start; unstable if it climbed back above twice its lowest; slow start if "
        "the first 10% drop took over 15% of the run. Accuracy shows - when every prediction "
        "is within 0.001 of a coin toss."
    )
    with pytest.raises(ValueError, match="no learning"):
        V.rule_text("nope")


def test_the_words_follow_the_thresholds(monkeypatch):
    """Nothing typed in: move a threshold and its sentence says the new number."""
    for name, value in dict(
        NO_LEARNING_CUT=0.8,
        SLOW_FRACTION=0.2,
        RELAPSE=3.0,
        RELAPSE_ABS=0.5,
        VANISH_RATIO=1e-4,
        RISK_SHARE=0.6,
    ).items():
        monkeypatch.setattr(V, name, value)  # fmt: skip
    assert V.rule_text("no learning") == "never got 20% below its start"
    assert V.rule_text("slow start") == "the first 20% drop took over 20% of the run"
    assert V.rule_text("unstable") == "climbed back above 3x its lowest"
    assert V.rule_text("relapse") == "by more than half of chance level"
    assert V.rule_text("vanishing") == "under x0.0001" and V.one_in(V.VANISH_RATIO) == "1/10000"
    assert "else over 60% of outputs saturated" in V.tldr_rules()


def test_no_threshold_is_typed_in_the_cores_prose():
    """Outside verdicts.py, no string in initdash/ spells a verdict's threshold: the quiz and
    the narratives format theirs from verdicts.py."""
    import ast
    import re
    from pathlib import Path

    typed = re.compile(
        r"10% (below|down|drop)|twice its lowest|x0\.001|1/1000 of|15% of the run|"
        r"a quarter of chance|within 0\.001|under 5% of its peak|over 50%"
    )
    core = Path(V.__file__).parent
    found = [
        (path.name, node.value)
        for path in sorted(core.glob("*.py"))
        if path.name != "verdicts.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and typed.search(node.value)
    ]  # fmt: skip
    assert not found, found
