"""The predict-then-observe quiz, graded by hand: a hand-made run (summary rows written here)
in, right or wrong, the why (with its number) and where the page shows it out, for every answer
of every question; each question's rule in plain words with the thresholds of
initdash.verdicts; then the questions each lesson asks, and grades of a real run against its
own verdicts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import initdash
from initdash import quiz, verdicts
from initdash.lessons import LAST, Scene
from initdash.presets import PRESETS, START

# A hand-made run of four schemes: each row what its verdicts (Result.summary()) would say.
COLUMNS = """scheme symmetry_broken distinct_neurons layer_width dead_neurons stuck_neurons
initial_loss lowest_loss first_cut_epoch gradient signal_ratio_at_init saturated_at_init relapse
relapse_epoch reach_epoch""".split()  # fmt: skip
ROWS = [
    ("zeros", False, 1, 16, 0, 0, 0.693, 0.693, -1, "blocked", 0.0, 0.0, 1.0, -1, -1),
    ("random_small", True, 16, 16, 0, 0, 0.7, 0.69, -1, "vanishing", 3e-7, 0.0, 1.0, -1, -1),
    ("random_large", True, 8, 16, 0, 8, 0.7, 0.2, 3, "exploding", 416.0, 0.94, 3.19, 109, 90),
    ("xavier_normal", True, 16, 16, 0, 0, 0.7, 0.2, 3, "healthy", 0.25, 0.0, 1.4, 200, 40),
]
RUN = pd.DataFrame(ROWS, columns=COLUMNS)


def one(scheme: str, **values) -> pd.DataFrame:
    """A one-scheme run: Xavier's row above with ``values`` changed."""
    return pd.DataFrame([{**dict(zip(COLUMNS, ROWS[3], strict=True)), "scheme": scheme, **values}])


def graded(name: str, answer: str, scheme: str | None = None) -> quiz.Grade:
    return quiz.grade(name, RUN, answer, scheme)


@pytest.mark.parametrize(
    "name, scheme, truth, why",
    [
        ("clones", "zeros", "yes", "kept identical weights to the end (1 of 16 neurons distinct)"),
        ("clones", "xavier_normal", "no", "weights differ at the end (16 of 16 neurons distinct)"),
        ("clones", "random_large", "no", "(8 of 16 neurons distinct + 8 stuck)"),
        ("learns", "zeros", "no", "started at 0.693 and never got 10% below that (lowest 0.693)"),
        ("learns", "random_small", "no", "never got 10% below that (lowest 0.69)"),
        (
            "learns",
            "xavier_normal",
            "yes",
            "went from 0.7 to 10% below that at epoch 3 (lowest 0.2)",
        ),
    ],
)
def test_yes_no_questions(name, scheme, truth, why):
    for answer in quiz.QUESTIONS[name].choices:
        g = graded(name, answer, scheme)
        assert g.right == (answer == truth) and g.truths == (truth,)
        assert why in g.why


@pytest.mark.parametrize(
    "scheme, truth, number",
    [
        ("zeros", "be exactly 0", "exactly 0 reached layer 1"),
        ("random_small", "vanish", "layer 1 got x3e-07 of the output layer's backprop signal"),
        ("random_large", "explode", "layer 1 got x416 of"),
        ("xavier_normal", "stay healthy", "layer 1 got x0.25 of"),
    ],
)
def test_gradient(scheme, truth, number):
    choices = quiz.QUESTIONS["gradient"].choices
    assert set(choices) == {"vanish", "explode", "stay healthy", "be exactly 0"}
    for answer in choices:
        g = graded("gradient", answer, scheme)
        assert g.right == (answer == truth), (answer, truth)
        assert number in g.why
    text = quiz.QUESTIONS["gradient"].text
    assert "under 1/1000 of it (x0.001) is vanishing, over 10 times it (x10) exploding" in text


def test_gradient_overflow_is_said_so():
    table = one("random_large", gradient="exploding", signal_ratio_at_init=float("inf"))
    g = quiz.grade("gradient", table, "explode", "random_large")
    assert g.right and "an overflow" in g.why


def test_saturated():
    g = graded("saturated", "yes", "random_large")
    assert g.right and "94% of its outputs started saturated (we count 'most' as over 50%)" in g.why
    assert not graded("saturated", "no", "random_large").right
    g = graded("saturated", "yes", "xavier_normal")
    assert not g.right and g.truths == ("no",) and g.why.startswith("0% of its outputs")
    edge = one("he_normal", saturated_at_init=0.5)  # half is not most
    assert quiz.grade("saturated", edge, "no", "he_normal").right


def test_unstable():
    g = graded("unstable", "yes", "random_large")
    assert g.right and "climbed back to 3.19x its lowest (at epoch 109)" in g.why
    g = graded("unstable", "yes", "xavier_normal")  # climbed, but not past twice its lowest
    assert not g.right and "worst climb back was to 1.4x its lowest (at epoch 200)" in g.why
    g = graded("unstable", "no", "zeros")
    assert g.right and "never climbed back" in g.why


def test_race():
    assert quiz.choices("race", RUN.scheme) == (*RUN.scheme, quiz.NONE)
    g = graded("race", "xavier_normal")
    assert g.right and g.truths == ("xavier_normal",)
    assert g.why == (
        "Xavier normal reached a training loss of 0.3 at epoch 40 (Random large at 90; "
        "Zeros never; Random small never)"
    )
    for wrong in ("zeros", "random_large", quiz.NONE):
        assert not graded("race", wrong).right
    tie = RUN.assign(reach_epoch=[-1, -1, 40, 40])
    for winner in ("random_large", "xavier_normal"):
        g = quiz.grade("race", tie, winner)
        assert g.right and g.truths == ("random_large", "xavier_normal")
    assert "Random large and Xavier normal reached" in g.why
    nobody = RUN.assign(reach_epoch=-1)
    g = quiz.grade("race", nobody, quiz.NONE)
    assert g.right and g.why == "no scheme's training loss got down to 0.3"
    assert not quiz.grade("race", nobody, "zeros").right


def test_first_epoch_at_or_below():
    assert quiz.first_epoch_at_or_below([0.7, 0.5, 0.3, 0.2], 0.3) == 2
    assert quiz.first_epoch_at_or_below([0.7, 0.5], 0.3) == -1
    assert quiz.first_epoch_at_or_below([0.7, float("nan"), 0.1], 0.3) == 2


def test_every_lesson_asks_known_questions():
    for preset in (START, *PRESETS.values()):
        assert preset.asks and {a.question for a in preset.asks} <= set(quiz.QUESTIONS)


def test_questions_for_a_config():
    """A lesson's asks, for the schemes it names that the config trains (all of them when it
    names none, or none of those is trained); saturation needs an S-shaped activation, the
    race two schemes."""
    config = initdash.TrainConfig()
    assert quiz.questions_for(None, config) == [
        ("clones", "zeros"),
        ("clones", "xavier_normal"),
        ("learns", "zeros"),
        ("learns", "random_small"),
    ]
    clones = PRESETS["clones"].config()
    assert quiz.questions_for("clones", clones) == [
        (n, s) for n in ("clones", "learns") for s in clones.schemes
    ]
    relu = PRESETS["saturation"].config().replace(activation="relu")
    assert all(n != "saturated" for n, _ in quiz.questions_for("saturation", relu))
    sig = PRESETS["saturation"].config()
    assert ("saturated", "random_large") in quiz.questions_for("saturation", sig)
    mine = config.replace(schemes=("he_normal", "lecun_normal"))  # none of START's schemes
    assert quiz.questions_for(None, mine) == [
        (n, s) for n in ("clones", "learns") for s in mine.schemes
    ]


def test_a_lesson_with_a_race(monkeypatch):
    """The race is asked once, and only with two schemes or more."""
    from initdash.lessons import Ask

    monkeypatch.setattr(
        quiz, "START", START.__class__(**{**START.__dict__, "asks": (Ask("race"),)})
    )
    config = initdash.TrainConfig()
    assert quiz.questions_for(None, config) == [("race", None)]
    assert quiz.questions_for(None, config.replace(schemes=("xavier_normal",))) == []


def test_each_rule_is_stated_with_the_verdicts_thresholds():
    """Each question says how it is graded, in plain words, with the numbers of
    initdash.verdicts (a test that fails when a threshold changes and its words do not)."""
    texts = {name: q.text for name, q in quiz.QUESTIONS.items()}
    assert (
        f"{100 * (1 - verdicts.NO_LEARNING_CUT):.0f}% or more below where it started"
        in (texts["learns"])
    )
    assert f"x{verdicts.VANISH_RATIO:g}" in texts["gradient"]
    assert f"x{verdicts.EXPLODE_RATIO:g}" in texts["gradient"]
    assert f"we count 'most' as over {100 * verdicts.RISK_SHARE:.0f}%" in texts["saturated"]
    assert "under 5% of its steepest" in texts["saturated"]
    assert "over twice the lowest loss so far" in texts["unstable"]
    assert f"{verdicts.RELAPSE_ABS:g} x the loss of guessing" in texts["unstable"]
    assert f"down to {quiz.RACE_LOSS:g} first" in texts["race"]
    assert "up to half that gap above ln K is near ln K" in texts["start"]
    assert "||W - W0|| / ||W0|| at the last epoch" in texts["lazy"]
    for q in quiz.QUESTIONS.values():
        assert q.text == f"{q.question} {q.rule}" and q.rule.endswith(".")


@pytest.mark.parametrize(
    "name, scheme, scene",
    [
        ("clones", "zeros", Scene("clones", LAST)),
        ("learns", "xavier_normal", Scene("curves", 3, metric="loss")),
        ("learns", "zeros", Scene("curves", LAST, metric="loss")),
        ("gradient", "random_small", Scene("signal", 0, measure="backprop_signal")),
        ("saturated", "random_large", Scene("signal", 0, measure="saturated_fraction")),
        ("unstable", "random_large", Scene("curves", 109, metric="loss")),
        ("unstable", "zeros", Scene("curves", LAST, metric="loss")),
        ("race", None, Scene("curves", 40, metric="loss")),
        ("start", "zeros", Scene("curves", 0, metric="loss")),
        ("lazy", None, Scene("travel", LAST)),
    ],
)
def test_each_grade_says_where_the_evidence_is(name, scheme, scene):
    table = RUN.assign(prior_entropy=0.325, uniform_loss=0.693, first_layer_change=1.0)
    assert quiz.grade(name, table, "yes", scheme).scene == scene
    nobody = RUN.assign(reach_epoch=-1)
    assert quiz.grade("race", nobody, quiz.NONE).scene == Scene("curves", LAST, metric="loss")


def test_a_real_run_is_graded_by_its_own_verdicts():
    """The first page, 200 epochs: every answer is graded against the run's summary row, and
    the race against the mean training loss curves."""
    result = initdash.run(initdash.TrainConfig(epochs=200))
    facts = quiz.facts(result)
    s = result.summary().set_index("scheme")
    asked = ("clones", "learns", "gradient", "saturated", "unstable")
    answers = {(n, sc): "yes" for n in asked for sc in result.schemes}
    answers[("race", None)] = "he_normal"
    grades = {(g.question, g.scheme): g for g in quiz.grade_all(answers, facts)}
    assert grades[("clones", "zeros")].right == (not s.loc["zeros", "symmetry_broken"])
    assert grades[("clones", "he_normal")].right == (not s.loc["he_normal", "symmetry_broken"])
    for scheme in result.schemes:
        learned = s.loc[scheme, "first_cut_epoch"] >= 0
        assert grades[("learns", scheme)].right == learned
        assert grades[("unstable", scheme)].right == (s.loc[scheme, "relapse"] > 2)
        assert grades[("gradient", scheme)].truths == (
            quiz.GRADIENT_WORDS[s.loc[scheme, "gradient"]],
        )
    for i, scheme in enumerate(result.schemes):
        loss = result.evidence(i).loss
        e = facts.set_index("scheme").loc[scheme, "reach_epoch"]
        assert (e == -1 and (loss > quiz.RACE_LOSS).all()) or (
            loss[e] <= quiz.RACE_LOSS and (loss[:e] > quiz.RACE_LOSS).all()
        )
    first = facts[facts.reach_epoch >= 0].reach_epoch.min()
    winners = set(facts[facts.reach_epoch == first].scheme)
    assert grades[("race", None)].right == ("he_normal" in winners)


# --------------------------------------------------------------------------- the prior, lazy
H9 = -(0.1 * math.log(0.1) + 0.9 * math.log(0.9))  # the entropy of a 1:9 prior, 0.325


@pytest.mark.parametrize(
    "start, truth",
    [
        (0.325, "near the prior's entropy"),
        (0.2, "near the prior's entropy"),  # below the prior: still nearer it than ln 2
        (0.50, "near the prior's entropy"),  # under the midpoint 0.509
        (0.52, "near ln K"),
        (0.693, "near ln K"),
        (0.86, "near ln K"),  # within half the gap above ln 2 (0.877)
        (0.9, "higher"),
        (25.0, "higher"),
    ],
)
def test_start(start, truth):
    """Where the loss starts: nearer the prior's entropy than ln K, near ln K (up to half the
    gap above it), or higher."""
    table = one("he_normal", initial_loss=start, prior_entropy=H9, uniform_loss=math.log(2))
    for answer in quiz.START_WORDS:
        g = quiz.grade("start", table, answer, "he_normal")
        assert g.right == (answer == truth)
    assert f"started at {start:.3g}; the prior's entropy is 0.325, ln K = 0.693" in g.why


def test_start_is_asked_only_with_imbalanced_classes():
    config = PRESETS["prior_bias"].config()
    assert ("start", "random_small") in quiz.questions_for("prior_bias", config)
    balanced = config.replace(imbalance=1.0)
    assert all(n != "start" for n, _ in quiz.questions_for("prior_bias", balanced))


def test_lazy():
    """The scheme whose first layer moved least for its size; Zeros (no size) is left out."""
    table = RUN.assign(first_layer_change=[float("nan"), 116.7, 0.28, 7.03])
    g = quiz.grade("lazy", table, "random_large")
    assert g.right and g.truths == ("random_large",)
    assert g.why == (
        "Random large's first layer moved 28% of its starting size (Xavier normal 703%; "
        "Random small 11670%; Zeros -)"
    )
    assert not quiz.grade("lazy", table, "zeros").right
    nothing = RUN.assign(first_layer_change=float("nan"))
    assert quiz.grade("lazy", nothing, quiz.NONE).right


def test_facts_of_a_real_run_have_the_prior_and_the_change():
    result = initdash.run(initdash.TrainConfig(imbalance=9.0, epochs=30, snapshots=3))
    facts = quiz.facts(result).set_index("scheme")
    assert facts.prior_entropy.iloc[0] == pytest.approx(H9, abs=1e-12)  # 270:30 exactly
    assert facts.uniform_loss.iloc[0] == pytest.approx(math.log(2))
    assert math.isnan(facts.loc["zeros", "first_layer_change"])
    change = result.change_table()
    last = change[(change.epoch == 30) & (change.layer == 1)].set_index("scheme").change
    assert facts.loc["he_normal", "first_layer_change"] == last["he_normal"]
