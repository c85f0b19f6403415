"""initdash: watch weight-initialization schemes train side by side, live.

The page reads inputs (the sidebar, or a share link), runs or reuses the run, and shows the
views. Everything it calls lives in dashboard/ (the page) and initdash/ (the numpy core); see
docs/architecture.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one BLAS thread is faster

import streamlit as st  # noqa: E402

from dashboard import access, controls, live, page, pulse, pulse_teacher, share  # noqa: E402

# Streamlit's default top margin is made for a page title: this page starts with its Train
# button, so the views fit a 900 px laptop screen. Its side margins (5rem) would leave a
# projector's page (1280 px beside the sidebar) room for 4 chart panels, 2rem leave 5
# (dashboard/views/kit.py PANEL). Captions (what to look for) in dark text, 10:1 (Streamlit
# fades them to 60%: 3.4:1).
PAGE_CSS = """
.block-container {padding-top: 3.5rem}
@media (min-width: 641px) {.block-container {padding-left: 2rem; padding-right: 2rem}}
[data-testid="stCaptionContainer"] {color: #334155; opacity: 1}
[data-testid="stCaptionContainer"] summary {cursor: pointer; color: #1D4ED8; font-weight: 600}
"""


def main() -> None:
    st.set_page_config(
        page_title="initdash: weight initialization, live",
        layout="wide",
        initial_sidebar_state="auto",
    )
    live.one_blas_thread()
    st.html(f"<style>{PAGE_CSS}</style>")
    inputs, problems, data_msg = controls.inputs()
    share.link_notes(data_msg)
    view = page.current_view()
    share.share(inputs.config, view.name)
    access.styles()
    pulse.sidebar(inputs)
    if pulse_teacher.teacher_view(inputs):  # a teacher: the class pulse instead of the lesson
        return
    page.show(inputs, problems, view)
    access.keyboard()


if __name__ == "__main__":
    main()
