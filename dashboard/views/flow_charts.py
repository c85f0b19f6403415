"""Chart builder of the signal-flow view and of the deep-signal lab: a measure per layer.

A pure function of a tidy table, no Streamlit (conventions: dashboard.views.kit).
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from dashboard.views import kit, legends


@dataclass(frozen=True)
class Measure:
    """How to draw one per-layer measure: axis title, log by default?, fixed domain."""

    title: str
    log: bool
    domain: tuple[float, float] | None = None
    format: str = ".3~g"


MEASURES: dict[str, Measure] = {
    "act_std": Measure("activation spread (std of outputs)", log=True),
    "act_mean": Measure("mean activation", log=False),
    "saturated_fraction": Measure(
        "saturated units (share)", log=False, domain=(0, 1), format=".0%"
    ),
    "dead_fraction": Measure("dead ReLU units (share)", log=False, domain=(0, 1), format=".0%"),
    "grad_norm": Measure("weight-gradient norm |dL/dW|", log=True),
    "backprop_signal": Measure("backprop signal RMS |dL/dz|", log=True),
}


def signal_flow(
    layers: pd.DataFrame,
    *,
    measure: str = "act_std",
    log_scale: bool | None = None,
) -> alt.LayerChart:
    """One per-layer measure against depth, a line per scheme, from ``Result.layer_table()``
    or ``initdash.propagate()`` (same columns). ``log_scale=None``: the measure's default (log
    for spreads and gradients); on a log axis an exact 0 is drawn on a floor, marked 0."""
    kit.check_choice("measure", measure, MEASURES)
    m = MEASURES[measure]
    log = m.log if log_scale is None else bool(log_scale)
    schemes, df = kit.scheme_rows(layers)
    df = df[df[measure].notna()]
    df, inf_note = kit.finite(df, measure, kit.OVERFLOW)
    keep = ["layer", "scheme", kit.SCHEME, measure] + [c for c in ("kind", "epoch") if c in df]
    df = df[keep]
    df, thin_note = kit.thin(df, "layer")
    notes = [thin_note, inf_note, legends.coincide_note(df, ["layer"], measure, "at every layer")]
    y_field, floor = measure, None
    if log and (df[measure] < 0).any():
        log = False  # a negative value cannot go on a log axis at all
        notes.append("negative values: linear axis")
    if log and (df[measure] == 0).any():
        floor = kit.log_floor(df[measure])
        y_field = f"{measure}_shown"
        df = df.assign(**{y_field: df[measure].clip(lower=floor)})
        names = kit.labels_among(schemes, df.loc[df[measure] == 0, "scheme"])
        notes.append(f"exactly 0 ({names}) is drawn at the bottom line, marked 0 ({floor:g})")
    if log:
        scale, axis = alt.Scale(type="log"), kit.log_axis(df[measure], floor)
    else:
        scale = alt.Scale(domain=list(m.domain)) if m.domain else alt.Scale(zero=True)
        axis = alt.Axis(format=m.format)
    has_output = "kind" in df and (df["kind"] == "output").any()
    x_title = "layer (last = output)" if has_output else "hidden layer (depth)"
    x = kit.layer_x(x_title, df["layer"].unique())
    y_title = m.title + (" (log scale)" if log else "")
    y = alt.Y(f"{y_field}:Q", title=y_title, scale=scale, axis=axis)
    tooltip = [
        kit.SCHEME_TIP,
        alt.Tooltip("layer:Q"),
        alt.Tooltip(f"{measure}:Q", title=measure.replace("_", " "), format=".4g"),
    ]
    if "kind" in df:
        tooltip.append(alt.Tooltip("kind:N", title="layer kind"))
    size = 50 if df["layer"].nunique() <= 30 else 15
    chart = alt.layer(*kit.lines_and_points(x, y, schemes, tooltip, size), data=kit.lean(df))
    title = "Signal through the layers: " + m.title
    return kit.style(chart, title, notes, width=kit.LINE_WIDTH, height=400)
