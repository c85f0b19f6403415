"""Shared helpers of the browser benchmarks (app_speed, payload, server_cpu, load); not one.

Starts the server through the test harness (``tests/harness.py``: ``start_app``/``stop_app``),
launches Debian's Chromium through Playwright with the harness's flags, and holds the in-page
JavaScript that timestamps a Train click and the moment the page is finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the repository root: initdash, dashboard, tests, bench, deploy
    sys.path.insert(0, str(REPO))

from tests import harness  # noqa: E402  (start_app, stop_app, CHROMIUM_ARGS, ...)

VIEWPORT = harness.VIEWPORT


def loadavg() -> str:
    """'load 1.23 0.98 0.87 on 2 cores' (1, 5, 15 minutes)."""
    a = os.getloadavg()
    return f"load {a[0]:.2f} {a[1]:.2f} {a[2]:.2f} on {os.cpu_count()} cores"


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a small sample."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(1, min(len(s), int(-(-q * len(s) // 100))))
    return s[k - 1]


TRACED_APP = REPO / "bench" / "_traced_app.py"


def new_trace() -> str:
    """A fresh file for bench/_traced_app.py's log (see print_trace)."""
    return os.path.join(tempfile.mkdtemp(prefix="initdash-bench-"), "trace.jsonl")


def start_server(trace: str | None = None):
    """(url, proc) of `streamlit run streamlit_app.py` via the test harness; with `trace`, of
    bench/_traced_app.py logging to that file."""
    env = {"INITDASH_BENCH_TRACE": trace} if trace else None
    try:
        return harness.start_app(env, script=TRACED_APP if trace else harness.APP_SCRIPT)
    except BaseException as e:  # pytest.fail raises a BaseException subclass
        if isinstance(e, KeyboardInterrupt):
            raise
        raise RuntimeError(f"server did not start: {e}") from None


@contextlib.contextmanager
def server_and_browser(trace: str | None = None):
    """(url, server process, headless Chromium) for a `with` block; both stopped after it."""
    from playwright.sync_api import sync_playwright

    url, proc = start_server(trace)
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                yield url, proc, browser
            finally:
                browser.close()
    finally:
        harness.stop_app(proc)


def new_page(browser, timeout_ms: float = 60_000):
    """(context, page): a fresh context (cold cache, like a student's first visit), INIT_JS in."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(timeout_ms)
    page = ctx.new_page()
    page.add_init_script(INIT_JS)
    return ctx, page


def wait_finished(page, need_charts: bool = True, timeout_s: float = 300.0, polling=20) -> None:
    """Until the page is finished (DONE_JS: "Trained", idle, with need_charts every chart drawn)."""
    page.wait_for_function(
        DONE_JS, arg=["Trained", need_charts, QUIET_MS], timeout=timeout_s * 1000, polling=polling
    )


def click_train(page, need_charts: bool = True, timeout_s: float = 300.0, polling=20) -> None:
    page.get_by_role("button", name="Train", exact=True).click()
    wait_finished(page, need_charts, timeout_s, polling)


def progress_text(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def launch(playwright, extra_args=()):
    """Headless Chromium (Debian's, as the tests use it); with Playwright's async API, await it."""
    path, reason = harness.find_chromium()
    if path is None:
        raise SystemExit(reason)
    return playwright.chromium.launch(
        executable_path=path, args=[*harness.CHROMIUM_ARGS, *extra_args], headless=True
    )


def proc_tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kb(pid: int) -> int:
    """VmRSS in kB of pid plus its descendants (0 for a vanished process)."""
    rss = 0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                rss += sum(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except OSError:
            pass
    return rss


def cpu_seconds(pid: int) -> float:
    """user+system CPU seconds used so far by pid (all its threads; 0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores, all processes; /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pids) -> float:
    return sum(cpu_seconds(p) for p in pids)


def browser_pids(*server_pids: int | None) -> list[int]:
    """Our descendants that are not servers: the Playwright driver and Chromium."""
    mine = set(proc_tree(os.getpid())) - {os.getpid()}
    for pid in server_pids:
        if pid is not None:
            mine -= set(proc_tree(pid))
    return sorted(mine)


def pin(pids, cpus: set[int]) -> None:
    """Pin every thread of the given processes to `cpus` (children inherit it)."""
    for p in pids:
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{p}/task")]
        except OSError:
            continue
        for t in tids:
            try:
                os.sched_setaffinity(t, cpus)
            except OSError:
                pass


def pin_apart(server_pid: int, with_self: bool = False) -> None:
    """The server (and, with_self, this process) on CPU 0, our browsers on CPU 1."""
    pin(proc_tree(server_pid), {0})
    if with_self:
        pin([os.getpid()], {0})
    pin(browser_pids(server_pid), {1})


# ------------------------------------------------------------------ in-page timing
# Installed (page.add_init_script) before the app loads: a capturing click listener stamps
# the moment a button whose text contains "Train" is clicked, and a MutationObserver stamps
# every change of the progress text and the first moment a chart is drawn after the click.
INIT_JS = r"""
(() => {
  const B = window.__bench = {click: null, clickEpoch: null, progress: [], firstChart: null,
                              lastText: null, doneSince: null, doneEpoch: null};
  document.addEventListener('click', (e) => {
    const b = e.target && e.target.closest && e.target.closest('button');
    if (b && b.innerText.includes('Train') && B.click === null) {
      B.click = performance.now();
      B.clickEpoch = Date.now();
    }
  }, true);
  // a chart drawn or redrawn: a mark added or changed inside a chart's svg (the loss view
  // shows its chart before Train, and a redraw changes the marks of the chart in place)
  const inChart = (m) => {
    const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    return !!(el && el.closest && el.closest('[data-testid="stVegaLiteChart"] svg'));
  };
  const look = (muts) => {
    if (B.click === null) return;
    const p = document.querySelector('[data-testid="stProgress"]');
    const t = p ? p.innerText : null;
    if (t !== null && t !== B.lastText) { B.lastText = t; B.progress.push([performance.now(), t]); }
    if (B.firstChart === null && muts.some(inChart)) B.firstChart = performance.now();
  };
  const start = () => new MutationObserver(look).observe(document.documentElement,
      {subtree: true, childList: true, characterData: true, attributes: true,
       attributeFilter: ['d', 'transform']});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""

# Finished: the progress text matches the regular expression `word`, the app is idle (the
# harness's definition) and, with needCharts, there is at least one chart and every chart has
# an svg or canvas. Returns true once that has held for `quiet` ms; window.__bench.doneSince
# is when it started to hold.
DONE_JS = (
    "([word, needCharts, quiet]) => {"
    + harness.APP_IDLE_JS
    + r"""
  const B = window.__bench;
  const re = new RegExp(word);
  const prog = [...document.querySelectorAll('[data-testid="stProgress"]')]
      .some(e => re.test(e.innerText));
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  const drawn = !needCharts
    || (charts.length > 0 && charts.every(c => c.querySelector('svg, canvas') !== null));
  const now = performance.now();
  if (!(prog && idle && drawn)) { B.doneSince = null; return false; }
  if (B.doneSince === null) { B.doneSince = now; B.doneEpoch = Date.now(); }
  return now - B.doneSince >= quiet;
}
"""
)

QUIET_MS = 300  # the finished state must hold this long (a rerun may be about to start)


def reported_seconds(text: str) -> float | None:
    """The app's own 'Trained N epochs in X s' figure."""
    m = re.search(r"Trained \d+ epochs in ([0-9.]+) s", text or "")
    return float(m.group(1)) if m else None


def git_rev() -> str:
    """The commit measured ('abc1234', '+dirty' when app/core files differ from it)."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    try:
        rev = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--", "streamlit_app.py", "dashboard", "initdash")
    except OSError:
        return "unknown"
    return rev + (" +uncommitted changes in app/core" if dirty.strip() else "")


def print_trace(path: str) -> None:
    """Where the server's script thread spent its time, from bench/_traced_app.py's log."""
    try:
        with open(path, encoding="utf-8") as f:
            recs = [json.loads(line) for line in f]
    except OSError:
        print("   (no trace written)")
        return
    agg: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0])
    for r in recs:
        if "wall" not in r:
            continue
        a = agg[r["ev"]]
        a[0] += 1
        a[1] += r["wall"]
        a[2] += r.get("cpu", 0.0)
        a[3] += r.get("epochs", 0)
    runs = sum(1 for r in recs if r["ev"] == "script_start")
    print(f"\n== server trace (bench/_traced_app.py; {runs} script runs incl. page loads) ==")
    print("   part                          calls  wall s  thread-CPU s  wall/call ms  CPU/wall")
    for name, (n, wall, cpu, _) in sorted(agg.items(), key=lambda kv: -kv[1][1]):
        share = f"{cpu / wall:8.2f}" if name != "gc2" and wall else "       –"
        print(f"   {name:28s} {n:6d} {wall:7.2f} {cpu:13.2f} {1000 * wall / n:13.1f} {share}")
    adv = agg.get("advance")
    if adv and adv[3]:
        print(
            f"   training inside the app: {adv[3]} epochs in {adv[1]:.2f} s wall / {adv[2]:.2f} s "
            f"CPU = {1000 * adv[1] / adv[3]:.3f} ms/epoch wall, "
            f"{1000 * adv[2] / adv[3]:.3f} ms/epoch CPU"
        )
