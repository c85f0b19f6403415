"""The dashboard's views: each one draws one tab from a run's tidy tables and a chart builder.

``VIEWS`` (at the end) is the only list of views. A view has a name (used in links and
presets), a tab label, ``options(page)``, which draws its own widgets once per script run and
returns their values, ``draw(page, opts, out)``, which draws only charts and text into ``out``
(a Board: see dashboard.page), so it can be redrawn while a run trains, and a few flags (see
``View``). No maths here: tables come from ``initdash``, charts from ``dashboard.charts``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import initdash
from dashboard import charts, live, state
from initdash import Data, Result, TrainConfig

WIDE = "stretch"
DATASET = "table"  # chart data go as table0, table1, ... (see _chart)
CURVE_POINTS = 200  # epochs per curve sent to the browser (the chart is ~700 px wide)
MAX_WEIGHT_LAYERS = 4
OVERVIEW_HEIGHT = 340  # px, the whole chart: the overview and the Train button fit a 900 px screen


@dataclass(frozen=True)
class Page:
    """What a view draws from: the settings on the page now and the run shown (if any)."""

    config: TrainConfig | None  # what the sidebar describes (None: not a valid config)
    data: Data | None = None  # the user's uploaded data (None: the config's generated data)
    data_key: str = "generated"
    result: Result | None = None  # the run shown (None before the first Train)
    epoch: int | None = None  # the epoch picked with the scrubber (None: the latest)


def look_for(text: str, out=st) -> None:
    """The view's caption (``text``'s line breaks and indents read as single spaces)."""
    out.caption(f"**What to look for.** {' '.join(text.split())}")


def _chart(chart, out=st) -> None:
    out.vega_lite_chart(chart_spec(chart), width=WIDE)


_TEMPLATES: dict[tuple, dict] = {}  # (builder, params) -> spec without its data: _chart_once


def _chart_once(build: Callable[..., Any], table: pd.DataFrame, out=st, **params) -> None:
    """Send the chart ``build(table, **params)`` (charts.loss_chart, divergence_chart,
    scheme_weights) with its spec made once per ``build`` and ``params``, the new table swapped
    in: building an Altair chart costs ~20 ms of server CPU; the overview's 5 histograms took 95
    of a 130 ms redraw (bench/payload.py), now ~10."""
    key = (build.__name__, *sorted(params.items()))
    spec = _TEMPLATES.get(key)
    if spec is None:
        if len(_TEMPLATES) > 256:
            _TEMPLATES.clear()
        chart = build(table, **params)
        spec = _TEMPLATES[key] = {k: v for k, v in chart_spec(chart).items() if k != "datasets"}
    out.vega_lite_chart({**spec, "datasets": {f"{DATASET}0": table}}, width=WIDE)


def chart_spec(chart) -> dict:
    """The Vega-Lite spec sent for an Altair chart, its tables (DataFrames) under fixed names,
    table0, table1, ... in the order they appear (st.altair_chart names them by a hash of their
    bytes): a chart redrawn with new numbers keeps its spec, and the browser only swaps the
    data into the Vega view it already has. Not validated again (tests/test_charts.py does).
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


# ---------------------------------------------------------------------- overview
def hidden_layer(page: Page, label: str, key: str, most: int | None = None) -> int:
    """A hidden layer to show (of the first ``most``), asked only when there are several (1
    otherwise)."""
    if page.result is not None:
        H = len(page.result.dims) - 2
    else:
        H = len(page.config.hidden) if page.config is not None else 0
    H = H if most is None else min(H, most)
    if H < 2:
        return 1
    layer = st.segmented_control(
        label, list(range(1, H + 1)), default=1, key=key, format_func=lambda i: f"layer {i}"
    )
    return layer if layer in range(1, H + 1) else 1  # None when the user unselects it


def shown_epoch(page: Page) -> int:
    """The recorded epoch drawn: the one nearest the scrubber's (the latest by default)."""
    return page.result.detail_epochs[page.result.detail_index(page.epoch)]


def overview_options(page: Page) -> dict:
    """A hidden layer to show (asked only when there are several)."""
    layer = hidden_layer(page, "Hidden layer (its weights and neurons)", "o_overview_layer")
    return {"metric": "loss", "log": True, "layer": layer}


def overview_draw(page: Page, opts: dict, out=st) -> None:
    """Everything at once, for every scheme, live: the loss curves, whether the neurons of a
    layer differ, and how far that layer's weights have moved from their start."""
    left, right = out.columns([3, 2])
    result, layer = page.result, opts["layer"]
    if not send_curves(page, opts, left, compact=True):
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
        table, facts = charts.divergence_table(div[div["layer"] == layer])
        kw = dict(legend=False, panel_width=280, panel_height=OVERVIEW_HEIGHT - 150)
        _chart_once(charts.divergence_chart, table, right, **facts, **kw)
    shown = shown_epoch(page)
    current = result.weights_table(shown, layers=[layer])
    initial = result.weights_table(0, layers=[layer])
    out.markdown(
        f"**Layer {layer}'s weights at epoch {shown}** (bars; grey outline: at initialization; "
        "x axis symmetric-log, shared by the schemes)"
    )
    tables, domain, c = charts.scheme_weights_tables(current, initial)
    for col, scheme in zip(out.columns(len(result.schemes)), result.schemes, strict=True):
        _chart_once(charts.scheme_weights, tables[scheme], col, scheme=scheme, domain=domain, c=c)
    look_for(
        "Left: the training loss of every scheme (solid: training set, dashed: test set). "
        "Right: do the neurons of the layer differ? Exactly 0 means clones (Zeros, Constant); "
        "about 1, as different as unrelated neurons. Below: the layer's weights now (bars) "
        "against where they started (grey outline). The cards above say what each run "
        "measured; the other tabs show each part in detail.",
        out=out,
    )


# ---------------------------------------------------------------------- curves
def curves_options(page: Page) -> dict:
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


def send_curves(page: Page, opts: dict, out, compact: bool = False) -> bool:
    """The loss (or accuracy) chart of the run shown, or before the first Train, of each
    scheme's first weights (epoch 0 only: pressing Train fills in the same chart). False, with
    a hint, when no scheme is chosen."""
    if page.result is not None:
        curves = page.result.curves_table(max_points=CURVE_POINTS)
        epochs = page.result.config.epochs
    elif page.config is not None:
        curves = live.initial_curves(page.config, page.data, page.data_key)
        epochs = page.config.epochs
    else:
        out.info("Choose at least one scheme in the sidebar.")
        return False
    table, facts = charts.loss_curves_table(
        curves, metric=opts["metric"], log_scale=opts["log"] and opts["metric"] == "loss"
    )
    # compact (the overview): no legends, the cards above name each scheme's colour
    kw = dict(height=OVERVIEW_HEIGHT if compact else 400, legend=not compact, epochs=epochs)
    _chart_once(charts.loss_chart, table, out, **facts, **kw)
    return True


def curves_draw(page: Page, opts: dict, out=st) -> None:
    if not send_curves(page, opts, out):
        return
    if page.result is None:
        out.caption(
            "**Before training.** Each dot is where a scheme starts: its "
            f"{opts['metric']} on its first weights, before any update. Press **Train** to "
            "watch the curves grow from here."
        )
        return
    look_for(
        "Solid lines are the training set, dashed the held-out test set. A flat line at "
        "ln 2 = 0.693 (for 2 classes) means the network predicts 50/50: it has learned nothing. "
        "Zeros stays there; tiny random weights start on that plateau and, in deeper nets, can "
        "stay on it for long; huge weights start with a huge loss. With repeats over seeds the "
        "band shows the spread.",
        out=out,
    )


# ---------------------------------------------------------------------- weights
def weights_options(page: Page) -> dict:
    n = len(page.result.dims) - 1 if page.result is not None else 3
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


def weights_draw(page: Page, opts: dict, out=st) -> None:
    result, epoch = page.result, page.epoch
    layers = [i for i in opts["layers"] if i <= len(result.dims) - 1]
    current = result.weights_table(epoch, layers=layers)
    initial = result.weights_table(0, layers=layers)
    _chart(charts.weight_histograms(current, initial, dims=result.dims), out=out)
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


# ---------------------------------------------------------------------- clones
def clones_options(page: Page) -> dict:
    return {"layer": hidden_layer(page, "Hidden layer for the similarity map", "o_simlayer")}


def clones_draw(page: Page, opts: dict, out=st) -> None:
    result = page.result
    if len(result.dims) < 3:
        out.info("This network has no hidden layer, so there are no neurons to compare.")
        return
    table, facts = charts.divergence_table(result.divergence_table())
    _chart_once(charts.divergence_chart, table, out, **facts)
    shown = shown_epoch(page)
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
        charts.similarity_heatmaps(
            result.similarity_table(shown, opts["layer"]), distinct, width=width
        ),
        out=out,
    )
    look_for(
        "Per-neuron output divergence is the RMS distance between two neurons' outputs on the "
        "same inputs, averaged over all pairs and divided by sqrt(2) x the spread of the "
        "layer's outputs: exactly 0 means every neuron of the layer is a clone, about 1 means "
        "they are as different as unrelated neurons, however small the outputs are. Zeros "
        "and Constant stay at 0 forever (one solid block in the heatmap, 1 distinct neuron): "
        "the symmetry problem. Dead ReLUs (off for every input) and units stuck at the ends "
        "of tanh or sigmoid are counted apart from the distinct ones.",
        out=out,
    )


# ---------------------------------------------------------------------- neurons
def neurons_options(page: Page) -> dict:
    label = "Hidden layer (what its neurons compute)"
    return {"layer": hidden_layer(page, label, "o_neuron_layer", most=initdash.neurons.LAYERS)}


def neurons_draw(page: Page, opts: dict, out=st) -> None:
    result = page.result
    if len(result.dims) < 3:
        out.info("This network has no hidden layer, so there are no neurons to draw.")
        return
    shown = shown_epoch(page)
    H, width = len(result.dims) - 2, max(result.dims[1:-1])
    notes = []
    if H > initdash.neurons.LAYERS:
        notes.append(f"the first {initdash.neurons.LAYERS} of {H} hidden layers")
    if width > initdash.neurons.NEURONS:
        notes.append(f"at most the first {initdash.neurons.NEURONS} neurons of each layer")
    if result.data.n_features > initdash.neurons.INPUTS:
        notes.append(f"the first {initdash.neurons.INPUTS} of {result.data.n_features} inputs")
    maps = initdash.neurons.maps_table(result, shown, opts["layer"])
    nodes, links = initdash.neurons.network_table(result, shown)
    out.markdown(f"The networks at epoch **{shown}** (first seed of each scheme)")
    _chart(charts.network_diagram(nodes, links, notes=notes), out=out)
    _chart(charts.neuron_maps(maps, kind=result.thumbnails.kind), out=out)
    look_for(
        "Top: each network drawn, inputs on the left; a link's colour is its weight's sign and "
        "its width its size, a node's colour its mean output (blue below 0, orange above). "
        "Zeros and Constant fan identical links into identical nodes: clones. Below: every "
        "neuron of the chosen layer as a picture of its output over the input plane "
        "(TensorFlow Playground draws these inside its neurons); a row of identical pictures "
        "is a layer of clones, and random initializations give every neuron a picture of its "
        "own." + bn_note(result, BN_EVALUATION),
        out=out,
    )


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


# ---------------------------------------------------------------------- signal flow
SIGNAL_MEASURES = {
    "act_std": "activation spread (std)",
    "saturated_fraction": "saturated units (tanh/sigmoid)",
    "dead_fraction": "dead units (ReLU)",
    "backprop_signal": "backprop signal |dL/dz|",
    "grad_norm": "weight-gradient norm |dL/dW|",
}


def measure_control(key: str, help: str | None = None) -> str:
    """The per-layer measure to plot (the signal-flow tab and the deep-signal lab)."""
    m = st.segmented_control(
        "Measure",
        list(SIGNAL_MEASURES),
        default="act_std",
        format_func=SIGNAL_MEASURES.get,
        key=key,
        help=help,
    )
    return m or "act_std"


def signal_options(page: Page) -> dict:
    return {"measure": measure_control("o_signal", help="what to plot against depth")}


def signal_draw(page: Page, opts: dict, out=st) -> None:
    result, shown = page.result, shown_epoch(page)
    out.markdown(f"Signal flow through the layers at epoch **{shown}**")
    _chart(charts.signal_flow(result.layer_table(shown), measure=opts["measure"]), out=out)
    look_for(
        "Read it left to right for the forward pass (activations) and right to left for the "
        "backward pass (gradients). A line that falls by orders of magnitude is a vanishing "
        "signal; one that climbs is exploding. Saturated tanh/sigmoid units have a slope near "
        "0, so gradients die there; dead ReLUs output 0 for every input. Scrub to epoch 0 to "
        "see where each scheme starts." + bn_note(result, BN_SIGNAL),
        out=out,
    )


# ---------------------------------------------------------------------- activations over training
def activations_options(page: Page) -> dict:
    layer = hidden_layer(page, "Hidden layer", "o_act_layer")
    bands = st.toggle(
        "Percentile bands (Glorot & Bengio)",
        key="o_act_bands",
        help="instead of the whole distribution at every recorded epoch (the heatmap), its "
        "median and the band from its 2nd to its 98th percentile",
    )
    return {"layer": layer, "bands": bands}


def activations_draw(page: Page, opts: dict, out=st) -> None:
    result, layer = page.result, opts["layer"]
    if len(result.dims) < 3:
        out.info("This network has no hidden layer, so there are no activations to show.")
        return
    # the outputs' range if bounded, else symmetric-log (as initdash.metrics.activation_edges)
    bounded = initdash.metrics.ACT_RANGES.get(result.config.activation)
    axis = charts.ValueAxis(bounded, None if bounded else initdash.metrics.ACT_SYMLOG_C)
    if opts["bands"]:
        pct = result.activation_percentiles()
        chart = charts.activation_bands(pct, layer=layer, axis=axis)
    else:
        chart = charts.activation_heatmaps(result.activation_table(layer), layer=layer, axis=axis)
    _chart(chart, out=out)
    look_for(
        """
        Each column is a recorded epoch and shows where the layer's outputs on the probe batch lie
        (bright: many). Saturation is a bright band at the ends of tanh's range (-1 and +1) or
        sigmoid's (0 and 1); a collapse, one bright band at 0. The percentile bands show Glorot
        & Bengio's view: the median and the band holding the middle 96% of the outputs. On the first
        page's setting (16 tanh units): Zeros' outputs are exactly 0 at every epoch; Random large
        starts with over 80% of its outputs in the two end bins and keeps its 2nd and 98th
        percentiles at -1 and +1 to the end; Random small starts collapsed (its middle 96% within
        +-0.05) and has spread out by epoch 40 (98th percentile above 0.5); Xavier starts spread
        over about +-0.8, under 1% of its outputs saturated; by the last epoch, training has pushed
        some of Xavier's and He's outputs to within 0.01 of -1 and +1.
        """,
        out=out,
    )


# ---------------------------------------------------------------------- gradients at init
def gradients_draw(page: Page, opts: dict, out=st) -> None:
    result = page.result
    _chart(charts.gradient_bands(result.gradient_table(0)), out=out)
    look_for(
        """
        Glorot & Bengio's Figures 7 and 8, measured at epoch 0 on the probe batch: for each layer
        (the last is the output), the back-propagated gradient |dL/dz| of one example (solid) and
        the weight gradients |dL/dW| (dashed); line: the median, band: the 2nd to the 98th
        percentile. On its way back, |dL/dz| is multiplied at every layer by the weights and the
        activation's slope; a weight gradient is |dL/dz| times the layer's input, which the forward
        pass has scaled the other way. So in preset 2 (5 tanh layers of 32), Random small's median
        |dL/dz| shrinks over 10-fold per layer toward layer 1 (which gets under 1/10,000 of layer
        5's), yet its median weight gradients in layers 2 to 5 stay within a factor of 3 of each
        other: equally tiny (under 1e-7) everywhere. Xavier's median |dL/dz| stays within a factor
        of 2 over layers 1 to 5, its weight gradients within a factor of 3 over layers 2 to 5.
        Random large saturates: the median |dL/dz| of every hidden layer is exactly 0.
        """,
        out=out,
    )


# ---------------------------------------------------------------------- update ratio
def updates_draw(page: Page, opts: dict, out=st) -> None:
    _chart(charts.update_ratios(page.result.update_table()), out=out)
    look_for(
        """
        Karpathy's check of the learning rate: per layer, the size of the step the optimizer takes
        (SGD, momentum or Adam, as applied, at the first step of each recorded epoch) over the size
        of the weights, log10(std of the update / std of the weights). About -3 (dashed) is his rule
        of thumb; far above, the weights are rewritten fast, far below they barely move. On the
        first page (SGD, step 0.5), Random small, Xavier and He move about 1/100 of their weights'
        spread per step (median over the epochs and layers between -2.5 and -1.5), and Random large,
        whose weights are 10 times wider, has the lowest median; Zeros has no line (all its weights
        are 0: the ratio is undefined). Set the learning rate to 0.05 and every median drops by 0.6
        to 1.2 (about tenfold).
        """,
        out=out,
    )


# ---------------------------------------------------------------------- boundary
def boundary_draw(page: Page, opts: dict, out=st) -> None:
    result = page.result
    if result.grid is None:
        out.info(
            "Decision boundaries need 2-D data; this dataset has "
            f"{result.data.n_features} features."
        )
        return
    shown = shown_epoch(page)
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
        "data." + bn_note(result, BN_EVALUATION),
        out=out,
    )


# ---------------------------------------------------------------------- TL;DR
# Each cell is a word and the number it came from (both from the same measurement, the
# verdict row of Result.summary(); the rules and thresholds are in initdash/verdicts.py).
def _times(ratio: float) -> str:
    return "x" + _num(ratio) if np.isfinite(ratio) else "overflow"


def symmetry_text(row) -> str:
    neurons = neurons_text(row)
    if not row["symmetry_broken"]:
        return f"No: identical weights ({neurons})"
    return f"Yes ({neurons})"


def neurons_text(row) -> str:
    """'k of n distinct', with the dead and stuck units counted apart."""
    if row["distinct_neurons"] < 0:  # every repeat diverged: nothing left to measure
        return f"neurons not measured (diverged at epoch {row['diverged_epoch']})"
    parts = [f"{row['distinct_neurons']} of {row['layer_width']} distinct"]
    if row["dead_neurons"] > 0:
        parts.append(f"{row['dead_neurons']} dead")
    if row["stuck_neurons"] > 0:
        parts.append(f"{row['stuck_neurons']} stuck at the ends")
    return " + ".join(parts)


def risk_text(row) -> str:
    """The lesson's "risk of vanishing gradient?" with the measurement behind it."""
    ratio = _times(row["signal_ratio_at_init"])
    sat, dead = row["saturated_at_init"], row["dead_at_init"]
    risk = row["gradient_risk"]
    if risk == "vanishing":
        return f"Yes: vanishing (layer 1 gets {ratio})"
    if risk == "exploding":
        extra = f", {_pct(sat)} saturated" if np.isfinite(sat) and sat > 0.005 else ""
        return f"Yes: exploding (layer 1 gets {ratio}{extra})"
    if risk == "saturated":
        return f"Yes: {_pct(sat)} saturated (layer 1 still gets {ratio})"
    if risk == "dead":
        return f"Yes: {_pct(dead)} dead (layer 1 gets {ratio})"
    if risk == "blocked":
        return "No: blocked (exactly 0 reaches layer 1)"
    return f"No: healthy (layer 1 gets {ratio})"


def outcome_text(row) -> str:
    o = row["outcome"]
    if o == "diverged":
        return f"Diverged (loss not finite at epoch {row['diverged_epoch']})"
    if o == "all neurons same":
        return f"All neurons same ({neurons_text(row)})"
    if o == "no learning":
        return f"No learning (lowest loss {_num(row['lowest_loss'])}, never 10% below its start)"
    if o == "unstable":
        return (
            f"Unstable training (loss back to {_num(row['relapse'])}x its lowest at epoch "
            f"{row['relapse_epoch']})"
        )
    if o == "slow start":
        return f"Stable training, slow start (10% down at epoch {row['first_cut_epoch']})"
    return f"Stable training (10% down at epoch {row['first_cut_epoch']})"


def accuracy_value(row) -> float | None:
    """The final test accuracy, or None ("-") when every prediction is a coin toss."""
    return None if row["undecided"] else row["test_accuracy"]


# The TL;DR's number columns: the summary's column shown, and its format.
TLDR_NUMBERS = {
    "backprop signal at init, layer 1 / output": ("signal_ratio_at_init", "%.2g"),
    "saturated at init": ("saturated_at_init", "percent"),
    "dead at init": ("dead_at_init", "percent"),
    "loss at init": ("initial_loss", "%.3g"),
    "final train loss": ("train_loss", "%.3g"),
    "final test loss": ("test_loss", "%.3g"),
}


def tldr_table(result: Result) -> pd.DataFrame:
    s = result.summary()
    rows = [r for _, r in s.iterrows()]
    return pd.DataFrame(
        {
            "Initialization": s["label"],
            "Symmetry broken?": [symmetry_text(r) for r in rows],
            "Learning outcome": [outcome_text(r) for r in rows],
            "Risk of vanishing/exploding gradient?": [risk_text(r) for r in rows],
            **{column: s[name] for column, (name, _) in TLDR_NUMBERS.items()},
            "final test accuracy": [accuracy_value(r) for r in rows],
        }
    )


def tldr_draw(page: Page, opts: dict, out=st) -> None:
    result = page.result
    note = "" if result.finished else " (so far: training is still running)"
    out.markdown(f"**TL;DR**, computed from this run{note}")
    formats = {column: fmt for column, (_, fmt) in TLDR_NUMBERS.items()}
    formats["final test accuracy"] = "percent"
    out.dataframe(
        tldr_table(result),
        hide_index=True,
        width=WIDE,
        column_config={c: st.column_config.NumberColumn(format=f) for c, f in formats.items()},
    )
    look_for(
        "Nothing here is typed in. **Symmetry**: whether, at the end, some layer's neurons "
        "still have bit-identical weights (the distinct count compares their outputs; dead "
        "and stuck units are counted apart). **Risk**: the backprop signal reaching layer 1 "
        "at epoch 0, as a multiple of the output layer's (under x0.001: vanishing; over x10: "
        "exploding; exactly 0: blocked), else most outputs saturated (slope under 5% of its "
        "peak) or most ReLUs dead, which pass almost nothing back. **Outcome**, from the "
        "training loss: no "
        "learning if it never got 10% below its start; unstable if it climbed back above "
        "twice its lowest; slow start if the first 10% drop took over 15% of the run. "
        "Accuracy shows - when every prediction is within 0.001 of a coin toss. Thresholds "
        "and their reasons: initdash/verdicts.py.",
        out=out,
    )


# ---------------------------------------------------------------------- deep-signal lab
DEEP_WIDTHS = (32, 64, 128, 256)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _propagate(config: TrainConfig, depth: int, width: int) -> pd.DataFrame:
    return initdash.propagate(config, depth=depth, width=width, n_samples=256, dtype="float32")


DEEP_DEPTH = 20  # the lab opens at 20 layers (a preset may set its own: Preset.deep)


def deep_options(page: Page) -> dict:
    # A preset may have put its own activation and depth in session state (Preset.deep)
    names = list(initdash.ACTIVATIONS)
    activation = page.config.activation if page.config else initdash.TrainConfig().activation
    first_act = (
        {} if state.DEEP_ACTIVATION in st.session_state else {"index": names.index(activation)}
    )
    first_depth = {} if state.DEEP_DEPTH in st.session_state else {"value": DEEP_DEPTH}
    c1, c2, c3 = st.columns(3)
    act = c1.selectbox(
        "Activation",
        names,
        key=state.DEEP_ACTIVATION,
        **first_act,
        format_func=lambda k: initdash.ACTIVATIONS[k].label,
        help="nonlinearity of every layer of the deep net",
    )
    depth = c2.slider(
        "Depth", 1, 50, key=state.DEEP_DEPTH, help="hidden layers, up to 50", **first_depth
    )
    width = c3.select_slider(
        "Width", DEEP_WIDTHS, value=128, key="o_deep_width", help="units per layer"
    )
    measure = measure_control("o_deep_measure")
    backprop = st.toggle(
        "Map: backprop signal",
        key="o_deep_map_backprop",
        help="colour the scale x depth map by the backprop signal reaching layer 1 instead "
        "of the activation spread",
    )
    return {
        "activation": act,
        "depth": depth,
        "width": width,
        "measure": measure,
        "map": "backprop" if backprop else "spread",
    }


def deep_draw(page: Page, opts: dict, out=st) -> None:
    if page.config is None:
        out.info("Choose at least one scheme in the sidebar.")
        return
    config = page.config.replace(activation=opts["activation"])
    df = _propagate(config, opts["depth"], opts["width"])
    plain = " (plain layers: the lab has no BatchNorm)" if page.config.batchnorm else ""
    out.markdown(
        f"One batch of 256 N(0,1) inputs through **{opts['depth']}** layers of "
        f"**{opts['width']}** {initdash.ACTIVATIONS[opts['activation']].label} units, "
        f"at initialization (no training){plain}"
    )
    _chart(charts.signal_flow(df, measure=opts["measure"]), out=out)
    look_for(
        "Read the last layer against the first. Weights x0.01 multiply tanh's spread by "
        "about 0.01 x sqrt(width) per layer (ReLU's by 0.01 x sqrt(width / 2)); weights x10 "
        "push tanh and sigmoid onto their flat tails (set the large scale to 1: most tanh "
        "outputs still saturate). Xavier balances a unit slope, so tanh's spread (slope below "
        "1 away from 0) shrinks slowly. ReLU zeroes half of the signal: Xavier and LeCun lose "
        "a factor sqrt(2) per layer, while He, orthogonal (gain sqrt(2)) and LSUV hold the "
        "spread. Sigmoid's slope is at most 1/4: its backprop signal vanishes for every "
        "scheme that keeps the units near 0.5. " + deep_summary(df),
        out=out,
    )
    marks = initdash.lab.reference_gains(opts["activation"])
    cells = _scale_depth_map(opts["activation"], config.seed, opts["depth"], opts["width"])
    n = initdash.lab.map_samples(opts["width"])
    what = (
        "layer d's activation spread over layer 1's (a net d layers deep is this net's first d)"
        if opts["map"] == "spread"
        else f"the backprop signal reaching layer 1 over layer d's ({opts['depth']}-layer net)"
    )
    out.markdown(
        f"**The scale x depth map**: the same net ({n} inputs), every weight drawn N(0, 1) x "
        "gain / sqrt(width), for 21 gains from 0.1 to 10 and each scheme's own; colour: " + what
    )
    _chart(charts.scale_depth_map(cells, marks, measure=opts["map"]), out=out)
    look_for(
        "Each column is one weight scale, each row a depth d; the colour compares layer d "
        "with layer 1 in powers of ten (white: held, blue: shrunk, orange: grown). The "
        "dashed lines mark LeCun's and Xavier's gain (1, for equal widths), He's (sqrt 2) "
        "and orthogonal's (the activation's gain): points on one continuum. ReLU's band is "
        "narrow, around He's gain, and away from it the spread shrinks or grows further with "
        "every layer: at depth 20 (where the lab opens) gain 1 keeps under 1/100 of layer 1's "
        "spread, less than layer 10 does, and gain 2 over 100 times it, more than layer 10; "
        "each step of 1.26 in gain multiplies layer 20's spread by exactly 1.26^19 = 79 (ReLU "
        "passes a scaled input on, scaled). tanh flattens large signals: from gain 1.26 up, "
        "layer 20 keeps over half of layer 1's spread (the units saturate) while the backprop "
        "signal reaching layer 1 grows with depth (at gain 2, over 10 times layer 20's); at "
        "gain 0.79 both fall under 1/50. " + map_summary(cells, marks, opts["map"], opts["depth"]),
        out=out,
    )


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _scale_depth_map(activation: str, seed: int, depth: int, width: int) -> pd.DataFrame:
    """The map for the lab's settings (it reads the activation and the seed only)."""
    config = TrainConfig(activation=activation, seed=seed)
    return initdash.lab.scale_depth_map(config, depth=depth, width=width)


def map_summary(cells: pd.DataFrame, marks: dict, measure: str, depth: int) -> str:
    """The numbers behind the map's caption, for the setting shown: at the last layer, the
    gains that keep the ratio within a factor of 10, and the ratio at each scheme's gain."""
    last = cells[cells["layer"] == depth].sort_values("gain")
    values = last[measure].to_numpy()
    ok = (values >= 0.1) & (values <= 10)
    runs = []  # each run of neighbouring gains that keep it: "a" or "a to b"
    pairs = zip(ok, last["gain"], strict=True)
    for good, group in itertools.groupby(pairs, key=lambda pair: pair[0]):
        if good:
            gains = [_num(g) for _, g in group]
            runs.append(gains[0] if len(gains) == 1 else f"{gains[0]} to {gains[-1]}")
    what = "spread" if measure == "spread" else "backprop signal (layer 1 over layer d)"
    band = (
        f"gains {' and '.join(runs)} keep it within a factor of 10"
        if runs
        else "no gain keeps it within a factor of 10"
    )
    at = {}
    for name, g in marks.items():
        at.setdefault(g, []).append(name)
    value = dict(zip(last["gain"], values, strict=True))
    points = "; ".join(f"{' = '.join(n)} ({_num(g)}): x{_num(value[g])}" for g, n in at.items())
    return f"**Here**, {what} at depth {depth}: {band}; {points}."


def deep_summary(df: pd.DataFrame) -> str:
    """The numbers behind the caption, for the setting shown: last layer over first."""
    parts = []
    for name, g in df.groupby("scheme", sort=False):
        g = g.sort_values("layer")
        first, last = g.iloc[0], g.iloc[-1]
        with np.errstate(all="ignore"):
            spread = last["act_std"] / first["act_std"]
            signal = first["backprop_signal"] / last["backprop_signal"]
        parts.append(
            f"{initdash.SCHEMES[name].label}: spread {_num(spread)}, backprop {_num(signal)}"
        )
    return (
        f"**Here**, layer {int(df['layer'].max())} over layer 1 (spread), layer 1 over layer "
        f"{int(df['layer'].max())} (backprop signal): " + "; ".join(parts) + "."
    )


# ---------------------------------------------------------------------- theory
def theory_draw(page: Page, opts: dict, out=st) -> None:
    schemes = page.config.schemes if page.config else ()
    out.markdown(
        "A layer computes $z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$, $a^{[l]} = g(z^{[l]})$ "
        "with $W^{[l]}$ of shape $(n_l, n_{l-1})$. With zero biases and independent weights "
        "of mean 0 and variance $\\sigma^2$, "
        "$\\operatorname{Var}(z^{[l]}) = n_{l-1}\\,\\sigma^2\\,"
        "\\mathbb{E}\\big[(a^{[l-1]})^2\\big]$: the fan-in and the activation's *mean "
        "square* decide whether the signal grows, shrinks or holds. Near 0, tanh passes "
        "$\\mathbb{E}[a^2] \\approx \\operatorname{Var}(z)$, so $\\sigma^2 = 1/n$ "
        "holds it (LeCun; Xavier averages the forward and backward fan, "
        "$2/(n_{l-1}+n_l)$). ReLU keeps only the positive half, "
        "$\\mathbb{E}[a^2] = \\operatorname{Var}(z)/2$: He doubles the variance to "
        "$2/n_{l-1}$. Sigmoid's outputs sit around 0.5, so $\\mathbb{E}[a^2]$ is mostly "
        "that offset, and its slope is at most 1/4: no variance keeps both passes steady."
    )
    rows = [
        f"| **{s.label}**{' (in this run)' if name in schemes else ''} | ${s.latex}$ | "
        f"{s.suits} | {s.summary} |"
        for name, s in initdash.SCHEMES.items()
    ]
    head = "| scheme | weights | suits | what it does |\n|---|---|---|---|\n"
    out.markdown(head + "\n".join(rows))


# ---------------------------------------------------------------------- registry
@dataclass(frozen=True)
class View:
    """One tab. ``needs_run``: nothing to draw before the first Train; ``shows_run``: redrawn
    while a run trains; ``uses_epoch``: offers the epoch scrubber once a run has finished;
    ``charts``: it draws at least one chart (the browser tests wait for them)."""

    name: str
    title: str
    icon: str  # a Material icon (ships with Streamlit; emoji need a font many machines lack)
    draw: Callable[[Page, dict, Any], None]
    options: Callable[[Page], dict] = lambda page: {}  # no widgets of its own
    needs_run: bool = True
    shows_run: bool = True
    uses_epoch: bool = True
    charts: bool = True

    @property
    def label(self) -> str:
        return f":material/{self.icon}: {self.title}"


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("overview", "Overview", "dashboard", overview_draw, overview_options,
             needs_run=False),
        View("curves", "Loss & accuracy", "show_chart", curves_draw, curves_options,
             needs_run=False, uses_epoch=False),
        View("weights", "Weights", "bar_chart", weights_draw, weights_options),
        View("clones", "Neuron clones", "content_copy", clones_draw, clones_options),
        View("neurons", "Neurons", "hub", neurons_draw, neurons_options),
        View("signal", "Signal flow", "stacked_line_chart", signal_draw, signal_options),
        View("activations", "Activations", "area_chart", activations_draw, activations_options,
             uses_epoch=False),
        View("gradients", "Gradients at init", "trending_down", gradients_draw,
             shows_run=False, uses_epoch=False),
        View("updates", "Update ratio", "speed", updates_draw, uses_epoch=False),
        View("boundary", "Decision boundary", "map", boundary_draw),
        View("tldr", "TL;DR table", "table_chart", tldr_draw, uses_epoch=False, charts=False),
        View("deep", "Deep-signal lab", "science", deep_draw, deep_options,
             needs_run=False, shows_run=False, uses_epoch=False),
        View("theory", "Theory", "menu_book", theory_draw,
             needs_run=False, shows_run=False, uses_epoch=False, charts=False),
    )
}  # fmt: skip


def headline(result: Result) -> None:
    """One card per scheme: test accuracy, final loss, distinct neurons, and the outcome
    when it is a warning (each with the number it came from)."""
    s = result.summary()
    per_row = min(len(s), 6)
    for start in range(0, len(s), per_row):
        cols = st.columns(per_row)
        for col, (_, row) in zip(cols, s.iloc[start : start + per_row].iterrows(), strict=False):
            with col.container(border=True):
                st.markdown(card_text(row, result.finished), unsafe_allow_html=True)


def card_text(row, finished: bool = True) -> str:
    """A headline card's Markdown: every word beside the number it came from. While a run
    trains, only what has happened already is a warning (diverged, clones, a relapse); "no
    learning" waits for the end."""
    color = charts.SCHEME_COLORS[row["scheme"]]
    acc = accuracy_value(row)
    lines = [
        f"<span style='color:{color};font-size:1.2em'>■</span> **{row['label']}**",
        f"test accuracy **{_pct(acc)}**" if acc is not None else "test accuracy **–** (coin toss)",
        f"loss **{_num(row['train_loss'])}** (from {_num(row['initial_loss'])})",
        f"**{neurons_text(row)}**",
    ]
    o = row["outcome"]
    if o == "diverged":
        lines[-1] = f":material/error: diverged at epoch {row['diverged_epoch']}"
    elif o == "unstable":
        lines.append(
            f":material/warning: unstable: loss climbed back to {_num(row['relapse'])}x its "
            f"lowest (epoch {row['relapse_epoch']})"
        )
    elif o == "no learning" and finished:
        lines.append(":material/pause_circle: no learning: never 10% below its start")
    elif o == "all neurons same":
        lines.append(":material/content_copy: clones: identical weights")
    return "  \n".join(lines)


def _pct(v: Any) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{100 * v:.0f}%"


def _num(v: Any) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.3g}"
