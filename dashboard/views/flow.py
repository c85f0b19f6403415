"""The signal-flow view: one measure per layer (activations forward, gradients backward)."""

from __future__ import annotations

import streamlit as st

from dashboard import board
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


def signal_options(inp: ViewInput) -> dict:
    return {"measure": measure_control("o_signal", help="what to plot against depth")}


def signal_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result, shown = inp.result, shown_epoch(inp)
    out.markdown(f"Signal flow through the layers at epoch **{shown}**")
    board.send_chart(
        charts.signal_flow(result.layer_table(shown), measure=opts["measure"]), out=out
    )
    look_for(
        "Read it left to right for the forward pass (activations) and right to left for the "
        "backward pass (gradients). A line that falls by orders of magnitude is a vanishing "
        "signal; one that climbs is exploding. Saturated tanh/sigmoid units have a slope near "
        "0, so gradients die there; dead ReLUs output 0 for every input. Scrub to epoch 0 to "
        "see where each scheme starts." + bn_note(result, BN_SIGNAL) + residual_note(result),
        out=out,
    )
