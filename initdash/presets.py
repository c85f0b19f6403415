"""Ready-made lessons: one table of presets, each a config and a few guided steps.

A preset is data: a title, the settings it changes from the defaults, its steps (at most 60 words
each, with the page state each one shows and, for some, a "Try this" button: see
:mod:`initdash.lessons`), the 2 or 3 quiz questions it asks before training (``asks``) and, for
the page's deep-signal lab, an activation and a depth. The first page (no preset, the default
settings) has its own short lesson, ``START``, that leads into lesson 1. The app, share links
(``?preset=clones``) and the CLI (``--preset``) all read this table; every step's sentences and
every quiz answer of a lesson are checked on seeds 0..9 in tests/preset_claims.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import TrainConfig
from .lessons import LAST, Action, Ask, Step, act, step
from .metrics import SATURATION_SLOPE
from .verdicts import RELAPSE, VANISH_RATIO, cut, one_in, percent, times


def loss_step(text: str, *schemes: str, epoch: int = LAST, action: Action | None = None) -> Step:
    """A step on the loss curves, at the run's last epoch (or ``epoch``)."""
    return step(text, "curves", epoch, action, metric="loss", schemes=schemes)


def signal_step(text: str, measure: str, *schemes: str, action: Action | None = None) -> Step:
    """A step on the signal flow at epoch 0, with one of its measures."""
    return step(text, "signal", 0, action, measure=measure, schemes=schemes)


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    settings: dict[str, Any]
    steps: tuple[Step, ...]
    asks: tuple[Ask, ...]  # the quiz, asked before Train in quiz mode
    deep: dict[str, Any] = field(default_factory=dict)  # the deep-signal lab's activation, depth

    def config(self) -> TrainConfig:
        return TrainConfig(**self.settings)

    @property
    def view(self) -> str:
        """The view the page opens: the first step's."""
        return self.steps[0].scene.view

    @property
    def narrative(self) -> str:
        """The steps' texts, one paragraph each."""
        return "\n\n".join(s.text for s in self.steps)


# Presets 1 and 7: two hidden layers of 8 tanh units, the clones' schemes
CLONES = dict(
    schemes=("zeros", "constant", "xavier_normal"),
    hidden=(8, 8),
    activation="tanh",
    constant_value=0.5,
    lr=0.1,
    epochs=1000,
)

# Preset 8: 1:9 moons (class 1 rare), the first page's net, full-batch SGD
ONE_TO_NINE = dict(
    imbalance=9.0,
    schemes=("random_small", "xavier_normal", "he_normal"),
    batch_size=0,
    lr=0.5,
    epochs=500,
)

# Presets 2 and 6: a 5-layer tanh net on gently noisy moons, full-batch SGD
FIVE_LAYERS = dict(
    hidden=(32, 32, 32, 32, 32), activation="tanh", noise=0.2, lr=0.05, batch_size=0, epochs=1000
)

# A tempting first experiment (lesson 3): 10 ReLU layers of 16 on the first page's data and
# mini-batches; at the first page's step, 0.5, many neurons die, whatever the init.
TEN_RELU = dict(hidden=(16,) * 10, noise=0.35, batch_size=32, epochs=1000)
# Lesson 3's cure for dead ReLU neurons: a smaller step (the app's dead-neuron note points there)
DEAD_RELU_CURE = act("Train 10 layers at step 0.05", **TEN_RELU, lr=0.05)

# The first page: the default settings (the classic lesson's: one hidden layer of 16 tanh units,
# SGD with step 0.5 on mini-batches of 32) and five schemes.
START = Preset(
    name="start",
    title="Start here",
    settings={},
    steps=(
        step(
            """Five ways to start the same network (one hidden layer of 16 tanh units), trained
            side by side. Zeros' neurons stay clones, and its loss stays at ln 2 = 0.693: a coin
            toss. The random schemes' neurons all have different weights, and each of them
            learns.""",
            "overview",
            LAST,
            schemes=("zeros",),
        ),
        step(
            """Random large (x10) starts with over 70% of its tanh outputs saturated and a loss
            over 4 times ln 2. At this large step (0.5, on mini-batches of 32) its loss usually
            climbs back up; train at step 0.05 and, on almost every seed, it does not.""",
            "tldr",
            LAST,
            action=act("Train at step 0.05", lr=0.05),
            schemes=("random_large",),
        ),
        step(
            """Why do equal starting weights make clones, and why can training never tell them
            apart? Lesson 1 shows it in four steps.""",
            "clones",
            LAST,
            action=Action("Open lesson 1", opens="clones"),
            schemes=("zeros",),
        ),
    ),
    asks=(Ask("clones", ("zeros", "xavier_normal")), Ask("learns", ("zeros", "random_small"))),
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="clones",
            title="1. Zeros and constants make clones",
            settings=dict(CLONES),
            steps=(
                step(
                    """Zeros and Constant give every neuron of a layer the same weights. Each
                    neuron then sees the same inputs, gets the same gradient and makes the same
                    update: it stays a **clone**. Their divergence is **exactly 0** at every
                    epoch, with **1 distinct** neuron per layer, while all 8 of Xavier's neurons
                    differ.""",
                    "clones",
                    LAST,
                    schemes=("zeros", "constant", "xavier_normal"),
                ),
                loss_step(
                    """Clones can still learn: Constant's loss falls to less than half of where
                    it started. But they learn in lockstep, so its 8 neurons do the work of
                    1.""",
                    "constant",
                ),
                step(
                    """With all-zero weights a tanh unit outputs tanh(0) = 0 and passes no
                    gradient back: Zeros' hidden weights never move, only the output bias does,
                    and its loss stays at ln 2 = 0.693.""",
                    "weights",
                    LAST,
                    schemes=("zeros",),
                ),
                step(
                    """A sigmoid unit outputs 0.5 at 0, not 0. Train with sigmoid: now Zeros'
                    weights do move, yet every neuron of a layer stays identical to the
                    others.""",
                    "clones",
                    LAST,
                    action=act("Train with sigmoid", activation="sigmoid"),
                    schemes=("zeros",),
                ),
            ),
            asks=(Ask("clones"), Ask("learns")),
        ),
        Preset(
            name="small_vs_large",
            title="2. Small vs large random weights (5 layers)",
            settings=dict(schemes=("random_small", "random_large", "xavier_normal"), **FIVE_LAYERS),
            steps=(
                signal_step(
                    """Both random schemes break symmetry; their scale is what differs. At epoch
                    0, N(0,1) x 0.01 multiplies the spread of the activations by about 0.06 per
                    layer (0.01 x sqrt(32)), so layer 5's spread is 1/100,000 of layer 1's.
                    Xavier keeps it within a factor of 3 from the first layer to the last.""",
                    "act_std",
                    "random_small",
                    "xavier_normal",
                ),
                signal_step(
                    """Backwards it is the same story. With x0.01 the backprop signal reaching
                    layer 1 is under a millionth of the output's (vanishing), so its loss sits
                    at ln 2 = 0.693: no learning. With x10 it is amplified over 100-fold
                    (exploding).""",
                    "backprop_signal",
                    "random_small",
                    "random_large",
                ),
                signal_step(
                    """x10 also puts over 90% of the tanh outputs on their flat tails, and its
                    loss starts above 10: confident, wrong answers.""",
                    "saturated_fraction",
                    "random_large",
                ),
                loss_step(
                    f"""During training x10's loss climbs back to over {times(RELAPSE)} its lowest
                    (unstable), while Xavier's falls steadily.""",
                    "random_large",
                    "xavier_normal",
                ),
                signal_step(
                    """Is x10 just too large? Train with x1: about half of the outputs still
                    start saturated, but layer 1 now gets 4 to 25 times the output's signal and
                    the net learns (90% or more on the test set).""",
                    "backprop_signal",
                    "random_large",
                    action=act("Train with x1", large_scale=1.0),
                ),
                step(
                    """The deep-signal lab shows the same at initialization, 20 layers deep:
                    x0.01's spread collapses, x10 saturates over 90% of every layer, and Xavier
                    keeps over a tenth of layer 1's spread.""",
                    "deep",
                    measure="act_std",
                    lab=("tanh", 20),
                ),
            ),
            asks=(Ask("gradient"), Ask("unstable", ("random_large", "xavier_normal"))),
            deep=dict(activation="tanh", depth=20),
        ),
        Preset(
            name="xavier_vs_he",
            title="3. He for ReLU: a 20-layer net (He et al. 2015)",
            settings=dict(
                schemes=("xavier_normal", "he_normal"),
                hidden=(32,) * 20,
                activation="relu",
                noise=0.2,
                optimizer="sgd",
                lr=0.003,
                batch_size=0,
                epochs=500,
            ),
            steps=(
                loss_step(
                    f"""He et al. (2015): a deep ReLU net with Xavier's variance stalls; the same
                    net with He's variance (twice as large, because ReLU zeroes half the signal)
                    trains. Xavier's loss never gets {cut()} below ln 2 = 0.693 (no learning); He's
                    falls below 0.5.""",
                    "xavier_normal",
                    "he_normal",
                ),
                signal_step(
                    """At epoch 0, Xavier's activations shrink by about 1/sqrt(2) per layer
                    (0.6 to 0.8), so layer 20's spread is under 1/100 of layer 1's. He's spread
                    wanders (the layers are narrow) but stays within a factor of 20 of layer
                    1's.""",
                    "act_std",
                    "xavier_normal",
                    "he_normal",
                ),
                signal_step(
                    f"""Backwards, Xavier's layer 1 gets under {one_in(VANISH_RATIO)} of the
                    output's signal
                    (vanishing); He's gets over 1/50 (healthy).""",
                    "backprop_signal",
                    "xavier_normal",
                    "he_normal",
                ),
                loss_step(
                    """Train with tanh: now both learn, because tanh does not zero half of the
                    signal, and Xavier's first layer gets a healthy share again. He still learns
                    faster (its loss ends lower): in nets this shallow its larger variance keeps
                    more of tanh's spread.""",
                    "xavier_normal",
                    action=act("Train with tanh", activation="tanh"),
                ),
                step(
                    """A tempting first experiment fails for another reason: ReLU with 10 layers
                    of 16 on the first page's data, at its step of 0.5. Each card then counts
                    over a third of a layer's 16 neurons dead (they output 0 for every input),
                    or the run diverges.""",
                    "clones",
                    LAST,
                    action=act("Train 10 layers at step 0.5", **TEN_RELU, lr=0.5),
                    schemes=("xavier_normal", "he_normal"),
                ),
                step(
                    """The step, not the init, killed them: at step 0.05 He's card counts at most
                    5 dead, and both nets get over 75% of the test set right. When a deep
                    ReLU net fails, try a smaller step before blaming the init.""",
                    "clones",
                    LAST,
                    action=DEAD_RELU_CURE,
                    schemes=("he_normal",),
                ),
            ),
            asks=(Ask("gradient"), Ask("learns")),
            deep=dict(activation="relu", depth=20),
        ),
        Preset(
            name="saturation",
            title="4. Saturated is not vanishing: sigmoid with large weights",
            settings=dict(
                schemes=("random_small", "random_large", "xavier_normal"),
                hidden=(16, 16, 16),
                activation="sigmoid",
                large_scale=10.0,
                noise=0.2,
                lr=0.5,
                batch_size=0,
                epochs=2000,
            ),
            steps=(
                signal_step(
                    f"""Sigmoid with weights x10: over 70% of the hidden outputs start on a flat
                    tail, where the slope is under {percent(SATURATION_SLOPE)} of its peak, and
                    the loss starts at over
                    twice ln 2 = 0.693: confident, wrong answers.""",
                    "saturated_fraction",
                    "random_large",
                ),
                signal_step(
                    """Yet the gradient does not vanish. The few units still on their slope pass
                    the error back multiplied by the large weights: layer 1 gets between half and
                    5 times the output's backprop signal, over 50 times Xavier's share.""",
                    "backprop_signal",
                    "random_large",
                    "xavier_normal",
                ),
                loss_step(
                    """And x10 learns: its loss falls well below where it started, and it ends
                    with over 75% of the test set right. Saturation is a risk, not a verdict:
                    read the saturated share and the signal side by side.""",
                    "random_large",
                ),
                signal_step(
                    """Tiny weights keep every unit near 0.5, where the slope is at most 0.25:
                    through 3 layers the signal reaching layer 1 falls under a millionth of the
                    output's, and nothing is learned.""",
                    "backprop_signal",
                    "random_small",
                ),
                signal_step(
                    f"""Xavier's backprop signal shrinks over 2-fold at every sigmoid layer, yet
                    with 3 layers its layer 1 still gets over {one_in(VANISH_RATIO)} of the
                    output's: healthy by
                    the quiz's rule.""",
                    "backprop_signal",
                    "xavier_normal",
                ),
                step(
                    f"""Deeper, it vanishes: in the deep-signal lab, 10 sigmoid layers leave
                    Xavier's layer 1 under {one_in(VANISH_RATIO)} of layer 10's backprop signal.
                    One reason deep
                    nets moved to tanh and ReLU.""",
                    "deep",
                    measure="backprop_signal",
                    lab=("sigmoid", 10),
                    schemes=("xavier_normal",),
                ),
            ),
            asks=(Ask("saturated"), Ask("gradient")),
            deep=dict(activation="sigmoid", depth=10),
        ),
        Preset(
            name="seed_table",
            title="5. The lesson's table, measured",
            settings=dict(schemes=("zeros", "random_small", "random_large")),
            steps=(
                step(
                    """The classic TL;DR table, every cell measured from this run (the app's
                    default: one hidden layer of 16 tanh units, step 0.5 on mini-batches of 32).
                    **Symmetry**: Zeros' neurons keep identical weights; the random schemes'
                    differ.""",
                    "tldr",
                    LAST,
                ),
                signal_step(
                    """**Risk of a vanishing gradient**: Zeros passes exactly 0 back to layer 1
                    (blocked: its problem is symmetry, not depth). Random small is healthy: one
                    layer is too shallow for its signal to vanish.""",
                    "backprop_signal",
                    "zeros",
                    "random_small",
                ),
                signal_step(
                    """Random large starts with most of its tanh outputs saturated, the lesson's
                    risk, and a loss over 4 times ln 2. Yet the signal that reaches its layer 1
                    is not small: between half and 5 times the output's.""",
                    "saturated_fraction",
                    "random_large",
                ),
                loss_step(
                    f"""**Outcome**: Zeros' neurons stay the same; Random small descends steadily.
                    Random large's loss climbs back to over {times(RELAPSE)} its lowest
                    (unstable) on most
                    seeds at this large step, not on all: train seed 28 and its loss does not
                    climb back.""",
                    "random_large",
                    action=act("Train seed 28", seed=28),
                ),
                signal_step(
                    f"""With a second hidden layer of 16, the signal reaching Random small's
                    first layer drops over 10-fold, under {one_in(VANISH_RATIO)} of the output's
                    (vanishing), and its loss takes 5 times as many epochs to get going. Small
                    is safer, not safe.""",
                    "backprop_signal",
                    "random_small",
                    action=act("Train with two hidden layers", hidden=(16, 16)),
                ),
            ),
            asks=(
                Ask("clones", ("zeros", "random_small")),
                Ask("saturated", ("random_large", "random_small")),
                Ask("learns", ("zeros", "random_small", "random_large")),
            ),
        ),
        Preset(
            name="batchnorm",
            title="6. Does BatchNorm rescue a bad init?",
            settings=dict(
                schemes=("zeros", "random_small", "random_large"), batchnorm=True, **FIVE_LAYERS
            ),
            steps=(
                loss_step(
                    """The 5-layer tanh net of lesson 2, now with **BatchNorm** after every
                    hidden layer: each unit's weighted sum is normalized over the batch, then
                    scaled and shifted by two learned numbers. Random small x0.01 now learns:
                    its loss gets below 0.15 and it ends with 90% or more test accuracy.""",
                    "random_small",
                ),
                signal_step(
                    """At epoch 0, x0.01's fifth layer keeps its spread within 20% of the
                    first's (without BatchNorm: 1/100,000), and layer 1 gets 2 to 20 times the
                    output's backprop signal (without: under a millionth). Train without
                    BatchNorm and x0.01 sits at ln 2 = 0.693 again.""",
                    "backprop_signal",
                    "random_small",
                    action=act("Train without BatchNorm", batchnorm=False),
                ),
                signal_step(
                    """x10 starts with under 1% of its outputs saturated (over 90% without
                    BatchNorm) and reaches a loss under 0.05. It still starts above 2: the output
                    layer is not normalized.""",
                    "saturated_fraction",
                    "random_large",
                ),
                loss_step(
                    f"""BatchNorm rescues the signal, not a smooth ride: after epoch 100, x0.01's
                    loss climbs back to over {times(RELAPSE)} its lowest. A smaller step does
                    not stop it:
                    train with a step 5 times smaller and it still climbs back.""",
                    "random_small",
                    action=act("Train at step 0.01", lr=0.01),
                ),
                step(
                    """Zeros still fails, with BatchNorm or without: its loss stays at ln 2 and
                    its neurons stay clones (divergence exactly 0). Identical weighted sums
                    normalize to identical outputs: BatchNorm cannot break symmetry.""",
                    "clones",
                    LAST,
                    schemes=("zeros",),
                ),
            ),
            asks=(
                Ask("learns"),
                Ask("clones", ("zeros",)),
                Ask("unstable", ("random_small",)),
            ),
        ),
        Preset(
            name="random_biases",
            title="7. Do random biases break symmetry?",
            settings=dict(CLONES, bias_init="random"),
            steps=(
                step(
                    """Lesson 1's net and schemes, now with every bias drawn from N(0, 0.5²), the
                    same biases for every scheme. With all-zero weights a tanh unit outputs
                    tanh(b), a constant, but each neuron its own: at epoch 0 all 8 neurons of
                    each layer of Zeros and Constant are **distinct**, Zeros' as different as
                    unrelated neurons (divergence about 1).""",
                    "clones",
                    0,
                    schemes=("zeros", "constant"),
                ),
                signal_step(
                    """Distinct is not yet learning. Zeros' output weights are 0, so at epoch 0
                    exactly 0 reaches layer 1 (blocked): only the output layer moves at first,
                    each unit's outgoing weight by its own tanh(b). The gradient reaches the
                    layers below one step later each.""",
                    "backprop_signal",
                    "zeros",
                ),
                loss_step(
                    f"""So yes: random biases break the symmetry and Zeros learns, slowly. Its
                    loss takes over 20 epochs to get {cut()} below ln 2 = 0.693 (Xavier's: 3 or
                    fewer) and it ends with 75% or more test accuracy. Constant's neurons,
                    distinct too, get there within 20 epochs.""",
                    "zeros",
                    "xavier_normal",
                    "constant",
                ),
                step(
                    """Where do Zeros' first-layer weights go? In the weight paths they leave the
                    origin along one line (at epoch 40 their spread across it is under 5% of
                    their spread along it), each neuron a different multiple of one direction,
                    and fan out only later (over 10 times wider by the end).""",
                    "travel",
                    40,
                    schemes=("zeros",),
                ),
                step(
                    """Train with zero biases: lesson 1 again, Zeros' and Constant's neurons
                    clones at every epoch.""",
                    "clones",
                    LAST,
                    action=act("Train with zero biases", bias_init="zeros"),
                    schemes=("zeros", "constant"),
                ),
            ),
            asks=(
                Ask("learns", ("zeros",)),
                Ask("gradient", ("zeros",)),
                Ask("clones", ("zeros", "constant")),
            ),
        ),
        Preset(
            name="prior_bias",
            title="8. Check the loss at init: a 1:9 class prior",
            settings=dict(**ONE_TO_NINE, bias_init="prior"),
            steps=(
                loss_step(
                    """Nine in ten points are class 0. A net that knows only that predicts 10%
                    for class 1 everywhere, for a loss of 0.325, the entropy -(0.1 ln 0.1 + 0.9
                    ln 0.9); a coin toss scores ln 2 = 0.693. Here the output bias starts at the
                    log odds, ln(1/9) = -2.2: the prior.""",
                    epoch=0,
                ),
                loss_step(
                    """Check the loss at init (Karpathy): Random small's starts within 1% of
                    0.325, Xavier's and He's below 0.6, because their outputs start near the
                    prior.""",
                    "random_small",
                    "xavier_normal",
                    "he_normal",
                    epoch=0,
                ),
                loss_step(
                    """Train with zero biases: Random small starts at ln 2 (within 1%), Xavier
                    and He above 0.6. Random small needs 15 epochs or more to get down to where
                    the prior started (within 5%), Xavier and He at least 2: the hockey
                    stick.""",
                    "random_small",
                    "xavier_normal",
                    "he_normal",
                    epoch=30,
                    action=act("Train with zero biases", bias_init="zeros"),
                ),
                step(
                    """After the hockey stick the two runs are alike: every scheme ends within
                    0.02 of its loss with the prior, and with a training accuracy (solid lines)
                    above the 90% that a constant guess of class 0 scores.""",
                    "curves",
                    LAST,
                    metric="accuracy",
                ),
            ),
            asks=(Ask("start", ("random_small",)), Ask("learns")),
        ),
        Preset(
            name="travel",
            title="9. Where the weights travel: lazy and rich",
            settings=dict(
                schemes=("zeros", "constant", "random_small", "random_large", "xavier_normal")
            ),
            steps=(
                step(
                    """The inputs are 2-D, so each first-layer neuron is a point: its two
                    incoming weights. Zeros' 16 neurons sit at the origin at every epoch;
                    Constant's are one point that moves, all neurons together: clones share one
                    path.""",
                    "travel",
                    LAST,
                    schemes=("zeros", "constant"),
                ),
                step(
                    """x0.01's neurons start within 0.05 of the origin and fan out, ending over
                    20 times farther away. x10's first layer moves the least of all, under 50% of
                    its size, while Xavier's moves over twice its size and x0.01's over 20
                    times.""",
                    "travel",
                    LAST,
                    schemes=("random_small", "random_large", "xavier_normal"),
                ),
                step(
                    """Lazy or rich (Chizat, Oyallon & Bach 2019)? The view's own sweep trains
                    one hidden layer, 16 to 256 units, at scales x0.5 to x4. From 16 to 256
                    units the hidden layer's change falls over 3-fold at every scale, from x0.5
                    to x4 over 1.5-fold at every width: wide nets and large scales fit while
                    barely moving.""",
                    "travel",
                    LAST,
                    sweep=True,
                ),
            ),
            asks=(Ask("lazy"), Ask("clones", ("zeros", "constant", "random_small"))),
        ),
    )
}
