"""Ready-made lessons: one table of presets, each a config plus what to look for.

A preset is data: a title, the settings it changes from the defaults, the view to open and a
short narrative. The app, share links (``?preset=clones``) and the CLI all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import TrainConfig

VIEWS = ("curves", "weights", "clones", "signal", "boundary", "tldr", "deep", "theory")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    settings: dict[str, Any]
    view: str
    narrative: str
    deep: dict[str, Any] = field(default_factory=dict)  # settings for the deep-signal lab

    def config(self) -> TrainConfig:
        return TrainConfig(**self.settings)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="clones",
            title="1. Zeros and constants make clones",
            settings=dict(
                schemes=("zeros", "constant", "xavier_normal"),
                hidden=(8, 8),
                activation="tanh",
                constant_value=0.5,
                epochs=1000,
                lr=0.1,
            ),
            view="clones",
            narrative=(
                "Every neuron of a layer starts with the same weights, sees the same inputs, "
                "gets the same gradient and makes the same update: it stays a **clone** "
                "forever. Look at the per-neuron divergence: **exactly 0** for Zeros and "
                "Constant at every epoch, while Xavier's neurons spread apart. The similarity "
                "heatmap is one solid block and the count says **1 distinct neuron** per "
                "layer. Constant's clones *do* learn (their weights move), but all together, "
                "so 8 neurons do the work of 1. Switch the activation to ReLU: with all-zero "
                "weights nothing but the output bias moves at all."
            ),
        ),
        Preset(
            name="small_vs_large",
            title="2. Small vs large random weights",
            settings=dict(
                schemes=("random_small", "random_large", "xavier_normal"),
                hidden=(32, 32, 32, 32, 32),
                activation="tanh",
                epochs=1000,
                lr=0.05,
            ),
            view="signal",
            narrative=(
                "Both schemes break symmetry, but look at the signal flow at epoch 0. "
                "With N(0,1) x 0.01 each layer multiplies the signal by about "
                "0.01 x sqrt(32), so activations and the backprop signal shrink by orders of "
                "magnitude layer by layer and the loss sits at ln 2 = 0.693. With N(0,1) x 10 "
                "almost every tanh unit starts saturated, the loss starts huge and the "
                "backprop signal is amplified hundreds of times on its way down: the "
                "training curve is erratic. Xavier keeps the spread of activations steady. "
                "Set the large scale to 1: saturation stays, the explosion goes. The "
                "deep-signal lab tells the same story at depth 50."
            ),
            deep=dict(activation="tanh", depth=20),
        ),
        Preset(
            name="xavier_vs_he",
            title="3. Xavier for tanh, He for ReLU (deep net)",
            settings=dict(
                schemes=("xavier_normal", "he_normal"),
                hidden=(32,) * 30,
                activation="relu",
                optimizer="momentum",
                lr=0.01,
                epochs=500,
            ),
            view="curves",
            narrative=(
                "He et al. (2015): a 30-layer ReLU net with Xavier's variance stalls, the same "
                "net with He's variance (twice as large: ReLU zeroes half the signal) trains. "
                "Watch the loss: Xavier stays flat at ln 2 while He drops. In the signal flow, "
                "Xavier's activations shrink by about 1/sqrt(2) per layer, He's hold steady. "
                "Now switch the activation to tanh: Xavier is the scheme that fits it."
            ),
            deep=dict(activation="relu", depth=30),
        ),
        Preset(
            name="saturation",
            title="4. Saturation: sigmoid with large weights",
            settings=dict(
                schemes=("random_small", "random_large", "xavier_normal"),
                hidden=(16, 16, 16),
                activation="sigmoid",
                large_scale=10.0,
                lr=0.5,
                epochs=2000,
            ),
            view="signal",
            narrative=(
                "With weights x10 most sigmoid units sit on a flat tail (the saturated "
                "fraction is over 80% at epoch 0): its slope a(1 - a) is close to 0, so little "
                "gradient passes. The loss starts huge (a confident wrong answer costs a lot) "
                "and the curve is bumpy. Tiny weights keep every unit near 0.5 where the "
                "slope is only 0.25, so through 3 layers the backprop signal shrinks by "
                "orders of magnitude and learning never starts. Xavier sits in between."
            ),
            deep=dict(activation="sigmoid", depth=10),
        ),
        Preset(
            name="seed_table",
            title="5. The lesson's table, measured",
            settings=dict(
                schemes=("zeros", "random_small", "random_large"),
                hidden=(16,),
                activation="tanh",
                batch_size=32,
                lr=0.2,
                epochs=1000,
            ),
            view="tldr",
            narrative=(
                "The classic TL;DR table, but every cell is measured from this run: symmetry "
                "from the neurons' weights and outputs, gradient risk from saturation and the "
                "backprop signal at epoch 0, the outcome from the loss curve. In this "
                "one-hidden-layer net it matches the lesson: Zeros gives clones, Random large "
                "saturates and its loss jumps around, Random small trains steadily. Now add a "
                "second hidden layer (16,16): the backprop signal that reaches Random small's "
                "first layer drops about 20-fold, under 1/1000 of the output's (the table now "
                "says vanishing), and it takes several times as many epochs to get going. "
                "Small is safer, not safe, in deeper nets."
            ),
        ),
    )
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
