"""Class pulse, on the page: a teacher starts a class, students' quiz answers reach it, and the
teacher's view shows the class's answers beside what the runs measured.

- **Start** (the sidebar's "Class pulse" box): a class code and a teacher key
  (dashboard.classgate), the students' link (``class=CODE`` + the lesson, quiz on) and the
  teacher's (``class=CODE&teacher=KEY``). Opening either reads the class (:func:`from_link`);
  a link with only the class (and key) opens the class's lesson. A wrong code or key costs
  time (classgate.Gate).
- **Students** (:func:`sync`, each script run): their answers are saved as they change, marked
  sent with Train, graded when the run ends; anonymous (a random id per browser session). If
  the database cannot be reached, the quiz goes on and a note says class results are
  unavailable; what was not saved is sent on a later script run.
- **The teacher's view** (dashboard.pulse_teacher): counts, one question at a time as bars
  (dashboard.pulse_chart) beside the measured truth, refreshed every few seconds
  (st.fragment); a CSV download; close or delete the class. The key is checked once per
  session and never kept in the address bar, so a projected page does not show it.

Storage is ``st.connection("initdash", type="sql")``: the URL from the environment
(``INITDASH_DATABASE_URL``), else Streamlit's secrets (``[connections.initdash] url``), else a
SQLite file in the temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitAPIException

from dashboard import classdb, classgate, classstore, links, live, predict, state
from dashboard.classgate import shown_code
from dashboard.classstore import ALL, Rejected
from dashboard.views.base import ViewInput
from initdash import quiz as grading
from initdash.presets import PRESETS

ENV_URL = "INITDASH_DATABASE_URL"
CONNECTION = "initdash"  # st.connection's name: its secrets are [connections.initdash]
SQLITE_FILE = Path(tempfile.gettempdir()) / "initdash" / "classes.sqlite"
RETRY_S = 10  # after a database error, the next try waits this long (no stall on every click)
MAX_STARTED = 5  # classes one browser session may start
PULSE, LESSON = "Class pulse", "Lesson"  # what the teacher's main area shows
UNAVAILABLE = (
    ":material/cloud_off: **Class results unavailable** just now: your quiz works as usual, "
    "and your answers reach the class when its database is back."
)
log = logging.getLogger("initdash.pulse")


class Unavailable(Exception):
    """The class database cannot be reached (or is not configured right) just now."""


# ---------------------------------------------------------------------- the database
def database_url() -> str:
    """INITDASH_DATABASE_URL, else secrets' [connections.initdash] url, else the SQLite file."""
    url = os.environ.get(ENV_URL, "").strip() or _secret_url()
    if not url:
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_FILE}"
    for plain in ("postgres://", "postgresql://"):  # no driver named: psycopg (version 3)
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _secret_url() -> str | None:
    try:
        return st.secrets["connections"][CONNECTION]["url"]
    except (KeyError, FileNotFoundError, StreamlitAPIException):
        return None


@dataclass
class _Server:
    """What this server process knows: the lookup gate, which databases are set up, which are
    down until when."""

    gate: classgate.Gate = field(default_factory=classgate.Gate)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ready: set[str] = field(default_factory=set)
    down_until: dict[str, float] = field(default_factory=dict)


@st.cache_resource(show_spinner=False)
def _server() -> _Server:
    return _Server()


def _down(srv: _Server, url: str, error: Exception) -> Unavailable:
    srv.down_until[url] = time.monotonic() + RETRY_S
    # the error's type only: its text may name the server, never a value (hide_parameters)
    log.warning("class pulse: database unavailable (%s); retrying in %d s", type(error).__name__,
                RETRY_S)  # fmt: skip
    return Unavailable(type(error).__name__)


def db(fn, *args, **kwargs):
    """``fn(engine, *args, **kwargs)`` on the class database, set up on first use; Unavailable
    if it cannot be reached (then no new try for RETRY_S seconds)."""
    url, srv = database_url(), _server()
    if srv.down_until.get(url, 0.0) > time.monotonic():
        raise Unavailable("down")
    try:
        engine = st.connection(
            CONNECTION, type="sql", url=url, **classdb.engine_options(url)
        ).engine
        if url not in srv.ready:
            with srv.lock:
                if url not in srv.ready:
                    classdb.setup(engine)
                    classstore.cleanup(engine)
                    srv.ready.add(url)
        return fn(engine, *args, **kwargs)
    except (SQLAlchemyError, OSError, ImportError, StreamlitAPIException) as e:
        raise _down(srv, url, e) from None


# ---------------------------------------------------------------------- joining from a link
def _wait(seconds: float | None) -> bool:
    if seconds is None:
        return False
    if seconds > 0:
        time.sleep(seconds)
    return True


def _lookup(code: str, key: str | None) -> classstore.ClassInfo | None | str:
    """The class (checked against the key if one is given), None if there is none (or the
    key is wrong), or "busy" when the server's lookup queue is full. Waits its turn, and after
    a miss the session's penalty (classgate.Gate)."""
    gate, ss = _server().gate, st.session_state
    if not _wait(gate.turn()):
        return "busy"
    if key is None:
        info = db(classstore.find_class, code)
    else:
        info = db(classstore.check_teacher, code, key)
    if info is None:
        ss[state.PULSE_MISSES] = ss.get(state.PULSE_MISSES, 0) + 1
        _wait(gate.miss(ss[state.PULSE_MISSES]))
    return info


def from_link(query: dict, link: links.Link) -> links.Link:
    """On a session's first run: join the link's class (as its teacher with the right key).
    A link with nothing but the class opens the class's lesson."""
    code = link.class_code
    if code is None:
        return link
    ss = st.session_state
    teacher = False
    try:
        with st.spinner("Checking the class code ..."):
            info = _lookup(code, link.teacher) if link.teacher is not None else None
            teacher = isinstance(info, classstore.ClassInfo)
            if link.teacher is not None and info is None:  # a wrong key: a student's page
                link.warnings.append("the teacher key in this link is not this class's")
            if not teacher and info != "busy":
                info = _lookup(code, None)
    except Unavailable:
        ss[state.PULSE_CLASS] = code  # unchecked: answers are saved once the database is back
        ss[state.PULSE_NOTE] = UNAVAILABLE
        return link
    if info == "busy":
        link.warnings.append(
            "this server is busy checking class codes: open the link again in a minute"
        )
        return link
    if info is None:
        link.warnings.append(
            f"there is no class {shown_code(code)} on this server (check the code; a class "
            f"ends {classstore.LIFETIME_S // 86400} days after it started)"
        )
        return link
    ss[state.PULSE_CLASS], ss[state.PULSE_TEACHER] = code, teacher
    if set(query) - {"class", "teacher", *links.STREAMLIT_KEYS}:
        return link
    lesson = links.parse_query(urllib.parse.parse_qs(info.lesson))
    lesson.class_code, lesson.warnings = code, link.warnings + lesson.warnings
    return lesson


# ---------------------------------------------------------------------- what students send
def config_hash(page: ViewInput) -> str:
    """Which settings (and data) a run had, in 16 hex digits."""
    text = json.dumps([page.config.to_dict(), page.data_key], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _student() -> str:
    ss = st.session_state
    if state.PULSE_STUDENT not in ss:
        ss[state.PULSE_STUDENT] = secrets.token_hex(8)  # anonymous: random, for this session
    return ss[state.PULSE_STUDENT]


def _stored(given: dict) -> dict[tuple[str, str], str]:
    return {(q, s or ALL): a for (q, s), a in given.items() if a is not None}


def _jobs(page: ViewInput, run: live.Run | None) -> list[tuple[tuple, object, tuple, dict]]:
    """What this student's page has for the class: (what it is, and the call that saves it:
    function, arguments, keyword arguments)."""
    ss = st.session_state
    code, student, chash = ss[state.PULSE_CLASS], _student(), config_hash(page)
    preset = ss.get(state.PRESET) if ss.get(state.PRESET) in PRESETS else ""
    run_no = ss.get(state.RUN_NO, 0)
    sent = predict.sent_with(run, page)
    if sent is None:  # answering before Train: the next run's answers, replaced as they change
        given = _stored(predict.answers(page))
        last = ss.get(state.PULSE_SAVED)  # what the last save of answers held
        if last is None or last[0] != run_no + 1:
            last = None  # nothing of this run saved yet
        if not given and last is None:
            return []
        # only when an answer was taken back, or the settings changed, is there one to delete
        replace = last is not None and (last[1] != chash or not last[2] <= given.keys())
        what = ("answers", run_no + 1, chash, frozenset(given.items()))
        args = (code, student, run_no + 1, preset, chash, given)
        return [(what, classstore.save_answers, args, {"replace": replace})]
    args = (code, student, run_no, preset, chash, _stored(sent))
    jobs = [(("sent", run_no), classstore.save_answers, args, {"sent": True})]
    if run.finished and not run.result.stopped:
        grades = grading.grade_all(sent, grading.facts(run.result))
        stored = [classstore.Graded(g.question, g.scheme or ALL, g.right, g.truths, g.why)
                  for g in grades]  # fmt: skip
        args = (code, student, run_no, stored)
        jobs.append((("graded", run_no), classstore.save_grades, args, {}))
    return jobs


def sync(page: ViewInput, run: live.Run | None, slot) -> None:
    """A student in a class: save what is new (answers, Train, grades) and say so in ``slot``
    (one element, always drawn: the page below keeps its places)."""
    ss = st.session_state
    code = ss.get(state.PULSE_CLASS)
    if code is None or ss.get(state.PULSE_TEACHER):
        slot.empty()
        return
    if predict.on() and page.config is not None:
        done = ss.setdefault(state.PULSE_DONE, set())
        for what, fn, args, kwargs in _jobs(page, run):
            if what in done:
                continue
            try:
                db(fn, *args, **kwargs)
            except Unavailable:
                ss[state.PULSE_NOTE] = UNAVAILABLE
                break
            except Rejected as e:
                ss[state.PULSE_NOTE] = (
                    f":material/groups: Class {shown_code(code)}: {e}. Your quiz works as usual."
                )
            else:
                if ss.get(state.PULSE_NOTE) == UNAVAILABLE:
                    ss.pop(state.PULSE_NOTE)
                if what[0] == "answers":
                    ss[state.PULSE_SAVED] = (what[1], what[2], {q for q, _ in what[3]})
            done.add(what)
    note = ss.get(state.PULSE_NOTE)
    if note:
        slot.info(note)
    elif predict.on():
        slot.caption(
            f":material/groups: Class **{shown_code(code)}**: your answers go to your "
            "teacher's class pulse, anonymously."
        )
    else:
        slot.caption(
            f":material/groups: Class **{shown_code(code)}**: turn on *Predict, then observe* "
            "in the sidebar to send your predictions."
        )


# ---------------------------------------------------------------------- the sidebar's box
def _lesson_query(page: ViewInput) -> dict[str, str]:
    ss = st.session_state
    preset = ss.get(state.PRESET)
    return links.to_query(
        page.config, preset=preset if preset in PRESETS else None,
        view=ss.get(state.VIEW), hide=ss.get(state.HIDE, ()), quiz=True,
    )  # fmt: skip


def base_url() -> str:
    """This page's address without its query: http://host:port/path/"""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    return base if base.endswith("/") else base + "/"


def start_class(page: ViewInput) -> None:
    """Button callback: a new class for the lesson on the page; this session is its teacher."""
    ss = st.session_state
    if ss.get(state.PULSE_STARTED, 0) >= MAX_STARTED:
        ss[state.PULSE_NOTE] = f"One visit starts at most {MAX_STARTED} classes."
        return
    lesson = urllib.parse.urlencode(_lesson_query(page))
    try:
        code, key = db(classstore.create_class, lesson, config_hash(page))
    except Unavailable:
        ss[state.PULSE_NOTE] = UNAVAILABLE.replace("your quiz works", "the app works")
        return
    except Rejected as e:
        ss[state.PULSE_NOTE] = str(e).capitalize() + "."
        return
    ss[state.PULSE_STARTED] = ss.get(state.PULSE_STARTED, 0) + 1
    ss[state.PULSE_CLASS], ss[state.PULSE_TEACHER], ss[state.PULSE_KEY] = code, True, key
    ss[state.PULSE_MAIN] = PULSE
    ss.pop(state.PULSE_NOTE, None)


def students_link(code: str, lesson: str) -> str:
    """``class=CODE`` and the class's lesson (its link's query)."""
    return links.share_link(base_url(), [("class", code), *urllib.parse.parse_qsl(lesson)])


def sidebar(page: ViewInput) -> None:
    """The "Class pulse" box: start or join a class; a teacher's links; a student's class."""
    ss = st.session_state
    code = ss.get(state.PULSE_CLASS)
    if code is None and "share" in ss.get(state.HIDE, ()):
        return
    with st.sidebar.expander("Class pulse", icon=":material/groups:", expanded=code is not None):
        if code is not None and ss.get(state.PULSE_TEACHER):
            _teacher_box(code)
        elif code is not None:
            st.markdown(
                f"You are in class **{shown_code(code)}**. Your quiz answers go to your "
                "teacher without your name (a random id for this visit)."
            )
        else:
            st.caption(
                "Start a class on this lesson: the students' quiz answers (anonymous) appear "
                "live on your teacher's view, beside what their runs measured."
            )
            st.button(
                "Start a class", icon=":material/add:", key="pulse_start",
                on_click=start_class, args=(page,),
                disabled=page.config is None or page.data_key != "generated",
                help="a class code, a link for the students and a private one for you; "
                f"it ends after {classstore.LIFETIME_S // 86400} days (uploaded data cannot "
                "be part of a class's link)",
            )  # fmt: skip
        note = ss.get(state.PULSE_NOTE) if ss.get(state.PULSE_TEACHER) or code is None else None
        if note:
            st.info(note)


def _teacher_box(code: str) -> None:
    ss = st.session_state
    st.markdown(f"Your class: **{shown_code(code)}**")
    ss.setdefault(state.PULSE_MAIN, PULSE)
    st.segmented_control(
        "Main area", [PULSE, LESSON], key=state.PULSE_MAIN,
        help="the class's answers, or the lesson as the students see it (your own answers "
        "there are not sent)",
    )  # fmt: skip
    try:
        info = db(classstore.find_class, code)
    except Unavailable:
        info = None
    if info is not None:  # the class's own lesson (the page's settings may have changed since)
        st.caption("The students' link (quiz on):")
        st.code(students_link(code, info.lesson), language=None, wrap_lines=True)
    key = ss.get(state.PULSE_KEY)
    if key:  # only in the session that started the class
        with st.popover("Your teacher link (private)", icon=":material/key:"):
            st.caption(
                "Keep it to yourself (it can close and delete the class): it opens this view "
                "again, on any device. Not shown when the page is projected."
            )
            st.code(f"{base_url()}?class={code}&teacher={key}", language=None, wrap_lines=True)
