"""The sidebar: lesson presets, one declarative table of widgets over the core's FIELDS, the
user's own CSV data; and the URL state read in (the share link written out: dashboard.share).

Each widget's key is ``state.widget(field)``; its range and help come from
``initdash.config.FIELDS`` (classroom caps included) and its options from the core's registries.
A scheme's own number (``SCHEMES[name].param``, e.g. Random large's std) gets its widget without
an entry here. Values read from a share link are written into these keys before the widgets are
drawn, so a link sets every control. :func:`inputs` returns what the sidebar describes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

import initdash
from dashboard import links, live, pulse, state, steps
from dashboard.text import escape_md
from dashboard.views.base import ViewInput
from dashboard.views.registry import nav_state
from initdash import csvfile as csv
from initdash.config import FIELDS, TrainConfig
from initdash.presets import PRESETS

LR_STEPS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 3.0, 10.0)
BATCH_STEPS = (0, 8, 16, 32, 64, 128, 256, 512)
EPOCH_STEPS = (50, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 5000)
# Steps of the schemes' own numbers (a number without steps gets a number box).
SCHEME_STEPS = {
    "small_scale": (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0),
    "large_scale": (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0),
}
IMBALANCE_STEPS = (1.0, 2.0, 3.0, 4.0, 9.0, 19.0)
BIAS_STD_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
BIAS_LABELS = {
    "zeros": "zeros",
    "random": "random, N(0, std)",
    "prior": "output at the class prior",
}
WIDTH_CAP = int(FIELDS["hidden"].cap)
DEPTH_CAP = int(FIELDS["hidden"].max_len_cap)
HIDDEN_SLIDERS = (  # label, largest value, key, help: the network section's depth and width
    ("Hidden layers", DEPTH_CAP, state.DEPTH,
     "how many hidden layers (depth); already at 2, Random small's backprop signal vanishes "
     "(lesson 5)"),
    ("Units per layer", WIDTH_CAP, state.WIDTH, "neurons in each hidden layer"),
)  # fmt: skip
NO_PRESET = "none"
SECTION_TITLES = {"data": "Data", "network": "Network", "init": "Initialization",
                  "training": "Training"}  # fmt: skip


def _fmt_num(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class Control:
    """One sidebar widget for one config field."""

    field: str
    label: str
    section: str
    kind: str  # select | multiselect | slider | steps | number | toggle
    options: Callable[[], tuple] | None = None
    fmt: Callable[[Any], str] | None = None
    step: float | None = None
    show_if: Callable[[dict], bool] | None = None


def _scheme_controls() -> tuple[Control, ...]:
    """A widget for each scheme's own number, shown when the scheme is selected."""
    out = []
    for s in initdash.SCHEMES.values():
        if s.param is None:
            continue
        steps = SCHEME_STEPS.get(s.param)
        out.append(
            Control(
                s.param,
                f"{s.label}: {s.param_label}",
                "init",
                "steps" if steps else "number",
                (lambda steps=steps: steps) if steps else None,
                _fmt_num,
                step=None if steps else 0.1,
                show_if=lambda v, name=s.name: name in v["schemes"],
            )
        )
    return tuple(out)


CONTROLS: tuple[Control, ...] = (
    Control("dataset", "Dataset", "data", "select", lambda: tuple(initdash.DATASETS),
            lambda k: initdash.DATASETS[k].label),
    Control("n_samples", "Samples", "data", "slider", step=20),  # 20..2000: every link value
    Control("noise", "Noise", "data", "slider", step=0.05),
    Control("n_classes", "Classes", "data", "slider", step=1,
            show_if=lambda v: initdash.DATASETS[v["dataset"]].max_classes > 2),
    Control("imbalance", "Class imbalance (rarest : commonest)", "data", "steps",
            lambda: IMBALANCE_STEPS, lambda r: "balanced" if r == 1 else f"1:{r:g}"),
    Control("activation", "Activation", "network", "select", lambda: tuple(initdash.ACTIVATIONS),
            lambda k: initdash.ACTIVATIONS[k].label),
    Control("batchnorm", "BatchNorm after every hidden layer", "network", "toggle"),
    Control("residual", "Residual: skip connections", "network", "toggle"),
    Control("schemes", "Schemes", "init", "multiselect", lambda: tuple(initdash.SCHEMES),
            lambda k: initdash.SCHEMES[k].label),
    *_scheme_controls(),
    Control("bias_init", "Biases start at", "init", "select",
            lambda: tuple(initdash.schemes.BIAS_INITS), BIAS_LABELS.get),
    Control("bias_std", "Random biases: std", "init", "steps", lambda: BIAS_STD_STEPS, _fmt_num,
            show_if=lambda v: v["bias_init"] == "random"),
    Control("optimizer", "Optimizer", "training", "select", lambda: tuple(initdash.OPTIMIZERS),
            lambda k: k),
    Control("lr", "Learning rate (log scale)", "training", "steps", lambda: LR_STEPS, _fmt_num),
    Control("momentum", "Momentum", "training", "slider", step=0.01,
            show_if=lambda v: v["optimizer"] == "momentum"),
    Control("epochs", "Epochs", "training", "steps", lambda: EPOCH_STEPS, _fmt_num),
    Control("batch_size", "Batch size", "training", "steps", lambda: BATCH_STEPS,
            lambda b: "full batch" if b == 0 else str(b)),
    Control("seed", "Seed", "training", "number", step=1),
    Control("repeats", "Repeats over seeds", "training", "slider", step=1),
)  # fmt: skip


# ---------------------------------------------------------------------- state from a link / preset
def set_controls(config: TrainConfig) -> None:
    """Write a config into the widget keys (before the widgets are drawn)."""
    for f in links.CONFIG_KEYS:
        st.session_state[state.widget(f)] = getattr(config, f)
    hidden = config.hidden
    uniform = len(set(hidden)) == 1
    st.session_state[state.DEPTH] = max(1, min(len(hidden), DEPTH_CAP))
    st.session_state[state.WIDTH] = hidden[0] if hidden else 16
    st.session_state[state.WIDTHS] = "" if uniform else ",".join(map(str, hidden))


def open_preset(name: str | None, step: int = 1) -> None:
    """A preset's (or the first page's) lesson opens at ``step``: its view and options
    (dashboard.steps), and the preset's deep-signal lab settings (Preset.deep)."""
    steps.open_step(steps.lesson_of(name), step)
    if name not in PRESETS:
        return
    for setting, key in (("activation", state.DEEP_ACTIVATION), ("depth", state.DEEP_DEPTH)):
        if setting in PRESETS[name].deep:
            st.session_state[key] = PRESETS[name].deep[setting]


def init_from_link() -> None:
    """On a session's first run: read the URL into the controls, once."""
    if st.session_state.get(state.INITIALIZED):
        return
    query = {k: st.query_params.get_all(k) for k in st.query_params}
    link = pulse.from_link(query, links.parse_query(query))  # a class link: join the class
    set_controls(link.config)
    st.session_state[state.PRESET] = link.preset or NO_PRESET
    open_preset(link.preset, link.step)
    st.session_state.update(nav_state(link.view))
    st.session_state[state.HIDE] = link.hide
    st.session_state[state.QUIZ] = link.quiz
    st.session_state[state.QUIZ_LINK] = link.quiz  # the teacher's: no toggle for the student
    st.session_state[state.LINK_WARNINGS] = link.warnings
    st.session_state[state.INITIALIZED] = True


def apply_preset() -> None:
    """Callback of the preset selector: every control takes the preset's value."""
    name = st.session_state.get(state.PRESET)
    if name in PRESETS:
        set_controls(PRESETS[name].config())
    open_preset(name)


# ---------------------------------------------------------------------- drawing
def _widget(c: Control) -> Any:
    f = FIELDS[c.field]
    k = state.widget(c.field)
    hi = f.cap if f.cap is not None else f.hi
    common = dict(key=k, help=f.help, persist_state="session")
    if c.kind == "toggle":
        return bool(st.toggle(c.label, **common))
    if c.kind == "select":
        return st.selectbox(c.label, c.options(), format_func=c.fmt, **common)
    if c.kind == "multiselect":
        placeholder = "choose at least one scheme"
        return tuple(
            st.multiselect(c.label, c.options(), format_func=c.fmt, placeholder=placeholder,
                           **common)
        )  # fmt: skip
    if c.kind == "steps":
        opts = list(c.options())
        current = st.session_state.get(k, f.default)
        if current not in opts:  # a link may carry a value between the steps
            opts = sorted({*opts, current})
        return st.select_slider(c.label, opts, format_func=c.fmt, **common)
    kind = type(f.default)  # int or float
    lo, hi, step = kind(f.lo), kind(hi), kind(c.step)
    if c.kind == "slider":
        return st.slider(c.label, min_value=lo, max_value=hi, step=step, **common)
    fmt = {} if kind is int else {"format": "%.3g"}
    return kind(st.number_input(c.label, min_value=lo, max_value=hi, step=step, **fmt, **common))


def _hidden_widgets() -> tuple[tuple[int, ...], str | None]:
    depth, width = (
        st.slider(label, 1, cap, key=key, help=tip, persist_state="session")
        for label, cap, key, tip in HIDDEN_SLIDERS
    )
    text = st.text_input(
        "Custom widths (optional)",
        key=state.WIDTHS,
        placeholder="e.g. 32,16,8",
        help=f"comma-separated widths, first hidden layer first; overrides the two sliders "
        f"({DEPTH_CAP} layers of at most {WIDTH_CAP} units)",
        persist_state="session",
    )
    return _hidden(depth, width, text)


def _hidden(depth: int, width: int, text: str) -> tuple[tuple[int, ...], str | None]:
    """The hidden widths: the custom list if given and valid, else depth x width."""
    if text.strip():
        try:
            return FIELDS["hidden"].check(FIELDS["hidden"].parse(text, True), classroom=True), None
        except ValueError as e:
            return (width,) * depth, f"Custom widths ignored: {e}"
    return (width,) * depth, None


def sidebar(hidden_sections: tuple[str, ...]) -> tuple[dict, list[str]]:
    """Draw the controls; return the values read and messages about ignored input."""
    ss = st.session_state
    values: dict[str, Any] = {
        f: ss.get(state.widget(f), FIELDS[f].default) for f in links.CONFIG_KEYS
    }
    notes: list[str] = []
    for section, title in SECTION_TITLES.items():
        if section in hidden_sections:
            continue
        with st.sidebar.expander(title, expanded=section in ("init", "training")):
            if section == "network":
                values["hidden"], note = _hidden_widgets()
                if note:
                    notes.append(note)
            for c in CONTROLS:
                if c.section == section and (c.show_if is None or c.show_if(values)):
                    values[c.field] = _widget(c)
    if "network" in hidden_sections:  # hidden from the class: the link's values still apply
        values["hidden"], _ = _hidden(ss.get(state.DEPTH, 2), ss.get(state.WIDTH, 16),
                                      ss.get(state.WIDTHS, ""))  # fmt: skip
    return values, notes


def preset_box(hidden: tuple[str, ...]) -> None:
    """The lesson presets and the quiz toggle. A quiz link's student sees neither until the
    quiz is graded (the titles hint at answers; the mode is the teacher's). The lessons'
    steps are in the main area (dashboard.steps)."""
    quiz_link = st.session_state.get(state.QUIZ_LINK)
    if "presets" not in hidden and not (quiz_link and not steps.graded()):
        st.sidebar.selectbox(
            "Lesson preset",
            [NO_PRESET, *PRESETS],
            format_func=lambda k: PRESETS[k].title if k in PRESETS else "none: my own settings",
            key=state.PRESET,
            on_change=apply_preset,
            help="a ready-made lesson: sets every control and opens the view to watch",
        )
    if "presets" not in hidden and not quiz_link:
        st.sidebar.toggle(
            "Predict, then observe",
            key=state.QUIZ,
            help="a quiz: answer a few questions about the schemes before Train unlocks; after "
            "the run each answer is graded by what the run measured",
            persist_state="session",
        )


@dataclass(frozen=True)
class DataNote:
    """What the main area says about the user's file: which data Train uses (``ok``), or why
    the file was not used and what Train trains instead."""

    text: str
    ok: bool


def upload_box(hidden: tuple[str, ...], seed: int, test_fraction: float):
    """Own data: (data or None, data key, a note about the file for the main area, the
    loader's message about a bad file)."""
    if "data" in hidden:
        return None, "generated", None, None
    with st.sidebar.expander("Your own data (CSV)"):
        up = st.file_uploader(
            "CSV file",
            type=["csv"],
            key=state.UPLOAD,
            help=(
                "Numeric feature columns plus a column named `label`; "
                f"{csv.MIN_CSV_ROWS} to {csv.MAX_CSV_ROWS:,} rows, at most "
                f"{csv.MAX_CSV_FEATURES} features and {initdash.data.MAX_CLASSES} "
                "classes. Uploaded data is not part of the share link."
            ),
        )
    if up is None:
        return None, "generated", None, None
    raw = up.getvalue()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    try:
        data = live.csv_data(raw, seed, test_fraction)
    except ValueError as e:
        bad = f"{escape_md(up.name)}: {escape_md(e)}"
        st.sidebar.error(bad)
        return None, "generated", None, bad
    msg = (
        f"Training on **{escape_md(up.name)}**: {len(data.y_train) + len(data.y_test)} rows, "
        f"{data.n_features} features, {data.n_classes} classes."
    )
    return data, f"csv:{digest}", DataNote(msg, ok=True), None


def bad_file_note(bad: str, values: dict) -> DataNote:
    """The main area's note about a file that was not used: the loader's message, and which
    data Train trains on instead."""
    dataset = initdash.DATASETS[values["dataset"]].label
    return DataNote(
        f"**Your file was not used.** {bad}  \nUntil a file is accepted, **Train** trains on "
        f"the generated data instead: {escape_md(dataset)}, {values['n_samples']} samples.",
        ok=False,
    )


def build_config(values: dict, data=None) -> tuple[TrainConfig | None, list[str]]:
    """The config the controls describe, or None with the reasons it is not allowed.

    ``data``: the user's uploaded data, whose sizes count toward the classroom limit."""
    if not values.get("schemes"):
        return None, ["Choose at least one initialization scheme."]
    if initdash.DATASETS[values["dataset"]].max_classes == 2:
        values = {**values, "n_classes": 2}
    try:
        config = TrainConfig(**values)
    except ValueError as e:
        return None, [str(e)]
    problems = initdash.cost.classroom_problems(config, data)
    return (None, problems) if problems else (config, [])


def inputs() -> tuple[ViewInput, list[str], DataNote | None]:
    """Draw the sidebar; return the page's inputs, what stops them from training, and a note
    about the user's data."""
    init_from_link()
    hidden = tuple(st.session_state.get(state.HIDE, ()))
    st.sidebar.title("initdash", icon=":material/tune:")
    st.sidebar.caption("Weight initialization, trained side by side")
    preset_box(hidden)
    timer = st.sidebar.empty()  # the predicted time, on the first screen (filled below)
    values, notes = sidebar(hidden)
    test_fraction = values.get("test_fraction", FIELDS["test_fraction"].default)
    data, data_key, data_msg, bad = upload_box(hidden, values["seed"], test_fraction)
    if bad is not None:
        data_msg = bad_file_note(bad, values)
    config, problems = build_config(values, data)
    for n in notes:
        st.sidebar.warning(escape_md(n))
    if config is not None:
        timer.caption(predicted_time(config, data, data_key))
    return ViewInput(config, data, data_key), problems, data_msg


def predicted_time(config: TrainConfig, data=None, data_key: str = "generated") -> str:
    """What a student will wait after Train: the run's predicted seconds of computing
    (initdash.cost, a quiet server's) times the slowdown this server measured on its recent
    runs (live.LiveRuns.slowdown), with the range those runs spanned; nothing when the server
    has this run finished already."""
    if live.is_finished(config, data_key):
        return (
            "Train shows this server's finished run of these exact settings at once (no training)"
        )
    t = max(initdash.cost.seconds(config, data), 0.1)
    limit = f"the limit is {initdash.cost.duration(initdash.cost.CLASSROOM_SECONDS)} of computing"
    slow = live.live_runs().slowdown()
    if slow is None:
        return (
            f"Train takes about **{initdash.cost.duration(t)}** on a quiet server ({limit} per run)"
        )
    wait = initdash.cost.duration
    spread = f" ({wait(t * slow.low)} to {wait(t * slow.high)})"
    runs = f"the last {slow.runs} runs" if slow.runs > 1 else "the last run"
    return (
        f"Train takes about **{wait(t * slow.factor)}** on this server now"
        f"{spread if wait(t * slow.low) != wait(t * slow.high) else ''}: {wait(t)} of "
        f"computing times {slow.factor:.1f}, the slowdown of {runs} here ({limit} per run)"
    )
