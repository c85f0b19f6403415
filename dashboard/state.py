"""Every key the page keeps in ``st.session_state``, named and explained in one place.

A Streamlit script runs top to bottom on every click; what must outlive a run lives here. The
widgets' own keys follow two conventions: ``w_<config field>`` for the sidebar's controls (see
:func:`widget`) and ``o_<option>`` for a view's options (each view names its own).
"""

from __future__ import annotations

RUN = "run"  # dashboard.live.Run: this session's run, trained in slices across script runs
RUN_NO = "run_no"  # how many times Train was pressed: the epoch scrubber's key changes with it
VIEW = "view"  # the name of the open view (from the link, a preset or the tabs)
GROUP_TAB = "view_group"  # the tabs widget's key: the label of the group of views open
GROUP_VIEWS = "group_views"  # group name -> the view last open in it (to reopen it there)
HIDE = "hide"  # sidebar sections the link hides from a class
LINK_WARNINGS = "link_warnings"  # what was refused in the link, shown until dismissed
INITIALIZED = "initialized"  # the link has been read into the controls (once per session)
PRESET = "w_preset"  # the lesson preset selector
DEPTH, WIDTH, WIDTHS = "w_depth", "w_width", "w_widths"  # the network section's three widgets
DEEP_ACTIVATION, DEEP_DEPTH = "o_deep_act", "o_deep_depth"  # set by a preset (Preset.deep)
UPLOAD = "w_upload"  # the CSV file uploader
BUSY = "busy"  # why the last Train click could not start (the server was busy), or absent
QUIZ = "w_quiz"  # predict-then-observe mode on? (the sidebar toggle; `quiz=1` in a link)
QUIZ_LINK = "quiz_link"  # True: the link set `quiz=1`, so the mode is the teacher's (no toggle)
QUIZ_GRADED = "quiz_graded"  # the lesson whose quiz was graded: its steps begin, no new questions
SCENE_EPOCH = "scene_epoch"  # the epoch of the scene opened last (a step's, a grade's evidence)
STEP = "step"  # the open step (1 = the first) of the lesson on the page (dashboard.steps)
QUIZ_SENT = "quiz_sent"  # (run number, {(question, scheme): answer}): sent with Train, graded
# class pulse (dashboard.pulse)
PULSE_CLASS = "pulse_class"  # the code of the class this session is in (student or teacher)
PULSE_TEACHER = "pulse_teacher"  # True: this session is the class's teacher (key checked)
PULSE_KEY = "pulse_key"  # the teacher key of a class this session started (shown to it only)
PULSE_STUDENT = "pulse_student"  # this session's random, anonymous student id
PULSE_DONE = "pulse_done"  # what the database has of this session: answers, sends, grades
PULSE_SAVED = "pulse_saved"  # (run, config hash, questions) of the last answers saved
PULSE_NOTE = "pulse_note"  # the class's note (results unavailable, class closed, ...)
PULSE_MISSES = "pulse_misses"  # wrong class codes or teacher keys tried in this session
PULSE_STARTED = "pulse_started"  # how many classes this session started
PULSE_MAIN = "w_pulse_main"  # the teacher's main area: the class pulse or the lesson


def widget(field: str) -> str:
    """The key of the sidebar widget of a config field."""
    return f"w_{field}"


def quiz_answer(question: str, scheme: str | None) -> str:
    """The key of the widget holding a quiz answer (scheme None: a question about them all)."""
    return f"q_{question}_{scheme or 'all'}"


def view_pick(group: str) -> str:
    """The key of a group's view control (the segmented control under its tab)."""
    return f"view_in_{group}"
