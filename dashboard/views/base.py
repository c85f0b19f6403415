"""What every view shares: its input (:class:`ViewInput`), its caption, a few widgets, notes.

A view is a pair of functions in its room (a module of this package; the registry,
dashboard.views.registry, says which): ``options(inp)`` draws the view's own widgets once per
script run and returns their values; ``draw(inp, opts, out)`` draws only charts and text into
``out`` (a dashboard.board.Board), so it can be redrawn while a run trains. No maths in a view:
tables come from ``initdash``, charts from the room's chart builders (``*_charts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from initdash import Data, Result, TrainConfig
from initdash.nn import residual_skips


@dataclass(frozen=True)
class ViewInput:
    """What a view draws from: the settings on the page now and the run shown (if any)."""

    config: TrainConfig | None  # what the sidebar describes (None: not a valid config)
    data: Data | None = None  # the user's uploaded data (None: the config's generated data)
    data_key: str = "generated"
    result: Result | None = None  # the run shown (None before the first Train)
    epoch: int | None = None  # the epoch picked with the scrubber (None: the latest)


LOOK_WORDS = 50  # words of a view's caption shown at once; the rest behind "more"


def look_for(text: str, out=st) -> None:
    """The view's caption (above its charts; the overview's under its first row): its first
    LOOK_WORDS words (``text``'s line breaks and indents read as single spaces), the rest
    behind "more"."""
    out.caption(look_for_text(text), unsafe_allow_html=True)


def look_for_text(text: str) -> str:
    """The caption's Markdown: the first LOOK_WORDS words, then (if there are more) the rest
    in an HTML <details> whose summary reads "more" (one element: a Board redraws it in
    place). A cut inside a **bold** run moves to its end, so no marker is left open."""
    words = text.split()
    n = LOOK_WORDS
    while n < len(words) and " ".join(words[:n]).count("**") % 2:
        n += 1
    head, rest = " ".join(words[:n]), " ".join(words[n:])
    if not rest:
        return f"**What to look for.** {head}"
    return (
        f"**What to look for.** {head} …\n\n<details><summary>more</summary>\n\n{rest}"
        "\n\n</details>"
    )


def hidden_layer(inp: ViewInput, label: str, key: str, most: int | None = None) -> int:
    """A hidden layer to show (of the first ``most``), asked only when there are several (1
    otherwise)."""
    if inp.result is not None:
        H = len(inp.result.dims) - 2
    else:
        H = len(inp.config.hidden) if inp.config is not None else 0
    H = H if most is None else min(H, most)
    if H < 2:
        return 1
    if st.session_state.get(key) not in range(1, H + 1):  # a lesson's step may have set it
        st.session_state[key] = 1
    layer = st.segmented_control(
        label, list(range(1, H + 1)), key=key, format_func=lambda i: f"layer {i}"
    )
    return layer if layer in range(1, H + 1) else 1  # None when the user unselects it


def shown_epoch(inp: ViewInput) -> int:
    """The recorded epoch drawn: the one nearest the scrubber's (the latest by default)."""
    return inp.result.detail_epochs[inp.result.detail_index(inp.epoch)]


# ---------------------------------------------------------------------- BatchNorm notes
# How a run with BatchNorm shows in each view (initdash/nn.py says which statistics are used).
BN_WEIGHTS = (
    "BatchNorm is on: these are the weights W only; each unit's learned scale and shift "
    "(gamma, beta) are not drawn, and the hidden layers' biases stay 0 (normalizing removes "
    "them)."
)
BN_SIGNAL = (
    "BatchNorm is on: activations, saturation and dead units are measured after the "
    "normalization, on the probe batch normalized with its own statistics (as a training step "
    "sees it); the backprop signal is dL/d(W a + b), before the normalization, the gradient the "
    "weights learn from."
)
BN_EVALUATION = (
    "BatchNorm is on: what is drawn here normalizes with the running averages of the training "
    "batches' statistics, as frameworks do in evaluation (so does the test loss)."
)


def bn_note(result: Result, text: str) -> str:
    """``text`` (after a space) when the run trained with BatchNorm, else nothing."""
    return " " + text if result.config.batchnorm else ""


# How a residual run (TrainConfig.residual: skip connections) shows in the per-layer views.
RESIDUAL_SIGNAL = (
    "Residual is on: from layer 2, a layer whose width equals its input's adds that input, "
    "h = h_prev + g(z); its outputs here are that residual stream h (what the next layer "
    "reads), its saturated and dead units those of its branch g(z)."
)


def has_skips(result: Result) -> bool:
    """Whether some hidden layer of the run adds its input (initdash.nn.residual_skips)."""
    return any(residual_skips(result.dims, result.config.residual))


def residual_note(result: Result, text: str = RESIDUAL_SIGNAL) -> str:
    """``text`` (after a space) when some layer of the run has a skip, else nothing."""
    return " " + text if has_skips(result) else ""


# ---------------------------------------------------------------------- per-layer measures
SIGNAL_MEASURES = {
    "act_std": "activation spread (std)",
    "saturated_fraction": "saturated units (tanh/sigmoid)",
    "dead_fraction": "dead units (ReLU)",
    "backprop_signal": "backprop signal |dL/dz|",
    "grad_norm": "weight-gradient norm |dL/dW|",
}


def measure_control(key: str, help: str | None = None) -> str:
    """The per-layer measure to plot (the signal-flow tab and the deep-signal lab)."""
    if st.session_state.get(key) not in SIGNAL_MEASURES:  # a lesson's step may have set it
        st.session_state[key] = "act_std"
    m = st.segmented_control(
        "Measure",
        list(SIGNAL_MEASURES),
        format_func=SIGNAL_MEASURES.get,
        key=key,
        help=help,
    )
    return m or "act_std"
