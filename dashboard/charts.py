"""Chart builders: one tidy table from ``initdash`` in, one Altair chart out.

Every public builder is a pure function ``(DataFrame(s), a few keyword options) -> chart``: no
Streamlit, no maths beyond picking rows and renaming (the core has already binned, downsampled
and gridded), so tests can call ``.to_dict()`` without a browser.

Conventions shared by every chart:

* A scheme has one colour everywhere (``SCHEME_COLORS``: Okabe-Ito and Paul Tol, safe for
  colour-blind readers) and shows its human label, in the order the schemes were given.
* Small multiples share their axes, so schemes compare fairly; ``COLUMNS`` panels of
  ``PANEL_WIDTH`` px fit across the page and wrap beyond that.
* Fonts are big enough for a projector (``_style``, applied once at the end of each builder);
  text and grid colours are left to the page's theme (Streamlit light or dark).
* Every mark carries a tooltip with the exact values.
* A frame longer than ``MAX_ROWS`` is thinned deterministically (``_thin``) and the chart's
  subtitle says so. Panels share one table rather than a copy of its rows each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

from initdash import SCHEMES

MAX_ROWS = 5000  # most rows one builder sends to the browser per table (see _thin)
COLUMNS = 5  # panels per row of small multiples
PANEL_WIDTH = 150  # px; 5 panels + axis + legend fit across the ~1000 px main area
LINE_WIDTH = 640  # px of a single-panel chart (the app may stretch it to the page)
# Hover targets (invisible points with a tooltip) per curve of the loss chart, at most: each
# is an SVG element in the browser, and 2000 of them cost more than the lines themselves.
HOVER_POINTS = 60

# One colour per scheme, fixed by name; a scheme added to the registry without one here gets the
# next colour of FALLBACK_COLORS (by its place in SCHEMES).
SCHEME_COLORS: dict[str, str] = {
    "zeros": "#7f7f7f",  # grey
    "constant": "#999933",  # olive (Tol)
    "random_small": "#56B4E9",  # sky blue (Okabe-Ito)
    "random_large": "#D55E00",  # vermillion (Okabe-Ito)
    "xavier_normal": "#009E73",  # bluish green (Okabe-Ito)
    "xavier_uniform": "#44AA99",  # teal (Tol)
    "he_normal": "#0072B2",  # blue (Okabe-Ito)
    "he_uniform": "#332288",  # indigo (Tol)
    "lecun_normal": "#CC79A7",  # reddish purple (Okabe-Ito)
    "orthogonal": "#E69F00",  # orange (Okabe-Ito)
    "lsuv": "#882255",  # wine (Tol)
}
FALLBACK_COLORS = ("#117733", "#AA4499", "#DDCC77", "#88CCEE", "#661100", "#6699CC")
for _i, _name in enumerate(n for n in SCHEMES if n not in SCHEME_COLORS):
    SCHEME_COLORS[_name] = FALLBACK_COLORS[_i % len(FALLBACK_COLORS)]
# Class colours of the decision-boundary maps (Okabe-Ito); class 0 blue, class 1 orange, ...
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")

SCHEME = "scheme_label"  # the column every builder adds: the scheme's human label
SCHEME_TIP = alt.Tooltip(f"{SCHEME}:N", title="scheme")
LOG_FLOOR_MAX = 1e-6  # exact zeros on a log axis are drawn at or below this
LEGEND_DIM = 0.12  # opacity of the schemes not picked in an interactive legend
OVERFLOW = "{n} infinite value(s) (overflow) not drawn"  # (a note of _finite)


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


def _scheme_color(schemes: Sequence[str], legend: bool = True) -> alt.Color:
    return alt.Color(
        f"{SCHEME}:N",
        scale=scheme_scale(schemes),
        sort=scheme_labels(schemes),
        # Filled dots without outline: Streamlit's theme draws thick symbol outlines, which
        # spread 11 legend rows taller than the plot.
        legend=alt.Legend(title="scheme", symbolOpacity=1, symbolStrokeWidth=0) if legend else None,
    )


def _scheme_rows(df: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """The table's schemes, in its own order of appearance, and its rows of the first seed
    (repeat 0) with their human label in column ``SCHEME``."""
    schemes = [str(s) for s in pd.unique(df["scheme"])]
    first = df[df["repeat"] == 0] if "repeat" in df else df
    return schemes, _labelled(first, schemes)


def _labelled(df: pd.DataFrame, schemes: Sequence[str]) -> pd.DataFrame:
    """Rows of the given schemes, with their human label in column ``SCHEME``."""
    labels = dict(zip(schemes, scheme_labels(schemes), strict=True))
    out = df[df["scheme"].isin(list(schemes))].copy()
    out[SCHEME] = out["scheme"].map(labels).astype(object)
    return out


def _names(schemes: Sequence[str], among) -> str:
    """The labels of those ``schemes`` that are ``among`` the given names, in their order."""
    among = set(among)
    return ", ".join(SCHEMES[s].label for s in schemes if s in among)


def _check(name: str, value: str, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} = {value!r} is not allowed; use one of: {', '.join(allowed)}")


# ---------------------------------------------------------------------- data size
def _thin(df: pd.DataFrame, key: str, max_rows: int = MAX_ROWS) -> tuple[pd.DataFrame, str]:
    """Keep evenly spaced distinct values of ``key`` (first and last kept) so that at most
    ``max_rows`` rows remain. Returns the frame and a note for the subtitle ('' if untouched).
    """
    if len(df) <= max_rows:
        return df, ""
    values = np.sort(df[key].unique())
    n = max(int(len(values) * max_rows / len(df)), 1)
    while True:
        picked = _evenly(values, n)
        out = df[df[key].isin(picked)]
        if len(out) <= max_rows or n == 1:
            break
        n -= 1
    step = (len(values) - 1) / max(len(picked) - 1, 1)
    return out, f"{len(picked)} of {len(values)} {key} values shown (about every {step:.3g})"


def _evenly(values, n: int) -> np.ndarray:
    """At most ``n`` evenly spaced items of the sorted ``values``, first and last kept."""
    v = np.sort(np.asarray(values))
    if len(v) <= n:
        return v
    return v[np.unique(np.round(np.linspace(0, len(v) - 1, max(n, 1))).astype(int))]


def _lean(df: pd.DataFrame) -> pd.DataFrame:
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


def _finite(df: pd.DataFrame, col: str, note: str) -> tuple[pd.DataFrame, str]:
    """Rows where ``col`` is finite, and ``note`` ({n}: how many were dropped) if any were."""
    ok = np.isfinite(df[col].to_numpy(dtype=float))
    n = int((~ok).sum())
    return df[ok], note.format(n=n) if n else ""


def _log_floor(values: Sequence[float]) -> float:
    """Where a log axis draws exact zeros: a power of ten a decade below the smallest positive
    value and at most ``LOG_FLOOR_MAX``, so a 0 never looks like a plausible value."""
    v = np.asarray(values, dtype=float)
    pos = v[np.isfinite(v) & (v > 0)]
    if pos.size == 0:
        return LOG_FLOOR_MAX
    return min(10.0 ** (math.floor(math.log10(pos.min())) - 1), LOG_FLOOR_MAX)


def _log_axis(values, floor: float | None = None, scale: str | None = None) -> alt.Axis:
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


# ---------------------------------------------------------------------- style
STYLE = alt.Config(
    axis=alt.AxisConfig(labelFontSize=14, titleFontSize=15, titleFontWeight="normal"),
    legend=alt.LegendConfig(
        labelFontSize=14,
        titleFontSize=15,
        symbolSize=150,
        labelLimit=240,
        rowPadding=3,
        labelPadding=6,
        titlePadding=6,
    ),
    header=alt.HeaderConfig(labelFontSize=15, titleFontSize=15, labelFontWeight="bold"),
    title=alt.TitleConfig(fontSize=18, subtitleFontSize=14, anchor="start"),
    view=alt.ViewConfig(stroke="#999999", strokeWidth=0.5),
)


def _style(chart, title: str | alt.Title, notes: Sequence[str] = (), **props):
    """Finish the chart just built, in place: ``props``, the title (the non-empty ``notes`` as
    its subtitle) and the shared look, ``STYLE``."""
    notes = [n for n in notes if n]
    if notes:
        title = alt.Title(title, subtitle=notes)
    return _set(chart, title=title, config=STYLE, **props)


def _set(chart, **props):
    """``chart.properties(**props)`` set in place: ``properties()`` (and ``configure_*``) copy
    the chart and deep-copy every sub-chart, which was most of a faceted chart's build."""
    for key, value in props.items():
        setattr(chart, key, value)
    return chart


def _legend_pick() -> alt.Parameter:
    """Click a scheme in the legend to highlight it (shift-click for several)."""
    return alt.selection_point(fields=[SCHEME], bind="legend")


def _pick_opacity(pick: alt.Parameter, on: float = 1.0):
    return alt.when(pick).then(alt.value(on)).otherwise(alt.value(LEGEND_DIM))


def _int_axis(title: str, values: Sequence[int] | None = None) -> alt.Axis:
    """An axis of whole numbers; with ``values``, ticks at (up to ~20 of) exactly those."""
    if values is None:
        return alt.Axis(title=title, format="d", tickMinStep=1, tickCount=10)
    ticks = sorted(int(v) for v in values)
    step = max(math.ceil(len(ticks) / 20), 1)
    return alt.Axis(title=title, format="d", values=ticks[::step])


def _epoch_x(epochs: int | None = None) -> alt.X:
    """The epoch axis; with ``epochs``, fixed to 0..epochs (a live run grows across it)."""
    domain = {} if epochs is None else {"domain": [0, epochs]}
    return alt.X("epoch:Q", axis=_int_axis("epoch"), scale=alt.Scale(**domain, nice=False))


def _layer_x(title: str, layers) -> alt.X:
    """The layer axis, with a tick at each of the ``layers`` drawn."""
    return alt.X("layer:Q", axis=_int_axis(title, layers), scale=alt.Scale(nice=False, zero=False))


def _lines_and_points(x, y, schemes: Sequence[str], tooltip: list, size: int, legend=True):
    """One line per scheme with a dot (and its tooltip) on every value; click a legend entry
    to highlight a scheme."""
    pick = _legend_pick()
    base = alt.Chart().encode(
        x=x, y=y, color=_scheme_color(schemes, legend), opacity=_pick_opacity(pick)
    )
    lines = base.mark_line(strokeWidth=2.5).add_params(pick)  # (cheaper than on the layer)
    return lines, base.mark_circle(size=size).encode(tooltip=tooltip)


def _scheme_facet(panel, schemes: Sequence[str], columns: int = COLUMNS) -> alt.FacetChart:
    """Small multiples of ``panel``, one per scheme, headed by its label, in the schemes' order."""
    return panel.facet(
        facet=alt.Facet(f"{SCHEME}:N", sort=scheme_labels(schemes), title=None), columns=columns
    )


# ---------------------------------------------------------------------- 1. loss curves
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
    _check("metric", metric, ("loss", "accuracy"))
    bad = [s for s in splits if s not in ("train", "test")]
    if bad:
        raise ValueError(f"splits {bad} are not allowed; use train and/or test")
    schemes, df = _scheme_rows(curves)
    lo, hi = f"{metric}_lo", f"{metric}_hi"
    df = df[df["split"].isin(list(splits))]
    df, bad_note = _finite(df, metric, "points after a scheme diverged are not drawn")
    df = df[["epoch", "scheme", SCHEME, "split", metric, lo, hi]]
    df, thin_note = _thin(df, "epoch")
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
        floor = _log_floor(values)
        top = float(np.nanmax(values))
        df = df.assign(**{f"{c}_shown": df[c].clip(lower=floor) for c in (metric, lo, hi)})
        notes.append(f"a loss of exactly 0 is drawn at the bottom line, marked 0 ({floor:g})")
    facts = dict(metric=metric, log=log, schemes=tuple(schemes), band=band, floor=floor, top=top,
                 notes=tuple(n for n in notes if n))  # fmt: skip
    return _lean(df), facts


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
    pick = _legend_pick()
    y_axis = _log_axis([top or 1.0], floor, "y") if log else alt.Axis(format=y_format)
    y = alt.Y(f"{y_field}:Q", title=y_title, scale=y_scale, axis=y_axis)
    color = _scheme_color(schemes, legend)
    dash_legend = alt.Legend(title="data split", symbolStrokeWidth=2.5, symbolSize=400)
    dash = alt.StrokeDash(
        "split:N",
        scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 4]]),
        legend=dash_legend if legend else None,
    )
    tooltip = [
        SCHEME_TIP,
        alt.Tooltip("split:N"),
        alt.Tooltip("epoch:Q"),
        alt.Tooltip(f"{metric}:Q", title=f"{metric} (mean)", format=".4f"),
    ]
    if band:
        tooltip += [
            alt.Tooltip(f"{metric}_lo:Q", title="lowest of repeats", format=".4f"),
            alt.Tooltip(f"{metric}_hi:Q", title="highest of repeats", format=".4f"),
        ]
    base = alt.Chart().encode(x=_epoch_x(epochs), color=color)
    lines = (
        base.mark_line(strokeWidth=2.5)
        .encode(y=y, strokeDash=dash, detail="split:N", opacity=_pick_opacity(pick))
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
        .encode(y=y, tooltip=tooltip, opacity=_pick_opacity(pick))
        .transform_joinaggregate(newest="max(epoch)", groupby=["scheme", "split"])
        .transform_filter("datum.epoch == datum.newest")
    )
    layers = [lines, hover, heads]
    if band:
        area = base.mark_area().encode(
            y=alt.Y(f"{lo}:Q"),
            y2=alt.Y2(f"{hi}:Q"),
            detail="split:N",
            opacity=_pick_opacity(pick, on=0.18),
        )
        layers.insert(0, area)
        notes.append("band: lowest to highest of the repeats; line: their mean")
    title = "Training loss" if metric == "loss" else "Accuracy"
    chart = alt.layer(*layers, data=table)
    return _style(chart, title, notes, width=LINE_WIDTH, height=height)


# ---------------------------------------------------------------------- 2. weight histograms
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


def _symlog(lo: float, hi: float, c: float, per_side: int, **axis) -> dict:
    """The scale and axis of a symmetric-log position channel over [lo, hi] (constant ``c``)."""
    return dict(
        scale=alt.Scale(type="symlog", constant=c, domain=[lo, hi], nice=False),
        axis=alt.Axis(format="~r", values=_symlog_ticks(lo, hi, c, per_side), **axis),
    )


def weight_histograms(
    current: pd.DataFrame,
    initial: pd.DataFrame | None = None,
    *,
    dims: Sequence[int] | None = None,
) -> alt.VConcatChart:
    """Weight histograms from ``Result.weights_table(epoch)`` (``initial``: its epoch 0, a grey
    outline behind): a row per layer, a panel per scheme, on a symmetric-log x axis shared by
    a layer's schemes. ``dims`` (``Result.dims``) names each layer's shape in its title."""
    epoch = int(current["epoch"].iloc[0]) if len(current) else 0
    now = f"epoch {epoch}"
    frames = [current.assign(state=now)]
    if initial is not None and len(initial):
        frames.append(initial.assign(state="at init"))
    schemes, df = _scheme_rows(pd.concat(frames, ignore_index=True))
    # Empty bins draw nothing: drop them, but keep a scheme whose histogram is all empty.
    shown = df["count"] > 0
    empty = ~df.groupby(["layer", "state", "scheme"])["count"].transform("sum").gt(0)
    df = df[shown | empty]
    df, thin_note = _thin(df, "layer")
    df = df[["layer", "state", "scheme", SCHEME, "lo", "hi", "count", "fraction", "c"]]

    tooltip = [SCHEME_TIP, *BIN_TIPS, alt.Tooltip("count:Q", title="weights in bin"), FRACTION_TIP]
    y = alt.Y(
        "fraction:Q",
        title="fraction of weights",
        axis=alt.Axis(format=".0%", tickCount=4),
        scale=alt.Scale(domain=[0, 1]),
    )
    rows = []
    for layer in sorted(df["layer"].unique()):
        d = df[df["layer"] == layer]
        cur = d[d["state"] == now]
        c = float(cur["c"].iloc[0] if len(cur) else d["c"].iloc[0])
        lo, hi = float(d["lo"].min()), float(d["hi"].max())
        symlog = _symlog(lo, hi, c, per_side=2, labelOverlap=True)
        base, ghost = _bins(alt.X("lo:Q", title="weight (symlog scale)", **symlog), y, tooltip)
        bars = (
            base.mark_rect(opacity=0.85, stroke="white", strokeWidth=0.3)
            .encode(color=_scheme_color(schemes, legend=False))
            .transform_filter(alt.datum.state == now)
        )
        layers = [bars] if initial is None else [ghost, bars]
        panel = _set(alt.layer(*layers, data=_lean(d)), width=PANEL_WIDTH, height=110)
        facets = _scheme_facet(panel, schemes)
        rows.append(_set(facets, title=alt.Title(_layer_name(int(layer), d, dims), fontSize=15)))
    notes = [thin_note]
    if initial is not None:
        notes.append("grey outline: the same layer at initialization (epoch 0)")
    notes.append("bar height: share of the layer's weights in the bin; x axis symmetric-log")
    chart = _set(
        alt.VConcatChart(vconcat=[], spacing=24),
        vconcat=rows,  # set, not passed: the constructor deep-copies every row (no params here)
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="independent")),
    )
    return _style(chart, f"Weights at epoch {epoch}", notes)


def scheme_weights_tables(current: pd.DataFrame, initial: pd.DataFrame):
    """The tables of every scheme's histogram (``scheme_weights``): its non-empty bins now and
    at init (``Result.weights_table(epoch, layers=[l])`` and ``weights_table(0, ...)``); and the
    layer's x range and symlog constant, shared by every scheme, rounded out to 1-2-5 steps so
    the chart's spec changes rarely while a run trains."""
    both = pd.concat([current.assign(state="now"), initial.assign(state="at init")])
    top = _nice(max(abs(float(both["lo"].min())), abs(float(both["hi"].max()))))
    c = 10.0 ** math.floor(math.log10(float(current["c"].iloc[0])))
    _, both = _scheme_rows(both)
    both = both[both["count"] > 0]
    cols = ["state", SCHEME, "lo", "hi", "count", "fraction"]
    tables = {s: _lean(g[cols]) for s, g in both.groupby("scheme", sort=False)}
    return tables, (-top, top), c


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 x a power of ten that is at least ``x`` (1 for 0)."""
    if not x > 0:
        return 1.0
    p = 10.0 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x * (1 - 1e-12))


def scheme_weights(
    table: pd.DataFrame, scheme: str, *, domain: Sequence[float], c: float, height: int = 150
) -> alt.LayerChart:
    """One scheme's histogram of one layer's weights (``scheme_weights_tables``): bars now on
    a grey outline at init, on the symlog x range shared by the schemes and a y axis of its
    own (the shape matters here). The spec depends on the scheme, domain and c only."""
    lo, hi = domain
    base, ghost = _bins(
        alt.X("lo:Q", title=None, **_symlog(lo, hi, c, per_side=1)),
        alt.Y("fraction:Q", title=None, axis=alt.Axis(format=".0%", tickCount=3)),
        [*BIN_TIPS, FRACTION_TIP],
    )
    bars = base.mark_rect(color=SCHEME_COLORS[scheme], opacity=0.85)
    chart = alt.layer(ghost, bars.transform_filter(alt.datum.state == "now"), data=table)
    title = alt.Title(SCHEMES[scheme].label, color=SCHEME_COLORS[scheme], fontSize=15)
    return _style(chart, title, height=height)


def _symlog_ticks(lo: float, hi: float, c: float, per_side: int = 3) -> list[float]:
    """0 and signed powers of ten between ``c`` and the domain's ends, at most ``per_side``
    on each side of 0 (every other decade when there are more)."""
    top = max(abs(lo), abs(hi))
    if not top > 0:
        return [0.0]
    k_lo = math.ceil(math.log10(max(c, top * 1e-6)))
    k_hi = math.floor(math.log10(top))
    ks = list(range(k_lo, k_hi + 1))
    if len(ks) > per_side:  # keep the largest, then every k-th decade downwards
        ks = ks[::-1][:: math.ceil(len(ks) / per_side)][::-1]
    pos = [10.0**k for k in ks]
    return [-p for p in reversed(pos) if -p >= lo] + [0.0] + [p for p in pos if p <= hi]


def _layer_name(layer: int, d: pd.DataFrame, dims: Sequence[int] | None) -> str:
    if dims is not None and 0 < layer < len(dims):
        return f"layer {layer} ({dims[layer]} x {dims[layer - 1]} weights)"
    total = int(d.groupby(["state", "scheme"])["count"].sum().max()) if len(d) else 0
    return f"layer {layer} ({total} weights)"


# ---------------------------------------------------------------------- 3. divergence
def distinct_label(df: pd.DataFrame) -> pd.Series:
    """'k of n distinct', plus the dead and stuck units counted apart, per row of a table with
    distinct_neurons, width and (optionally) dead_neurons and stuck_neurons."""
    out = df["distinct_neurons"].astype(str) + " of " + df["width"].astype(str) + " distinct"
    for col, word in (("dead_neurons", "dead"), ("stuck_neurons", "stuck")):
        if col in df:
            n = df[col].clip(lower=0)
            out = out + np.where(n > 0, " + " + n.astype(str) + " " + word, "")
    return out


def divergence_table(div: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The table :func:`divergence_chart` draws, and the facts its spec depends on (the
    schemes, the layers, the notes): a redraw with the same facts only swaps the table."""
    schemes, df = _scheme_rows(div)
    df, bad_note = _finite(df, "divergence", "epochs after a scheme diverged are not drawn")
    df = df.assign(distinct=distinct_label(df))[
        ["epoch", "layer", "scheme", SCHEME, "divergence", "distinct"]
    ]
    df, thin_note = _thin(df, "epoch")
    notes = [thin_note, "0 = the layer's neurons are clones", "about 1 = as different as unrelated"]
    notes.append(bad_note)
    layers = tuple(int(v) for v in df["layer"].unique())
    facts = dict(schemes=tuple(schemes), layers=layers, notes=tuple(n for n in notes if n))
    return _lean(df), facts


def divergence_chart(
    table: pd.DataFrame,
    *,
    schemes: Sequence[str],
    layers: Sequence[int],
    notes: Sequence[str],
    legend: bool = True,
    panel_width: int = 260,
    panel_height: int = 220,
) -> alt.Chart:
    """The chart of :func:`divergence_table`'s table; its spec depends on the arguments only."""
    x = _epoch_x()
    y = alt.Y(
        "divergence:Q",
        title="output divergence (scale-free)",
        scale=alt.Scale(zero=True),
        axis=alt.Axis(format="~r"),
    )
    tooltip = [
        SCHEME_TIP,
        alt.Tooltip("epoch:Q"),
        alt.Tooltip("layer:Q", title="hidden layer"),
        alt.Tooltip("divergence:Q", format=".4g"),
        alt.Tooltip("distinct:N", title="neurons"),
    ]
    lines = _lines_and_points(x, y, schemes, tooltip, size=45, legend=legend)
    panel = _set(alt.layer(*lines, data=table), width=panel_width, height=panel_height)
    if len(layers) == 1:  # one layer: a plain chart (a facet costs its build a deep copy)
        # The page stretches a single chart to its column: its height is then the whole
        # chart's, titles and axis included, hence the extra room
        title = f"Hidden layer {layers[0]}: do its neurons differ?"
        return _style(panel, title, notes, height=panel_height + 145)
    header = alt.Header(labelExpr="'hidden layer ' + datum.value")
    chart = panel.facet(facet=alt.Facet("layer:O", title=None, header=header), columns=4)
    return _style(chart, "Do the neurons of a layer differ?", notes)


# ---------------------------------------------------------------------- 4. similarity
def similarity_heatmaps(
    sim: pd.DataFrame,
    distinct: Mapping[str, int] | None = None,
    *,
    width: int | None = None,
) -> alt.FacetChart:
    """Neuron-by-neuron similarity of one hidden layer (``Result.similarity_table()``), 0
    (different) .. 1 (identical outputs), a square heatmap per scheme. With ``distinct``
    (scheme name -> count) a header reads "Zeros: 1 distinct of 16", of ``width`` (default:
    the neurons in the table, at most the first 32)."""
    schemes, df = _scheme_rows(sim)
    k = int(df["i"].max()) if len(df) else 0
    notes = []
    if len(df) > MAX_ROWS:  # keep the first n neurons so that S * n * n <= MAX_ROWS
        n = max(int(math.sqrt(MAX_ROWS / max(len(schemes), 1))), 1)
        df = df[(df["i"] <= n) & (df["j"] <= n)]
        notes.append(f"first {n} of {k} neurons shown")
        k = n
    of = width if width is not None else k
    headers = dict(zip(schemes, scheme_labels(schemes), strict=True))
    for s in schemes:
        if distinct is not None and s in distinct:
            headers[s] += f": {int(distinct[s])} distinct of {of}"
    df = df.assign(panel=df["scheme"].map(headers).astype(object))
    df = _lean(df[["scheme", SCHEME, "panel", "i", "j", "similarity"]])
    ticks = sorted({1, *range(0, k + 1, max(k // 4, 1))} - {0}) if k else []
    rect = (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("j:O", title="neuron j", axis=alt.Axis(values=ticks, labelAngle=0)),
            y=alt.Y("i:O", title="neuron i", axis=alt.Axis(values=ticks)),
            color=alt.Color(
                "similarity:Q",
                scale=alt.Scale(domain=[0, 1], scheme="viridis"),
                legend=alt.Legend(title=["similarity", "(1 = identical)"], gradientLength=160),
            ),
            tooltip=[
                SCHEME_TIP,
                alt.Tooltip("i:O", title="neuron i"),
                alt.Tooltip("j:O", title="neuron j"),
                alt.Tooltip("similarity:Q", format=".3f"),
            ],
        )
        .properties(width=PANEL_WIDTH, height=PANEL_WIDTH)
    )
    chart = rect.facet(
        facet=alt.Facet(
            "panel:N",
            sort=[headers[s] for s in schemes],
            title=None,
            header=alt.Header(labelExpr="split(datum.value, ': ')"),  # two lines
        ),
        columns=COLUMNS,
    )
    return _style(chart, "Which neurons compute the same thing?", notes)


# ---------------------------------------------------------------------- 5. signal flow
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
    _check("measure", measure, MEASURES)
    m = MEASURES[measure]
    log = m.log if log_scale is None else bool(log_scale)
    schemes, df = _scheme_rows(layers)
    df = df[df[measure].notna()]
    df, inf_note = _finite(df, measure, OVERFLOW)
    keep = ["layer", "scheme", SCHEME, measure] + [c for c in ("kind", "epoch") if c in df]
    df = df[keep]
    df, thin_note = _thin(df, "layer")
    notes = [thin_note, inf_note]
    y_field, floor = measure, None
    if log and (df[measure] < 0).any():
        log = False  # a negative value cannot go on a log axis at all
        notes.append("negative values: linear axis")
    if log and (df[measure] == 0).any():
        floor = _log_floor(df[measure])
        y_field = f"{measure}_shown"
        df = df.assign(**{y_field: df[measure].clip(lower=floor)})
        names = _names(schemes, df.loc[df[measure] == 0, "scheme"])
        notes.append(f"exactly 0 ({names}) is drawn at the bottom line, marked 0 ({floor:g})")
    if log:
        scale, axis = alt.Scale(type="log"), _log_axis(df[measure], floor)
    else:
        scale = alt.Scale(domain=list(m.domain)) if m.domain else alt.Scale(zero=True)
        axis = alt.Axis(format=m.format)
    has_output = "kind" in df and (df["kind"] == "output").any()
    x_title = "layer (last = output)" if has_output else "hidden layer (depth)"
    x = _layer_x(x_title, df["layer"].unique())
    y_title = m.title + (" (log scale)" if log else "")
    y = alt.Y(f"{y_field}:Q", title=y_title, scale=scale, axis=axis)
    tooltip = [
        SCHEME_TIP,
        alt.Tooltip("layer:Q"),
        alt.Tooltip(f"{measure}:Q", title=measure.replace("_", " "), format=".4g"),
    ]
    if "kind" in df:
        tooltip.append(alt.Tooltip("kind:N", title="layer kind"))
    size = 50 if df["layer"].nunique() <= 30 else 15
    chart = alt.layer(*_lines_and_points(x, y, schemes, tooltip, size), data=_lean(df))
    title = "Signal through the layers: " + m.title
    return _style(chart, title, notes, width=LINE_WIDTH, height=400)


# ---------------------------------------------------------------------- 5b. distributions
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
    if symlog is None:
        scale = alt.Scale(domain=list(domain), nice=False) if domain else alt.Scale(zero=False)
        return alt.Y(field, title="output value", scale=scale, axis=alt.Axis(grid=grid))
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (-1.0, 1.0)
    symlog_axis = _symlog(lo, hi, symlog, per_side=4, grid=grid)
    return alt.Y(field, title="output value (symlog scale)", **symlog_axis)


def _tips(**fields: str) -> list[alt.Tooltip]:
    """Tooltips: the scheme, the epoch, then each field (name=title), a share as a percent."""
    tips = [SCHEME_TIP, alt.Tooltip("epoch:Q")]
    for name, title in fields.items():
        fmt = ".1%" if name == "share" else ".3~g"
        tips.append(alt.Tooltip(f"{name}:Q", title=title, format=fmt))
    return tips


def _cell_bounds(values: pd.Series, single: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """Where each value's column of a heatmap starts and ends: halfway to the neighbouring
    values (the first and last columns as wide as their neighbours; ``single`` wide alone)."""
    e = np.sort(values.unique()).astype(float)
    bounds = np.concatenate([[0.0], (e[1:] + e[:-1]) / 2, [0.0]])
    first, last = (e[1] - e[0], e[-1] - e[-2]) if len(e) > 1 else (single, single)
    bounds[0], bounds[-1] = e[0] - first / 2, e[-1] + last / 2
    lo, hi = dict(zip(e, bounds[:-1], strict=True)), dict(zip(e, bounds[1:], strict=True))
    return values.map(lo), values.map(hi)


def activation_heatmaps(table: pd.DataFrame, *, layer: int = 1, axis=None) -> alt.FacetChart:
    """How a hidden layer's outputs are distributed over training, from
    ``Result.activation_table(layer)``: one heatmap per scheme, x = epoch (each recorded
    epoch a column), y = output value (the table's bins), colour = share of the outputs in
    the bin (square-root scale, so a thin spread still shows beside a spike). ``axis``: the
    value axis (:class:`ValueAxis`; default: linear over the data)."""
    domain, symlog = axis or ValueAxis()
    schemes, df = _scheme_rows(table)
    df, thin_note = _thin(df, "epoch")
    x_lo, x_hi = _cell_bounds(df["epoch"])
    cols = ["epoch", "x_lo", "x_hi", SCHEME, "lo", "hi", "share"]
    df = _lean(df.assign(x_lo=x_lo, x_hi=x_hi)[cols])
    epoch_axis = alt.Axis(
        title="epoch",
        format="d",
        tickMinStep=1,
        tickCount=5,
        grid=False,
        labelExpr="datum.value < 0 ? '' : datum.label",  # the first column reaches below 0
    )
    legend = alt.Legend(title="share", format=".0%", gradientLength=150)
    panel = (
        alt.Chart(df)
        .mark_rect(strokeWidth=0.6)  # a stroke of the fill's colour: no seams between cells
        .transform_calculate(edge="datum.share")  # (the same field would merge the legends)
        .encode(
            x=alt.X("x_lo:Q", axis=epoch_axis, scale=alt.Scale(nice=False, zero=False)),
            x2="x_hi:Q",
            y=_value_y("lo:Q", df[["lo", "hi"]].to_numpy(), domain, symlog, grid=False),
            y2="hi:Q",
            color=alt.Color("share:Q", scale=SHARE_SCALE, legend=legend),
            stroke=alt.Color("edge:Q", scale=SHARE_SCALE, legend=None),
            tooltip=_tips(lo="outputs from", hi="to", share="share"),
        )
    )
    # no outputs beyond an epoch's bins: the background has the colour of a share of 0
    empty = alt.ViewBackground(fill=SHARE_EMPTY, stroke="#999999", strokeWidth=0.5)
    panel = _set(panel, width=PANEL_WIDTH, height=PANEL_WIDTH, view=empty)
    notes = [thin_note, "colour: share of the layer's outputs (probe batch) in each bin"]
    if (df.groupby(["epoch", SCHEME], observed=True)["share"].sum() == 0).any():
        notes.append("no outputs once a scheme has diverged")
    if symlog is not None:
        notes.append(f"value axis symmetric-log: linear within about +-{symlog:g}")
    return _style(_scheme_facet(panel, schemes), f"Hidden layer {layer}'s outputs", notes)


def activation_bands(pct: pd.DataFrame, *, layer: int = 1, axis=None) -> alt.FacetChart:
    """Glorot & Bengio's percentile bands over training, from
    ``Result.activation_percentiles()``: per scheme, the median output of hidden layer
    ``layer`` (line) and the band from the 2nd to the 98th percentile, over the epochs, on the
    value ``axis`` (:class:`ValueAxis`)."""
    domain, symlog = axis or ValueAxis()
    schemes, df = _scheme_rows(pct)
    df = df[df["layer"] == layer][["epoch", "scheme", SCHEME, *PERCENTILES]]
    df, bad_note = _finite(df, "p50", "epochs after a scheme diverged are not drawn")
    df, thin_note = _thin(df, "epoch")
    base = alt.Chart().encode(
        x=_epoch_x(),
        color=_scheme_color(schemes, legend=False),
        tooltip=_tips(**PERCENTILES),
    )
    y = _value_y("p2:Q", df[["p2", "p98"]].to_numpy(), domain, symlog)
    band = base.mark_area(opacity=0.25).encode(y=y, y2="p98:Q")
    edges = [base.mark_line(strokeWidth=1).encode(y=f"{q}:Q") for q in ("p2", "p98")]
    median = base.mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=25)).encode(y="p50:Q")
    panel = alt.layer(band, *edges, median, data=_lean(df))
    panel = _set(panel, width=PANEL_WIDTH, height=PANEL_WIDTH)
    notes = [thin_note, "line: median output; band: 2nd to 98th percentile (Glorot & Bengio)"]
    notes.append(bad_note)
    title = f"Hidden layer {layer}'s outputs: percentiles"
    return _style(_scheme_facet(panel, schemes), title, notes)


GRADIENT_LABELS = {
    "dz": "back-propagated |dL/dz| (per example)",
    "dw": "weight gradient |dL/dW|",
}


def gradient_bands(table: pd.DataFrame) -> alt.FacetChart:
    """Glorot & Bengio's Figs. 7 and 8 from ``Result.gradient_table()``: per scheme, against
    the layer (the last is the output), the median of |dL/dz| (solid) and of |dL/dW| (dashed),
    each in a band from its 2nd to its 98th percentile, on one log axis (0 on a floor)."""
    schemes, df = _scheme_rows(table)
    df = df.assign(which=df["gradient"].map(GRADIENT_LABELS).astype(object))
    df = df[["layer", "kind", "gradient", "which", "scheme", SCHEME, *PERCENTILES]]
    df = df[df[list(PERCENTILES)].notna().all(axis=1)]
    df, inf_note = _finite(df, "p98", OVERFLOW)
    notes = ["line: median; band: 2nd to 98th percentile; probe batch", inf_note]
    values = df[list(PERCENTILES)].to_numpy().ravel()
    floor = None
    if (values == 0).any():
        floor = _log_floor(values)
        names = _names(schemes, df.loc[df["p50"] == 0, "scheme"])
        where = f" ({names}: median exactly 0)" if names else ""
        notes.append(f"exactly 0 is drawn at the bottom line, marked 0{where}")
    df = _lean(df.assign(**{f"{q}_shown": df[q].clip(lower=floor) for q in PERCENTILES}))
    dash = alt.StrokeDash(
        "which:N",
        scale=alt.Scale(domain=list(GRADIENT_LABELS.values()), range=[[1, 0], [6, 4]]),
        legend=alt.Legend(
            title=None, symbolStrokeWidth=2.5, symbolSize=500, orient="top", labelLimit=400
        ),
    )
    y_log = dict(
        title="|gradient| (log scale)", scale=alt.Scale(type="log"), axis=_log_axis(values, floor)
    )
    y = alt.Y("p50_shown:Q", **y_log)
    base = alt.Chart().encode(
        x=_layer_x("layer (last = output)", df["layer"].unique()),
        color=_scheme_color(schemes, legend=False),
        detail="which:N",
    )
    band = base.mark_area(opacity=0.15).encode(y=alt.Y("p2_shown:Q", **y_log), y2="p98_shown:Q")
    tooltip = [
        SCHEME_TIP,
        alt.Tooltip("which:N", title="gradient"),
        alt.Tooltip("layer:Q"),
        alt.Tooltip("kind:N", title="layer kind"),
        *(alt.Tooltip(f"{q}:Q", title=title, format=".3~g") for q, title in PERCENTILES.items()),
    ]
    line = base.mark_line(strokeWidth=2.5).encode(y=y, strokeDash=dash)
    points = base.mark_circle(size=30).encode(y=y, tooltip=tooltip)
    panel = _set(alt.layer(band, line, points, data=df), width=PANEL_WIDTH, height=200)
    return _style(_scheme_facet(panel, schemes), "Gradients at initialization", notes)


UPDATE_REFERENCE = -3.0  # log10 of Karpathy's rule-of-thumb update-to-data ratio, 1e-3


def update_ratios(table: pd.DataFrame, *, max_panels: int = 8) -> alt.FacetChart:
    """log10(std of the applied update / std of the weights) over training, from
    ``Result.update_table()``: a panel per weight layer (at most ``max_panels``, evenly picked),
    a line per scheme, dashed at Karpathy's rule of thumb, 1e-3 (-3)."""
    schemes, df = _scheme_rows(table)
    n_layers = int(df["layer"].max()) if len(df) else 0
    layers = _evenly(df["layer"].unique(), max_panels)
    df = df[df["layer"].isin(layers)]
    ok = np.isfinite(df["log10_ratio"].to_numpy(dtype=float))
    measured = df["epoch"].isin(df.loc[ok, "epoch"]).to_numpy()  # (none after the last epoch)
    missing = set(df.loc[~ok & measured, "scheme"])
    df = df[ok]
    notes = ["dashed: 1e-3 (-3), Karpathy's rule of thumb"]
    if len(layers) < n_layers:
        notes.append(f"{len(layers)} of {n_layers} layers shown")
    if missing:
        names = _names(schemes, missing)
        notes.append(f"not drawn where the ratio is undefined, 0 or infinite ({names})")
    name = "layer " + df["layer"].astype(str)
    df = df.assign(panel=np.where(df["layer"] == n_layers, name + " (output)", name))
    df = _lean(df[["epoch", "layer", "panel", "scheme", SCHEME, "update_ratio", "log10_ratio"]])
    pick = _legend_pick()
    lines = (
        alt.Chart()
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=25))
        .encode(
            x=_epoch_x(),
            y=alt.Y(
                "log10_ratio:Q", title="log10(update std / weight std)", scale=alt.Scale(zero=False)
            ),
            color=_scheme_color(schemes),
            opacity=_pick_opacity(pick),
            tooltip=[
                SCHEME_TIP,
                alt.Tooltip("epoch:Q"),
                alt.Tooltip("panel:N", title="layer"),
                alt.Tooltip("update_ratio:Q", title="ratio", format=".3~g"),
                alt.Tooltip("log10_ratio:Q", title="log10", format=".2f"),
            ],
        )
        .add_params(pick)
    )
    rule = (
        alt.Chart()
        .mark_rule(strokeDash=[6, 4], color="#888888")
        .encode(y=alt.datum(UPDATE_REFERENCE))
    )
    panel = _set(alt.layer(lines, rule, data=df), width=190, height=PANEL_WIDTH)
    order = sorted(df["panel"].unique(), key=lambda p: int(p.split()[1]))
    chart = panel.facet(facet=alt.Facet("panel:N", sort=order, title=None), columns=4)
    return _style(chart, "Update-to-data ratio per layer", notes)


# ---------------------------------------------------------------------- 5c. scale x depth map
MAP_CLIP = 6  # decades: ratios beyond 1e-6 .. 1e6 take the end colours
MAP_MEASURES = {  # measure: what the colour shows, and the legend's title (one item a line)
    "spread": ("layer d's activation spread / layer 1's", ["layer d's spread", "/ layer 1's"]),
    "backprop": (
        "backprop signal reaching layer 1 / layer d's",
        ["backprop signal", "at layer 1", "/ layer d's"],
    ),
}


def scale_depth_map(
    cells: pd.DataFrame,
    marks: Mapping[str, float],
    *,
    measure: str = "spread",
) -> alt.LayerChart:
    """The deep-signal lab's map (``initdash.signal.scale_depth_map``): x the weights' gain
    (log axis), y the depth, colour the ``measure`` ratio in decades, clipped at MAP_CLIP (inf
    and 0 take the end colours; the subtitle counts them). ``marks``: scheme name -> gain, a
    labelled vertical rule each (names at the same gain share one)."""
    _check("measure", measure, MAP_MEASURES)
    what, legend_title = MAP_MEASURES[measure]
    df = cells[["gain", "std", "layer", measure]].rename(columns={measure: "ratio"})
    g0, g1 = _cell_bounds(np.log10(df["gain"]), single=0.1)  # halfway in log scale
    with np.errstate(divide="ignore", invalid="ignore"):
        decades = np.log10(df["ratio"].to_numpy(dtype=float))
    notes = []
    n_inf, n_zero = int(np.isposinf(decades).sum()), int(np.isneginf(decades).sum())
    if n_inf:
        notes.append(f"{n_inf} cell(s) overflowed (inf): drawn as the largest")
    if n_zero:
        notes.append(f"{n_zero} cell(s) exactly 0 (underflow): drawn as the smallest")
    df = df.assign(
        decades=np.clip(np.nan_to_num(decades, nan=0.0), -MAP_CLIP, MAP_CLIP),
        g0=10**g0,
        g1=10**g1,
        d0=df["layer"] - 0.5,
        d1=df["layer"] + 0.5,
    )
    top = float(df["layer"].max()) + 0.5
    by_gain: dict[float, list[str]] = {}
    for name, g in marks.items():
        by_gain.setdefault(round(float(g), 9), []).append(name)
    lines = pd.DataFrame(
        {"gain": list(by_gain), "label": [" = ".join(n) for n in by_gain.values()], "top": top}
    )
    gain_axis = alt.Axis(values=[0.1, 0.2, 0.5, 1, 2, 5, 10], format="~g")
    x_scale = alt.Scale(type="log", domain=[float(df["g0"].min()), float(df["g1"].max())],
                        nice=False)  # fmt: skip
    legend_labels = f"datum.value == 0 ? '1' : datum.value <= -{MAP_CLIP} ? '≤ 1e-{MAP_CLIP}' "
    legend_labels += f": datum.value >= {MAP_CLIP} ? '≥ 1e{MAP_CLIP}' : '1e' + datum.value"
    cells_layer = (
        alt.Chart(_lean(df))
        .mark_rect()
        .encode(
            x=alt.X("g0:Q", title="gain: weights' std x sqrt(width) (log scale)", scale=x_scale,
                    axis=gain_axis),  # fmt: skip
            x2="g1",
            y=alt.Y("d0:Q", title="depth (layer d)", scale=alt.Scale(nice=False, zero=False),
                    axis=_int_axis("depth (layer d)")),  # fmt: skip
            y2="d1",
            color=alt.Color(
                "decades:Q",
                scale=alt.Scale(scheme="blueorange", domain=[-MAP_CLIP, MAP_CLIP], domainMid=0),
                legend=alt.Legend(
                    title=legend_title,
                    labelExpr=legend_labels,
                    values=list(range(-MAP_CLIP, MAP_CLIP + 1, 2)),
                    gradientLength=200,
                ),
            ),
            tooltip=[
                alt.Tooltip("gain:Q", format=".3g"),
                alt.Tooltip("std:Q", title="weights' std", format=".3g"),
                alt.Tooltip("layer:Q", title="layer d"),
                alt.Tooltip("ratio:Q", title=what, format=".3g"),
            ],
        )
    )  # fmt: skip
    marked = alt.Chart(lines).encode(x="gain:Q")
    rules = marked.mark_rule(strokeWidth=2, strokeDash=[6, 3], color="black")
    # each name along its line, read bottom to top, over a white halo so it shows on any colour
    names = marked.encode(y="top:Q", text="label:N")
    text = dict(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, fontSize=13)
    halo = names.mark_text(stroke="white", strokeWidth=4, **text)
    chart = alt.layer(cells_layer, rules, halo, names.mark_text(color="black", **text))
    return _style(chart, "Scale x depth: " + what, notes, width=LINE_WIDTH, height=340)


# ---------------------------------------------------------------------- 6. decision boundaries
def _half_step(col: pd.Series) -> float:
    """Half the typical spacing of a grid axis: a heatmap cell reaches that far each way."""
    v = np.sort(col.unique())
    return float(np.median(np.diff(v)) / 2) if len(v) > 1 else 0.5


def _cell_edges(x: str, y: str, hx: float, hy: float) -> dict[str, str]:
    """A grid cell's edges, halfway to its neighbours (half-steps ``hx``, ``hy``): computed in
    the browser (``transform_calculate``) rather than sent as four more columns a row."""
    return {
        f"{x}_lo": f"datum.{x} - {hx!r}",
        f"{x}_hi": f"datum.{x} + {hx!r}",
        f"{y}_lo": f"datum.{y} - {hy!r}",
        f"{y}_hi": f"datum.{y} + {hy!r}",
    }


def decision_boundaries(
    grid: pd.DataFrame,
    points: pd.DataFrame,
    *,
    columns: int = COLUMNS,
    title: str | None = None,
) -> alt.ConcatChart:
    """Each scheme's predictions over the plane (``Result.boundary_table(epoch)``) under the
    data (``Result.points_table()``; hollow: test set), a square panel per scheme on shared
    axes. Two classes: the background is P(class 1) (blue - white - orange); more: the
    predicted class's colour, fainter where the network is unsure. The panels are concatenated,
    not faceted, so they share the two tables instead of a copy of the points each."""
    if not len(grid):
        raise ValueError("no grid to draw: decision boundaries need 2-D data")
    schemes, g = _scheme_rows(grid)
    notes = []
    if len(g) > MAX_ROWS:  # keep every k-th grid line each way: a coarser regular grid
        n = math.isqrt(MAX_ROWS // len(schemes))
        k = math.ceil(max(g["x1"].nunique(), g["x2"].nunique()) / n)
        x1s = np.sort(g["x1"].unique())[::k]
        x2s = np.sort(g["x2"].unique())[::k]
        full = f"{g['x1'].nunique()} x {g['x2'].nunique()}"
        notes.append(f"{len(x1s)} x {len(x2s)} of {full} grid points shown")
        g = g[g["x1"].isin(x1s) & g["x2"].isin(x2s)]
    hx, hy = _half_step(g["x1"]), _half_step(g["x2"])
    x_scale, y_scale = (
        alt.Scale(domain=[float(g[c].min() - h), float(g[c].max() + h)], nice=False, zero=False)
        for c, h in (("x1", hx), ("x2", hy))
    )
    top_label = points["label"].max() if len(points) else 0
    n_classes = max(int(max(top_label, g["predicted"].max()) + 1), 2)
    binary = n_classes == 2
    g = _lean(g[["scheme", SCHEME, "x1", "x2", "predicted", "p1" if binary else "confidence"]])
    cells = _cell_edges("x1", "x2", hx, hy)
    if binary:
        cells["confidence"] = "max(datum.p1, 1 - datum.p1)"
    pts = points
    if len(pts) > MAX_ROWS:
        pts = pts.iloc[_evenly(np.arange(len(pts)), MAX_ROWS)]
        notes.append(f"{len(pts)} of {len(points)} data points shown")
    pts = _lean(pts[["x1", "x2", "label", "split"]])
    classes = list(range(n_classes))
    palette = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in classes]

    bg_tip = [
        SCHEME_TIP,
        alt.Tooltip("x1:Q", format=".2f"),
        alt.Tooltip("x2:Q", format=".2f"),
        alt.Tooltip("predicted:N", title="predicted class"),
        alt.Tooltip("confidence:Q", format=".1%"),
    ]
    class_scale = alt.Scale(domain=classes, range=palette)
    if binary:
        color = alt.Color(
            "p1:Q",
            # "lab": Vega's default "hcl" turns the white midpoint yellow
            scale=alt.Scale(
                domain=[0, 0.5, 1], range=[palette[0], "#ffffff", palette[1]], interpolate="lab"
            ),
            legend=alt.Legend(title="P(class 1)", format=".0%", gradientLength=140),
        )
        opacity = alt.value(0.55)
        bg_tip.append(alt.Tooltip("p1:Q", title="P(class 1)", format=".1%"))
    else:
        color = alt.Color("predicted:N", scale=class_scale, legend=alt.Legend(title="class"))
        opacity = alt.Opacity(
            "confidence:Q",
            scale=alt.Scale(domain=[1 / n_classes, 1], range=[0.05, 0.6]),
            legend=None,
        )
    pt_tip = [
        alt.Tooltip("label:N", title="true class"),
        alt.Tooltip("split:N"),
        alt.Tooltip("x1:Q", format=".2f"),
        alt.Tooltip("x2:Q", format=".2f"),
    ]
    pt = alt.Chart(pts).encode(
        x=alt.X("x1:Q", scale=x_scale), y=alt.Y("x2:Q", scale=y_scale), tooltip=pt_tip
    )
    train = (
        pt.mark_point(filled=True, size=32, stroke="#222222", strokeWidth=0.6, opacity=1)
        .encode(fill=alt.Fill("label:N", scale=class_scale, legend=alt.Legend(title="class")))
        .transform_filter(alt.datum.split == "train")
    )
    test = (
        pt.mark_point(filled=False, size=40, strokeWidth=2, opacity=1)
        .encode(stroke=alt.Stroke("label:N", scale=class_scale, legend=None))
        .transform_filter(alt.datum.split == "test")
    )
    bg = alt.Chart(g).mark_rect().encode(x2="x1_hi:Q", y2="x2_hi:Q", color=color, opacity=opacity)
    panels = []
    for i, s in enumerate(schemes):
        # Shared scales: axis labels only on the left column and the bottom panel of each column
        left, bottom = i % columns == 0, i + columns >= len(schemes)
        x_axis = alt.Axis(title="x1 (standardized)") if bottom else alt.Axis(title=None)
        y_axis = alt.Axis(title="x2 (standardized)") if left else alt.Axis(title=None, labels=False)
        x = alt.X("x1_lo:Q", scale=x_scale, axis=x_axis)
        y = alt.Y("x2_lo:Q", scale=y_scale, axis=y_axis)
        cells_of_s = (
            bg.encode(x=x, y=y, tooltip=bg_tip)
            .transform_filter(alt.datum.scheme == s)
            .transform_calculate(**cells)
        )
        head = alt.Title(SCHEMES[s].label, color=SCHEME_COLORS[s], fontSize=15)
        panel = alt.layer(cells_of_s, train, test)
        panels.append(_set(panel, width=PANEL_WIDTH, height=PANEL_WIDTH, title=head))
    notes.append("filled points: training set; hollow: test set")
    shared = {channel: "shared" for channel in ("x", "y", "color", "fill", "stroke")}
    chart = _set(
        alt.ConcatChart(concat=[], columns=columns),
        concat=panels,  # set, not passed: the constructor deep-copies every panel (no params)
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(**shared)),
    )
    return _style(chart, title or "Decision boundaries", notes)


# ---------------------------------------------------------------------- 7. neurons
HIDDEN_AXIS = alt.Axis(labels=False, ticks=False, title=None, grid=False, domain=False)


def neuron_maps(maps: pd.DataFrame, *, kind: str) -> alt.FacetChart:
    """Every drawn neuron's output over the input plane (``initdash.neurons.maps_table``), as
    TensorFlow Playground draws inside each neuron: a small heatmap per (scheme, neuron), a row
    per scheme. ``kind``: "grid" (a regular grid over the data plane) or "pca" (data points on
    their first two principal components). A row is shaded by output / its largest |output|
    (in the browser: the spec stays the same between redraws), so x0.01 neurons show their
    pattern too and identical outputs look identical; the tooltip gives the true value."""
    schemes, df = _scheme_rows(maps)
    if kind == "grid":
        grid = alt.Scale(nice=False, zero=False)
        edges = _cell_edges("x", "y", _half_step(df["x"]), _half_step(df["y"]))
        cell = (
            alt.Chart()
            .mark_rect()
            .encode(
                x=alt.X("x_lo:Q", axis=HIDDEN_AXIS, scale=grid),
                x2="x_hi:Q",
                y=alt.Y("y_lo:Q", axis=HIDDEN_AXIS, scale=grid),
                y2="y_hi:Q",
            )
            .transform_calculate(**edges)
        )
        note = "each square: one neuron's output over the data plane (the decision-boundary axes)"
    else:
        cell = (
            alt.Chart()
            .mark_circle(size=18, opacity=1)
            .encode(
                x=alt.X("x:Q", axis=HIDDEN_AXIS, scale=alt.Scale(zero=False)),
                y=alt.Y("y:Q", axis=HIDDEN_AXIS, scale=alt.Scale(zero=False)),
            )
        )
        note = "each square: one neuron's output on data points, placed on their 2 main directions"
    cell = (
        cell.encode(
            color=alt.Color(
                "shade:Q",
                scale=alt.Scale(domain=[-1, 1], scheme="blueorange"),
                legend=alt.Legend(title=["output / largest", "of the row"], gradientLength=120),
            ),
            tooltip=[SCHEME_TIP, alt.Tooltip("neuron:O"), alt.Tooltip("output:Q", format=".3g")],
        )
        .transform_calculate(size="abs(datum.output)")
        .transform_joinaggregate(top="max(size)", groupby=[SCHEME])
        .transform_calculate(shade="datum.output / max(datum.top, 1e-30)")
    )
    df = _lean(df[[SCHEME, "neuron", "x", "y", "output"]])
    panel = _set(alt.layer(cell, data=df), width=46, height=46)
    chart = panel.facet(
        row=alt.Row(
            f"{SCHEME}:N",
            sort=scheme_labels(schemes),
            title=None,
            header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=13),
        ),
        column=alt.Column(
            "neuron:O",
            title=None,
            header=alt.Header(
                labelExpr="'neuron ' + datum.value", labelFontSize=12, labelFontWeight="normal"
            ),
        ),
        spacing=4,
    )
    notes = [note, "identical squares in a row = clones; each row on its own colour scale"]
    return _style(chart, "What each neuron computes", notes)


def network_diagram(
    nodes: pd.DataFrame, links: pd.DataFrame, *, notes: Sequence[str] = ()
) -> alt.FacetChart:
    """Each scheme's network (``initdash.neurons.network_table``): nodes coloured by their
    mean output over the largest |mean| of the scheme (inputs and outputs grey), links
    coloured by the weight's sign and as wide as |w| relative to the largest of their layer.
    Clones show as identical links fanning into identical nodes."""
    schemes, n = _scheme_rows(nodes)
    top = n.groupby("scheme")["mean"].transform(lambda m: m.abs().max())
    n = n.assign(shade=n["mean"] / top.where(top > 0, 1.0))
    ln = _labelled(links, schemes)
    top = ln.groupby(["scheme", "layer"])["weight"].transform(lambda w: w.abs().max())
    ln = ln.assign(
        strength=(ln["weight"].abs() / top.where(top > 0, 1.0)).fillna(0.0),
        sign=np.where(ln["weight"] >= 0, "positive", "negative"),
    )
    both = pd.concat([n.assign(part="node"), ln.assign(part="link")], ignore_index=True)
    both = _lean(both[[SCHEME, "part", "layer", "neuron", "x", "y", "mean", "shade", "weight",
                       "x1", "y1", "x2", "y2", "strength", "sign"]])  # fmt: skip
    edges = (
        alt.Chart()
        .mark_rule()
        .encode(
            x=alt.X("x1:Q", axis=HIDDEN_AXIS),
            x2="x2:Q",
            y=alt.Y("y1:Q", axis=HIDDEN_AXIS),
            y2="y2:Q",
            color=alt.Color(
                "sign:N",
                scale=alt.Scale(domain=["positive", "negative"], range=["#E69F00", "#0072B2"]),
                legend=alt.Legend(title="weight"),
            ),
            strokeWidth=alt.StrokeWidth(
                "strength:Q", scale=alt.Scale(domain=[0, 1], range=[0.2, 3.5]), legend=None
            ),
            opacity=alt.Opacity(
                "strength:Q", scale=alt.Scale(domain=[0, 1], range=[0.25, 0.9]), legend=None
            ),
            tooltip=[alt.Tooltip("weight:Q", format=".3g"), alt.Tooltip("layer:O")],
        )
        .transform_filter(alt.datum.part == "link")
    )
    dots = (
        alt.Chart()
        .mark_circle(size=70, stroke="#444444", strokeWidth=0.6, opacity=1)
        .encode(
            x=alt.X("x:Q", axis=HIDDEN_AXIS),
            y=alt.Y("y:Q", axis=HIDDEN_AXIS),
            fill=alt.condition(
                "isValid(datum.shade)",
                alt.Fill(
                    "shade:Q", scale=alt.Scale(domain=[-1, 1], scheme="blueorange"), legend=None
                ),
                alt.value("#cccccc"),
            ),
            tooltip=[
                alt.Tooltip("layer:O"),
                alt.Tooltip("neuron:O"),
                alt.Tooltip("mean:Q", title="mean output", format=".3g"),
            ],
        )
        .transform_filter(alt.datum.part == "node")
    )
    panel = _set(alt.layer(edges, dots, data=both), width=PANEL_WIDTH + 30, height=150)
    notes = ["left: inputs; right: deeper layers", *notes]
    return _style(_scheme_facet(panel, schemes), "The networks, drawn", notes)
