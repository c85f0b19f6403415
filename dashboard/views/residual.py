"""The deep-signal lab's residual panel: the residual stream at initialization over 8 to 128
blocks, for plain He branches, GPT-2's scaled last layers and zero last layers.

Opened from the lab (dashboard.views.deep.LAB_PANELS); its table is initdash.lab.residual_stream,
cached here; its charts are residual_charts'.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import initdash
from dashboard import board
from dashboard.text import num
from dashboard.views import residual_charts as charts
from dashboard.views.base import ViewInput, look_for
from dashboard.views.deep import lab_widgets
from initdash import TrainConfig
from initdash.lab import RESIDUAL_BLOCKS

STREAM_SAMPLES = 64  # inputs pushed through the stream (of the lab's batch)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _stream(activation: str, seed: int, width: int) -> pd.DataFrame:
    config = TrainConfig(activation=activation, seed=seed)
    return initdash.lab.residual_stream(config, width=width, n_samples=STREAM_SAMPLES)


def residual_options(inp: ViewInput) -> dict:
    opts = lab_widgets(inp, depth=False)
    blocks = st.select_slider(
        "Blocks N", RESIDUAL_BLOCKS, value=32, key="o_res_blocks",
        help="residual blocks in the net drawn block by block (the second chart shows all)",
    )  # fmt: skip
    return {**opts, "blocks": blocks}


def residual_draw(inp: ViewInput, opts: dict, out=st) -> None:
    seed = inp.config.seed if inp.config else TrainConfig().seed
    act, width, n = opts["activation"], opts["width"], opts["blocks"]
    df = _stream(act, seed, width)
    label = initdash.ACTIVATIONS[act].label
    out.markdown(
        f"A residual stream of **{width}** units at initialization: {STREAM_SAMPLES} of the "
        f"lab's N(0, 1) inputs pass **N** blocks, each h → h + W2 g(W1 h) with g = "
        f"**{label}** and W1 drawn N(0, 2/width) (He's); each branch's last layer W2 drawn the "
        "same way (plain He), those times 1/sqrt(2N) (GPT-2), or 0 (Fixup, SkipInit, ReZero)"
    )
    board.send_chart(charts.stream_spread(df, blocks=n), out=out)
    board.send_chart(charts.spread_by_depth(df), out=out)
    look_for(
        "Each block adds its branch to the stream, and their variances add up. Plain He "
        "branches add twice the stream's variance per block with ReLU (W1 doubles it, ReLU "
        "halves it, W2 doubles it), so the spread grows by about sqrt(3) = 1.73 per block "
        "(1.65 to 1.8): over 50 times the input's after 8 blocks, over 1e28 after 128. tanh "
        "caps each branch's output, so the spread grows only like sqrt(N): 3 to 4 after 8 "
        "blocks, 12 to 20 after 128. GPT-2 scales each branch's last layer by 1/sqrt(2N), so "
        "the N branches together add about the input's variance once: at every N from 8 to 128 "
        "the spread ends between 1.5 and 1.8 with ReLU ((1 + 1/N)^(N/2), about sqrt(e) = 1.65) "
        "and between 1.2 and 1.3 with tanh. A zero last layer makes every block the identity "
        "at initialization: the spread is exactly 1 at every block. "
        + residual_summary(df, n, label),
        out=out,
    )


def residual_summary(df: pd.DataFrame, blocks: int, label: str) -> str:
    """The numbers behind the caption, for the setting shown: after N blocks, each branch
    kind's spread, and the plain He stream's growth per block."""
    end = df[df["block"] == df["blocks"]].set_index(["branch", "blocks"])["spread"]
    he = end[("he", blocks)]
    per_block = he ** (1 / blocks)
    ends = ", ".join(f"N = {n}: x{num(end[('gpt2', n)])}" for n in RESIDUAL_BLOCKS)
    return (
        f"**Here** ({label}), after {blocks} blocks: plain He x{num(he)} (x{num(per_block)} "
        f"per block), GPT-2 x{num(end[('gpt2', blocks)])}, zero last layer "
        f"x{num(end[('zero', blocks)])}; GPT-2 at {ends}."
    )
