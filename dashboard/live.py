"""Runs: start, train in slices between redraws, stop; shared by every session that asks.
Also the page's other caches: generated and uploaded data, the curves before the first Train.

A session's run lives in ``st.session_state["run"]``, so a click anywhere (which interrupts the
script) never loses it: the next script run picks the trainer up where it stopped.

A class opening the same link trains once. Every session that presses Train with the same
config and data gets the same :class:`SharedRun` (a process-wide registry, ``st.cache_resource``,
bounded): whichever session's script holds the run's lock trains the next slice, the others
draw what it has reached, so twenty simultaneous clicks cost one training. Training is
deterministic, so who drives it never changes a number. Stop detaches only the session that
pressed it (it keeps a stopped copy). Finished results are kept for later visitors (_finished).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

import initdash
from initdash import Data, Result, TrainConfig, Trainer, cost
from initdash.blas import limit_blas_threads

CACHE_ENTRIES = 32
CACHE_TTL = 3600  # seconds
LIVE_ENTRIES = 8  # runs in progress kept shareable at once
# A run in progress counts toward the server's load (initdash.cost.SERVER_SECONDS) while some
# session drives it: trained or joined within the last ACTIVE seconds (a slice is shorter).
ACTIVE = 15.0

# One training slice at a time per server process: the other runs wait their turn (blocked,
# without the interpreter lock) and take the next slice, instead of all contending for the
# lock at once, which made every Train cost more CPU the more there were (bench/load.py
# scenario b, 45 students: 0.8 CPU s per Train and p95 3.1 s with one slot; 1.5-3.2 s and
# p95 17-86 s with none; 1.4 s and p95 12-13 s with two).
TRAINING_SLOTS = 1
_training_slots = threading.BoundedSemaphore(TRAINING_SLOTS)

# Pacing of a live run (train_live): train at least MIN_SLICE seconds between two redraws, and
# let drawing take at most DRAW_SHARE of the time. A redraw costs the browser about twice what
# it costs the server (bench/app_speed.py --trace), so a redraw's server time counts
# REDRAW_COST times. With less than FINISH_QUIETLY seconds of training left, finish first.
MIN_SLICE = 0.5
DRAW_SHARE = 0.3
REDRAW_COST = 3.0
FINISH_QUIETLY = 1.0
# A run predicted to take less than TRAIN_FIRST seconds is trained before the page is drawn
# (train_first): a live run that short shows one frame between its first and its last anyway.
TRAIN_FIRST = 0.75
# What a student waits: the predicted CPU seconds (initdash.cost) times the slowdown this
# server measured (LiveRuns.slowdown): wall time from Train over the predicted seconds of the
# epochs trained, over the last RECENT_RUNS runs it trained that ended within RECENT_S
# seconds and the runs in progress past half their epochs, once they add up to at least
# RECENT_MIN_S predicted seconds (a few tiny runs are noise).
RECENT_RUNS = 10
RECENT_S = 600.0
RECENT_MIN_S = 0.3


@dataclass(eq=False)
class SharedRun:
    """One training run in progress, shared by the sessions that asked for it."""

    key: str
    trainer: Trainer | None
    result: Result
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    sessions: int = 1
    touched: float = field(default_factory=time.monotonic)
    seconds: float = 0.0  # predicted CPU seconds of the whole run (initdash.cost)
    cpu: float = 0.0  # CPU seconds its training has taken so far (the training threads')
    timed_out: bool = False  # stopped at the classroom limit (cost.CLASSROOM_SECONDS)
    created: float = field(default_factory=time.monotonic)  # when Train made it

    def seconds_left(self) -> float:
        """Predicted seconds still to train (0 when finished)."""
        t = self.trainer
        if t is None or t.result.finished:
            return 0.0
        return self.seconds * (1.0 - t.epoch / t.config.epochs)


@dataclass(frozen=True)
class Slowdown:
    """How much longer than predicted the recent runs took on this server, Train to finished
    (drawing, waiting for the training slot and the other runs included): ``factor``, their
    wall seconds over their predicted seconds, and the smallest and largest ratio of one run."""

    factor: float
    low: float
    high: float
    runs: int


class ServerBusy(Exception):
    """A new run would take the server over its limit of training in progress at once."""


class LiveRuns:
    """The registry of runs in progress: run key -> SharedRun, at most LIVE_ENTRIES."""

    def __init__(self) -> None:
        self._runs: dict[str, SharedRun] = {}
        self._lock = threading.Lock()
        self._ended: deque[tuple[float, float, float]] = deque(maxlen=RECENT_RUNS)

    def ended(self, wall: float, predicted: float) -> None:
        """A run ended after ``wall`` seconds from Train; it was predicted to take
        ``predicted`` seconds (of the epochs it trained)."""
        if predicted > 0 and wall > 0:
            with self._lock:
                self._ended.append((time.monotonic(), wall, predicted))

    def slowdown(self) -> Slowdown | None:
        """The slowdown of the recent runs and of those in progress past half their epochs (so
        far), None when they add up to too few predicted seconds to tell."""
        now = time.monotonic()
        with self._lock:
            recent = [(w, p) for t, w, p in self._ended if now - t < RECENT_S]
            for r in self._runs.values():
                t = r.trainer
                if t is not None and t.epoch >= t.config.epochs / 2 and now - r.touched < ACTIVE:
                    recent.append((now - r.created, r.seconds * t.epoch / t.config.epochs))
        predicted = sum(p for _, p in recent)
        if predicted < RECENT_MIN_S:
            return None
        ratios = [w / p for w, p in recent]
        wall = sum(w for w, _ in recent)
        return Slowdown(wall / predicted, min(ratios), max(ratios), len(recent))

    def join(self, key: str, make, seconds: float = 0.0) -> SharedRun:
        """The run in progress for ``key`` (one more session watching it), or a new one (of
        ``seconds`` predicted): ServerBusy if the runs in progress that sessions are driving
        would then need more than cost.SERVER_SECONDS together."""
        with self._lock:
            shared = self._runs.get(key)
            if shared is not None and shared.trainer is not None:
                shared.sessions += 1
                shared.touched = time.monotonic()
                return shared
            now = time.monotonic()
            active = [r for r in self._runs.values() if now - r.touched < ACTIVE]
            left = sum(r.seconds_left() for r in active)
            if active and left + seconds > cost.SERVER_SECONDS:
                raise ServerBusy(
                    f"The server is busy: {len(active)} run{'s' * (len(active) > 1)} in "
                    f"progress still {'need' if len(active) > 1 else 'needs'} about "
                    f"{cost.duration(left)} of training, and this one "
                    f"about {cost.duration(seconds)}: over the {cost.duration(cost.SERVER_SECONDS)}"
                    " this server trains at once. Press Train again in a few seconds, or choose "
                    "a smaller setting."
                )
            shared = make()
            shared.seconds = seconds
            self._runs[key] = shared
            while len(self._runs) > LIVE_ENTRIES:  # forget the run untouched the longest
                oldest = min(self._runs.values(), key=lambda s: s.touched)
                del self._runs[oldest.key]
            return shared

    def drop(self, shared: SharedRun) -> None:
        with self._lock:
            if self._runs.get(shared.key) is shared:
                del self._runs[shared.key]

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()
            self._ended.clear()


@st.cache_resource(show_spinner=False)
def one_blas_thread() -> bool:
    """initdash.blas.limit_blas_threads(1), once per server process (it reads the process's
    memory map, ~2 ms, and OpenBLAS's thread count is process-wide)."""
    return limit_blas_threads(1)


@st.cache_resource(show_spinner=False)
def live_runs() -> LiveRuns:
    """The process-wide registry (one per server, shared by its sessions)."""
    return LiveRuns()


@dataclass(eq=False)
class Run:
    """This session's run: a shared run in progress, or a result of its own (loaded from the
    cache of finished runs, or stopped by this session)."""

    config: TrainConfig
    data_key: str
    shared: SharedRun | None = None
    own: Result | None = None
    started: float = field(default_factory=time.perf_counter)
    wall: float | None = None  # seconds from Train to the finished result
    from_cache: bool = False

    @property
    def result(self) -> Result:
        return self.own if self.own is not None else self.shared.result

    @property
    def trainer(self) -> Trainer | None:
        """The trainer while this session's run is in progress, else None."""
        return None if self.own is not None else self.shared.trainer

    @property
    def finished(self) -> bool:
        return self.result.finished

    @property
    def sessions(self) -> int:
        """How many sessions asked for this run while it was in progress."""
        return self.shared.sessions if self.shared is not None and self.own is None else 1


class _NotCached(Exception):
    pass


@st.cache_resource(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _finished(run_key: str, _result: Result | None = None) -> Result:
    """The cache of finished runs: a miss (no ``_result``) raises and caches nothing. A
    resource cache: every session reads the one finished Result (nothing changes it), where a
    data cache pickled it when stored (~2% of the server's CPU per Train, py-spy) and made an
    unpickled copy for every session that loaded it."""
    if _result is None:
        raise _NotCached
    return _result


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def generated_data(config: TrainConfig) -> Data:
    return initdash.make_data(config)


@st.cache_data(max_entries=8, ttl=CACHE_TTL, show_spinner=False)
def csv_data(raw: bytes, seed: int, test_fraction: float) -> Data:
    """An uploaded CSV file, read and split (as the config asks: its seed and test fraction)."""
    X, y, features, classes = initdash.load_csv(io.BytesIO(raw))
    return initdash.prepare(
        X, y, test_fraction=test_fraction, seed=seed, feature_names=features, class_names=classes
    )


@st.cache_data(max_entries=64, ttl=CACHE_TTL, show_spinner=False)
def _initial_curves(key: str, _config: TrainConfig, _data: Data | None) -> pd.DataFrame:
    return initdash.initial_curves(_config, generated_data(_config) if _data is None else _data)


def initial_curves(config: TrainConfig, data: Data | None, data_key: str) -> pd.DataFrame:
    """``initdash.initial_curves`` for the page before Train, cached by run key (config and
    data): a few rows, computed once per setting a class looks at."""
    return _initial_curves(run_key(config, data_key), config, data)


def clear() -> None:
    """Forget every finished and in-progress run (tests; a server's caches are per process)."""
    _finished.clear()
    _initial_curves.clear()
    live_runs().clear()


def run_key(config: TrainConfig, data_key: str) -> str:
    text = json.dumps({"config": config.to_dict(), "data": data_key}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def start(config: TrainConfig, data: Data | None, data_key: str) -> Run:
    """This session's new run: the finished result if cached, else the shared run in
    progress for this config and data, else a fresh trainer that others can join (ServerBusy
    if the server already trains as much as it takes at once)."""
    t0 = time.perf_counter()
    key = run_key(config, data_key)
    try:
        return Run(config, data_key, own=_finished(key), started=t0, wall=0.0, from_cache=True)
    except _NotCached:
        pass

    def make() -> SharedRun:
        trainer = Trainer(config, generated_data(config) if data is None else data)
        return SharedRun(key, trainer, trainer.result)

    shared = live_runs().join(key, make, cost.seconds(config, data))
    return Run(config, data_key, shared=shared, started=t0)


def is_finished(config: TrainConfig, data_key: str) -> bool:
    """Whether this server has the finished run of this config and data (Train loads it)."""
    try:
        _finished(run_key(config, data_key))
    except _NotCached:
        return False
    return True


def advance(run: Run, seconds: float) -> None:
    """Train for about ``seconds`` (at least one epoch), unless another session is training
    this shared run right now: then wait for its slice and carry on from there."""
    shared = run.shared
    if run.own is None and shared is not None:
        with _training_slots, shared.lock:
            trainer = shared.trainer
            if trainer is not None and not trainer.result.finished:
                c0 = time.thread_time()
                trainer.advance(seconds=min(seconds, cost.CLASSROOM_SECONDS - shared.cpu))
                shared.cpu += time.thread_time() - c0
                shared.touched = time.monotonic()
                if not trainer.result.finished and shared.cpu >= cost.CLASSROOM_SECONDS:
                    # the prediction was too low (a run can slow down as it trains, e.g. on
                    # tiny numbers): no run takes more than the limit; it stops, for everyone
                    trainer.stop()
                    shared.timed_out = True
                elif trainer.result.finished:
                    _finished(shared.key, _result=trainer.result)
                if trainer.result.finished:
                    shared.trainer = None
                    live_runs().drop(shared)
                    done = trainer.epoch / trainer.config.epochs
                    live_runs().ended(time.monotonic() - shared.created, shared.seconds * done)
    if run.finished and run.wall is None:
        run.wall = time.perf_counter() - run.started


def seconds_left(run: Run) -> float:
    """Training time still to go, at the speed so far (inf before the first epoch)."""
    t = run.trainer
    if t is None or run.finished:
        return 0.0
    done = t.epoch
    if done == 0 or t.elapsed <= 0:
        return float("inf")
    return (run.config.epochs - done) * t.elapsed / done


def stop(run: Run) -> None:
    """End this session's run early; the result keeps what was trained. A shared run goes on
    for the other sessions: this one keeps a stopped copy."""
    shared = run.shared
    if run.own is not None or shared is None:
        return
    with shared.lock:
        trainer = shared.trainer
        if trainer is None or trainer.result.finished:
            return
        trainer.net._spaces.clear()  # buffers are remade on demand: don't copy them
        run.own = copy.deepcopy(trainer).stop()
    _leave(shared)
    run.wall = time.perf_counter() - run.started


def leave(run: Run) -> None:
    """This session no longer watches its run (a new Train replaces it). A shared run goes on
    for the other sessions; one nobody watches is forgotten, so the next Train of the same
    settings starts from epoch 0 rather than where the abandoned run got to."""
    if run.own is None and run.shared is not None and not run.finished:
        _leave(run.shared)


def _leave(shared: SharedRun) -> None:
    with shared.lock:
        shared.sessions = max(shared.sessions - 1, 0)
        alone = shared.sessions == 0
    if alone:
        live_runs().drop(shared)


def progress(run: Run) -> tuple[float, str]:
    r = run.result
    E = run.config.epochs
    done = r.epochs_done
    if run.from_cache:
        return 1.0, f"Loaded a finished run of this exact configuration ({E} epochs)."
    elapsed = run.wall if run.wall is not None else time.perf_counter() - run.started
    if r.finished and r.stopped and run.shared is not None and run.shared.timed_out:
        return done / E, (
            f"Stopped at epoch {done} of {E} after {elapsed:.1f} s: the run reached the "
            f"classroom limit of {cost.duration(cost.CLASSROOM_SECONDS)} of training (it was "
            f"predicted to take {cost.duration(run.shared.seconds)})."
        )
    if r.finished and r.stopped:
        return done / E, f"Stopped at epoch {done} of {E} after {elapsed:.1f} s."
    if r.finished:
        return 1.0, f"Trained {E} epochs in {elapsed:.1f} s."
    others = run.sessions - 1
    shared = f" · {others} other session{'s' * (others > 1)} joined this run" if others else ""
    return done / E, f"Training: epoch {done} of {E} · {elapsed:.1f} s{shared}"


def train_first(run: Run) -> None:
    """Train a run predicted to end within TRAIN_FIRST seconds (initdash.cost) to the end
    before the page draws anything: one draw of the finished run instead of one at epoch 0 and
    one at the end (the default lesson and every preset: each draw of a view costs the server
    about as much CPU as a tenth of the run). On a busy machine it gives up after a few slices
    and the page draws the run where it got to, live as usual."""
    shared = run.shared
    if run.finished or shared is None or run.own is not None:
        return
    if shared.seconds_left() >= TRAIN_FIRST:
        return
    t_end = time.perf_counter() + 2 * TRAIN_FIRST
    while not run.finished and time.perf_counter() < t_end:
        advance(run, FINISH_QUIETLY)


def train_live(run: Run, redraw: Callable[[], None]) -> None:
    """Train in slices; between slices call ``redraw`` (progress, cards, the open view).

    Drawing (server and browser) takes at most DRAW_SHARE of the time: the slice grows when a
    redraw is slow, and a run about to end finishes before the next redraw. A click anywhere
    interrupts this loop, but the run lives in session state and the next script run picks
    it up here.
    """
    slice_s = MIN_SLICE
    while True:
        advance(run, slice_s)
        if run.finished:
            return
        if seconds_left(run) < FINISH_QUIETLY:
            slice_s = FINISH_QUIETLY
            continue
        t0 = time.perf_counter()
        redraw()
        draw_s = REDRAW_COST * (time.perf_counter() - t0)
        slice_s = max(MIN_SLICE, draw_s * (1 - DRAW_SHARE) / DRAW_SHARE)
