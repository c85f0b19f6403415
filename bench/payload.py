"""Bytes of chart data the app sends: per live redraw, per finished view, and per chart spec.

    python bench/payload.py [--epochs N] [--seed S] [--no-browser]

(1) At the websocket, in headless Chromium: every frame the server sends is decoded as
    Streamlit's ForwardMsg and counted as a chart (spec JSON and Arrow dataset bytes), a
    `ref_hash` to a chart the browser has cached (messages >= 10 kB), or anything else;
    (a) during a live run of the default lesson (`?seed=S`, --epochs), from the click on
    "Train" to the finished page, and (b) for each view's tab clicked in turn on the finished
    page (the first view again at the end, to show the cache). Streamlit 1.67 does not
    compress the websocket by default: these are also the bytes on the network.
(2) In-process: each view's own draw() (dashboard/views/) for the same run, its charts
    caught at st.vega_lite_chart; spec bytes, Arrow bytes and rows, build and convert times.
No target: the figures tell whether a redraw or a view is heavier than it needs to be.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field

import _common as C
import pyarrow as pa
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

import initdash
from initdash import TrainConfig


# ------------------------------------------------------------------ websocket frames
@dataclass
class Tally:
    frames: int = 0
    bytes: int = 0
    chart_frames: int = 0
    chart_bytes: int = 0  # whole frames carrying a chart
    spec_bytes: int = 0
    data_bytes: int = 0
    rows: int = 0
    refs: int = 0
    ref_bytes: int = 0
    times: list = field(default_factory=list)

    def add(self, payload) -> None:
        n = len(payload)
        self.frames += 1
        self.bytes += n
        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: count its bytes only
            return
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            self.refs += 1
            self.ref_bytes += n
            return
        if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return
        el = msg.delta.new_element
        if el.WhichOneof("type") != "vega_lite_chart":
            return
        v = el.vega_lite_chart
        self.chart_frames += 1
        self.chart_bytes += n
        self.spec_bytes += len(v.spec.encode())
        blobs = [d.data.data for d in v.datasets] + ([v.data.data] if v.data.data else [])
        self.data_bytes += sum(map(len, blobs))
        self.rows += sum(map(arrow_rows, blobs))
        self.times.append(time.perf_counter())


def arrow_rows(blob: bytes) -> int:
    try:
        return pa.ipc.open_stream(io.BytesIO(blob)).read_all().num_rows
    except Exception:  # noqa: BLE001 - not an Arrow stream: no rows
        return 0


class Wire:
    """Routes every frame the page receives to the current Tally."""

    def __init__(self, page):
        self.current = Tally()
        page.on("websocket", lambda ws: ws.on("framereceived", lambda p: self.current.add(p)))

    def start(self) -> Tally:
        self.current = Tally()
        return self.current


def kb(n: float) -> str:
    return f"{n / 1000:8.1f}"


def browser_part(epochs: int, seed: int, timeout_s: float) -> None:
    from dashboard.views.registry import VIEWS

    q = f"seed={seed}" + (f"&epochs={epochs}" if epochs != TrainConfig().epochs else "")
    with C.server_and_browser() as (url, proc, browser):
        print(
            f"\n(1) at the websocket: server {url} pid {proc.pid}, page {url}/?{q}  [{C.loadavg()}]"
        )
        ctx, page = C.new_page(browser)
        wire = Wire(page)
        t = wire.start()
        page.goto(f"{url}/?{q}")
        C.harness.wait_for_app_idle(page)
        print(
            f"    page load: {t.frames} frames, {kb(t.bytes).strip()} kB (no chart yet: "
            f"{t.chart_frames} chart frames)"
        )

        t = wire.start()
        t0 = time.perf_counter()
        C.click_train(page, timeout_s=timeout_s, polling=50)
        wall = time.perf_counter() - t0
        text = C.progress_text(page)
        per = t.chart_bytes / t.chart_frames if t.chart_frames else 0
        gaps = [b - a for a, b in zip([t0, *t.times[:-1]], t.times, strict=True)]
        print(f"\n    (a) live run, {text!r} ({wall:.1f} s incl. 300 ms quiet)  [{C.loadavg()}]")
        print(f"        all frames        : {t.frames:5d} frames {kb(t.bytes)} kB")
        print(
            f"        chart redraws     : {t.chart_frames:5d} frames {kb(t.chart_bytes)} kB "
            f"(spec {kb(t.spec_bytes).strip()} kB, Arrow data {kb(t.data_bytes).strip()} kB,"
            f" {t.rows} rows)"
        )
        print(
            f"        bytes per redraw  : {kb(per)} kB  ({t.rows / max(t.chart_frames, 1):.0f}"
            f" rows per redraw); cached-chart refs: {t.refs}"
        )
        print(
            "        seconds between redraws (first from the click): "
            + " ".join(f"{g:.2f}" for g in gaps)
        )

        print(
            f"\n    (b) finished page, one tab click per view (each click reruns the script)"
            f"  [{C.loadavg()}]"
        )
        print(
            "        view         | frames | all kB | charts | chart kB | spec kB | data kB |"
            "   rows | refs | ref kB | s to done"
        )
        # the open (first) view came with the live run; visit it last, then come back to
        # it after one other view to show Streamlit's message cache (refs instead of data)
        first = next(iter(VIEWS))
        order = [v for v in VIEWS if v != first] + [first, "signal", first]
        seen = set()
        for name in order:
            view = VIEWS[name]
            t = wire.start()
            t0 = time.perf_counter()
            C.harness.click_view(page, name)
            C.wait_finished(page, view.charts, timeout_s=120, polling=50)
            s = time.perf_counter() - t0 - C.QUIET_MS / 1000
            label = name + (" again" if name in seen else "")
            seen.add(name)
            print(
                f"        {label:12s} | {t.frames:6d} | {kb(t.bytes)} | {t.chart_frames:6d} | "
                f"{kb(t.chart_bytes)} | {kb(t.spec_bytes)[1:]} | {kb(t.data_bytes)[1:]} | "
                f"{t.rows:6d} | {t.refs:4d} | {kb(t.ref_bytes)[2:]} | {s:8.2f}"
            )
        exc = page.locator('[data-testid="stException"]').count()
        if exc:
            print(f"        !! {exc} exception box(es) on the page")


# ------------------------------------------------------------------ in-process
def inprocess_part(epochs: int, seed: int) -> None:
    import logging

    import streamlit as st
    from streamlit import dataframe_util

    from dashboard.views.base import ViewInput
    from dashboard.views.registry import VIEWS

    logging.disable(logging.WARNING)  # Streamlit's bare-mode warnings, one per st call

    config = TrainConfig(seed=seed, epochs=epochs)
    result = initdash.run(config)
    print(
        f"\n(2) in-process: initdash.run(TrainConfig(seed={seed}, epochs={epochs})); each "
        f"view's draw() from dashboard/views/, widgets at defaults  [{C.loadavg()}]"
    )
    # every chart a view sends is a vega_lite_chart call (board.send_chart and the cached
    # templates of board.send_chart_once alike), on st or on a column/container: catch it there
    from streamlit.delta_generator import DeltaGenerator

    caught: list = []
    real_chart, real_st_chart = DeltaGenerator.vega_lite_chart, st.vega_lite_chart
    DeltaGenerator.vega_lite_chart = lambda self, spec, **kw: caught.append(spec)
    st.vega_lite_chart = lambda spec, **kw: caught.append(spec)
    print(
        "        view     | chart | spec bytes | data bytes |  rows | datasets | "
        "draw ms: first, again | convert ms"
    )
    total = {}
    try:
        for name, view in VIEWS.items():
            shown = ViewInput(config, result=result)
            draws = []  # the first draw, then a redraw (as during a live run: cached templates)
            for _ in range(2):
                caught.clear()
                t0 = time.perf_counter()
                view.draw(shown, view.options(shown), st)
                draws.append(time.perf_counter() - t0)
            if not caught:
                print(f"        {name:8s} |     – | (no chart: {name} draws text/tables)")
                continue
            for k, sent in enumerate(caught):
                t1 = time.perf_counter()
                spec = dict(sent)
                data = {
                    k: dataframe_util.convert_anything_to_arrow_bytes(v)
                    for k, v in (spec.pop("datasets", {}) or {}).items()
                }
                conv = time.perf_counter() - t1
                spec_b = len(json.dumps(spec).encode())
                blobs = [v for v in data.values() if isinstance(v, bytes)]
                data_b, rows = sum(map(len, blobs)), sum(map(arrow_rows, blobs))
                tot = total.setdefault(name, [0, 0, 0])
                tot[0] += spec_b
                tot[1] += data_b
                tot[2] += rows
                first, again = (f"{1000 * t:.0f}" for t in draws)
                print(
                    f"        {name:8s} | {k + 1:5d} | {spec_b:10,d} | {data_b:10,d} | {rows:5d} | "
                    f"{len(data):8d} | {first:>9s} {again:>6s} | {1000 * conv:10.0f}"
                )
    finally:
        DeltaGenerator.vega_lite_chart, st.vega_lite_chart = real_chart, real_st_chart
    print(
        "        per view (all its charts): "
        + "; ".join(f"{n} {(s + d) / 1000:.1f} kB ({r} rows)" for n, (s, d, r) in total.items())
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--no-browser", action="store_true", help="only the in-process table")
    args = ap.parse_args()
    from initdash.blas import limit_blas_threads

    limit_blas_threads(1)
    print("initdash payload: chart bytes per redraw, per view, per spec")
    print(f"    commit {C.git_rev()}; os.cpu_count() = {os.cpu_count()}; {C.loadavg()}")
    if not args.no_browser:
        browser_part(args.epochs, args.seed, args.timeout)
    inprocess_part(args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
