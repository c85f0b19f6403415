"""Chart builders of the deep-signal lab's Jacobian panel: the singular values of the
input-output Jacobian per scheme and depth, and the isometry sweep over the gain.

Pure functions of ``initdash.lab.spectrum_summary`` tables, no Streamlit (conventions:
dashboard.views.kit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from dashboard.views import kit, legends
from initdash.lab import ISOMETRY_BAND

WEIGHT_COLORS = {"orthogonal": "#D55E00", "Gaussian": "#0072B2"}


def spectrum_by_depth(summary: pd.DataFrame, schemes: Sequence[str]) -> alt.LayerChart:
    """Per depth (x) and scheme (side by side, its colour): the singular values' 5th to 95th
    percentile (bar), median (white tick) and smallest to largest (thin rule), log scale; a
    band marks a factor ISOMETRY_BAND around 1 (isometry). Schemes whose Jacobian is exactly 0
    (Zeros) or not finite are left out, named in the subtitle."""
    df = kit.labelled(summary, schemes)
    zero = df["p100"] == 0
    bad = df[["p0", "p100"]].isna().any(axis=1)
    notes = []
    if zero.any():
        names = kit.labels_among(schemes, df.loc[zero, "scheme"])
        notes.append(f"{names}: J = 0, not drawn")
    if bad.any():
        names = kit.labels_among(schemes, df.loc[bad, "scheme"])
        notes.append(f"{names}: overflowed (not drawn there)")
    df = df[~zero & ~bad]
    shown = [s for s in schemes if s in set(df["scheme"])]
    df = df[["scheme", kit.SCHEME, "depth", "p0", "p5", "p50", "p95", "p100", "near_one",
             "unresolved"]]  # fmt: skip
    depths = sorted(int(d) for d in df["depth"].unique())
    y_scale = alt.Scale(type="log")
    axis = kit.log_axis(df[["p0", "p100"]].to_numpy())
    x = alt.X("depth:O", title="depth (layers)", sort=depths, axis=alt.Axis(labelAngle=0))
    offset = alt.XOffset(f"{kit.SCHEME}:N", sort=kit.scheme_labels(shown))
    # rules and ticks sit at the start of their offset band unless told its middle
    middle = alt.XOffset(f"{kit.SCHEME}:N", sort=kit.scheme_labels(shown), bandPosition=0.5)
    tooltip = [kit.SCHEME_TIP, alt.Tooltip("depth:O"),
               *(alt.Tooltip(f"{c}:Q", title=t, format=".3g") for c, t in
                 (("p0", "smallest"), ("p5", "5th percentile"), ("p50", "median"),
                  ("p95", "95th percentile"), ("p100", "largest"))),
               alt.Tooltip("near_one:Q", title=f"within x{ISOMETRY_BAND:g} of 1", format=".0%"),
               alt.Tooltip("unresolved:Q", title="under 1e-12 of the largest",
                           format=".0%")]  # fmt: skip
    table = kit.lean(df)
    base = alt.Chart(table).encode(x=x, xOffset=offset, color=kit.scheme_color(shown))
    whisker = base.mark_rule(strokeWidth=1.5).encode(
        xOffset=middle, y=alt.Y("p0:Q", title="singular values (log scale)", scale=y_scale,
                                axis=axis), y2="p100")  # fmt: skip
    box = base.mark_bar().encode(y="p5:Q", y2="p95", tooltip=tooltip)
    # white over the bar: not from the base, whose scheme colour would win over the mark's
    # (and a colour value there would blank the legend's symbols)
    mid = alt.Chart(table).mark_tick(color="white", thickness=2).encode(x=x, xOffset=middle,
                                                                        y="p50:Q")  # fmt: skip
    band = pd.DataFrame({"lo": [1 / ISOMETRY_BAND], "hi": [ISOMETRY_BAND], "one": [1.0]})
    shade = alt.Chart(band).mark_rect(color="#999999", opacity=0.25).encode(y="lo:Q", y2="hi")
    one = alt.Chart(band).mark_rule(color="black", strokeDash=[4, 3]).encode(y="one:Q")
    # the bars first of the coloured layers: the legend draws their filled symbols (a rule's
    # are strokes, which kit's legend leaves out); the whisker over a bar of its own colour
    # shows only where it reaches beyond it
    chart = alt.layer(shade, one, box, whisker, mid)
    title = "Jacobian singular values by depth"
    return kit.style(chart, title, notes, width=kit.LINE_WIDTH, height=400)


def isometry_sweep(summary: pd.DataFrame, marks: Mapping[str, float]) -> alt.LayerChart:
    """The share of singular values within a factor ISOMETRY_BAND of 1 (y) against the gain
    (x), one colour per kind of weights, solid for the lab's inputs (std 1) and dashed for
    small ones; ``marks``: label -> gain, a dotted vertical rule each."""
    df = summary[["weights", "gain", "input_std", "near_one", "p5", "p50", "p95"]].copy()
    df["inputs"] = df["input_std"].map(lambda s: f"std {s:g}").astype(object)
    inputs = [f"std {s:g}" for s in sorted(df["input_std"].unique(), reverse=True)]
    kinds = [k for k in WEIGHT_COLORS if k in set(df["weights"])]
    color = alt.Color("weights:N", scale=alt.Scale(domain=kinds,
                      range=[WEIGHT_COLORS[k] for k in kinds]),
                      legend=alt.Legend(title="weights"))  # fmt: skip
    dash = alt.StrokeDash("inputs:N", sort=inputs, scale=alt.Scale(domain=inputs,
                          range=[[1, 0], [6, 3]][: len(inputs)]),
                          legend=alt.Legend(title="inputs", symbolType="stroke",
                                            symbolStrokeColor="#333333",
                                            symbolStrokeWidth=2.5,
                                            symbolSize=400))  # fmt: skip
    tooltip = [alt.Tooltip("weights:N"), alt.Tooltip("inputs:N"),
               alt.Tooltip("gain:Q", format=".3g"),
               alt.Tooltip("near_one:Q", title=f"within x{ISOMETRY_BAND:g} of 1", format=".0%"),
               alt.Tooltip("p5:Q", title="5th percentile", format=".3g"),
               alt.Tooltip("p50:Q", title="median", format=".3g"),
               alt.Tooltip("p95:Q", title="95th percentile", format=".3g")]  # fmt: skip
    base = alt.Chart(kit.lean(df)).encode(
        x=alt.X("gain:Q", title="gain: weights' std x sqrt(width)", scale=alt.Scale(zero=False)),
        y=alt.Y("near_one:Q", title=f"within x{ISOMETRY_BAND:g} of 1",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        color=color,
    )  # fmt: skip
    # the dash on the lines only: the dots' (filled) would leave the legend's samples blank
    lines = base.mark_line(strokeWidth=2.5).encode(strokeDash=dash)
    dots = base.mark_circle(size=60).encode(tooltip=tooltip)
    rules = pd.DataFrame({"gain": list(marks.values()), "label": list(marks)})
    marked = alt.Chart(rules).encode(x="gain:Q")
    text = dict(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, fontSize=13)
    names = marked.encode(y=alt.datum(1.0), text="label:N")
    chart = alt.layer(
        marked.mark_rule(color="black", strokeDash=[2, 2]), lines, dots,
        names.mark_text(stroke="white", strokeWidth=4, **text),
        names.mark_text(color="black", **text),
    )  # fmt: skip
    title = "Near 1, over the gain"
    styles = legends.and_list([f"{'solid' if i == 0 else 'dashed'} for inputs of {name}"
                           for i, name in enumerate(inputs)])  # fmt: skip
    about = (
        f"{title}: line chart of the share of singular values within x{ISOMETRY_BAND:g} of 1 "
        f"against the gain, for {legends.and_list(kinds)} weights, {styles}; dotted rules at "
        f"{legends.and_list(list(marks))}."
    )
    return kit.style(chart, title, width=kit.LINE_WIDTH, height=340, description=about)
