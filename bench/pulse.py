"""Class pulse saves under a class: 60 students answering within 10 s, on SQLite and PostgreSQL.

    python bench/pulse.py [--students 60] [--within 10] [--db sqlite postgresql] [--pg-url URL]

Each student is a thread (as each Streamlit session's script runs in its own thread) that
answers the default lesson's 16 questions one click at a time, CLICK_S apart, starting at a
random moment so that the whole class's answers fall within ``--within`` seconds. Every click
saves the student's answers so far (dashboard.classstore.save_answers, an upsert: what the app
does on each change before Train); then Train sends them, and the run's grades are saved. The
engines are made as the app makes them (dashboard.pulse.engine_options). SQLite: a new file in
a temporary folder. PostgreSQL: ``--pg-url`` (an empty database), or a throwaway server of our
own with the default durability (fsync, synchronous commit), Debian's postgresql
(tests/pgserver.py).

Prints, per database: saves made, their time p50 / p95 / max (ms), answers expected and found
(every answer of every student, sent and graded: none lost), and the wall time. Target: no
answer lost and p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the repository root: initdash, dashboard, tests, bench
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

import initdash  # noqa: E402
from bench import _common as C  # noqa: E402
from dashboard import classdb  # noqa: E402
from dashboard import classstore as cs  # noqa: E402
from initdash import quiz  # noqa: E402

CLICK_S = 0.25  # a student's answers come this far apart (a click on each answer box)
CONFIG = initdash.TrainConfig()
QUESTIONS = [(q, s or cs.ALL) for q, s in quiz.questions_for(None, CONFIG)]


def student_answers(rng: random.Random) -> dict:
    return {(q, s): rng.choice(cs.allowed_answers(q) if s == cs.ALL else quiz.QUESTIONS[q].choices)
            for q, s in QUESTIONS}  # fmt: skip


def class_of(engine, students: int, within: float, seed: int = 0) -> dict:
    """Run one class against ``engine``; return the figures."""
    classdb.setup(engine)
    code, _ = cs.create_class(engine, "quiz=1", "0" * 16)
    rng = random.Random(seed)
    span = len(QUESTIONS) * CLICK_S
    plans = [
        (f"{i:016x}", rng.uniform(0, max(within - span, 0.0)), student_answers(rng))
        for i in range(students)
    ]
    times: list[float] = []
    lock = threading.Lock()
    t0 = time.perf_counter() + 0.2

    def timed(fn, *args, **kwargs) -> None:
        start = time.perf_counter()
        fn(engine, *args, **kwargs)
        took = time.perf_counter() - start
        with lock:
            times.append(took)

    def student(plan) -> None:
        sid, start, answers = plan
        given: dict = {}
        for k, (q, a) in enumerate(answers.items()):
            time.sleep(max(0.0, t0 + start + k * CLICK_S - time.perf_counter()))
            given[q] = a
            # as the page does (dashboard.pulse): answers only added, nothing to delete
            timed(cs.save_answers, code, sid, 1, "", "0" * 16, dict(given), replace=False)
        timed(cs.save_answers, code, sid, 1, "", "0" * 16, given, sent=True)  # Train
        grades = [cs.Graded(q, s, True, (a,), "the run's number") for (q, s), a in given.items()]
        timed(cs.save_grades, code, sid, 1, grades)

    with ThreadPoolExecutor(students) as pool:
        list(pool.map(student, plans))
    wall = time.perf_counter() - t0
    counts = cs.counts(engine, code)
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(sa.func.count())
            .select_from(classdb.answers)
            .where(classdb.answers.c.class_code == code, classdb.answers.c.graded_at.is_not(None))
        ).scalar()
    expected = students * len(QUESTIONS)
    tally = cs.tally(engine, code)
    want = {}
    for _, _, answers in plans:
        for (q, s), a in answers.items():
            want[(q, s, a)] = want.get((q, s, a), 0) + 1
    got = {(r.question, r.scheme, r.answer): r.students for r in tally.itertuples()}
    ms = [t * 1000 for t in times]
    return {
        "saves": len(ms), "p50": C.median(ms), "p95": C.pct(ms, 95), "max": max(ms),
        "expected": expected, "found": found, "tally_ok": got == want, "wall": wall,
        "counts": counts,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=60)
    ap.add_argument("--within", type=float, default=10.0, help="seconds the answers fall within")
    ap.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                    choices=["sqlite", "postgresql"])  # fmt: skip
    ap.add_argument("--pg-url", help="an empty PostgreSQL database (default: a server of our own)")
    args = ap.parse_args(argv)
    print(f"== class pulse: {args.students} students answering {len(QUESTIONS)} questions "
          f"within {args.within:g} s ==")  # fmt: skip
    print(f"   commit {C.git_rev()}; {C.loadavg()}")
    print(f"{'database':<12} {'saves':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'answers':>9} {'found':>7} {'tally':>6} {'wall s':>7}")  # fmt: skip
    for db in args.db:
        cluster, folder = None, None
        if db == "sqlite":
            folder = tempfile.TemporaryDirectory(prefix="initdash-bench-")
            url = f"sqlite:///{folder.name}/classes.sqlite"
        elif args.pg_url:
            url = args.pg_url
        else:
            from tests import pgserver

            if pgserver.find_bin() is None:
                print(f"{db:<12} skipped: no PostgreSQL (apt-get install postgresql)")
                continue
            cluster = pgserver.Cluster(durable=True).start()
            url = cluster.url
        engine = sa.create_engine(url, **classdb.engine_options(url))
        try:
            r = class_of(engine, args.students, args.within)
        finally:
            engine.dispose()
            if cluster is not None:
                cluster.remove()
            if folder is not None:
                folder.cleanup()
        print(f"{db:<12} {r['saves']:>6} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} "
              f"{r['expected']:>9} {r['found']:>7} {'ok' if r['tally_ok'] else 'WRONG':>6} "
              f"{r['wall']:>7.1f}")  # fmt: skip
        n = r["counts"]
        print(f"{'':<12} students answered / trained / finished: "
              f"{n['answered']} / {n['trained']} / {n['finished']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
