"""Does every view fit every screen, and what does a first visit download?

    python bench/screens.py [--links "" "?schemes=all"] [--screens 390x844 1280x720 1440x900]
                            [--views overview weights ...] [--bytes-only] [--balancer]

(1) For each link and screen (a fresh page each): press Train, wait for the finished page,
    open every view in turn and record the page's scrollWidth against its clientWidth and
    the right edge of every chart (its svg or canvas) against the screen's width; a full-page
    screenshot of each under artifacts/screenshots/screens-*.png. Prints a table, view x
    screen: the widest chart's right edge / the page width ("ok" when nothing reaches past it).
(2) The first visit of the default lesson: every response's bytes on the wire (Chromium's
    encodedDataLength, cache disabled), from navigation to an idle page, with the websocket's
    frames counted apart; with ``--balancer``, the same through HAProxy (deploy/haproxy.cfg,
    which compresses text) in front of the same server.
"""

from __future__ import annotations

import argparse
import sys

import _common as C

from dashboard.views.registry import VIEWS
from tests import harness

SCREENS = ("390x844", "1280x720", "1440x900")


def measure(page) -> dict:
    return page.evaluate(harness.LAYOUT_JS)


def fit_table(browser, url: str, links, screens, views) -> list[str]:
    bad = []
    for link in links:
        print(f"\n== {link or '(the first page)'}: widest chart right edge / page width ==")
        print("   " + "view".ljust(14) + "".join(s.rjust(16) for s in screens))
        cells: dict[str, list[str]] = {v: [] for v in views}
        for screen in screens:
            w, h = (int(x) for x in screen.split("x"))
            ctx = browser.new_context(viewport={"width": w, "height": h})
            ctx.set_default_timeout(120_000)
            page = ctx.new_page()
            try:
                page.goto(url + "/" + link)
                harness.wait_for_app_idle(page)
                harness.press_train(page)
                for name in views:
                    harness.open_view(page, name)
                    m = measure(page)
                    fits = m["scroll"] <= m["client"] and m["right"] <= m["client"]
                    cells[name].append(
                        f"{m['right']:.0f}/{m['client']}" + ("" if fits else " WIDE")
                    )
                    if not fits:
                        bad.append(f"{link} {screen} {name}: {m}")
                    tag = (link.strip("?&").replace("=", "-").replace("&", "_") or "first")[:40]
                    harness.screenshot(page, f"screens-{tag}-{screen}-{name}", whole=True)
            except Exception:
                harness.screenshot(page, f"screens-FAILED-{screen}")
                print(f"   failed at {screen}, {page.url}: see screens-FAILED-{screen}.png")
                raise
            finally:
                ctx.close()
        for name in views:
            print("   " + name.ljust(14) + "".join(c.rjust(16) for c in cells[name]))
    return bad


def first_visit(browser, url: str, screen: str = "390x844", largest: int = 6) -> dict:
    """Bytes of every response (on the wire) from navigation to an idle page, cache off."""
    w, h = (int(x) for x in screen.split("x"))
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    seen = {"http": 0, "ws": 0, "n": 0, "largest": []}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.responseReceived", lambda e: urls.update({e["requestId"]: e["response"]["url"]})
    )

    def done(e):
        seen["http"] += e["encodedDataLength"]
        seen["n"] += 1
        seen["largest"].append((e["encodedDataLength"], urls.get(e["requestId"], "?")))

    cdp.on("Network.loadingFinished", done)
    cdp.on(
        "Network.webSocketFrameReceived",
        lambda e: seen.__setitem__("ws", seen["ws"] + len(e["response"]["payloadData"])),
    )
    try:
        page.goto(url + "/")
        harness.wait_for_app_idle(page)
        page.wait_for_timeout(1000)
    finally:
        ctx.close()
    seen["largest"] = sorted(seen["largest"], reverse=True)[:largest]
    return seen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", nargs="*", default=["", "?schemes=all"])
    ap.add_argument("--screens", nargs="*", default=list(SCREENS))
    ap.add_argument("--views", nargs="*", default=list(VIEWS))
    ap.add_argument("--bytes-only", action="store_true")
    ap.add_argument("--balancer", action="store_true", help="also through HAProxy")
    ap.add_argument("-v", action="store_true", help="list the 40 largest responses")
    args = ap.parse_args()
    print(f"# bench/screens.py at {C.git_rev()}; {C.loadavg()}")
    from playwright.sync_api import sync_playwright

    url, proc = C.start_server()
    haproxy, via = None, None
    try:
        if args.balancer:
            from deploy import replicas as R

            port = int(url.rsplit(":", 1)[1])
            log_dir = harness.LOGS / f"screens-balancer-{port}"
            via, _, haproxy = R.start_haproxy([("r1", "127.0.0.1", port)], log_dir)
        with sync_playwright() as pw:
            browser = C.launch(pw)
            try:
                for name, where in (("straight", url), ("through HAProxy", via)):
                    if where is None:
                        continue
                    b = first_visit(browser, where, largest=40 if args.v else 6)
                    if haproxy is not None and where == via:
                        b["cpu"] = C.cpu_seconds(haproxy.pid)
                    print(
                        f"\n== first visit, {name}: {b['http'] / 1e6:.3f} MB in {b['n']} "
                        f"responses + {b['ws'] / 1e6:.3f} MB of websocket frames =="
                        + (f" (HAProxy's CPU: {b['cpu']:.2f} s)" if "cpu" in b else "")
                    )
                    for n, u in b["largest"]:
                        print(f"   {n / 1e6:6.3f} MB  {u[-90:]}")
                bad = (
                    []
                    if args.bytes_only
                    else fit_table(browser, url, args.links, args.screens, args.views)
                )
            finally:
                browser.close()
    finally:
        if haproxy is not None:
            R.stop_process(haproxy)
        harness.stop_app(proc)
    for b in bad:
        print("too wide:", b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
