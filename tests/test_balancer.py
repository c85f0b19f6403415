"""Two replicas behind HAProxy (deploy/haproxy.cfg), on this machine: sessions stick to their
replica, a replica that stops costs only its own sessions a fresh page, share links work.

The replicas are `streamlit run streamlit_app.py` started by the test harness
(harness.start_app); HAProxy is started by deploy/replicas.py from the shipped configuration.
Which replica served what is read three independent ways: the X-Initdash-Replica header
HAProxy adds to every response, HAProxy's request log (one line per request, with the
replica and the browser's user agent, the websocket upgrade included), and the app itself (a
session's run exists on one replica only: if a rerun reached the other one, the page would
lose its run). Without haproxy these tests skip (under CI=true they fail: .ci/run installs
Debian's haproxy); the browser ones also need Chromium.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench import page_reading as P
from bench import stclient  # the browser-free client
from deploy import replicas as R
from tests.harness import (
    LOGS,
    REPO_ROOT,
    free_port,
    open_view,
    run_coroutine,
    screenshot,
    skip_or_fail,
    start_app,
    stop_app,
    wait_for_app_idle,
)

TRAIN, STOP = P.TRAIN_LABEL, P.STOP_LABEL  # the page's labels, as bench/page_reading.py knows them
APP = '[data-testid="stApp"]'
DIALOG = '[role="dialog"]'
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'
HEADER = R.REPLICA_HEADER.lower()


def need_haproxy() -> None:
    if R.find_haproxy() is None:
        skip_or_fail("no haproxy (Debian: apt-get install haproxy; or set $HAPROXY)")


# --------------------------------------------------------------------------- the stack
class Stack:
    """Two replicas (harness.start_app, with ``env`` added) behind HAProxy
    (deploy/replicas.start_haproxy)."""

    def __init__(self, n: int = 2, env: dict | None = None) -> None:
        secret = os.urandom(16).hex()
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.haproxy = None
        try:
            for i in range(1, n + 1):
                url, proc = start_app({"STREAMLIT_SERVER_COOKIE_SECRET": secret, **(env or {})})
                self.procs[f"r{i}"], self.ports[f"r{i}"] = proc, int(url.rsplit(":", 1)[1])
            servers = [(name, "127.0.0.1", port) for name, port in self.ports.items()]
            self.log_dir = LOGS / f"balancer-{min(self.ports.values())}"
            self.url, self.stats_url, self.haproxy = R.start_haproxy(servers, self.log_dir)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.haproxy is not None:
            R.stop_process(self.haproxy)
        for proc in self.procs.values():
            stop_app(proc)

    def log(self, ua: str) -> list[tuple[str, str]]:
        """(replica, request line) of every request HAProxy logged for this user agent."""
        out = []
        for line in (self.log_dir / "haproxy.log").read_text(errors="replace").splitlines():
            if "{initdash-test/" + ua + "}" in line:
                m = re.search(r" streamlit/(\S+) ", line)
                req = re.search(r'"([A-Z]+ \S+)', line)
                out.append((m.group(1) if m else "?", req.group(1) if req else line))
        return out

    def wait_state(self, name: str, state: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while R.server_states(self.stats_url).get(name) != state:
            assert time.monotonic() < deadline, R.server_states(self.stats_url)
            time.sleep(0.2)


@pytest.fixture(scope="module")
def stack():
    need_haproxy()
    s = Stack()
    s.wait_state("r1", "UP")
    s.wait_state("r2", "UP")
    yield s
    s.stop()


# --------------------------------------------------------------------------- configuration
def test_the_shipped_configuration_is_valid_for_one_host_and_for_dns_replicas(tmp_path):
    """deploy/haproxy.cfg as replicas.py renders it, and as compose/Kubernetes use it
    (servers from DNS): HAProxy's own checker accepts both; the local one has a server line
    per replica and keeps the sticky cookie, the websocket tunnel timeout and health checks."""
    need_haproxy()
    text = R.render([("r1", "127.0.0.1", 9101), ("r2", "127.0.0.1", 9102)])
    assert "server r1 127.0.0.1:9101 check" in text and "server r2 127.0.0.1:9102 check" in text
    for needed in ("cookie INITDASH_SERVER insert", "timeout tunnel", "/_stcore/health"):
        assert needed in text
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(text)
    env = R.haproxy_env("127.0.0.1:9100", "127.0.0.1:9103", "key")
    for extra in ({}, {"INITDASH_DNS_NAME": "app", "INITDASH_MAX_REPLICAS": "4"}):
        path = R.TEMPLATE if extra else cfg
        run = subprocess.run(
            [R.find_haproxy(), "-c", "-f", str(path)],
            env={**env, **extra},
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Configuration file is valid" in run.stdout + run.stderr


@pytest.mark.slow
def test_the_start_script_serves_through_haproxy_and_stops_everything_on_ctrl_c(tmp_path):
    """python deploy/replicas.py 2: both replicas healthy behind HAProxy, a sticky cookie on
    the first response, and SIGINT (Ctrl-C) stops HAProxy and every replica."""
    need_haproxy()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "deploy" / "replicas.py"), "2", "--port", str(port),
         "--log-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while not any("Students open" in x for x in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            lines.append(proc.stdout.readline())
        out = "".join(lines)
        pids = [int(p) for p in re.findall(r"pid (\d+)", out)]
        assert len(pids) == 3, out  # two replicas and haproxy
        stats = re.search(r"status page (http://\S+)/", out).group(1)
        while R.server_states(stats) != {"r1": "UP", "r2": "UP"}:  # each passes its checks
            assert time.monotonic() < deadline, R.server_states(stats)
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
            assert r.read() == b"ok"
            assert r.headers[R.REPLICA_HEADER] in ("r1", "r2")
            assert any("INITDASH_SERVER=" in c for c in r.headers.get_all("Set-Cookie"))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        rest = proc.stdout.read()
        assert "stopped" in rest, rest
        for pid in pids:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid), pid
    finally:
        if proc.poll() is None:  # a failed check: let the script stop its children first
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0]
    except (OSError, IndexError):
        return "zombie"


# --------------------------------------------------------------------------- browser-free
def _get(url: str, gzip_ok: bool) -> tuple[bytes, dict]:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
        return r.read(), r.headers


def test_text_is_gzipped_through_the_balancer_exactly_and_fonts_pass_as_they_are(stack):
    """deploy/haproxy.cfg compresses text for browsers that accept gzip: the page and its
    JavaScript arrive gzipped (with the sticky cookie) and unpack to exactly what the replica
    serves; a client that does not accept gzip gets them plain, and fonts (compressed already)
    pass untouched. The websocket is not compressed (a tunnel): the browser tests here run
    through it."""
    page, headers = _get(stack.url + "/", gzip_ok=True)
    assert headers["Content-Encoding"] == "gzip"
    assert any("INITDASH_SERVER=" in c for c in headers.get_all("Set-Cookie"))
    replica = f"http://127.0.0.1:{stack.ports[headers[R.REPLICA_HEADER]]}"
    html = gzip.decompress(page)
    assert html == _get(replica + "/", gzip_ok=False)[0]
    script = re.search(rb'src="\.?/?(static/js/index\.[^"]+\.js)"', html).group(1).decode()
    font = re.search(rb'href="\.?/?(static/media/[^"]+\.woff2)"', html).group(1).decode()
    packed, headers = _get(f"{stack.url}/{script}", gzip_ok=True)
    plain = _get(f"{replica}/{script}", gzip_ok=False)[0]
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 1.5, (len(packed), len(plain))
    body, headers = _get(f"{stack.url}/{script}", gzip_ok=False)
    assert "Content-Encoding" not in headers and body == plain
    body, headers = _get(f"{stack.url}/{font}", gzip_ok=True)
    assert "Content-Encoding" not in headers and body[:4] == b"wOF2"


def test_two_headless_sessions_land_on_both_replicas_and_see_their_own_numbers(stack):
    """bench/stclient.py through the balancer: two sessions open at once go to different
    replicas (leastconn), every response of a session comes from its replica, and each
    session's headline cards and TL;DR table equal its own link run in-process."""
    links = ["preset=seed_table&seed=21&epochs=300", "preset=seed_table&seed=22&epochs=300"]

    async def go():
        ss = [stclient.Session(stack.url, q, name=f"h{i}", timeout=60) for i, q in enumerate(links)]
        for s in ss:
            await s.open()
        for s in ss:
            m = await s.press(P.TRAIN_LABEL)
            await s.wait_finished()
            assert m.trained is not None
        out = [(s.replicas, s.cards(), s.tldr(), s.query, s.closed) for s in ss]
        for s in ss:
            await s.close()
        return out

    got = run_coroutine(go())
    assert [len(reps) for reps, *_ in got] == [1, 1], got
    assert got[0][0] != got[1][0], "both sessions on one replica"
    for reps, cards, tldr, query, closed in got:
        assert not closed
        ok, note = P.check(cards, tldr, P.expected(query))
        assert ok, (reps, note)
        assert "TL;DR" in note


# --------------------------------------------------------------------------- in a browser
# Records, from the first moment of the page: every connection state the app goes through,
# and any dialog ("Connection error") it shows.
WATCH_JS = """
(() => {
  const W = window.__watch = {states: [], dialogs: []};
  const look = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const s = app && app.getAttribute('data-test-connection-state');
    if (s && s !== W.states[W.states.length - 1]) W.states.push(s);
    const d = document.querySelector('[role="dialog"]');
    const t = d ? d.innerText.slice(0, 80) : null;
    if (t !== null && !W.dialogs.includes(t)) W.dialogs.push(t);
  };
  const start = () => new MutationObserver(look).observe(document.documentElement,
      {subtree: true, childList: true, attributes: true,
       attributeFilter: ['data-test-connection-state']});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""


class Student:
    """A browser context with its own user agent, watching its replica and websockets."""

    def __init__(self, browser, name: str) -> None:
        self.name = name
        self.ctx = browser.new_context(
            viewport={"width": 1440, "height": 900}, user_agent=f"initdash-test/{name}"
        )
        self.ctx.set_default_timeout(30_000)
        self.page = self.ctx.new_page()
        self.page.page_errors = []
        self.replicas: list[str] = []
        self.sockets: list = []
        self.closed_sockets: list = []
        self.page.on("pageerror", lambda e: self.page.page_errors.append(str(e)))
        self.page.on("response", self._response)
        self.page.on("websocket", self._socket)
        self.page.add_init_script(WATCH_JS)

    def _response(self, r) -> None:
        rep = r.headers.get(HEADER)
        if rep:
            self.replicas.append(rep)

    def _socket(self, ws) -> None:
        self.sockets.append(ws.url)
        ws.on("close", lambda _: self.closed_sockets.append(ws.url))

    def open(self, url: str) -> None:
        self.page.goto(url)
        wait_for_app_idle(self.page)

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click(timeout=15_000)

    def progress(self) -> str | None:
        loc = self.page.locator(P.DOM_PROGRESS)
        return loc.first.inner_text() if loc.count() else None

    def wait_progress(self, pattern: str, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            """(p) => [...document.querySelectorAll('[data-testid="stProgress"]')]
                     .some(e => new RegExp(p).test(e.innerText))""",
            arg=pattern,
            timeout=timeout,
            polling=50,
        )

    def cards(self) -> dict:
        return P.cards(self.page.locator(P.DOM_MARKDOWN).all_inner_texts())

    def watch(self) -> dict:
        return self.page.evaluate("() => window.__watch")

    def replica(self) -> str:
        reps = set(self.replicas)
        assert len(reps) == 1, f"{self.name}: answers from {sorted(reps)}"
        return reps.pop()

    def assert_clean(self) -> None:
        boxes = self.page.locator(ERROR_BOXES)
        assert boxes.count() == 0, [boxes.nth(i).inner_text() for i in range(boxes.count())]
        assert not self.page.page_errors, self.page.page_errors

    def close(self) -> None:
        self.ctx.close()


def _never_reconnected(st: Student) -> None:
    w = st.watch()
    assert w["states"][-1] == "CONNECTED" and w["states"].count("CONNECTED") == 1, w
    assert not w["dialogs"], w
    assert len(st.sockets) == 1 and not st.closed_sockets, (st.sockets, st.closed_sockets)


@pytest.mark.browser
def test_train_a_slider_stop_and_a_tab_all_reach_the_same_replica(stack, browser):
    """One student through the balancer: Train, Stop while it trains, a sidebar slider and a
    tab change. Every HTTP response and the one websocket come from one replica (header and
    HAProxy's log agree), the page never loses its connection, and the app shows that every
    rerun found the session's run: the stopped run survives the slider (marked stale) and the
    tab change (drawn in the new view)."""
    st = Student(browser, "stick")
    try:
        st.open(f"{stack.url}/?epochs=5000&hidden=32,32,32&batch_size=64&seed=41")
        st.click(TRAIN)
        st.wait_progress(r"Training: epoch [1-9]")
        st.click(STOP)
        st.wait_progress("Stopped at epoch")
        wait_for_app_idle(st.page)
        stopped = st.progress()
        assert st.cards(), "no headline cards after Stop"

        thumb = st.page.get_by_role("slider", name="Learning rate (log scale)")
        thumb.focus()
        thumb.press("ArrowRight")
        wait_for_app_idle(st.page)
        stale = st.page.get_by_text("The settings changed since this run")
        stale.wait_for()
        assert "lr" in stale.inner_text()
        assert st.progress() == stopped

        open_view(st.page, "signal")
        assert "view=signal" in st.page.url
        assert st.progress() == stopped  # the same run, drawn in the new view
        assert st.page.locator('[data-testid="stVegaLiteChart"]').count() > 0
        st.assert_clean()
        screenshot(st.page, "balancer-sticky")

        replica = st.replica()
        _never_reconnected(st)
        logged = stack.log("stick")
        assert {srv for srv, _ in logged} == {replica}, logged
        streams = [req for _, req in logged if req.endswith("/_stcore/stream")]
        assert len(streams) == 1, logged  # one websocket, never reopened
    finally:
        st.close()


@pytest.mark.browser
def test_the_share_link_works_through_the_balancer_on_the_other_replica(stack, browser):
    """A teacher changes a setting; the sidebar's share link points at the balancer (not at
    a replica's own port) and equals the address bar. A student opening it lands on the other
    replica, sees the same settings, and after Train the same numbers as the teacher, which
    equal the config run in-process."""
    teacher = Student(browser, "teacher")
    students: list[Student] = []
    try:
        teacher.open(f"{stack.url}/?preset=clones&seed=11&epochs=300")
        box = teacher.page.get_by_label("Seed", exact=True).and_(teacher.page.locator("input"))
        box.fill("12")
        box.press("Enter")
        wait_for_app_idle(teacher.page)
        assert "seed=12" in teacher.page.url
        teacher.page.get_by_text("Share this experiment").click()
        shared = teacher.page.locator('[data-testid="stSidebar"] a[href*="?"]').first
        link = shared.get_attribute("href")
        assert shared.inner_text().replace("\u200b", "") == link  # shown as it is
        assert urlsplit(link).netloc == urlsplit(stack.url).netloc, (link, stack.url)
        assert parse_qs(urlsplit(link).query) == parse_qs(urlsplit(teacher.page.url).query)
        teacher.click(TRAIN)
        teacher.wait_progress("^Trained")
        wait_for_app_idle(teacher.page)
        home = teacher.replica()

        for k in range(3):  # leastconn sends a new browser to the replica with fewer sockets
            st = Student(browser, f"shared{k}")
            students.append(st)
            st.open(link)
            if st.replica() != home:
                break
        assert st.replica() != home, "every new browser went to the teacher's replica"
        assert parse_qs(urlsplit(st.page.url).query) == parse_qs(urlsplit(link).query)
        seed = st.page.get_by_label("Seed", exact=True).and_(st.page.locator("input"))
        assert seed.input_value() == "12"
        st.click(TRAIN)
        st.wait_progress("^Trained")
        wait_for_app_idle(st.page)
        want = P.expected(urlsplit(link).query)
        assert teacher.cards() == st.cards() == want["cards"]
        for who in (teacher, st):
            who.assert_clean()
            _never_reconnected(who)
    finally:
        for who in (teacher, *students):
            who.close()


@pytest.mark.browser
def test_a_replica_stopped_mid_class_costs_only_its_own_sessions_a_fresh_page(browser):
    """Four students trained on two replicas; r1 is stopped.

    The students on r2 keep their page, run and websocket (no reconnect) and go on working.
    The students on r1: Streamlit's frontend reconnects by itself, through the balancer, to
    r2 (HAProxy's log shows their second websocket there), without an error dialog. r2 has a
    new, empty session for them. Streamlit 1.67's frontend does not rerun a page that was
    idle when its connection dropped (it expects its session to be resumed), so the page
    still shows the old numbers until the student's next click; that click gets the fresh
    page of the same link (the old run is gone; the click itself only starts the session,
    since the app's buttons act in callbacks a new session has not registered yet), and
    from then on the page works: Train trains, with the right numbers."""
    need_haproxy()
    stack = Stack()
    students: list[Student] = []
    try:
        stack.wait_state("r1", "UP")
        stack.wait_state("r2", "UP")
        for i in range(4):
            st = Student(browser, f"class{i}")
            students.append(st)
            st.open(f"{stack.url}/?preset=seed_table&seed={60 + i}&epochs=300")
        for st in students:
            st.click(TRAIN)
        for st in students:
            st.wait_progress("^Trained")
            wait_for_app_idle(st.page)
        home = {st.name: st.replica() for st in students}
        on_r1 = [st for st in students if home[st.name] == "r1"]
        on_r2 = [st for st in students if home[st.name] == "r2"]
        assert on_r1 and on_r2, home  # leastconn spread the class over both replicas
        before = {st.name: (st.progress(), st.cards(), st.page.url) for st in students}

        stop_app(stack.procs["r1"])
        stack.wait_state("r1", "DOWN")
        for st in on_r1:  # the frontend reconnects by itself, through the balancer
            st.page.wait_for_function(
                """() => (window.__watch.states.filter(s => s === 'CONNECTED').length >= 2)""",
                timeout=60_000,
            )
            wait_for_app_idle(st.page, timeout=60_000)
        for st in on_r2:
            open_view(st.page, "clones")

        for st in on_r2:  # untouched: same socket, same run, still on r2
            _never_reconnected(st)
            assert "view=clones" in st.page.url
            assert st.progress() == before[st.name][0]
            assert st.cards() == before[st.name][1]
            assert set(st.replicas) == {"r2"}
            st.assert_clean()
        for st in on_r1:
            assert len(st.sockets) == 2, st.sockets
            streams = [srv for srv, req in stack.log(st.name) if req.endswith("/_stcore/stream")]
            assert streams == ["r1", "r2"], stack.log(st.name)
            assert not st.watch()["dialogs"], st.watch()
            st.click(TRAIN)  # the next click: a fresh page of the same link, on r2
            wait_for_app_idle(st.page)
            assert st.progress() == P.NOT_TRAINED, st.progress()  # the run lived on r1
            assert not st.cards()
            assert parse_qs(urlsplit(st.page.url).query) == parse_qs(
                urlsplit(before[st.name][2]).query
            )
            assert st.replicas[-1] == "r2", st.replicas
            st.assert_clean()
        screenshot(on_r1[0].page, "balancer-failover-fresh-page")
        st = on_r1[0]
        st.click(TRAIN)
        st.wait_progress("^Trained")
        wait_for_app_idle(st.page)
        assert st.cards() == P.expected(urlsplit(st.page.url).query)["cards"]
        st.assert_clean()
    finally:
        for st in students:
            st.close()
        stack.stop()


# --------------------------------------------------------------------------- container files
def test_the_container_files_refer_to_what_is_in_the_repository():
    """The quick check, without Docker (tests/test_container.py builds and runs them): every
    file deploy/Dockerfile copies from its context (COPY without --from) exists, the image
    runs as a non-root user with a health check, and compose and Kubernetes use the
    Dockerfile, the HAProxy configuration and Streamlit's health endpoint that this
    repository has."""
    deploy = REPO_ROOT / "deploy"
    docker = (deploy / "Dockerfile").read_text()
    copies = re.findall(r"^COPY\s+(?!--from)(?:--\S+\s+)*(.+?)\s+\S+\s*$", docker, re.MULTILINE)
    assert copies, docker
    for src in (s for line in copies for s in line.split()):
        assert (REPO_ROOT / src).exists(), f"Dockerfile copies {src}, which does not exist"
    assert re.search(r"^USER\s+(?!root)\S+", docker, re.MULTILINE)
    assert "HEALTHCHECK" in docker and "/_stcore/health" in docker

    # (read as text: PyYAML is not one of this project's dependencies)
    compose = (deploy / "compose.yaml").read_text()
    context = re.search(r"^\s+context:\s*(\S+)", compose, re.MULTILINE).group(1)
    dockerfile = re.search(r"^\s+dockerfile:\s*(\S+)", compose, re.MULTILINE).group(1)
    assert (deploy / context / dockerfile).resolve() == deploy / "Dockerfile"
    mount = re.search(r"^\s+- (\S+):/usr/local/etc/haproxy/haproxy.cfg", compose, re.MULTILINE)
    assert (deploy / mount.group(1)).resolve() == R.TEMPLATE
    # HAProxy looks the replicas up under the name of the compose service that runs them
    dns = re.search(r"INITDASH_DNS_NAME:\s*(\S+)", compose).group(1)
    assert re.search(rf"^  {dns}:\n\s+build:", compose, re.MULTILINE), dns

    kube = (deploy / "kubernetes.yaml").read_text()
    assert kube.count("path: /_stcore/health") == 2  # readiness and liveness
    assert 'haproxy.org/cookie-persistence: "INITDASH_SERVER"' in kube
