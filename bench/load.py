"""A class on one server: N students press Train at the same moment. Do all finish, correctly?

    python bench/load.py --sessions 1 5 10 20 --preset seed_table [--same-link]
                         [--per-browser 20] [--timeout 300]

What it measures
    ONE `streamlit run streamlit_app.py` (headless, via tests/conftest.start_app, default
    settings) serves every round. For each N, N browser contexts (one page each; up to
    --per-browser contexts share one headless Chromium, default: all in one) open
    `?preset=<p>&seed=<s>` with a different seed per session (and per round, so the app's
    finished-run cache never hits and every session really trains), wait until every page is
    idle, then all N press "Train" together (asyncio.gather over the pages). Each page then
    waits (--timeout, default 300 s) until it is finished: progress says "Trained" (or, in the
    cached second wave of --same-link, "Loaded a finished run") and the app is idle (the test
    harness's definition). Time to finish is taken inside each page (performance.now() from
    its own click to finished); the spread of the N clicks is printed too.
    Correctness: each page's headline cards (test accuracy, loss, distinct neurons, as the
    page prints them) and its TL;DR table text are compared with the same config run alone in
    this process: `initdash.run(config).summary()` formatted as dashboard/views.py does, the
    config read from the same link by dashboard.links.parse_query. Any difference = cross-talk
    or nondeterminism. Page errors and exception boxes count as failures.
    Memory: the server's VmRSS (server process + descendants, from /proc/<pid>/status) is
    sampled every 0.2 s; the peak during each round is reported, and VmHWM (the process's own
    lifetime high-water mark) at the end of the round. CPU: the server's CPU seconds per round.
    --same-link: every session of a round opens the IDENTICAL link; a second wave of N fresh
    pages then presses Train again, to show the cache (a finished run is cached, a running
    one is not).
    The browsers run on the same 2-core machine and share the CPU with the server (and with
    other users' jobs): the load average is printed with every figure; times include the
    browsers' own work.

Targets: 10 sessions all finish and are correct, server peak RSS < 600 MB; 20 sessions finish
without error.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import sys
import tempfile
import threading
import time

import _common as C
from playwright.async_api import async_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

import initdash
from dashboard.links import parse_query
from initdash.blas import limit_blas_threads

RSS_TARGET_MB = 600
EXTRA_ARGS = [  # many pages at once: do not throttle the ones Chromium thinks are hidden
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
HEADLINE = re.compile(
    r"■\s*(?P<label>[^\n]+?)\s*\n\s*test accuracy\s+(?P<acc>\S+).*?\n\s*loss\s+(?P<loss>\S+)"
    r".*?\n\s*(?P<div>\d+ of \d+ distinct[^\n]*)"
)


# ------------------------------------------------------------------ memory sampler
class Sampler(threading.Thread):
    def __init__(self, pid: int, period: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples: list[tuple[float, int, int]] = []  # (monotonic, rss kB, hwm kB)
        self._stop_evt = threading.Event()

    def run(self) -> None:
        while not self._stop_evt.is_set():
            rss, hwm = C.mem_kb(self.pid)
            self.samples.append((time.monotonic(), rss, hwm))
            self._stop_evt.wait(self.period)

    def stop(self) -> None:
        self._stop_evt.set()

    def peak_mb(self, t0: float, t1: float) -> float:
        xs = [rss for t, rss, _ in self.samples if t0 <= t <= t1]
        return max(xs) / 1024 if xs else float("nan")

    def hwm_mb(self) -> float:
        return C.mem_kb(self.pid)[1] / 1024


# ------------------------------------------------------------------ expected figures
def expected(preset: str, seed: int) -> dict:
    """What the page should show for this link: per scheme label -> (acc, loss, neurons)."""
    from dashboard import views

    shared = parse_query({"preset": [preset], "seed": [str(seed)]})
    if shared.warnings:
        raise SystemExit(f"link warnings: {shared.warnings}")
    result = initdash.run(shared.config)
    s = result.summary()
    cards = {
        row["label"]: (
            views._pct(views.accuracy_value(row)) if not row["undecided"] else "–",
            views._num(row["train_loss"]),
            views.neurons_text(row),
        )
        for _, row in s.iterrows()
    }
    tldr = views.tldr_table(result)
    return {"cards": cards, "tldr": tldr, "config": shared.config}


# st.dataframe draws on a canvas; its accessible <table role="grid"> holds the cells' text
# (the columns currently rendered: the grid virtualizes columns scrolled out of view)
TLDR_JS = """() => {
  const t = document.querySelector('[data-testid="stDataFrame"] table[role="grid"]');
  if (!t) return null;
  const head = [...t.querySelectorAll('thead th')].map(e => e.textContent.trim());
  const rows = [...t.querySelectorAll('tbody tr')]
      .map(tr => [...tr.querySelectorAll('td')].map(e => e.textContent.trim()));
  return {head, rows};
}"""


TLDR_READY_JS = """() => document.querySelectorAll(
  '[data-testid="stDataFrame"] table[role="grid"] tbody tr').length > 0"""


def _same(cell: str, value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            x = float(cell)
        except ValueError:
            return False
        return math.isclose(x, float(value), rel_tol=1e-6, abs_tol=1e-12) or (
            math.isnan(x) and math.isnan(float(value))
        )
    return cell == str(value)


def tldr_check(page_table: dict | None, tldr) -> tuple[bool, str]:
    """The page's TL;DR cells (every column it rendered) equal the in-process table's."""
    if not page_table or not page_table.get("rows"):
        return False, "no TL;DR grid rows in the page's DOM"
    head, rows = page_table["head"], page_table["rows"]
    cols = [h for h in head if h in tldr.columns]
    if "Initialization" not in cols or len(rows) != len(tldr):
        return False, f"columns {head}, {len(rows)} rows"
    for cells, (_, row) in zip(rows, tldr.iterrows(), strict=True):
        got = dict(zip(head, cells, strict=False))
        for c in cols:
            if not _same(got.get(c, ""), row[c]):
                return False, f"{row['Initialization']}: {c} = {got.get(c)!r}, expected {row[c]!r}"
    return True, f"{len(cols)} columns compared"


# ------------------------------------------------------------------ one session
def _watch_wire(page) -> None:
    """page.marks['trained'] / ['finished']: when (time.monotonic() here) the browser received
    the progress element saying "Trained"/"Loaded a finished run", and the end of that script
    run (ForwardMsg.script_finished): the server's side, before the page draws anything."""
    page.marks = {}

    def on_frame(payload) -> None:
        if isinstance(payload, str):
            return
        marks = page.marks
        if "trained" not in marks:
            if b"Trained " not in payload and b"Loaded a finished run" not in payload:
                return
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                if el.WhichOneof("type") == "progress":
                    marks["trained"] = time.monotonic()
        elif "finished" not in marks and len(payload) < 200:
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "script_finished":
                marks["finished"] = time.monotonic()

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


async def open_page(browser, url: str):
    ctx = await browser.new_context(viewport=C.VIEWPORT)
    ctx.set_default_timeout(120_000)
    page = await ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    _watch_wire(page)
    await page.add_init_script(C.INIT_JS)
    await page.goto(url)
    await page.wait_for_selector(C.conftest.APP_SELECTOR, state="attached")
    await page.wait_for_function(C.conftest._IDLE_JS, arg=300, polling=100, timeout=120_000)
    return ctx, page


async def finish(page, word: str, deadline: float) -> dict:
    out = {"ok": False, "time": None, "error": None}
    try:
        left = max(deadline - time.monotonic(), 1.0)
        await page.wait_for_function(
            C.DONE_JS, arg=[word, False, C.QUIET_MS], polling=100, timeout=left * 1000
        )
    except Exception as e:  # noqa: BLE001 - a timeout is a result here
        out["error"] = type(e).__name__ + ": " + str(e).splitlines()[0][:120]
    try:
        b = await page.evaluate("() => window.__bench")
        out["clickEpoch"] = b["clickEpoch"]
        if b["doneSince"] is not None and out["error"] is None:
            out["time"] = (b["doneSince"] - b["click"]) / 1000
            out["doneEpoch"] = b["doneEpoch"]
        prog = page.locator('[data-testid="stProgress"]')
        out["progress"] = await prog.first.inner_text() if await prog.count() else ""
        cards = await page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
        out["cards"] = {
            m["label"].strip(): (m["acc"], m["loss"], m["div"])
            for t in cards
            for m in [HEADLINE.search(t)]
            if m
        }
        out["has_df"] = await page.locator('[data-testid="stDataFrame"]').count()
        try:  # the grid fills its accessible table after drawing; give a busy browser time
            await page.wait_for_function(TLDR_READY_JS, polling=200, timeout=30_000)
        except Exception:  # noqa: BLE001 - reported as a missing table below
            pass
        out["tldr"] = await page.evaluate(TLDR_JS)
        out["exceptions"] = await page.locator('[data-testid="stException"]').count()
        out["page_errors"] = list(page.errors)
    except Exception as e:  # noqa: BLE001
        out["error"] = (out["error"] or "") + f" | reading the page: {e}"[:200]
    out["ok"] = out["error"] is None and not out.get("exceptions") and not out.get("page_errors")
    return out


# ------------------------------------------------------------------ one round
async def one_round(browsers, url, preset, seeds, word, timeout, sampler, server_pid, refs):
    n = len(seeds)
    opened = await asyncio.gather(
        *(
            open_page(browsers[i % len(browsers)], f"{url}/?preset={preset}&seed={s}")
            for i, s in enumerate(seeds)
        )
    )
    pages = [p for _, p in opened]
    cpu0 = C.cpu_seconds(server_pid)
    t0 = time.monotonic()
    train = [p.get_by_role("button", name="Train", exact=True) for p in pages]
    await asyncio.gather(*(b.click() for b in train))
    results = await asyncio.gather(*(finish(p, word, t0 + timeout) for p in pages))
    t1 = time.monotonic()
    cpu = C.cpu_seconds(server_pid) - cpu0
    await asyncio.gather(*(ctx.close() for ctx, _ in opened))
    for r, p in zip(results, pages, strict=True):
        r["server_trained"] = p.marks["trained"] - t0 if "trained" in p.marks else None
        r["server_finished"] = p.marks["finished"] - t0 if "finished" in p.marks else None
    # correctness
    for r, s in zip(results, seeds, strict=True):
        exp = refs[s]
        r["seed"] = s
        r["cards_ok"] = r.get("cards") == exp["cards"]
        r["tldr_ok"], r["tldr_note"] = tldr_check(r.get("tldr"), exp["tldr"])
        r["correct"] = r["cards_ok"] and r["tldr_ok"]
    times = [r["time"] for r in results if r["time"] is not None]
    st = [r["server_trained"] for r in results if r["server_trained"] is not None]
    sf = [r["server_finished"] for r in results if r["server_finished"] is not None]
    clicks = [r["clickEpoch"] for r in results if r.get("clickEpoch")]
    return {
        "n": n,
        "completed": sum(1 for r in results if r["ok"]),
        "correct": sum(1 for r in results if r["ok"] and r["correct"]),
        "p50": C.pct(times, 50),
        "p95": C.pct(times, 95),
        "max": max(times) if times else float("nan"),
        "srv_p50": C.pct(st, 50),
        "srv_max": max(st) if st else float("nan"),
        "end_p50": C.pct(sf, 50),
        "end_max": max(sf) if sf else float("nan"),
        "peak": sampler.peak_mb(t0, t1),
        "hwm": sampler.hwm_mb(),
        "cpu": cpu,
        "wall": t1 - t0,
        "spread": (max(clicks) - min(clicks)) / 1000 if clicks else float("nan"),
        "results": results,
        "load": C.loadavg(),
    }


def report_round(label: str, r: dict) -> None:
    print(
        f"   {label}: {r['completed']}/{r['n']} finished, {r['correct']}/{r['n']} correct; "
        f"time to finish s p50 {r['p50']:.1f} p95 {r['p95']:.1f} max {r['max']:.1f}; clicks "
        f"spread {r['spread']:.2f} s; server peak RSS {r['peak']:.0f} MB (VmHWM {r['hwm']:.0f} "
        f"MB), server CPU {r['cpu']:.1f} s over {r['wall']:.1f} s  [{r['load']}]"
    )
    times = sorted(x["time"] for x in r["results"] if x["time"] is not None)
    print("      page finished, s: " + " ".join(f"{t:.1f}" for t in times))
    print(
        f"      server side (frames received): 'Trained' sent p50 {r['srv_p50']:.1f} max "
        f"{r['srv_max']:.1f} s; that script run ended p50 {r['end_p50']:.1f} max "
        f"{r['end_max']:.1f} s after the clicks; the rest until the page is finished is "
        "the browsers drawing (on this machine's cores)"
    )
    for x in r["results"]:
        bad = []
        if x["error"]:
            bad.append(x["error"])
        if x.get("exceptions"):
            bad.append(f"{x['exceptions']} exception box(es)")
        if x.get("page_errors"):
            bad.append(f"page errors {x['page_errors'][:2]}")
        if x["ok"] and not x["cards_ok"]:
            bad.append(f"headline {x.get('cards')} differs")
        if x["ok"] and not x["tldr_ok"]:
            bad.append(
                "TL;DR table differs: "
                + x["tldr_note"]
                + f" (stDataFrame elements: {x.get('has_df')})"
            )
        if bad:
            print(
                f"      seed {x['seed']}: " + "; ".join(bad) + f" (progress {x.get('progress')!r})"
            )
    notes = {x.get("tldr_note") for x in r["results"] if x.get("tldr_ok")}
    if notes:
        print(
            f"      TL;DR cells checked: {', '.join(sorted(notes))}; headline cards: "
            f"{sum(bool(x.get('cards')) for x in r['results'])} pages had them"
        )
    apps = [C.reported_seconds(x.get("progress", "")) for x in r["results"]]
    apps = [a for a in apps if a is not None]
    if apps:
        print(
            f"      app-reported training times s: median {C.median(apps):.1f}, max {max(apps):.1f}"
        )


async def main_async(args) -> int:
    limit_blas_threads(1)
    print("initdash load: N sessions press Train together on one server")
    print(f"   commit {C.git_rev()}; os.cpu_count() = {os.cpu_count()}; {C.loadavg()}")
    mode = "same link in a round" if args.same_link else "a different seed per session"
    print(
        f"   preset {args.preset}, sessions {args.sessions}, {mode}, timeout {args.timeout:.0f} s"
    )

    # seeds: distinct per round (and per session unless --same-link), so no cache hits
    plan = []
    for k, n in enumerate(args.sessions):
        base = 1000 * (k + 1)
        plan.append((n, [base] * n if args.same_link else [base + i for i in range(n)]))
    t = time.perf_counter()
    refs = {s: expected(args.preset, s) for _, seeds in plan for s in set(seeds)}
    core = (time.perf_counter() - t) / len(refs)
    print(
        f"   reference runs in-process: {len(refs)} configs, {core:.2f} s each on average "
        f"(one session's training alone)  [{C.loadavg()}]"
    )

    env, script, trace = None, None, None
    if args.trace:
        trace = os.path.join(tempfile.mkdtemp(prefix="initdash-bench-"), "trace.jsonl")
        env, script = {"INITDASH_BENCH_TRACE": trace}, C.REPO / "bench" / "_traced_app.py"
    url, proc = C.start_server(env, script)
    sampler = Sampler(proc.pid)
    sampler.start()
    rss0 = C.mem_kb(proc.pid)[0] / 1024
    print(f"   server {url} pid {proc.pid}, RSS at start {rss0:.0f} MB")
    rows = []
    try:
        async with async_playwright() as pw:
            browsers = []
            max_n = max(args.sessions)
            n_browsers = max(1, math.ceil(max_n / args.per_browser))
            for _ in range(n_browsers):
                browsers.append(
                    await pw.chromium.launch(
                        executable_path=C.chromium_path(),
                        args=C.conftest.CHROMIUM_ARGS + EXTRA_ARGS,
                        headless=True,
                    )
                )
            print(f"   {n_browsers} Chromium process(es), up to {args.per_browser} contexts each")
            if args.pin:
                C.pin(C.proc_tree(proc.pid), {0})
                C.pin(C.browser_pids(proc.pid), {1})
                print(
                    "   pinned: server -> CPU 0, Chromium -> CPU 1 (other users' jobs still float)"
                )
            # warm-up: one session, not counted (server imports, first chart)
            warm = await one_round(
                browsers,
                url,
                args.preset,
                [1],
                "Trained",
                args.timeout,
                sampler,
                proc.pid,
                {1: expected(args.preset, 1)},
            )
            print(
                f"   warm-up (1 session, seed 1, not counted): {warm['completed']}/1 finished "
                f"in {warm['max']:.1f} s, RSS {C.mem_kb(proc.pid)[0] / 1024:.0f} MB"
            )
            if trace:
                open(trace, "w").close()  # the trace covers the measured rounds only
            for n, seeds in plan:
                print(f"\n== N = {n} ==  [{C.loadavg()}]")
                r = await one_round(
                    browsers,
                    url,
                    args.preset,
                    seeds,
                    "Trained",
                    args.timeout,
                    sampler,
                    proc.pid,
                    refs,
                )
                hits = sum("Loaded a finished run" in x.get("progress", "") for x in r["results"])
                report_round(f"trains ({hits}/{n} served from the cache)", r)
                rows.append((str(n), r))
                if args.same_link:
                    r2 = await one_round(
                        browsers,
                        url,
                        args.preset,
                        seeds,
                        "Trained|Loaded a finished run",
                        args.timeout,
                        sampler,
                        proc.pid,
                        refs,
                    )
                    hits = sum(
                        "Loaded a finished run" in x.get("progress", "") for x in r2["results"]
                    )
                    report_round(f"2nd wave, same link ({hits}/{n} served from the cache)", r2)
                    rows.append((f"{n} again", r2))
                time.sleep(2)
            for b in browsers:
                await b.close()
    finally:
        sampler.stop()
        C.stop_server(proc)

    if trace:
        C.print_trace(trace)
    where = "server on CPU 0, browsers on CPU 1" if args.pin else "browsers share the 2 cores"
    print(f"\n== summary ({C.loadavg()}; {where}) ==")
    print(
        "   N        | completed | correct | p50 s | p95 s | max s | server 'Trained' p50/max s |"
        " peak RSS MB | VmHWM MB | server CPU s | verdict"
    )
    for label, r in rows:
        n = r["n"]
        verdict = ""
        if label == "10":
            ok = r["completed"] == n and r["correct"] == n and r["peak"] < RSS_TARGET_MB
            verdict = "target met" if ok else "TARGET MISSED"
        elif label == "20":
            verdict = "target met" if r["completed"] == n else "TARGET MISSED"
        print(
            f"   {label:8s} | {r['completed']:4d}/{n:<4d} | {r['correct']:3d}/{n:<3d} | "
            f"{r['p50']:5.1f} | {r['p95']:5.1f} | {r['max']:5.1f} | "
            f"{r['srv_p50']:11.1f} / {r['srv_max']:<12.1f} | {r['peak']:11.0f} | "
            f"{r['hwm']:8.0f} | {r['cpu']:12.1f} | {verdict}"
        )
    print(
        f"   (one session alone in-process: {core:.2f} s; targets: 10 all finish + correct, "
        f"peak RSS < {RSS_TARGET_MB} MB; 20 finish without error)"
    )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    ap.add_argument("--preset", default="seed_table")
    ap.add_argument("--same-link", action="store_true", help="one identical link per round")
    ap.add_argument("--per-browser", type=int, default=20, help="contexts per Chromium process")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per round")
    ap.add_argument("--pin", action="store_true", help="server on CPU 0, Chromium on CPU 1")
    ap.add_argument("--trace", action="store_true", help="serve bench/_traced_app.py and report")
    args = ap.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
