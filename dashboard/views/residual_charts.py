"""Chart builders of the deep-signal lab's residual panel: the residual stream's spread.

Pure functions of ``initdash.lab.residual_stream``'s table, no Streamlit (conventions:
dashboard.views.kit).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.views import kit, legends
from initdash.lab import RESIDUAL_BRANCHES

# one colour per branch kind (Okabe-Ito), in RESIDUAL_BRANCHES' order
BRANCH_COLORS = ("#0072B2", "#D55E00", "#009E73")


def _branch_color() -> alt.Color:
    labels = [label for label, _ in RESIDUAL_BRANCHES.values()]
    return alt.Color(
        "label:N",
        scale=alt.Scale(domain=labels, range=list(BRANCH_COLORS)),
        sort=labels,
        legend=alt.Legend(title="branches", symbolOpacity=1, symbolStrokeWidth=0),
    )  # fmt: skip


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    labels = {name: label for name, (label, _) in RESIDUAL_BRANCHES.items()}
    return df.assign(label=df["branch"].map(labels).astype(object))


def _spread_y(df: pd.DataFrame) -> alt.Y:
    return alt.Y("spread:Q", title="spread / input's (log)",
                 scale=alt.Scale(type="log"), axis=kit.log_axis(df["spread"]))  # fmt: skip


def stream_spread(stream: pd.DataFrame, *, blocks: int) -> alt.LayerChart:
    """The stream's spread after each block k = 0..N of the nets of N = ``blocks`` blocks,
    one line per branch kind (log scale; overflowed values left out, the subtitle says so)."""
    df = _labelled(stream[stream["blocks"] == blocks])
    df, inf_note = kit.finite(df, "spread", kit.OVERFLOW)
    df = df[["label", "block", "spread"]]
    tooltip = [alt.Tooltip("label:N", title="branches"), alt.Tooltip("block:Q"),
               alt.Tooltip("spread:Q", format=".4g")]  # fmt: skip
    base = alt.Chart(kit.lean(df)).encode(
        x=alt.X("block:Q", title="block k (0 = the input)", scale=alt.Scale(nice=False),
                axis=kit.int_axis("block k (0 = the input)")),
        y=_spread_y(df), color=_branch_color(),
    )  # fmt: skip
    chart = alt.layer(base.mark_line(strokeWidth=2.5), base.mark_circle(size=30).encode(
        tooltip=tooltip))  # fmt: skip
    title = f"The stream through {blocks} blocks"
    about = _about(title, f"the nets of {blocks} blocks, after each block k", df, inf_note)
    return kit.style(chart, title, [inf_note], width=kit.LINE_WIDTH, height=320, description=about)


def spread_by_depth(stream: pd.DataFrame) -> alt.LayerChart:
    """The stream's spread after the last block of each net, against its number of blocks N
    (log 2 axis), one line per branch kind."""
    df = _labelled(stream[stream["block"] == stream["blocks"]])
    df, inf_note = kit.finite(df, "spread", kit.OVERFLOW)
    df = df[["label", "blocks", "spread"]]
    tooltip = [alt.Tooltip("label:N", title="branches"), alt.Tooltip("blocks:Q", title="N"),
               alt.Tooltip("spread:Q", format=".4g")]  # fmt: skip
    ns = sorted(int(n) for n in df["blocks"].unique())
    base = alt.Chart(kit.lean(df)).encode(
        x=alt.X("blocks:Q", title="blocks N (log scale)", scale=alt.Scale(type="log", base=2),
                axis=alt.Axis(values=ns, format="d")),
        y=_spread_y(df), color=_branch_color(),
    )  # fmt: skip
    chart = alt.layer(base.mark_line(strokeWidth=2.5), base.mark_circle(size=80).encode(
        tooltip=tooltip))  # fmt: skip
    title = "After the last of N blocks"
    about = _about(
        title,
        f"each net of N = {legends.and_list([str(n) for n in ns])} blocks, after its last block",
        df,
        inf_note,
    )
    return kit.style(chart, title, [inf_note], width=kit.LINE_WIDTH, height=300, description=about)


def _about(title: str, where: str, df: pd.DataFrame, note: str) -> str:
    """The chart's text alternative: what its lines are (the branch kinds it draws)."""
    kinds = [label for label, _ in RESIDUAL_BRANCHES.values() if label in set(df["label"])]
    text = (
        f"{title}: line chart of the residual stream's spread over the input's (log scale) in "
        f"{where}, one line each for {legends.and_list(kinds)}"
    )
    return ". ".join([text, *([note] if note else [])]) + "."
