"""The deep-signal lab's Jacobian panel: the singular values of the input-output Jacobian at
initialization per scheme and depth (Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017),
and where dynamical isometry lives (orthogonal against Gaussian weights over the gain).

Opened from the lab (dashboard.views.deep.LAB_PANELS); its tables are initdash.lab's
jacobian_spectrum and isometry_sweep (summarized by spectrum_summary), cached here.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

import initdash
from dashboard import board
from dashboard.text import num, pct
from dashboard.views import spectrum_charts as charts
from dashboard.views.base import ViewInput, look_for
from dashboard.views.deep import lab_widgets
from initdash import TrainConfig
from initdash.lab import ISOMETRY_BAND, ISOMETRY_INPUT_STDS, spectrum_summary

N_INPUTS = 2  # inputs whose Jacobians are measured (the lab's first)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _spectrum(config: TrainConfig, depth: int, width: int) -> pd.DataFrame:
    df = initdash.lab.jacobian_spectrum(config, depth=depth, width=width, n_inputs=N_INPUTS)
    return spectrum_summary(df, ["scheme", "depth"])


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _sweep(activation: str, seed: int, depth: int, width: int) -> pd.DataFrame:
    config = TrainConfig(activation=activation, seed=seed)
    df = initdash.lab.isometry_sweep(config, depth=depth, width=width)
    return spectrum_summary(df, ["weights", "input_std", "gain"])


def spectrum_options(inp: ViewInput) -> dict:
    return lab_widgets(inp)


def spectrum_draw(inp: ViewInput, opts: dict, out=st) -> None:
    if inp.config is None:
        out.info("Choose at least one scheme in the sidebar.")
        return
    act, depth, width = opts["activation"], opts["depth"], opts["width"]
    config = inp.config.replace(activation=act)
    label = initdash.ACTIVATIONS[act].label
    summary = _spectrum(config, depth, width)
    out.markdown(
        f"The input-output Jacobian J = dh_d/dx of the lab's net ({label}, width **{width}**, "
        f"each scheme's own weights, zero biases) at {N_INPUTS} of the lab's N(0, 1) inputs, "
        f"at depths up to **{depth}**. Its singular values say how much each direction of the "
        "input is stretched (over 1) or squeezed (under 1) on its way to layer d: all of them "
        "near 1 is dynamical isometry, every direction's gradient passing back intact"
    )
    board.send_chart(charts.spectrum_by_depth(summary, list(config.schemes)), out=out)
    look_for(
        "Bars: the middle 90% of the singular values; white tick: the median; thin line: all of "
        "them; grey band: within a factor 2 of 1. Values under 1e-12 of the largest are "
        "rounding (float64 keeps 16 digits): they are drawn there, as the most they can be. "
        "At depth 20 with tanh (where the lab opens), Gaussian weights (Xavier, LeCun, He) "
        "spread the singular values over orders of magnitude, over 6 decades between the "
        "5th and the 95th percentile by depth 10, and with these N(0, 1) inputs no scheme "
        "keeps over 25% of them within a factor 2 of 1. ReLU cannot reach "
        "isometry: at every depth, with every scheme, over 40% of the singular values are 0 "
        "at width 128 (40% to 70% with the schemes that draw their weights at random): the "
        "units that are off pass nothing back, whatever the weights. "
        + spectrum_summary_text(summary, depth),
        out=out,
    )
    sweep = _sweep(act, config.seed, depth, width)
    stds = " and ".join(f"{s:g}" for s in ISOMETRY_INPUT_STDS)
    out.markdown(
        f"**Where isometry lives**: the same net at depth **{depth}** with every layer gain x "
        "an orthogonal matrix or gain x N(0, 1/width), for gains 0.8 to 2, at one input of "
        f"std {stds} (small inputs keep {label} near its linear part)"
    )
    marks = {"gain 1": 1.0, f"{label}'s gain": initdash.calculate_gain(act)}
    if math.isclose(marks[f"{label}'s gain"], 1.0):
        marks = {"gain 1": 1.0}
    board.send_chart(charts.isometry_sweep(sweep, marks), out=out)
    look_for(
        "Isometry needs the signal neither to grow nor to shrink (chi = 1: gain 1 without "
        "biases) and tanh near its linear part (small pre-activations). At depth 20 with tanh, "
        "orthogonal weights at gain 1 with inputs of std 0.1 keep over 95% of the singular "
        "values within a factor 2 of 1: dynamical isometry. Gaussian weights at the same gain "
        "and inputs keep under 20% (a product of random Gaussian matrices spreads its "
        "singular values however it is scaled), orthogonal weights at tanh's gain 5/3 (torch's "
        "recommendation) under 20%, and orthogonal weights at gain 1 with the lab's std-1 "
        "inputs under 5%. With ReLU no gain and no input size brings more than 15% within a "
        "factor 2 of 1. " + sweep_summary_text(sweep, depth),
        out=out,
    )


def spectrum_summary_text(summary: pd.DataFrame, depth: int) -> str:
    """The numbers behind the first caption, for the setting shown: at the deepest layer,
    each scheme's share near 1, its share of zeros and the decades its middle 90% spans."""
    last = summary[summary["depth"] == depth]
    parts = []
    for row in last.itertuples():
        if not row.p100 > 0:
            parts.append(f"{initdash.SCHEMES[row.scheme].label}: J = 0")
            continue
        span = math.log10(row.p95 / row.p5) if row.p5 > 0 else math.inf
        bound = "at least " if row.unresolved >= 0.05 else ""  # its bottom is rounding
        parts.append(
            f"{initdash.SCHEMES[row.scheme].label}: {pct(row.near_one)} near 1, "
            f"{pct(row.unresolved)} zero, middle 90% over {bound}{num(span)} decades"
        )
    return f"**Here**, at depth {depth}: " + "; ".join(parts) + "."


def sweep_summary_text(sweep: pd.DataFrame, depth: int) -> str:
    """The numbers behind the second caption: each curve's best gain and share near 1, and
    the shares at gain 1."""
    parts = []
    for (kind, std), g in sweep.groupby(["weights", "input_std"], sort=False):
        best = g.loc[g["near_one"].idxmax()]
        at1 = g.loc[(g["gain"] - 1.0).abs().idxmin(), "near_one"]
        parts.append(
            f"{kind}, inputs' std {std:g}: {pct(at1)} at gain 1, best {pct(best.near_one)} at "
            f"gain {num(best.gain)}"
        )
    return (
        f"**Here**, at depth {depth}, within a factor {ISOMETRY_BAND:g} of 1: "
        + "; ".join(parts)
        + "."
    )
