"""The deep-signal lab: deep nets at initialization, in four panels.

Layers (this room): one batch through a deep net, and its scale x depth map. Residual blocks
(dashboard/views/residual.py), the Jacobian's spectrum (spectrum.py) and the edge of chaos
(chaos.py) are rooms of their own that the lab opens (LAB_PANELS). The lab has its own widgets
(activation, depth, width: :func:`lab_widgets`; a preset may set the first two) and reads the
sidebar's schemes and seed only; its tables come from initdash.lab and initdash.chaos, cached.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import streamlit as st

import initdash
from dashboard import board, state
from dashboard.text import num
from dashboard.views import deep_charts as charts
from dashboard.views import flow_charts
from dashboard.views.base import ViewInput, look_for, measure_control
from dashboard.views.registry import find
from initdash import TrainConfig

DEEP_WIDTHS = (32, 64, 128, 256)
DEEP_DEPTH = 20  # the lab opens at 20 layers (a preset may set its own: Preset.deep)
LAB_PANELS = {  # panel: its label; every panel but "layers" is the room of the same name
    "layers": "Layers",
    "residual": "Residual blocks",
    "spectrum": "Jacobian spectrum",
    "chaos": "Edge of chaos",
}


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _propagate(config: TrainConfig, depth: int, width: int) -> pd.DataFrame:
    return initdash.propagate(config, depth=depth, width=width, n_samples=256, dtype="float32")


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _scale_depth_map(activation: str, seed: int, depth: int, width: int) -> pd.DataFrame:
    """The map for the lab's settings (it reads the activation and the seed only)."""
    config = TrainConfig(activation=activation, seed=seed)
    return initdash.lab.scale_depth_map(config, depth=depth, width=width)


def lab_widgets(inp: ViewInput, *, activation: bool = True, depth: bool = True,
                width: bool = True) -> dict:  # fmt: skip
    """The lab's network widgets in one row, the ones asked for: activation, depth (hidden
    layers, 1 to 50), width. Every panel uses the same keys, so a value carries across."""
    asked = [activation, depth, width]
    cols = iter(st.columns(sum(asked)))
    out = {}
    if activation:
        # A preset may have put its own activation and depth in session state (Preset.deep)
        names = list(initdash.ACTIVATIONS)
        default = inp.config.activation if inp.config else initdash.TrainConfig().activation
        first = {} if state.DEEP_ACTIVATION in st.session_state else {"index": names.index(default)}
        out["activation"] = next(cols).selectbox(
            "Activation", names, key=state.DEEP_ACTIVATION, **first,
            format_func=lambda k: initdash.ACTIVATIONS[k].label,
            help="nonlinearity of every layer of the deep net",
        )  # fmt: skip
    if depth:
        first = {} if state.DEEP_DEPTH in st.session_state else {"value": DEEP_DEPTH}
        out["depth"] = next(cols).slider(
            "Depth", 1, 50, key=state.DEEP_DEPTH, help="hidden layers, up to 50", **first
        )
    if width:
        out["width"] = next(cols).select_slider(
            "Width", DEEP_WIDTHS, value=128, key="o_deep_width", help="units per layer"
        )
    return out


def deep_options(inp: ViewInput) -> dict:
    panel = st.segmented_control(
        "Lab", list(LAB_PANELS), default="layers", key="o_deep_panel",
        format_func=LAB_PANELS.get, help="what the lab shows of deep nets at initialization",
    )  # fmt: skip
    panel = panel if panel in LAB_PANELS else "layers"  # None when the user unselects it
    if panel != "layers":
        return {"panel": panel, **find(f"{panel}.{panel}_options")(inp)}
    net = lab_widgets(inp)
    act, depth, width = net["activation"], net["depth"], net["width"]
    measure = measure_control("o_deep_measure")
    backprop = st.toggle(
        "Map: backprop signal",
        key="o_deep_map_backprop",
        help="colour the scale x depth map by the backprop signal reaching layer 1 instead "
        "of the activation spread",
    )
    return {
        "panel": "layers",
        "activation": act,
        "depth": depth,
        "width": width,
        "measure": measure,
        "map": "backprop" if backprop else "spread",
    }


def deep_draw(inp: ViewInput, opts: dict, out=st) -> None:
    panel = opts.get("panel", "layers")
    if panel != "layers":
        find(f"{panel}.{panel}_draw")(inp, opts, out=out)
        return
    if inp.config is None:
        out.info("Choose at least one scheme in the sidebar.")
        return
    config = inp.config.replace(activation=opts["activation"])
    df = _propagate(config, opts["depth"], opts["width"])
    plain = plain_note(inp.config)
    out.markdown(
        f"One batch of 256 N(0,1) inputs through **{opts['depth']}** layers of "
        f"**{opts['width']}** {initdash.ACTIVATIONS[opts['activation']].label} units, "
        f"at initialization (no training){plain}"
    )
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
    board.send_chart(flow_charts.signal_flow(df, measure=opts["measure"]), out=out)
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
    board.send_chart(charts.scale_depth_map(cells, marks, measure=opts["map"]), out=out)


def plain_note(config: TrainConfig) -> str:
    """What the lab's nets leave out of the sidebar's network, if anything."""
    left_out = (("BatchNorm", config.batchnorm), ("skips (see Residual blocks)", config.residual))
    missing = [what for what, on in left_out if on]
    return f" (plain layers: the lab has no {' and no '.join(missing)})" if missing else ""


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
            gains = [num(g) for _, g in group]
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
    points = "; ".join(f"{' = '.join(n)} ({num(g)}): x{num(value[g])}" for g, n in at.items())
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
            f"{initdash.SCHEMES[name].label}: spread {num(spread)}, backprop {num(signal)}"
        )
    return (
        f"**Here**, layer {int(df['layer'].max())} over layer 1 (spread), layer 1 over layer "
        f"{int(df['layer'].max())} (backprop signal): " + "; ".join(parts) + "."
    )
