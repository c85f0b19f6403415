"""Chart builders of the neurons view: each network drawn, and every neuron's output map.

Pure functions of tidy tables, no Streamlit (conventions: dashboard.views.kit).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit, legends

HIDDEN_AXIS = alt.Axis(labels=False, ticks=False, title=None, grid=False, domain=False)


NEURON_COLUMNS = 4  # neuron pictures per line of a scheme's panel (4 x 50 px: 2 panels a line
# on a projector's page would be too few; 4 fit 1280 px beside the sidebar, 1 a phone)
BLUE_ORANGE = ("#134B85", "#5DA2CB", "#F2F0EB", "#FBBF74", "#C5690D", "#994A07")  # Vega's


def neuron_maps(maps: pd.DataFrame, *, kind: str) -> kit.Panels:
    """Every drawn neuron's output over the input plane (``initdash.neurons.maps_table``), as
    TensorFlow Playground draws inside each neuron: a small heatmap per neuron, a panel of
    them per scheme. ``kind``: "grid" (a regular grid over the data plane) or "pca" (data
    points on their first two principal components). A panel is shaded by output / its
    largest |output| (in the browser: the spec stays the same between redraws), so x0.01
    neurons show their pattern too and identical outputs look identical; the tooltip gives
    the true value."""
    schemes, df = kit.scheme_rows(maps)
    if kind == "grid":
        grid = alt.Scale(nice=False, zero=False)
        edges = kit.cell_edges("x", "y", kit.half_step(df["x"]), kit.half_step(df["y"]))
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
                "shade:Q", scale=alt.Scale(domain=[-1, 1], scheme="blueorange"), legend=None
            ),
            tooltip=[
                kit.SCHEME_TIP,
                alt.Tooltip("neuron:O"),
                alt.Tooltip("output:Q", format=".3g"),
            ],
        )
        .transform_calculate(size="abs(datum.output)")
        .transform_joinaggregate(top="max(size)", groupby=[kit.SCHEME])
        .transform_calculate(shade="datum.output / max(datum.top, 1e-30)")
    )
    df = kit.lean(df[[kit.SCHEME, "neuron", "x", "y", "output"]])
    tables = [
        (label, (df[df[kit.SCHEME] == label].reset_index(drop=True),))
        for label in kit.scheme_labels(schemes)
    ]
    panel = kit.set_props(alt.layer(cell, data=tables[0][1][0] if tables else df),
                          width=46, height=46)  # fmt: skip
    chart = panel.facet(
        facet=alt.Facet(
            "neuron:O",
            title=None,
            header=alt.Header(
                labelExpr="'neuron ' + datum.value", labelFontSize=12, labelFontWeight="normal"
            ),
        ),
        columns=NEURON_COLUMNS,
        spacing=4,
    )
    legend = legends.legend_html(
        [(legends.gradient(BLUE_ORANGE, "-1", "1"), "output / the scheme's largest |output|")],
        "What each neuron computes:",
    )
    notes = [note, "identical squares = clones; each scheme on its own colour scale"]
    return kit.Panels(kit.style(chart, ""), tables, None, None, legend, notes)


def network_diagram(
    nodes: pd.DataFrame, links: pd.DataFrame, *, notes: Sequence[str] = ()
) -> kit.Panels:
    """Each scheme's network (``initdash.neurons.network_table``): nodes coloured by their
    mean output over the largest |mean| of the scheme (inputs and outputs grey), links
    coloured by the weight's sign and as wide as |w| relative to the largest of their layer.
    Clones show as identical links fanning into identical nodes."""
    schemes, n = kit.scheme_rows(nodes)
    top = n.groupby("scheme")["mean"].transform(lambda m: m.abs().max())
    n = n.assign(shade=n["mean"] / top.where(top > 0, 1.0))
    ln = kit.labelled(links, schemes)
    top = ln.groupby(["scheme", "layer"])["weight"].transform(lambda w: w.abs().max())
    ln = ln.assign(
        strength=(ln["weight"].abs() / top.where(top > 0, 1.0)).fillna(0.0),
        sign=np.where(ln["weight"] >= 0, "positive", "negative"),
    )
    both = pd.concat([n.assign(part="node"), ln.assign(part="link")], ignore_index=True)
    both = kit.lean(both[[kit.SCHEME, "part", "layer", "neuron", "x", "y", "mean", "shade",
                          "weight", "x1", "y1", "x2", "y2", "strength", "sign"]])  # fmt: skip
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
                scale=alt.Scale(domain=["positive", "negative"], range=list(SIGN_COLORS)),
                legend=None,
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
    tables = [
        (label, (both[both[kit.SCHEME] == label].reset_index(drop=True),))
        for label in kit.scheme_labels(schemes)
    ]
    chart = kit.style(alt.layer(edges, dots, data=tables[0][1][0] if tables else both), "")
    legend = legends.legend_html(
        [
            (legends.swatch(SIGN_COLORS[0], "solid"), "positive weight"),
            (legends.swatch(SIGN_COLORS[1], "solid"), "negative (width: its size)"),
            (legends.gradient(BLUE_ORANGE, "below 0", "above 0"), "a node's mean output"),
        ],
        "The networks, drawn (inputs left, deeper layers right):",
    )
    return kit.Panels(chart, tables, kit.panel_width(len(schemes)), 190, legend, list(notes))


SIGN_COLORS = ("#E69F00", "#0072B2")  # a positive and a negative weight
