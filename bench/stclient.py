"""A browser-free Streamlit client: one session of the app over its websocket, as the
Streamlit 1.67 frontend drives it (read off streamlit's protos and the frames Chromium sends).
Not a benchmark; bench/load.py runs many of these.

* Opening the link: GET the page (`/?<query>`; a load balancer sets its sticky cookie here),
  `/_stcore/health`, `/_stcore/host-config`, then the websocket `/_stcore/stream` (subprotocol
  "streamlit", with the cookies and an Origin); the page's static JavaScript is skipped (a
  class's browsers fetch it once and cache it). The first BackMsg is `rerun_script` with the
  query string, no widget states, and the browser's context (time zone, locale, URL).
* The server answers with ForwardMsgs: `new_session` when a script run starts, `delta`s that
  put elements and blocks at a "delta path", `page_info_changed` when the app changes the
  share link, `script_finished` when the run ends. At the end of a finished run the frontend
  drops elements the run did not send again, and the states of widgets no longer on the page.
* Every later `rerun_script` carries the query string, the page's script hash and the value of
  EVERY widget on the page as the frontend registers it: the server's value when it sends one,
  else the user's, else the default. A button press is `trigger_value: true` on its id, in
  that one message only. Keyed tabs report the chosen tab's label once the user picks one.
* Messages of 10 kB or more are cached: each `rerun_script` lists the cached hashes, and the
  server sends a `ref_hash` in place of a message it would repeat; entries not used for
  `max_cached_message_age` finished runs are dropped.

It uses the `websockets` package (streamlit 1.67 runs on uvicorn/starlette: no tornado).
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench import page_reading as P

REPLICA_HEADER = "X-Initdash-Replica"  # set by deploy/haproxy.cfg on every response
SCRIPT_DONE = {
    "FINISHED_SUCCESSFULLY",
    "FINISHED_WITH_COMPILE_ERROR",
    "FINISHED_FRAGMENT_RUN_SUCCESSFULLY",
}


class SessionLost(Exception):
    """The websocket closed under the session (a browser would show 'Connection error')."""


@dataclass
class Node:
    kind: str  # "element" or "block"
    proto: object  # streamlit.proto Element or Block
    run: int  # the script run (counted here) that last sent it


@dataclass
class Marks:
    """Moments (time.monotonic) of one Train press, seen from this client."""

    click: float | None = None
    trained: float | None = None  # first progress text starting with "Trained"
    done: float | None = None  # the script run that sent it has finished


@dataclass
class Session:
    """One student's page. `await open()`, then `press()`, `set_value()`, `open_tab()`,
    `wait_until()`; read `progress`, `cards()`, `tldr()`, `query`; `await close()`."""

    base: str  # http://host:port
    link_query: str = ""  # the query string of the link the student opens
    name: str = "student"
    user_agent: str | None = None
    timeout: float = 300.0
    # state
    query: str = ""
    nodes: dict = field(default_factory=dict)  # delta path tuple -> Node
    widgets: dict = field(default_factory=dict)  # widget id -> WidgetState (as registered)
    replicas: set = field(default_factory=set)  # X-Initdash-Replica values of every response
    errors: list = field(default_factory=list)
    closed: bool = False
    close_reason: str | None = None

    def __post_init__(self) -> None:
        self.query = self.link_query
        self._jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._jar))
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self._run = 0  # script runs started (new_session messages)
        self._running = False
        self._finished_run = 0  # the last run that finished (not interrupted)
        self._rerun_seq = 0  # rerun_script messages sent
        self._run_for_seq = 0  # the rerun the current run started after
        self._page_hash = ""
        self._cache: dict[str, list] = {}  # hash -> [ForwardMsg, last run it was used]
        self._max_age = 2
        self._marks: Marks | None = None

    # ------------------------------------------------------------------ connection
    def _get(self, path: str) -> bytes:
        req = urllib.request.Request(self.base + path)
        if self.user_agent:
            req.add_header("User-Agent", self.user_agent)
        with self._opener.open(req, timeout=60) as resp:
            if rep := resp.headers.get(REPLICA_HEADER):
                self.replicas.add(rep)
            return resp.read()

    def _http_open(self) -> None:
        self._get("/" + (f"?{self.link_query}" if self.link_query else ""))
        self._get("/_stcore/health")
        self._get("/_stcore/host-config")

    async def open(self) -> None:
        """Open the link like a browser tab: the HTTP requests, the websocket, the first
        script run; returns when that run has finished."""
        await asyncio.to_thread(self._http_open)
        ws_url = "ws" + self.base[len("http") :] + "/_stcore/stream"
        headers = {"Origin": self.base}
        cookies = "; ".join(f"{c.name}={c.value}" for c in self._jar)
        if cookies:
            headers["Cookie"] = cookies
        xsrf = next((c.value for c in self._jar if c.name == "_streamlit_xsrf"), "")
        protocols = ["streamlit", xsrf] if xsrf else ["streamlit"]
        self._ws = await websockets.connect(
            ws_url,
            subprotocols=protocols,
            additional_headers=headers,
            user_agent_header=self.user_agent or "initdash-load",
            compression=None,  # the server does not enable websocket compression
            max_size=None,
            open_timeout=60,
            ping_interval=None,  # the server pings; the client answers (as a browser does)
        )
        if rep := self._ws.response.headers.get(REPLICA_HEADER):
            self.replicas.add(rep)
        self._reader = asyncio.create_task(self._read(), name=f"read-{self.name}")
        await self._send_rerun(first=True)
        await self.wait_until(self.idle, self.timeout, "the first page")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 5)
            except Exception:  # noqa: BLE001 - closing anyway
                self._reader.cancel()
        self.closed = True

    # ------------------------------------------------------------------ receiving
    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                if isinstance(frame, str):
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self._handle(msg)
                self._changed.set()
        except websockets.ConnectionClosed as e:
            self.close_reason = f"websocket closed: {e}"
        except Exception as e:  # noqa: BLE001 - reported as a lost session
            self.close_reason = f"reader failed: {type(e).__name__}: {e}"
        finally:
            if self.close_reason is None:
                self.close_reason = "websocket closed by the server"
            self.closed = True
            self._changed.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                self.errors.append(f"ref_hash {msg.ref_hash} not in the client's cache")
                return
            cached[1] = self._run
            real = ForwardMsg()
            real.CopyFrom(cached[0])
            real.metadata.CopyFrom(msg.metadata)
            msg, kind = real, real.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = [msg, self._run]
        if kind == "new_session":
            self._run += 1
            self._running = True
            self._run_for_seq = self._rerun_seq
            ns = msg.new_session
            self._page_hash = ns.page_script_hash or self._page_hash
            if ns.config.max_cached_message_age:
                self._max_age = ns.config.max_cached_message_age
        elif kind == "session_status_changed":
            self._running = msg.session_status_changed.script_is_running
        elif kind == "delta":
            self._delta(msg)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            if status in SCRIPT_DONE:
                self._running = False
                self._finished_run = self._run
                self._clear_stale()
                m = self._marks
                if m is not None and m.trained is not None and m.done is None:
                    m.done = time.monotonic()
        elif kind == "session_event":
            ev = msg.session_event.WhichOneof("type")
            if ev == "script_compilation_exception":
                self.errors.append("script compilation exception")

    def _delta(self, msg: ForwardMsg) -> None:
        path = tuple(msg.metadata.delta_path)
        d = msg.delta
        dk = d.WhichOneof("type")
        if dk == "new_element":
            el = d.new_element
            for p in [p for p in self.nodes if p[: len(path)] == path and p != path]:
                del self.nodes[p]
            self.nodes[path] = Node("element", el, self._run)
            et = el.WhichOneof("type")
            if et == "exception":
                self.errors.append("exception: " + el.exception.message[:200])
            elif et == "progress" and self._marks is not None and self._marks.trained is None:
                if P.is_finished(el.progress.text):
                    self._marks.trained = time.monotonic()
            self._register(el, et)
        elif dk == "add_block":
            # (a keyed tab container reports its value only once the user picks a tab)
            self.nodes[path] = Node("block", d.add_block, self._run)

    def _register(self, el, et: str) -> None:
        """Record a widget's value as the frontend registers it when the widget mounts."""
        w = getattr(el, et)
        wid = getattr(w, "id", "")  # elements that are no widgets have no id
        if not wid or et in ("button", "download_button", "dataframe", "vega_lite_chart"):
            return
        if wid in self.widgets and not getattr(w, "set_value", False):
            return
        value = _mounted_value(et, w)
        if value is not None:
            self.widgets[wid] = _widget_state(et, w, value)

    def _clear_stale(self) -> None:
        """End of a finished run: drop what it did not send again, and the widget states of
        widgets no longer on the page (the frontend does both)."""
        run = self._run
        self.nodes = {p: n for p, n in self.nodes.items() if n.run == run}
        ids = set()
        for n in self.nodes.values():
            if n.kind == "element":
                et = n.proto.WhichOneof("type")
                wid = getattr(getattr(n.proto, et), "id", "")
                if wid:
                    ids.add(wid)
            elif n.proto.WhichOneof("type") == "tab_container":
                ids.add(n.proto.tab_container.id)
        self.widgets = {k: v for k, v in self.widgets.items() if k in ids}
        for h, (_, used) in list(self._cache.items()):
            if run - used > self._max_age:
                del self._cache[h]

    # ------------------------------------------------------------------ sending
    async def _send_rerun(self, trigger: str | None = None, first: bool = False) -> None:
        if self.closed:
            raise SessionLost(self.close_reason)
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query
        rs.widget_states.SetInParent()
        if not first:
            rs.page_script_hash = self._page_hash
            for ws in self.widgets.values():
                rs.widget_states.widgets.add().CopyFrom(ws)
            if trigger is not None:
                rs.widget_states.widgets.add(id=trigger, trigger_value=True)
            rs.cached_message_hashes.extend(self._cache)
        ci = rs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url, ci.is_embedded, ci.color_scheme = self.base + "/", False, "light"
        self._rerun_seq += 1
        try:
            await self._ws.send(msg.SerializeToString())
        except websockets.ConnectionClosed as e:
            raise SessionLost(f"websocket closed: {e}") from None

    # ------------------------------------------------------------------ the page
    def idle(self) -> bool:
        """The last script run finished and began after our last message (the app is idle)."""
        return (
            not self._running
            and self._finished_run == self._run
            and self._run_for_seq == self._rerun_seq
        )

    def elements(self, kind: str | None = None, where: str | None = None) -> list:
        """The page's elements in page order; `where`: "main" or "sidebar" only."""
        root = {None: None, "main": 0, "sidebar": 1}[where]
        out = []
        for path in sorted(self.nodes):
            n = self.nodes[path]
            if root is not None and path[:1] != (root,):
                continue
            if n.kind == "element" and (kind is None or n.proto.WhichOneof("type") == kind):
                out.append(n.proto)
        return out

    @property
    def progress(self) -> str | None:
        texts = [e.progress.text for e in self.elements("progress")]
        return texts[0] if texts else None

    def cards(self) -> dict:
        return P.cards(P.markdown_text(e.markdown.body) for e in self.elements("markdown"))

    def tldr(self) -> dict | None:
        """The TL;DR table if the page shows it: {"head": columns, "rows": values}."""
        import pyarrow as pa

        for e in self.elements("dataframe"):
            data = e.dataframe.arrow_data.data
            if not data:
                continue
            table = pa.ipc.open_stream(data).read_all()
            if table.schema.names and P.TLDR_FIRST_COLUMN in table.schema.names:
                cols = [c for c in table.schema.names if not c.startswith("__index")]
                rows = [[r[c] for c in cols] for r in table.select(cols).to_pylist()]
                return {"head": cols, "rows": rows}
        return None

    def widget(self, label_has: str, kind: str | None = None, where: str | None = None):
        """(element type, widget proto) of the widget labelled `label_has` (the first with
        exactly that label, else the first whose label contains it); `where`: "main" or
        "sidebar" only (a view may have a control with the same label as the sidebar's)."""
        found = []
        for e in self.elements(kind, where):
            et = e.WhichOneof("type")
            w = getattr(e, et)
            label = getattr(w, "label", "")
            if getattr(w, "id", "") and label_has in label:
                if label == label_has:
                    return et, w
                found.append((et, w))
        if found:
            return found[0]
        raise LookupError(f"{self.name}: no widget labelled like {label_has!r} on the page")

    def tabs(self) -> tuple[str, list[str]]:
        """(tab container id, tab labels) of the page's keyed tabs."""
        for path in sorted(self.nodes):
            n = self.nodes[path]
            if n.kind == "block" and n.proto.WhichOneof("type") == "tab_container":
                labels = [
                    c.proto.tab.label
                    for p, c in sorted(self.nodes.items())
                    if len(p) == len(path) + 1
                    and p[: len(path)] == path
                    and c.kind == "block"
                    and c.proto.WhichOneof("type") == "tab"
                ]
                return n.proto.tab_container.id, labels
        raise LookupError(f"{self.name}: no tabs on the page")

    # ------------------------------------------------------------------ actions
    async def press(self, label_has: str) -> Marks:
        """Press the button whose label contains label_has; returns the marks it fills."""
        _, b = self.widget(label_has, "button")
        if b.disabled:
            raise RuntimeError(f"{self.name}: button {b.label!r} is disabled")
        self._marks = Marks(click=time.monotonic())
        await self._send_rerun(trigger=b.id)
        return self._marks

    async def rerun(self) -> None:
        """Run the script again with nothing changed (a browser's "Rerun"), until idle."""
        await self._send_rerun()
        await self.wait_until(self.idle, what="a rerun")

    async def set_value(self, label_has: str, value, where: str | None = None) -> None:
        """Set a widget like a user: a number, an option's text (select boxes and select
        sliders), a list of option texts (multiselect), a number for a slider."""
        et, w = self.widget(label_has, where=where)
        choice = et == "selectbox" or (et == "slider" and w.type == w.SELECT_SLIDER)
        if choice and value not in w.options:
            raise ValueError(f"{value!r} is not an option of {w.label!r}: {list(w.options)}")
        if et == "slider":
            value = [value]  # a slider's state is the list of its thumbs' values
        self.widgets[w.id] = _widget_state(et, w, value)
        await self._send_rerun()

    async def open_tab(self, label_has: str) -> None:
        tid, labels = self.tabs()
        label = next((x for x in labels if label_has in x), None)
        if label is None:
            raise LookupError(f"{self.name}: no tab like {label_has!r} in {labels}")
        self.widgets[tid] = WidgetState(id=tid, string_value=label)
        await self._send_rerun()

    async def open_view(self, name: str) -> None:
        """Open a view like a user: its group's tab (if another is open), then its button in
        the views' control under the tab (dashboard/views/registry.py: GROUPS)."""
        from dashboard.views.registry import VIEWS, group_of

        group = group_of(name)
        tid, _ = self.tabs()
        if self.widgets.get(tid, WidgetState()).string_value != group.label:
            await self.open_tab(group.label)
            await self.wait_until(self.idle, what="the tab's rerun")
        if len(group.views) < 2:
            return
        view = VIEWS[name]  # an option shows the title beside its icon; its value is both
        for e in self.elements("button_group", "main"):
            w = e.button_group
            if view.title in [o.content for o in w.options]:
                self.widgets[w.id] = _widget_state("button_group", w, [view.label])
                await self._send_rerun()
                return
        raise LookupError(f"{self.name}: no control with the view {view.title!r}")

    async def wait_until(
        self, pred: Callable[[], bool], timeout: float | None = None, what: str = ""
    ) -> None:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not pred():
            if self.closed:
                raise SessionLost(self.close_reason)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"{self.name}: {what or 'condition'} not reached in {timeout:.0f} s "
                    f"(progress {self.progress!r})"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                pass

    async def wait_finished(self, timeout: float | None = None) -> None:
        """Until the progress text says the run finished and that script run has ended."""
        m = self._marks
        await self.wait_until(
            lambda: m is not None and m.done is not None and self.idle(), timeout, "a finished run"
        )


# ------------------------------------------------------------------ widget values
def _mounted_value(et: str, w):
    """The value the frontend registers for a widget when it mounts: the server's value when
    it sends one, else the widget's default (None: the frontend registers nothing)."""
    if et == "selectbox":
        if w.HasField("raw_value"):
            return w.raw_value
        return w.options[w.default] if w.HasField("default") and w.options else None
    if et == "multiselect":
        if w.set_value or w.raw_values:
            return list(w.raw_values)
        return [w.options[i] for i in w.default]
    if et == "slider" and w.type == w.SELECT_SLIDER:
        if w.set_value and w.raw_value:
            return list(w.raw_value)
        return [w.options[int(i)] for i in w.default]
    if et == "slider":
        return list(w.value) if w.set_value else list(w.default)
    if et in ("number_input", "text_input", "text_area"):
        for f in ("value", "default"):
            if w.HasField(f):
                return getattr(w, f)
        return None if et == "number_input" else ""
    if et == "checkbox":
        return w.value if w.set_value else w.default
    if et == "file_uploader":
        return ()
    if et == "button_group":  # a segmented control: the texts of the options picked
        if w.set_value or w.raw_values:
            return list(w.raw_values)
        return [" ".join(filter(None, (w.options[i].content_icon, w.options[i].content)))
                for i in w.default]  # fmt: skip
    return None


def _widget_state(et: str, w, value) -> WidgetState:
    """The WidgetState the frontend sends for widget `w` holding `value` (a number, an option's
    text, a list of option texts for a multiselect, a list of values for a slider)."""
    ws = WidgetState(id=w.id)
    if et == "number_input":
        if w.data_type == w.INT:
            ws.int_value = int(value)
        else:
            ws.double_value = float(value)
    elif et in ("selectbox", "text_input", "text_area"):
        ws.string_value = str(value)
    elif et in ("multiselect", "button_group") or (et == "slider" and w.type == w.SELECT_SLIDER):
        ws.string_array_value.data.extend(value)
    elif et == "slider":
        ws.double_array_value.data.extend(float(v) for v in value)
    elif et == "checkbox":
        ws.bool_value = bool(value)
    elif et == "file_uploader":
        ws.file_uploader_state_value.SetInParent()
    else:
        raise ValueError(f"cannot set a {et}")
    return ws
