"""Predict, then observe: the quiz mode's questions before Train, and the grades after the run.

With the mode on (the sidebar toggle, or ``quiz=1`` in a link), Train stays locked until every
question for the selected schemes is answered (the preset's questions, initdash.quiz). Pressing
Train sends the answers with the run (:func:`submit`); once the run is done, each answer is
graded by the run's own measured verdicts (:func:`initdash.quiz.grade_all`), with the why and its
number. Answers and grades live in this session only (st.session_state). No grading here.
"""

from __future__ import annotations

import streamlit as st

from dashboard import live, state
from dashboard.views.base import ViewInput
from initdash import SCHEMES
from initdash import quiz as grading

PER_ROW = 5  # answer boxes per row (one per scheme)


def on() -> bool:
    return bool(st.session_state.get(state.QUIZ))


def asked(inp: ViewInput) -> list[tuple[str, str | None]]:
    """The (question, scheme) pairs for the settings on the page."""
    if inp.config is None:
        return []
    return grading.questions_for(st.session_state.get(state.PRESET), inp.config)


def answers(inp: ViewInput) -> dict[tuple[str, str | None], str | None]:
    """The answers given so far (None: not yet)."""
    return {q: st.session_state.get(state.quiz_answer(*q)) for q in asked(inp)}


def sent_with(run: live.Run | None, inp: ViewInput) -> dict | None:
    """The answers sent with this session's run, if that run is the one the page describes."""
    sent = st.session_state.get(state.QUIZ_SENT)
    if run is None or sent is None or sent[0] != st.session_state.get(state.RUN_NO):
        return None
    if run.config != inp.config or run.data_key != inp.data_key:
        return None  # the settings changed since: new questions
    return sent[1]


def locked(inp: ViewInput, run: live.Run | None) -> bool:
    """Train waits for answers: the mode is on and a question for these settings is open."""
    if not on() or inp.config is None or sent_with(run, inp) is not None:
        return False
    return any(a is None for a in answers(inp).values())


def submit(inp: ViewInput) -> None:
    """Send the answers with the run Train starts (from the button's callback). Train pressed
    again beside the grades (no questions open) sends the same answers again."""
    if not on():
        return
    given = answers(inp)
    if any(a is None for a in given.values()):
        sent = st.session_state.get(state.QUIZ_SENT)
        if sent is None or set(sent[1]) != set(given):
            return
        given = sent[1]
    st.session_state[state.QUIZ_SENT] = (st.session_state.get(state.RUN_NO), given)


def _label(choice: str) -> str:
    if choice == grading.NONE:
        return "none of them"
    return SCHEMES[choice].label if choice in SCHEMES else choice


def ask(inp: ViewInput, out) -> None:
    """The open questions, one answer box per scheme."""
    questions = asked(inp)
    with out.container(border=True):
        st.markdown(
            "**:material/quiz: Predict, then observe.** Answer every question to unlock "
            "**Train**; when the run ends, each answer is graded by what it measured."
        )
        for name in dict.fromkeys(n for n, _ in questions):
            q = grading.QUESTIONS[name]
            st.markdown(f"**{q.text}**")
            schemes = [s for n, s in questions if n == name]
            if not q.per_scheme:
                options = grading.choices(name, inp.config.schemes)
                st.pills(
                    q.text,
                    options,
                    format_func=_label,
                    key=state.quiz_answer(name, None),
                    label_visibility="collapsed",
                )
                continue
            for start in range(0, len(schemes), PER_ROW):
                row = schemes[start : start + PER_ROW]
                for col, scheme in zip(st.columns(PER_ROW), row, strict=False):
                    label, key = SCHEMES[scheme].label, state.quiz_answer(name, scheme)
                    if len(q.choices) <= 2:
                        col.pills(label, q.choices, key=key)
                    else:  # more choices than fit a fifth of the page side by side
                        col.selectbox(label, q.choices, index=None, placeholder="choose", key=key)


def report(run: live.Run, sent: dict, out) -> None:
    """The grades: right or wrong, the run's answer and why, with its number."""
    facts = grading.facts(run.result)
    grades = grading.grade_all(sent, facts)
    right = sum(g.right for g in grades)
    note = ""
    if run.result.stopped:
        note = f" (stopped at epoch {run.result.epochs_done}: graded on what was trained)"
    with out.container(border=True):
        st.markdown(
            f"**:material/quiz: Predict, then observe: {right} of {len(grades)} right**{note}"
        )
        for name in dict.fromkeys(g.question for g in grades):
            lines = []
            for g in (g for g in grades if g.question == name):
                icon = ":green[:material/check_circle:]" if g.right else ":red[:material/cancel:]"
                who = f"**{_label(g.scheme)}**: " if g.scheme else ""
                truth = " or ".join(_label(t) for t in g.truths)
                verdict = "right" if g.right else f"the run says *{truth}*"
                lines.append(f"{icon} {who}you said *{_label(g.answer)}*, {verdict}: {g.why}.")
            st.markdown(f"**{grading.QUESTIONS[name].text}**  \n" + "  \n".join(lines))


def draw(inp: ViewInput, run: live.Run | None, out, *, grades_only: bool = False) -> None:
    """Questions, a note while the answered run trains, or the grades once it is done
    (``grades_only``: the grades or nothing, for a second draw in the same script run)."""
    if not on() or inp.config is None:
        return
    sent = sent_with(run, inp)
    if sent is None:
        if not grades_only:
            ask(inp, out)
    elif run.finished:
        report(run, sent, out)
    else:
        out.info(
            f":material/quiz: Your {len(sent)} predictions are in: they are graded here when "
            "the run ends."
        )
