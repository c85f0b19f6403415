"""Chart builders of the deep-signal lab's edge-of-chaos panel: the (sigma_w^2, sigma_b^2) phase
diagram and pictures of a random deep net's output over the plane.

Pure functions of ``initdash.chaos`` tables, no Streamlit (conventions: dashboard.views.kit).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from dashboard.views import kit, legends

SEPARATION_CLIP = 4  # decades: pairs that moved further together or apart take the end colours
PICTURE_SIZE = 108  # px of a picture's side: three side by side fit a 390 px phone


def phase_diagram(cells: pd.DataFrame, line: pd.DataFrame, points: pd.DataFrame) -> alt.LayerChart:
    """Cells of ``initdash.chaos.phase_diagram`` coloured by the measured separation of nearby
    inputs (log10, clipped at SEPARATION_CLIP decades; blue: moved together, orange: apart),
    the mean-field chi_1 = 1 line (``line``: sigma_b2, sigma_w2) and named ``points``
    (sigma_w2, sigma_b2, name)."""
    df = cells[["sigma_w2", "sigma_b2", "chi_1", "q_star", "c_1", "c_L", "c_L_theory",
                "separation"]].copy()  # fmt: skip
    df["shown"] = np.clip(df["separation"], -SEPARATION_CLIP, SEPARATION_CLIP)
    hx, hy = kit.half_step(df["sigma_w2"]), kit.half_step(df["sigma_b2"])
    clip = SEPARATION_CLIP
    legend_labels = f"datum.value <= -{clip} ? '≤ 1e-{clip}' : datum.value >= {clip} ? "
    legend_labels += f"'≥ 1e{clip}' : datum.value == 0 ? '1' : '1e' + datum.value"
    x_scale = alt.Scale(domain=[float(df.sigma_w2.min() - hx), float(df.sigma_w2.max() + hx)],
                        nice=False, zero=False)  # fmt: skip
    y_scale = alt.Scale(domain=[float(df.sigma_b2.min() - hy), float(df.sigma_b2.max() + hy)],
                        nice=False, zero=False)  # fmt: skip
    tooltip = [alt.Tooltip("sigma_w2:Q", title="σw²", format=".3g"),
               alt.Tooltip("sigma_b2:Q", title="σb²", format=".3g"),
               alt.Tooltip("chi_1:Q", title="χ1 (mean field)", format=".3f"),
               alt.Tooltip("q_star:Q", title="q* (mean field)", format=".3g"),
               alt.Tooltip("c_1:Q", title="correlation at layer 1", format=".4f"),
               alt.Tooltip("c_L:Q", title="correlation at the last layer", format=".4f"),
               alt.Tooltip("c_L_theory:Q", title="... mean field", format=".4f"),
               alt.Tooltip("separation:Q", title="log10 (1-c_L)/(1-c_1)",
                           format=".2f")]  # fmt: skip
    heat = (
        alt.Chart(kit.lean(df))
        .transform_calculate(**kit.cell_edges("sigma_w2", "sigma_b2", hx, hy))
        .mark_rect()
        .encode(
            x=alt.X("sigma_w2_lo:Q", title="σw² (weights' variance x fan-in)", scale=x_scale),
            x2="sigma_w2_hi:Q",
            y=alt.Y("sigma_b2_lo:Q", title="σb² (biases' variance)", scale=y_scale),
            y2="sigma_b2_hi:Q",
            color=alt.Color("shown:Q", scale=alt.Scale(scheme="blueorange",
                            domain=[-clip, clip], domainMid=0),
                            legend=alt.Legend(title="distance: end / layer 1",
                                              orient="bottom", direction="horizontal",
                                              labelExpr=legend_labels, gradientLength=200,
                                              values=list(range(-clip, clip + 1, 2)))),
            tooltip=tooltip,
        )
    )  # fmt: skip
    edge = alt.Chart(line[["sigma_w2", "sigma_b2"]]).mark_line(color="black", strokeWidth=3).encode(
        x="sigma_w2:Q", y="sigma_b2:Q", order="sigma_b2:Q")  # fmt: skip
    spots = alt.Chart(points[["sigma_w2", "sigma_b2", "name"]]).encode(
        x="sigma_w2:Q", y="sigma_b2:Q")  # fmt: skip
    dots = spots.mark_point(shape="diamond", size=140, filled=True, color="white",
                            stroke="black", strokeWidth=1.5)  # fmt: skip
    text = dict(align="right", dx=-9, dy=-9, fontSize=13)
    names = spots.encode(text="name:N")
    chart = alt.layer(heat, edge, dots, names.mark_text(stroke="white", strokeWidth=4, **text),
                      names.mark_text(color="black", **text))  # fmt: skip
    title = "Order and chaos in random tanh nets"
    about = (
        f"{title}: heatmap over σw² (x) and σb² (y) of how far apart pairs of nearby inputs "
        "end, against layer 1 (blue: closer, orange: further apart), with the mean-field χ1 = 1 "
        "line in black and diamonds at the pictures' points: "
        f"{legends.and_list(list(points.name))}."
    )
    return kit.style(chart, title, width=kit.LINE_WIDTH, height=380, description=about)


def output_pictures(pictures: pd.DataFrame, labels: list[str]) -> alt.FacetChart:
    """The pictures of ``initdash.chaos.output_pictures`` (one unit each), side by side in
    the order of their points, PICTURE_SIZE px square each (three fit a phone); ``labels``:
    one title per picture ("|" breaks a line). Colour: the unit's output, -1 to 1 on a fixed
    diverging scale, so a flat picture looks flat."""
    keys = list(dict.fromkeys(zip(pictures["sigma_w2"], pictures["sigma_b2"], strict=True)))
    if len(keys) != len(labels):
        raise ValueError(f"{len(labels)} labels for {len(keys)} pictures")
    names = dict(zip(keys, labels, strict=True))
    df = pictures[["x", "y", "value"]].assign(
        picture=[names[k] for k in zip(pictures["sigma_w2"], pictures["sigma_b2"], strict=True)]
    )
    hx, hy = kit.half_step(pictures["x"]), kit.half_step(pictures["y"])
    panel = (
        alt.Chart()
        .transform_calculate(**kit.cell_edges("x", "y", hx, hy))
        .mark_rect()
        .encode(
            x=alt.X("x_lo:Q", scale=alt.Scale(domain=[-1 - hx, 1 + hx], nice=False), axis=None),
            x2="x_hi:Q",
            y=alt.Y("y_lo:Q", scale=alt.Scale(domain=[-1 - hy, 1 + hy], nice=False), axis=None),
            y2="y_hi:Q",
            color=alt.Color("value:Q", scale=alt.Scale(scheme="purpleorange", domain=[-1, 1]),
                            legend=alt.Legend(title="output", orient="bottom",
                                              gradientLength=160)),
            tooltip=[alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("y:Q", format=".2f"),
                     alt.Tooltip("value:Q", title="output", format=".3f")],
        )
        .properties(width=PICTURE_SIZE, height=PICTURE_SIZE)
    )  # fmt: skip
    header = alt.Header(title=None, labelExpr="split(datum.value, '|')", labelFontSize=13,
                        labelFontWeight="normal")  # fmt: skip
    chart = alt.FacetChart(data=kit.lean(df), spec=panel, spacing=8,
                           facet=alt.Facet("picture:N", sort=labels, header=header),
                           columns=len(labels))  # fmt: skip
    title = "One unit over the plane"
    shown = [label.replace("|", " at ") for label in labels]
    about = (
        f"{title}: {len(labels)} heatmaps side by side of one unit's output over the points "
        f"(x, y) of [-1, 1]², coloured from -1 (purple) to 1 (orange): {legends.and_list(shown)}."
    )
    return kit.style(chart, title, description=about)
