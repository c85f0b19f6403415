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

PATH_PANEL = 170  # px: a scheme's panel of the paths chart (square)
POINT_TIPS = [
    kit.SCHEME_TIP,
    alt.Tooltip("neuron:Q"),
    alt.Tooltip("epoch:Q"),
    alt.Tooltip("w1:Q", title="w1 (from x1)", format=".3~g"),
    alt.Tooltip("w2:Q", title="w2 (from x2)", format=".3~g"),
]


def travel_paths(table: pd.DataFrame, *, epoch: int) -> alt.FacetChart:
    """Each scheme's first-layer neurons as points (w1, w2): a path per neuron through the
    detail epochs up to ``epoch`` (``Result.travel_table(epoch)``), a hollow dot where it
    started and a filled one where it is at ``epoch``. Each panel has its own axes (the
    schemes' scales differ by orders of magnitude), both always including the origin, marked
    by two thin rules."""
    schemes, df = kit.scheme_rows(table)
    df, bad_note = kit.finite(df, "w1", "a diverged scheme's points after it diverged not drawn")
    df = df[["epoch", "scheme", kit.SCHEME, "neuron", "w1", "w2"]]
    first = int(df["epoch"].min()) if len(df) else 0
    df = df.assign(
        when=np.select([df["epoch"] == epoch, df["epoch"] == first], ["now", "start"], "path")
    )
    x = alt.X("w1:Q", title="w1 (weight from x1)", scale=alt.Scale(zero=True, nice=True))
    y = alt.Y("w2:Q", title="w2 (weight from x2)", scale=alt.Scale(zero=True, nice=True))
    color = kit.scheme_color(schemes, legend=False)
    base = alt.Chart().encode(x=x, y=y, color=color, tooltip=POINT_TIPS)
    origin = alt.Chart().mark_rule(color="#999999", strokeWidth=0.8)
    paths = base.mark_line(strokeWidth=1.2, opacity=0.55).encode(detail="neuron:N", order="epoch:Q")
    start = base.mark_point(size=45, filled=False, strokeWidth=1.5).transform_filter(
        alt.datum.when == "start"
    )
    now = base.mark_circle(size=60, opacity=1).transform_filter(alt.datum.when == "now")
    panel = kit.set_props(
        alt.layer(
            origin.encode(x=alt.datum(0)),
            origin.encode(y=alt.datum(0)),
            paths,
            start,
            now,
            data=kit.lean(df),
        ),
        width=PATH_PANEL,
        height=PATH_PANEL,
    )
    chart = kit.scheme_facet(panel, schemes, columns=3).resolve_scale(
        x="independent", y="independent"
    )
    notes = [
        f"each neuron of the first layer at (w1, w2), from epoch {first} (hollow) to epoch "
        f"{epoch} (filled); each panel has its own axes",
        bad_note,
    ]
    return kit.style(chart, f"Where the first layer's weights travel, to epoch {epoch}", notes)


def change_chart(table: pd.DataFrame, *, layer_names: Sequence[str]) -> alt.FacetChart:
    """Each layer's ||W - W0|| / ||W0|| over the detail epochs (``Result.change_table``, repeat
    0), one line per scheme, a panel per layer (``layer_names``, first layer first), on a log
    axis shared by the panels. Epoch 0 (0 by definition) and NaN values (weights that
    started at 0, diverged schemes) are not drawn; the subtitle says so."""
    schemes, df = kit.scheme_rows(table)
    zero_start = sorted(set(df.loc[df["change"].isna(), "scheme"]))
    df = df[(df["epoch"] > 0) & np.isfinite(df["change"]) & (df["change"] > 0)]
    names = dict(enumerate(layer_names, start=1))
    df = df.assign(layer_name=df["layer"].map(names))
    df = kit.lean(df[["epoch", "layer_name", "scheme", kit.SCHEME, "change"]])
    tooltip = [
        kit.SCHEME_TIP,
        alt.Tooltip("layer_name:N", title="layer"),
        alt.Tooltip("epoch:Q"),
        alt.Tooltip("change:Q", title="||W - W0|| / ||W0||", format=".3~g"),
    ]
    y = alt.Y(
        "change:Q",
        title="||W - W0|| / ||W0||",
        scale=alt.Scale(type="log"),
        axis=kit.log_axis(df["change"]),
    )
    lines, points = kit.lines_and_points(kit.epoch_x(), y, schemes, tooltip, size=30)
    panel = kit.set_props(alt.layer(lines, points, data=df), width=260, height=200)
    chart = panel.facet(
        facet=alt.Facet("layer_name:N", sort=list(layer_names), title=None), columns=3
    )
    notes = ["how far each layer's weights moved from where they started, over their size"]
    if zero_start:
        notes.append(
            f"{kit.labels_among(schemes, zero_start)}: not drawn (the weights start at 0, or "
            "the scheme diverged)"
        )
    return kit.style(chart, "How far the weights moved", notes)


def lazy_chart(sweep: pd.DataFrame) -> alt.FacetChart:
    """The lazy/rich sweep (``initdash.travel.lazy_sweep``): each layer's relative change at
    the end against the width (log 2 axis), a line per initial gain (darker = larger), the
    final loss in the tooltip; a panel per layer (1: hidden, 2: output), log y axes shared."""
    df = sweep[np.isfinite(sweep["change"]) & (sweep["change"] > 0)]
    dropped = len(sweep) - len(df)
    df = df.assign(
        layer_name=np.where(df["layer"] == 1, "hidden layer (layer 1)", "output layer (layer 2)"),
        gain_label="x" + df["gain"].map("{:g}".format),
    )
    gains = sorted(df["gain"].unique())
    labels = [f"x{g:g}" for g in gains]
    widths = sorted(int(w) for w in df["width"].unique())
    tooltip = [
        alt.Tooltip("width:Q"),
        alt.Tooltip("gain_label:N", title="initial scale"),
        alt.Tooltip("change:Q", title="||W - W0|| / ||W0||", format=".3~g"),
        alt.Tooltip("loss:Q", title="final training loss", format=".3f"),
    ]
    base = alt.Chart().encode(
        x=alt.X(
            "width:Q",
            title="hidden units (log scale)",
            scale=alt.Scale(type="log", base=2, nice=False),
            axis=alt.Axis(values=widths, format="d"),
        ),
        y=alt.Y(
            "change:Q",
            title="||W - W0|| / ||W0|| at the end",
            scale=alt.Scale(type="log"),
            axis=kit.log_axis(df["change"]),
        ),
        color=alt.Color(
            "gain_label:N",
            sort=labels,
            scale=alt.Scale(domain=labels, scheme="viridis", reverse=True),
            legend=alt.Legend(title="initial scale", symbolOpacity=1, symbolStrokeWidth=0),
        ),
        tooltip=tooltip,
    )
    panel = kit.set_props(
        alt.layer(base.mark_line(strokeWidth=2.5), base.mark_circle(size=60), data=kit.lean(df)),
        width=260,
        height=220,
    )
    chart = panel.facet(facet=alt.Facet("layer_name:N", title=None), columns=2)
    notes = ["one hidden layer, weights N(0, scale^2 / fan-in), the same steps for every net"]
    if dropped:
        notes.append(f"{dropped} net(s) diverged or did not move: not drawn")
    return kit.style(chart, "Lazy or rich: how far the weights move, by width and scale", notes)
