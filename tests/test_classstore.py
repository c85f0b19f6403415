"""Class pulse storage (dashboard/classstore.py), every test on SQLite and on a real PostgreSQL
server (tests/pgserver.py): the schema and its version, classes (codes, keys, closing, expiry),
answers (upserts before Train, sent, graded), the teacher's tallies, the allowed values and the
bounds, concurrent saves, and the gate that meters code lookups."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from dashboard import classdb, classgate
from dashboard import classstore as cs
from dashboard.classstore import ALL, Graded, Rejected
from initdash.quiz import NONE, QUESTIONS
from initdash.schemes import SCHEMES

HASH, OTHER = "0123456789abcdef", "fedcba9876543210"
ANN, BOB = "00000000000000a1", "00000000000000b2"
T0 = 1_800_000_000.0  # a fixed "now"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'classes.sqlite'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    e = sa.create_engine(url)
    assert classdb.setup(e) == 0  # a new database: every step ran
    yield e
    e.dispose()


def new_class(engine, now=T0):
    return cs.create_class(engine, "preset=clones&quiz=1", HASH, now=now)


def save(engine, code, student, given, run_no=1, chash=HASH, **kw):
    return cs.save_answers(engine, code, student, run_no, "", chash, given, now=T0 + 1, **kw)


def tally(engine, code) -> dict:
    t = cs.tally(engine, code)
    return {(r.config_hash, r.question, r.scheme, r.answer): r.students for r in t.itertuples()}


# ---------------------------------------------------------------------- the schema
def test_setup_versions_the_schema_once_with_the_teachers_index(engine):
    assert classdb.setup(engine) == classdb.VERSION  # already there: nothing to do
    with engine.connect() as conn:
        versions = conn.execute(sa.select(classdb.schema_version.c.version)).scalars().all()
    assert versions == [classdb.VERSION]
    inspector = sa.inspect(engine)
    for table in (classdb.classes, classdb.answers):  # the Core tables describe what the steps made
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.c.keys())
    key = inspector.get_pk_constraint("answers")["constrained_columns"]
    assert set(key) == set(classdb.ANSWER_KEY)
    index = {i["name"]: i["column_names"] for i in inspector.get_indexes("answers")}
    assert index["answers_pulse"] == ["class_code", "config_hash", "question", "scheme"]
    assert "classes_expiry" in {i["name"] for i in inspector.get_indexes("classes")}


def test_replicas_starting_together_migrate_once(engine):
    """Four engines (as four replicas) run setup at the same time on a new database: one
    migrates, the others find it done (PostgreSQL: an advisory lock; SQLite: the write lock)."""
    url = engine.url
    with engine.begin() as conn:  # back to an empty database
        for table in ("answers", "classes", "schema_version"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
    engines = [sa.create_engine(url) for _ in range(4)]
    start = threading.Barrier(4)

    def go(e):
        start.wait()
        return classdb.setup(e)

    with ThreadPoolExecutor(4) as pool:
        found = sorted(pool.map(go, engines))
    assert found == [0, classdb.VERSION, classdb.VERSION, classdb.VERSION]
    for e in engines:
        e.dispose()


# ---------------------------------------------------------------------- classes
def test_a_class_has_a_short_code_and_a_long_key_stored_only_as_a_hash(engine):
    code, key = new_class(engine)
    assert classgate.CODE_RE.fullmatch(code) and not set(code) & set("0O1IL2Z5S8B6G")
    assert len(key) == 43 and classgate.KEY_RE.fullmatch(key)
    with engine.connect() as conn:
        rows = [tuple(map(str, r)) for r in conn.execute(sa.select(classdb.classes)).all()]
    assert not any(key in cell for row in rows for cell in row)  # only its SHA-256
    info = cs.find_class(engine, code, now=T0 + 1)
    assert info.lesson == "preset=clones&quiz=1" and info.config_hash == HASH and not info.closed
    assert cs.check_teacher(engine, code, key, now=T0 + 1) == info
    for wrong in (key[:-1] + ("A" if key[-1] != "A" else "B"), "", "x" * 43):
        assert cs.check_teacher(engine, code, wrong, now=T0 + 1) is None
    other, _ = new_class(engine)
    assert other != code and cs.check_teacher(engine, other, key, now=T0 + 1) is None
    assert cs.find_class(engine, "ACDEFH" if code != "ACDEFH" else "ACDEFJ") is None
    assert cs.find_class(engine, "'; DROP TABLE classes; --") is None


def test_codes_as_typed(engine):
    assert classgate.normal_code(" acd-479 ") == "ACD479" == classgate.normal_code("ACD 479")
    assert classgate.shown_code("ACD479") == "ACD-479"
    for bad in ("ACD47", "ACD4790", "ACD470", "OIL123", "ACD-47!"):
        assert classgate.normal_code(bad) is None


def test_a_closed_class_takes_no_answers_and_a_deleted_one_keeps_none(engine):
    code, _ = new_class(engine)
    save(engine, code, ANN, {("clones", "zeros"): "yes"})
    cs.close_class(engine, code, now=T0 + 2)
    assert cs.find_class(engine, code, now=T0 + 3).closed
    with pytest.raises(Rejected, match="closed"):
        save(engine, code, BOB, {("clones", "zeros"): "no"})
    assert tally(engine, code) == {(HASH, "clones", "zeros", "yes"): 1}  # what was saved stays
    cs.delete_class(engine, code)
    assert cs.find_class(engine, code) is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(classdb.answers)).scalar() == 0
    with pytest.raises(Rejected, match="ended"):
        save(engine, code, ANN, {("clones", "zeros"): "yes"})


def test_a_class_expires_after_a_week_and_is_cleaned_up(engine):
    old, _ = new_class(engine, now=T0)
    young, _ = new_class(engine, now=T0 + 3600)
    save(engine, old, ANN, {("clones", "zeros"): "yes"})
    week = cs.LIFETIME_S
    assert cs.find_class(engine, old, now=T0 + week - 1) is not None
    assert cs.find_class(engine, old, now=T0 + week) is None  # expired: as good as gone
    with pytest.raises(Rejected, match="ended"):
        cs.save_answers(engine, old, BOB, 1, "", HASH, {("clones", "zeros"): "no"}, now=T0 + week)
    assert cs.cleanup(engine, now=T0 + week) == 1
    assert cs.find_class(engine, young, now=T0 + week) is not None
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(classdb.answers)).scalar() == 0


# ---------------------------------------------------------------------- answers
def test_a_change_before_train_replaces_the_answer_and_a_sent_one_stays(engine):
    code, _ = new_class(engine)
    save(engine, code, ANN, {("clones", "zeros"): "yes", ("race", ALL): "xavier_normal"})
    save(engine, code, ANN, {("clones", "zeros"): "no", ("race", ALL): "xavier_normal"})
    assert tally(engine, code) == {
        (HASH, "clones", "zeros", "no"): 1,
        (HASH, "race", ALL, "xavier_normal"): 1,
    }
    save(engine, code, ANN, {("clones", "zeros"): "no"})  # the race answer taken back
    assert tally(engine, code) == {(HASH, "clones", "zeros", "no"): 1}
    assert save(engine, code, ANN, {("clones", "zeros"): "no"}, sent=True) == 1  # Train
    save(engine, code, ANN, {("clones", "zeros"): "yes"})  # too late: it was sent
    save(engine, code, ANN, {("clones", "zeros"): "yes"}, sent=True)
    assert tally(engine, code) == {(HASH, "clones", "zeros", "no"): 1}
    assert cs.counts(engine, code) == {"answered": 1, "trained": 1, "finished": 0}


def test_other_settings_replace_the_runs_answers_before_train(engine):
    """A student who changes the settings before Train answers new questions: the answers
    for the old settings go."""
    code, _ = new_class(engine)
    save(engine, code, ANN, {("clones", "zeros"): "yes", ("learns", "zeros"): "no"})
    save(engine, code, ANN, {("clones", "he_normal"): "no"}, chash=OTHER)
    assert tally(engine, code) == {(OTHER, "clones", "he_normal", "no"): 1}


def test_each_students_latest_run_counts_once_and_grades_give_the_truth(engine):
    code, _ = new_class(engine)
    save(engine, code, ANN, {("clones", "zeros"): "no"}, run_no=1, sent=True)
    save(engine, code, ANN, {("clones", "zeros"): "yes"}, run_no=2, sent=True)  # changed mind
    save(engine, code, BOB, {("clones", "zeros"): "yes"}, run_no=1)
    assert tally(engine, code) == {(HASH, "clones", "zeros", "yes"): 2}
    truth = Graded("clones", "zeros", True, ("yes",), "1 of 16 neurons distinct")
    assert cs.save_grades(engine, code, ANN, 2, [truth], now=T0 + 5) == 1
    assert cs.save_grades(engine, code, ANN, 2, [truth], now=T0 + 6) == 0  # graded once
    assert cs.save_grades(engine, code, BOB, 1, [truth], now=T0 + 6) == 0  # not sent: no grade
    t = cs.truths(engine, code)
    assert t[["question", "scheme", "truth", "why", "runs"]].values.tolist() == [
        ["clones", "zeros", "yes", "1 of 16 neurons distinct", 1]
    ]
    assert cs.counts(engine, code) == {"answered": 2, "trained": 1, "finished": 1}
    assert cs.counts(engine, code, OTHER) == {"answered": 0, "trained": 0, "finished": 0}
    out = cs.export(engine, code)
    assert len(out) == 3 and set(out.student) == {ANN, BOB}
    graded = out[out.graded_at.notna()].iloc[0]
    assert (graded.run_no, graded.answer, graded.is_right, graded.truth) == (2, "yes", True, "yes")


# ---------------------------------------------------------------------- allowed values, bounds
BAD_ANSWERS = [
    ({("nope", "zeros"): "yes"}, "unknown question"),
    ({("clones", "not_a_scheme"): "yes"}, "not asked about"),
    ({("clones", ALL): "yes"}, "not asked about"),  # a per-scheme question needs a scheme
    ({("race", "zeros"): "zeros"}, "not asked about"),  # the race is about all of them
    ({("clones", "zeros"): "maybe"}, "not an answer"),
    ({("gradient", "zeros"): "yes"}, "not an answer"),
    ({("race", ALL): "'); DROP TABLE answers; --"}, "not an answer"),
]


@pytest.mark.parametrize("given, why", BAD_ANSWERS)
def test_every_stored_answer_is_one_the_quiz_can_take(engine, given, why):
    code, _ = new_class(engine)
    with pytest.raises(Rejected, match=why):
        save(engine, code, ANN, given)
    assert tally(engine, code) == {}


def test_every_other_stored_value_is_checked(engine):
    code, _ = new_class(engine)
    ok = {("clones", "zeros"): "yes"}
    calls = {
        "class code": lambda: cs.save_answers(engine, "ACD47!", ANN, 1, "", HASH, ok),
        "student id": lambda: cs.save_answers(engine, code, "Ann Smith", 1, "", HASH, ok),
        "config hash": lambda: cs.save_answers(engine, code, ANN, 1, "", "x" * 16, ok),
        "run number": lambda: cs.save_answers(engine, code, ANN, -1, "", HASH, ok),
        "run number ": lambda: cs.save_answers(engine, code, ANN, True, "", HASH, ok),
        "unknown preset": lambda: cs.save_answers(engine, code, ANN, 1, "mine", HASH, ok),
        "why of a grade": lambda: cs.save_grades(
            engine, code, ANN, 1, [Graded("clones", "zeros", True, ("yes",), "x" * 401)]
        ),
        "not an answer": lambda: cs.save_grades(
            engine, code, ANN, 1, [Graded("clones", "zeros", True, ("perhaps",), "why")]
        ),
        "lesson link": lambda: cs.create_class(engine, "x" * (classdb.MAX_LESSON + 1), HASH),
    }
    for what, call in calls.items():
        with pytest.raises(Rejected, match=what.strip()):
            call()
    assert tally(engine, code) == {}


def test_every_answer_the_quiz_offers_is_taken(engine):
    code, _ = new_class(engine)
    given = {}
    for name, q in QUESTIONS.items():
        if q.per_scheme:
            for k, scheme in enumerate(SCHEMES):
                given[(name, scheme)] = q.choices[k % len(q.choices)]
        else:
            given[(name, ALL)] = NONE
    assert save(engine, code, ANN, given) == len(given)
    assert sum(tally(engine, code).values()) == len(given)


def test_a_lesson_link_is_stored_as_given_whatever_it_holds(engine):
    """Values travel as parameters: text that looks like SQL is just text."""
    lesson = "preset=clones&x=');DROP TABLE classes;--"
    code, _ = cs.create_class(engine, lesson, HASH)
    assert cs.find_class(engine, code).lesson == lesson


def test_sizes_are_bounded(engine, monkeypatch):
    monkeypatch.setattr(cs, "MAX_ANSWERS", 3)
    code, _ = new_class(engine)
    save(engine, code, ANN, {("clones", "zeros"): "yes", ("clones", "he_normal"): "no"})
    with pytest.raises(Rejected, match="takes no more"):
        save(engine, code, BOB, {("clones", "zeros"): "yes", ("clones", "he_normal"): "no"})
    save(engine, code, BOB, {("clones", "zeros"): "yes"})  # the third fits
    monkeypatch.setattr(cs, "MAX_CLASSES", 2)
    new_class(engine)
    with pytest.raises(Rejected, match="has 2 classes already"):
        new_class(engine)


# ---------------------------------------------------------------------- concurrent saves
def test_a_class_answering_at_once_loses_no_answer(engine):
    """30 students save their answers at the same moment (8 threads), then press Train:
    every answer is there once (bench/pulse.py measures 60 students and the times)."""
    code, _ = new_class(engine)
    students = [f"{i:016x}" for i in range(30)]
    given = {(q, s): "yes" for q in ("clones", "learns") for s in ("zeros", "he_normal")}

    def student(sid):
        save(engine, code, sid, given)
        save(engine, code, sid, given, sent=True)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(student, students))
    assert cs.counts(engine, code) == {"answered": 30, "trained": 30, "finished": 0}
    assert set(tally(engine, code).values()) == {30} and len(tally(engine, code)) == 4


# ---------------------------------------------------------------------- the gate
class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_the_gate_lets_a_class_in_quickly_and_wrong_codes_only_slowly():
    clock = Clock()
    gate = classgate.Gate(clock)
    waits = [gate.turn() for _ in range(60)]  # a class of 60 joins at the same moment
    assert waits[0] == 0 and max(waits) == pytest.approx(59 * classgate.LOOKUP_SPACING)
    clock.t += 10
    # misses: each holds every later lookup back by MISS_COST; the session's own penalty doubles
    assert [gate.miss(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert gate.turn() == pytest.approx(3 * classgate.MISS_COST)
    assert gate.miss(10) == classgate.SESSION_PENALTY_CAP
    # guessing from many sessions, one after another: about one wrong code a second, then
    # refused
    tried = 0
    while gate.turn() is not None:
        gate.miss(1)
        tried += 1
    assert tried <= classgate.MAX_WAIT / classgate.MISS_COST
    clock.t += 60  # a minute later the queue has drained
    assert gate.turn() == 0
    # all at once (the misses known only after): a bounded burst, then a long wait
    clock.t += 60
    burst = 0
    while gate.turn() is not None:
        burst += 1
    assert burst <= classgate.MAX_WAIT / classgate.LOOKUP_SPACING + 1
    for _ in range(burst):
        gate.miss(1)
    clock.t += burst * classgate.MISS_COST - 1
    assert gate.turn() is None  # still refused: the burst's misses cost a second each
    clock.t += 1.5
    assert gate.turn() is not None
