"""Keyboard and screen-reader access the widgets alone do not give (issue 25, item 8).

* Train is the first stop of the Tab key: the sidebar comes first in the page, so Train was
  the 33rd. A press of Tab from the top of the page (nothing focused yet) goes to Train; from
  there Tab goes on through the page in order, and the sidebar is reached as before.
* Long options show whole: the lesson presets' titles in their drop-down list (a list is at
  least 26rem wide, the longest title's width, or the screen's), an ellipsis where the closed
  box cuts one (the full title is in the box below it), and every chosen scheme in the
  sidebar's scheme list (it grows instead of scrolling and cutting the last one).

Streamlit draws a ``:material/name:`` icon inside Markdown as ``<span role="img"
aria-label="name icon">``, so a label with one is read out as "name icon Label": labels that
are read out (tabs, the title, captions) carry no icon; buttons' and expanders' ``icon=`` are
hidden from screen readers and stay.
"""

from __future__ import annotations

import streamlit as st

TRAIN = ".st-key-train button"  # the Train button (its key is "train": page.header)

STYLE = """<style>
[data-testid="stSelectboxVirtualDropdown"] {
  width: max(var(--trigger-width), min(96vw, 26rem)) !important;
}
[data-testid="stSidebar"] [data-testid="stSelectbox"] input { text-overflow: ellipsis; }
[data-testid="stSidebar"] [data-testid="stMultiSelect"] [role="group"],
[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"] {
  max-height: none !important; overflow-y: visible !important;
}
</style>"""

SCRIPT = f"""<script>
(() => {{
  if (window.__initdashTrainFirst) return;
  window.__initdashTrainFirst = true;
  document.addEventListener("keydown", (e) => {{
    if (e.key !== "Tab" || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return;
    const at = document.activeElement;
    if (at && at !== document.body && at !== document.documentElement) return;
    // the first drawn one: Streamlit may keep a hidden copy of a button (to measure it)
    const train = [...document.querySelectorAll({TRAIN!r})].find(
      (b) => !b.disabled && b.offsetParent !== null);
    if (!train) return;
    e.preventDefault();
    train.focus();
  }}, true);
}})();
</script>"""


def styles() -> None:
    """The page's style fixes (a style-only element takes no room on the page)."""
    st.html(STYLE)


def keyboard() -> None:
    """Tab from the top goes to Train: a script, run once per page, from an element at the
    end of the main area (the room it takes is not seen there; a collapsed sidebar, as on a
    phone, would not run it)."""
    st.html(SCRIPT, unsafe_allow_javascript=True)
