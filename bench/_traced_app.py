"""streamlit_app.py with timers around its parts (for `app_speed.py --trace`); not a benchmark.

Run as the Streamlit script instead of streamlit_app.py. It wraps -- without changing them --
``live.advance`` (the training slices), ``summary.headline``, every chart builder in
``dashboard/views/*_charts.py``, ``board.send_chart`` (spec conversion, Arrow, protobuf,
hashing, enqueue) and the Result tables, and logs one JSON line per call to the file
named by $INITDASH_BENCH_TRACE: wall seconds, this thread's CPU seconds (wall - CPU = time spent
waiting for the GIL or a core), epochs advanced. Garbage collections (gen 2) are logged too.
Then it calls ``streamlit_app.main()``.
"""

from __future__ import annotations

import functools
import gc
import importlib
import inspect
import json
import os
import pkgutil
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import dashboard.views  # noqa: E402
import streamlit_app as app  # noqa: E402
from dashboard import board, live  # noqa: E402
from dashboard.views import summary  # noqa: E402
from initdash import Result  # noqa: E402

LOG = os.environ.get("INITDASH_BENCH_TRACE", "/tmp/initdash-trace.jsonl")
_lock = threading.Lock()


def _write(rec: dict) -> None:
    rec["t"] = time.time()
    rec["thread"] = threading.current_thread().name
    with _lock, open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def _timed(name: str, fn, epochs_of=None):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        e0 = epochs_of(args) if epochs_of else None
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            rec = {"ev": name, "wall": time.perf_counter() - t0, "cpu": time.thread_time() - c0}
            if epochs_of:
                rec["epochs"] = epochs_of(args) - e0
                rec["slice"] = args[1] if len(args) > 1 else kwargs.get("seconds")
            _write(rec)

    wrapper.__initdash_traced__ = True
    return wrapper


_gc_t0: dict[int, float] = {}


def _gc_cb(phase: str, info: dict) -> None:
    tid = threading.get_ident()
    if phase == "start":
        _gc_t0[tid] = time.perf_counter()
    elif tid in _gc_t0 and info.get("generation") == 2:
        _write({"ev": "gc2", "wall": time.perf_counter() - _gc_t0.pop(tid)})


def _chart_modules() -> list:
    """Every chart-builder module of the views (dashboard/views/*_charts.py)."""
    names = [m.name for m in pkgutil.iter_modules(dashboard.views.__path__)]
    return [importlib.import_module(f"dashboard.views.{n}") for n in names if n.endswith("_charts")]


def _builds_chart(module, name: str, fn) -> bool:
    """A public function defined in ``module`` that returns a chart or a chart's tables."""
    if not inspect.isfunction(fn) or name.startswith("_") or fn.__module__ != module.__name__:
        return False
    return "Chart" in str(fn.__annotations__.get("return")) or name.endswith(("_table", "_tables"))


def install() -> None:
    if getattr(live.advance, "__initdash_traced__", False):
        return  # already wrapped (the script runs again on every rerun; modules stay)
    live.advance = _timed("advance", live.advance, epochs_of=lambda a: a[0].result.epochs_done)
    summary.headline = _timed("headline", summary.headline)
    board.send_chart = _timed("st.altair_chart", board.send_chart)
    board.send_chart_once = _timed("board.send_chart_once", board.send_chart_once)
    live.train_first = _timed("train_first", live.train_first)
    for module in _chart_modules():
        short = module.__name__.rsplit(".", 1)[1]
        for name, fn in list(vars(module).items()):
            if _builds_chart(module, name, fn):
                setattr(module, name, _timed(f"{short}.{name}", fn))
    for name in ("summary", "curves_table", "weights_table", "layer_table", "boundary_table"):
        setattr(Result, name, _timed(f"Result.{name}", getattr(Result, name)))
    gc.callbacks.append(_gc_cb)


install()
_write({"ev": "script_start"})
app.main()
_write({"ev": "script_end"})
