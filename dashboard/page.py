"""The main area: Train and Stop, progress, the headline cards, the views' tabs, downloads.

:func:`show` lays the page out for the inputs the sidebar read and this session's run, draws the
open view into a :class:`Board`, and, while the run trains, keeps training it in slices and
redrawing (dashboard.live.train_live). No maths here.
"""

from __future__ import annotations

import json
from dataclasses import replace

import streamlit as st

from dashboard import controls, live, predict, pulse, state, steps
from dashboard.board import Board
from dashboard.links import CONFIG_KEYS
from dashboard.text import escape_md
from dashboard.views import summary
from dashboard.views.base import ViewInput
from dashboard.views.registry import GROUPS, VIEWS, View, group_of, nav_state

TRAIN_HELP = "train every selected scheme side by side from scratch"
NOT_TRAINED = "Not trained yet."
STOP_HELP = "end training now and keep what was trained"


# ---------------------------------------------------------------------- Train and Stop
def start_run(inp: ViewInput) -> None:
    previous = st.session_state.get(state.RUN)
    if previous is not None:
        live.leave(previous)
    try:
        run = live.start(inp.config, inp.data, inp.data_key)
    except live.ServerBusy as e:
        st.session_state[state.BUSY] = str(e)
        return
    st.session_state.pop(state.BUSY, None)
    st.session_state[state.RUN] = run
    st.session_state[state.RUN_NO] = st.session_state.get(state.RUN_NO, 0) + 1
    predict.submit(inp)  # quiz mode: the answers go with this run


def stop_run() -> None:
    run = st.session_state.get(state.RUN)
    if run is not None:
        live.stop(run)


def header(inp: ViewInput, problems: list[str], locked: bool = False):
    """Train and Stop; returns the slots of the Stop button and of the progress bar.
    ``locked``: Train waits for the quiz's answers."""
    # Train and Stop side by side on a phone too; the progress fills the rest of the row
    row = st.container(horizontal=True, vertical_alignment="center", key="train_row")
    row.button(
        "Train",
        icon=":material/play_arrow:",
        type="primary",
        key="train",
        disabled=inp.config is None or locked,
        on_click=start_run,
        args=(inp,),
        help=TRAIN_HELP if not locked else "answer the questions below first",
    )
    run = st.session_state.get(state.RUN)
    training = run is not None and not run.finished
    stop_slot = row.empty()
    stop_slot.button(
        "Stop", icon=":material/stop:", key="stop", on_click=stop_run, disabled=not training,
        help=STOP_HELP,
    )  # fmt: skip
    slot = row.empty()
    for p in problems:
        st.error(escape_md(p))
    busy = st.session_state.pop(state.BUSY, None)
    if busy:
        st.warning(busy, icon=":material/hourglass_top:")  # our own words and numbers
    return stop_slot, slot


def show_progress(slot, run: live.Run) -> None:
    frac, text = live.progress(run)
    slot.progress(min(max(frac, 0.0), 1.0), text=text)


def stale_note(slot, run: live.Run, inp: ViewInput) -> None:
    config = inp.config
    if config is None or (run.config == config and run.data_key == inp.data_key):
        return
    changed = [k for k in CONFIG_KEYS if getattr(run.config, k) != getattr(config, k)]
    if run.data_key != inp.data_key:
        changed.append("data")
    slot.warning(
        "The settings changed since this run (" + escape_md(", ".join(changed)) + "): the "
        "charts still show the previous run. Press **Train** to see the new settings."
    )


# ---------------------------------------------------------------------- the views
def current_view() -> View:
    """The open view: the one the user picked (a group's tab, then a view in it), else the
    link's or preset's. A group's tab reopens the view last open in it."""
    ss = st.session_state
    name = ss.get(state.VIEW)
    name = name if name in VIEWS else next(iter(VIEWS))
    by_label = {g.label: g.name for g in GROUPS.values()}
    tab = by_label.get(ss.get(state.GROUP_TAB))
    remembered = ss.setdefault(state.GROUP_VIEWS, {})
    if tab is not None and tab != group_of(name).name:  # another tab was clicked
        name = remembered.get(tab, GROUPS[tab].views[0])
    else:
        pick = ss.get(state.view_pick(group_of(name).name))
        name = pick if pick in group_of(name).views else name
    ss.update(nav_state(name))
    remembered[group_of(name).name] = name
    return VIEWS[name]


def view_tabs(view: View):
    """The groups' tabs, and in the open one a row with its views' control (the epoch
    scrubber goes beside it: one row less above the charts, wrapping on a phone); the open
    tab's container and that row."""
    groups = list(GROUPS.values())
    group = group_of(view.name)
    tabs = st.tabs([g.label for g in groups], key=state.GROUP_TAB, on_change="rerun")
    box = tabs[groups.index(group)]
    row = box.container(horizontal=True, vertical_alignment="bottom", key="view_row")
    if len(group.views) > 1:
        row.segmented_control(
            f"View in {group.title}",
            group.views,
            format_func=lambda name: VIEWS[name].label,
            key=state.view_pick(group.name),
            required=True,
            label_visibility="collapsed",
        )
    return box, row


def epoch_slider(run: live.Run | None, view: View, slot) -> int | None:
    """The scrubber over the recorded epochs (finished runs only); None = the latest."""
    if run is None or not view.uses_epoch or not run.finished:
        return None
    epochs = run.result.detail_epochs
    if len(epochs) < 2:
        return None
    key = steps.scrubber_key()
    if st.session_state.get(key) not in epochs:  # a new run: at the step's epoch
        st.session_state[key] = steps.epoch_for(epochs)
    return slot.select_slider(
        "Epoch (scrub through the recorded epochs)",
        epochs,
        key=key,
        help="the detailed measurements are taken at these epochs; no retraining",
    )


def show(inp: ViewInput, problems: list[str], view: View) -> None:
    """The main area for these inputs and this session's run (which trains on while shown)."""
    run: live.Run | None = st.session_state.get(state.RUN)
    if run is not None:
        live.train_first(run)  # a short run: trained before the first draw, drawn once
    stop_slot, progress_slot = header(inp, problems, predict.locked(inp, run))
    quiz_slot = st.empty()  # quiz mode: the questions, or the grades
    predict.draw(inp, run, quiz_slot, start_run)
    pulse_slot = st.empty()  # a student in a class: the answers go there (or why not)
    pulse.sync(inp, run, pulse_slot)
    if predict.waiting(inp, run):  # nothing that could answer the questions, before them
        return
    step_status = None  # the lesson's open step, above the charts
    if steps.steps_on():
        step_status = steps.draw(inp, run, start_run, controls.set_controls)
    note_slot = st.empty()  # always drawn: the elements below keep their places
    headline_slot = st.empty()
    if run is None:  # the progress row holds its place: nothing below it moves on Train
        progress_slot.progress(0.0, text=NOT_TRAINED)
    else:
        show_progress(progress_slot, run)
        stale_note(note_slot, run, inp)
        with headline_slot.container():
            summary.headline(run.result)
    box, row = view_tabs(view)
    with box:
        shown = replace(inp, result=run.result if run else None)
        epoch_slot = row.empty()
        opts = view.options(shown)
        shown = replace(shown, epoch=epoch_slider(run, view, epoch_slot))
        board = Board()
        board.mark = steps.chart_mark(shown, inp.config)  # on the time charts
        if view.needs_run and run is None:
            board.info("Press **Train** to train the selected schemes side by side.")
        else:
            board.draw(view.draw, shown, opts)
    if run is not None and not run.finished:

        def redraw(shown: ViewInput = shown) -> None:
            show_progress(progress_slot, run)
            with headline_slot.container():
                summary.headline(run.result)
            if view.shows_run:
                board.draw(view.draw, shown, opts)

        live.train_live(run, redraw)
        # the run ended in this script run: grey out Stop without another rerun
        stop_slot.button("Stop", icon=":material/stop:", key="stop_done", disabled=True,
                         help=STOP_HELP)  # fmt: skip
        final = replace(shown, epoch=epoch_slider(run, view, epoch_slot))
        board.mark = steps.chart_mark(final, inp.config)  # the run has ended: its step's epoch
        redraw(final)
        if step_status is not None:  # the step reads the run now it has ended
            step_status(run)
        was_graded = steps.graded()
        predict.draw(inp, run, quiz_slot, grades_only=True)  # now that the run is done
        pulse.sync(inp, run, pulse_slot)  # and its grades go to the class
        if steps.graded() and not was_graded:
            st.rerun()  # graded: the lesson's steps begin (drawn above the charts)
    if run is not None:
        downloads(run)


DOWNLOADS = (  # key, label, what it holds, file name, MIME type, how it is made from the run
    ("history", "Metrics history (CSV)",
     "loss and accuracy of every scheme and repeat at every epoch", "initdash-history.csv",
     "text/csv", lambda run: run.result.history().to_csv(index=False)),
    ("summary", "Summary + TL;DR (CSV)", "one row per scheme: final figures and the verdicts",
     "initdash-summary.csv", "text/csv", lambda run: run.result.summary().to_csv(index=False)),
    ("config", "Config (JSON)", "the exact settings of this run (load them with a share link)",
     "initdash-config.json", "application/json",
     lambda run: json.dumps(run.config.to_dict(), indent=2)),
)  # fmt: skip


def downloads(run: live.Run) -> None:
    """The run's data as files, generated only when a button is clicked."""
    if not run.finished:
        return
    with st.expander("Download this run", icon=":material/download:"):
        for col, (key, label, what, name, mime, make) in zip(st.columns(3), DOWNLOADS, strict=True):
            col.download_button(
                label, lambda make=make: make(run), name, mime, key="dl_" + key, on_click="ignore",
                help=what,
            )  # fmt: skip
