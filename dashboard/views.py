"""The dashboard's views: each one draws one tab from a run's tidy tables and a chart builder.

A view has two parts: ``options()`` draws its own widgets (once per script run) and
``draw(result, epoch, opts)`` draws only charts and text, so it can be redrawn many times
while training runs. No maths here: tables come from ``initdash``, charts from ``charts``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import initdash
from dashboard import charts
from initdash import Result

WIDE = "stretch"
DATASET = "table"  # chart data go as table0, table1, ... (see _chart)
CURVE_POINTS = 200  # epochs per curve sent to the browser (the chart is ~700 px wide)
MAX_WEIGHT_LAYERS = 4


def look_for(text: str, out=st) -> None:
    out.caption(f"**What to look for.** {text}")


def _labels(result: Result) -> list[str]:
    return [initdash.SCHEMES[s].label for s in result.schemes]


def _chart(chart, out=st) -> None:
    out.vega_lite_chart(chart_spec(chart), width=WIDE)


def chart_spec(chart) -> dict:
    """The Vega-Lite spec sent for an Altair chart, its tables (DataFrames) under fixed names.

    st.altair_chart names each table by a hash of its bytes, so the spec changes whenever the
    data do and the browser builds a new Vega view on every redraw. Here the tables are
    called table0, table1, ... in the order they appear, so a chart redrawn with new numbers
    keeps the same spec and the browser only swaps the data into the view it already has
    (the app replaces elements in place: see streamlit_app.Board). The spec is not validated
    again here: tests/test_charts.py validates every builder's output against Vega-Lite.
    """
    frames: list[tuple[Any, pd.DataFrame]] = []
    _collect_frames(chart, frames)
    datasets: dict[str, pd.DataFrame] = {}
    names: dict[int, str] = {}  # a table used by several parts is sent once
    try:
        for part, df in frames:
            name = names.setdefault(id(df), f"{DATASET}{len(names)}")
            part.data = alt.NamedData(name=name)
            datasets[name] = df
        spec = chart.to_dict(validate=False)
    finally:
        for part, df in frames:
            part.data = df
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):  # Altair's default theme (Streamlit
        view.pop(key, None)  # turns it off too)
    spec["datasets"] = datasets
    return spec


def _collect_frames(chart, found: list) -> None:
    """Every (chart part, DataFrame) in the chart's tree, top level first."""
    data = getattr(chart, "data", None)
    if isinstance(data, pd.DataFrame):
        found.append((chart, data))
    for key in ("layer", "hconcat", "vconcat", "concat"):
        parts = getattr(chart, key, None)
        if isinstance(parts, list):
            for part in parts:
                _collect_frames(part, found)
    inner = getattr(chart, "spec", None)
    if isinstance(inner, alt.SchemaBase):  # a facet's inner chart
        _collect_frames(inner, found)


# ---------------------------------------------------------------------- curves
def curves_options() -> dict:
    c1, c2 = st.columns(2)
    metric = c1.segmented_control(
        "Show",
        ["loss", "accuracy"],
        default="loss",
        key="o_metric",
        help="cross-entropy loss or share of correct predictions",
    )
    log = c2.toggle("Log scale", value=True, key="o_log", help="loss on a logarithmic axis")
    return {"metric": metric or "loss", "log": log}


def curves_chart(curves: pd.DataFrame, epochs: int, opts: dict):
    return charts.loss_curves(
        curves,
        metric=opts["metric"],
        log_scale=opts["log"] and opts["metric"] == "loss",
        epochs=epochs,
    )


def curves_draw(result: Result, epoch: int | None, opts: dict, out=st) -> None:
    curves = result.curves_table(max_points=CURVE_POINTS)
    _chart(curves_chart(curves, result.config.epochs, opts), out=out)
    look_for(
        "Solid lines are the training set, dashed the held-out test set. A flat line at "
        "ln 2 = 0.693 (for 2 classes) means the network predicts 50/50: it has learned nothing. "
        "Zeros stays there; tiny random weights sit on that plateau before they take off; huge "
        "weights start with a huge loss. With repeats over seeds the band shows the spread.",
        out=out,
    )


def curves_preview(curves: pd.DataFrame, epochs: int, opts: dict, out=st) -> None:
    """Before training: the same chart with epoch 0 only (``initdash.initial_curves``), so
    each scheme's dot shows the loss (or accuracy) of its first weights."""
    _chart(curves_chart(curves, epochs, opts), out=out)
    out.caption(
        "**Before training.** Each dot is where a scheme starts: its "
        f"{opts['metric']} on its first weights, before any update. Press **▶ Train** to "
        "watch the curves grow from here."
    )


# ---------------------------------------------------------------------- weights
def weights_options(result: Result | None) -> dict:
    n = len(result.dims) - 1 if result is not None else 3
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
    return {"layers": chosen or default}


def weights_draw(result: Result, epoch: int | None, opts: dict, out=st) -> None:
    layers = [i for i in opts["layers"] if i <= len(result.dims) - 1]
    current = result.weights_table(epoch, layers=layers)
    initial = result.weights_table(0, layers=layers)
    _chart(charts.weight_histograms(current, initial, dims=result.dims), out=out)
    look_for(
        "Each panel is a histogram of one layer's weights for one scheme, on shared bins so "
        "schemes compare (the axis is symmetric-log: tiny and huge weights both show). Zeros "
        "and Constant are a single spike. Random small is a narrow spike near 0, Random large "
        "spreads over tens. Xavier and He are scaled to the layer's fan-in/fan-out.",
        out=out,
    )


# ---------------------------------------------------------------------- clones
def clones_options(result: Result | None) -> dict:
    H = len(result.dims) - 2 if result is not None else 1
    if H < 1:
        return {"layer": None}
    layer = st.select_slider(
        "Hidden layer for the similarity map",
        list(range(1, H + 1)),
        value=1,
        key="o_simlayer",
        help="which hidden layer's neuron-by-neuron similarity to show",
    )
    return {"layer": layer}


def clones_draw(result: Result, epoch: int | None, opts: dict, out=st) -> None:
    if opts["layer"] is None:
        out.info("This network has no hidden layer, so there are no neurons to compare.")
        return
    _chart(charts.divergence_over_time(result.divergence_table()), out=out)
    i = result.detail_index(epoch)
    shown = result.detail_epochs[i]
    lt = result.layer_table(shown)
    row = lt[(lt.layer == opts["layer"]) & (lt.repeat == 0)]
    distinct = dict(zip(row.scheme, row.distinct_neurons, strict=True))
    width = result.dims[opts["layer"]]
    k = min(width, initdash.metrics.SIMILARITY_NEURONS)
    out.markdown(
        f"Neuron similarity in hidden layer **{opts['layer']}** at epoch **{shown}** "
        f"({'all' if k == width else f'first {k} of'} {width} neurons; 1 = identical outputs)"
    )
    _chart(
        charts.similarity_heatmaps(result.similarity_table(shown, opts["layer"]), distinct), out=out
    )
    look_for(
        "Per-neuron output divergence is the RMS distance between two neurons' outputs on the "
        "same inputs, averaged over all pairs: exactly 0 means every neuron of the layer is a "
        "clone. Zeros and Constant stay at 0 forever (one solid block in the heatmap, 1 "
        "distinct neuron): the symmetry problem. Random schemes start apart and stay apart.",
        out=out,
    )


# ---------------------------------------------------------------------- signal flow
SIGNAL_MEASURES = {
    "act_std": "activation spread (std)",
    "saturated_fraction": "saturated units (tanh/sigmoid)",
    "dead_fraction": "dead units (ReLU)",
    "backprop_signal": "backprop signal |dL/dz|",
    "grad_norm": "weight-gradient norm |dL/dW|",
}


def signal_options(result: Result | None) -> dict:
    m = st.segmented_control(
        "Measure",
        list(SIGNAL_MEASURES),
        default="act_std",
        format_func=SIGNAL_MEASURES.get,
        key="o_signal",
        help="what to plot against depth",
    )
    return {"measure": m or "act_std"}


def signal_draw(result: Result, epoch: int | None, opts: dict, out=st) -> None:
    i = result.detail_index(epoch)
    shown = result.detail_epochs[i]
    out.markdown(f"Signal flow through the layers at epoch **{shown}**")
    lt = result.layer_table(shown)
    lt = lt[lt.repeat == 0]
    _chart(charts.signal_flow(lt, measure=opts["measure"]), out=out)
    look_for(
        "Read it left to right for the forward pass (activations) and right to left for the "
        "backward pass (gradients). A line that falls by orders of magnitude is a vanishing "
        "signal; one that climbs is exploding. Saturated tanh/sigmoid units have a slope near "
        "0, so gradients die there; dead ReLUs output 0 for every input. Scrub to epoch 0 to "
        "see where each scheme starts.",
        out=out,
    )


# ---------------------------------------------------------------------- boundary
def boundary_draw(result: Result, epoch: int | None, opts: dict, out=st) -> None:
    if result.grid is None:
        out.info(
            "Decision boundaries need 2-D data; this dataset has "
            f"{result.data.n_features} features."
        )
        return
    i = result.detail_index(epoch)
    shown = result.detail_epochs[i]
    _chart(
        charts.decision_boundaries(
            result.boundary_table(shown),
            result.points_table(),
            title=f"Decision boundaries at epoch {shown} (first seed of each scheme)",
        ),
        out=out,
    )
    look_for(
        "The background is the network's prediction over the plane; points are the data "
        "(hollow: test set). Zeros can only draw what a single neuron can: at best a straight "
        "line, usually nothing. A scheme that breaks symmetry bends the boundary around the "
        "data.",
        out=out,
    )


# ---------------------------------------------------------------------- TL;DR
def _yes_no(v: bool) -> str:
    return "✅ Yes" if v else "❌ No"


GRADIENT_TEXT = {
    "vanishing": "⚠️ Yes: vanishing",
    "exploding": "⚠️ Yes: exploding",
    "healthy": "✅ No",
    "blocked": "No: blocked (zero weights pass no gradient)",
}
OUTCOME_TEXT = {
    "all neurons same": "All neurons same",
    "diverged": "Diverged",
    "no learning": "No learning",
    "unstable": "Unstable training",
    "slow start": "Stable training, slow start",
    "stable": "Stable training",
}


def tldr_table(result: Result) -> pd.DataFrame:
    s = result.summary()
    out = pd.DataFrame(
        {
            "Initialization": s["label"],
            "Symmetry broken?": [_yes_no(v) for v in s["symmetry_broken"]],
            "Risk of vanishing/exploding gradient": s["gradient"].map(GRADIENT_TEXT),
            "Learning outcome": [
                OUTCOME_TEXT[o] + (f" (epoch {e})" if o == "diverged" else "")
                for o, e in zip(s["outcome"], s["diverged_epoch"], strict=True)
            ],
            "distinct neurons (fewest in a layer)": s["distinct_neurons"],
            "saturated at init": s["saturated_at_init"],
            "backprop signal, layer 1 / output": s["signal_ratio_at_init"],
            "loss at init": s["initial_loss"],
            "final train loss": s["train_loss"],
            "final test accuracy": s["test_accuracy"],
        }
    )
    return out


def tldr_draw(result: Result, epoch: int | None, opts: dict, out=st) -> None:
    note = "" if result.finished else " (so far: training is still running)"
    out.markdown(f"**TL;DR**, computed from this run{note}")
    out.dataframe(
        tldr_table(result),
        hide_index=True,
        width=WIDE,
        column_config={
            "saturated at init": st.column_config.NumberColumn(format="percent"),
            "backprop signal, layer 1 / output": st.column_config.NumberColumn(format="%.2g"),
            "loss at init": st.column_config.NumberColumn(format="%.3g"),
            "final train loss": st.column_config.NumberColumn(format="%.3g"),
            "final test accuracy": st.column_config.NumberColumn(format="percent"),
        },
    )
    look_for(
        "Nothing here is typed in: symmetry comes from counting distinct neurons at the end, "
        "the gradient risk from saturation and from how much backprop signal reaches the first "
        "layer at epoch 0 (under 1/1000 of the output's: vanishing; over 100x: exploding), the "
        "outcome from the loss curve (spikes: unstable; a long plateau: slow start). "
        "Thresholds are in initdash/verdicts.py.",
        out=out,
    )


# ---------------------------------------------------------------------- deep-signal lab
DEEP_WIDTHS = (32, 64, 128, 256)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _propagate(
    schemes: tuple[str, ...],
    activation: str,
    depth: int,
    width: int,
    seed: int,
    small: float,
    large: float,
    const: float,
) -> pd.DataFrame:
    return initdash.propagate(
        schemes,
        activation=activation,
        depth=depth,
        width=width,
        n_samples=256,
        seed=seed,
        small_scale=small,
        large_scale=large,
        constant_value=const,
        dtype="float32",
    )


def deep_options(config) -> dict:
    c1, c2, c3 = st.columns(3)
    act = c1.selectbox(
        "Activation",
        list(initdash.ACTIVATIONS),
        key="o_deep_act",
        index=list(initdash.ACTIVATIONS).index(config.activation),
        format_func=lambda k: initdash.ACTIVATIONS[k].label,
        help="nonlinearity of every layer of the deep net",
    )
    depth = c2.slider("Depth", 1, 50, 20, key="o_deep_depth", help="hidden layers, up to 50")
    width = c3.select_slider(
        "Width", DEEP_WIDTHS, value=128, key="o_deep_width", help="units per layer"
    )
    m = st.segmented_control(
        "Measure",
        list(SIGNAL_MEASURES),
        default="act_std",
        format_func=SIGNAL_MEASURES.get,
        key="o_deep_measure",
    )
    return {"activation": act, "depth": depth, "width": width, "measure": m or "act_std"}


def deep_draw(config, opts: dict) -> None:
    df = _propagate(
        config.schemes,
        opts["activation"],
        opts["depth"],
        opts["width"],
        config.seed,
        config.small_scale,
        config.large_scale,
        config.constant_value,
    )
    st.markdown(
        f"One batch of 256 N(0,1) inputs through **{opts['depth']}** layers of "
        f"**{opts['width']}** {initdash.ACTIVATIONS[opts['activation']].label} units, "
        "at initialization (no training)"
    )
    _chart(charts.signal_flow(df, measure=opts["measure"]))
    look_for(
        "The classic experiment: with weights x0.01 the activations shrink towards 0 layer by "
        "layer; with N(0,1) weights (set the large scale to 1) tanh saturates at +-1; Xavier "
        "keeps tanh alive for many layers; with ReLU only He holds the spread steady, since "
        "ReLU zeroes half of the signal at every layer."
    )


# ---------------------------------------------------------------------- theory
def theory_draw(schemes: tuple[str, ...]) -> None:
    st.markdown(
        "A layer computes $z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$, $a^{[l]} = g(z^{[l]})$ "
        "with $W^{[l]}$ of shape $(n_l, n_{l-1})$. If each weight has variance $\\sigma^2$, "
        "then $\\operatorname{Var}(z^{[l]}) \\approx n_{l-1}\\,\\sigma^2\\,"
        "\\operatorname{Var}(a^{[l-1]})$: the fan-in decides whether the signal grows, "
        "shrinks or holds. Xavier picks $\\sigma^2$ so the forward and backward passes both "
        "hold for tanh; He doubles it because ReLU zeroes half the signal."
    )
    for name in initdash.SCHEMES:
        s = initdash.SCHEMES[name]
        with st.container(border=True):
            c1, c2 = st.columns([2, 3])
            mark = " (in this run)" if name in schemes else ""
            c1.markdown(f"**{s.label}**{mark}  \nsuits: {s.suits}")
            c1.caption(s.summary)
            c2.latex(s.latex)


# ---------------------------------------------------------------------- registry
@dataclass(frozen=True)
class View:
    name: str
    label: str
    options: Callable[..., dict] | None
    draw: Callable[[Result, int | None, dict], None] | None
    uses_epoch: bool = True  # offers the epoch scrubber


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("curves", "📉 Loss & accuracy", lambda r, c: curves_options(), curves_draw, False),
        View("weights", "📊 Weights", lambda r, c: weights_options(r), weights_draw),
        View("clones", "👯 Neuron clones", lambda r, c: clones_options(r), clones_draw),
        View("signal", "📶 Signal flow", lambda r, c: signal_options(r), signal_draw),
        View("boundary", "🗺️ Decision boundary", None, boundary_draw),
        View("tldr", "🧾 TL;DR table", None, tldr_draw, False),
        View("deep", "🔬 Deep-signal lab", None, None),
        View("theory", "📚 Theory", None, None),
    )
}
if tuple(VIEWS) != initdash.presets.VIEWS:  # one list of views: the presets' and links'
    raise RuntimeError("dashboard views and initdash.presets.VIEWS disagree")


def headline(result: Result) -> None:
    """One card per scheme: test accuracy, final loss, neuron divergence, diverged?"""
    s = result.summary()
    n = len(s)
    per_row = min(n, 6)
    for start in range(0, n, per_row):
        cols = st.columns(per_row)
        for col, (_, row) in zip(cols, s.iloc[start : start + per_row].iterrows(), strict=False):
            color = charts.SCHEME_COLORS[row["scheme"]]
            status = (
                f"💥 diverged at epoch {row['diverged_epoch']}"
                if row["diverged"]
                else ("👯 clones" if not row["symmetry_broken"] else "")
            )
            with col.container(border=True):
                st.markdown(
                    f"<span style='color:{color};font-size:1.2em'>■</span> "
                    f"**{row['label']}**  \n"
                    f"test accuracy **{_pct(row['test_accuracy'])}**  \n"
                    f"loss **{_num(row['train_loss'])}**  \n"
                    f"divergence **{_num(row['divergence'])}**"
                    + (f"  \n{status}" if status else ""),
                    unsafe_allow_html=True,
                )


def history_csv(result: Result) -> str:
    """The metrics history as downloaded: every scheme, repeat, split and epoch."""
    return result.history().to_csv(index=False)


def summary_csv(result: Result) -> str:
    """The summary as downloaded: final figures and the TL;DR verdicts per scheme."""
    return result.summary().to_csv(index=False)


def config_json(config) -> str:
    """The config as downloaded: every field, JSON."""
    return json.dumps(config.to_dict(), indent=2)


def _pct(v: Any) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{100 * v:.0f}%"


def _num(v: Any) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.3g}"
