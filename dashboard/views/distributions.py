"""The activations, gradients-at-init and update-ratio views: distributions per layer."""

from __future__ import annotations

import streamlit as st

import initdash
from dashboard import board
from dashboard.views import distributions_charts as charts
from dashboard.views.base import ViewInput, has_skips, hidden_layer, look_for, residual_note


def activations_options(inp: ViewInput) -> dict:
    layer = hidden_layer(inp, "Hidden layer", "o_act_layer")
    bands = st.toggle(
        "Percentile bands (Glorot & Bengio)",
        key="o_act_bands",
        help="instead of the whole distribution at every recorded epoch (the heatmap), its "
        "median and the band from its 2nd to its 98th percentile",
    )
    return {"layer": layer, "bands": bands}


def activations_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result, layer = inp.result, opts["layer"]
    if len(result.dims) < 3:
        out.info("This network has no hidden layer, so there are no activations to show.")
        return
    # the outputs' range if bounded, else symmetric-log (as initdash.metrics.activation_edges;
    # a residual stream is unbounded: initdash.train.measure)
    bounded = (
        None if has_skips(result) else initdash.metrics.ACT_RANGES.get(result.config.activation)
    )
    axis = charts.ValueAxis(bounded, None if bounded else initdash.metrics.ACT_SYMLOG_C)
    look_for(
        """
        Each column is a recorded epoch and shows where the layer's outputs on the probe batch lie
        (bright: many). Saturation is a bright band at the ends of tanh's range (-1 and +1) or
        sigmoid's (0 and 1); a collapse, one bright band at 0. The percentile bands show Glorot
        & Bengio's view: the median and the band holding the middle 96% of the outputs. On the first
        page's setting (16 tanh units): Zeros' outputs are exactly 0 at every epoch; Random large
        starts with over 70% of its outputs in the two end bins and keeps its 2nd and 98th
        percentiles at -1 and +1 to the end; Random small starts collapsed (its middle 96% within
        +-0.05) and has spread out by epoch 40 (98th percentile above 0.5); Xavier starts spread
        wide (its 2nd and 98th percentiles beyond -0.5 and +0.5), under 1% of its outputs
        saturated; by the last epoch, training has pushed some of Xavier's and He's outputs to
        within 0.01 of -1 and +1.
        """
        + residual_note(result),
        out=out,
    )
    if opts["bands"]:
        pct = result.activation_percentiles()
        panels = charts.activation_bands(pct, layer=layer, axis=axis)
    else:
        panels = charts.activation_heatmaps(result.activation_table(layer), layer=layer, axis=axis)
    board.send_panels(panels, out)


def gradients_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result = inp.result
    look_for(
        """
        Glorot & Bengio's Figures 7 and 8, measured at epoch 0 on the probe batch: for each layer
        (the last is the output), the back-propagated gradient |dL/dz| of one example (solid) and
        the weight gradients |dL/dW| (dashed); line: the median, band: the 2nd to the 98th
        percentile. On its way back, |dL/dz| is multiplied at every layer by the weights and the
        activation's slope; a weight gradient is |dL/dz| times the layer's input, which the forward
        pass has scaled the other way. So in preset 2 (5 tanh layers of 32), Random small's median
        |dL/dz| shrinks over 5-fold per layer toward layer 1 (which gets under 1/10,000 of layer
        5's), yet its median weight gradients in layers 2 to 5 stay within a factor of 3 of each
        other: equally tiny (under 1e-7) everywhere. Xavier's median |dL/dz| (layers 1 to 5) and
        its weight gradients (layers 2 to 5) each vary under 5-fold across the layers. Random large
        saturates: in float32, the app's precision, the median |dL/dz| of every hidden layer is
        exactly 0 (in float64, layers 2 to 5 are still exactly 0 and layer 1's median is under
        1e-10): a typical unit passes nothing back. The TL;DR's gradient ratio is another
        statistic, the RMS over all units and examples, which the few unsaturated units dominate:
        on the first page Random large's median |dL/dz| in layer 1 is under 1e-5, yet the TL;DR
        says layer 1 gets between half and 5 times the output's signal.
        """,
        out=out,
    )
    board.send_panels(charts.gradient_bands(result.gradient_table(0)), out)


def updates_draw(inp: ViewInput, opts: dict, out=st) -> None:
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
    board.send_panels(charts.update_ratios(inp.result.update_table()), out)
