"""Ready-made lessons: one table of presets, each a config plus what to look for.

A preset is data: a title, the settings it changes from the defaults, the name of the page's view
to open (the dashboard checks it against its views), a short narrative and, for the page's
deep-signal lab, an activation and a depth. The app, share links (``?preset=clones``) and the CLI
(``--preset``) all read this table; every sentence of a narrative is checked on seeds 0..9 in
tests/preset_claims.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import TrainConfig
from .metrics import SATURATION_SLOPE
from .verdicts import RELAPSE, VANISH_RATIO, one_in, percent, times

# The questions of the predict-then-observe mode (names in initdash.quiz.QUESTIONS) on the first
# page and in a preset that does not choose its own.
DEFAULT_QUESTIONS = ("clones", "learns", "gradient", "race")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    settings: dict[str, Any]
    view: str  # the view the page opens (a name in dashboard/views.py's registry)
    narrative: str
    deep: dict[str, Any] = field(default_factory=dict)  # the deep-signal lab's activation, depth
    questions: tuple[str, ...] = DEFAULT_QUESTIONS  # asked before Train in quiz mode

    def config(self) -> TrainConfig:
        return TrainConfig(**self.settings)


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

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="clones",
            title="1. Zeros and constants make clones",
            settings=dict(CLONES),
            view="clones",
            narrative=(
                "Every neuron of a layer starts with the same weights, sees the same inputs, "
                "gets the same gradient and makes the same update: it stays a **clone** "
                "forever. The per-neuron divergence of Zeros and Constant is **exactly 0** at "
                "every epoch and the count says **1 distinct** neuron per layer, while all 8 of "
                "Xavier's neurons are distinct. Constant's clones *do* learn (its loss falls "
                "to less than half of where it started), but all together, so 8 neurons do the "
                "work of 1. With all-zero weights a tanh unit outputs tanh(0) = 0 and gets no "
                "gradient: only the output bias moves (ReLU does the same). Switch the "
                "activation to sigmoid: the units output 0.5, so the weights move too, yet "
                "every neuron of a layer stays identical to the others."
            ),
            questions=("clones", "learns"),
        ),
        Preset(
            name="small_vs_large",
            title="2. Small vs large random weights (5 layers)",
            settings=dict(schemes=("random_small", "random_large", "xavier_normal"), **FIVE_LAYERS),
            view="signal",
            narrative=(
                "Both schemes break symmetry, but look at the signal flow at epoch 0. With N(0,1) "
                "x 0.01 each layer multiplies the spread of the activations by about 0.01 x "
                "sqrt(32) = 0.06, so the fifth layer's spread is 1/100,000 of the first's, the "
                "backprop signal reaching layer 1 is under a millionth of the output's "
                "(vanishing) and the loss sits at ln 2 = 0.693: no learning. With N(0,1) x 10 "
                "over 90% of the tanh outputs start saturated, the loss starts above 10 and the "
                "backprop signal reaching layer 1 is amplified more than 100-fold (exploding); "
                f"during training the loss climbs back to over {times(RELAPSE)} its lowest value "
                "(unstable). Xavier keeps the spread within a factor of 3 from the first layer to "
                "the last and learns steadily. Set the large scale to 1: about half the outputs "
                "still start saturated, but the signal reaching layer 1 drops to 4 to 25 times "
                "the output's and the net learns (90% or more). The deep-signal lab, at depth 20, "
                "shows the same at initialization."
            ),
            deep=dict(activation="tanh", depth=20),
            questions=("gradient", "learns", "unstable"),
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
            view="curves",
            narrative=(
                "He et al. (2015): a deep ReLU net with Xavier's variance stalls, the same net "
                "with He's variance (twice as large: ReLU zeroes half the signal) trains. Watch "
                "the loss: Xavier's stays within 2% of ln 2 = 0.693 (no learning) while He's "
                "falls below 0.25, smoothly. In the signal flow at epoch 0, Xavier's activations "
                "shrink by about 1/sqrt(2) per layer (layer 20's spread is under 1/400 of layer "
                f"1's) and the backprop signal reaching layer 1 is under {one_in(VANISH_RATIO)} of "
                "the output's (vanishing); He's spread wanders (the layers are narrow) but stays "
                "within a factor of 20 of layer 1's, and its layer 1 gets 5% to 25% of the "
                "output's signal. Switch the activation to tanh: now both learn, because tanh "
                "does not zero half of the signal, so Xavier's first layer gets a healthy share "
                "again."
            ),
            deep=dict(activation="relu", depth=20),
            questions=("gradient", "learns", "race"),
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
            view="signal",
            narrative=(
                "With weights x10 about 80% of the sigmoid outputs start on a flat tail, where "
                f"the slope is under {percent(SATURATION_SLOPE)} of its peak, and the loss starts "
                "at over 4 times ln 2: confident wrong answers. Yet the gradient does not vanish: "
                "the few units still on their slope pass the error back multiplied by the large "
                "weights, so layer 1 gets between half and 5 times the output's backprop signal, "
                "over 50 times Xavier's share, and the net learns (85% or more). Saturation is a "
                "risk, not a verdict: read the saturated share and the signal side by side. Tiny "
                "weights keep every unit near 0.5, where the slope is at most 0.25: through 3 "
                "layers the signal reaching layer 1 falls under a millionth of the output's and "
                "nothing is learned. Even Xavier's signal shrinks 5- to 10-fold per sigmoid "
                "layer, one reason deep nets moved to tanh and ReLU."
            ),
            deep=dict(activation="sigmoid", depth=10),
            questions=("saturated", "gradient", "learns"),
        ),
        Preset(
            name="seed_table",
            title="5. The lesson's table, measured",
            settings=dict(schemes=("zeros", "random_small", "random_large")),
            view="tldr",
            narrative=(
                "The classic TL;DR table, every cell measured from this run (the app's default "
                "setting: one hidden layer of 16 tanh units). **Symmetry**: Zeros' neurons keep "
                "identical weights, the random schemes' are all distinct. **Risk of a vanishing "
                "gradient**: Zeros passes exactly 0 back to layer 1 (blocked: its problem is "
                "symmetry, not depth); Random large starts with over 75% of its tanh outputs "
                "saturated, the lesson's risk, although in this one-layer net the signal that "
                "does reach layer 1 is 1.5 to 3 times the output's; Random small is healthy. "
                "**Outcome**: Zeros' neurons stay the same; Random large starts over 4 times "
                f"higher than ln 2 and its loss climbs back to over {times(RELAPSE)} its lowest "
                "(unstable); Random small descends steadily. Now add a second hidden layer "
                "(16,16): the signal reaching Random small's first layer drops over 10-fold, "
                f"under {one_in(VANISH_RATIO)} of the output's (vanishing), and its loss takes 5 "
                "times as many epochs to get going. Small is safer, not safe, in deeper nets."
            ),
            questions=("clones", "saturated", "unstable"),
        ),
        Preset(
            name="batchnorm",
            title="6. Does BatchNorm rescue a bad init?",
            settings=dict(
                schemes=("zeros", "random_small", "random_large"), batchnorm=True, **FIVE_LAYERS
            ),
            view="curves",
            narrative=(
                "The 5-layer tanh net of preset 2, now with **BatchNorm** after every hidden "
                "layer: each unit's weighted sum is normalized over the batch, then scaled and "
                "shifted by two learned numbers. Random small x0.01 now learns: its loss falls "
                "below 0.15 and it ends with 90% or more test accuracy; switch BatchNorm off and "
                "it sits at ln 2 = 0.693. In the signal flow at epoch 0 its fifth layer's spread "
                "is within 20% of the first's (without BatchNorm: 1/100,000) and layer 1 gets 2 "
                "to 20 times the output's backprop signal (without: under a millionth). BatchNorm "
                "rescues the signal, not the step size: the output no longer depends on the "
                "weights' scale, so the smaller the weights, the larger a step is next to them. "
                "x0.01's first step changes every hidden layer's weights by over a tenth of their "
                "size (Random large's: under 1%), and its loss jumps back to over "
                f"{times(RELAPSE)} its lowest (unstable). Random large x10 starts with under 1% of "
                "its outputs saturated (over 90% without) and reaches a loss under 0.05, though "
                "it still starts above 2: the output layer is not normalized. Zeros still fails, "
                "with BatchNorm or without: its loss stays at ln 2 and its neurons stay clones "
                "(divergence exactly 0, 1 distinct neuron per layer). Identical weighted sums "
                "normalize to identical outputs; with all-zero weights every sum is 0 and every "
                "unit outputs its shift, the same for all. BatchNorm cannot break symmetry."
            ),
        ),
        # Presets 7-9 (issue 23): each paragraph is one step of a guided lesson (at most 60
        # words), the view it shows in brackets in the comment above it.
        Preset(
            name="random_biases",
            title="7. Do random biases break symmetry?",
            settings=dict(CLONES, bias_init="random"),
            view="clones",
            narrative=(
                # [clones, epoch 0]
                "Lesson 1's net and schemes, now with every bias drawn from N(0, 0.5²), the "
                "same biases for every scheme. With all-zero weights a tanh unit outputs "
                "tanh(b), a constant, but each neuron its own: at epoch 0 all 8 neurons of each "
                "layer of Zeros and Constant are **distinct**, Zeros' as different as unrelated "
                "neurons (divergence about 1).\n\n"
                # [gradients, epoch 0]
                "Distinct is not yet learning. Zeros' output weights are 0, so at epoch 0 "
                "exactly 0 reaches layer 1 (blocked): only the output layer moves at first, "
                "each unit's outgoing weight by its own tanh(b). The gradient reaches the "
                "layers below one step later each.\n\n"
                # [curves, last epoch]
                "So yes: random biases break the symmetry and Zeros learns, slowly. Its loss "
                "takes over 20 epochs to get 10% below ln 2 = 0.693 (Xavier's: 3 or fewer) "
                "and it ends with 75% or more test accuracy. Constant's neurons, distinct "
                "too, get there within 20 epochs.\n\n"
                # [travel, epoch 40]
                "Where do Zeros' first-layer weights go? In the weight paths they leave the "
                "origin along one line (at epoch 40 their spread across it is under 5% of "
                "their spread along it), each neuron a different multiple of one direction, "
                "and fan out only later (over 10 times wider by the end).\n\n"
                # [clones; Try this: bias_init=zeros]
                "Set the biases back to zeros: lesson 1 again, Zeros' and Constant's neurons "
                "clones at every epoch."
            ),
            questions=("clones", "learns", "gradient"),
        ),
        Preset(
            name="prior_bias",
            title="8. Check the loss at init: a 1:9 class prior",
            settings=dict(ONE_TO_NINE, bias_init="prior"),
            view="curves",
            questions=("start", "learns"),
            narrative=(
                # [curves, epoch 0]
                "Nine in ten points are class 0. A net that knows only that predicts 10% for "
                "class 1 everywhere, for a loss of 0.325, the entropy -(0.1 ln 0.1 + 0.9 ln "
                "0.9); a coin toss scores ln 2 = 0.693. Here the output bias starts at the log "
                "odds, ln(1/9) = -2.2: the prior.\n\n"
                # [curves, epoch 0]
                "Check the loss at init (Karpathy): Random small's starts within 1% of 0.325, "
                "Xavier's and He's below 0.6, because their outputs start near the prior.\n\n"
                # [curves, epoch 30; Try this: bias_init=zeros]
                "Set the biases to zeros: Random small starts at ln 2 (within 1%), Xavier and "
                "He above 0.6, and the first epochs only learn the class ratio. Random small "
                "needs 15 epochs or more to get down to where the prior started (within 5%), "
                "Xavier and He at least 2: the hockey stick.\n\n"
                # [tldr, last epoch]
                "After that the two runs are alike: every scheme ends within 0.02 of its loss "
                "with the prior, with a training accuracy above the 90% that a constant guess "
                "of class 0 scores."
            ),
        ),
        Preset(
            name="travel",
            title="9. Where the weights travel: lazy and rich",
            settings=dict(
                schemes=("zeros", "constant", "random_small", "random_large", "xavier_normal")
            ),
            view="travel",
            narrative=(
                # [travel, last epoch]
                "The inputs are 2-D, so each first-layer neuron is a point: its two incoming "
                "weights. Zeros' 16 neurons sit at the origin at every epoch; Constant's are "
                "one point that moves, all neurons together: clones share one path.\n\n"
                # [travel, last epoch]
                "x0.01's neurons start within 0.05 of the origin and fan out, ending over 20 "
                "times farther away. x10's first layer moves the least of all, under 50% of "
                "its size, while Xavier's moves over twice its size and x0.01's over 20 "
                "times.\n\n"
                # [travel, the sweep on]
                "Lazy or rich (Chizat, Oyallon & Bach 2019)? Turn on the sweep: one hidden "
                "layer, 16 to 256 units, scales x0.5 to x4. From 16 to 256 units the hidden "
                "layer's change falls over 3-fold at every scale, from x0.5 to x4 over "
                "1.5-fold at every width: wide nets and large scales fit while barely moving."
            ),
            questions=("lazy", "clones"),
        ),
    )
}
