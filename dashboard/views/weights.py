"""The weights view: each layer's weight histograms, now and at initialization."""

from __future__ import annotations

import streamlit as st

from dashboard import board
from dashboard.views import kit
from dashboard.views import weights_charts as charts
from dashboard.views.base import BN_WEIGHTS, ViewInput, bn_note, look_for, shown_epoch

MAX_WEIGHT_LAYERS = 4
HEIGHT = 170  # px of each histogram panel, its title and axis included


def weights_options(inp: ViewInput) -> dict:
    n = len(inp.result.dims) - 1 if inp.result is not None else 3
    layers = list(range(1, n + 1))
    default = layers[: MAX_WEIGHT_LAYERS - 1] + ([layers[-1]] if n >= MAX_WEIGHT_LAYERS else [])
    chosen = st.multiselect(
        "Layers",
        layers,
        default=default,
        key="o_wlayers",
        max_selections=MAX_WEIGHT_LAYERS,
        format_func=lambda i: f"layer {i}" + (" (output)" if i == n else ""),
        help="which weight matrices to show (at most 4 at once)",
    )
    return {"layers": chosen or default, "linear": linear_toggle()}


def linear_toggle() -> bool:
    """Weights on each scheme's own linear axis, instead of the symlog axis they share (the
    overview's and the weights view's, one setting)."""
    return st.toggle(
        "Linear weight axis, each scheme its own",
        key="o_wlinear",
        persist_state="session",
        help="on the shared symmetric-log axis, equal steps are powers of ten (so a Gaussian "
        "shows two humps); a linear axis shows each scheme's shape, at its own scale",
    )


def weights_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result, shown = inp.result, shown_epoch(inp)
    layers = [i for i in opts["layers"] if i <= len(result.dims) - 1]
    linear = opts.get("linear", False)
    look_for(
        "Each panel is a histogram of one layer's weights for one scheme, on shared bins so "
        "schemes compare (the axis is symmetric-log: tiny and huge weights both show); the "
        "outline is the layer at epoch 0. Zeros and Constant start as a single spike; as "
        "Constant trains, its first layer splits into one spike per input feature (each "
        "input's weights move together, the same in every neuron). Random small is a narrow "
        "spike near 0, Random large spreads over tens. Xavier and He are scaled to the "
        "layer's fan-in and fan-out." + bn_note(result, BN_WEIGHTS),
        out=out,
    )
    out.markdown(
        f"**Weights at epoch {shown}** (bars; grey outline: at initialization; bar height: "
        f"share of the layer's weights in the bin; std: of all its weights; {axis_words(linear)})"
    )
    for layer in layers:
        current = result.weights_table(shown, layers=[layer], linear=linear)
        initial = result.weights_table(0, layers=[layer], linear=linear)
        out.markdown(charts.layer_name(layer, current, result.dims))
        histograms(result.schemes, current, initial, out)


def axis_words(linear: bool) -> str:
    """What the histograms' x axis is, in words (the weights view's and the overview's)."""
    if linear:
        return "each scheme its own linear x axis"
    return "x axis symmetric-log, shared by the schemes: equal steps are powers of ten"


def histograms(schemes, current, initial, out, height: int = HEIGHT) -> None:
    """One layer's weight histogram for each scheme, now on its outline at initialization, in
    a row of panels that wraps (the overview's too); symlog tables share one x range, linear
    ones (``weights_table(..., linear=True)``) each their own."""
    tables, domains, c = charts.scheme_weights_tables(current, initial)
    row = board.row_of(out)
    size = (kit.panel_width(len(schemes)), height)
    for scheme in schemes:
        board.send_chart_once(
            charts.scheme_weights, tables[scheme], row, size, scheme=scheme,
            domain=domains[scheme], c=c,
        )  # fmt: skip
