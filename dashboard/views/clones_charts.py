"""Chart builders of the neuron-clones view (and the overview's divergence chart).

Pure functions of tidy tables, no Streamlit (conventions: dashboard.views.kit): the neurons'
output divergence over epochs, and the neuron-by-neuron similarity heatmaps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit, legends


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
    schemes, df = kit.scheme_rows(div)
    df, bad_note = kit.finite(df, "divergence", "epochs after a scheme diverged are not drawn")
    df = df.assign(distinct=distinct_label(df))[
        ["epoch", "layer", "scheme", kit.SCHEME, "divergence", "distinct"]
    ]
    df, thin_note = kit.thin(df, "epoch")
    notes = [thin_note, "0 = the layer's neurons are clones", "about 1 = as different as unrelated"]
    notes.append(bad_note)
    where = "at every epoch" if df["layer"].nunique() == 1 else "at every epoch and layer"
    notes.append(legends.coincide_note(df, ["epoch", "layer"], "divergence", where))
    layers = tuple(int(v) for v in df["layer"].unique())
    facts = dict(schemes=tuple(schemes), layers=layers, notes=tuple(n for n in notes if n))
    return kit.lean(df), facts


FRAME = 145  # px of a one-layer divergence chart around its plot: titles, notes and axes


def divergence_chart(
    table: pd.DataFrame,
    *,
    schemes: Sequence[str],
    layers: Sequence[int],
    notes: Sequence[str],
    legend: bool = True,
    panel_width: int = 260,
    panel_height: int = 220,
    top: float | None = None,
    title: str | None = None,
) -> alt.Chart:
    """The chart of :func:`divergence_table`'s table; its spec depends on the arguments only.
    ``top``: the y axis from 0 to it (panels of several layers share it); ``title``: instead
    of the question."""
    x = kit.epoch_x()
    y = alt.Y(
        "divergence:Q",
        title="output divergence (scale-free)",
        scale=alt.Scale(zero=True) if top is None else alt.Scale(domain=[0, top]),
        axis=alt.Axis(format="~r"),
    )
    tooltip = [
        kit.SCHEME_TIP,
        alt.Tooltip("epoch:Q"),
        alt.Tooltip("layer:Q", title="hidden layer"),
        alt.Tooltip("divergence:Q", format=".4g"),
        alt.Tooltip("distinct:N", title="neurons"),
    ]
    lines = kit.lines_and_points(x, y, schemes, tooltip, size=45, legend=legend)
    panel = kit.set_props(alt.layer(*lines, data=table), width=panel_width, height=panel_height)
    if len(layers) == 1:  # one layer: a plain chart (a facet costs its build a deep copy)
        # The page stretches a single chart to its column: its height is then the whole
        # chart's, titles and axis included, hence the extra room
        title = title or f"Hidden layer {layers[0]}: do its neurons differ?"
        return kit.style(panel, title, notes, height=panel_height + FRAME)
    header = alt.Header(labelExpr="'hidden layer ' + datum.value")
    chart = panel.facet(facet=alt.Facet("layer:O", title=None, header=header), columns=4)
    return kit.style(chart, "Do the neurons of a layer differ?", notes)


def similarity_heatmaps(
    sim: pd.DataFrame,
    distinct: Mapping[str, int] | None = None,
    *,
    width: int | None = None,
) -> kit.Panels:
    """Neuron-by-neuron similarity of one hidden layer (``Result.similarity_table()``), 0
    (different) .. 1 (identical outputs), a square heatmap per scheme. With ``distinct``
    (scheme name -> count) a panel reads "Zeros" over "1 distinct of 16", of ``width``
    (default: the neurons in the table, at most the first 32)."""
    schemes, df = kit.scheme_rows(sim)
    k = int(df["i"].max()) if len(df) else 0
    notes = []
    if len(df) > kit.MAX_ROWS * len(schemes):  # a panel over the limit: its first n neurons
        n = max(int(math.sqrt(kit.MAX_ROWS)), 1)
        df = df[(df["i"] <= n) & (df["j"] <= n)]
        notes.append(f"first {n} of {k} neurons shown")
        k = n
    of = width if width is not None else k
    df = kit.lean(df[["scheme", kit.SCHEME, "i", "j", "similarity"]])
    ticks = sorted({1, *range(0, k + 1, max(k // 4, 1))} - {0}) if k else []
    tables = []
    for s, label in zip(schemes, kit.scheme_labels(schemes), strict=True):
        title = [label] if distinct is None or s not in distinct else [
            label, f"{int(distinct[s])} distinct of {of}"]  # fmt: skip
        tables.append((title, (df[df["scheme"] == s].reset_index(drop=True),)))
    rect = (
        alt.Chart(tables[0][1][0] if tables else df)
        .mark_rect()
        .encode(
            x=alt.X("j:O", title="neuron j", axis=alt.Axis(values=ticks, labelAngle=0)),
            y=alt.Y("i:O", title="neuron i", axis=alt.Axis(values=ticks)),
            color=alt.Color(
                "similarity:Q", scale=alt.Scale(domain=[0, 1], scheme="viridis"), legend=None
            ),
            tooltip=[
                kit.SCHEME_TIP,
                alt.Tooltip("i:O", title="neuron i"),
                alt.Tooltip("j:O", title="neuron j"),
                alt.Tooltip("similarity:Q", format=".3f"),
            ],
        )
    )
    chart = kit.style(rect, alt.Title("", fontSize=15))
    legend = legends.legend_html(
        [(legends.gradient(VIRIDIS, "0", "1"), "similarity (1 = identical outputs)")]
    )
    size = kit.panel_width(len(schemes))
    return kit.Panels(chart, tables, size, size + 40, legend, notes)


# viridis at 0, 0.25, 0.5, 0.75 and 1 (matplotlib's), for a legend outside the charts
VIRIDIS = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")
