"""Chart builders of the activations, gradients-at-init and update-ratio views.

Pure functions of tidy tables, no Streamlit (conventions: dashboard.views.kit): where a layer's
outputs lie over training (heatmaps or Glorot & Bengio's percentile bands), the gradients per
layer at epoch 0, and Karpathy's update-to-data ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit, legends

SHARE_SCALE = alt.Scale(type="sqrt", domain=[0, 1], scheme="viridis")
SHARE_EMPTY = "#440154"  # viridis at 0
PERCENTILES = {"p2": "2nd percentile", "p50": "median", "p98": "98th percentile"}


class ValueAxis(NamedTuple):
    """The axis of activation values: linear over a fixed ``domain`` (a bounded activation's
    range, e.g. tanh's -1..1), or symmetric-log with constant ``symlog`` (unbounded
    activations, whose bins the core spaces that way); neither: linear over the data."""

    domain: tuple[float, float] | None = None
    symlog: float | None = None


def _value_y(
    field: str, values, domain: Sequence[float] | None, symlog: float | None, grid: bool = True
) -> alt.Y:
    """The y axis of output values (see :class:`ValueAxis`); symlog ticks within ``values``."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (-1.0, 1.0)
    if symlog is None:  # every panel on the same axis: the given range, else the data's
        scale = alt.Scale(domain=list(domain) if domain else [lo, hi], nice=not domain)
        return alt.Y(field, title=None, scale=scale, axis=alt.Axis(grid=grid))
    symlog_axis = kit.symlog_scale(lo, hi, symlog, per_side=4, grid=grid)
    return alt.Y(field, title=None, **symlog_axis)


def _tips(**fields: str) -> list[alt.Tooltip]:
    """Tooltips: the scheme, the epoch, then each field (name=title), a share as a percent."""
    tips = [kit.SCHEME_TIP, alt.Tooltip("epoch:Q")]
    for name, title in fields.items():
        fmt = ".1%" if name == "share" else ".3~g"
        tips.append(alt.Tooltip(f"{name}:Q", title=title, format=fmt))
    return tips


def _per_scheme(df: pd.DataFrame, schemes) -> list[tuple[str, tuple[pd.DataFrame]]]:
    """Each scheme's rows (by its label, column ``SCHEME``), a panel's table each."""
    return [
        (label, (df[df[kit.SCHEME] == label].reset_index(drop=True),))
        for label in kit.scheme_labels(schemes)
    ]


SHARE_COLORS = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")  # viridis, sqrt-spaced


def activation_heatmaps(table: pd.DataFrame, *, layer: int = 1, axis=None) -> kit.Panels:
    """How a hidden layer's outputs are distributed over training, from
    ``Result.activation_table(layer)``: one heatmap per scheme, x = epoch (each recorded
    epoch a column), y = output value (the table's bins), colour = share of the outputs in
    the bin (square-root scale, so a thin spread still shows beside a spike). ``axis``: the
    value axis (:class:`ValueAxis`; default: linear over the data)."""
    domain, symlog = axis or ValueAxis()
    schemes, df = kit.scheme_rows(table)
    df, thin_note = kit.thin(df, "epoch")
    x_lo, x_hi = kit.cell_bounds(df["epoch"])
    cols = ["epoch", "x_lo", "x_hi", kit.SCHEME, "lo", "hi", "share"]
    df = kit.lean(df.assign(x_lo=x_lo, x_hi=x_hi)[cols])
    epoch_axis = alt.Axis(
        title="epoch",
        format="d",
        tickMinStep=1,
        tickCount=5,
        grid=False,
        labelExpr="datum.value < 0 ? '' : datum.label",  # the first column reaches below 0
    )
    tables = _per_scheme(df, schemes)
    panel = (
        alt.Chart(tables[0][1][0] if tables else df)
        .mark_rect(strokeWidth=0.6)  # a stroke of the fill's colour: no seams between cells
        .transform_calculate(edge="datum.share")  # (the same field would merge the legends)
        .encode(
            x=alt.X("x_lo:Q", axis=epoch_axis, scale=alt.Scale(nice=False, zero=False)),
            x2="x_hi:Q",
            y=_value_y("lo:Q", df[["lo", "hi"]].to_numpy(), domain, symlog, grid=False),
            y2="hi:Q",
            color=alt.Color("share:Q", scale=SHARE_SCALE, legend=None),
            stroke=alt.Color("edge:Q", scale=SHARE_SCALE, legend=None),
            tooltip=_tips(lo="outputs from", hi="to", share="share"),
        )
    )
    # no outputs beyond an epoch's bins: the background has the colour of a share of 0
    empty = alt.ViewBackground(fill=SHARE_EMPTY, stroke="#999999", strokeWidth=0.5)
    panel = kit.set_props(panel, view=empty)
    notes = [thin_note]
    if (df.groupby(["epoch", kit.SCHEME], observed=True)["share"].sum() == 0).any():
        notes.append("no outputs once a scheme has diverged")
    if symlog is not None:
        notes.append(f"value axis symmetric-log: linear within about +-{symlog:g}")
    legend = legends.legend_html(
        [(legends.gradient(SHARE_COLORS, "0%", "100%"), "share of the outputs in the bin")],
        f"Hidden layer {layer}'s outputs (probe batch; up: output value, across: epoch):",
    )
    width = kit.panel_width(len(schemes))
    chart = kit.style(panel, "")
    return kit.Panels(chart, tables, width, width + 60, legend, [n for n in notes if n])


def activation_bands(pct: pd.DataFrame, *, layer: int = 1, axis=None) -> kit.Panels:
    """Glorot & Bengio's percentile bands over training, from
    ``Result.activation_percentiles()``: per scheme, the median output of hidden layer
    ``layer`` (line) and the band from the 2nd to the 98th percentile, over the epochs, on the
    value ``axis`` (:class:`ValueAxis`)."""
    domain, symlog = axis or ValueAxis()
    schemes, df = kit.scheme_rows(pct)
    df = df[df["layer"] == layer][["epoch", "scheme", kit.SCHEME, *PERCENTILES]]
    df, bad_note = kit.finite(df, "p50", "epochs after a scheme diverged are not drawn")
    df, thin_note = kit.thin(df, "epoch")
    base = alt.Chart().encode(
        x=kit.epoch_x(),
        color=kit.scheme_color(schemes, legend=False),
        tooltip=_tips(**PERCENTILES),
    )
    y = _value_y("p2:Q", df[["p2", "p98"]].to_numpy(), domain, symlog)
    band = base.mark_area(opacity=0.25).encode(y=y, y2="p98:Q")
    edges = [base.mark_line(strokeWidth=1).encode(y=f"{q}:Q") for q in ("p2", "p98")]
    median = base.mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=25)).encode(y="p50:Q")
    tables = _per_scheme(kit.lean(df), schemes)
    panel = alt.layer(band, *edges, median, data=tables[0][1][0] if tables else kit.lean(df))
    legend = legends.legend_html(
        [(legends.swatch(kit.TEXT_COLORS["text"], "solid"), "median output"),
         (legends.swatch("#BBBBBB"), "2nd to 98th percentile (Glorot & Bengio)")],
        f"Hidden layer {layer}'s outputs over the epochs:",
    )  # fmt: skip
    width = kit.panel_width(len(schemes))
    chart = kit.style(panel, "")
    return kit.Panels(chart, tables, width, width + 50, legend, [thin_note, bad_note])


GRADIENT_LABELS = {
    "dz": "back-propagated |dL/dz| (per example)",
    "dw": "weight gradient |dL/dW|",
}


def gradient_bands(table: pd.DataFrame) -> kit.Panels:
    """Glorot & Bengio's Figs. 7 and 8 from ``Result.gradient_table()``: per scheme, against
    the layer (the last is the output), the median of |dL/dz| (solid) and of |dL/dW| (dashed),
    each in a band from its 2nd to its 98th percentile, on one log axis (0 on a floor). A
    median of exactly 0 is marked as such (an x on the floor) and no line joins it to the
    other layers' values: a line from the floor up would read as a gradient that grows."""
    schemes, df = kit.scheme_rows(table)
    df = df.assign(which=df["gradient"].map(GRADIENT_LABELS).astype(object))
    df = df[["layer", "kind", "gradient", "which", "scheme", kit.SCHEME, *PERCENTILES]]
    df = df[df[list(PERCENTILES)].notna().all(axis=1)]
    df, inf_note = kit.finite(df, "p98", kit.OVERFLOW)
    notes = ["line: median; band: 2nd to 98th percentile; probe batch", inf_note]
    values = df[list(PERCENTILES)].to_numpy().ravel()
    floor = None
    if (values == 0).any():
        floor = kit.log_floor(values)
        names = kit.labels_among(schemes, df.loc[df["p50"] == 0, "scheme"])
        where = f" ({names}: median exactly 0, marked x, no line drawn to it)" if names else ""
        notes.append(f"exactly 0 is drawn at the bottom line, marked 0{where}")
    df = df.sort_values(["scheme", "which", "layer"], kind="stable")
    zero = df["p50"] == 0
    # a new stretch of line wherever the median turns 0 or back: lines never join a 0 and a value
    stretch = zero.ne(zero.groupby([df["scheme"], df["which"]]).shift()).astype(int)
    stretch = stretch.groupby([df["scheme"], df["which"]]).cumsum()
    df = df.assign(
        zero=zero.astype(np.int8),
        stretch=stretch.astype(np.int16),
        **{f"{q}_shown": df[q].clip(lower=floor) for q in PERCENTILES},
    )
    df = kit.lean(df)
    dash = alt.StrokeDash(
        "which:N",
        scale=alt.Scale(domain=list(GRADIENT_LABELS.values()), range=[[1, 0], [6, 4]]),
        legend=None,
    )
    shown = df[[f"{q}_shown" for q in PERCENTILES]].to_numpy(dtype=float)
    shown = shown[np.isfinite(shown) & (shown > 0)]
    domain = [float(shown.min()), float(shown.max())] if shown.size else [1e-6, 1.0]
    y_log = dict(
        title=None,
        scale=alt.Scale(type="log", domain=domain),  # the panels share it
        axis=kit.log_axis(values, floor),
    )
    y = alt.Y("p50_shown:Q", **y_log)
    base = alt.Chart().encode(
        x=kit.layer_x("layer (last = output)", df["layer"].unique()),
        color=kit.scheme_color(schemes, legend=False),
        detail=["which:N", "stretch:O"],
    )
    band = base.mark_area(opacity=0.15).encode(y=alt.Y("p2_shown:Q", **y_log), y2="p98_shown:Q")
    tooltip = [
        kit.SCHEME_TIP,
        alt.Tooltip("which:N", title="gradient"),
        alt.Tooltip("layer:Q"),
        alt.Tooltip("kind:N", title="layer kind"),
        *(alt.Tooltip(f"{q}:Q", title=title, format=".3~g") for q, title in PERCENTILES.items()),
    ]
    nonzero = alt.datum.zero == 0
    line = base.mark_line(strokeWidth=2.5).encode(y=y, strokeDash=dash).transform_filter(nonzero)
    points = base.mark_circle(size=30).encode(y=y, tooltip=tooltip).transform_filter(nonzero)
    zeros = (
        base.mark_point(shape="cross", size=110, filled=True, angle=45)
        .encode(y=y, tooltip=tooltip)
        .transform_filter(alt.datum.zero == 1)
    )
    tables = _per_scheme(df, schemes)
    panel = alt.layer(band, line, points, zeros, data=tables[0][1][0] if tables else df)
    legend = legends.legend_html(
        [(legends.swatch(kit.TEXT_COLORS["text"], "solid"), GRADIENT_LABELS["dz"]),
         (legends.swatch(kit.TEXT_COLORS["text"], "dashed"), GRADIENT_LABELS["dw"])],
        "Gradients at initialization (|gradient| up, log scale):",
    )  # fmt: skip
    width = kit.panel_width(len(schemes))
    return kit.Panels(kit.style(panel, ""), tables, width, 240, legend, [n for n in notes if n])


UPDATE_REFERENCE = -3.0  # log10 of Karpathy's rule-of-thumb update-to-data ratio, 1e-3


def update_ratios(table: pd.DataFrame, *, max_panels: int = 8) -> kit.Panels:
    """log10(std of the applied update / std of the weights) over training, from
    ``Result.update_table()``: a panel per weight layer (at most ``max_panels``, evenly picked),
    a line per scheme, dashed at Karpathy's rule of thumb, 1e-3 (-3)."""
    schemes, df = kit.scheme_rows(table)
    n_layers = int(df["layer"].max()) if len(df) else 0
    layers = kit.evenly(df["layer"].unique(), max_panels)
    df = df[df["layer"].isin(layers)]
    ok = np.isfinite(df["log10_ratio"].to_numpy(dtype=float))
    measured = df["epoch"].isin(df.loc[ok, "epoch"]).to_numpy()  # (none after the last epoch)
    missing = set(df.loc[~ok & measured, "scheme"])
    df = df[ok]
    notes = ["dashed: 1e-3 (-3), Karpathy's rule of thumb"]
    if len(layers) < n_layers:
        notes.append(f"{len(layers)} of {n_layers} layers shown")
    if missing:
        names = kit.labels_among(schemes, missing)
        notes.append(f"not drawn where the ratio is undefined, 0 or infinite ({names})")
    name = "layer " + df["layer"].astype(str)
    df = df.assign(panel=np.where(df["layer"] == n_layers, name + " (output)", name))
    df = kit.lean(
        df[["epoch", "layer", "panel", "scheme", kit.SCHEME, "update_ratio", "log10_ratio"]]
    )
    values = np.append(df["log10_ratio"].to_numpy(dtype=float), UPDATE_REFERENCE)
    lines = (
        alt.Chart()
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=25))
        .encode(
            x=kit.epoch_x(),
            y=alt.Y(
                "log10_ratio:Q",
                title=None,
                scale=alt.Scale(domain=[float(values.min()), float(values.max())], nice=True),
            ),
            color=kit.scheme_color(schemes, legend=False),
            tooltip=[
                kit.SCHEME_TIP,
                alt.Tooltip("epoch:Q"),
                alt.Tooltip("panel:N", title="layer"),
                alt.Tooltip("update_ratio:Q", title="ratio", format=".3~g"),
                alt.Tooltip("log10_ratio:Q", title="log10", format=".2f"),
            ],
        )
    )
    rule = (
        alt.Chart()
        .mark_rule(strokeDash=[6, 4], color="#888888")
        .encode(y=alt.datum(UPDATE_REFERENCE))
    )
    order = sorted(df["panel"].unique(), key=lambda p: int(p.split()[1]))
    tables = [(p, (df[df["panel"] == p].reset_index(drop=True),)) for p in order]
    panel = alt.layer(lines, rule, data=tables[0][1][0] if tables else df)
    legend = legends.legend_html(
        [(legends.swatch(kit.SCHEME_COLORS[s]), kit.SCHEMES[s].label) for s in schemes]
        + [(legends.swatch("#888888", "dashed"), "1e-3 (-3), Karpathy's rule of thumb")],
        "Update-to-data ratio per layer, log10(update std / weight std), over the epochs:",
    )
    width = kit.panel_width(len(order))
    return kit.Panels(kit.style(panel, ""), tables, width, 220, legend, notes[1:])
