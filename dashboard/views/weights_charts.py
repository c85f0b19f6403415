"""Chart builders of the weights view and of the overview's histograms.

Pure functions of tidy tables, no Streamlit (conventions: dashboard.views.kit): histograms
binned by the core, drawn on a symmetric-log weight axis, with the layer at initialization as a
grey outline behind.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard.views import kit
from initdash import SCHEMES

BIN_TIPS = [
    alt.Tooltip("state:N", title="when"),
    alt.Tooltip("lo:Q", title="bin from", format=".3~g"),
    alt.Tooltip("hi:Q", title="bin to", format=".3~g"),
]
FRACTION_TIP = alt.Tooltip("fraction:Q", title="fraction", format=".1%")


def _bins(x: alt.X, y: alt.Y, tooltip: list) -> tuple[alt.Chart, alt.Chart]:
    """A histogram's base (a rect per bin, ``lo`` to ``hi``, from 0 up to ``y``) and the grey
    outline of its rows "at init", drawn behind the bars to show how far the weights moved."""
    base = alt.Chart().encode(x=x, x2="hi:Q", y=y, y2=alt.datum(0), tooltip=tooltip)
    ghost = base.mark_rect(fill="#bdbdbd", fillOpacity=0.35, stroke="#666666", strokeWidth=1.5)
    return base, ghost.transform_filter(alt.datum.state == "at init")


def _std_text(now: str) -> alt.Chart:
    """The panel's std of the weights, from the rows drawn (their ``std`` column): "std 0.41
    (init 0.01)" at the top left, above the bars; "std 0.01" alone when unchanged."""
    fmt = "format({}, '.2~g')"
    now_s, init_s = fmt.format("datum.s_now"), fmt.format("datum.s_init")
    text = (
        f"isValid(datum.s_now) ? 'std ' + {now_s} + (isValid(datum.s_init) && "
        f"{now_s} != {init_s} ? ' (init ' + {init_s} + ')' : '') : ''"
    )
    return (
        alt.Chart()
        .mark_text(align="left", baseline="bottom", dx=0, dy=-4, fontSize=13, color="#31333F")
        .encode(x=alt.value(0), y=alt.value(0), text="label:N")
        .transform_calculate(
            s_now=f"datum.state == {now!r} ? datum.std : null",
            s_init="datum.state == 'at init' ? datum.std : null",
        )
        .transform_aggregate(s_now="max(s_now)", s_init="max(s_init)")
        .transform_calculate(label=text)
    )


def weight_axis(lo, hi, c: float | None, start: float | None = None, narrow: str | None = None):
    """The x channel's scale and axis: symmetric-log over [lo, hi] with every decade from
    ``start`` (default c) labelled, ±0.01, ±0.1, ±1, ...; ``c`` None: linear (over the data's
    range when ``lo`` is None). Symlog labels stand on end (they would overlap side by side),
    or, with ``narrow`` (a Vega expression), only where it is true (e.g. "width < 320")."""
    if c is None:
        domain = {} if lo is None else {"domain": [lo, hi]}
        return dict(
            scale=alt.Scale(zero=False, **domain),
            axis=alt.Axis(format="~r", tickCount=4, labelOverlap=True),
        )
    upright = {"labelAngle": -90, "labelAlign": "right", "labelBaseline": "middle"}
    if narrow is not None:
        flat = {"labelAngle": 0, "labelAlign": "center", "labelBaseline": "top"}
        upright = {k: alt.ExprRef(f"{narrow} ? {upright[k]!r} : {flat[k]!r}") for k in upright}
    return kit.symlog_scale(lo, hi, c, None, start, labelFontSize=11, labelOverlap=False, **upright)


def scheme_weights_tables(current: pd.DataFrame, initial: pd.DataFrame):
    """The tables of every scheme's histogram (``scheme_weights``): its non-empty bins now and
    at init (``Result.weights_table(epoch, layers=[l])`` and ``weights_table(0, ...)``, both
    symlog or both ``linear``) with their ``std``; the x range of each scheme (one shared by
    all of them on the layer's symlog bins, each its own on linear bins), rounded out to 1-2-5
    steps so the chart's spec changes rarely while a run trains; and the symlog constant
    (None for linear bins)."""
    both = pd.concat([current.assign(state="now"), initial.assign(state="at init")])
    _, both = kit.scheme_rows(both)
    linear = not _shared_bins(both)
    c = None if linear else _decade(float(both["c"].min()))
    cols = ["state", kit.SCHEME, "lo", "hi", "count", "fraction", "std"]
    tables, domains = {}, {}
    for s, g in both.groupby("scheme", sort=False):
        tables[s] = kit.lean(g.loc[g["count"] > 0, cols])
        domains[s] = _domain(g if linear else both)
    return tables, domains, c


def _shared_bins(table: pd.DataFrame) -> bool:
    """Whether every scheme of the table has the same bins (the layer's symlog bins)."""
    edges = table.groupby(["state", "scheme"], sort=False)["lo"].apply(tuple)
    return edges.groupby(level="state").nunique().max() <= 1


def _domain(rows: pd.DataFrame) -> tuple[float, float]:
    top = _nice(max(abs(float(rows["lo"].min())), abs(float(rows["hi"].max()))))
    return (-top, top)


def _decade(c: float) -> float:
    """The power of ten at or below ``c`` (a symlog constant, so the spec changes rarely)."""
    return 10.0 ** math.floor(math.log10(c) + 1e-9)


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 x a power of ten that is at least ``x`` (1 for 0)."""
    if not x > 0:
        return 1.0
    p = 10.0 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x * (1 - 1e-12))


def scheme_weights(
    table: pd.DataFrame, scheme: str, *, domain: Sequence[float], c: float | None
) -> alt.LayerChart:
    """One scheme's histogram of one layer's weights (``scheme_weights_tables``): bars now on
    a grey outline at init, with the std now (and at init), on the x range ``domain``
    (symmetric-log with constant ``c``, every decade from 10c labelled; ``c`` None: linear)
    and a y axis of its own (the shape matters here), headed by the scheme's name in dark text
    (the bars carry its colour). The spec depends on the arguments only; its size is the
    page's."""
    lo, hi = domain
    axis = weight_axis(lo, hi, c, None if c is None else 10 * c, narrow="width < 320")
    base, ghost = _bins(
        alt.X("lo:Q", title=None, **axis),
        alt.Y("fraction:Q", title=None, axis=alt.Axis(format=".0%", tickCount=3)),
        [*BIN_TIPS, FRACTION_TIP],
    )
    bars = base.mark_rect(color=kit.SCHEME_COLORS[scheme], opacity=0.85)
    layers = [ghost, bars.transform_filter(alt.datum.state == "now"), _std_text("now")]
    chart = alt.layer(*layers, data=table)
    label = SCHEMES[scheme].label
    title = alt.Title(label, fontSize=15)
    axis = "its own linear axis" if c is None else "a symmetric-log axis shared by the schemes"
    about = (
        f"{label}: histogram of the layer's weights now (bars) and at initialization (grey "
        f"outline), on {axis} from {lo:g} to {hi:g}; the std of the weights is printed above it."
    )
    return kit.style(chart, title, description=about)


def layer_name(layer: int, d: pd.DataFrame, dims: Sequence[int] | None) -> str:
    """'Layer 2 (16 x 16 weights)'; without ``dims``, the count in the table."""
    if dims is not None and 0 < layer < len(dims):
        return f"Layer {layer} ({dims[layer]} x {dims[layer - 1]} weights)"
    keys = [k for k in ("state", "epoch", "scheme") if k in d]
    total = int(d.groupby(keys)["count"].sum().max()) if len(d) else 0
    return f"Layer {layer} ({total} weights)"
