"""The sidebar: one declarative table of widgets over the core's FIELDS, and the URL state.

Each widget's key is ``w_<field>``; its range and help come from ``initdash.config.FIELDS``
(classroom caps included) and its options from the core's registries. Values read from a share
link are written into these keys before the widgets are drawn, so a link sets every control.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

import initdash
from initdash.config import FIELDS, TrainConfig
from initdash.presets import PRESETS
from initdash.share import CONFIG_KEYS, Shared, parse_query, to_query

LR_STEPS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 3.0, 10.0)
SMALL_STEPS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
LARGE_STEPS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0)
BATCH_STEPS = (0, 8, 16, 32, 64, 128, 256, 512)
EPOCH_STEPS = (50, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 5000)
WIDTH_CAP = int(FIELDS["hidden"].cap)
DEPTH_CAP = int(FIELDS["hidden"].max_len_cap)


def _fmt_num(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class Control:
    """One sidebar widget for one config field."""

    field: str
    label: str
    section: str
    kind: str  # select | multiselect | slider | steps | number
    options: Callable[[], tuple] | None = None
    fmt: Callable[[Any], str] | None = None
    step: float | None = None
    show_if: Callable[[dict], bool] | None = None


CONTROLS: tuple[Control, ...] = (
    Control(
        "dataset",
        "Dataset",
        "data",
        "select",
        lambda: tuple(initdash.DATASETS),
        lambda k: initdash.DATASETS[k].label,
    ),
    Control("n_samples", "Samples", "data", "slider", step=20),  # 20..2000: every link value
    Control("noise", "Noise", "data", "slider", step=0.05),
    Control(
        "n_classes",
        "Classes",
        "data",
        "slider",
        step=1,
        show_if=lambda v: initdash.DATASETS[v["dataset"]].max_classes > 2,
    ),
    Control(
        "activation",
        "Activation",
        "network",
        "select",
        lambda: tuple(initdash.ACTIVATIONS),
        lambda k: initdash.ACTIVATIONS[k].label,
    ),
    Control(
        "schemes",
        "Schemes",
        "init",
        "multiselect",
        lambda: tuple(initdash.SCHEMES),
        lambda k: initdash.SCHEMES[k].label,
    ),
    Control(
        "small_scale",
        "Random small: std",
        "init",
        "steps",
        lambda: SMALL_STEPS,
        _fmt_num,
        show_if=lambda v: "random_small" in v["schemes"],
    ),
    Control(
        "large_scale",
        "Random large: std",
        "init",
        "steps",
        lambda: LARGE_STEPS,
        _fmt_num,
        show_if=lambda v: "random_large" in v["schemes"],
    ),
    Control(
        "constant_value",
        "Constant: value",
        "init",
        "number",
        step=0.1,
        show_if=lambda v: "constant" in v["schemes"],
    ),
    Control(
        "optimizer",
        "Optimizer",
        "training",
        "select",
        lambda: tuple(initdash.OPTIMIZERS),
        lambda k: k,
    ),
    Control("lr", "Learning rate (log scale)", "training", "steps", lambda: LR_STEPS, _fmt_num),
    Control(
        "momentum",
        "Momentum",
        "training",
        "slider",
        step=0.01,
        show_if=lambda v: v["optimizer"] == "momentum",
    ),
    Control("epochs", "Epochs", "training", "steps", lambda: EPOCH_STEPS, _fmt_num),
    Control(
        "batch_size",
        "Batch size",
        "training",
        "steps",
        lambda: BATCH_STEPS,
        lambda b: "full batch" if b == 0 else str(b),
    ),
    Control("seed", "Seed", "training", "number", step=1),
    Control("repeats", "Repeats over seeds", "training", "slider", step=1),
)
CONTROL_BY_FIELD = {c.field: c for c in CONTROLS}
SECTION_TITLES = {
    "data": "Data",
    "network": "Network",
    "init": "Initialization",
    "training": "Training",
}


NO_PRESET = "none"


def key(field: str) -> str:
    return f"w_{field}"


# ---------------------------------------------------------------------- state from a link / preset
def set_controls(config: TrainConfig) -> None:
    """Write a config into the widget keys (before the widgets are drawn)."""
    for f in CONFIG_KEYS:
        st.session_state[key(f)] = getattr(config, f)
    hidden = config.hidden
    uniform = len(set(hidden)) == 1 and len(hidden) >= 1
    st.session_state["w_depth"] = max(1, min(len(hidden), DEPTH_CAP))
    st.session_state["w_width"] = hidden[0] if hidden else 16
    st.session_state["w_widths"] = "" if uniform else ",".join(map(str, hidden))


def open_deep_lab_at(preset: str | None) -> None:
    """A preset's deep-signal lab settings (activation and depth) become the lab's."""
    deep = PRESETS[preset].deep if preset in PRESETS else {}
    if "activation" in deep:
        st.session_state["o_deep_act"] = deep["activation"]
    if "depth" in deep:
        st.session_state["o_deep_depth"] = deep["depth"]


def init_from_link() -> None:
    """On a session's first run: read the URL into the controls, once."""
    if st.session_state.get("initialized"):
        return
    query = {k: st.query_params.get_all(k) for k in st.query_params}
    shared: Shared = parse_query(query)
    set_controls(shared.config)
    st.session_state["w_preset"] = shared.preset or NO_PRESET
    open_deep_lab_at(shared.preset)
    st.session_state["view"] = shared.view
    st.session_state.pop("view_tab", None)
    st.session_state["hide"] = shared.hide
    st.session_state["link_warnings"] = shared.warnings
    st.session_state["initialized"] = True


def apply_preset() -> None:
    """Callback of the preset selector: every control takes the preset's value."""
    name = st.session_state.get("w_preset")
    if name in PRESETS:
        set_controls(PRESETS[name].config())
        open_deep_lab_at(name)
        st.session_state["view"] = PRESETS[name].view
        st.session_state.pop("view_tab", None)


# ---------------------------------------------------------------------- drawing
def _widget(c: Control, values: dict) -> Any:
    f = FIELDS[c.field]
    k = key(c.field)
    hi = f.cap if f.cap is not None else f.hi
    if c.kind == "select":
        return st.selectbox(
            c.label, c.options(), format_func=c.fmt, key=k, help=f.help, persist_state="session"
        )
    if c.kind == "multiselect":
        return tuple(
            st.multiselect(
                c.label,
                c.options(),
                format_func=c.fmt,
                key=k,
                help=f.help,
                placeholder="choose at least one scheme",
                persist_state="session",
            )
        )
    if c.kind == "slider":
        lo = type(f.default)(f.lo)
        hi = type(f.default)(hi)
        step = type(f.default)(c.step)
        return st.slider(
            c.label,
            min_value=lo,
            max_value=hi,
            step=step,
            key=k,
            help=f.help,
            persist_state="session",
        )
    if c.kind == "steps":
        opts = list(c.options())
        current = st.session_state.get(k, f.default)
        if current not in opts:  # a link may carry a value between the steps
            opts = sorted({*opts, current})
        return st.select_slider(
            c.label, opts, format_func=c.fmt, key=k, help=f.help, persist_state="session"
        )
    if c.kind == "number":
        lo, hi_ = f.lo, hi
        if isinstance(f.default, int):
            return int(
                st.number_input(
                    c.label,
                    min_value=int(lo),
                    max_value=int(hi_),
                    step=int(c.step),
                    key=k,
                    help=f.help,
                    persist_state="session",
                )
            )
        return float(
            st.number_input(
                c.label,
                min_value=float(lo),
                max_value=float(hi_),
                step=float(c.step),
                key=k,
                help=f.help,
                format="%.3g",
                persist_state="session",
            )
        )
    raise ValueError(f"unknown control kind {c.kind!r}")


def _hidden_widgets() -> tuple[tuple[int, ...], str | None]:
    depth = st.slider(
        "Hidden layers",
        1,
        DEPTH_CAP,
        key="w_depth",
        help="how many hidden layers (depth); the lesson's deep effects show from about 5",
        persist_state="session",
    )
    width = st.slider(
        "Units per layer",
        1,
        WIDTH_CAP,
        key="w_width",
        help="neurons in each hidden layer",
        persist_state="session",
    )
    text = st.text_input(
        "Custom widths (optional)",
        key="w_widths",
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
    values: dict[str, Any] = {
        f: st.session_state.get(key(f), FIELDS[f].default) for f in CONFIG_KEYS
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
                if c.section != section:
                    continue
                if c.show_if is not None and not c.show_if(values):
                    continue
                values[c.field] = _widget(c, values)
    if "network" in hidden_sections:  # hidden from the class: the link's values still apply
        ss = st.session_state
        values["hidden"], _ = _hidden(
            ss.get("w_depth", 2), ss.get("w_width", 16), ss.get("w_widths", "")
        )
    return values, notes


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
    problems = config.classroom_problems(data)
    return (None, problems) if problems else (config, [])


def share_query(config: TrainConfig, view: str) -> dict[str, str]:
    preset = st.session_state.get("w_preset")
    return to_query(
        config,
        preset=preset if preset in PRESETS else None,
        view=view,
        hide=st.session_state.get("hide", ()),
    )


def sync_url(query: dict[str, str]) -> None:
    """Keep the address bar equal to the share link (only when it changed)."""
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    wanted = {k: [v] for k, v in query.items()}
    keep = {k: v for k, v in current.items() if k in ("embed", "embed_options")}
    if {**wanted, **keep} != current:
        st.query_params.from_dict({**query, **{k: v[-1] for k, v in keep.items()}})
