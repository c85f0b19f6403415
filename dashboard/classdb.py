"""The class pulse's database: its schema (ordered migration steps and SQLAlchemy Core tables)
and its connections (SQLite's settings and write lock; the app's engine options).

Every function takes a SQLAlchemy ``Engine``, so the same code runs on SQLite and on
PostgreSQL. No Streamlit here; dashboard.classstore reads and writes classes and answers.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event

MAX_LESSON = 2000  # characters of the lesson link's query
MAX_WHY = 400

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
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
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
    with writing(engine) as conn:
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
