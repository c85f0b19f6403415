"""Class pulse in the real app (AppTest): a teacher starts a class from the sidebar, students'
links save their answers (replaced before Train, sent with it, graded after), the teacher's
link shows them beside the measured truth, a student's page never holds the key, a wrong
code or key costs time, and with the database down the quiz works with a note."""

from __future__ import annotations

import time
import urllib.parse

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

import initdash
from dashboard import classdb, classgate, classstore, live, pulse, state
from dashboard.views.base import ViewInput
from initdash import quiz
from tests.test_app import make_app, train
from tests.test_app_quiz import answer, asked, grade_lines

SMALL = {"epochs": "100", "n_samples": "120"}
CONFIG = initdash.TrainConfig(epochs=100, n_samples=120)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    """The app's database (INITDASH_DATABASE_URL): a SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'classes.sqlite'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    monkeypatch.setenv(pulse.ENV_URL, url)
    pulse._server.clear()  # a fresh lookup gate: no wait left over from another test
    live.clear()
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def ok(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_link(query: dict):
    at = make_app()
    at.query_params.update(query)
    return ok(at)


def start_class(query: dict = SMALL):
    """A teacher's page: the lesson, then "Start a class" in the sidebar."""
    teacher = open_link(query)
    teacher.button(key="pulse_start").click()
    return ok(teacher)


def links_of(teacher) -> tuple[str, str, str]:
    """(code, the students' link's query, the teacher link's query) as the sidebar shows them."""
    code = teacher.session_state[state.PULSE_CLASS]
    shown = [c.value for c in teacher.code]
    students = next(c for c in shown if "quiz=1" in c and "teacher=" not in c)
    mine = next(c for c in shown if "teacher=" in c)
    return code, urllib.parse.urlsplit(students).query, urllib.parse.urlsplit(mine).query


def as_query(q: str) -> dict:
    return dict(urllib.parse.parse_qsl(q))


def page_text(at) -> str:
    """Everything the page sends to the browser: every element's protobuf, as text."""

    def walk(node):
        out = [str(node.proto)] if getattr(node, "proto", None) is not None else []
        for child in getattr(node, "children", {}).values():
            out += walk(child)
        return out

    return "\n".join(walk(at._tree)) + "\n" + str(dict(at.query_params))


def counts(at) -> str | None:
    """The teacher's view's line of counts (how many students answered, trained, finished)."""
    lines = [m.value for m in at.markdown if "answered  ·" in m.value]
    return lines[0].split(":material/how_to_reg: ")[1] if lines else None


def warned(at) -> str:
    """The page's warnings as text (Markdown's escapes removed)."""
    return " ".join(w.value for w in at.warning).replace("\\", "")


def chart_data(at) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The teacher's chart's tables, as the browser gets them: (bars, the rows' lines)."""
    (chart,) = at.get("vega_lite_chart")
    tables = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    bars = next(t for t in tables if "students" in t.columns)
    heads = next(t for t in tables if "students" not in t.columns)
    return bars, heads


def rows(db, code: str) -> list:
    with db.connect() as conn:
        return conn.execute(
            sa.select(classdb.answers).where(classdb.answers.c.class_code == code)
        ).all()


def asked_about(question: str) -> list[str]:
    """The schemes the lesson's quiz asks this question about, in the quiz's order."""
    return [s for n, s in quiz.questions_for(None, CONFIG) if n == question]


def all_answers(choice=0) -> dict:
    return {q: quiz.choices(q[0], CONFIG.schemes)[choice] for q in quiz.questions_for(None, CONFIG)}


# ---------------------------------------------------------------------- the whole class
def test_a_class_from_start_to_the_teachers_view(db):
    """The teacher starts a class; two students open the students' link, answer (one changes
    an answer before Train), and train; the teacher's link shows what they answered and what
    their runs measured; no student's page ever holds the key."""
    teacher = start_class()
    code, students_q, teacher_q = links_of(teacher)
    key = as_query(teacher_q)["teacher"]
    assert as_query(students_q) == {"class": code, **SMALL, "quiz": "1"}
    assert as_query(teacher_q) == {"class": code, "teacher": key}
    assert "teacher" not in teacher.query_params and teacher.query_params["class"] == code

    ann = open_link({"class": code})  # the class code alone opens the class's lesson
    assert ann.session_state[state.QUIZ] and asked(ann)
    assert "your answers go to your teacher" in " ".join(c.value for c in ann.caption)
    first = all_answers(0)
    ann = answer(ann, first)
    saved = rows(db, code)
    assert len(saved) == len(first) and {r.sent_at for r in saved} == {None}
    changed = next(q for q in first if q[0] != "clones")  # its other choice, before Train
    other_choice = next(c for c in quiz.choices(changed[0], CONFIG.schemes) if c != first[changed])
    ann = answer(ann, {changed: other_choice})  # a change before Train: replaced
    kept = [r for r in rows(db, code) if (r.question, r.scheme or None) == changed]
    assert [r.answer for r in kept] == [other_choice]
    assert len(rows(db, code)) == len(first)
    ann = train(ann)
    assert grade_lines(ann)  # the student's own grades, as without a class
    graded = rows(db, code)
    assert all(r.sent_at is not None and r.graded_at is not None for r in graded)
    facts = quiz.facts(initdash.run(CONFIG))  # the same run, in-process
    for r in graded:
        g = quiz.grade(r.question, facts, r.answer, r.scheme or None)
        assert (r.is_right, r.truth.split("|"), r.why) == (g.right, list(g.truths), g.why)

    bob = answer(open_link(as_query(students_q)), all_answers(1))  # answered, no Train
    view = open_link(as_query(teacher_q))
    assert view.session_state[state.PULSE_TEACHER] and "teacher" not in view.query_params
    assert counts(view) == "2 answered  ·  1 trained  ·  1 finished"
    assert "train" not in {b.key for b in view.button}  # the class pulse, not the lesson
    assert "Will its neurons stay clones" in page_text(view)  # the first question, "clones"
    bars, heads = chart_data(view)
    clones = facts.set_index("scheme")["symmetry_broken"]
    lines = dict(zip(heads["row"], heads["measured"], strict=True))
    whys = dict(zip(heads["row"], heads["why"], strict=True))
    for scheme in asked_about("clones"):  # the measured truth beside each scheme's bars
        truth = "no" if clones[scheme] else "yes"  # Ann said yes, Bob no: one of them is right
        assert lines[initdash.SCHEMES[scheme].label] == f"measured: {truth}  ·  1 of 2 right"
        assert (
            whys[initdash.SCHEMES[scheme].label] == quiz.grade("clones", facts, truth, scheme).why
        )
        outlined = bars[(bars.row == initdash.SCHEMES[scheme].label) & bars.truth]
        assert outlined.answer.tolist() == [truth]
    for student in (ann, bob):
        assert key not in page_text(student)
        assert not student.session_state[state.PULSE_TEACHER]


def test_the_students_link_is_as_readable_as_the_share_link(db):
    """Projected to a class: commas stay commas (``schemes=zeros,he_normal``), as in the
    share box."""
    teacher = start_class({**SMALL, "schemes": "zeros,he_normal"})
    _, students_q, _ = links_of(teacher)
    assert "schemes=zeros,he_normal" in students_q and "%2C" not in students_q
    assert as_query(students_q)["schemes"] == "zeros,he_normal"


def test_the_teachers_chart_counts_each_students_answer(db):
    teacher = start_class()
    code, students_q, teacher_q = links_of(teacher)
    choices = [0, 0, 1]  # two students say the first choice, one the second
    for c in choices:
        answer(open_link(as_query(students_q)), all_answers(c))
    view = open_link(as_query(teacher_q))
    bars, _ = chart_data(view)
    got = {(r.row, r.answer): r.students for r in bars.itertuples()}
    for scheme in asked_about("clones"):
        label = initdash.SCHEMES[scheme].label
        assert got[(label, "yes")] == 2 and got[(label, "no")] == 1, got
    assert {row for row, _ in got} == {initdash.SCHEMES[s].label for s in asked_about("clones")}
    view.segmented_control(key="pulse_question").set_value("learns")
    bars, heads = chart_data(ok(view))
    assert heads["row"].tolist() == [initdash.SCHEMES[s].label for s in asked_about("learns")]
    assert bars.students.sum() == 3 * len(asked_about("learns"))


@sqlite_only
def test_an_answer_taken_back_or_new_settings_replace_what_was_saved(db):
    teacher = start_class()
    code, students_q, _ = links_of(teacher)
    given = all_answers(0)
    ann = answer(open_link(as_query(students_q)), given)
    taken = next(iter(given))
    ann = answer(ann, {taken: None})  # an answer taken back (its pill clicked off)
    saved = {(r.question, r.scheme or None) for r in rows(db, code)}
    assert saved == set(given) - {taken}
    ann.session_state[state.widget("seed")] = 3  # other settings before Train
    ann = ok(ann)
    other = pulse.config_hash(ViewInput(CONFIG.replace(seed=3), None, "generated"))
    kept = rows(db, code)  # the boxes kept their answers: now for the new settings only
    assert len(kept) == len(given) - 1 and {r.config_hash for r in kept} == {other}


# ---------------------------------------------------------------------- security
@sqlite_only
def test_a_wrong_code_or_key_costs_time_and_opens_no_teachers_view(db):
    teacher = start_class()
    code, students_q, teacher_q = links_of(teacher)
    key = as_query(teacher_q)["teacher"]
    wrong_code = next(c for c in ("ACDEFH", "ACDEFJ") if c != code)
    t0 = time.monotonic()
    at = open_link({"class": wrong_code})
    took = time.monotonic() - t0
    assert took >= classgate.SESSION_PENALTY  # a miss waits
    assert "there is no class ACD-EF" in warned(at)
    assert state.PULSE_CLASS not in at.session_state and "class" not in at.query_params

    wrong_key = key[:-2] + ("AA" if key[-2:] != "AA" else "BB")
    t0 = time.monotonic()
    at = open_link({"class": code, "teacher": wrong_key})
    assert time.monotonic() - t0 >= classgate.SESSION_PENALTY
    assert "teacher key in this link is not this class's" in warned(at)
    assert at.session_state[state.PULSE_CLASS] == code  # a student's page of the class
    assert not at.session_state[state.PULSE_TEACHER] and counts(at) is None
    assert wrong_key not in page_text(at) and key not in page_text(at)

    for bad in ({"class": "OIL-000"}, {"class": code, "teacher": "short"}):
        at = open_link(bad)
        assert "rejected" in warned(at) and "short" not in warned(at)


@sqlite_only
def test_a_closed_class_keeps_its_results_and_a_deleted_one_is_gone(db):
    teacher = start_class()
    code, students_q, teacher_q = links_of(teacher)
    ann = answer(open_link(as_query(students_q)), all_answers(0))
    teacher.button(key="pulse_close").click()
    teacher = ok(teacher)
    assert "closed: it takes no new answers" in " ".join(c.value for c in teacher.caption)
    ann = answer(ann, all_answers(1))
    assert "this class is closed" in " ".join(i.value for i in ann.info)
    assert grade_lines(train(ann))  # the quiz still works
    assert {r.answer for r in rows(db, code)} == {a for a in all_answers(0).values()}

    csv = teacher.get("download_button")[0]
    assert csv.proto.label == "CSV"
    teacher.button(key="pulse_delete").click()
    teacher = ok(teacher)
    assert rows(db, code) == [] and classstore.find_class(db, code) is None
    assert "class" not in teacher.query_params


# ---------------------------------------------------------------------- the database down
@sqlite_only
def test_with_the_database_down_the_quiz_works_with_a_note(db, monkeypatch):
    """A class link while the database cannot be reached (a PostgreSQL URL where no server
    listens): the student answers and trains as usual, graded, with a clear note and no
    error box."""
    from tests.harness import free_port

    monkeypatch.setenv(pulse.ENV_URL, f"postgresql://nobody@127.0.0.1:{free_port()}/initdash")
    at = open_link({"class": "ACD479", "quiz": "1", **SMALL})
    note = " ".join(i.value for i in at.info)
    assert "Class results unavailable" in note
    at = answer(at, all_answers(0))
    at = train(at)
    assert grade_lines(at) and not at.error and not at.exception
    assert "Class results unavailable" in " ".join(i.value for i in at.info)


@pytest.mark.timeout(300)
def test_a_database_that_stops_mid_class_loses_nothing_once_it_is_back(tmp_path, monkeypatch):
    """A PostgreSQL server of its own stops (as if it crashed) while a student answers: the
    quiz goes on with the note; when it is back, what the student did meanwhile is saved."""
    from tests import pgserver

    if pgserver.find_bin() is None:
        pytest.skip("no PostgreSQL")
    monkeypatch.setattr(pulse, "RETRY_S", 0.2)
    with pgserver.Cluster() as pg:
        monkeypatch.setenv(pulse.ENV_URL, pg.url)
        pulse._server.clear()
        live.clear()
        teacher = start_class()
        code, students_q, _ = links_of(teacher)
        ann = answer(open_link(as_query(students_q)), all_answers(0))
        engine = sa.create_engine(pg.url)
        before = len(rows(engine, code))
        engine.dispose()
        pg.stop("immediate")
        ann = train(ann)  # sent and graded while the database is down
        assert grade_lines(ann) and not ann.error
        assert "Class results unavailable" in " ".join(i.value for i in ann.info)
        pg.restart()
        time.sleep(0.3)
        ann = ok(ann)  # the next script run (any click) sends what is pending
        assert "Class results unavailable" not in " ".join(i.value for i in ann.info)
        engine = sa.create_engine(pg.url)
        back = rows(engine, code)
        engine.dispose()
        assert len(back) == before and all(r.graded_at is not None for r in back)
