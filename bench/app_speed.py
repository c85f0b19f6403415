"""App vs core: how much longer does a Train click take in the real app than the bare training?

    python bench/app_speed.py [--epochs N] [--reps 5] [--sweep]

What it measures
    App: one `streamlit run streamlit_app.py` (headless, via tests/conftest.start_app), driven
    by headless Chromium (Debian's, through Playwright). For each repetition a FRESH browser
    context + page opens `<url>/?seed=S` (the default lesson; only the seed differs, S = 1..reps,
    so the app's finished-run cache, keyed by the whole config, never hits; the server is NOT
    restarted between repetitions). Times are taken inside the page with performance.now():
      click  -> a capturing click listener on the "▶ Train" button;
      first  -> the first chart drawn after the click (the first live redraw: before Train the
                default view shows no chart) and the first progress text after the click;
      done   -> the moment the page is finished: the progress text says "Trained", the app is
                idle (connected, script not running, no status widget/skeleton/stale element;
                the test harness's definition) AND every [data-testid="stVegaLiteChart"] has an
                svg or canvas -- held for 300 ms, and the time is when it STARTED to hold.
    The app's own "Trained N epochs in X s" figure (server side, click callback to last epoch)
    is printed too, to split the gap into "training inside the app" and "drawing after it".
    One warm-up Train (seed 0, not counted) runs first.
    Core: `initdash.run(TrainConfig(seed=S, epochs=N))` for the same seeds, in this process,
    after `initdash.blas.limit_blas_threads(1)` (as the app does), one warm-up run first.
    The script checks that the link's config equals TrainConfig(seed=S, epochs=N).

Target: median app / median core <= 1.5. `--sweep` prints the ratio for epochs 1000, 2000,
5000 (longer runs amortize the fixed cost of a script run and of the drawing). The machine is
shared (2 cores; Chromium and the server share them): the load average is printed with
every figure.
"""

from __future__ import annotations

import argparse
import sys
import time

import _common as C
from playwright.sync_api import sync_playwright

import initdash
from initdash import TrainConfig
from initdash.blas import limit_blas_threads
from initdash.share import parse_query

TARGET = 1.5


def link_config(seed: int, epochs: int) -> TrainConfig:
    q = {"seed": [str(seed)]}
    if epochs != TrainConfig().epochs:
        q["epochs"] = [str(epochs)]
    shared = parse_query(q)
    expected = TrainConfig(seed=seed, epochs=epochs)
    if shared.config != expected or shared.warnings:
        raise SystemExit(f"link config differs from TrainConfig(seed={seed}, epochs={epochs})")
    return expected


def url_for(base: str, seed: int, epochs: int) -> str:
    q = f"seed={seed}" + (f"&epochs={epochs}" if epochs != TrainConfig().epochs else "")
    return f"{base}/?{q}"


def app_once(browser, base: str, seed: int, epochs: int, timeout_s: float) -> dict:
    ctx = browser.new_context(viewport=C.VIEWPORT)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(C.INIT_JS)
    try:
        page.goto(url_for(base, seed, epochs))
        C.conftest.wait_for_app_idle(page)
        btn = page.get_by_role("button", name="▶ Train")
        t_py = time.perf_counter()
        btn.click()
        page.wait_for_function(
            C.DONE_JS, arg=["Trained", True, C.QUIET_MS], timeout=timeout_s * 1000, polling=20
        )
        py_wall = time.perf_counter() - t_py
        b = page.evaluate("() => window.__bench")
        text = page.locator('[data-testid="stProgress"]').first.inner_text()
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
        "errors": errors + ([f"{exc} exception box(es)"] if exc else []),
    }


def core_once(seed: int, epochs: int) -> float:
    config = link_config(seed, epochs)
    t0 = time.perf_counter()
    initdash.run(config)
    return time.perf_counter() - t0


def fmt(xs) -> str:
    return " ".join("  –  " if x is None else f"{x:5.2f}" for x in xs)


def measure(browser, base: str, epochs: int, reps: int, timeout_s: float) -> dict:
    print(f"\n== default lesson, epochs={epochs}, {reps} repetitions (seeds 1..{reps}) ==")
    print(f"   before: {C.loadavg()}")
    rows, cores = [], []
    for i in range(reps):
        seed = i + 1
        r = app_once(browser, base, seed, epochs, timeout_s)
        c = core_once(seed, epochs)
        rows.append(r)
        cores.append(c)
        print(
            f"   rep {i + 1} seed {seed}: app {r['app']:6.3f} s  core {c:6.3f} s  "
            f"ratio {r['app'] / c:5.2f}  | app-reported training {r['reported'] or 0:5.2f} s, "
            f"first chart {r['first_chart'] if r['first_chart'] is not None else float('nan'):5.2f}"
            f" s, live updates seen {r['live_updates']}"
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
        "errors": sum(len(r["errors"]) for r in rows),
    }
    print(f"   app  (click -> finished page), s : {fmt(app)}   median {med_app:.3f}")
    print(f"   app-reported training time, s    : {fmt(reported)}   median {out['reported']:.3f}")
    print(f"   core (initdash.run, same seeds), s: {fmt(cores)}   median {med_core:.3f}")
    print(f"   click -> first live chart, s     : {fmt([r['first_chart'] for r in rows])}")
    print(f"   click -> first progress text, s  : {fmt([r['first_progress'] for r in rows])}")
    print(f"   python-side wall (incl. 300 ms quiet + polling), s: "
          f"{fmt([r['py_wall'] for r in rows])}")  # fmt: skip
    print(
        f"   RATIO app/core (medians) = {out['ratio']:.2f}  (target <= {TARGET}: "
        f"{'met' if out['ratio'] <= TARGET else 'MISSED'});  in-app training / core = "
        f"{out['reported'] / med_core:.2f};  drawing after training ~ "
        f"{med_app - out['reported']:.2f} s"
    )
    print(f"   after: {C.loadavg()}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sweep", action="store_true", help="also epochs 1000, 2000, 5000")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    args = ap.parse_args()

    threads = limit_blas_threads(1)
    print("initdash app speed: click ▶ Train -> finished page, vs the bare core")
    print(f"   python {sys.version.split()[0]}, os.cpu_count() = {C.os.cpu_count()}, "
          f"OpenBLAS limited to 1 thread in this process: {threads}")  # fmt: skip
    print(f"   {C.loadavg()}")
    initdash.run(TrainConfig(epochs=20))  # core warm-up

    url, proc = C.start_server()
    print(f"   server {url} pid {proc.pid}; fresh page per repetition, distinct seeds, no restart")
    results = []
    try:
        with sync_playwright() as pw:
            browser = C.launch(pw)
            try:
                w = app_once(browser, url, 0, args.epochs, args.timeout)  # warm-up, not counted
                print(f"   warm-up (seed 0, not counted): app {w['app']:.3f} s, "
                      f"first chart {w['first_chart']}")  # fmt: skip
                epochs_list = [args.epochs]
                if args.sweep:
                    epochs_list += [e for e in (1000, 2000, 5000) if e != args.epochs]
                for e in epochs_list:
                    results.append(measure(browser, url, e, args.reps, args.timeout))
            finally:
                browser.close()
    finally:
        C.stop_server(proc)

    print(f"\n== summary ({C.loadavg()}) ==")
    print("   epochs | app median s | core median s | app/core | in-app training s | "
          "drawing after s | first live chart s")  # fmt: skip
    for r in sorted(results, key=lambda r: r["epochs"]):
        first = "–" if r["first"] is None else f"{r['first']:.2f}"
        print(
            f"   {r['epochs']:6d} | {r['app']:12.3f} | {r['core']:13.3f} | {r['ratio']:8.2f} | "
            f"{r['reported']:17.3f} | {r['app'] - r['reported']:15.3f} | {first:>18}"
        )
    errors = sum(r["errors"] for r in results)
    if errors:
        print(f"   {errors} page error(s) seen (see above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
