"""VIEWS, the only list of the dashboard's views (its tabs), as plain data.

A view has a name (used in links and presets), a tab title and icon, where its functions live
(``"room.function"``: a module of dashboard/views and a function in it) and a few flags (see
:class:`View`). Its ``options(inp)`` draws the view's own widgets once per script run and returns
their values; its ``draw(inp, opts, out)`` draws only charts and text into ``out`` (a
dashboard.board.Board), so it can be redrawn while a run trains.

No Streamlit or Altair here: dashboard.links reads the names, and a room is imported only when
one of its views is drawn. A new view is one new room (``dashboard/views/<tab>.py``, with its
chart builders in ``<tab>_charts.py``), one ``View(...)`` line below and its name in one of
the ``GROUPS`` (the page's tabs, each with a few views).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from dashboard import state


@dataclass(frozen=True)
class View:
    """One tab. ``needs_run``: nothing to draw before the first Train; ``shows_run``: redrawn
    while a run trains; ``uses_epoch``: offers the epoch scrubber once a run has finished;
    ``charts``: it draws at least one chart (the browser tests wait for them)."""

    name: str
    title: str
    icon: str  # a Material icon (ships with Streamlit; emoji need a font many machines lack);
    # not in the tab's label, where a screen reader would read its name out
    draws: str  # "room.function": draw(inp, opts, out) -> None
    asks: str | None = None  # "room.function": options(inp) -> dict; None: no widgets of its own
    needs_run: bool = True
    shows_run: bool = True
    uses_epoch: bool = True
    charts: bool = True

    @property
    def label(self) -> str:
        """The tab's label: the title alone (a Markdown icon in it would be read out as
        "<icon> icon <title>": dashboard.access)."""
        return self.title

    def options(self, inp) -> dict:
        """Draw the view's own widgets; their values (empty without widgets)."""
        return {} if self.asks is None else find(self.asks)(inp)

    def draw(self, inp, opts: dict, out) -> None:
        """Draw the view into ``out`` (a Board, or Streamlit itself)."""
        find(self.draws)(inp, opts, out=out)


@dataclass(frozen=True)
class Group:
    """A tab: a few views, picked with a control under it (so every tab's label fits a
    1280 px projector's page, 13 views did not)."""

    name: str
    title: str
    icon: str
    views: tuple[str, ...]

    @property
    def label(self) -> str:
        """The tab's label: the title alone, as a view's (no icon name read out)."""
        return self.title


def find(where: str) -> Any:
    """The function at ``"room.function"`` (dashboard/views/room.py), its room imported now."""
    room, _, name = where.rpartition(".")
    return getattr(importlib.import_module(f"dashboard.views.{room}"), name)


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("overview", "Overview", "dashboard", "curves.overview_draw",
             "curves.overview_options", needs_run=False),
        View("curves", "Loss & accuracy", "show_chart", "curves.curves_draw",
             "curves.curves_options", needs_run=False, uses_epoch=False),
        View("weights", "Weights", "bar_chart", "weights.weights_draw", "weights.weights_options"),
        View("clones", "Neuron clones", "content_copy", "clones.clones_draw",
             "clones.clones_options"),
        View("neurons", "Neurons", "hub", "neurons.neurons_draw", "neurons.neurons_options"),
        View("signal", "Signal flow", "stacked_line_chart", "flow.signal_draw",
             "flow.signal_options"),
        View("activations", "Activations", "area_chart", "distributions.activations_draw",
             "distributions.activations_options", uses_epoch=False),
        View("gradients", "Gradients at init", "trending_down", "distributions.gradients_draw",
             shows_run=False, uses_epoch=False),
        View("updates", "Update ratio", "speed", "distributions.updates_draw", uses_epoch=False),
        View("travel", "Weight paths", "route", "travel.travel_draw", "travel.travel_options"),
        View("boundary", "Decision boundary", "map", "boundary.boundary_draw"),
        View("tldr", "TL;DR table", "table_chart", "summary.tldr_draw", uses_epoch=False,
             charts=False),
        View("deep", "Deep-signal lab", "science", "deep.deep_draw", "deep.deep_options",
             needs_run=False, shows_run=False, uses_epoch=False),
        View("theory", "Theory", "menu_book", "summary.theory_draw",
             needs_run=False, shows_run=False, uses_epoch=False, charts=False),
    )
}  # fmt: skip


GROUPS: dict[str, Group] = {
    g.name: g
    for g in (
        Group("results", "Results", "dashboard", ("overview", "curves", "tldr")),
        Group("inside", "Network", "hub",
              ("weights", "travel", "clones", "neurons", "boundary")),  # fmt: skip
        Group("signal", "Signal", "stacked_line_chart",
              ("signal", "activations", "gradients", "updates")),
        Group("lab", "Lab & theory", "science", ("deep", "theory")),
    )
}  # fmt: skip


def group_of(view: str) -> Group:
    """The group (tab) a view is in."""
    return next(g for g in GROUPS.values() if view in g.views)


def nav_state(view: str) -> dict[str, Any]:
    """The session-state entries that open ``view``: its name, its group's tab and the view
    picked in that group (a link, a preset or a test writes them before the widgets draw)."""
    group = group_of(view)
    return {state.VIEW: view, state.GROUP_TAB: group.label, state.view_pick(group.name): view}
