"""The share link: the address bar kept equal to it, the sidebar's "Share this experiment" box,
and the notes on what a link could not use (and which data the page trains on).
"""

from __future__ import annotations

import html

import streamlit as st

from dashboard import links, state, steps
from dashboard.controls import DataNote
from dashboard.text import escape_md
from initdash.config import TrainConfig
from initdash.presets import PRESETS


def share(config: TrainConfig | None, view: str) -> None:
    """Keep the address bar equal to the share link, and show it in the sidebar."""
    if config is None:
        return
    preset = st.session_state.get(state.PRESET)
    hide = st.session_state.get(state.HIDE, ())
    quiz = bool(st.session_state.get(state.QUIZ))
    query = links.to_query(
        config, preset=preset if preset in PRESETS else None, view=view, hide=hide, quiz=quiz,
        step=steps.step_no(steps.current()), class_code=st.session_state.get(state.PULSE_CLASS),
    )  # fmt: skip
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    keep = {k: v for k, v in current.items() if k in links.STREAMLIT_KEYS}
    if {**{k: [v] for k, v in query.items()}, **keep} != current:
        st.query_params.from_dict({**query, **{k: v[-1] for k, v in keep.items()}})
    if "share" in hide:
        return
    link = links.share_link(st.context.url or "http://localhost:8501/", query)
    with st.sidebar.expander("Share this experiment", icon=":material/link:"):
        st.html(link_html(link))
        st.caption(
            "Copy this link (right-click it, or press and hold on a phone): it sets every "
            "control (settings equal to the defaults are left out). Add `&hide=data,network` "
            "(or init, training, presets, share) to hide sections from a class."
        )
        upload_note()


def link_html(link: str) -> str:
    """The link as a clickable address that wraps only after "?", "&" and "," (never inside a
    name or a number), drawn without a code box (``st.code`` loads a 1.5 MB highlighter)."""
    shown = html.escape(link)
    for mark in ("?", "&amp;", ","):
        shown = shown.replace(mark, mark + "<wbr>")
    style = "word-break:keep-all;overflow-wrap:normal;text-decoration:none"
    return f'<a href="{html.escape(link)}" style="{style}">{shown}</a>'


def upload_note() -> None:
    """In the share box: the link does not carry the user's file (when one is uploaded)."""
    up = st.session_state.get(state.UPLOAD)
    if up is not None:
        st.warning(
            f"This link does not include your file **{escape_md(up.name)}**: whoever opens "
            "it trains on the generated data its settings name. Send the file along.",
            icon=":material/attach_file:",
        )


def link_notes(data_msg: DataNote | None) -> None:
    """What the link could not use (until dismissed), and which data the page trains on (or
    why the user's file was not used)."""
    warnings = st.session_state.get(state.LINK_WARNINGS)
    if warnings:
        st.warning(
            "Some settings in this link were not used:\n"
            + "\n".join(f"- {escape_md(w)}" for w in warnings)
        )
        if st.button("Dismiss", key="dismiss_link"):
            st.session_state[state.LINK_WARNINGS] = []
            st.rerun()
    if data_msg is not None:
        (st.info if data_msg.ok else st.error)(data_msg.text)
