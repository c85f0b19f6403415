"""Chart builder of the deep-signal lab's scale x depth map.

A pure function of a tidy table, no Streamlit (conventions: dashboard.views.kit). The lab's
per-layer chart is the signal-flow view's (dashboard.views.flow_charts.signal_flow).
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit

MAP_CLIP = 6  # decades: ratios beyond 1e-6 .. 1e6 take the end colours
MAP_MEASURES = {  # measure: what the colour shows, and the legend's title (one item a line)
    "spread": ("layer d's activation spread / layer 1's", ["layer d's spread", "/ layer 1's"]),
    "backprop": (
        "backprop signal reaching layer 1 / layer d's",
        ["backprop signal", "at layer 1", "/ layer d's"],
    ),
}


def scale_depth_map(
    cells: pd.DataFrame,
    marks: Mapping[str, float],
    *,
    measure: str = "spread",
) -> alt.LayerChart:
    """The deep-signal lab's map (``initdash.lab.scale_depth_map``): x the weights' gain
    (log axis), y the depth, colour the ``measure`` ratio in decades, clipped at MAP_CLIP (inf
    and 0 take the end colours; the subtitle counts them). ``marks``: scheme name -> gain, a
    labelled vertical rule each (names at the same gain share one)."""
    kit.check_choice("measure", measure, MAP_MEASURES)
    what, legend_title = MAP_MEASURES[measure]
    df = cells[["gain", "std", "layer", measure]].rename(columns={measure: "ratio"})
    g0, g1 = kit.cell_bounds(np.log10(df["gain"]), single=0.1)  # halfway in log scale
    with np.errstate(divide="ignore", invalid="ignore"):
        decades = np.log10(df["ratio"].to_numpy(dtype=float))
    notes = []
    n_inf, n_zero = int(np.isposinf(decades).sum()), int(np.isneginf(decades).sum())
    if n_inf:
        notes.append(f"{n_inf} cell(s) overflowed (inf): drawn as the largest")
    if n_zero:
        notes.append(f"{n_zero} cell(s) exactly 0 (underflow): drawn as the smallest")
    df = df.assign(
        decades=np.clip(np.nan_to_num(decades, nan=0.0), -MAP_CLIP, MAP_CLIP),
        g0=10**g0,
        g1=10**g1,
        d0=df["layer"] - 0.5,
        d1=df["layer"] + 0.5,
    )
    top = float(df["layer"].max()) + 0.5
    by_gain: dict[float, list[str]] = {}
    for name, g in marks.items():
        by_gain.setdefault(round(float(g), 9), []).append(name)
    lines = pd.DataFrame(
        {"gain": list(by_gain), "label": [" = ".join(n) for n in by_gain.values()], "top": top}
    )
    gain_axis = alt.Axis(values=[0.1, 0.2, 0.5, 1, 2, 5, 10], format="~g")
    x_scale = alt.Scale(type="log", domain=[float(df["g0"].min()), float(df["g1"].max())],
                        nice=False)  # fmt: skip
    legend_labels = f"datum.value == 0 ? '1' : datum.value <= -{MAP_CLIP} ? '≤ 1e-{MAP_CLIP}' "
    legend_labels += f": datum.value >= {MAP_CLIP} ? '≥ 1e{MAP_CLIP}' : '1e' + datum.value"
    cells_layer = (
        alt.Chart(kit.lean(df))
        .mark_rect()
        .encode(
            x=alt.X("g0:Q", title="gain: weights' std x sqrt(width) (log scale)", scale=x_scale,
                    axis=gain_axis),  # fmt: skip
            x2="g1",
            y=alt.Y("d0:Q", title="depth (layer d)", scale=alt.Scale(nice=False, zero=False),
                    axis=kit.int_axis("depth (layer d)")),  # fmt: skip
            y2="d1",
            color=alt.Color(
                "decades:Q",
                scale=alt.Scale(scheme="blueorange", domain=[-MAP_CLIP, MAP_CLIP], domainMid=0),
                legend=alt.Legend(
                    title=legend_title,
                    labelExpr=legend_labels,
                    values=list(range(-MAP_CLIP, MAP_CLIP + 1, 2)),
                    gradientLength=200,
                ),
            ),
            tooltip=[
                alt.Tooltip("gain:Q", format=".3g"),
                alt.Tooltip("std:Q", title="weights' std", format=".3g"),
                alt.Tooltip("layer:Q", title="layer d"),
                alt.Tooltip("ratio:Q", title=what, format=".3g"),
            ],
        )
    )  # fmt: skip
    marked = alt.Chart(lines).encode(x="gain:Q")
    rules = marked.mark_rule(strokeWidth=2, strokeDash=[6, 3], color="black")
    # each name along its line, read bottom to top, over a white halo so it shows on any colour
    names = marked.encode(y="top:Q", text="label:N")
    text = dict(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, fontSize=13)
    halo = names.mark_text(stroke="white", strokeWidth=4, **text)
    chart = alt.layer(cells_layer, rules, halo, names.mark_text(color="black", **text))
    return kit.style(chart, "Scale x depth: " + what, notes, width=kit.LINE_WIDTH, height=340)
