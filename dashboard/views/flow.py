"""The signal-flow view: one measure per layer (activations forward, gradients backward)."""

from __future__ import annotations

import streamlit as st

from dashboard import board, state
from dashboard.views import flow_charts as charts
from dashboard.views.base import (
    BN_SIGNAL,
    ViewInput,
    bn_note,
    look_for,
    measure_control,
    residual_note,
    shown_epoch,
)

DEEPER = 5  # hidden layers offered when the net has one: the lesson's deep effects show there


def signal_options(inp: ViewInput) -> dict:
    needs_depth(inp)
    return {"measure": measure_control("o_signal", help="what to plot against depth")}


def needs_depth(inp: ViewInput) -> None:
    """A one-hidden-layer run draws one dot per scheme: say that the view needs depth, and
    offer DEEPER hidden layers (the sidebar's depth; Train then trains them)."""
    result = inp.result
    if result is None or len(result.dims) != 3:
        return
    if inp.config is not None and len(inp.config.hidden) > 1:
        st.info(
            f"Press **Train** to see the signal through {len(inp.config.hidden)} hidden "
            "layers: the run shown has one."
        )
        return
    st.info(
        "Signal flow needs depth: this net has **one hidden layer**, so each scheme is a "
        "single dot. How a signal grows or fades from layer to layer shows from about "
        f"{DEEPER} layers."
    )
    st.button(
        f"Use {DEEPER} hidden layers",
        key="o_signal_deeper",
        icon=":material/add:",
        on_click=deepen,
        help=f"sets the sidebar's hidden layers to {DEEPER} (same width); then press Train",
    )


def deepen() -> None:
    st.session_state[state.DEPTH] = DEEPER
    st.session_state[state.WIDTHS] = ""  # the custom widths would override the depth


def signal_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result, shown = inp.result, shown_epoch(inp)
    look_for(
        "Read it left to right for the forward pass (activations) and right to left for the "
        "backward pass (gradients). A line that falls by orders of magnitude is a vanishing "
        "signal; one that climbs is exploding. Saturated tanh/sigmoid units have a slope near "
        "0, so gradients die there; dead ReLUs output 0 for every input. Scrub to epoch 0 to "
        "see where each scheme starts." + bn_note(result, BN_SIGNAL) + residual_note(result),
        out=out,
    )
    out.markdown(f"Signal flow through the layers at epoch **{shown}**")
    board.send_chart(
        charts.signal_flow(result.layer_table(shown), measure=opts["measure"]), out=out
    )
