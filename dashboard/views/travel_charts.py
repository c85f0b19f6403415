"""Chart builders of the weight-paths view: where the weights travel, and how far.

Pure functions of tidy tables, no Streamlit (conventions: dashboard.views.kit): the first
layer's neurons as points in the plane of their two incoming weights with their paths
(``Result.travel_table``), each layer's relative weight change over epochs
(``Result.change_table``) and the lazy/rich sweep (``initdash.travel.lazy_sweep``).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit
from initdash import SCHEMES

PATH_HEIGHT = 300  # px, the whole chart: one scheme's paths (the width follows its column)
PANEL_HEIGHT = 360  # px, the whole chart: a layer's relative change, a layer of the sweep
POINT_TIPS = [
    alt.Tooltip("neuron:Q"),
    alt.Tooltip("epoch:Q"),
    alt.Tooltip("w1:Q", title="w1 (from x1)", format=".3~g"),
    alt.Tooltip("w2:Q", title="w2 (from x2)", format=".3~g"),
]
CHANGE_TITLE = "||W - W0|| / ||W0||"
# above the plot (at the side it would take a phone's width), in every panel of a row so
# that their plots are as tall
TOP_LEGEND = dict(orient="top", symbolOpacity=1, symbolStrokeWidth=0, labelLimit=140)


def travel_path(table: pd.DataFrame, *, scheme: str, epoch: int) -> alt.LayerChart:
    """One scheme's first-layer neurons as points (w1, w2) (``Result.travel_table(epoch)``,
    its rows): a path per neuron through the detail epochs up to ``epoch``, a hollow dot where
    it started and a filled one where it is at ``epoch``, on axes of its own that always
    include the origin (two thin rules). A single view: it takes its column's width, so a
    row of them stacks on a phone."""
    df = table[table["scheme"] == scheme]
    diverged = bool(df["w1"].isna().any())
    df = df[np.isfinite(df["w1"])][["epoch", "neuron", "w1", "w2"]]
    first = int(df["epoch"].min()) if len(df) else 0
    df = df.assign(
        when=np.select([df["epoch"] == epoch, df["epoch"] == first], ["now", "start"], "path")
    )
    axis = dict(format=".3~g", tickCount=5)
    x = alt.X("w1:Q", title="w1 (from x1)", scale=alt.Scale(zero=True), axis=alt.Axis(**axis))
    y = alt.Y("w2:Q", title="w2 (from x2)", scale=alt.Scale(zero=True), axis=alt.Axis(**axis))
    color = kit.SCHEME_COLORS[scheme]
    base = alt.Chart().encode(x=x, y=y, tooltip=POINT_TIPS)
    origin = alt.Chart().mark_rule(color="#999999", strokeWidth=0.8)
    paths = base.mark_line(strokeWidth=1.2, opacity=0.55, color=color).encode(
        detail="neuron:N", order="epoch:Q"
    )
    start = base.mark_point(size=45, filled=False, strokeWidth=1.5, color=color)
    now = base.mark_circle(size=60, opacity=1, color=color)
    chart = alt.layer(
        origin.encode(x=alt.datum(0)),
        origin.encode(y=alt.datum(0)),
        paths,
        start.transform_filter(alt.datum.when == "start"),
        now.transform_filter(alt.datum.when == "now"),
        data=kit.lean(df),
    )
    title = alt.Title(SCHEMES[scheme].label, fontSize=15)  # dark text: the marks carry the colour
    notes = ["diverged: its points stop where it diverged"] if diverged else []
    return kit.style(chart, title, notes, height=PATH_HEIGHT)


def change_chart(
    table: pd.DataFrame, *, layer: int, name: str, domain: Sequence[float], legend: bool = True
) -> alt.LayerChart:
    """One layer's ||W - W0|| / ||W0|| over the detail epochs (``Result.change_table``, repeat
    0), one line per scheme, on a log axis over ``domain`` (shared by the layers drawn side by
    side: :func:`change_domain`). Epoch 0 (0 by definition) and NaN values (weights that
    started at 0, diverged schemes) are not drawn; the subtitle names those schemes."""
    schemes, df = kit.scheme_rows(table[table["layer"] == layer])
    blank = sorted(set(df.loc[df["change"].isna() & (df["epoch"] > 0), "scheme"]))
    df = df[(df["epoch"] > 0) & np.isfinite(df["change"]) & (df["change"] > 0)]
    df = kit.lean(df[["epoch", "scheme", kit.SCHEME, "change"]])
    tooltip = [
        kit.SCHEME_TIP,
        alt.Tooltip("epoch:Q"),
        alt.Tooltip("change:Q", title=CHANGE_TITLE, format=".3~g"),
    ]
    y = alt.Y(
        "change:Q",
        title=CHANGE_TITLE,
        scale=alt.Scale(type="log", domain=list(domain)),
        axis=kit.log_axis(domain),
    )
    color = alt.Color(
        f"{kit.SCHEME}:N",
        scale=kit.scheme_scale(schemes),
        sort=kit.scheme_labels(schemes),
        legend=alt.Legend(title=None, columns=3, **TOP_LEGEND) if legend else None,
    )
    base = alt.Chart().encode(x=kit.epoch_x(), y=y, color=color, tooltip=tooltip)
    chart = alt.layer(base.mark_line(strokeWidth=2.5), base.mark_circle(size=30), data=df)
    notes = []
    if blank:
        notes.append(f"not drawn: {kit.labels_among(schemes, blank)} (started at 0 or diverged)")
    return kit.style(chart, name, notes, height=PANEL_HEIGHT)


def change_domain(values) -> tuple[float, float]:
    """A log axis's range over the positive finite ``values``, out to whole decades."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return (0.01, 1.0)
    return (10.0 ** np.floor(np.log10(v.min())), 10.0 ** np.ceil(np.log10(v.max())))


def lazy_chart(
    sweep: pd.DataFrame, *, layer: int, domain: Sequence[float], legend: bool = True
) -> alt.LayerChart:
    """One layer of the lazy/rich sweep (``initdash.travel.lazy_sweep``; 1: the hidden layer,
    2: the output layer): its relative change at the end against the width (log 2 axis), a
    line per initial scale (darker = larger), the final loss in the tooltip, on a log axis
    over ``domain`` (shared by the two layers)."""
    part = sweep[sweep["layer"] == layer]
    df = part[np.isfinite(part["change"]) & (part["change"] > 0)]
    dropped = len(part) - len(df)
    gains = sorted(sweep["gain"].unique())
    labels = [f"x{g:g}" for g in gains]
    df = df.assign(gain_label="x" + df["gain"].map("{:g}".format))
    widths = sorted(int(w) for w in sweep["width"].unique())
    tooltip = [
        alt.Tooltip("width:Q"),
        alt.Tooltip("gain_label:N", title="initial scale"),
        alt.Tooltip("change:Q", title=CHANGE_TITLE, format=".3~g"),
        alt.Tooltip("loss:Q", title="final training loss", format=".3f"),
    ]
    legend_spec = alt.Legend(title="initial scale", columns=4, **TOP_LEGEND) if legend else None
    base = alt.Chart().encode(
        x=alt.X(
            "width:Q",
            title="hidden units (log scale)",
            scale=alt.Scale(type="log", base=2, nice=False),
            axis=alt.Axis(values=widths, format="d"),
        ),
        y=alt.Y(
            "change:Q",
            title=f"{CHANGE_TITLE} at the end",
            scale=alt.Scale(type="log", domain=list(domain)),
            axis=kit.log_axis(domain),
        ),
        color=alt.Color(
            "gain_label:N",
            sort=labels,
            scale=alt.Scale(domain=labels, scheme="viridis", reverse=True),
            legend=legend_spec,
        ),
        tooltip=tooltip,
    )
    chart = alt.layer(base.mark_line(strokeWidth=2.5), base.mark_circle(size=60), data=kit.lean(df))
    name = "hidden layer (layer 1)" if layer == 1 else "output layer (layer 2)"
    notes = [f"{dropped} net(s) diverged or did not move: not drawn"] if dropped else []
    return kit.style(chart, name, notes, height=PANEL_HEIGHT)
