"""The neuron-clones view: whether a layer's neurons differ, over epochs and pair by pair."""

from __future__ import annotations

import streamlit as st

import initdash
from dashboard import board
from dashboard.views import clones_charts as charts
from dashboard.views import kit, legends
from dashboard.views.base import ViewInput, hidden_layer, look_for, shown_epoch


def clones_options(inp: ViewInput) -> dict:
    return {"layer": hidden_layer(inp, "Hidden layer for the similarity map", "o_simlayer")}


def clones_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result = inp.result
    if len(result.dims) < 3:
        out.info("This network has no hidden layer, so there are no neurons to compare.")
        return
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
    divergence(result, out)
    shown = shown_epoch(inp)
    lt = result.layer_table(shown)
    row = lt[(lt.layer == opts["layer"]) & (lt.repeat == 0)]
    distinct = dict(zip(row.scheme, row.distinct_neurons, strict=True))
    width = result.dims[opts["layer"]]
    k = min(width, initdash.metrics.SIMILARITY_NEURONS)
    out.markdown(
        f"Neuron similarity in hidden layer **{opts['layer']}** at epoch **{shown}** "
        f"({'all' if k == width else f'first {k} of'} {width} neurons; 1 = identical outputs)"
    )
    sim = result.similarity_table(shown, opts["layer"])
    board.send_panels(charts.similarity_heatmaps(sim, distinct, width=width), out)


def divergence(result, out) -> None:
    """Do the neurons of each hidden layer differ, over the epochs: one chart for one layer,
    else a panel per layer (sharing the y axis) under one legend."""
    div = result.divergence_table()
    layers = sorted(int(v) for v in div["layer"].unique())
    if len(layers) == 1:
        table, facts = charts.divergence_table(div)
        board.send_chart_once(charts.divergence_chart, table, out, **facts)
        return
    out.markdown("**Do the neurons of a layer differ?** (output divergence, scale-free)")
    per_layer = [(layer, *charts.divergence_table(div[div["layer"] == layer])) for layer in layers]
    # the panels' notes (how to read the axis, what coincides, what is left out) once, under
    # the one legend; a note that holds for some layers only names them
    where: dict[str, list[int]] = {}
    for layer, _, facts in per_layer:
        for note in facts["notes"]:
            where.setdefault(note, []).append(layer)
    notes = [n if len(ls) == len(layers) else f"layer {', '.join(map(str, ls))}: {n}"
             for n, ls in where.items()]  # fmt: skip
    out.html(legends.scheme_legend(result.schemes) + legends.notes_html(notes))
    top = kit.nice_top(div["divergence"])
    row = board.row_of(out)
    for layer, table, facts in per_layer:
        kw = dict(legend=False, panel_width=200, panel_height=150, top=top, notes=())
        board.send_chart_once(  # the panel's whole height: its plot and FRAME (was clipped)
            charts.divergence_chart, table, row, (kit.PANEL_WIDE, 150 + charts.FRAME),
            **{**facts, **kw}, title=f"Hidden layer {layer}",
        )  # fmt: skip
