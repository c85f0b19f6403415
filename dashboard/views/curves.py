"""The overview (everything at once, live) and the loss & accuracy view.

Charts: curves_charts (the loss curves), with the clones and weights rooms' builders for the
overview's divergence chart and histograms.
"""

from __future__ import annotations

import streamlit as st

from dashboard import board, live
from dashboard.views import clones_charts, kit, legends, weights
from dashboard.views import curves_charts as charts
from dashboard.views.base import ViewInput, hidden_layer, look_for, shown_epoch
from initdash import SCHEMES

CURVE_POINTS = 200  # epochs per curve sent to the browser (the chart is ~700 px wide)
OVERVIEW_HEIGHT = 340  # px, the whole chart: the overview and the Train button fit a 900 px screen
LINE_KEY = [(legends.swatch(kit.TEXT_COLORS["text"], "solid"), "training set"),
            (legends.swatch(kit.TEXT_COLORS["text"], "dashed"), "test set")]  # fmt: skip


def overview_options(inp: ViewInput) -> dict:
    """A hidden layer to show (asked only when there are several), and the weights' axis."""
    layer = hidden_layer(inp, "Hidden layer (its weights and neurons)", "o_overview_layer")
    linear = weights.linear_toggle() if inp.result is not None else False
    return {"metric": "loss", "log": True, "layer": layer, "linear": linear}


def overview_draw(inp: ViewInput, opts: dict, out=st) -> None:
    """Everything at once, for every scheme, live: the loss curves, whether the neurons of a
    layer differ, and how far that layer's weights have moved from their start."""
    result, layer = inp.result, opts["layer"]
    schemes = result.schemes if result is not None else inp.config.schemes if inp.config else ()
    # one legend for both charts (each is too narrow for its own beside a phone's plot)
    key = [(legends.swatch(kit.SCHEME_COLORS[s]), SCHEMES[s].label) for s in schemes]
    out.html(legends.legend_html(LINE_KEY + key))
    left, right = out.columns([3, 2])
    if not send_curves(inp, opts, left, compact=True):
        return
    if result is None:
        right.info(
            "Press **Train**: here the neurons of each scheme are compared (exactly 0 = "
            "clones), and below, the weights move from where they start."
        )
        return
    if len(result.dims) < 3:
        right.info("This network has no hidden layer, so there are no neurons to compare.")
    else:
        div = result.divergence_table()
        table, facts = clones_charts.divergence_table(div[div["layer"] == layer])
        kw = dict(legend=False, panel_width=280, panel_height=OVERVIEW_HEIGHT - 150)
        board.send_chart_once(clones_charts.divergence_chart, table, right, **facts, **kw)
    # the caption under the first row (its figure caption), so the loss chart comes first
    look_for(
        "Left: the training loss of every scheme (solid: training set, dashed: test set). "
        "Right: do the neurons of the layer differ? Exactly 0 means clones (Zeros, "
        "Constant); about 1, as different as unrelated neurons. Below: the layer's weights "
        "now (bars) against where they started (grey outline). The cards above say what "
        "each run measured; the other tabs show each part in detail.",
        out=out,
    )
    shown = shown_epoch(inp)
    out.markdown(
        f"**Layer {layer}'s weights at epoch {shown}** (bars; grey outline: at initialization; "
        f"{weights.axis_words(opts.get('linear', False))})"
    )
    linear = opts.get("linear", False)
    current = result.weights_table(shown, layers=[layer], linear=linear)
    initial = result.weights_table(0, layers=[layer], linear=linear)
    weights.histograms(result.schemes, current, initial, out)


def curves_options(inp: ViewInput) -> dict:
    c1, c2 = st.columns(2)
    if st.session_state.get("o_metric") not in ("loss", "accuracy"):  # a step may set it
        st.session_state["o_metric"] = "loss"
    metric = c1.segmented_control(
        "Show",
        ["loss", "accuracy"],
        key="o_metric",
        help="cross-entropy loss or share of correct predictions",
    )
    log = c2.toggle("Log scale", value=True, key="o_log", help="loss on a logarithmic axis")
    return {"metric": metric or "loss", "log": log}


def send_curves(inp: ViewInput, opts: dict, out, compact: bool = False) -> bool:
    """The loss (or accuracy) chart of the run shown, or before the first Train, of each
    scheme's first weights (epoch 0 only: pressing Train fills in the same chart). False, with
    a hint, when no scheme is chosen."""
    if inp.result is not None:
        curves = inp.result.curves_table(max_points=CURVE_POINTS)
        epochs = inp.result.config.epochs
    elif inp.config is not None:
        curves = live.initial_curves(inp.config, inp.data, inp.data_key)
        epochs = inp.config.epochs
    else:
        out.info("Choose at least one scheme in the sidebar.")
        return False
    table, facts = charts.loss_curves_table(
        curves, metric=opts["metric"], log_scale=opts["log"] and opts["metric"] == "loss"
    )
    # compact (the overview): no legend of its own, the overview's legend is above it
    kw = dict(height=OVERVIEW_HEIGHT if compact else 400, legend=not compact, epochs=epochs)
    board.send_chart_once(charts.loss_chart, table, out, **facts, **kw)
    return True


def curves_draw(inp: ViewInput, opts: dict, out=st) -> None:
    if inp.result is None and inp.config is not None:
        out.caption(
            "**Before training.** Each dot is where a scheme starts: its "
            f"{opts['metric']} on its first weights, before any update. Press **Train** to "
            "watch the curves grow from here."
        )
    elif inp.result is not None:
        look_for(
            "Solid lines are the training set, dashed the held-out test set. A flat line at "
            "ln 2 = 0.693 (for 2 classes) means the network predicts 50/50: it has learned "
            "nothing. Zeros stays there; tiny random weights start on that plateau and, in "
            "deeper nets, can stay on it for long; huge weights start with a huge loss. With "
            "repeats over seeds the band shows the spread.",
            out=out,
        )
    send_curves(inp, opts, out)
