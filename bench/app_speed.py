"""App vs core: how much longer does a Train click take in the real app than the bare training?

    python bench/app_speed.py [--epochs N] [--reps 5] [--sweep] [--pin] [--trace]

App: one `streamlit run streamlit_app.py` (not restarted; one warm-up Train with seed 0),
driven by headless Chromium; each repetition opens `<url>/?seed=S` (S = 1..reps, so the run
cache never hits) in a FRESH browser context. Times are taken inside the page
(bench/_common.py: INIT_JS, DONE_JS) from the click on "Train" to the first chart redrawn, the
first progress text, and the finished page ("Trained", the app idle, every chart drawn, for
300 ms; the time is when that STARTED to hold). Also printed: the app's own "Trained N epochs
in X s", and the CPU seconds of the server and of the browser during the run, from /proc.
Core: `initdash.run(TrainConfig(seed=S, epochs=N))` in this process with one BLAS thread (as
the app); the script checks the link's config is that one.

--pin: the server (and the core runs) on CPU 0, Chromium on CPU 1 (a student's browser runs
on their own machine). --trace: serve bench/_traced_app.py and print where its time went.
Target: median app / median core <= 1.5. --sweep adds epochs 1000, 2000 and 5000 and fits
app = fixed + per_epoch * epochs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import parse_qs

import _common as C

import initdash
from dashboard.links import parse_query
from initdash import TrainConfig
from initdash.blas import limit_blas_threads

TARGET = 1.5
DEFAULT_EPOCHS = TrainConfig().epochs


VIEW = None  # --view: the view the link opens (default: the app's own first view)


def link(seed: int, epochs: int) -> str:
    """The link's query: the default lesson with the seed (and the epochs) changed."""
    return f"seed={seed}" + (f"&epochs={epochs}" if epochs != DEFAULT_EPOCHS else "")


def link_config(seed: int, epochs: int) -> TrainConfig:
    shared = parse_query(parse_qs(link(seed, epochs)))
    expected = TrainConfig(seed=seed, epochs=epochs)
    if shared.config != expected or shared.warnings:
        raise SystemExit(f"link config differs from TrainConfig(seed={seed}, epochs={epochs})")
    return expected


def app_once(browser, base: str, seed: int, epochs: int, timeout_s: float, server_pid: int):
    ctx, page = C.new_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{base}/?{link(seed, epochs)}" + (f"&view={VIEW}" if VIEW else ""))
        C.harness.wait_for_app_idle(page)
        s0 = C.tree_cpu(C.proc_tree(server_pid))
        b0 = C.tree_cpu(C.browser_pids(server_pid))
        t_py = time.perf_counter()
        C.click_train(page, timeout_s=timeout_s)
        py_wall = time.perf_counter() - t_py
        # CPU from the click to the end of the 300 ms quiet period (idle then: adds ~nothing)
        s_cpu = C.tree_cpu(C.proc_tree(server_pid)) - s0
        b_cpu = C.tree_cpu(C.browser_pids(server_pid)) - b0
        b = page.evaluate("() => window.__bench")
        text = C.progress_text(page)
        exc = page.locator('[data-testid="stException"]').count()
    finally:
        ctx.close()
    click = b["click"]
    live = [t for t, s in b["progress"] if s.startswith("Training")]
    return {
        "app": (b["doneSince"] - click) / 1000,
        "py_wall": py_wall,
        "first_chart": None if b["firstChart"] is None else (b["firstChart"] - click) / 1000,
        "first_progress": (b["progress"][0][0] - click) / 1000 if b["progress"] else None,
        "live_updates": len(live),
        "reported": C.reported_seconds(text),
        "server_cpu": s_cpu,
        "browser_cpu": b_cpu,
        "errors": errors + ([f"{exc} exception box(es)"] if exc else []),
    }


def core_once(seed: int, epochs: int) -> tuple[float, float]:
    """(wall, CPU) seconds of initdash.run for the link's config."""
    config = link_config(seed, epochs)
    t0, c0 = time.perf_counter(), time.thread_time()
    initdash.run(config)
    return time.perf_counter() - t0, time.thread_time() - c0


def fmt(xs) -> str:
    return " ".join("  –  " if x is None else f"{x:5.2f}" for x in xs)


def measure(browser, base, epochs, reps, timeout_s, server_pid) -> dict:
    print(f"\n== default lesson, epochs={epochs}, {reps} repetitions (seeds 1..{reps}) ==")
    print(f"   before: {C.loadavg()}")
    rows, cores, core_cpu = [], [], []
    for i in range(reps):
        seed = i + 1
        r = app_once(browser, base, seed, epochs, timeout_s, server_pid)
        time.sleep(0.5)  # let the browser settle before timing the core
        c, ccpu = core_once(seed, epochs)
        rows.append(r)
        cores.append(c)
        core_cpu.append(ccpu)
        first = r["first_chart"] if r["first_chart"] is not None else float("nan")
        print(
            f"   rep {i + 1} seed {seed}: app {r['app']:6.3f} s  core {c:6.3f} s  "
            f"ratio {r['app'] / c:5.2f} | in-app training {r['reported'] or 0:5.2f} s, "
            f"first chart {first:5.2f} s, live updates {r['live_updates']}, CPU s: server "
            f"{r['server_cpu']:4.2f} browser {r['browser_cpu']:4.2f} core {ccpu:4.2f}"
            + (f"  ERRORS {r['errors']}" if r["errors"] else "")
            + f"  [{C.loadavg()}]"
        )
    app = [r["app"] for r in rows]
    med_app, med_core = C.median(app), C.median(cores)
    firsts = [r["first_chart"] for r in rows if r["first_chart"] is not None]
    reported = [r["reported"] for r in rows if r["reported"] is not None]
    out = {
        "epochs": epochs,
        "app": med_app,
        "core": med_core,
        "ratio": med_app / med_core,
        "reported": C.median(reported),
        "first": C.median(firsts) if firsts else None,
        "server_cpu": C.median([r["server_cpu"] for r in rows]),
        "browser_cpu": C.median([r["browser_cpu"] for r in rows]),
        "core_cpu": C.median(core_cpu),
        "errors": sum(len(r["errors"]) for r in rows),
    }
    print(f"   app (click -> finished page), s    : {fmt(app)}   median {med_app:.3f}")
    print(f"   in-app training (app's own text), s: {fmt(reported)}   median {out['reported']:.3f}")
    print(f"   core (initdash.run, same seeds), s : {fmt(cores)}   median {med_core:.3f}")
    print(f"   click -> first live chart, s       : {fmt([r['first_chart'] for r in rows])}")
    print(f"   click -> first progress text, s    : {fmt([r['first_progress'] for r in rows])}")
    print(f"   python-side wall (+300 ms quiet), s: {fmt([r['py_wall'] for r in rows])}")
    print(
        f"   CPU s per run: server {fmt([r['server_cpu'] for r in rows])} | browser "
        f"{fmt([r['browser_cpu'] for r in rows])} | core {fmt(core_cpu)}"
    )
    print(
        f"   RATIO app/core (medians) = {out['ratio']:.2f}  (target <= {TARGET}: "
        f"{'met' if out['ratio'] <= TARGET else 'MISSED'});  in-app training / core = "
        f"{out['reported'] / med_core:.2f};  after the last epoch until the page is done ~ "
        f"{med_app - out['reported']:.2f} s"
    )
    print(f"   after: {C.loadavg()}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sweep", action="store_true", help="also epochs 1000, 2000, 5000")
    ap.add_argument("--pin", action="store_true", help="server+core on CPU 0, Chromium on CPU 1")
    ap.add_argument("--trace", action="store_true", help="serve bench/_traced_app.py and report")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    ap.add_argument("--view", help="the view the link opens, e.g. curves (default: the first)")
    args = ap.parse_args()
    global VIEW
    VIEW = args.view

    threads = limit_blas_threads(1)
    print("initdash app speed: click Train -> finished page, vs the bare core")
    print(
        f"   python {sys.version.split()[0]}, os.cpu_count() = {os.cpu_count()}, "
        f"OpenBLAS limited to 1 thread in this process: {threads}"
    )
    print(f"   commit {C.git_rev()}; {C.loadavg()}")
    initdash.run(TrainConfig(epochs=20))  # core warm-up

    trace = C.new_trace() if args.trace else None
    results = []
    with C.server_and_browser(trace) as (url, proc, browser):
        served = f"traced: {C.TRACED_APP}" if trace else "streamlit_app.py"
        print(
            f"   server {url} pid {proc.pid} ({served}); fresh browser context per repetition, "
            "distinct seeds, no restart"
        )
        if args.pin:
            C.pin_apart(proc.pid, with_self=True)
            print("   pinned: server + this process (core runs) -> CPU 0; Chromium -> CPU 1")
        w = app_once(browser, url, 0, args.epochs, args.timeout, proc.pid)
        print(
            f"   warm-up (seed 0, not counted): app {w['app']:.3f} s, first chart "
            f"{w['first_chart']:.2f} s"
        )
        if trace:
            open(trace, "w").close()  # the trace covers the measured runs only
        epochs_list = [args.epochs]
        if args.sweep:
            epochs_list += [e for e in (1000, 2000, 5000) if e != args.epochs]
        for e in epochs_list:
            results.append(measure(browser, url, e, args.reps, args.timeout, proc.pid))
    if trace:
        C.print_trace(trace)

    print(f"\n== summary ({C.loadavg()}{', pinned' if args.pin else ''}) ==")
    print(
        "   epochs | app s | core s | app/core | in-app training s | after last epoch s | "
        "first live chart s | CPU s server / browser / core"
    )
    for r in sorted(results, key=lambda r: r["epochs"]):
        first = "–" if r["first"] is None else f"{r['first']:.2f}"
        print(
            f"   {r['epochs']:6d} | {r['app']:5.2f} | {r['core']:6.2f} | {r['ratio']:8.2f} | "
            f"{r['reported']:17.2f} | {r['app'] - r['reported']:18.2f} | {first:>18} | "
            f"{r['server_cpu']:.2f} / {r['browser_cpu']:.2f} / {r['core_cpu']:.2f}"
        )
    if len(results) >= 2:
        xs = [r["epochs"] for r in results]
        for key in ("app", "core"):
            b, a = statistics.linear_regression(xs, [r[key] for r in results])
            print(f"   fit {key:4s}: {a:6.2f} s fixed + {1000 * b:6.3f} s per 1000 epochs")
    errors = sum(r["errors"] for r in results)
    if errors:
        print(f"   {errors} page error(s) seen (see above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
