"""Where a view draws: the Board (each element redrawn in place) and the chart transport.

A view draws into a :class:`Board`, so a live run redraws it in place. Its charts go through
:func:`send_chart` (or :func:`send_chart_once`, for a spec that depends on a few facts): the
Vega-Lite spec of the Altair chart, its tables under fixed names (:func:`chart_spec`), so a
chart redrawn with new numbers keeps its spec and the browser only swaps the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.epoch_rule import mark_epoch
from dashboard.views import kit, legends

WIDE = "stretch"
DATASET = "table"  # chart data go as table0, table1, ... (see chart_spec)


class Board:
    """A place on the page that a view draws into again and again, each element in place.

    Each element call replaces the element at the same position (the first call the first
    element, and so on), in this script run and the next; until then the browser keeps the old
    one (greyed), so a chart never leaves the page. A chart replaced by one with the same spec
    (:func:`chart_spec`) keeps its Vega view, which only swaps in the new data: cheap live
    redraws. ``columns(spec)`` gives a row of boards (a view must make the same calls in the
    same order on every draw for its elements to keep their places).
    """

    def __init__(self, box=None, root: Board | None = None) -> None:
        self._box = st.container() if box is None else box
        self._slots: list = []
        self._next = 0
        self._root = self if root is None else root  # whose ``mark`` the charts show
        self.mark: int | None = None  # an epoch the time charts mark (dashboard.epoch_rule)

    def __getattr__(self, name: str):
        def place(*args, **kwargs):
            if name == "vega_lite_chart" and self._root.mark is not None:
                args = (mark_epoch(args[0], self._root.mark), *args[1:])
            if self._next < len(self._slots):
                getattr(self._slots[self._next], name)(*args, **kwargs)
            else:
                self._slots.append(getattr(self._box, name)(*args, **kwargs))
            self._next += 1

        return place

    def row(self) -> Board:
        """A Board whose elements sit side by side, as many as the screen holds, the rest
        wrapping below (small multiples: ``send_panels``)."""
        return self._inner("container", horizontal=True, wrap=True, gap="small")

    def expander(self, label: str, **kwargs) -> Board:
        """A Board inside an expander (made once; its open state stays the user's)."""
        return self._inner("expander", label, **kwargs)

    def _inner(self, kind: str, *args, **kwargs) -> Board:
        if self._next < len(self._slots):
            (board,) = self._slots[self._next]
        else:
            board = Board(getattr(self._box, kind)(*args, **kwargs), self._root)
            self._slots.append([board])  # a list: cleared like a row of columns
        self._next += 1
        board._next = 0
        return board

    def columns(self, spec, **kwargs) -> list[Board]:
        """A row of columns, each a Board of its own (made once, then drawn in place)."""
        if self._next < len(self._slots):
            boards = self._slots[self._next]
        else:
            boards = [Board(col, self._root) for col in self._box.columns(spec, **kwargs)]
            self._slots.append(boards)
        self._next += 1
        for board in boards:
            board._next = 0
        return boards

    def draw(self, fn, *args) -> None:
        """``fn(*args, out=self)``; elements left over from a longer earlier draw are cleared."""
        self._next = 0
        fn(*args, out=self)
        self._clear_after()

    def _clear_after(self) -> None:
        for i, slot in enumerate(self._slots):
            boards = slot if isinstance(slot, list) else None
            if boards is not None:
                for board in boards:
                    if i >= self._next:
                        board._next = 0
                    board._clear_after()
            elif i >= self._next:
                slot.empty()


def send_chart(chart, out=st) -> None:
    """Send an Altair chart (its spec: :func:`chart_spec`), as wide as its column."""
    _send(out, chart_spec(chart), None)


def _send(out, spec: dict, size: tuple[int | None, int | None] | None) -> None:
    """``size``: None, as wide as the column; (w, h), that many px in all (a plain chart in a
    wrapping row needs its height given: Streamlit would leave it 0); (None, None), its own
    size (a facet's)."""
    if size is None:
        out.vega_lite_chart(spec, width=WIDE)
    elif size[0] is None:
        out.vega_lite_chart(spec, width="content")
    else:
        out.vega_lite_chart(spec, width=size[0], height=size[1])


def row_of(out) -> Board | Any:
    """A wrapping row inside ``out`` (a Board, or Streamlit or a container)."""
    if isinstance(out, Board):
        return out.row()
    return out.container(horizontal=True, wrap=True, gap="small")


def send_panels(panels: kit.Panels, out=st) -> None:
    """Small multiples (:class:`dashboard.views.kit.Panels`): their legend and notes, then
    one chart per panel, each with the one spec (made once) and its own tables, in a
    wrapping row."""
    spec = chart_spec(panels.chart)
    title = spec.get("title")
    title = dict(title) if isinstance(title, dict) else {}
    if panels.legend or panels.notes:
        out.html(panels.legend + legends.notes_html(panels.notes))
    row = row_of(out)
    if not panels.tables:  # nothing measured yet (a run stopped at once): the empty axes
        _send(row, {**spec, "title": {**title, "text": "nothing to draw yet"}},
              (panels.width, panels.height))  # fmt: skip
    own = panels.chart.description  # a builder's own words (alt.Undefined: none)
    own = None if own is alt.Undefined else own
    for text, tables in panels.tables:
        datasets = {f"{DATASET}{i}": t for i, t in enumerate(tables)}
        row_spec = {**spec, "title": {**title, "text": text}, "datasets": datasets}
        if own is None:  # each panel's name for screen readers: whose panel, and what it shows
            about = [legends.plain_text(panels.legend), *panels.notes]
            named = {**row_spec, "title": {"text": text, "subtitle": about}, "description": None}
            row_spec["description"] = legends.describe(named)
        _send(row, row_spec, (panels.width, panels.height))


_TEMPLATES: dict[tuple, dict] = {}  # (builder, params) -> spec without its data: send_chart_once


def send_chart_once(
    build: Callable[..., Any],
    table: pd.DataFrame,
    out=st,
    size: tuple[int, int] | None = None,
    **params,
) -> None:
    """Send the chart ``build(table, **params)`` (``loss_chart``, ``divergence_chart``,
    ``scheme_weights``) with its spec made once per ``build`` and ``params``, the new table
    swapped in: building an Altair chart costs ~20 ms of server CPU; the overview's 5
    histograms took 95 of a 130 ms redraw (bench/payload.py), now ~10."""
    key = (build.__name__, *sorted(params.items()))
    spec = _TEMPLATES.get(key)
    if spec is None:
        if len(_TEMPLATES) > 256:
            _TEMPLATES.clear()
        chart = build(table, **params)
        spec = _TEMPLATES[key] = {k: v for k, v in chart_spec(chart).items() if k != "datasets"}
    _send(out, {**spec, "datasets": {f"{DATASET}0": table}}, size)


def chart_spec(chart) -> dict:
    """The Vega-Lite spec sent for an Altair chart, its tables (DataFrames) under fixed names,
    table0, table1, ... in the order they appear (st.altair_chart names them by a hash of their
    bytes): a chart redrawn with new numbers keeps its spec, and the browser only swaps the
    data into the Vega view it already has. Not validated again (tests/test_charts.py does).
    """
    frames = kit.chart_frames(chart)
    datasets: dict[str, pd.DataFrame] = {}
    names: dict[int, str] = {}  # a table used by several parts is sent once
    try:
        for part, df in frames:
            name = names.setdefault(id(df), f"{DATASET}{len(names)}")
            part.data = alt.NamedData(name=name)
            datasets[name] = df
        spec = chart.to_dict(validate=False)
    finally:
        for part, df in frames:
            part.data = df
    spec.setdefault("description", legends.describe(spec))  # the chart's name for screen readers
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):  # Altair's default theme (Streamlit
        view.pop(key, None)  # turns it off too)
    spec["datasets"] = datasets
    return spec
