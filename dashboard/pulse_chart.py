"""The class pulse's chart: a class's answers to one question, as bars beside the measured truth.

A pure function of a tidy table (no Streamlit): :func:`answers_chart`. One row per scheme (one
row "all schemes" for the race): a bar split by answer, each part as wide as its share of the
students who answered, with the count in it; the part the runs measured is outlined. Above the
bar, the scheme, what was measured and how many got it right, and below that the measurement
itself (its why, with the number). Sized for a projector (1280x720): large type, a fixed height
per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

ROW_PX = 80  # each row: its name and the measured answer, the why, then the bar
BAR_PX = 28
LEGEND_PX = 44  # Streamlit fits the whole chart (its legend too) in its height
WHY_LIMIT_PX = 780  # a longer why is cut with an ellipsis (the CSV has it whole)
INK = "#0f172a"  # the page's text colour (.streamlit/config.toml)
# Okabe & Ito's colour-blind-safe palette; grey last (for "none of them")
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
           "#000000", "#999999")  # fmt: skip
COLUMNS = ("row", "answer", "students", "truth", "measured", "why")


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _text_on(hex_colour: str) -> str:
    """White or the page's ink, whichever contrasts more with the colour."""
    lum = _luminance(hex_colour)
    on_white = 1.05 / (lum + 0.05)
    on_ink = (lum + 0.05) / (_luminance(INK) + 0.05)
    return "#ffffff" if on_white >= on_ink else INK


def colours(answers: Sequence[str]) -> dict[str, str]:
    """One colour per answer, in order ("none of them" grey)."""
    out, k = {}, 0
    for a in answers:
        if a == "none of them":
            out[a] = PALETTE[-1]
        else:
            out[a] = PALETTE[k % (len(PALETTE) - 1)]
            k += 1
    return out


def answers_chart(table: pd.DataFrame, answers: Sequence[str], rows: Sequence[str]) -> alt.Chart:
    """``table``: one line per row and answer given, columns ``row`` (e.g. the scheme's label),
    ``answer`` (its label), ``students`` (how many gave it), ``truth`` (is it what the run
    measured?), ``measured`` (the row's line: what was measured, how many were right) and
    ``why`` (the measurement, with its number; "" before there is one).
    ``answers``: every answer the question offers, in order (the colours); ``rows``: every row,
    in order (a row nobody answered yet is an empty bar with its line).

    Each row is ROW_PX high: its name (bold, left) and measured line (right), the why, then a
    bar that spans the width (y is in pixels from the top, so the layout does not depend on
    Vega's band scales)."""
    t = table.loc[:, list(COLUMNS)].copy()
    t["students"] = t["students"].astype(int)
    t = t[t["students"] > 0]
    at = {r: i * ROW_PX for i, r in enumerate(rows)}
    t["k"] = t["answer"].map({a: i for i, a in enumerate(answers)})
    t = t.sort_values(["row", "k"], kind="stable")
    totals = t.groupby("row")["students"].transform("sum")
    t["end"] = t.groupby("row")["students"].cumsum() / totals
    t["start"] = t["end"] - t["students"] / totals
    t["mid"] = (t["start"] + t["end"]) / 2
    t["share"] = t["students"] / totals
    t["top"] = t["row"].map(at).astype(float) + ROW_PX - 10 - BAR_PX
    t["bottom"] = t["top"] + BAR_PX
    t["centre"] = t["top"] + BAR_PX / 2
    palette = colours(answers)
    t["ink"] = t["answer"].map(lambda a: _text_on(palette[a]))
    first = table.drop_duplicates("row").set_index("row")
    heads = pd.DataFrame(
        {
            "row": list(rows),
            "measured": [first["measured"].get(r, "no answers yet") for r in rows],
            "why": [first["why"].get(r, "") for r in rows],
            "y": [at[r] + 11 for r in rows],
            "y_why": [at[r] + 31 for r in rows],
        }
    )
    height = ROW_PX * len(rows)
    y_scale = alt.Scale(domain=[height, 0], nice=False, zero=False)
    y = alt.Y("top:Q", scale=y_scale, axis=None)
    bars = (
        alt.Chart(t)
        .mark_bar()
        .encode(
            y=y,
            y2="bottom:Q",
            x=alt.X("start:Q", scale=alt.Scale(domain=[0, 1], nice=False), axis=None),
            x2="end:Q",
            color=alt.Color(
                "answer:N",
                scale=alt.Scale(domain=list(answers), range=[palette[a] for a in answers]),
                legend=alt.Legend(
                    orient="top",
                    title=None,
                    labelFontSize=17,
                    symbolSize=260,
                    labelColor=INK,
                    labelLimit=260,
                ),
            ),  # fmt: skip
            stroke=alt.condition("datum.truth", alt.value(INK), alt.value(None)),
            strokeWidth=alt.condition("datum.truth", alt.value(4), alt.value(0)),
            tooltip=[
                alt.Tooltip("row:N", title="scheme"),
                alt.Tooltip("answer:N"),
                alt.Tooltip("students:Q"),
                alt.Tooltip("share:Q", format=".0%"),
            ],
        )
    )
    counts = (
        alt.Chart(t[t["share"] >= 0.06])
        .mark_text(fontSize=17, fontWeight="bold", baseline="middle")
        .encode(
            y=alt.Y("centre:Q", scale=y_scale, axis=None),
            x="mid:Q",
            text="students:Q",
            color=alt.Color("ink:N", scale=None),
        )
    )
    head_y = alt.Y("y:Q", scale=y_scale, axis=None)
    names = (
        alt.Chart(heads)
        .mark_text(align="left", baseline="middle", fontSize=18, fontWeight="bold", color=INK)
        .encode(y=head_y, x=alt.datum(0), text="row:N")
    )
    measured = (
        alt.Chart(heads)
        .mark_text(align="right", baseline="middle", fontSize=17, color=INK)
        .encode(y=head_y, x=alt.datum(1), text="measured:N")
    )
    whys = (
        alt.Chart(heads)
        .mark_text(align="left", baseline="middle", fontSize=15, color=INK, limit=WHY_LIMIT_PX)
        .encode(y=alt.Y("y_why:Q", scale=y_scale, axis=None), x=alt.datum(0), text="why:N")
    )
    return (
        alt.layer(bars, counts, names, measured, whys)
        .properties(height=height + LEGEND_PX, width="container")
        .configure_view(stroke=None)
        .configure(font="sans-serif")
    )
