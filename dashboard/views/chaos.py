"""The deep-signal lab's edge-of-chaos panel (Poole et al. 2016; Schoenholz et al. 2017): the
(sigma_w^2, sigma_b^2) phase diagram of random deep tanh nets with the mean-field chi_1 = 1 line,
the measured correlation of nearby inputs, and pictures of a net's output over the plane.

Opened from the lab (dashboard.views.deep.LAB_PANELS); its tables are initdash.chaos', cached
here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import board
from dashboard.text import num
from dashboard.views import chaos_charts as charts
from dashboard.views.base import ViewInput, look_for
from dashboard.views.deep import lab_widgets
from initdash import TrainConfig, chaos

DIAGRAM_WIDTH = 128  # units of the phase diagram's nets
DIAGRAM_PAIRS = 4  # pairs of nearby inputs per cell
PICTURE_WIDTH = 64  # units of the pictures' nets
CHAOTIC_W2 = 4.0  # the chaotic picture's sigma_w^2 (the diagram's right edge)
PICTURE_B2 = 0.05  # the pictures' sigma_b^2 when the panel opens


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _diagram(depth: int, seed: int) -> pd.DataFrame:
    return chaos.phase_diagram(depth=depth, width=DIAGRAM_WIDTH, seed=seed, pairs=DIAGRAM_PAIRS)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _pictures(points: tuple, depth: int, seed: int) -> pd.DataFrame:
    return chaos.output_pictures(points, depth=depth, width=PICTURE_WIDTH, seed=seed, units=1)


@st.cache_data(max_entries=4, show_spinner=False)
def _edge_line() -> pd.DataFrame:
    sb2 = np.linspace(0.0, max(chaos.SIGMA_B2), 61)
    return pd.DataFrame({"sigma_b2": sb2, "sigma_w2": chaos.critical_sigma_w2(sb2)})


def picture_points(sigma_b2: float) -> pd.DataFrame:
    """The pictures' three points at this sigma_b^2: ordered (half the edge's sigma_w^2), the
    edge (chi_1 = 1) and chaotic (CHAOTIC_W2)."""
    edge = float(chaos.critical_sigma_w2(sigma_b2))
    w2 = [edge / 2, edge, CHAOTIC_W2]
    names = ["ordered", "edge", "chaotic"]
    labels = [f"{n}|σw² {w:.2f}" for n, w in zip(names, w2, strict=True)]
    return pd.DataFrame({"name": names, "sigma_w2": w2, "sigma_b2": sigma_b2, "label": labels})


def chaos_options(inp: ViewInput) -> dict:
    opts = lab_widgets(inp, activation=False, width=False)
    b2 = st.select_slider(
        "Pictures' σb²", chaos.SIGMA_B2, value=PICTURE_B2, key="o_chaos_b2",
        format_func=lambda v: f"{v:g}",
        help="the biases' variance of the three pictured nets (ordered, edge, chaotic)",
    )  # fmt: skip
    return {**opts, "sigma_b2": float(b2)}


def chaos_draw(inp: ViewInput, opts: dict, out=st) -> None:
    seed = inp.config.seed if inp.config else TrainConfig().seed
    depth, b2 = opts["depth"], opts["sigma_b2"]
    cells = _diagram(depth, seed)
    points = picture_points(b2)
    out.markdown(
        f"Random deep **tanh** nets of **{depth}** layers of {DIAGRAM_WIDTH} units at "
        "initialization: weights N(0, σw²/fan-in), biases N(0, σb²). In each cell, "
        f"{DIAGRAM_PAIRS} pairs of nearby N(0, 1) inputs (correlation 0.99) go through the "
        "net; the colour says how far apart each pair ends up, compared with layer 1 (the "
        "distance is 1 - the correlation of their pre-activations). The black line is where "
        "mean-field theory puts the edge of chaos: χ1 = σw² E[tanh'(√q* z)²] = 1, with q* the "
        "fixed point of the signal's variance (Gauss-Hermite quadrature)"
    )
    board.send_chart(charts.phase_diagram(cells, _edge_line(), points), out=out)
    look_for(
        "Left of the line (χ1 under 1, ordered) the layers pull nearby inputs together: the "
        "deep net forgets where its input came from. Right of it (chaotic) they push them "
        "apart: a tiny change of the input changes the output completely. Only near the line "
        "does a deep net pass both the signal and its gradient through many layers. At depth "
        "20 (where the lab opens), every cell with biases and a mean-field χ1 under 0.9 ends "
        "with its pairs closer than at layer 1 (blue), every one over 1.1 with them further "
        "apart (orange). Without biases (the bottom row), σw² = 1, LeCun's and Xavier's "
        "variance, sits exactly on the edge (χ1 = 1); below it the signal itself dies out "
        "(q* = 0), tanh works on its linear part, and nearby inputs end within a factor 5 of "
        "their layer-1 distance: neither pulled together nor torn apart. " + diagram_summary(cells),
        out=out,
    )
    pics = _pictures(tuple(zip(points.sigma_w2, points.sigma_b2, strict=True)), depth, seed)
    out.markdown(
        f"**The output over the plane**: one unit of layer **{depth}** of a random tanh net "
        f"({PICTURE_WIDTH} units a layer) fed the points (x, y) of [-1, 1]², at σb² = {b2:g} "
        "and three σw²: half the edge's, the edge's, and 4 (diamonds on the diagram)"
    )
    board.send_chart(charts.output_pictures(pics, list(points.label)), out=out)
    look_for(
        "Ordered: every input ends in the same place, so the picture is flat (at σb² = 0.05 "
        "and depth 20 the unit varies by under 0.2 over the whole plane, of tanh's 2). At the "
        "edge: smooth, large patches (neighbouring points differ by under 0.15 of the "
        "picture's spread). Chaotic: fragmented, the unit spans over 1.2 of its range and "
        "neighbouring points differ over twice as much as at the edge. "
        + pictures_summary(pics, points),
        out=out,
    )


def diagram_summary(cells: pd.DataFrame) -> str:
    """The numbers behind the diagram's caption, for the depth shown."""
    biased = cells[cells["sigma_b2"] > 0]
    ordered, chaotic = biased[biased["chi_1"] < 0.9], biased[biased["chi_1"] > 1.1]
    dying = cells[(cells["sigma_b2"] == 0) & (cells["sigma_w2"] < 1)]
    gap = np.abs(cells["c_L"] - cells["c_L_theory"])
    return (
        f"**Here**: cells with χ1 under 0.9 end between x{num(10 ** ordered.separation.min())} "
        f"and x{num(10 ** ordered.separation.max())} of their layer-1 distance, cells over 1.1 "
        f"between x{num(10 ** chaotic.separation.min())} and "
        f"x{num(10 ** chaotic.separation.max())}, cells without biases below σw² = 1 between "
        f"x{num(10 ** dying.separation.min())} and x{num(10 ** dying.separation.max())}; the "
        "measured correlation at the last layer "
        f"is within {num(gap.median())} of the mean field's (median over the cells; at most "
        f"{num(gap.max())})."
    )


def pictures_summary(pics: pd.DataFrame, points: pd.DataFrame) -> str:
    """Each picture's range and roughness (initdash.chaos.picture_stats), as shown."""
    stats = chaos.picture_stats(pics)
    parts = [
        f"{name}: range {num(s.range)}, roughness {num(s.roughness)}"
        for name, s in zip(points["name"], stats.itertuples(), strict=True)
    ]
    return (
        "**Here** (range: 98th minus 2nd percentile of the output; roughness: mean change "
        "between neighbouring points over the output's spread): " + "; ".join(parts) + "."
    )
