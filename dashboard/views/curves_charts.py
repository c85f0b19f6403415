"""Chart builders of the overview and the loss-curves view: the loss (or accuracy) curves.

Pure functions of tidy tables, no Streamlit (conventions: dashboard.views.kit). The chart is
built in two steps, its table and the few facts its spec depends on (``loss_curves_table``),
then the chart (``loss_chart``): a live redraw whose facts stay the same keeps its spec.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit

# Hover targets (invisible points with a tooltip) per curve of the loss chart, at most: each
# is an SVG element in the browser, and 2000 of them cost more than the lines themselves.
HOVER_POINTS = 60


def loss_curves_table(
    curves: pd.DataFrame,
    *,
    metric: str = "loss",
    log_scale: bool = False,
    splits: Sequence[str] = ("train", "test"),
) -> tuple[pd.DataFrame, dict]:
    """The table ``loss_chart`` draws, and the few facts about it its spec depends on (the
    schemes, whether there is a band, the log axis's floor, the notes): a live chart whose
    facts stay the same keeps its spec from redraw to redraw."""
    kit.check_choice("metric", metric, ("loss", "accuracy"))
    bad = [s for s in splits if s not in ("train", "test")]
    if bad:
        raise ValueError(f"splits {bad} are not allowed; use train and/or test")
    schemes, df = kit.scheme_rows(curves)
    lo, hi = f"{metric}_lo", f"{metric}_hi"
    df = df[df["split"].isin(list(splits))]
    df, bad_note = kit.finite(df, metric, "points after a scheme diverged are not drawn")
    df = df[["epoch", "scheme", kit.SCHEME, "split", metric, lo, hi]]
    df, thin_note = kit.thin(df, "epoch")
    notes = [thin_note, bad_note]
    # every k-th epoch of the table carries a hover target (the spec only says "where hover")
    epochs_shown = np.sort(df["epoch"].unique())
    step = max(math.ceil(len(epochs_shown) / HOVER_POINTS), 1)
    df = df.assign(hover=df["epoch"].isin(epochs_shown[::step]).astype(np.int8))
    band = bool((df[lo] != df[hi]).any())
    log = log_scale and metric == "loss"
    floor, top = None, None
    if log and (df[[metric, lo, hi]].to_numpy() <= 0).any():
        values = df[[metric, lo, hi]].to_numpy().ravel()
        floor = kit.log_floor(values)
        top = float(np.nanmax(values))
        df = df.assign(**{f"{c}_shown": df[c].clip(lower=floor) for c in (metric, lo, hi)})
        notes.append(f"a loss of exactly 0 is drawn at the bottom line, marked 0 ({floor:g})")
    facts = dict(metric=metric, log=log, schemes=tuple(schemes), band=band, floor=floor, top=top,
                 notes=tuple(n for n in notes if n))  # fmt: skip
    return kit.lean(df), facts


def loss_chart(
    table: pd.DataFrame,
    *,
    metric: str,
    log: bool,
    schemes: Sequence[str],
    band: bool,
    floor: float | None,
    top: float | None,
    notes: Sequence[str],
    height: int = 400,
    legend: bool = True,
    epochs: int | None = None,
) -> alt.LayerChart:
    """The loss or accuracy chart of ``loss_curves_table``'s table: its spec depends on the
    arguments only, not on the table's numbers. ``epochs``: fix the x axis to 0..epochs (a
    live run grows across it)."""
    notes = list(notes)
    shown = "" if floor is None else "_shown"  # the columns with exact zeros raised to the floor
    y_field, lo, hi = f"{metric}{shown}", f"{metric}_lo{shown}", f"{metric}_hi{shown}"
    if metric == "loss":
        y_title = "cross-entropy loss" + (" (log scale)" if log else "")
        y_scale = alt.Scale(type="log") if log else alt.Scale(zero=True)
        y_format = ".3~g"
    else:
        y_title = "accuracy (share correct)"
        y_scale = alt.Scale(domain=[0, 1])
        y_format = ".0%"
    pick = kit.legend_pick()
    y_axis = kit.log_axis([top or 1.0], floor, "y") if log else alt.Axis(format=y_format)
    y = alt.Y(f"{y_field}:Q", title=y_title, scale=y_scale, axis=y_axis)
    color = kit.scheme_color(schemes, legend)
    dash_legend = alt.Legend(title="data split", symbolStrokeWidth=2.5, symbolSize=400)
    dash = alt.StrokeDash(
        "split:N",
        scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 4]]),
        legend=dash_legend if legend else None,
    )
    tooltip = [
        kit.SCHEME_TIP,
        alt.Tooltip("split:N"),
        alt.Tooltip("epoch:Q"),
        alt.Tooltip(f"{metric}:Q", title=f"{metric} (mean)", format=".4f"),
    ]
    if band:
        tooltip += [
            alt.Tooltip(f"{metric}_lo:Q", title="lowest of repeats", format=".4f"),
            alt.Tooltip(f"{metric}_hi:Q", title="highest of repeats", format=".4f"),
        ]
    base = alt.Chart().encode(x=kit.epoch_x(epochs), color=color)
    lines = (
        base.mark_line(strokeWidth=2.5)
        .encode(y=y, strokeDash=dash, detail="split:N", opacity=kit.pick_opacity(pick))
        .add_params(pick)  # on a layer, not on the layered chart: that would copy it all
    )
    hover = (
        base.mark_circle(size=70, opacity=0)
        .encode(y=y, tooltip=tooltip)
        .transform_filter("datum.hover == 1")
    )
    # a dot at the newest epoch of each curve: where a live curve has got to, where a finished
    # one ended, and (before training, epoch 0 only) where each scheme starts
    heads = (
        base.mark_circle(size=55)
        .encode(y=y, tooltip=tooltip, opacity=kit.pick_opacity(pick))
        .transform_joinaggregate(newest="max(epoch)", groupby=["scheme", "split"])
        .transform_filter("datum.epoch == datum.newest")
    )
    layers = [lines, hover, heads]
    if band:
        area = base.mark_area().encode(
            y=alt.Y(f"{lo}:Q"),
            y2=alt.Y2(f"{hi}:Q"),
            detail="split:N",
            opacity=kit.pick_opacity(pick, on=0.18),
        )
        layers.insert(0, area)
        notes.append("band: lowest to highest of the repeats; line: their mean")
    title = "Training loss" if metric == "loss" else "Accuracy"
    chart = alt.layer(*layers, data=table)
    return kit.style(chart, title, notes, width=kit.LINE_WIDTH, height=height)
