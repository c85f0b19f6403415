"""Class pulse storage: classes and their students' quiz answers, in a SQL database.

Every function takes a SQLAlchemy ``Engine`` (the app's comes from ``st.connection``, see
dashboard.pulse; tests and bench/pulse.py make their own), so the same code runs on SQLite and on
PostgreSQL. No Streamlit here.

- A **class** has a code (``CODE_LENGTH`` characters from ``ALPHABET``: no look-alikes such as
  0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G), a teacher key (``secrets.token_urlsafe``; only its SHA-256
  is stored, compared in constant time), the lesson's link and its config hash. It expires
  ``LIFETIME_S`` after it was made and is deleted by :func:`cleanup`.
- An **answer** is one student's (a random id per browser session) answer to one question about
  one scheme, for one run (the student's Train count). A change before Train replaces it (an
  upsert); Train marks it sent; after the run its grade, the run's own answer and why (with the
  measured number) are added.
- Every stored value is checked against what the app can produce (:func:`check_answer`), sizes
  are bounded (``MAX_CLASSES``, ``MAX_ANSWERS``), and every query takes parameters (SQLAlchemy
  Core); the only SQL text is the fixed schema in ``MIGRATIONS``.
- :class:`Gate` meters lookups of class codes and teacher keys, so codes cannot be guessed fast.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import re
import secrets
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

from initdash.presets import PRESETS
from initdash.quiz import NONE, QUESTIONS
from initdash.schemes import SCHEMES

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # easy to read aloud and to type: no look-alike pairs
CODE_LENGTH = 6  # 22**6 = 113 million codes
CODE_RE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32): 256 random bits
STUDENT_RE = re.compile(r"[0-9a-f]{16}")
HASH_RE = re.compile(r"[0-9a-f]{16}")
LIFETIME_S = 7 * 24 * 3600  # a class ends a week after it was started
MAX_CLASSES = 1000  # unexpired classes on one server (database)
MAX_ANSWERS = 20_000  # answers in one class (60 students x 12 questions x 25 runs and more)
MAX_RUN = 100_000
MAX_LESSON = 2000  # characters of the lesson link's query
MAX_WHY = 400
ALL = ""  # the scheme column of a question about all the schemes (the race)

# The schema, as ordered steps: step i brings a database from version i to i + 1. Never edit
# a step that has shipped; add one. (Fixed text: no value is ever formatted into SQL.)
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE classes (
            code VARCHAR(8) PRIMARY KEY,
            key_hash VARCHAR(64) NOT NULL,
            lesson VARCHAR(2000) NOT NULL,
            config_hash VARCHAR(16) NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            closed_at DOUBLE PRECISION
        )""",
        "CREATE INDEX classes_expiry ON classes (expires_at)",
        """CREATE TABLE answers (
            class_code VARCHAR(8) NOT NULL REFERENCES classes (code),
            student VARCHAR(16) NOT NULL,
            run_no INTEGER NOT NULL,
            question VARCHAR(16) NOT NULL,
            scheme VARCHAR(16) NOT NULL,
            preset VARCHAR(32) NOT NULL,
            config_hash VARCHAR(16) NOT NULL,
            answer VARCHAR(32) NOT NULL,
            answered_at DOUBLE PRECISION NOT NULL,
            sent_at DOUBLE PRECISION,
            graded_at DOUBLE PRECISION,
            is_right BOOLEAN,
            truth VARCHAR(200),
            why VARCHAR(400),
            PRIMARY KEY (class_code, student, run_no, question, scheme)
        )""",
        # the teacher's view: one class, one config, grouped by question and scheme
        "CREATE INDEX answers_pulse ON answers (class_code, config_hash, question, scheme)",
    ),
)
VERSION = len(MIGRATIONS)

_meta = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
)
classes = sa.Table(
    "classes",
    _meta,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("lesson", sa.String(MAX_LESSON), nullable=False),
    sa.Column("config_hash", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float),
)
answers = sa.Table(
    "answers",
    _meta,
    sa.Column("class_code", sa.String(8), primary_key=True),
    sa.Column("student", sa.String(16), primary_key=True),
    sa.Column("run_no", sa.Integer, primary_key=True),
    sa.Column("question", sa.String(16), primary_key=True),
    sa.Column("scheme", sa.String(16), primary_key=True),
    sa.Column("preset", sa.String(32), nullable=False),
    sa.Column("config_hash", sa.String(16), nullable=False),
    sa.Column("answer", sa.String(32), nullable=False),
    sa.Column("answered_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    sa.Column("graded_at", sa.Float),
    sa.Column("is_right", sa.Boolean),
    sa.Column("truth", sa.String(200)),
    sa.Column("why", sa.String(MAX_WHY)),
)
ANSWER_KEY = ("class_code", "student", "run_no", "question", "scheme")


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


# ---------------------------------------------------------------------- codes, keys, values
def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_key() -> str:
    return secrets.token_urlsafe(32)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def normal_code(text: str) -> str | None:
    """A class code as typed ('acd-479', 'ACD 479') in its stored form, or None if it cannot
    be one."""
    code = re.sub(r"[\s-]", "", str(text)).upper()
    return code if CODE_RE.fullmatch(code) else None


def shown_code(code: str) -> str:
    """ACD479 -> ACD-479: read aloud in two halves."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


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


# ---------------------------------------------------------------------- connections
def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we say BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
        cur.execute(f"PRAGMA {pragma}")  # fixed text
    cur.close()


def _sqlite_begin(conn) -> None:
    # A write starts with BEGIN IMMEDIATE: it waits for the write lock up front (busy_timeout)
    # instead of failing when a read transaction later tries to write.
    conn.exec_driver_sql(
        "BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN"
    )


def engine_options(url: str) -> dict:
    """create_engine's arguments for the app (and the bench): never show values in errors;
    fail fast when the server is down; enough pooled connections for a class saving at once."""
    if url.startswith("sqlite"):
        return {"hide_parameters": True, "connect_args": {"timeout": 10}}
    return {
        "hide_parameters": True,
        "pool_pre_ping": True,  # a restarted server's dead connections are replaced
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 5,
        "connect_args": {"connect_timeout": 3},
    }


def prepare(engine: sa.Engine) -> None:
    """SQLite: WAL, a busy timeout and explicit transactions (once per engine; before its
    first connection). PostgreSQL needs nothing."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


_sqlite_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def _writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction (committed at the end, rolled back on an error).

    SQLite takes one writer at a time: this process's writers queue on a lock first, and the
    next one goes as soon as the last commits (SQLite's own busy wait polls with growing
    sleeps, which cost a class of 60 over 200 ms at the 95th percentile)."""
    if engine.dialect.name == "sqlite":
        lock = _sqlite_writers.setdefault(engine, threading.Lock())
    else:
        lock = contextlib.nullcontext()
    with lock, engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            yield conn


def setup(engine: sa.Engine) -> int:
    """Prepare the engine and bring the schema to VERSION (each missing step in order, in one
    transaction, under a lock so that replicas starting together migrate once). Returns the
    version found before."""
    prepare(engine)
    with _writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x1D1A5)))
        schema_version.create(conn, checkfirst=True)
        found = conn.execute(sa.select(schema_version.c.version)).scalar()
        if found is None:
            found = 0
            conn.execute(schema_version.insert().values(id=1, version=0))
        for steps in MIGRATIONS[found:]:
            for statement in steps:
                conn.exec_driver_sql(statement)
        conn.execute(schema_version.update().values(version=VERSION))
    return found


# ---------------------------------------------------------------------- classes
def cleanup(engine: sa.Engine, now: float | None = None) -> int:
    """Delete the classes that have expired, with their answers; returns how many."""
    now = time.time() if now is None else now
    with _writing(engine) as conn:
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
    with _writing(engine) as conn:
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
                code=code, key_hash=_key_hash(key), lesson=lesson, config_hash=config_hash,
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
    digest = _key_hash(str(key))  # computed whatever the code, so a wrong code takes as long
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
    with _writing(engine) as conn:
        conn.execute(
            classes.update()
            .where(classes.c.code == code, classes.c.closed_at.is_(None))
            .values(closed_at=now)
        )


def delete_class(engine: sa.Engine, code: str) -> None:
    """The class and every answer in it."""
    with _writing(engine) as conn:
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
    with _writing(engine) as conn:
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
    with _writing(engine) as conn:
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


# ---------------------------------------------------------------------- guessing codes
LOOKUP_SPACING = 0.02  # lookups let through one after another, at most 50 per second
MISS_COST = 1.0  # a wrong code or key holds every next lookup back by this much (1 per second)
MAX_WAIT = 4.0  # a lookup that would wait longer is refused: at most 200 queued at once
SESSION_PENALTY = 1.0  # a session's own wait after its n-th miss: this x 2**(n-1) ...
SESSION_PENALTY_CAP = 30.0  # ... up to this


class Gate:
    """Meters the lookups of class codes and teacher keys on one server, so that codes cannot
    be guessed quickly: every lookup waits its turn (``LOOKUP_SPACING`` apart: a class of 60
    joining at once waits about a second), and every miss pushes all later turns back by
    ``MISS_COST``; when the queue is ``MAX_WAIT`` long, lookups are refused. So guesses fired
    all at once get at most MAX_WAIT / LOOKUP_SPACING turns (their misses are known only
    after), and then the misses' debt holds everyone back: on average at most one wrong
    guess a second, however many sessions make them. The session that missed also waits its
    own penalty, doubling with each of its misses. Thread-safe; time is injectable."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def turn(self) -> float | None:
        """Seconds this lookup must wait for its turn, or None: refused, the queue is full."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next)
            if at - now > MAX_WAIT:
                return None
            self._next = at + LOOKUP_SPACING
            return at - now

    def miss(self, misses_in_session: int) -> float:
        """Record a wrong code or key; returns the seconds the missing session waits."""
        with self._lock:
            self._next = max(self._next, self._clock()) + MISS_COST
        return min(SESSION_PENALTY * 2 ** max(misses_in_session - 1, 0), SESSION_PENALTY_CAP)
