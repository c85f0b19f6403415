"""Guided lessons in the main area: a lesson's steps, one at a time, above the charts.

A step (initdash.lessons.Step) is a few sentences and the page state they talk about (its
Scene: the view, the epoch, the view's measure or layer, the schemes it points at). Opening a
step sets that state (:func:`open_step`, from Next and Back, a ``step=N`` link or a preset), so
the student never hunts for a slider. A step's "Try this" button applies its config changes to
the lesson's settings and trains: it belongs to the lesson, not to the sidebar, so it works
when a link hides the sidebar. The first page (no preset, the default settings) shows the
short "start here" lesson (``initdash.presets.START``) that leads into lesson 1.

In quiz mode (dashboard.predict) the steps begin once the quiz is graded. No maths here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from dashboard import live, state
from dashboard.text import escape_md, num
from dashboard.views.base import ViewInput
from dashboard.views.kit import SCHEME_COLORS
from dashboard.views.registry import VIEWS, nav_state
from initdash import SCHEMES, TrainConfig
from initdash.lessons import LAST, Action, Scene, Step
from initdash.presets import DEAD_RELU_CURE, PRESETS, START, Preset

# The view widgets a scene sets, by view (their keys are the views' own: dashboard/views).
MEASURE_KEYS = {"signal": "o_signal", "deep": "o_deep_measure"}
LAYER_KEYS = {
    "overview": "o_overview_layer",
    "clones": "o_simlayer",
    "neurons": "o_neuron_layer",
    "activations": "o_act_layer",
}
METRIC_KEYS = {"curves": "o_metric"}
# The run note (a first experiment gone wrong for another reason than the init): a ReLU run in
# which over half of some scheme's neurons died while one step moved a layer's weights by
# over this share of their spread (the update ratio, as the Update ratio view draws it).
LARGE_UPDATE = 0.05
SMALLER_STEP = 10  # the note's button trains at a step this many times smaller


def lesson_of(preset: str | None) -> Preset:
    """The lesson on the page: the preset's, or the first page's "start here"."""
    return PRESETS.get(preset or "", START)


def current() -> Preset:
    return lesson_of(st.session_state.get(state.PRESET))


def scrubber_key() -> str:
    """The epoch scrubber's key (it changes with every Train: dashboard.page)."""
    return f"o_epoch_{st.session_state.get(state.RUN_NO, 0)}"


def go_to(view: str) -> None:
    """Open a view (before the tabs are drawn: a callback, or the top of the script): its
    group's tab and the view checked under it."""
    st.session_state.update(nav_state(view))


def open_scene(scene: Scene) -> None:
    """Set the page state a scene shows: its view, the view's measure, layer or metric, the
    deep lab's activation and depth, and (through the scrubber's next draw) its epoch."""
    ss = st.session_state
    go_to(scene.view)
    for value, keys in ((scene.measure, MEASURE_KEYS), (scene.layer, LAYER_KEYS),
                        (scene.metric, METRIC_KEYS)):  # fmt: skip
        if value is not None and scene.view in keys:
            ss[keys[scene.view]] = value
    if scene.lab is not None:
        ss[state.DEEP_ACTIVATION], ss[state.DEEP_DEPTH] = scene.lab
    ss[state.SCENE_EPOCH] = scene.epoch
    ss.pop(scrubber_key(), None)  # drawn again at the scene's epoch (epoch_for)


def open_step(lesson: Preset, k: int) -> None:
    """Open step ``k`` (1 = the first) of ``lesson``."""
    k = min(max(int(k), 1), len(lesson.steps))
    st.session_state[state.STEP] = k
    open_scene(lesson.steps[k - 1].scene)


def step_no(lesson: Preset) -> int:
    k = st.session_state.get(state.STEP, 1)
    return k if isinstance(k, int) and 1 <= k <= len(lesson.steps) else 1


def fits(lesson: Preset, config: TrainConfig | None) -> bool:
    """Do the lesson's steps describe these settings? Its own, or one of its "Try this"."""
    if config is None:
        return False
    base = lesson.config()
    return config == base or any(
        s.action.changes and config == s.action.apply(base) for s in lesson.steps if s.action
    )


def shown_step(config: TrainConfig | None) -> Step | None:
    """The step the page shows now (None: no lesson fits the settings)."""
    lesson = current()
    return lesson.steps[step_no(lesson) - 1] if fits(lesson, config) else None


def epoch_for(epochs: list[int]) -> int:
    """Where the scrubber opens: at the epoch of the scene opened last (a step's, or a quiz
    grade's evidence: the recorded epoch nearest it), else at the last recorded epoch."""
    epoch = st.session_state.get(state.SCENE_EPOCH, LAST)
    if epoch == LAST:
        return epochs[-1]
    return int(epochs[int(np.argmin([abs(e - epoch) for e in epochs]))])


def graded() -> bool:
    """Has this session's quiz on the lesson been graded (dashboard.predict)?"""
    return st.session_state.get(state.QUIZ_GRADED) == current().name


def steps_on() -> bool:
    """Are the steps on the page? In quiz mode only once the quiz is graded."""
    return not st.session_state.get(state.QUIZ) or graded()


def chart_mark(shown: ViewInput, config: TrainConfig | None) -> int | None:
    """The epoch the time charts mark: the scrubber's, else that of the scene opened last (the
    open step's, or a quiz grade's evidence) while a lesson is on the page, for a finished
    run; None without either, or at the run's first or last epoch (the chart's own edges: a
    rule there adds nothing, and the chart keeps the spec it had before Train, so the browser
    only swaps its data)."""
    result = shown.result
    if result is None or not result.finished:
        return None
    epoch = shown.epoch
    if epoch is None and steps_on() and shown_step(config) is not None:
        epoch = st.session_state.get(state.SCENE_EPOCH)  # a step's, or a grade's evidence
    return epoch if epoch is not None and 0 < epoch < result.last_epoch else None


def needs_run(scene: Scene) -> bool:
    """The step reads a finished run: its view has nothing before Train, or its epoch is not
    the start."""
    return VIEWS[scene.view].needs_run or scene.epoch != 0


# ---------------------------------------------------------------------- the buttons' callbacks
def _move(lesson: Preset, k: int) -> None:
    open_step(lesson, k)


def _try(action: Action, lesson: Preset, train: Callable, configure: Callable) -> None:
    """A "Try this" button: open the lesson it names, or train the lesson's settings with the
    action's changes (the page's controls take them too, so the share link follows)."""
    if action.opens is not None:
        st.session_state[state.PRESET] = action.opens
        configure(PRESETS[action.opens].config())
        open_step(PRESETS[action.opens], 1)
        return
    config = action.apply(lesson.config())
    configure(config)
    train(ViewInput(config))
    open_step(lesson, step_no(lesson))  # the new run opens at the step's epoch


def _back_to(lesson: Preset, configure: Callable) -> None:
    configure(lesson.config())
    open_step(lesson, step_no(lesson))


def _smaller(config: TrainConfig, train: Callable, configure: Callable) -> None:
    config = config.replace(lr=config.lr / SMALLER_STEP)
    configure(config)
    train(ViewInput(config))


# ---------------------------------------------------------------------- drawing
def pointed(schemes: tuple[str, ...], trained: tuple[str, ...]) -> str:
    """'Look at ■ Zeros, ■ Xavier normal' in the schemes' chart colours (those trained)."""
    names = [
        f"<span style='color:{SCHEME_COLORS[s]}'>■</span> **{escape_md(SCHEMES[s].label)}**"
        for s in schemes
        if s in trained
    ]
    return "Look at " + ", ".join(names) if names else ""


def draw(inp: ViewInput, run: live.Run | None, train: Callable, configure: Callable):
    """The open step in a box: the lesson and "step k of n" with Back and Next, the text, the
    schemes it points at, "Press Train" when it reads a run not trained yet, its "Try this"
    button and the run's note (:func:`run_note`); or, when the settings are not the lesson's,
    a way back to them. Returns ``status(run)``, which redraws what the step points at and the
    run's note once a run ends (None: no step on the page)."""
    lesson = current()
    if lesson is START and not fits(lesson, inp.config):
        return None  # the teacher's own settings: no lesson to follow
    st.html(f"<style>{STEP_CSS}</style>")
    with st.container(border=True, key="lesson_step", gap="small"):
        if not fits(lesson, inp.config):
            st.markdown(
                f"**{escape_md(lesson.title)}**: the settings differ from the lesson's, so its "
                "steps do not describe this run."
            )
            st.button("Back to the lesson's settings", key="step_reset", icon=":material/undo:",
                      on_click=_back_to, args=(lesson, configure))  # fmt: skip
            return None
        k, n = step_no(lesson), len(lesson.steps)
        step = lesson.steps[k - 1]
        head = st.container(horizontal=True, vertical_alignment="center", key="step_head",
                            gap="xsmall")  # fmt: skip
        head.markdown(f"**{escape_md(lesson.title)}** · step {k} of {n}")
        head.button("Back", key="step_back", icon=":material/arrow_back:", disabled=k == 1,
                    on_click=_move, args=(lesson, k - 1))  # fmt: skip
        head.button("Next", key="step_next", icon=":material/arrow_forward:", disabled=k == n,
                    type="primary", on_click=_move, args=(lesson, k + 1))  # fmt: skip
        slot = st.empty()  # the text, what it points at, what the run says: redrawn at its end

        def status(run: live.Run | None) -> None:
            with slot.container():
                look = look_line(step, inp, run)
                st.markdown(step.text + (f" <span style='{LOOK_STYLE}'>{look}</span>" if look
                                         else ""), unsafe_allow_html=True)  # fmt: skip
                if run is not None and run.finished and run.config == inp.config:
                    run_note(run, train, configure)

        status(run)
        if step.action is not None:
            st.button(step.action.label, key=f"step_try_{k}", icon=":material/science:",
                      on_click=_try, args=(step.action, lesson, train, configure),
                      help="applies this to the lesson's settings and trains (or opens the "
                      "lesson)" if step.action.opens is None else None)  # fmt: skip
    return status


LOOK_STYLE = "font-size:0.875rem;color:#475569"  # 7.6:1 on white
# The step's text without a paragraph's bottom margin, so the box is a line shorter
STEP_CSS = ".st-key-lesson_step p {margin-bottom: 0}"


def look_line(step: Step, inp: ViewInput, run: live.Run | None) -> str:
    """The schemes the step points at, and "Press Train" when it reads a run not trained yet
    (or "Training" while it trains): Markdown, after the step's text."""
    look = pointed(step.scene.schemes, inp.config.schemes if inp.config else ())
    finished = run is not None and run.finished and run.config == inp.config
    if needs_run(step.scene) and not finished:
        training = run is not None and not run.finished and run.config == inp.config
        wait = ("Training: this step reads the run when it ends." if training
                else "Press **Train** first: this step reads the run.")  # fmt: skip
        look = (look + ". " if look else "") + wait
    return look


def cure() -> tuple[Preset, int]:
    """The lesson and step (1 = the first) whose "Try this" is presets.DEAD_RELU_CURE."""
    return next(
        (lesson, k)
        for lesson in PRESETS.values()
        for k, one in enumerate(lesson.steps, start=1)
        if one.action == DEAD_RELU_CURE
    )


def run_note(run: live.Run, train: Callable, configure: Callable) -> None:
    """A first experiment gone wrong for another reason than the init: a ReLU run where over
    half of some scheme's neurons died while the updates were large. Says so with the measured
    numbers, and offers a smaller step."""
    result = run.result
    if result.config.activation != "relu":
        return
    s = result.summary()
    dying = s[s["dead_neurons"] > s["layer_width"] / 2]
    if dying.empty:
        return
    biggest = float(np.nanmax(result.update_table()["update_ratio"].to_numpy(dtype=float)))
    if not biggest > LARGE_UPDATE:
        return
    who = ", ".join(
        f"{escape_md(r['label'])} {r['dead_neurons']} of {r['layer_width']}"
        for _, r in dying.iterrows()
    )
    lr = result.config.lr
    lesson, k = cure()
    changes = dict(DEAD_RELU_CURE.changes)
    hidden = changes["hidden"]
    st.warning(
        f"**Dead neurons, large steps.** Over half of a layer's neurons are dead ({who}), and "
        f"one step moved a layer's weights by up to {num(100 * biggest)}% of their spread "
        f"(update ratio {num(biggest)}). Try a smaller step before blaming the init: "
        f"step {k} of the lesson “{escape_md(lesson.title)}” trains {len(hidden)} ReLU "
        f"layers of {hidden[0]} at step {changes['lr']:g}.",
        icon=":material/tips_and_updates:",
    )
    st.button(f"Train at step {lr / SMALLER_STEP:g}", key="step_smaller",
              icon=":material/science:", on_click=_smaller,
              args=(result.config, train, configure))  # fmt: skip
