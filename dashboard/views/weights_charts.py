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


def scheme_weights_tables(current: pd.DataFrame, initial: pd.DataFrame):
    """The tables of every scheme's histogram (``scheme_weights``): its non-empty bins now and
    at init (``Result.weights_table(epoch, layers=[l])`` and ``weights_table(0, ...)``); and the
    layer's x range and symlog constant, shared by every scheme, rounded out to 1-2-5 steps so
    the chart's spec changes rarely while a run trains."""
    both = pd.concat([current.assign(state="now"), initial.assign(state="at init")])
    top = _nice(max(abs(float(both["lo"].min())), abs(float(both["hi"].max()))))
    c = 10.0 ** math.floor(math.log10(float(current["c"].iloc[0])))
    _, both = kit.scheme_rows(both)
    both = kit.lean(both.loc[both["count"] > 0, ["scheme", "state", kit.SCHEME, "lo", "hi",
                                                  "count", "fraction"]])  # fmt: skip
    groups = both.groupby("scheme", sort=False, observed=True)  # lean once, then split
    tables = {str(s): g.drop(columns="scheme").reset_index(drop=True) for s, g in groups}
    return tables, (-top, top), c


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 x a power of ten that is at least ``x`` (1 for 0)."""
    if not x > 0:
        return 1.0
    p = 10.0 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x * (1 - 1e-12))


def scheme_weights(
    table: pd.DataFrame, scheme: str, *, domain: Sequence[float], c: float
) -> alt.LayerChart:
    """One scheme's histogram of one layer's weights (``scheme_weights_tables``): bars now on
    a grey outline at init, on the symlog x range shared by the schemes and a y axis of its
    own (the shape matters here), headed by the scheme's name in dark text (the bars carry its
    colour). The spec depends on the scheme, domain and c only; its size is the page's."""
    lo, hi = domain
    base, ghost = _bins(
        alt.X("lo:Q", title=None, **kit.symlog_scale(lo, hi, c, per_side=1)),
        alt.Y("fraction:Q", title=None, axis=alt.Axis(format=".0%", tickCount=3)),
        [*BIN_TIPS, FRACTION_TIP],
    )
    bars = base.mark_rect(color=kit.SCHEME_COLORS[scheme], opacity=0.85)
    chart = alt.layer(ghost, bars.transform_filter(alt.datum.state == "now"), data=table)
    return kit.style(chart, alt.Title(SCHEMES[scheme].label, fontSize=15))


def layer_name(layer: int, d: pd.DataFrame, dims: Sequence[int] | None) -> str:
    """'Layer 2 (16 x 16 weights)'; without ``dims``, the count in the table."""
    if dims is not None and 0 < layer < len(dims):
        return f"Layer {layer} ({dims[layer]} x {dims[layer - 1]} weights)"
    keys = [k for k in ("state", "epoch", "scheme") if k in d]
    total = int(d.groupby(keys)["count"].sum().max()) if len(d) else 0
    return f"Layer {layer} ({total} weights)"
