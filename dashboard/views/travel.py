"""The weight-paths view: where the first layer's weights travel, how far each layer moves, and
lazy against rich training (Chizat, Oyallon & Bach 2019).

The paths and the relative change come from the run (``Result.travel_table``,
``Result.change_table``); the lazy/rich sweep trains its own small nets on the run's data, on
request (a toggle: its predicted seconds beside it), cached here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import initdash
from dashboard import board
from dashboard.text import num, pct
from dashboard.views import travel_charts as charts
from dashboard.views.base import ViewInput, look_for, shown_epoch
from initdash import TrainConfig
from initdash.travel import LAZY_EPOCHS, LAZY_GAINS, LAZY_LR, LAZY_WIDTHS, lazy_sweep, sweep_inputs

LAZY_KEY = "o_lazy"


@st.cache_data(max_entries=32, ttl=3600, show_spinner="Training the sweep's nets...")
def _sweep(config: TrainConfig, data_key: str, _data) -> pd.DataFrame:
    """The sweep for the run's data (``config``: initdash.travel.sweep_inputs of the run's;
    ``data_key`` names the user's data; ``_data`` is not hashed)."""
    return lazy_sweep(config, _data)


def travel_options(inp: ViewInput) -> dict:
    seconds = initdash.cost.sweep_seconds(inp.config, inp.data) if inp.config else 0.0
    on = st.toggle(
        "Lazy or rich: the width x scale sweep",
        key=LAZY_KEY,
        help=f"trains {len(LAZY_WIDTHS) * len(LAZY_GAINS)} small nets on this data (about "
        f"{initdash.cost.duration(max(seconds, 0.1))} on this server) and shows how far their "
        "weights move",
    )
    return {"lazy": bool(on), "seconds": seconds}


def travel_draw(inp: ViewInput, opts: dict, out=st) -> None:
    result = inp.result
    shown = shown_epoch(inp)
    paths = result.travel_table(shown)
    if len(paths):
        out.markdown(
            f"**Where the first layer's weights travel, to epoch {shown}**: each neuron at "
            "(w1, w2), its path from epoch 0 (hollow dot) to now (filled); each scheme on axes "
            "of its own"
        )
        look_for(PATHS_TEXT + " " + paths_summary(paths, shown), out=out)
        for row in range(0, len(result.schemes), PER_ROW):
            names = result.schemes[row : row + PER_ROW]
            for col, name in zip(out.columns(PER_ROW), names, strict=False):
                board.send_chart(charts.travel_path(paths, scheme=name, epoch=shown), out=col)
    else:
        out.info(
            "The data have more than 2 features, so a neuron's incoming weights are not a "
            "point in the plane; the relative change below still shows how far they moved."
        )
    change = result.change_table()
    change = change[change["repeat"] == 0]
    layers, names = change_layers(len(result.dims) - 1)
    out.markdown(
        "**How far the weights moved**: ||W - W0|| / ||W0|| per layer over the epochs (log "
        "scale, shared)" + ("" if len(layers) == len(result.dims) - 1 else f"; {names_text(names)}")
    )
    look_for(CHANGE_TEXT + " " + change_summary(change, shown, layers, names), out=out)
    domain = charts.change_domain(change.loc[change["epoch"] > 0, "change"])
    for col, layer, name in zip(out.columns(len(layers)), layers, names, strict=True):
        chart = charts.change_chart(change, layer=layer, name=name, domain=domain)
        board.send_chart(chart, out=col)
    if not opts.get("lazy"):
        return
    if inp.config is None:
        out.info("The sweep trains on the sidebar's data: fix the settings above first.")
        return
    if opts["seconds"] > initdash.cost.CLASSROOM_SECONDS:
        out.info(
            f"The sweep on this data would take about {initdash.cost.duration(opts['seconds'])}"
            ", over the classroom limit: use fewer samples."
        )
        return
    sweep = _sweep(sweep_inputs(inp.config), inp.data_key, inp.data)
    out.markdown(
        f"**Lazy or rich**: one hidden layer of **{', '.join(map(str, LAZY_WIDTHS))}** "
        f"{initdash.ACTIVATIONS[inp.config.activation].label} units, every weight drawn "
        "N(0, 1) x scale / sqrt(fan-in) for scales "
        f"**{', '.join(f'x{g:g}' for g in LAZY_GAINS)}** (x1: LeCun's variance), biases 0, "
        f"{LAZY_EPOCHS} steps of full-batch SGD at step {LAZY_LR:g} on this data"
    )
    look_for(LAZY_TEXT + " " + lazy_summary(sweep), out=out)
    domain = charts.change_domain(sweep["change"])
    for col, layer in zip(out.columns(2), (1, 2), strict=True):
        chart = charts.lazy_chart(sweep, layer=layer, domain=domain)
        board.send_chart(chart, out=col)


PER_ROW = 3  # paths side by side (Streamlit stacks columns on a phone)


def change_layers(n: int) -> tuple[list[int], list[str]]:
    """The weight layers whose change is drawn (of ``n``, the output layer last): all of a net
    with up to 3, else the first, the last hidden and the output layer; and their names."""
    layers = list(range(1, n + 1)) if n <= 3 else [1, n - 1, n]
    return layers, [f"layer {i}" if i < n else "output layer" for i in layers]


def names_text(names: list[str]) -> str:
    return "shown: " + ", ".join(names)


PATHS_TEXT = """Each neuron of the first layer is a point: its two incoming weights, one per
input feature. In lesson 9 (the first page's net): Zeros' 16 neurons sit at the origin at
every epoch (zero weights pass no gradient back); Constant's are one point that moves, all
neurons together; x0.01's start within 0.05 of the origin and fan out, ending over 20 times
farther away (median); x10's move the least for their size (below)."""

CHANGE_TEXT = """How far each layer's weights have moved from where they started, relative to
their size: ||W - W0|| / ||W0||. In lesson 9, x10 moves the least in every layer (its first
layer under 50% of its size) while Xavier's first layer moves over twice its size and x0.01's
over 20 times. Zeros starts at 0: no size to compare with."""

LAZY_TEXT = """Chizat, Oyallon & Bach (2019): a wide net or a large initial scale fits the
data while its hidden layer barely moves ("lazy": its features stay those it started with,
and the net behaves like its linearization at init), a narrow net at a small scale moves it
far ("rich": it learns features). On the first page's data, from 16 to 256 units the hidden
layer's change falls over 3-fold at every scale, and from x0.5 to x4 over 1.5-fold at every
width. The output layer's change stays within a factor of 3 from 16 to 256 units: what a wide
net keeps is its features."""


def paths_summary(paths: pd.DataFrame, epoch: int) -> str:
    """The numbers behind the paths' caption, for the run shown: per scheme, the distinct
    points at ``epoch`` and the median distance from the origin then and at the start."""
    parts = []
    for name, g in paths.groupby("scheme", sort=False):
        start = g[g["epoch"] == g["epoch"].min()]
        now = g[g["epoch"] == epoch]
        if now[["w1", "w2"]].isna().any().any():
            parts.append(f"{initdash.SCHEMES[name].label}: diverged")
            continue
        k = len(np.unique(now[["w1", "w2"]].to_numpy(), axis=0))
        r0 = float(np.median(np.hypot(start["w1"], start["w2"])))
        r1 = float(np.median(np.hypot(now["w1"], now["w2"])))
        parts.append(
            f"{initdash.SCHEMES[name].label}: {k} distinct point{'s' * (k != 1)}, median "
            f"distance from the origin {num(r0)} -> {num(r1)}"
        )
    return f"**Here**, epoch {epoch}: " + "; ".join(parts) + "."


def change_summary(change: pd.DataFrame, epoch: int, layers: list[int], names: list[str]) -> str:
    """Each scheme's relative change in the ``layers`` shown at ``epoch`` (repeat 0)."""
    now = change[(change["epoch"] == epoch) & change["layer"].isin(layers)]
    parts = []
    for name, g in now.groupby("scheme", sort=False):
        values = g.sort_values("layer")["change"].to_numpy()
        if np.isnan(values).all():
            parts.append(f"{initdash.SCHEMES[name].label}: -")
            continue
        parts.append(f"{initdash.SCHEMES[name].label}: " + ", ".join(pct(v) for v in values))
    return f"**Here**, epoch {epoch}, per layer ({', '.join(names)}): " + "; ".join(parts) + "."


def lazy_summary(sweep: pd.DataFrame) -> str:
    """The hidden layer's change at the sweep's corners and the fall along each axis."""
    c = sweep[sweep["layer"] == 1].pivot(index="width", columns="gain", values="change")
    w0, w1 = c.index.min(), c.index.max()
    g0, g1 = c.columns.min(), c.columns.max()
    with np.errstate(all="ignore"):
        by_width = (c.loc[w0] / c.loc[w1]).min()
        by_gain = (c[g0] / c[g1]).min()
    return (
        f"**Here**, the hidden layer: {w0} units at x{g0:g} moved {pct(c.loc[w0, g0])} of its "
        f"size, {w1} units at x{g1:g} {pct(c.loc[w1, g1])}; from {w0} to {w1} units it falls "
        f"at least {num(by_width)}-fold, from x{g0:g} to x{g1:g} at least {num(by_gain)}-fold; "
        f"final losses {num(sweep['loss'].min())} to {num(sweep['loss'].max())}."
    )
