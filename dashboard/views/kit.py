"""The chart kit: what every chart builder (``dashboard/views/*_charts.py``) shares.

Every builder is a pure function ``(DataFrame(s), a few keyword options) -> chart``: no
Streamlit, no maths beyond picking rows and renaming (the core has already binned, downsampled
and gridded), so tests can call ``.to_dict()`` without a browser.

Conventions shared by every chart:

* A scheme has one colour everywhere (``SCHEME_COLORS``: every pair apart, also for
  colour-blind readers) and shows its human label, in dark text, in the order the schemes were
  given.
* Small multiples are ``Panels``: one chart of a fixed size per scheme (or layer), which the
  page wraps, as many side by side as the screen holds; they share their axes (fixed in the
  spec), so schemes compare fairly, and an HTML legend above them (``legends.legend_html``).
* Fonts are big enough for a projector and text is dark (``style``, applied once at the end
  of each builder; ``TEXT_COLORS``: at least 4.5:1 on white).
* Every mark carries a tooltip with the exact values.
* A frame longer than ``MAX_ROWS`` is thinned deterministically (``thin``) and the chart's
  subtitle says so. Panels share one table rather than a copy of its rows each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import altair as alt
import numpy as np
import pandas as pd

from initdash import SCHEMES

MAX_ROWS = 5000  # most rows one builder sends to the browser per table (see thin)
LINE_WIDTH = 640  # px of a single-panel chart (the app may stretch it to the page)
# Small multiples are separate charts of a fixed size that the page wraps (``Panels``): as
# many side by side as the screen holds. PANEL px each, axes and title included: 5 beside
# the sidebar on a projector (1280 px: a 904 px page), 2 on a phone (390 px: 358 px); up to
# 3 panels get PANEL_WIDE each.
PANEL = 168
PANEL_WIDE = 240

# One colour per scheme, fixed by name; a scheme added to the registry without one here gets the
# next colour of FALLBACK_COLORS (by its place in SCHEMES). Chosen so that every pair differs
# by a CIEDE2000 of at least 19 in normal vision and 9 as people with deuteranopia or
# protanopia see them (the first page's five: Okabe-Ito's vermillion, bluish green and blue,
# a neutral grey, and lavender instead of a second blue), each at least 3:1 on white; their
# text is dark, beside them (python bench/colors.py prints every pair).
SCHEME_COLORS: dict[str, str] = {
    "zeros": "#767676",  # neutral grey
    "constant": "#5A5A00",  # olive
    "random_small": "#9687E1",  # lavender
    "random_large": "#D55E00",  # vermillion (Okabe-Ito)
    "xavier_normal": "#009E73",  # bluish green (Okabe-Ito)
    "xavier_uniform": "#0F5A5A",  # dark teal
    "he_normal": "#0072B2",  # blue (Okabe-Ito)
    "he_uniform": "#692D78",  # plum
    "lecun_normal": "#D25A5A",  # coral
    "orthogonal": "#693C2D",  # brown
    "lsuv": "#0096A5",  # cyan
}
FALLBACK_COLORS = ("#117733", "#AA4499", "#DDCC77", "#88CCEE", "#661100", "#6699CC")
for _i, _name in enumerate(n for n in SCHEMES if n not in SCHEME_COLORS):
    SCHEME_COLORS[_name] = FALLBACK_COLORS[_i % len(FALLBACK_COLORS)]

SCHEME = "scheme_label"  # the column every builder adds: the scheme's human label
SCHEME_TIP = alt.Tooltip(f"{SCHEME}:N", title="scheme")
LOG_FLOOR_MAX = 1e-6  # exact zeros on a log axis are drawn at or below this
LEGEND_DIM = 0.12  # opacity of the schemes not picked in an interactive legend
OVERFLOW = "{n} infinite value(s) (overflow) not drawn"  # (a note of finite)


# ---------------------------------------------------------------------- schemes and colours
def scheme_labels(schemes: Sequence[str]) -> list[str]:
    """Human labels of canonical scheme names, in the given order."""
    unknown = [s for s in schemes if s not in SCHEMES]
    if unknown:
        raise ValueError(f"unknown scheme(s) {unknown}; use any of: {', '.join(SCHEMES)}")
    return [SCHEMES[s].label for s in schemes]


def scheme_scale(schemes: Sequence[str]) -> alt.Scale:
    """Colour scale: domain = the schemes' labels in the given order, range = their colours."""
    return alt.Scale(domain=scheme_labels(schemes), range=[SCHEME_COLORS[s] for s in schemes])


def scheme_color(schemes: Sequence[str], legend: bool = True) -> alt.Color:
    return alt.Color(
        f"{SCHEME}:N",
        scale=scheme_scale(schemes),
        sort=scheme_labels(schemes),
        # Filled dots without outline: Streamlit's theme draws thick symbol outlines, which
        # spread 11 legend rows taller than the plot.
        legend=alt.Legend(title="scheme", symbolOpacity=1, symbolStrokeWidth=0) if legend else None,
    )


def scheme_rows(df: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """The table's schemes, in its own order of appearance, and its rows of the first seed
    (repeat 0) with their human label in column ``SCHEME``."""
    schemes = [str(s) for s in pd.unique(df["scheme"])]
    first = df[df["repeat"] == 0] if "repeat" in df else df
    return schemes, labelled(first, schemes)


def labelled(df: pd.DataFrame, schemes: Sequence[str]) -> pd.DataFrame:
    """Rows of the given schemes, with their human label in column ``SCHEME``."""
    labels = dict(zip(schemes, scheme_labels(schemes), strict=True))
    out = df[df["scheme"].isin(list(schemes))].copy()
    out[SCHEME] = out["scheme"].map(labels).astype(object)
    return out


def labels_among(schemes: Sequence[str], among) -> str:
    """The labels of those ``schemes`` that are ``among`` the given names, in their order."""
    among = set(among)
    return ", ".join(SCHEMES[s].label for s in schemes if s in among)


def check_choice(name: str, value: str, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} = {value!r} is not allowed; use one of: {', '.join(allowed)}")


# ---------------------------------------------------------------------- data size
def thin(df: pd.DataFrame, key: str, max_rows: int = MAX_ROWS) -> tuple[pd.DataFrame, str]:
    """Keep evenly spaced distinct values of ``key`` (first and last kept) so that at most
    ``max_rows`` rows remain. Returns the frame and a note for the subtitle ('' if untouched).
    """
    if len(df) <= max_rows:
        return df, ""
    values = np.sort(df[key].unique())
    n = max(int(len(values) * max_rows / len(df)), 1)
    while True:
        picked = evenly(values, n)
        out = df[df[key].isin(picked)]
        if len(out) <= max_rows or n == 1:
            break
        n -= 1
    step = (len(values) - 1) / max(len(picked) - 1, 1)
    return out, f"{len(picked)} of {len(values)} {key} values shown (about every {step:.3g})"


def evenly(values, n: int) -> np.ndarray:
    """At most ``n`` evenly spaced items of the sorted ``values``, first and last kept."""
    v = np.sort(np.asarray(values))
    if len(v) <= n:
        return v
    return v[np.unique(np.round(np.linspace(0, len(v) - 1, max(n, 1))).astype(int))]


def lean(df: pd.DataFrame) -> pd.DataFrame:
    """The same table, cheaper to send: float32 numbers (7 significant digits, more than any
    chart shows) and dictionary-encoded text columns (a label repeated on every row)."""
    out = {}
    for name, col in df.items():
        if col.dtype == np.float64:
            out[name] = col.astype(np.float32)
        elif pd.api.types.is_integer_dtype(col.dtype):
            out[name] = pd.to_numeric(col, downcast="integer")
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[name] = col.astype("category")
        else:
            out[name] = col
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def finite(df: pd.DataFrame, col: str, note: str) -> tuple[pd.DataFrame, str]:
    """Rows where ``col`` is finite, and ``note`` ({n}: how many were dropped) if any were."""
    ok = np.isfinite(df[col].to_numpy(dtype=float))
    n = int((~ok).sum())
    return df[ok], note.format(n=n) if n else ""


# ---------------------------------------------------------------------- axes
def log_floor(values: Sequence[float]) -> float:
    """Where a log axis draws exact zeros: a power of ten a decade below the smallest positive
    value and at most ``LOG_FLOOR_MAX``, so a 0 never looks like a plausible value."""
    v = np.asarray(values, dtype=float)
    pos = v[np.isfinite(v) & (v > 0)]
    if pos.size == 0:
        return LOG_FLOOR_MAX
    return min(10.0 ** (math.floor(math.log10(pos.min())) - 1), LOG_FLOOR_MAX)


def log_axis(values, floor: float | None = None, scale: str | None = None) -> alt.Axis:
    """Log-axis labels: plain from 0.001 to 1000, 1e-8 style beyond; at 1, 2 and 5 times
    powers of ten when ``values`` span at most 3 decades, else at powers of ten. With ``floor``
    (where exact zeros are drawn) the ticks go up from it in decades, its own reading "0".
    ``scale``: the axis's scale name in the compiled chart ("y"); with it (and no floor) the
    browser picks the label set from the domain, so the spec does not depend on the data."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    top = float(v.max()) if v.size else 1.0
    exponent = "log(datum.value) / LN10"
    mantissa = f"datum.value / pow(10, floor({exponent} + 1e-9))"
    one_two_five = f"indexof([1, 2, 5], round({mantissa} * 1000) / 1000) >= 0"
    decades = f"abs({exponent} - round({exponent})) < 1e-6"
    if floor is None and scale is not None:
        span = f"domain('{scale}')[1] / domain('{scale}')[0]"
        keep = f"({span} <= 1000 ? {one_two_five} : {decades})"
    elif floor is None and v.size and top / float(v.min()) <= 1e3:
        keep = one_two_five
    else:
        keep = decades
    label = (
        f"!({keep}) ? '' : datum.value >= 0.001 && datum.value < 10000 "
        "? format(datum.value, '~g') : format(datum.value, '.0e')"
    )
    if floor is None:
        return alt.Axis(labelExpr=label)
    lo = round(math.log10(floor))
    hi = max(math.ceil(math.log10(top)), lo + 1)
    ticks = [10.0**k for k in range(lo, hi + 1, max(math.ceil((hi - lo) / 8), 1))]
    return alt.Axis(labelExpr=f"datum.value <= {floor!r} * 1.001 ? '0' : {label}", values=ticks)


def int_axis(title: str, values: Sequence[int] | None = None) -> alt.Axis:
    """An axis of whole numbers; with ``values``, ticks at (up to ~20 of) exactly those."""
    if values is None:
        return alt.Axis(title=title, format="d", tickMinStep=1, tickCount=10)
    ticks = sorted(int(v) for v in values)
    step = max(math.ceil(len(ticks) / 20), 1)
    return alt.Axis(title=title, format="d", values=ticks[::step])


def epoch_x(epochs: int | None = None) -> alt.X:
    """The epoch axis; with ``epochs``, fixed to 0..epochs (a live run grows across it)."""
    domain = {} if epochs is None else {"domain": [0, epochs]}
    return alt.X("epoch:Q", axis=int_axis("epoch"), scale=alt.Scale(**domain, nice=False))


def layer_x(title: str, layers) -> alt.X:
    """The layer axis, with a tick at each of the ``layers`` drawn."""
    return alt.X("layer:Q", axis=int_axis(title, layers), scale=alt.Scale(nice=False, zero=False))


def symlog_scale(
    lo: float, hi: float, c: float, per_side: int | None, start: float | None = None, **axis
) -> dict:
    """The scale and axis of a symmetric-log position channel over [lo, hi] (constant ``c``):
    ticks at 0 and at the signed powers of ten from ``start`` (default ``c``) outwards, at most
    ``per_side`` of them each side of 0 (None: every decade)."""
    ticks = _symlog_ticks(lo, hi, c if start is None else start, per_side)
    return dict(
        scale=alt.Scale(type="symlog", constant=c, domain=[lo, hi], nice=False),
        axis=alt.Axis(format="~r", values=ticks, **axis),
    )


def _symlog_ticks(lo: float, hi: float, start: float, per_side: int | None = 3) -> list[float]:
    """0 and signed powers of ten between ``start`` and the domain's ends, at most
    ``per_side`` on each side of 0 (every other decade when there are more; None: all)."""
    top = max(abs(lo), abs(hi))
    if not top > 0:
        return [0.0]
    k_lo = math.ceil(math.log10(max(start, top * 1e-6)) - 1e-9)
    k_hi = math.floor(math.log10(top) + 1e-9)
    ks = list(range(k_lo, k_hi + 1))
    if per_side is not None and len(ks) > per_side:  # the largest, then every k-th decade down
        ks = ks[::-1][:: math.ceil(len(ks) / per_side)][::-1]
    pos = [10.0**k for k in ks]
    return [-p for p in reversed(pos) if -p >= lo] + [0.0] + [p for p in pos if p <= hi]


def cell_bounds(values: pd.Series, single: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """Where each value's column of a heatmap starts and ends: halfway to the neighbouring
    values (the first and last columns as wide as their neighbours; ``single`` wide alone)."""
    e = np.sort(values.unique()).astype(float)
    bounds = np.concatenate([[0.0], (e[1:] + e[:-1]) / 2, [0.0]])
    first, last = (e[1] - e[0], e[-1] - e[-2]) if len(e) > 1 else (single, single)
    bounds[0], bounds[-1] = e[0] - first / 2, e[-1] + last / 2
    lo, hi = dict(zip(e, bounds[:-1], strict=True)), dict(zip(e, bounds[1:], strict=True))
    return values.map(lo), values.map(hi)


def half_step(col: pd.Series) -> float:
    """Half the typical spacing of a grid axis: a heatmap cell reaches that far each way."""
    v = np.sort(col.unique())
    return float(np.median(np.diff(v)) / 2) if len(v) > 1 else 0.5


def cell_edges(x: str, y: str, hx: float, hy: float) -> dict[str, str]:
    """A grid cell's edges, halfway to its neighbours (half-steps ``hx``, ``hy``): computed in
    the browser (``transform_calculate``) rather than sent as four more columns a row."""
    return {
        f"{x}_lo": f"datum.{x} - {hx!r}",
        f"{x}_hi": f"datum.{x} + {hx!r}",
        f"{y}_lo": f"datum.{y} - {hy!r}",
        f"{y}_hi": f"datum.{y} + {hy!r}",
    }


# ---------------------------------------------------------------------- style
# The charts' text, dark on white (Streamlit's theme draws axis labels in #808495, 3.7:1):
# every one at least 4.5:1 (bench/colors.py; tests/test_charts_colors.py)
TEXT_COLORS = {"title": "#0F172A", "text": "#1E293B", "label": "#334155"}
_TITLE, _TEXT, _LABEL = TEXT_COLORS.values()
STYLE = alt.Config(
    axis=alt.AxisConfig(labelFontSize=14, titleFontSize=15, titleFontWeight="normal",
                        labelColor=_LABEL, titleColor=_TEXT),
    legend=alt.LegendConfig(labelFontSize=14, titleFontSize=15, symbolSize=150, labelLimit=240,
                            rowPadding=3, labelPadding=6, titlePadding=6, labelColor=_TEXT,
                            titleColor=_TEXT),
    header=alt.HeaderConfig(labelFontSize=15, titleFontSize=15, labelFontWeight="bold",
                            labelColor=_TITLE, titleColor=_TITLE),
    title=alt.TitleConfig(fontSize=18, subtitleFontSize=14, anchor="start", color=_TITLE,
                          subtitleColor=_LABEL),
    text=alt.MarkConfig(color=_TEXT),
    view=alt.ViewConfig(stroke="#999999", strokeWidth=0.5),
)  # fmt: skip


def style(chart, title: str | alt.Title, notes: Sequence[str] = (), **props):
    """Finish the chart just built, in place: ``props``, the title (the non-empty ``notes`` as
    its subtitle) and the shared look, ``STYLE``."""
    notes = [n for n in notes if n]
    if notes:
        title = alt.Title(title, subtitle=notes)
    return set_props(chart, title=title, config=STYLE, **props)


def set_props(chart, **props):
    """``chart.properties(**props)`` set in place: ``properties()`` (and ``configure_*``) copy
    the chart and deep-copy every sub-chart, which was most of a faceted chart's build."""
    for key, value in props.items():
        setattr(chart, key, value)
    return chart


def legend_pick() -> alt.Parameter:
    """Click a scheme in the legend to highlight it (shift-click for several)."""
    return alt.selection_point(fields=[SCHEME], bind="legend")


def pick_opacity(pick: alt.Parameter, on: float = 1.0):
    return alt.when(pick).then(alt.value(on)).otherwise(alt.value(LEGEND_DIM))


def lines_and_points(x, y, schemes: Sequence[str], tooltip: list, size: int, legend=True):
    """One line per scheme with a dot (and its tooltip) on every value; click a legend entry
    to highlight a scheme."""
    pick = legend_pick()
    base = alt.Chart().encode(
        x=x, y=y, color=scheme_color(schemes, legend), opacity=pick_opacity(pick)
    )
    lines = base.mark_line(strokeWidth=2.5).add_params(pick)  # (cheaper than on the layer)
    return lines, base.mark_circle(size=size).encode(tooltip=tooltip)


# ---------------------------------------------------------------------- panels
def nice_top(values) -> float:
    """The top of an axis from 0 that several panels share: at least 1, the largest finite
    value rounded up to 1, 1.2, 1.5, 2 or 5 x a power of ten (so it rarely changes while a
    run trains)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    top = max(float(v.max()) if v.size else 1.0, 1.0)
    p = 10.0 ** math.floor(math.log10(top))
    return next(m * p for m in (1, 1.2, 1.5, 2, 5, 10) if m * p >= top * (1 - 1e-12))


def panel_width(n: int) -> int:
    """The width of each of ``n`` panels: PANEL, or PANEL_WIDE for up to 3."""
    return PANEL if n > 3 else PANEL_WIDE


@dataclass
class Panels:
    """Small multiples as one chart drawn once per panel with its own tables, each panel
    ``width`` x ``height`` px (axes and title included), wrapped on the page as the screen
    allows (``width`` None: a facet's own size). ``chart``: one panel (its data: the first
    panel's tables); ``tables``: each
    panel's title (one line, or a list of lines) and its tables, in the order the chart's
    DataFrames appear; scales the panels share are fixed in the chart. ``legend``: HTML
    saying what the marks mean (``legends.legend_html``), shown above the panels."""

    chart: alt.TopLevelMixin
    tables: list[tuple[str | list[str], tuple[pd.DataFrame, ...]]]
    width: int | None  # None: the chart's own size (a facet of fixed cells)
    height: int | None
    legend: str = ""
    notes: list[str] = field(default_factory=list)

    def spec(self, i: int) -> dict:
        """Panel i's Vega-Lite spec with its tables inline (for tests; the page sends them as
        named tables: dashboard.board.send_panels)."""
        title, tables = self.tables[i]
        parts = chart_frames(self.chart)
        order = list(dict.fromkeys(id(df) for _, df in parts))
        try:
            for part, df in parts:
                part.data = tables[order.index(id(df))]
            out = self.chart.to_dict()
        finally:
            for part, df in parts:
                part.data = df
        out["title"] = {**_title_dict(out.get("title")), "text": title}
        return out


def chart_frames(chart) -> list[tuple]:
    """Every (chart part, DataFrame) in the chart's tree, top level first."""
    found: list[tuple] = []
    data = getattr(chart, "data", None)
    if isinstance(data, pd.DataFrame):
        found.append((chart, data))
    for key in ("layer", "hconcat", "vconcat", "concat"):
        parts = getattr(chart, key, None)
        if isinstance(parts, list):
            for part in parts:
                found.extend(chart_frames(part))
    inner = getattr(chart, "spec", None)
    if isinstance(inner, alt.SchemaBase):  # a facet's inner chart
        found.extend(chart_frames(inner))
    return found


def _title_dict(title) -> dict:
    if isinstance(title, dict):
        return dict(title)
    return {} if title is None else {"text": title}
