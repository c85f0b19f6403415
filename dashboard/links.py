"""Share links: the whole experiment in URL query parameters, and back.

``PARAMS`` lists every parameter a link may carry: the config fields (``initdash.config.FIELDS``:
a new field is a new parameter) and five for the page (``preset``, ``view``, ``hide``, ``quiz``,
``step``: the lesson's step to open).
:func:`to_query` writes only what differs from the baseline (the preset's settings, or the
defaults); :func:`parse_query` reads a link back, refusing each bad parameter with a warning (its
default is used). It never raises, and never lets a link ask a shared server for more than the
classroom caps. No Streamlit here (dashboard.controls reads and writes the address bar).
"""

from __future__ import annotations

import difflib
import itertools
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard import classgate
from dashboard.views.registry import VIEWS
from initdash import cost
from initdash.config import FIELDS, Field, TrainConfig
from initdash.cost import CLASSROOM_MEMORY_CAP
from initdash.presets import PRESETS, START

# Config fields a link carries (URL key = field name): all but the ones the page never changes.
CONFIG_KEYS = tuple(f for f in FIELDS if f not in ("test_fraction", "snapshots", "dtype"))
# Sidebar sections a teacher can hide from a class link (TensorFlow Playground's `_hide`).
SECTIONS = ("presets", "data", "network", "init", "training", "share")
DEFAULT_VIEW = next(iter(VIEWS))
MOST_STEPS = max(len(p.steps) for p in (START, *PRESETS.values()))

PARAMS: dict[str, Field] = {
    **{k: FIELDS[k] for k in CONFIG_KEYS},
    "preset": Field("preset", "str", None, "lesson preset", choices=lambda: tuple(PRESETS)),
    "view": Field("view", "str", DEFAULT_VIEW, "the view to open", choices=lambda: tuple(VIEWS)),
    "hide": Field(
        "hide",
        "names",
        (),
        "sidebar sections to hide",
        choices=lambda: SECTIONS,
        min_len=0,
        max_len=len(SECTIONS),
    ),
    "quiz": Field("quiz", "int", 0, "1: students answer questions before Train (quiz)", 0, 1),
    "step": Field("step", "int", 1, "the lesson's step to open (1 = the first)", 1, MOST_STEPS),
}
# Class pulse (dashboard.pulse): the class code and the teacher's key, checked by their form.
CLASS_KEYS = ("class", "teacher")
# Parameters Streamlit itself uses in URLs: never ours, never a warning.
STREAMLIT_KEYS = frozenset({"embed", "embed_options"})
# When a link asks for too much, the fewest of these fall back to the baseline (see _combine).
WORK_FALLBACK = ("epochs", "batch_size", "n_samples", "repeats", "hidden", "schemes")


@dataclass
class Link:
    """What a link asked for, after validation."""

    config: TrainConfig
    preset: str | None = None
    view: str = DEFAULT_VIEW
    hide: tuple[str, ...] = ()
    quiz: bool = False  # predict-then-observe mode
    warnings: list[str] = field(default_factory=list)
    given: dict[str, Any] = field(default_factory=dict)  # accepted config values from the link
    class_code: str | None = None  # class pulse: the class (dashboard.classgate's form)
    teacher: str | None = None  # ... and its teacher key, if the link has one
    step: int = 1  # the lesson's step to open (1 = the first)


def baseline(preset: str | None) -> TrainConfig:
    """The config a link is relative to: the preset's, or the defaults."""
    return PRESETS[preset].config() if preset in PRESETS else TrainConfig()


def _show(key: str) -> str:
    k = "".join(ch if ch.isprintable() else "?" for ch in str(key))
    return repr(k if len(k) <= 30 else k[:27] + "...")


def _one(query: Mapping[str, Any], key: str, warnings: list[str]) -> str | None:
    raw = query[key]
    values = [raw] if isinstance(raw, str) else list(raw)
    if len(values) != 1:
        warnings.append(
            f"parameter {_show(key)} is given {len(values)} times (give it once, as "
            f"{PARAMS[key].allowed(classroom=True)}); using its default instead"
        )
        return None
    return values[0]


def _read(key: str, text: str, warnings: list[str]) -> Any:
    spec = PARAMS[key]
    try:
        return spec.check(spec.parse(text, classroom=True), classroom=True)
    except ValueError as e:
        warnings.append(f"parameter {_show(key)} rejected ({e}); using its default instead")
        return None


def parse_query(query: Mapping[str, str | Sequence[str]]) -> Link:
    """Read a link's query parameters (each key -> one value or the list of its values)."""
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for key in query:
        if key in STREAMLIT_KEYS:
            continue
        if key in CLASS_KEYS:
            values[key] = _class_param(query, key, warnings)
            continue
        if key not in PARAMS:
            near = difflib.get_close_matches(str(key).lower(), PARAMS, n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(PARAMS)}"
            warnings.append(f"unknown parameter {_show(key)} ignored{hint}")
            continue
        text = _one(query, key, warnings)
        if text is None:
            continue
        v = _read(key, text, warnings)
        if v is not None:
            values[key] = v
    preset = values.pop("preset", None)
    view = values.pop("view", None)
    hide = values.pop("hide", ())
    quiz = bool(values.pop("quiz", 0))
    step = _step(preset, values.pop("step", 1), warnings)
    code, key = (values.pop(k, None) for k in CLASS_KEYS)
    config = _combine(baseline(preset), values, warnings)  # drops the values it refuses
    if view is None:
        view = lesson(preset).steps[step - 1].scene.view
    return Link(config, preset, view, tuple(hide), quiz, warnings, values, code, key, step=step)


def lesson(preset: str | None):
    """The lesson a link's steps belong to: the preset's, or the first page's (START)."""
    return PRESETS[preset] if preset in PRESETS else START


def _step(preset: str | None, step: int, warnings: list[str]) -> int:
    """The step to open: 1 when the lesson has fewer steps than the link asks (a warning)."""
    n = len(lesson(preset).steps)
    if step <= n:
        return step
    warnings.append(
        f"parameter 'step' rejected ({lesson(preset).title!r} has {n} steps: give a whole "
        f"number from 1 to {n}); using its default instead"
    )
    return 1


def _class_param(query: Mapping[str, Any], key: str, warnings: list[str]) -> str | None:
    """A class code in its stored form, or a teacher key; None (with a warning that never
    repeats a key) if it is not one."""
    raw = query[key]
    values = [raw] if isinstance(raw, str) else list(raw)
    if len(values) != 1:
        warnings.append(f"parameter {key!r} is given {len(values)} times (give it once); ignored")
        return None
    if key == "class":
        code = classgate.normal_code(values[0])
        if code is None:
            warnings.append(
                f"parameter 'class' rejected (a class code is {classgate.CODE_LENGTH} letters "
                f"and digits from {classgate.ALPHABET}, e.g. ACD-479); ignored"
            )
        return code
    if not classgate.KEY_RE.fullmatch(str(values[0])):
        warnings.append("parameter 'teacher' rejected (it is not a teacher key); ignored")
        return None
    return values[0]


def _combine(base: TrainConfig, given: dict[str, Any], warnings: list[str]) -> TrainConfig:
    """Apply the link's values to the baseline; drop those that clash or ask too much.

    A link over the classroom limits (predicted seconds, memory) loses the fewest of its
    WORK_FALLBACK values that bring it under them (each back to the baseline's), and of those
    choices the one whose run stays closest to what was asked."""
    while True:
        try:
            config = base.replace(**given)
            break
        except ValueError as e:  # a clash between fields, e.g. 3 classes of "xor"
            culprit = _clash(base, given, str(e))
            warnings.append(f"parameter {_show(culprit)} rejected ({e}); using its default instead")
            given.pop(culprit)
    if _load(config) <= 1.0:
        return config
    # Only a value heavier than the baseline's is worth dropping (epochs=30 stays).
    heavy = [
        k
        for k in WORK_FALLBACK
        if k in given and _load(config.replace(**{k: getattr(base, k)})) < _load(config)
    ]
    for n in range(1, len(heavy) + 1):
        fitting = []
        for drop in itertools.combinations(heavy, n):
            kept = base.replace(**{k: v for k, v in given.items() if k not in drop})
            if _load(kept) <= 1.0:
                fitting.append((cost.seconds(kept), drop, kept))
        if fitting:
            _, drop, kept = max(fitting, key=lambda f: f[0])
            for k in drop:
                warnings.append(_too_much(k, kept, given[k]))
                given.pop(k)
            return kept
    warnings.append(
        "this link asks for more than this server allows (the classroom limits: "
        f"{cost.duration(cost.CLASSROOM_SECONDS)} of training per run, "
        f"{CLASSROOM_MEMORY_CAP / 1e6:.0f} MB); using the defaults"
    )
    return base


def _too_much(key: str, kept: TrainConfig, value: Any) -> str:
    """The warning for a value dropped because the run would ask too much: what it would cost,
    the limit, and which values of it fit with the link's other settings."""
    asked = kept.replace(**{key: value})
    why = cost.over(asked)
    if why:
        why = "take " + why
    else:
        why = (
            f"need about {cost.memory(asked) / 1e6:.0f} MB of memory, over the classroom limit of "
            f"{CLASSROOM_MEMORY_CAP / 1e6:.0f} MB"
        )
    fits = [f.text for f in suggestions(key, kept, value)]
    hint = f"; {_either(fits)} would fit with the link's other settings" if fits else ""
    return (
        f"parameter {_show(key)} rejected: with {_describe(key, value)} the run would {why}{hint}; "
        "using its default instead"
    )


def suggestions(key: str, kept: TrainConfig, value: Any) -> list[cost.Fix]:
    """The values of ``key`` that fit with the link's other settings (``kept``) when ``value``
    does not (for hidden: up to three nets, depth and width searched together)."""
    if key not in cost.FIX_FIELDS:
        return []
    return cost.fixes(kept.replace(**{key: value}), None, _load, fields=(key,))


def _either(texts: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return " or ".join(texts) if len(texts) < 3 else ", ".join(texts[:-1]) + " or " + texts[-1]


def _describe(key: str, value: Any) -> str:
    """A value as a person reads it: '30 hidden layers of 128', '11 schemes', 'epochs 5000'."""
    if key == "hidden":
        if len(set(value)) == 1:
            return f"{len(value)} hidden layers of {value[0]}"
        return f"{len(value)} hidden layers ({_show(PARAMS[key].format(value))[1:-1]})"
    if key == "schemes":
        return f"{len(value)} schemes"
    return f"{key} {PARAMS[key].format(value)}"


def _clash(base: TrainConfig, given: dict[str, Any], message: str) -> str:
    """Which of two clashing values to drop: the first (latest given first) whose removal alone
    makes the config valid, so ``n_classes=3&dataset=xor`` keeps xor, in either order."""
    named = [k for k in reversed(list(given)) if k in message] or list(reversed(list(given)))
    for k in named:
        try:
            base.replace(**{j: v for j, v in given.items() if j != k})
        except ValueError:
            continue
        return k
    return named[0]


def _load(config: TrainConfig) -> float:
    """How far over the classroom limits a config is: above 1 means too much."""
    return max(
        cost.seconds(config) / cost.CLASSROOM_SECONDS, cost.memory(config) / CLASSROOM_MEMORY_CAP
    )


def to_query(
    config: TrainConfig,
    *,
    preset: str | None = None,
    view: str | None = None,
    hide: Sequence[str] = (),
    quiz: bool = False,
    step: int = 1,
    class_code: str | None = None,
) -> dict[str, str]:
    """The query parameters that reproduce this experiment; defaults are left out. With
    ``class_code``, the link is a class's (class pulse; never with the teacher's key)."""
    base = baseline(preset)
    out: dict[str, str] = {"class": class_code} if class_code else {}
    if preset:
        out["preset"] = preset
    for key in CONFIG_KEYS:
        value = getattr(config, key)
        if value != getattr(base, key):
            out[key] = PARAMS[key].format(value)
    default_view = lesson(preset).steps[step - 1].scene.view
    if view and view != default_view:
        out["view"] = view
    if hide:
        out["hide"] = PARAMS["hide"].format(tuple(hide))
    if quiz:
        out["quiz"] = "1"
    if step > 1:
        out["step"] = str(step)
    return out


def share_link(base: str, query: Mapping[str, str] | Sequence[tuple[str, str]]) -> str:
    """The page's address with the query: a "/" before the "?" (``http://host:8501/?...``),
    commas left plain (``schemes=zeros,he_normal``, not ``%2C``). The share box's link and
    the class pulse's students' link."""
    parts = urllib.parse.urlsplit(base)
    path = parts.path or "/"
    text = urllib.parse.urlencode(query, safe=",")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, text, ""))
