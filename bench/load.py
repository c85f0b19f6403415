"""A class on the server: do all students' Trains finish, correctly, and how fast?

    python bench/load.py --scenario a            # 30 open one link, press Train within 10 s
    python bench/load.py --scenario b            # 30 different settings, within 60 s
    python bench/load.py --scenario c            # 10 keep changing settings for 5 minutes
    python bench/load.py --scenario b --students 30 60 90     # a capacity sweep
    python bench/load.py --scenario b --window 0 --replicas 1 2   # through HAProxy
    python bench/load.py --scenario verify       # one session checked against in-process
    options: --client ws|chromium  --window S  --duration S  --seed N  --timeout S  --trace
             --reread (ws: each page rerun just before its Train, so it reads a fresh estimate)

Scenarios (--scenario; bench/README.md has the details)
    a       a class opens the SAME link (?preset=<--preset>&seed=<--seed>) and presses Train
            within --window s; the app trains it once and shares it
    b       every student opens their OWN link (presets, changed parameters, a seed each) and
            presses Train within --window s (0: all at once)
    c       --students sessions change a setting, press Train, look, repeat for --duration s
    verify  one session's page against the same config run in-process
    Several --students values run a sweep, a fresh server each.
Clients (--client): ws (default), bench/stclient.py over the app's websocket with no page
    drawn, so the times are the server's; chromium, one headless Chromium context per student
    (on the server's cores, so its figures come out worse).
Servers (--replicas): 0 (default), one `streamlit run`; K >= 1, K replicas behind HAProxy
    (deploy/replicas.py), warmed up by one Train each. --pin: replica i on core i. --trace
    (one server): where its script threads spent their time (bench/_traced_app.py).

Per class size it prints presses finished / correct (the headline cards and TL;DR cells equal
`initdash.run` of the page's own share link, computed after the servers stopped) / lost /
crossed, the time to "Trained" p50 / p95 / max, server CPU s per Train, peak RSS and the
students per core, with the load average; bench/README.md explains each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import _common as C
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import page_reading as P
from bench import stclient
from dashboard.views.registry import VIEWS, group_of
from deploy import replicas as R
from initdash.blas import limit_blas_threads

TARGET_P95_S = 10.0
REPLICA_SPEEDUP_TARGET = 1.6
DEFAULTS = {  # scenario -> (students, window s)
    "a": (30, 10.0),
    "b": (30, 60.0),
    "c": (10, 0.0),
    "verify": (1, 0.0),
}
# Scenario b: the links of a class with different settings (a different seed each is added).
VARIANTS = (
    "preset=seed_table",
    "preset=clones",
    "preset=small_vs_large",
    "preset=saturation",
    "preset=xavier_vs_he",
    "preset=seed_table&activation=relu",
    "preset=clones&activation=relu",
    "preset=small_vs_large&large_scale=1",
    "preset=seed_table&hidden=16,16",
    "schemes=zeros,xavier_normal,he_normal&activation=relu",
)
CHANGES = ("seed", "lr", "view")  # what a student of scenario c changes between Trains
EXTRA_ARGS = [  # many pages at once: do not throttle the ones Chromium thinks are hidden
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


# ------------------------------------------------------------------ servers
class Sampler(threading.Thread):
    """The peak of VmRSS summed over the server processes (and their children), every 0.2 s."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak_kb = pids, None
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            kb = sum(C.rss_kb(p) for p in self.pids)
            self.peak_kb = kb if self.peak_kb is None else max(self.peak_kb, kb)
            self.done.wait(0.2)

    def peak_mb(self) -> float:
        return float("nan") if self.peak_kb is None else self.peak_kb / 1024


@dataclass
class Servers:
    url: str  # where students connect
    pids: list[int]  # the Streamlit processes
    direct: list[str]  # each replica's own URL (warm-up)
    cores: int  # cores the server side can use
    stop: object
    haproxy_pid: int | None = None
    label: str = ""

    def cpu(self) -> float:
        return sum(C.tree_cpu(C.proc_tree(p)) for p in self.pids)

    def haproxy_cpu(self) -> float:
        return C.cpu_seconds(self.haproxy_pid) if self.haproxy_pid else 0.0

    def browsers_cpu(self) -> float:
        """CPU seconds so far of our other descendants: Playwright's driver and Chromium."""
        return C.tree_cpu(C.browser_pids(*self.pids, self.haproxy_pid))


def start_servers(replicas: int, trace: str | None = None) -> Servers:
    if replicas <= 0:
        url, proc = C.start_server(trace)
        return Servers(url, [proc.pid], [url], 1, lambda: C.harness.stop_app(proc), label="direct")
    if trace:
        raise SystemExit("--trace needs --replicas 0 (one server)")
    if R.find_haproxy() is None:
        raise SystemExit("haproxy not found (apt-get install haproxy, or set $HAPROXY)")
    bal = R.start(replicas, log_dir=C.REPO / "artifacts" / "bench-replicas")
    return Servers(
        bal.url,
        [p.pid for p in bal.replicas.values()],
        list(bal.replica_urls.values()),
        min(replicas, os.cpu_count() or 1),
        bal.stop,
        haproxy_pid=bal.haproxy.pid,
        label=f"{replicas} replica(s) behind HAProxy",
    )


# ------------------------------------------------------------------ one press, as recorded
@dataclass
class Press:
    student: str
    query: str = ""  # the page's share link when the run finished (its config)
    click: float | None = None  # monotonic
    trained: float | None = None
    done: float | None = None
    page_done: float | None = None  # chromium: the page finished drawing
    finished: bool = False
    cards: dict = field(default_factory=dict)
    tldr: dict | None = None
    progress: str | None = None
    error: str | None = None
    intended: tuple | None = None  # (field, value) the student changed before this press
    estimate: dict | None = None  # the sidebar's time estimate as read before the press
    correct: bool | None = None
    note: str = ""


# ------------------------------------------------------------------ the ws student
class WsStudent(stclient.Session):
    """A student on the browser-free client (the same interface as ChromiumStudent).
    ``reread``: run the page again just before pressing Train, so the time estimate read is
    the server's at that moment (not at the page's last script run)."""

    reread = False

    async def train(self, press: Press, timeout: float) -> None:
        if self.reread:
            await self.rerun()
        texts = (P.markdown_text(e.markdown.body) for e in self.elements("markdown", "sidebar"))
        press.estimate = P.estimate(texts)
        m = await self.press(P.TRAIN_LABEL)
        press.click = m.click
        try:
            await self.wait_finished(timeout)
            press.finished = True
        finally:
            press.trained, press.done = m.trained, m.done
            self.read(press)

    def read(self, press: Press) -> None:
        press.query = self.query
        press.progress = self.progress
        press.cards = self.cards()
        press.tldr = self.tldr()
        if self.errors:
            press.error = "; ".join(self.errors[:3])

    async def change(self, rng: random.Random) -> tuple:
        """One setting changed as a student would; returns (what, value)."""
        what = rng.choice(CHANGES)
        if what == "seed":
            v = rng.randrange(10_000)
            await self.set_value(P.SEED_LABEL, v, P.CONTROLS)
        elif what == "lr":
            _, w = self.widget(P.LR_LABEL, "slider", P.CONTROLS)
            opts = list(w.options)
            i = opts.index(self.widgets[w.id].string_array_value.data[0])
            j = i + rng.choice((-1, 1)) if 0 < i < len(opts) - 1 else (1 if i == 0 else i - 1)
            v = opts[j]
            await self.set_value(P.LR_LABEL, v, P.CONTROLS)
        else:
            v = rng.choice(list(VIEWS))
            await self.open_view(v)
        await self.wait_until(self.idle, what="idle")
        return what, v

    def lost(self) -> str | None:
        return self.close_reason if self.closed else None


# ------------------------------------------------------------------ the Chromium student
class ChromiumStudent:
    """A student in a headless Chromium context (the same interface as WsStudent). Its
    websocket frames, as Playwright reports them, time a press in `wire` (time.monotonic()):
    "click" when the press left (a BackMsg with a trigger), "trained" when the progress text
    starting with "Trained" arrived, "done" when that script run ended."""

    def __init__(self, browser, base: str, query: str, name: str, timeout: float):
        self.browser, self.base, self.query, self.name = browser, base, query, name
        self.timeout = timeout
        self.ctx = self.page = None
        self.replicas: set = set()  # X-Initdash-Replica values of every response
        self.errors: list = []
        self.wire: dict = {}  # "armed" by train(): presses before it are not timed
        self.ws_closed: str | None = None

    def _on_websocket(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)
        ws.on("close", lambda _: setattr(self, "ws_closed", "websocket closed"))

    def _sent(self, payload) -> None:
        if isinstance(payload, str) or "click" in self.wire or not self.wire.get("armed"):
            return
        m = BackMsg()
        m.ParseFromString(payload)
        if any(w.trigger_value for w in m.rerun_script.widget_states.widgets):
            self.wire["click"] = time.monotonic()

    def _received(self, payload) -> None:
        w = self.wire
        if isinstance(payload, str) or "click" not in w:
            return
        if "trained" not in w:
            if not any(p.encode() in payload for p in P.FINISHED_PREFIXES):
                return
            m = ForwardMsg()
            m.ParseFromString(payload)
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element":
                el = m.delta.new_element
                if el.WhichOneof("type") == "progress" and P.is_finished(el.progress.text):
                    w["trained"] = time.monotonic()
        elif "done" not in w and len(payload) < 200:
            m = ForwardMsg()
            m.ParseFromString(payload)
            if m.WhichOneof("type") == "script_finished":
                w["done"] = time.monotonic()

    async def open(self) -> None:
        self.ctx = await self.browser.new_context(
            viewport=C.VIEWPORT, user_agent=f"initdash-load/{self.name} (Chromium)"
        )
        self.ctx.set_default_timeout(self.timeout * 1000)
        page = self.page = await self.ctx.new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)[:200]))

        def on_response(r) -> None:
            if rep := r.headers.get(stclient.REPLICA_HEADER.lower()):
                self.replicas.add(rep)

        page.on("response", on_response)
        page.on("websocket", self._on_websocket)
        await page.add_init_script(C.INIT_JS)
        await page.goto(f"{self.base}/?{self.query}" if self.query else self.base)
        await page.wait_for_selector(C.harness.APP_SELECTOR, state="attached")
        await page.wait_for_function(C.harness.IDLE_JS, arg=300, polling=100)

    async def train(self, press: Press, timeout: float) -> None:
        page = self.page
        self.wire = {"armed": True}
        await page.evaluate(
            "() => { window.__bench.click = null; window.__bench.doneSince = null; }"
        )
        bar = page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]')
        press.estimate = P.estimate(await bar.all_inner_texts())
        await page.get_by_role("button", name=P.TRAIN_LABEL).click()
        press.click = self.wire.get("click", time.monotonic())
        deadline = time.monotonic() + timeout
        try:
            # first the server's side: "Trained" arrived after this press and that script run
            # ended (the page may still show the previous run's "Trained" until the rerun
            # starts, so the page alone cannot tell); then the page: drawn and idle
            while "done" not in self.wire:
                if self.ws_closed or time.monotonic() > deadline:
                    raise TimeoutError(self.ws_closed or "no finished run on the wire")
                await asyncio.sleep(0.05)
            word = "^(" + "|".join(P.FINISHED_PREFIXES) + ")"
            left = max(deadline - time.monotonic(), 1.0)
            await page.wait_for_function(
                C.DONE_JS, arg=[word, False, C.QUIET_MS], polling=100, timeout=left * 1000
            )
            press.finished = True
            b = await page.evaluate("() => window.__bench")
            if b["doneSince"] is not None and b["click"] is not None:
                press.page_done = press.click + (b["doneSince"] - b["click"]) / 1000
        finally:
            w = self.wire
            press.click = w.get("click", press.click)
            press.trained, press.done = w.get("trained"), w.get("done")
            await self.read(press)

    async def read(self, press: Press) -> None:
        page = self.page
        press.query = urlsplit(page.url).query
        prog = page.locator(P.DOM_PROGRESS)
        press.progress = await prog.first.inner_text() if await prog.count() else None
        press.cards = P.cards(await page.locator(P.DOM_MARKDOWN).all_inner_texts())
        press.tldr = None
        if await page.locator(P.DOM_DATAFRAME).count():
            try:  # the grid fills its accessible table after drawing; give a busy browser time
                await page.wait_for_function(P.DOM_GRID_READY_JS, polling=200, timeout=30_000)
            except Exception:  # noqa: BLE001 - then only the cards are compared
                pass
            press.tldr = await page.evaluate(P.DOM_TLDR_JS)
        boxes = await page.locator(P.DOM_EXCEPTION).count()
        errs = self.errors + ([f"{boxes} exception box(es)"] if boxes else [])
        if errs:
            press.error = "; ".join(errs[:3])

    async def change(self, rng: random.Random) -> tuple:
        page = self.page
        bar = page.locator('[data-testid="stSidebar"]') if P.CONTROLS == "sidebar" else page
        what = rng.choice(CHANGES)
        if what == "seed":
            v = rng.randrange(10_000)
            box = bar.get_by_label(P.SEED_LABEL, exact=True).and_(page.locator("input"))
            await box.fill(str(v), timeout=30_000)
            await box.press("Enter", timeout=30_000)
        elif what == "lr":
            thumb = bar.get_by_role("slider", name=P.LR_LABEL)
            await thumb.focus(timeout=30_000)
            await thumb.press(rng.choice(("ArrowLeft", "ArrowRight")), timeout=30_000)
            v = (await thumb.get_attribute("aria-valuetext")) or ""
        else:  # another group's tab, then a view under it (a tab click alone: the same view)
            v = rng.choice(list(VIEWS))
            group = group_of(v)
            tab = page.get_by_role("tab", name=group.title)
            if await tab.get_attribute("aria-selected") != "true":
                await tab.click(timeout=30_000)
                await page.wait_for_function(C.harness.IDLE_JS, arg=300, polling=100)
            if len(group.views) > 1:
                button = page.locator(C.harness.VIEW_BUTTONS, has_text=VIEWS[v].title)
                await button.click(timeout=30_000)
        await page.wait_for_function(C.harness.IDLE_JS, arg=300, polling=100)
        return what, v

    def lost(self) -> str | None:
        return self.ws_closed

    async def close(self) -> None:
        if self.ctx is not None:
            await self.ctx.close()


# ------------------------------------------------------------------ scenarios
def links(scenario: str, n: int, seed: int, preset: str) -> list[str]:
    if scenario == "verify":
        return ["preset=seed_table&seed=3"]
    if scenario == "a":
        return [f"preset={preset}&seed={seed}"] * n
    base = 1000 * (seed + 1)
    return [f"{VARIANTS[i % len(VARIANTS)]}&seed={base + i}" for i in range(n)]


def failure(e: Exception) -> str:
    """A failed press or page, in one line."""
    return f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:160]}"


async def run_wave(students, window: float, rng, timeout: float) -> list[Press]:
    """Each student presses Train once, at a random moment within `window` seconds."""
    offsets = [rng.uniform(0, window) if window > 0 else 0.0 for _ in students]
    t0 = time.monotonic()

    async def one(st, off) -> Press:
        press = Press(st.name)
        await asyncio.sleep(max(0.0, t0 + off - time.monotonic()))
        try:
            await st.train(press, timeout)
        except Exception as e:  # noqa: BLE001 - a failed press is a result here
            press.error = failure(e)
        return press

    return list(await asyncio.gather(*(one(s, o) for s, o in zip(students, offsets, strict=True))))


async def run_busy(students, duration: float, rng, timeout: float) -> list[Press]:
    """Scenario c: change a setting, think, Train, look; until `duration` is over."""
    end = time.monotonic() + duration

    async def one(st, r: random.Random) -> list[Press]:
        out = []
        await asyncio.sleep(r.uniform(0, 3))
        while time.monotonic() < end:
            press = Press(st.name)
            out.append(press)
            try:
                press.intended = await st.change(r)
                await asyncio.sleep(r.uniform(1, 3))
                await st.train(press, timeout)
            except Exception as e:  # noqa: BLE001
                press.error = failure(e)
                if st.lost():
                    break
                continue
            await asyncio.sleep(r.uniform(2, 5))
        return out

    per = await asyncio.gather(*(one(s, random.Random(rng.random())) for s in students))
    return [p for ps in per for p in ps]


async def open_all(students, concurrency: int = 8) -> list[str | None]:
    sem = asyncio.Semaphore(concurrency)

    async def one(st) -> str | None:
        async with sem:
            try:
                await st.open()
                return None
            except Exception as e:  # noqa: BLE001
                return failure(e)

    return list(await asyncio.gather(*(one(s) for s in students)))


async def warm_up(servers: Servers, make, timeout: float) -> None:
    """One Train on every replica, directly (imports, first charts); not counted."""
    for i, url in enumerate(servers.direct):
        st = make(url, f"preset=seed_table&seed={900 + i}", f"warm{i}")
        try:
            await st.open()
            await st.train(Press(st.name), timeout)
        finally:
            await st.close()


async def one_class(args, n: int, replicas: int) -> dict:
    scenario = args.scenario
    qs = links(scenario, n, args.seed, args.preset)
    rng = random.Random(args.seed * 7919 + n)
    trace = C.new_trace() if args.trace else None
    servers = start_servers(replicas, trace)
    if args.pin:  # replica i on core i (mod the cores); threads it starts later inherit it
        ncpu = os.cpu_count() or 1
        for i, pid in enumerate(servers.pids):
            C.pin(C.proc_tree(pid), {i % ncpu})
        servers.label += " (pinned)"
    sampler = Sampler(servers.pids)
    sampler.start()
    pw = browsers = None
    try:
        if args.client == "chromium":
            from playwright.async_api import async_playwright

            pw = await async_playwright().start()
            browsers = [
                await C.launch(pw, EXTRA_ARGS)
                for _ in range(max(1, math.ceil(n / args.per_browser)))
            ]
            made = itertools.count()

            def make(url, q, name):
                b = browsers[next(made) // args.per_browser % len(browsers)]
                return ChromiumStudent(b, url, q, name, args.timeout)

        else:

            def make(url, q, name):
                agent = f"initdash-load/{name}"
                st = WsStudent(url, q, name=name, user_agent=agent, timeout=args.timeout)
                st.reread = args.reread
                return st

        await warm_up(servers, make, args.timeout)
        if trace:
            open(trace, "w").close()  # the trace covers the class only
        students = [make(servers.url, q, f"s{i + 1:02d}") for i, q in enumerate(qs)]
        cpu0, t0 = servers.cpu(), time.monotonic()
        open_errors = await open_all(students)
        t_open, cpu_open = time.monotonic() - t0, servers.cpu() - cpu0
        ok_students = [s for s, e in zip(students, open_errors, strict=True) if e is None]
        load_open = C.loadavg()
        cpu1, cl1, t1 = servers.cpu(), time.process_time(), time.monotonic()
        bcpu1, mcpu1, hcpu1 = servers.browsers_cpu(), C.machine_cpu(), servers.haproxy_cpu()
        if scenario == "c":
            presses = await run_busy(ok_students, args.duration, rng, args.timeout)
        else:
            presses = await run_wave(ok_students, args.window, rng, args.timeout)
        t2 = time.monotonic()
        cpu_wave, client_cpu = servers.cpu() - cpu1, time.process_time() - cl1
        machine, haproxy_cpu = C.machine_cpu() - mcpu1, servers.haproxy_cpu() - hcpu1
        load_wave = C.loadavg()
        browser_cpu = servers.browsers_cpu() - bcpu1 if args.client == "chromium" else None
        others = machine - cpu_wave - client_cpu - haproxy_cpu - (browser_cpu or 0.0)
        lost = {s.name: s.lost() for s in students if s.lost()}
        seen = {s.name: set(s.replicas) for s in students}
        for s in students:
            try:
                await s.close()
            except Exception:  # noqa: BLE001
                pass
        for b in browsers or ():
            await b.close()
        if pw is not None:
            await pw.stop()
    finally:
        sampler.done.set()
        servers.stop()
    clicks = [p.click for p in presses if p.click is not None]
    dones = [p.done or p.trained for p in presses if (p.done or p.trained) is not None]
    return {
        "n": n,
        "replicas": replicas,
        "servers": servers,
        "open_errors": [(s.name, e) for s, e in zip(students, open_errors, strict=True) if e],
        "t_open": t_open,
        "cpu_open": cpu_open,
        "load_open": load_open,
        "presses": presses,
        "cpu_wave": cpu_wave,
        "client_cpu": client_cpu,
        "haproxy_cpu": haproxy_cpu,
        "others_cpu": others,
        "browser_cpu": browser_cpu,
        "wall": t2 - t1,
        "wave": (max(dones) - min(clicks)) if clicks and dones else float("nan"),
        "peak": sampler.peak_mb(),
        "load": load_wave,
        "lost": lost,
        "seen": seen,
        "trace": trace,
    }


# ------------------------------------------------------------------ correctness, afterwards
def check_all(results: list[dict]) -> None:
    """Every press against initdash.run of its page's own link (after the servers stopped,
    so the reference runs never compete with them)."""
    cache: dict[str, dict] = {}
    for r in results:
        for p in r["presses"]:
            if not p.finished:
                continue
            key = _config_key(p.query)
            if key not in cache:
                try:
                    cache[key] = P.expected(p.query)
                except ValueError as e:
                    cache[key] = {"error": str(e)}
            want = cache[key]
            if "error" in want:
                p.correct, p.note = False, want["error"]
                continue
            p.correct, p.note = P.check(p.cards, p.tldr, want)
            if p.correct and p.intended and not _as_intended(p.intended, want["config"]):
                p.correct = False
                p.note = "changed {} to {!r}, but the page's link says otherwise".format(
                    *p.intended
                )


def _as_intended(intended: tuple, cfg) -> bool:
    """The config has the setting the student changed (the view is not part of it)."""
    what, v = intended
    if what == "seed":
        return cfg.seed == v
    return math.isclose(cfg.lr, float(v)) if what == "lr" else True


def _config_key(query: str) -> str:
    """The link without its view (views do not change the numbers)."""
    from urllib.parse import parse_qsl, urlencode

    return urlencode(sorted((k, v) for k, v in parse_qsl(query) if k != "view"))


# ------------------------------------------------------------------ report
def _after_click(presses: list[Press], when: str) -> list[float]:
    """Seconds from each press to its `when` moment (trained, done, page_done), where known."""
    return [
        getattr(p, when) - p.click
        for p in presses
        if getattr(p, when) is not None and p.click is not None
    ]


def summarize(r: dict) -> dict:
    ps = r["presses"]
    n_press = len(ps)
    fin = [p for p in ps if p.finished]
    tt, td, pd_ = (_after_click(fin, when) for when in ("trained", "done", "page_done"))
    correct = sum(1 for p in fin if p.correct)
    crossed = {k: v for k, v in r["seen"].items() if len(v) > 1}
    s = {
        "presses": n_press,
        "finished": len(fin),
        "correct": correct,
        "lost": len(r["lost"]),
        "crossed": len(crossed),
        "p50": C.pct(tt, 50),
        "p95": C.pct(tt, 95),
        "max": max(tt) if tt else float("nan"),
        "done_p95": C.pct(td, 95),
        "page_p95": C.pct(pd_, 95) if pd_ else None,
        "cpu_per_train": r["cpu_wave"] / n_press if n_press else float("nan"),
        "distinct": len({_config_key(p.query) for p in fin}),
    }
    s["ok"] = (
        n_press > 0
        and s["finished"] == n_press
        and correct == n_press
        and not r["open_errors"]
        and not s["lost"]
        and not s["crossed"]
    )
    s["meets"] = s["ok"] and s["p95"] < TARGET_P95_S
    return s


def report_class(args, r: dict, s: dict) -> None:
    srv = r["servers"]
    print(
        f"\n== scenario {args.scenario}, {r['n']} students, {srv.label}, client {args.client} "
        f"==  [{r['load']}]"
    )
    oe = r["open_errors"]
    print(
        f"   opening: {r['n'] - len(oe)}/{r['n']} pages in {r['t_open']:.1f} s, server CPU "
        f"{r['cpu_open']:.1f} s ({r['cpu_open'] / max(r['n'], 1):.2f} s per page)  "
        f"[{r['load_open']}]"
    )
    for name, e in oe[:5]:
        print(f"      {name} did not open: {e}")
    loaded = sum(1 for p in r["presses"] if p.finished and (p.progress or "").startswith("Loaded"))
    print(
        f"   presses: {s['presses']}; finished {s['finished']} ({loaded} served the finished run "
        f"from the app's cache), correct {s['correct']}, lost {s['lost']}, crossed "
        f"{s['crossed']}; distinct configs {s['distinct']}"
    )
    page = f"; page drawn p95 {s['page_p95']:.2f}" if s["page_p95"] is not None else ""
    print(
        f"   time to 'Trained' s: p50 {s['p50']:.2f} p95 {s['p95']:.2f} max {s['max']:.2f}; "
        f"script run done p95 {s['done_p95']:.2f}{page}; wave {r['wave']:.1f} s"
    )
    extra = f", browsers {r['browser_cpu']:.1f} s" if r["browser_cpu"] is not None else ""
    if srv.haproxy_pid is not None:
        extra += f", HAProxy {r['haproxy_cpu']:.1f} s"
    print(
        f"   server CPU {r['cpu_wave']:.1f} s over {r['wall']:.1f} s = {s['cpu_per_train']:.2f} s "
        f"per Train; peak RSS {r['peak']:.0f} MB  [{r['load']}]"
    )
    print(
        f"   the rest of the machine meanwhile: load client CPU {r['client_cpu']:.1f} s{extra}; "
        f"other people's processes {max(r['others_cpu'], 0.0):.1f} s of the "
        f"{r['wall'] * (os.cpu_count() or 1):.0f} core-seconds (the load average counts "
        "the server's own threads waiting for its GIL)"
    )
    if srv.haproxy_pid is not None:
        per = Counter(x for reps in r["seen"].values() for x in reps)
        print(f"   sessions per replica: {dict(sorted(per.items()))}")
    for name, why in list(r["lost"].items())[:5]:
        print(f"      {name} LOST: {why}")
    for name, reps in r["seen"].items():
        if len(reps) > 1:
            print(f"      {name} CROSSED replicas: {sorted(reps)}")
    bad = [p for p in r["presses"] if not p.finished or not p.correct or p.error]
    for p in bad[:8]:
        print(
            f"      {p.student} {p.query!r}: finished {p.finished}, correct {p.correct} "
            f"{p.note} {p.error or ''} (progress {p.progress!r})"
        )
    report_estimates(r["presses"])
    notes = {p.note for p in r["presses"] if p.correct}
    if notes:
        print(f"   checked: {', '.join(sorted(notes))}")
    if r.get("trace"):
        C.print_trace(r["trace"])
    if args.scenario == "verify":
        for p in r["presses"]:
            print(f"   the session's link {p.query!r}, progress {p.progress!r}")
            for label, card in p.cards.items():
                acc, loss, div = card
                print(
                    f"      {label:14s} test accuracy {acc:>5s}  loss {loss:>7s}  divergence {div}"
                )
            print(f"   same as the config run in-process: {p.correct} ({p.note})")


def report_estimates(presses: list[Press]) -> None:
    """The sidebar's "Train takes about N s", read before each press, against the time the
    press took to "Trained": the estimate shown (scaled by the server's measured slowdown) and
    the seconds of computing alone (a quiet server's figure); apart, the presses the page said
    would load a finished run at once."""
    done = [
        (p.trained - p.click, p.estimate)
        for p in presses
        if p.finished and p.estimate and p.trained is not None and p.click is not None
    ]
    loads = [t for t, e in done if e["about"] == 0]
    pairs = [(t, e) for t, e in done if e["about"] > 0]
    if loads:
        print(
            f"   {len(loads)} presses the page said would load a finished run at once: time to "
            f"'Trained' median {C.median(loads):.2f} s, max {max(loads):.2f} s"
        )
    if not pairs:
        return
    shown = [t / e["about"] for t, e in pairs]
    quiet = [t / e["quiet"] for t, e in pairs]
    scaled = sum(1 for _, e in pairs if e["about"] > e["quiet"] * 1.05)
    for what, keep in (("scaled", lambda e: e["about"] > e["quiet"] * 1.05),
                       ("not scaled", lambda e: e["about"] <= e["quiet"] * 1.05)):  # fmt: skip
        r = [t / e["about"] for t, e in pairs if keep(e)]
        if r:
            print(
                f"   {len(r)} presses with an estimate {what}: actual / estimate p10 "
                f"{C.pct(r, 10):.2f} median {C.median(r):.2f} p90 {C.pct(r, 90):.2f}"
            )
    # within the range shown (a duration is rounded to 2 significant digits: 5% either way)
    inside = sum(1 for t, e in pairs if e["lo"] / 1.05 <= t <= e["hi"] * 1.05)
    within2 = sum(1 for q in shown if 0.5 <= q <= 2.0)
    print(
        f"   time estimate vs time to 'Trained', {len(pairs)} trained presses ({scaled} shown "
        f"scaled by a measured slowdown): actual / estimate shown p10 {C.pct(shown, 10):.2f} "
        f"median {C.median(shown):.2f} p90 {C.pct(shown, 90):.2f}, within a factor of 2: "
        f"{within2}, within the range shown: {inside}; actual / seconds of computing (the "
        f"quiet server's figure) p10 {C.pct(quiet, 10):.2f} median {C.median(quiet):.2f} p90 "
        f"{C.pct(quiet, 90):.2f}"
    )
    worst = sorted(pairs, key=lambda te: te[0] / te[1]["about"])[-3:]
    for t, e in worst:
        print(
            f"      estimate {e['about']:.1f} s ({e['lo']:.1f} to {e['hi']:.1f}, computing "
            f"{e['quiet']:.1f}), actual {t:.1f} s"
        )


def print_summary(args, rows) -> None:
    print(f"\n== summary: scenario {args.scenario}, client {args.client} ({C.loadavg()}) ==")
    print(
        "   server               | students | presses | finished | correct | lost | crossed |"
        " p50 s | p95 s | max s | wave s | CPU s/Train | peak RSS MB | p95<10s"
    )
    for r, s in rows:
        print(
            f"   {r['servers'].label:20s} | {r['n']:8d} | {s['presses']:7d} | {s['finished']:8d} |"
            f" {s['correct']:7d} | {s['lost']:4d} | {s['crossed']:7d} | {s['p50']:5.2f} |"
            f" {s['p95']:5.2f} | {s['max']:5.2f} | {r['wave']:6.1f} | {s['cpu_per_train']:11.2f} |"
            f" {r['peak']:11.0f} | {'yes' if s['meets'] else 'NO'}"
        )
    by_rep: dict[int, list] = {}
    for r, s in rows:
        by_rep.setdefault(r["replicas"], []).append((r, s))
    for rs in by_rep.values():
        cores = rs[0][0]["servers"].cores
        met = [r["n"] for r, s in rs if s["meets"]]
        tried = max(r["n"] for r, _ in rs)
        who = "sessions" if args.scenario == "c" else "students"
        if met:
            best = max(met)
            bound = "at least " if best == tried else ""
            print(
                f"   capacity ({rs[0][0]['servers'].label}): {bound}{best} {who} finished and "
                f"correct with p95 < {TARGET_P95_S:.0f} s on {cores} core(s) = {bound}"
                f"{best / cores:.0f} {who} per core"
                + (" (the largest class tried; try more)" if best == tried else "")
            )
        else:
            print(
                f"   capacity ({rs[0][0]['servers'].label}): no class size tried met p95 < "
                f"{TARGET_P95_S:.0f} s with every press finished and correct"
            )
        cpt = C.median([s["cpu_per_train"] for _, s in rs])
        if cpt and args.scenario != "a":
            print(
                f"      CPU bound: {cpt:.2f} server CPU s per Train -> one core serves at most "
                f"{60 / cpt:.0f} Trains per minute"
            )
    if 1 in by_rep and 2 in by_rep:
        w1 = C.median([r["wave"] for r, _ in by_rep[1]])
        w2 = C.median([r["wave"] for r, _ in by_rep[2]])
        p1 = C.median([s["p95"] for _, s in by_rep[1]])
        p2 = C.median([s["p95"] for _, s in by_rep[2]])
        ok = all(s["ok"] for _, s in by_rep[1] + by_rep[2])
        speed = w1 / w2 if w2 else float("nan")
        line = (
            f"   1 -> 2 replicas: wave {w1:.1f} s -> {w2:.1f} s = {speed:.2f}x faster; p95 "
            f"{p1:.2f} -> {p2:.2f} s"
        )
        if args.scenario == "b" and args.window == 0:
            verdict = "target met" if speed >= REPLICA_SPEEDUP_TARGET and ok else "TARGET MISSED"
            line += (
                f" (target: the wave >= {REPLICA_SPEEDUP_TARGET}x faster, no session lost or "
                f"crossed): {verdict}"
            )
        else:
            line += (
                " (presses spread over the window: the wave lasts as long as the window; the "
                "1.6x target is for --scenario b --window 0)"
            )
        print(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scenario", choices=("a", "b", "c", "verify"), default="b")
    ap.add_argument("--client", choices=("ws", "chromium"), default="ws")
    ap.add_argument("--students", type=int, nargs="+", help="class size(s); several = a sweep")
    ap.add_argument("--window", type=float, help="s over which presses spread (a: 10, b: 60)")
    ap.add_argument("--duration", type=float, default=300.0, help="scenario c: seconds")
    ap.add_argument("--replicas", type=int, nargs="+", default=[0], help="0: direct; K: HAProxy")
    ap.add_argument("--preset", default="seed_table", help="scenario a's preset")
    ap.add_argument("--seed", type=int, default=3, help="scenario a's link seed; the RNG's seed")
    ap.add_argument("--timeout", type=float, default=300.0, help="s per Train")
    ap.add_argument("--per-browser", type=int, default=20, help="chromium: contexts per browser")
    ap.add_argument("--trace", action="store_true", help="serve bench/_traced_app.py, report")
    ap.add_argument("--pin", action="store_true", help="replica i on core i (sched_setaffinity)")
    ap.add_argument(
        "--reread", action="store_true", help="ws: rerun each page just before its Train press"
    )
    args = ap.parse_args()
    if args.scenario == "verify":
        args.students = [1]
    limit_blas_threads(1)
    n_list = args.students or [DEFAULTS[args.scenario][0]]
    if args.window is None:
        args.window = DEFAULTS[args.scenario][1]
    print(f"initdash load: scenario {args.scenario}, client {args.client}")
    print(f"   commit {C.git_rev()}; os.cpu_count() = {os.cpu_count()}; {C.loadavg()}")
    if args.scenario in ("a", "b"):
        what = f"window {args.window:.0f} s"
    else:
        what = f"duration {args.duration:.0f} s"
    print(f"   students {n_list}, {what}, replicas {args.replicas}, timeout {args.timeout:.0f} s")
    results = []
    for reps in args.replicas:
        for n in n_list:
            results.append(asyncio.run(one_class(args, n, reps)))
            time.sleep(1)
    t = time.perf_counter()
    check_all(results)
    print(f"\n   (correctness checked in-process afterwards in {time.perf_counter() - t:.1f} s)")
    rows = []
    for r in results:
        s = summarize(r)
        report_class(args, r, s)
        rows.append((r, s))
    print_summary(args, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
