"""The test harness: `streamlit run` on a free port, Chromium for Playwright, page helpers.

Importable from the repository root by tests and benchmarks alike (``from tests.harness import
...``); tests/conftest.py turns it into pytest fixtures (``app_url``, ``browser``, ``page``).

    start_app(env=None, script=...) -> (url, proc)   a server of your own, e.g. with other env
    stop_app(proc)                                   stop it (by its own PID)
    find_chromium() -> (path or None, reason)        Debian's /usr/bin/chromium or $CHROMIUM_PATH
    skip_or_fail(reason)                             skip locally, fail under CI=true
    wait_for_app_idle(page, timeout=...)             wait until Streamlit finished its script run
    screenshot(page, name) -> Path                   PNG under artifacts/screenshots/
    python_c(code) -> CompletedProcess               `python -c code`, fresh, in the repo root
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

T = TypeVar("T")

if TYPE_CHECKING:  # pragma: no cover - typing only; playwright may be absent at run time
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_SCRIPT = REPO_ROOT / "streamlit_app.py"
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOGS = ARTIFACTS / "logs"

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1440, "height": 900}
SERVER_START_TIMEOUT_S = 60.0

# What Streamlit 1.67 puts in the DOM (read off a live page, not guessed):
# <div data-testid="stApp" data-test-script-state="initial|running|notRunning|..."
#      data-test-connection-state="INITIAL|CONNECTING|CONNECTED|...">; while the script runs,
# the header also shows [data-testid="stStatusWidget"] (with stStatusWidgetRunningIcon,
# aria-label "Running..."), elements waiting to be redrawn carry data-stale="true", and
# placeholders not yet filled are [data-testid="stSkeleton"].
APP_SELECTOR = '[data-testid="stApp"]'
# JavaScript statements that set `idle`: Streamlit is connected and has finished its script run
# (the start of a function body: IDLE_JS here and bench/_common.DONE_JS begin with them)
APP_IDLE_JS = """
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-testid="stStatusWidget"]') === null
    && document.querySelector('[data-testid="stSkeleton"]') === null
    && document.querySelector('[data-stale="true"]') === null;
"""
IDLE_JS = (
    "(quietMs) => {"
    + APP_IDLE_JS
    + """
  const now = performance.now();
  if (!idle) { window.__initdashIdleSince = null; return false; }
  if (window.__initdashIdleSince == null) { window.__initdashIdleSince = now; }
  return now - window.__initdashIdleSince >= quietMs;
}
"""
)


# --------------------------------------------------------------------------- skip or fail


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when the CI variable says so (CI=true, as .ci/run sets it)."""
    environ = os.environ if environ is None else environ
    return environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def find_chromium(
    environ: Mapping[str, str] | None = None, *, default: str | None = None
) -> tuple[str | None, str]:
    """Return (path to a Chromium executable or None, reason it is missing or "").

    $CHROMIUM_PATH, when set and executable, wins; otherwise `default` (DEFAULT_CHROMIUM,
    Debian's /usr/bin/chromium).
    """
    environ = os.environ if environ is None else environ
    default = DEFAULT_CHROMIUM if default is None else default
    candidates = []
    override = environ.get("CHROMIUM_PATH", "").strip()
    if override:
        candidates.append(override)
    candidates.append(default)
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate, ""
    tried = " or ".join(candidates)
    return None, (
        f"no Chromium at {tried}; install Debian's chromium (apt-get install chromium) "
        "or set CHROMIUM_PATH"
    )


def skip_or_fail(reason: str, environ: Mapping[str, str] | None = None) -> NoReturn:
    """Skip the test locally, but fail it under CI=true: CI must never silently skip."""
    if in_ci(environ):
        pytest.fail(
            f"{reason} (CI=true: a missing browser is a failure, not a skip)", pytrace=False
        )
    pytest.skip(reason)


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return None


def _tail(path: Path, n_chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except OSError:
        return "(no log)"


def stop_app(proc: subprocess.Popen) -> None:
    """Stop a server started by start_app: SIGTERM to its own PID, then SIGKILL if needed."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    log = getattr(proc, "log_file", None)
    if log is not None and not log.closed:
        log.close()


def start_app(
    env: Mapping[str, str] | None = None,
    *,
    script: str | os.PathLike = APP_SCRIPT,
    timeout: float = SERVER_START_TIMEOUT_S,
    port: int | None = None,
) -> tuple[str, subprocess.Popen]:
    """Start `streamlit run SCRIPT` headless on a free port; return (base URL, process).

    `env` holds extra environment variables layered over os.environ. `port` picks the port
    (e.g. to restart a server where a page is connected); by default a free one. The server
    runs in the repository root (so .streamlit/config.toml applies) and logs to
    artifacts/logs/ (with `port` given, appended to that port's log). The caller owns
    the process: stop it with stop_app(proc). Fails the test, with the server's log, if the
    server dies or /_stcore/health does not answer "ok" within `timeout` seconds.
    """
    restart = port is not None
    port = free_port() if port is None else int(port)
    url = f"http://127.0.0.1:{port}"
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"streamlit-{Path(script).stem}-{port}.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    full_env = {**os.environ, **(env or {})}
    # closed by stop_app; on a port the caller chose (a restart), keep the earlier log too
    log_file = open(log_path, "a" if restart else "w", encoding="utf-8")
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT
    )
    proc.log_file = log_file  # type: ignore[attr-defined]
    proc.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            stop_app(proc)
            pytest.fail(
                f"streamlit exited with code {proc.returncode} before serving {url}\n"
                f"command: {' '.join(cmd)}\nlog {log_path}:\n{_tail(log_path)}",
                pytrace=False,
            )
        if _health(url) == "ok":
            return url, proc
        if time.monotonic() > deadline:
            stop_app(proc)
            pytest.fail(
                f"streamlit did not answer ok on {url}/_stcore/health within {timeout:.0f} s\n"
                f"command: {' '.join(cmd)}\nlog {log_path}:\n{_tail(log_path)}",
                pytrace=False,
            )
        time.sleep(0.25)


# What the container tests did, line by line (tests/test_container.py writes it; the session's
# summary prints it, so CI's log shows the build, the run and the compose test).
CONTAINER_LOG = ARTIFACTS / "docker" / "container-tests.log"

# A quiz answer's widget (its key, dashboard.state.quiz_answer: "q_<question>_<scheme>"), as
# Streamlit marks it in the page: the quiz's boxes, apart from the page's other controls.
QUIZ = '[class*="st-key-q_"]'


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coro) in a thread of its own: Playwright's sync API keeps an event loop
    running in the test process once a browser fixture has started, and asyncio.run refuses
    to start a second loop in a thread that has one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def python_c(code: str) -> subprocess.CompletedProcess:
    """Run ``python -c code`` in a fresh interpreter in the repository root (what a module
    imports shows there alone); its output and errors captured as text."""
    cmd = [sys.executable, "-c", code]
    return subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------- page helpers


def wait_for_app_idle(page: Page, timeout: float = 60_000, quiet: float = 300) -> None:
    """Wait until Streamlit is connected and has finished running the script.

    Idle means: stApp is CONNECTED with data-test-script-state="notRunning", no status widget
    ("Running..."), no skeletons and no stale elements, and that has held for `quiet` ms (so a
    rerun that a click has just requested is not mistaken for idle). Times are in ms, as in
    Playwright.
    """
    page.wait_for_selector(APP_SELECTOR, state="attached", timeout=timeout)
    page.evaluate("window.__initdashIdleSince = null")
    page.wait_for_function(IDLE_JS, arg=quiet, timeout=timeout, polling=50)


def screenshot(page: Page, name: str, whole: bool = False) -> Path:
    """Save a full-page PNG as artifacts/screenshots/<name>.png and return its path.

    Streamlit scrolls its main area, not the page, so a full-page shot shows one screen;
    ``whole``: the screen made as tall as the main area's content for the shot (the width
    stays, so the layout does), then put back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = SCREENSHOTS / f"{safe}.png"
    size = page.viewport_size
    tall = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : 0; }"
    )
    if whole and size and tall > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(tall, 8000)})
        page.wait_for_timeout(300)
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


# --------------------------------------------------------------------------- layout
# How wide the page is against the screen: the document's scrollWidth and clientWidth, and the
# right edge of every chart's drawing (svg or canvas), as the browser lays them out.
LAYOUT_JS = """
() => {
  const de = document.documentElement;
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(c => {
    const d = c.querySelector('svg, canvas');
    const r = (d || c).getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, top: r.top + window.scrollY};
  });
  return {scroll: de.scrollWidth, client: de.clientWidth, charts,
          right: Math.max(0, ...charts.map(c => c.right))};
}
"""


def press_train(page: Page, timeout: float = 120_000) -> None:
    """Press Train and wait until the progress row says "Trained" (or that a finished run of the
    same settings was loaded) and the page is idle."""
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => /Trained|Loaded a finished run/.test(e.innerText))""",
        timeout=timeout,
    )
    wait_for_app_idle(page)


# The buttons of the views' control under a group's tab (a segmented control keyed
# view_in_<group>: Streamlit gives its element the class st-key-<key>)
VIEW_BUTTONS = '[class*="st-key-view_in_"] [data-testid="stButtonGroup"] button'


def click_view(page: Page, name: str) -> None:
    """Click a view open the way a user does: its group's tab (if another is open), then the
    view's button under it, once that tab's rerun has drawn it (not waited for further; a
    run may be training meanwhile)."""
    from dashboard.views.registry import VIEWS, group_of

    group = group_of(name)
    tab = page.get_by_role("tab", name=group.title)
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
        page.wait_for_timeout(200)
    if len(group.views) > 1:
        button = page.locator(VIEW_BUTTONS, has_text=VIEWS[name].title)
        if button.get_attribute("aria-checked") != "true":
            button.click()
            page.wait_for_timeout(200)


def selected_view(page: Page) -> str:
    """What the page shows as open: the selected tab's text and the checked view's under it."""
    tab = page.locator('[role="tab"][aria-selected="true"]').inner_text()
    checked = page.locator(VIEW_BUTTONS + '[aria-checked="true"]')
    return tab + " / " + (checked.inner_text() if checked.count() else "")


def open_view(page: Page, name: str) -> None:
    """Open a view (``click_view``) and wait until the page is idle and its charts drawn."""
    click_view(page, name)
    wait_for_app_idle(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                 .every(c => c.querySelector('svg, canvas') !== null)""",
        timeout=30_000,
    )


# Every visible piece of text in the main area, with the contrast of its colour on the
# background behind it (WCAG 2, the colours' alpha blended over that background; an svg's text
# on the chart's white): [{text, ratio, large, color, bg}], lowest ratio first. Disabled
# controls and placeholders are left out (WCAG exempts them). "large": 18.66 px bold or 24 px.
CONTRAST_JS = """
(root) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (fg, bg) => [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const lum = (c) => { const l = c.map(v => { v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const ratio = (a, b) => { const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // what is drawn behind the text: the elements under its middle (a positioned label's
  // ancestors need not be), else its ancestors, blended until one is opaque
  const background = (el, r) => { const stack = [];
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const inView = x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;
    const under = inView ? document.elementsFromPoint(x, y).filter(e => e !== el) : [];
    const chain = []; for (let e = el; e; e = e.parentElement) chain.push(e);
    for (const e of (under.length ? under : chain)) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { stack.push(c); if (c[3] >= 1) break; } }
    let bg = [255, 255, 255];
    for (const c of stack.reverse()) bg = over(c, bg);
    return bg; };
  const out = [];
  const box = document.querySelector(root) || document.body;
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || /^[\\u25a0-\\u25ff]+$/.test(text) || !el || seen.has(el)) continue;  // a swatch
    seen.add(el);
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || st.visibility === 'hidden') continue;
    if (el.closest('[disabled], [aria-disabled="true"], .vg-tooltip, [role="tooltip"]')) continue;
    if (el.closest('details:not([open])') && !el.closest('summary')) continue;  // folded away
    const inSvg = el.closest('svg');
    let fg, bg;
    if (inSvg) { fg = parse(st.fill) || [0, 0, 0, 1];
      const op = parseFloat(st.fillOpacity || '1') * parseFloat(st.opacity || '1');
      fg[3] = fg[3] * op; bg = [255, 255, 255];
      if (fg[3] < 0.05) continue; }  // not drawn (a label Vega hid to avoid an overlap)
    else { fg = parse(st.color); bg = background(el, r);
      let op = 1; for (let e = el; e; e = e.parentElement)
        op *= parseFloat(getComputedStyle(e).opacity || '1');
      if (op < 0.05) continue;  // not shown (a slider's ends until hovered)
      fg[3] = fg[3] * op; }
    if (!fg) continue;
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    out.push({text: text.slice(0, 60), ratio: ratio(over(fg, bg), bg),
              large: size >= 24 || (bold && size >= 18.66), color: st.color || st.fill,
              bg: 'rgb(' + bg.map(Math.round).join(',') + ')'});
  }
  return out.sort((a, b) => a.ratio - b.ratio);
}
"""
