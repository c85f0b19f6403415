"""initdash: watch weight-initialization schemes train side by side, live.

The page only wires widgets to the core (``initdash``) and to the chart builders
(``dashboard.charts``): read the sidebar (or a share link) into a TrainConfig, run or reuse the
run, place the views. No maths here.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one BLAS thread is faster

import hashlib  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402

import streamlit as st  # noqa: E402

import initdash  # noqa: E402
from dashboard import controls, live, views  # noqa: E402
from initdash.blas import limit_blas_threads  # noqa: E402
from initdash.presets import PRESETS  # noqa: E402

MIN_SLICE = 0.5  # seconds of training between two redraws, at least
DRAW_SHARE = 0.3  # at most this share of the time goes to redrawing while training
# A redraw costs the browser about twice what it costs the server (bench/app_speed.py
# --trace): count both when pacing redraws.
REDRAW_COST = 3.0
FINISH_QUIETLY = 1.0  # s: with less training than this left, finish before redrawing


def escape_md(text: str) -> str:
    """Show untrusted text (from a link or a file) literally in Markdown."""
    special = "\\`*_{}[]()#+-.!|<>$~:"
    return "".join("\\" + ch if ch in special else ch for ch in str(text))


# ---------------------------------------------------------------------- sidebar
def preset_box(hidden: tuple[str, ...]) -> None:
    if "presets" in hidden:
        name = st.session_state.get("w_preset")
    else:
        name = st.sidebar.selectbox(
            "Lesson preset",
            [controls.NO_PRESET, *PRESETS],
            format_func=lambda k: PRESETS[k].title if k in PRESETS else "none: my own settings",
            key="w_preset",
            on_change=controls.apply_preset,
            help="a ready-made lesson: sets every control and opens the view to watch",
        )
    if name in PRESETS:
        with st.sidebar.container(border=True):
            st.markdown(f"**{PRESETS[name].title}**")
            st.markdown(PRESETS[name].narrative)


def upload_box(hidden: tuple[str, ...]) -> tuple[initdash.Data | None, str, str | None]:
    """Own data: (data or None, data key, a message about it)."""
    if "data" in hidden:
        return None, "generated", None
    with st.sidebar.expander("Your own data (CSV)"):
        up = st.file_uploader(
            "CSV file",
            type=["csv"],
            key="w_upload",
            help=(
                "Numeric feature columns plus a column named `label`; "
                f"{initdash.data.MIN_CSV_ROWS} to {initdash.data.MAX_CSV_ROWS:,} rows, at most "
                f"{initdash.data.MAX_CSV_FEATURES} features and {initdash.data.MAX_CLASSES} "
                "classes. Uploaded data is not part of the share link."
            ),
        )
    if up is None:
        return None, "generated", None
    raw = up.getvalue()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    try:
        data = _csv_data(raw, st.session_state.get("w_seed", 0))
    except ValueError as e:
        st.sidebar.error(f"{escape_md(up.name)}: {escape_md(e)}")
        return None, "generated", None
    msg = (
        f"Training on **{escape_md(up.name)}**: {len(data.y_train) + len(data.y_test)} rows, "
        f"{data.n_features} features, {data.n_classes} classes."
    )
    return data, f"csv:{digest}", msg


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def _csv_data(raw: bytes, seed: int) -> initdash.Data:
    import io

    X, y, features, classes = initdash.load_csv(io.BytesIO(raw))
    return initdash.prepare(
        X, y, test_fraction=0.25, seed=seed, feature_names=features, class_names=classes
    )


def share_box(query: dict[str, str], hidden: tuple[str, ...]) -> None:
    if "share" in hidden:
        return
    base = st.context.url or "http://localhost:8501/"
    link = base + ("?" + urllib.parse.urlencode(query) if query else "")
    with st.sidebar.expander("🔗 Share this experiment", expanded=False):
        st.code(link, language=None, wrap_lines=True)
        st.caption(
            "Copy this link: it sets every control (settings equal to the defaults are left "
            "out). Add `&hide=data,network` (or init, training, presets, share) to hide "
            "sections from a class."
        )


# ---------------------------------------------------------------------- main area
def start_run(config: initdash.TrainConfig, data, data_key: str) -> None:
    st.session_state["run"] = live.start(config, data, data_key)
    st.session_state["run_no"] = st.session_state.get("run_no", 0) + 1


def stop_run() -> None:
    run = st.session_state.get("run")
    if run is not None:
        live.stop(run)


STOP_HELP = "end training now and keep what was trained"


def header(config, problems: list[str], data, data_key: str):
    """Train and Stop; returns the slots of the Stop button and of the progress bar."""
    c1, c2, c3 = st.columns([1, 1, 6], vertical_alignment="center")
    c1.button(
        "▶ Train",
        type="primary",
        key="train",
        disabled=config is None,
        on_click=start_run,
        args=(config, data, data_key),
        help="train every selected scheme side by side from scratch",
    )
    run = st.session_state.get("run")
    training = run is not None and not run.finished
    stop_slot = c2.empty()
    stop_slot.button("■ Stop", key="stop", on_click=stop_run, disabled=not training, help=STOP_HELP)
    slot = c3.empty()
    for p in problems:
        st.error(escape_md(p))
    return stop_slot, slot


def show_progress(slot, run: live.Run) -> None:
    frac, text = live.progress(run)
    slot.progress(min(max(frac, 0.0), 1.0), text=text)


def stale_note(slot, run: live.Run, config, data_key: str) -> None:
    if config is None or (run.config == config and run.data_key == data_key):
        return
    changed = [
        k for k in initdash.share.CONFIG_KEYS if getattr(run.config, k) != getattr(config, k)
    ]
    if run.data_key != data_key:
        changed.append("data")
    slot.warning(
        "The settings changed since this run (" + escape_md(", ".join(changed)) + "): the "
        "charts still show the previous run. Press **Train** to see the new settings."
    )


def current_view() -> str:
    """The open view: the tab the user picked, else the link's or preset's view."""
    by_label = {v.label: v.name for v in views.VIEWS.values()}
    name = by_label.get(st.session_state.get("view_tab"))
    if name is None:
        name = st.session_state.get("view")
        name = name if name in views.VIEWS else "curves"
        st.session_state["view_tab"] = views.VIEWS[name].label
    st.session_state["view"] = name
    return name


def view_tabs() -> list:
    return st.tabs([v.label for v in views.VIEWS.values()], key="view_tab", on_change="rerun")


def epoch_slider(run: live.Run, view: views.View, slot) -> int | None:
    """The scrubber over the recorded epochs (finished runs only); None = the latest."""
    epochs = run.result.detail_epochs
    if not view.uses_epoch or not run.finished or len(epochs) < 2:
        return None
    return slot.select_slider(
        "Epoch (scrub through the recorded epochs)",
        epochs,
        value=epochs[-1],
        key=f"o_epoch_{st.session_state.get('run_no', 0)}",
        help="the detailed measurements are taken at these epochs; no retraining",
    )


class Board:
    """A place on the page that a view draws into again and again, each element in place.

    The board is a container: when a script run draws it where the previous run drew one,
    the browser keeps the old elements (greyed as stale) until new ones replace them, so a
    chart is never taken off the page between runs. Each element call then replaces the
    element at the same position (the first call the first element, and so on), in this
    script run and in the next. A chart replaced by one with the same spec (views._chart
    gives the data fixed names) keeps its Vega view in the browser, which only swaps in the
    new data: cheap live redraws, and no rebuild when Train is pressed again.
    """

    def __init__(self) -> None:
        self._box = st.container()
        self._slots: list = []
        self._next = 0

    def __getattr__(self, name: str):
        def place(*args, **kwargs):
            if self._next < len(self._slots):
                getattr(self._slots[self._next], name)(*args, **kwargs)
            else:
                self._slots.append(getattr(self._box, name)(*args, **kwargs))
            self._next += 1

        return place

    def draw(self, fn, *args) -> None:
        """``fn(*args, out=self)``; elements left over from a longer earlier draw are cleared."""
        self._next = 0
        fn(*args, out=self)
        for slot in self._slots[self._next :]:
            slot.empty()


def draw_open_view(
    config, run: live.Run | None, stop_slot, progress_slot, headline_slot, data, data_key
) -> None:
    """Draw the selected view; while a run trains, keep training and redrawing it."""
    name = current_view()
    tabs = view_tabs()
    view = views.VIEWS[name]
    tab = tabs[list(views.VIEWS).index(name)]
    if run is not None:
        with headline_slot.container():
            views.headline(run.result)
    with tab:
        if name == "theory":
            views.theory_draw(config.schemes if config else ())
            keep_training(run, stop_slot, progress_slot, headline_slot)
            return
        if name == "deep":
            if config is None:
                st.info("Choose at least one scheme in the sidebar.")
            else:
                views.deep_draw(config, views.deep_options(config))
            keep_training(run, stop_slot, progress_slot, headline_slot)
            return
        if run is None:
            before_training(name, config, data, data_key)
            return
        opts = view.options(run.result, run.config) if view.options else {}
        epoch_slot = st.empty()
        board = Board()

    def redraw(epoch: int | None) -> None:
        with headline_slot.container():
            views.headline(run.result)
        board.draw(view.draw, run.result, epoch, opts)

    if not run.finished:
        train_live(run, progress_slot, redraw)
        # the run ended in this script run: grey out Stop without another rerun
        stop_slot.button("■ Stop", key="stop_done", disabled=True, help=STOP_HELP)
        show_progress(progress_slot, run)
        redraw(epoch_slider(run, view, epoch_slot))
    else:
        board.draw(view.draw, run.result, epoch_slider(run, view, epoch_slot), opts)


def before_training(name: str, config, data, data_key: str) -> None:
    """The open view before the first Train. The loss view already shows its chart, with
    where each scheme starts (epoch 0), laid out as with a run (options, scrubber's place,
    board), so pressing Train fills in the same chart instead of building a new one."""
    if name != "curves" or config is None:
        st.info("Press **▶ Train** to train the selected schemes side by side.")
        return
    opts = views.VIEWS[name].options(None, config)
    st.empty()  # where the epoch scrubber goes
    curves = live.initial_curves(live.run_key(config, data_key), config, data)
    Board().draw(views.curves_preview, curves, config.epochs, opts)


def keep_training(run: live.Run | None, stop_slot, progress_slot, headline_slot) -> None:
    """A tab that does not show the run (theory, deep-signal lab): the run trains on, with
    progress and headline cards updated, instead of pausing until a run tab is opened."""
    if run is None or run.finished:
        return

    def redraw(epoch: int | None) -> None:
        with headline_slot.container():
            views.headline(run.result)

    train_live(run, progress_slot, redraw)
    stop_slot.button("■ Stop", key="stop_done", disabled=True, help=STOP_HELP)
    show_progress(progress_slot, run)
    redraw(None)


def train_live(run: live.Run, progress_slot, redraw) -> None:
    """Train in slices; between slices show progress and redraw the open view.

    Drawing (server and browser) takes at most DRAW_SHARE of the time: the slice grows when a
    redraw is slow, and a run about to end finishes before the next redraw. A click anywhere
    interrupts this loop, but the run lives in session state and the next script run picks
    it up here.
    """
    slice_s = MIN_SLICE
    while True:
        live.advance(run, slice_s)
        if run.finished:
            return
        show_progress(progress_slot, run)
        if live.seconds_left(run) < FINISH_QUIETLY:
            slice_s = FINISH_QUIETLY
            continue
        t0 = time.perf_counter()
        redraw(None)
        draw_s = REDRAW_COST * (time.perf_counter() - t0)
        slice_s = max(MIN_SLICE, draw_s * (1 - DRAW_SHARE) / DRAW_SHARE)


def downloads(run: live.Run) -> None:
    """The run's data as files, generated only when a button is clicked."""
    if not run.finished:
        return
    r, config = run.result, run.config
    with st.expander("⬇️ Download this run"):
        c1, c2, c3 = st.columns(3)
        c1.download_button(
            "Metrics history (CSV)",
            lambda: views.history_csv(r),
            "initdash-history.csv",
            "text/csv",
            key="dl_history",
            on_click="ignore",
            help="loss and accuracy of every scheme and repeat at every epoch",
        )
        c2.download_button(
            "Summary + TL;DR (CSV)",
            lambda: views.summary_csv(r),
            "initdash-summary.csv",
            "text/csv",
            key="dl_summary",
            on_click="ignore",
            help="one row per scheme: final figures and the verdicts",
        )
        c3.download_button(
            "Config (JSON)",
            lambda: views.config_json(config),
            "initdash-config.json",
            "application/json",
            key="dl_config",
            on_click="ignore",
            help="the exact settings of this run (load them with a share link)",
        )


# ---------------------------------------------------------------------- page
def main() -> None:
    st.set_page_config(
        page_title="initdash: weight initialization, live",
        page_icon="🎛️",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    limit_blas_threads(1)
    controls.init_from_link()
    hidden = tuple(st.session_state.get("hide", ()))

    st.sidebar.title("🎛️ initdash")
    st.sidebar.caption("Weight initialization, trained side by side")
    preset_box(hidden)
    values, notes = controls.sidebar(hidden)
    data, data_key, data_msg = upload_box(hidden)
    config, problems = controls.build_config(values, data)
    for n in notes:
        st.sidebar.warning(escape_md(n))

    st.markdown("## Same network, different first weights")
    warnings = st.session_state.get("link_warnings")
    if warnings:
        st.warning(
            "Some settings in this link were not used:\n"
            + "\n".join(f"- {escape_md(w)}" for w in warnings)
        )
        if st.button("Dismiss", key="dismiss_link"):
            st.session_state["link_warnings"] = []
            st.rerun()
    if data_msg:
        st.info(data_msg)

    view_name = current_view()
    if config is not None:
        query = controls.share_query(config, view_name)
        controls.sync_url(query)
        share_box(query, hidden)
    stop_slot, progress_slot = header(config, problems, data, data_key)
    run = st.session_state.get("run")
    note_slot = st.empty()  # always drawn: the elements below keep their places
    if run is not None:
        show_progress(progress_slot, run)
        stale_note(note_slot, run, config, data_key)
    headline_slot = st.empty()
    draw_open_view(config, run, stop_slot, progress_slot, headline_slot, data, data_key)
    if run is not None:
        downloads(run)


if __name__ == "__main__":
    main()
