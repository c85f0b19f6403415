"""Guided lessons: a lesson is a few short steps, each with the page state it shows.

A :class:`Step` is at most ``MAX_WORDS`` words and a :class:`Scene`: the view to open, the
epoch to show (0, a number, or ``LAST``), the view's option (a signal-flow or deep-lab measure,
a hidden layer, a curves metric, the deep lab's activation and depth, the weight paths' lazy/rich
sweep) and the schemes the text points at. The page sets that state when the step opens, so the
student never hunts for a slider. A step may carry a "Try this" :class:`Action`: a label and
config changes that a button applies and then trains (or a lesson to open). It belongs to the
lesson, not to the sidebar, so it works when a link hides the sidebar; no step asks the student
to move a sidebar control.

Pure data, validated on construction: unknown views, measures or config fields raise
``ValueError``. Every step's sentences are claims checked on seeds 0..9 (tests/preset_claims.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import FIELDS, TrainConfig
from .schemes import SCHEMES

# The page's views, by name (dashboard's registry holds the same names; a test checks it).
VIEW_NAMES = (
    "overview",
    "curves",
    "weights",
    "clones",
    "neurons",
    "signal",
    "activations",
    "gradients",
    "updates",
    "travel",
    "boundary",
    "tldr",
    "deep",
    "theory",
)
# Per-layer measures of the signal-flow view and the deep-signal lab.
MEASURES = ("act_std", "saturated_fraction", "dead_fraction", "backprop_signal", "grad_norm")
METRICS = ("loss", "accuracy")  # what the loss & accuracy view plots
LAST = -1  # a scene's epoch: the run's last
MAX_WORDS = 60
# Which views read which option.
MEASURE_VIEWS = ("signal", "deep")
LAYER_VIEWS = ("overview", "clones", "neurons", "activations")
METRIC_VIEWS = ("curves",)
SWEEP_VIEWS = ("travel",)  # the weight-paths view's lazy/rich sweep (its own toggle)
LAB_DEPTH = (1, 50)  # the deep-signal lab's depth slider


def words(text: str) -> int:
    """How many words a student reads (numbers and formulas count as words)."""
    return len(text.split())


@dataclass(frozen=True)
class Scene:
    """The page state a step (or a quiz grade's evidence) shows."""

    view: str
    epoch: int = 0  # 0, an epoch, or LAST
    measure: str | None = None  # signal / deep: one of MEASURES
    layer: int | None = None  # a hidden layer (1 = first) for the views that pick one
    metric: str | None = None  # curves: loss or accuracy
    schemes: tuple[str, ...] = ()  # the schemes the text points at (highlighted)
    lab: tuple[str, int] | None = None  # deep lab: (activation, depth)
    sweep: bool = False  # travel: the lazy/rich sweep shown

    def __post_init__(self) -> None:
        if self.view not in VIEW_NAMES:
            raise ValueError(f"view {self.view!r} is not one of: {', '.join(VIEW_NAMES)}")
        if not isinstance(self.epoch, int) or self.epoch < LAST:
            raise ValueError(f"epoch = {self.epoch!r}: use 0, a positive epoch or LAST")
        _option(self, "measure", MEASURE_VIEWS, MEASURES)
        _option(self, "metric", METRIC_VIEWS, METRICS)
        if self.layer is not None and (self.view not in LAYER_VIEWS or self.layer < 1):
            raise ValueError(f"layer = {self.layer!r}: a hidden layer (>= 1) of {LAYER_VIEWS}")
        unknown = [s for s in self.schemes if s not in SCHEMES]
        if unknown:
            raise ValueError(f"unknown schemes {unknown}; use: {', '.join(SCHEMES)}")
        if self.sweep and self.view not in SWEEP_VIEWS:
            raise ValueError(f"sweep on view {self.view!r}: only {SWEEP_VIEWS} have one")
        if self.lab is not None:
            act, depth = self.lab
            FIELDS["activation"].check(act)
            if self.view != "deep" or not LAB_DEPTH[0] <= depth <= LAB_DEPTH[1]:
                raise ValueError(f"lab = {self.lab!r}: the deep view's (activation, 1..50)")


def _option(scene: Scene, name: str, views: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    value = getattr(scene, name)
    if value is not None and (scene.view not in views or value not in allowed):
        raise ValueError(
            f"{name} = {value!r} on view {scene.view!r}: only {views} take one of {allowed}"
        )


@dataclass(frozen=True)
class Action:
    """A "Try this" button: apply ``changes`` (TrainConfig fields) to the lesson's config and
    train, or with ``opens``, open that lesson."""

    label: str
    changes: tuple[tuple[str, Any], ...] = ()  # (field, value) pairs, in order
    opens: str | None = None  # a preset's name

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ValueError("an action needs a label")
        if bool(self.changes) == bool(self.opens):
            raise ValueError(f"action {self.label!r}: give config changes or a lesson to open")
        unknown = [k for k, _ in self.changes if k not in FIELDS]
        if unknown:
            raise ValueError(f"action {self.label!r}: unknown config fields {unknown}")
        for k, v in self.changes:
            FIELDS[k].check(v, classroom=True)

    def apply(self, config: TrainConfig) -> TrainConfig:
        """The config the button trains."""
        return config.replace(**dict(self.changes))


def act(label: str, **changes: Any) -> Action:
    """An action from keyword changes: ``act("Switch BatchNorm off", batchnorm=False)``."""
    return Action(label, tuple(changes.items()))


@dataclass(frozen=True)
class Step:
    """One screen of a lesson: a few sentences and the page state they talk about."""

    text: str
    scene: Scene
    action: Action | None = None

    def __post_init__(self) -> None:
        if not 1 <= words(self.text) <= MAX_WORDS:
            raise ValueError(
                f"a step has {words(self.text)} words, at most {MAX_WORDS}: {self.text[:50]!r}"
            )


def step(text: str, view: str, epoch: int = 0, action: Action | None = None, **scene: Any) -> Step:
    """A step from its text and its scene's fields (``step("...", "signal", 0,
    measure="backprop_signal")``)."""
    return Step(" ".join(text.split()), Scene(view, epoch, **scene), action)


@dataclass(frozen=True)
class Ask:
    """A quiz question of a lesson, asked about some of its schemes (() = every scheme the run
    trains; the race, a question about all schemes at once, has none)."""

    question: str  # a name in initdash.quiz.QUESTIONS
    schemes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [s for s in self.schemes if s not in SCHEMES]
        if unknown:
            raise ValueError(f"unknown schemes {unknown}; use: {', '.join(SCHEMES)}")
