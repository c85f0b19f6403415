"""Chart builder of the decision-boundary view: each scheme's predictions over the plane.

A pure function of tidy tables, no Streamlit (conventions: dashboard.views.kit).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit, legends
from initdash import SCHEMES

# Class colours of the decision-boundary maps (Okabe-Ito); class 0 blue, class 1 orange, ...
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


def decision_boundaries(
    grid: pd.DataFrame,
    points: pd.DataFrame,
    *,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
) -> kit.Panels:
    """Each scheme's predictions over the plane (``Result.boundary_table(epoch)``) under the
    data (``Result.points_table()``; hollow: test set), a square panel per scheme on shared
    axes. Two classes: the background is P(class 1) (blue - white - orange); more: the
    predicted class's colour, fainter where the network is unsure. Each panel has two
    tables: its scheme's grid and the points (the same for every panel). ``class_names`` and
    ``feature_names`` (``Data``'s, e.g. a CSV file's) name the classes in the legend and
    tooltips and the two axes (default: 0, 1, ... and x1, x2)."""
    if not len(grid):
        raise ValueError("no grid to draw: decision boundaries need 2-D data")
    schemes, g = kit.scheme_rows(grid)
    notes = []
    if len(g) > kit.MAX_ROWS * len(schemes):  # a panel's grid over the limit: every k-th line
        n = math.isqrt(kit.MAX_ROWS)
        k = math.ceil(max(g["x1"].nunique(), g["x2"].nunique()) / n)
        x1s = np.sort(g["x1"].unique())[::k]
        x2s = np.sort(g["x2"].unique())[::k]
        full = f"{g['x1'].nunique()} x {g['x2'].nunique()}"
        notes.append(f"{len(x1s)} x {len(x2s)} of {full} grid points shown")
        g = g[g["x1"].isin(x1s) & g["x2"].isin(x2s)]
    hx, hy = kit.half_step(g["x1"]), kit.half_step(g["x2"])
    x_scale, y_scale = (
        alt.Scale(domain=[float(g[c].min() - h), float(g[c].max() + h)], nice=False, zero=False)
        for c, h in (("x1", hx), ("x2", hy))
    )
    top_label = points["label"].max() if len(points) else 0
    n_classes = max(int(max(top_label, g["predicted"].max()) + 1), 2)
    binary = n_classes == 2
    g = kit.lean(
        g[["scheme", kit.SCHEME, "x1", "x2", "predicted", "p1" if binary else "confidence"]]
    )
    cells = kit.cell_edges("x1", "x2", hx, hy)
    if binary:
        cells["confidence"] = "max(datum.p1, 1 - datum.p1)"
    pts = points
    if len(pts) > kit.MAX_ROWS:
        pts = pts.iloc[kit.evenly(np.arange(len(pts)), kit.MAX_ROWS)]
        notes.append(f"{len(pts)} of {len(points)} data points shown")
    pts = kit.lean(pts[["x1", "x2", "label", "split"]])
    classes = list(range(n_classes))
    palette = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in classes]
    names = [str(n) for n in (class_names or ())][:n_classes]
    names += [str(c) for c in classes[len(names) :]]
    name_of = f"{json.dumps(names)}[datum.{{}}]"  # a class number -> its name, in the browser
    x1_name, x2_name = (list(feature_names or ()) + ["x1", "x2"])[:2]

    bg_tip = [
        kit.SCHEME_TIP,
        alt.Tooltip("x1:Q", format=".2f"),
        alt.Tooltip("x2:Q", format=".2f"),
        alt.Tooltip("predicted_name:N", title="predicted class"),
        alt.Tooltip("confidence:Q", format=".1%"),
    ]
    cells["predicted_name"] = name_of.format("predicted")
    class_scale = alt.Scale(domain=classes, range=palette)
    if binary:
        p1 = f"P({names[1]})"
        color = alt.Color(
            "p1:Q",
            # "lab": Vega's default "hcl" turns the white midpoint yellow
            scale=alt.Scale(
                domain=[0, 0.5, 1], range=[palette[0], "#ffffff", palette[1]], interpolate="lab"
            ),
            legend=None,
        )
        opacity = alt.value(0.55)
        bg_tip.append(alt.Tooltip("p1:Q", title=p1, format=".1%"))
    else:
        color = alt.Color("predicted:N", scale=class_scale, legend=None)
        opacity = alt.Opacity(
            "confidence:Q",
            scale=alt.Scale(domain=[1 / n_classes, 1], range=[0.05, 0.6]),
            legend=None,
        )
    pt_tip = [
        alt.Tooltip("label_name:N", title="true class"),
        alt.Tooltip("split:N"),
        alt.Tooltip("x1:Q", format=".2f"),
        alt.Tooltip("x2:Q", format=".2f"),
    ]
    pt = (
        alt.Chart(pts)
        .encode(x=alt.X("x1:Q", scale=x_scale), y=alt.Y("x2:Q", scale=y_scale), tooltip=pt_tip)
        .transform_calculate(label_name=name_of.format("label"))
    )
    train = (
        pt.mark_point(filled=True, size=32, stroke="#222222", strokeWidth=0.6, opacity=1)
        .encode(fill=alt.Fill("label:N", scale=class_scale, legend=None))
        .transform_filter(alt.datum.split == "train")
    )
    test = (
        pt.mark_point(filled=False, size=40, strokeWidth=2, opacity=1)
        .encode(stroke=alt.Stroke("label:N", scale=class_scale, legend=None))
        .transform_filter(alt.datum.split == "test")
    )
    g_tables = [g[g["scheme"] == sc].reset_index(drop=True) for sc in schemes]
    bg = (
        alt.Chart(g_tables[0])
        .mark_rect()
        .encode(x2="x1_hi:Q", y2="x2_hi:Q", color=color, opacity=opacity)
    )
    x = alt.X("x1_lo:Q", scale=x_scale, axis=alt.Axis(title=None, tickCount=4))
    y = alt.Y("x2_lo:Q", scale=y_scale, axis=alt.Axis(title=None, tickCount=4))
    cells_layer = bg.encode(x=x, y=y, tooltip=bg_tip).transform_calculate(**cells)
    panel = alt.layer(cells_layer, train, test)
    notes.append(
        f"{x1_name} across, {x2_name} up (both standardized); filled points: training set, "
        "hollow: test"
    )
    if binary:
        key = [(legends.gradient((palette[0], "#ffffff", palette[1]), "0%", "100%"), p1)]
    else:
        key = [(legends.swatch(palette[c]), f"class {names[c]}") for c in classes]
        key.append(("", "(fainter: less sure)"))
    key += [
        (legends.swatch(palette[c]), f"a point of class {names[c]}") for c in classes[:2] if binary
    ]
    tables = [(SCHEMES[sc].label, (gt, pts)) for sc, gt in zip(schemes, g_tables, strict=True)]
    legend = legends.legend_html(key, (title or "Decision boundaries") + ":")
    width = kit.panel_width(len(schemes))
    return kit.Panels(kit.style(panel, ""), tables, width, width + 20, legend, notes)
