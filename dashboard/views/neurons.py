"""The neurons view: each network drawn, and what every neuron of a layer computes."""

from __future__ import annotations

import streamlit as st

import initdash
from dashboard import board
from dashboard.views import neurons_charts as charts
from dashboard.views.base import (
    BN_EVALUATION,
    ViewInput,
    bn_note,
    hidden_layer,
    look_for,
    shown_epoch,
)


def neurons_options(inp: ViewInput) -> dict:
    label = "Hidden layer (what its neurons compute)"
    return {"layer": hidden_layer(inp, label, "o_neuron_layer", most=initdash.neurons.LAYERS)}


def neurons_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result = inp.result
    if len(result.dims) < 3:
        out.info("This network has no hidden layer, so there are no neurons to draw.")
        return
    shown = shown_epoch(inp)
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
    out.markdown(f"The networks at epoch **{shown}** (first seed of each scheme)")
    board.send_panels(charts.network_diagram(nodes, links, notes=notes), out)
    out.markdown(f"Hidden layer **{opts['layer']}**, neuron by neuron")
    board.send_panels(charts.neuron_maps(maps, kind=result.thumbnails.kind), out)
