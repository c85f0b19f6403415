"""Class pulse storage: classes and their students' quiz answers, in a SQL database.

Every function takes a SQLAlchemy ``Engine`` (the app's comes from ``st.connection``, see
dashboard.pulse; tests and bench/pulse.py make their own), so the same code runs on SQLite and on
PostgreSQL. No Streamlit here. The schema and the connections are in dashboard.classdb; codes,
keys and the lookup gate in dashboard.classgate.

- A **class** has a code and a teacher key (dashboard.classgate; only the key's SHA-256 is
  stored, compared in constant time), the lesson's link and its config hash. It expires
  ``LIFETIME_S`` after it was made and is deleted by :func:`cleanup`.
- An **answer** is one student's (a random id per browser session) answer to one question about
  one scheme, for one run (the student's Train count). A change before Train replaces it (an
  upsert); Train marks it sent; after the run its grade, the run's own answer and why (with the
  measured number) are added.
- Every stored value is checked against what the app can produce (:func:`check_answer`), sizes
  are bounded (``MAX_CLASSES``, ``MAX_ANSWERS``), and every query takes parameters (SQLAlchemy
  Core); the only SQL text is the fixed schema in ``classdb.MIGRATIONS``.
"""

from __future__ import annotations

import functools
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from dashboard.classdb import ANSWER_KEY, MAX_LESSON, MAX_WHY, answers, classes, writing
from dashboard.classgate import CODE_RE, key_hash, new_code, new_key
from initdash.presets import PRESETS
from initdash.quiz import NONE, QUESTIONS
from initdash.schemes import SCHEMES

STUDENT_RE = re.compile(r"[0-9a-f]{16}")
HASH_RE = re.compile(r"[0-9a-f]{16}")
LIFETIME_S = 7 * 24 * 3600  # a class ends a week after it was started
MAX_CLASSES = 1000  # unexpired classes on one server (database)
MAX_ANSWERS = 20_000  # answers in one class (60 students x 12 questions x 25 runs and more)
MAX_RUN = 100_000
ALL = ""  # the scheme column of a question about all the schemes (the race)


class Rejected(ValueError):
    """A value outside the allowed set, or a class that takes no more answers (closed, full,
    gone); the message says which."""


@dataclass(frozen=True)
class ClassInfo:
    code: str
    lesson: str
    config_hash: str
    created_at: float
    expires_at: float
    closed: bool


# ---------------------------------------------------------------------- values
def allowed_answers(question: str) -> tuple[str, ...]:
    """What a question's answer may be: its choices, or for the race any scheme or none."""
    q = QUESTIONS[question]
    return q.choices if q.per_scheme else (*SCHEMES, NONE)


def check_answer(question: str, scheme: str, answer: str) -> None:
    """Rejected unless (question, scheme, answer) is one the quiz can ask and take."""
    if question not in QUESTIONS:
        raise Rejected(f"unknown question {question[:20]!r}")
    per_scheme = QUESTIONS[question].per_scheme
    if (per_scheme and scheme not in SCHEMES) or (not per_scheme and scheme != ALL):
        raise Rejected(f"question {question!r} is not asked about {scheme[:20]!r}")
    if answer not in allowed_answers(question):
        raise Rejected(f"{answer[:20]!r} is not an answer to question {question!r}")


def _check(pattern: re.Pattern, value: object, what: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise Rejected(f"not a {what}")


def _check_run(code: str, student: str, run_no: int, preset: str, config_hash: str) -> None:
    _check(CODE_RE, code, "class code")
    _check(STUDENT_RE, student, "student id")
    _check(HASH_RE, config_hash, "config hash")
    if not isinstance(run_no, int) or isinstance(run_no, bool) or not 0 <= run_no <= MAX_RUN:
        raise Rejected("not a run number")
    if preset != "" and preset not in PRESETS:
        raise Rejected(f"unknown preset {str(preset)[:20]!r}")


# ---------------------------------------------------------------------- classes
def cleanup(engine: sa.Engine, now: float | None = None) -> int:
    """Delete the classes that have expired, with their answers; returns how many."""
    now = time.time() if now is None else now
    with writing(engine) as conn:
        gone = sa.select(classes.c.code).where(classes.c.expires_at <= now)
        conn.execute(answers.delete().where(answers.c.class_code.in_(gone)))
        return conn.execute(classes.delete().where(classes.c.expires_at <= now)).rowcount


def create_class(
    engine: sa.Engine, lesson: str, config_hash: str, now: float | None = None
) -> tuple[str, str]:
    """A new class for this lesson (its link's query): (code, teacher key). Rejected when
    the server already has MAX_CLASSES classes."""
    if not isinstance(lesson, str) or len(lesson) > MAX_LESSON or not lesson.isprintable():
        raise Rejected("the lesson link is too long")
    _check(HASH_RE, config_hash, "config hash")
    now = time.time() if now is None else now
    cleanup(engine, now)
    key = new_key()
    with writing(engine) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(classes)).scalar() >= MAX_CLASSES:
            raise Rejected(
                f"this server has {MAX_CLASSES} classes already; try again when one has ended"
            )
        taken = set(conn.execute(sa.select(classes.c.code)).scalars())
        code = new_code()
        while code in taken:
            code = new_code()
        conn.execute(
            classes.insert().values(
                code=code, key_hash=key_hash(key), lesson=lesson, config_hash=config_hash,
                created_at=now, expires_at=now + LIFETIME_S, closed_at=None,
            )
        )  # fmt: skip
    return code, key


def _info(row) -> ClassInfo:
    return ClassInfo(
        row.code, row.lesson, row.config_hash, row.created_at, row.expires_at,
        row.closed_at is not None,
    )  # fmt: skip


def find_class(engine: sa.Engine, code: str, now: float | None = None) -> ClassInfo | None:
    """The class with this code, unless there is none or it has expired."""
    if not isinstance(code, str) or not CODE_RE.fullmatch(code):
        return None
    now = time.time() if now is None else now
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(classes).where(classes.c.code == code, classes.c.expires_at > now)
        ).first()
    return None if row is None else _info(row)


def check_teacher(
    engine: sa.Engine, code: str, key: str, now: float | None = None
) -> ClassInfo | None:
    """The class if ``key`` is its teacher key (compared in constant time), else None."""
    now = time.time() if now is None else now
    digest = key_hash(str(key))  # computed whatever the code, so a wrong code takes as long
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(classes).where(classes.c.code == str(code), classes.c.expires_at > now)
        ).first()
    stored = row.key_hash if row is not None else "0" * 64
    if not hmac.compare_digest(digest, stored) or row is None:
        return None
    return _info(row)


def close_class(engine: sa.Engine, code: str, now: float | None = None) -> None:
    """No new answers from now on (what was saved stays)."""
    now = time.time() if now is None else now
    with writing(engine) as conn:
        conn.execute(
            classes.update()
            .where(classes.c.code == code, classes.c.closed_at.is_(None))
            .values(closed_at=now)
        )


def delete_class(engine: sa.Engine, code: str) -> None:
    """The class and every answer in it."""
    with writing(engine) as conn:
        conn.execute(answers.delete().where(answers.c.class_code == code))
        conn.execute(classes.delete().where(classes.c.code == code))


# ---------------------------------------------------------------------- answers
def _open_class(conn: sa.Connection, code: str, now: float) -> int:
    """How many answers the class has; Rejected unless it exists, is open and unexpired. On
    PostgreSQL its row is share-locked: saves go side by side, and closing or deleting the
    class waits for the saves under way (and later saves see it closed)."""
    n = (
        sa.select(sa.func.count())
        .select_from(answers)
        .where(answers.c.class_code == code)
        .scalar_subquery()
    )
    row = conn.execute(
        sa.select(classes.c.closed_at, classes.c.expires_at, n.label("answers"))
        .where(classes.c.code == code)
        .with_for_update(read=True, of=classes)
    ).first()
    if row is None or row.expires_at <= now:
        raise Rejected("this class has ended")
    if row.closed_at is not None:
        raise Rejected("this class is closed")
    return row.answers


def save_answers(
    engine: sa.Engine,
    code: str,
    student: str,
    run_no: int,
    preset: str,
    config_hash: str,
    given: Mapping[tuple[str, str], str],
    *,
    sent: bool = False,
    replace: bool = True,
    now: float | None = None,
) -> int:
    """A student's answers for one run, ``{(question, scheme or ALL): answer}``.

    Before Train (``sent`` False) they replace the student's earlier answers for this run
    (upserted; with ``replace``, an answer taken back, or given for other settings, is
    deleted: a caller that knows it only adds or changes answers saves that step). With
    ``sent`` (Train was pressed) they are saved and marked sent; an answer already sent never
    changes. Returns how many were written. Rejected: a value outside the allowed set, a
    class closed, ended or full."""
    _check_run(code, student, run_no, preset, config_hash)
    for (question, scheme), answer in given.items():
        check_answer(question, scheme, answer)
    now = time.time() if now is None else now
    mine = (
        (answers.c.class_code == code) & (answers.c.student == student)
        & (answers.c.run_no == run_no)
    )  # fmt: skip
    with writing(engine) as conn:
        n = _open_class(conn, code, now)
        unsent = answers.c.sent_at.is_(None)
        if replace and not sent:  # what is not given any more goes
            keep = [(q, s) for q, s in given]
            stale = answers.delete().where(mine, unsent)
            if keep:
                stale = stale.where(
                    sa.or_(
                        answers.c.config_hash != config_hash,
                        sa.tuple_(answers.c.question, answers.c.scheme).not_in(keep),
                    )
                )
            conn.execute(stale)
        if not given:
            return 0
        if n + len(given) > MAX_ANSWERS:  # (counted before the stale ones went: a bound)
            raise Rejected(f"this class has its {MAX_ANSWERS} answers: it takes no more")
        rows = [
            dict(
                class_code=code, student=student, run_no=run_no, question=q, scheme=s,
                preset=preset, config_hash=config_hash, answer=a, answered_at=now,
                sent_at=now if sent else None,
            )
            for (q, s), a in given.items()
        ]  # fmt: skip
        conn.execute(_upsert(conn.dialect.name, sent), rows)  # one statement, compiled once
    return len(rows)


@functools.cache
def _upsert(dialect: str, sent: bool):
    """INSERT ... ON CONFLICT (the answer's key) DO UPDATE ... WHERE not sent yet: the
    dialect's own (SQLite and PostgreSQL both have it). Sending keeps the answer's time."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(answers)
    new = stmt.excluded
    update = {"answer": new.answer, "preset": new.preset, "config_hash": new.config_hash,
              "sent_at": new.sent_at}  # fmt: skip
    if not sent:
        update["answered_at"] = new.answered_at
    return stmt.on_conflict_do_update(
        index_elements=ANSWER_KEY, set_=update, where=answers.c.sent_at.is_(None)
    )


@dataclass(frozen=True)
class Graded:
    """What the run said about one answer (initdash.quiz.Grade, as stored)."""

    question: str
    scheme: str  # ALL for the race
    right: bool
    truths: tuple[str, ...]
    why: str


def save_grades(
    engine: sa.Engine,
    code: str,
    student: str,
    run_no: int,
    grades: list[Graded],
    now: float | None = None,
) -> int:
    """The grades of a run's sent answers (each answer graded once); returns how many."""
    _check(CODE_RE, code, "class code")
    _check(STUDENT_RE, student, "student id")
    for g in grades:
        if not g.truths:
            raise Rejected("a grade without the run's answer")
        for t in g.truths:
            check_answer(g.question, g.scheme, t)
        if not isinstance(g.why, str) or len(g.why) > MAX_WHY or not g.why.isprintable():
            raise Rejected("the why of a grade is too long")
    now = time.time() if now is None else now
    done = 0
    with writing(engine) as conn:
        _open_class(conn, code, now)
        for g in grades:
            done += conn.execute(
                answers.update()
                .where(
                    answers.c.class_code == code, answers.c.student == student,
                    answers.c.run_no == run_no, answers.c.question == g.question,
                    answers.c.scheme == g.scheme, answers.c.sent_at.is_not(None),
                    answers.c.graded_at.is_(None),
                )
                .values(graded_at=now, is_right=bool(g.right), truth="|".join(g.truths), why=g.why)
            ).rowcount  # fmt: skip
    return done


# ---------------------------------------------------------------------- the teacher's view
def _latest(code: str):
    """Each student's latest answer to each question about each scheme (per config)."""
    a = answers.alias("a")
    newest = (
        sa.select(
            answers.c.student, answers.c.config_hash, answers.c.question, answers.c.scheme,
            sa.func.max(answers.c.run_no).label("run_no"),
        )
        .where(answers.c.class_code == code)
        .group_by(answers.c.student, answers.c.config_hash, answers.c.question, answers.c.scheme)
        .subquery()
    )  # fmt: skip
    on = sa.and_(
        a.c.class_code == code, a.c.student == newest.c.student,
        a.c.config_hash == newest.c.config_hash, a.c.question == newest.c.question,
        a.c.scheme == newest.c.scheme, a.c.run_no == newest.c.run_no,
    )  # fmt: skip
    return a, a.join(newest, on)


def tally(engine: sa.Engine, code: str) -> pd.DataFrame:
    """Per config, question, scheme and answer: how many students gave it (each student's
    latest answer counts once). Columns config_hash, question, scheme, answer, students."""
    a, joined = _latest(code)
    query = (
        sa.select(a.c.config_hash, a.c.question, a.c.scheme, a.c.answer,
                  sa.func.count().label("students"))
        .select_from(joined)
        .group_by(a.c.config_hash, a.c.question, a.c.scheme, a.c.answer)
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["config_hash", "question", "scheme", "answer", "students"])


def truths(engine: sa.Engine, code: str) -> pd.DataFrame:
    """What the students' finished runs measured, per config, question and scheme: the most
    often recorded answer and its why. Columns config_hash, question, scheme, truth, why, runs."""
    query = (
        sa.select(answers.c.config_hash, answers.c.question, answers.c.scheme, answers.c.truth,
                  sa.func.min(answers.c.why).label("why"), sa.func.count().label("runs"))
        .where(answers.c.class_code == code, answers.c.graded_at.is_not(None))
        .group_by(answers.c.config_hash, answers.c.question, answers.c.scheme, answers.c.truth)
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    cols = ["config_hash", "question", "scheme", "truth", "why", "runs"]
    table = pd.DataFrame(rows, columns=cols).sort_values("runs", ascending=False, kind="stable")
    return table.drop_duplicates(["config_hash", "question", "scheme"]).reset_index(drop=True)


def counts(engine: sa.Engine, code: str, config_hash: str | None = None) -> dict[str, int]:
    """How many students answered, trained (pressed Train with their answers) and finished
    (their run ended and was graded); optionally for one config only."""
    where = [answers.c.class_code == code]
    if config_hash is not None:
        where.append(answers.c.config_hash == config_hash)
    distinct = sa.func.count(sa.distinct(answers.c.student))
    query = sa.select(
        distinct.label("answered"),
        distinct.filter(answers.c.sent_at.is_not(None)).label("trained"),
        distinct.filter(answers.c.graded_at.is_not(None)).label("finished"),
    ).where(*where)
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return {"answered": row.answered, "trained": row.trained, "finished": row.finished}


def export(engine: sa.Engine, code: str) -> pd.DataFrame:
    """Every answer of the class, for the CSV download (times in UTC)."""
    cols = [c for c in answers.c if c.name != "class_code"]
    query = (
        sa.select(*cols)
        .where(answers.c.class_code == code)
        .order_by(answers.c.student, answers.c.run_no, answers.c.question, answers.c.scheme)
    )
    with engine.connect() as conn:
        table = pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in cols])
    for col in ("answered_at", "sent_at", "graded_at"):
        table[col] = pd.to_datetime(table[col], unit="s", utc=True)
    return table
