"""Class pulse, the teacher's view (the teacher's main area, instead of the lesson): counts, one
question at a time as bars (dashboard.pulse_chart) beside the measured truth, refreshed every
``REFRESH_S`` seconds (st.fragment); a CSV download; close or delete the class. Starting and
joining a class, the students' saves and the database are dashboard.pulse's.
"""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import classstore, links, pulse, pulse_chart, state
from dashboard.classgate import shown_code
from dashboard.classstore import ALL
from dashboard.pulse import LESSON, Unavailable, base_url, db
from dashboard.views.base import ViewInput
from initdash import SCHEMES
from initdash import quiz as grading

REFRESH_S = 3  # the teacher's view redraws this often
SHORT = {"clones": "Clones?", "learns": "Learns?", "gradient": "Signal at layer 1",
         "saturated": "Saturated?", "unstable": "Unstable?", "race": "Race to 0.3"}  # fmt: skip


def teacher_view(page: ViewInput) -> bool:
    """The teacher's main area, when it shows the class pulse; False: the lesson is shown."""
    ss = st.session_state
    code = ss.get(state.PULSE_CLASS)
    if code is None or not ss.get(state.PULSE_TEACHER) or ss.get(state.PULSE_MAIN) == LESSON:
        return False
    try:
        info = db(classstore.find_class, code)
    except Unavailable:
        st.info(
            ":material/cloud_off: **Class results unavailable**: the class's database cannot "
            f"be reached just now; this page tries again every {pulse.RETRY_S} s."
        )
        _live(code, None)
        return True
    if info is None:
        st.info(f"Class {shown_code(code)} has ended (or was deleted).")
        _forget()
        return True
    title, *buttons = st.columns([5, 1.1, 1.2, 1.3], vertical_alignment="center")
    title.markdown(f"### :material/groups: Class pulse: {shown_code(code)}")
    _actions(buttons, code, info)
    state_word = "closed: it takes no new answers" if info.closed else "open"
    ends = datetime.fromtimestamp(info.expires_at, UTC).strftime("%d %b %Y")
    st.caption(
        f"Students open **{base_url()}?class={code}** (or the link in the sidebar). The class is "
        f"{state_word}; it ends on {ends}."
    )
    _live(code, info)
    return True


def _forget() -> None:
    for k in (state.PULSE_CLASS, state.PULSE_TEACHER, state.PULSE_KEY, state.PULSE_MAIN):
        st.session_state.pop(k, None)


def _csv(code: str) -> str:
    try:
        return db(classstore.export, code).to_csv(index=False)
    except Unavailable:
        return "class results unavailable: the class's database cannot be reached just now\n"


def _actions(cols: list, code: str, info: classstore.ClassInfo) -> None:
    c1, c2, c3 = cols
    c1.download_button(
        "CSV", lambda: _csv(code), f"class-{code}.csv", "text/csv", key="pulse_csv",
        on_click="ignore", icon=":material/download:",
        help="every answer of the class: anonymous student id, run, question, scheme, answer, "
        "and after the run its grade, the run's answer and why",
    )  # fmt: skip
    if c2.button("Close", icon=":material/lock:", key="pulse_close", disabled=info.closed,
                 help="no new answers from now on; the results stay"):  # fmt: skip
        _try(classstore.close_class, code)
        st.rerun()
    with c3.popover("Delete", icon=":material/delete:"):
        st.markdown(f"Delete class {shown_code(code)} and all its answers?")
        if st.button("Delete the class", type="primary", key="pulse_delete"):
            if _try(classstore.delete_class, code):
                _forget()
                st.rerun()


def _try(fn, *args) -> bool:
    try:
        db(fn, *args)
    except Unavailable:
        st.toast("Class results unavailable: the database cannot be reached just now.")
        return False
    return True


def _label(answer: str) -> str:
    if answer == grading.NONE:
        return "none of them"
    return SCHEMES[answer].label if answer in SCHEMES else answer


def _lesson_page(info: classstore.ClassInfo) -> tuple[str | None, object]:
    link = links.parse_query(urllib.parse.parse_qs(info.lesson))
    return link.preset, link.config


@st.fragment(run_every=REFRESH_S)
def _live(code: str, info: classstore.ClassInfo | None) -> None:
    """The part that refreshes: counts and one question's chart."""
    try:
        tally = db(classstore.tally, code)
        truths = db(classstore.truths, code)
        if info is None:
            info = db(classstore.find_class, code)
    except Unavailable:
        st.info("Class results unavailable just now: trying again in a few seconds.")
        return
    if info is None:
        return
    preset, config = _lesson_page(info)
    chash = info.config_hash
    others = sorted(set(tally["config_hash"]) - {chash})
    if others:
        students = tally.groupby("config_hash")["students"].max().to_dict()
        chash = st.selectbox(
            "Settings",
            [info.config_hash, *others],
            format_func=lambda h: (
                ("the lesson's settings" if h == info.config_hash else f"other settings ({h[:6]})")
                + f": {students.get(h, 0)} students"
            ),
            key="pulse_config",
            help="students who changed the lesson's settings ran other experiments",
        )
    n = _db_or_zero(code, chash)
    st.markdown(
        f"#### :material/how_to_reg: {n['answered']} answered  ·  {n['trained']} trained  ·  "
        f"{n['finished']} finished"
    )
    mine = tally[tally["config_hash"] == chash]
    asked = grading.questions_for(preset, config) if chash == info.config_hash else []
    names = list(dict.fromkeys([n for n, _ in asked] + sorted(set(mine["question"]))))
    if not names:
        st.info("No answers yet.")
        return
    name = st.segmented_control(
        "Question", names, default=names[0], key="pulse_question", label_visibility="collapsed",
        format_func=lambda n: SHORT.get(n, n),
    ) or names[0]  # fmt: skip
    q = grading.QUESTIONS[name]
    st.markdown(f"**{q.text}**")
    schemes = [s for n, s in asked if n == name] or sorted(set(mine[mine.question == name].scheme))
    measured = truths[truths.config_hash == chash]
    table, answers, rows = chart_table(name, schemes, mine, measured, config.schemes)
    st.altair_chart(pulse_chart.answers_chart(table, answers, rows), width="stretch")
    st.caption(
        "Each bar: the students' latest answers (each counts once). Outlined: what their runs "
        "measured, with the measurement below the scheme's name."
    )


def _db_or_zero(code: str, chash: str) -> dict[str, int]:
    try:
        return db(classstore.counts, code, chash)
    except Unavailable:
        return {"answered": 0, "trained": 0, "finished": 0}


def chart_table(
    name: str, schemes: list, tally: pd.DataFrame, truths: pd.DataFrame, lesson_schemes
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The chart's table for one question (pulse_chart.answers_chart), its answers and rows in
    order."""
    q = grading.QUESTIONS[name]
    offered = q.choices if q.per_scheme else (*lesson_schemes, grading.NONE)
    answers = [_label(a) for a in offered]
    out, rows = [], []
    for scheme in schemes:
        s = scheme or ALL
        row = SCHEMES[s].label if s in SCHEMES else "all schemes"
        rows.append(row)
        given = tally[(tally.question == name) & (tally.scheme == s)]
        measured = truths[(truths.question == name) & (truths.scheme == s)]
        right = set(measured.truth.iloc[0].split("|")) if len(measured) else set()
        n = int(given.students.sum())
        n_right = int(given[given.answer.isin(right)].students.sum())
        if right:
            said = " or ".join(_label(t) for t in offered if t in right)
            line, why = f"measured: {said}  ·  {n_right} of {n} right", measured.why.iloc[0]
        else:
            line, why = f"{n} answered", "measured when a student's run ends"
        for a, k in zip(given.answer, given.students, strict=True):
            out.append((row, _label(a), int(k), a in right, line, why))
        if n == 0:
            out.append((row, answers[0], 0, False, line, why))
    table = pd.DataFrame(out, columns=list(pulse_chart.COLUMNS))
    for extra in sorted(set(table.answer) - set(answers)):  # an answer no longer offered
        answers.append(extra)
    return table, answers, rows
