"""Runs in a session: start, train in slices between redraws, stop, and a shared cache.

A run lives in ``st.session_state["run"]``, so a click anywhere (which interrupts the script)
never loses it: the next script run picks the trainer up where it stopped. Finished results go
into a bounded ``st.cache_data`` cache keyed by the config, so a class opening the same link
trains once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

import initdash
from initdash import Data, Result, TrainConfig, Trainer

CACHE_ENTRIES = 32
CACHE_TTL = 3600  # seconds


@dataclass
class Run:
    """One training run of this session."""

    config: TrainConfig
    data_key: str
    result: Result
    trainer: Trainer | None = None  # None once finished
    started: float = field(default_factory=time.perf_counter)
    wall: float | None = None  # seconds from Train to the finished result
    from_cache: bool = False
    # Streamlit's fast reruns start the next script run (after a click) while the previous
    # one may still be inside advance(): the two take turns on the trainer through this lock.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        return self.result.finished


class _NotCached(Exception):
    pass


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _finished(run_key: str, _result: Result | None = None) -> Result:
    """The cache of finished runs: a miss (no ``_result``) raises and caches nothing."""
    if _result is None:
        raise _NotCached
    return _result


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def generated_data(config: TrainConfig) -> Data:
    return initdash.make_data(config)


def run_key(config: TrainConfig, data_key: str) -> str:
    text = json.dumps({"config": config.to_dict(), "data": data_key}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def start(config: TrainConfig, data: Data | None, data_key: str) -> Run:
    """A new run: from the cache when this exact run is there, else a fresh trainer."""
    t0 = time.perf_counter()
    try:
        result = _finished(run_key(config, data_key))
        return Run(config, data_key, result, None, t0, 0.0, from_cache=True)
    except _NotCached:
        pass
    trainer = Trainer(config, generated_data(config) if data is None else data)
    return Run(config, data_key, trainer.result, trainer, t0)


def advance(run: Run, seconds: float) -> None:
    """Train for about ``seconds`` (at least one epoch)."""
    with run.lock:
        if run.trainer is not None and not run.finished:
            run.trainer.advance(seconds=seconds)
            if run.finished:
                _done(run)


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
    """End early; the result keeps what was trained."""
    with run.lock:
        if run.trainer is not None and not run.finished:
            run.trainer.stop()
            _done(run, cache=False)


def _done(run: Run, cache: bool = True) -> None:
    run.wall = time.perf_counter() - run.started
    if cache:
        _finished(run_key(run.config, run.data_key), _result=run.result)
    run.trainer = None


def progress(run: Run) -> tuple[float, str]:
    r = run.result
    E = run.config.epochs
    done = r.epochs_done
    if run.from_cache:
        return 1.0, f"Loaded a finished run of this exact configuration ({E} epochs)."
    elapsed = run.wall if run.wall is not None else time.perf_counter() - run.started
    if r.finished and r.stopped:
        return done / E, f"Stopped at epoch {done} of {E} after {elapsed:.1f} s."
    if r.finished:
        return 1.0, f"Trained {E} epochs in {elapsed:.1f} s."
    return done / E, f"Training: epoch {done} of {E} · {elapsed:.1f} s"
