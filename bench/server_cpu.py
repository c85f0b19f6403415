"""Server CPU per Train: what one Train click costs the server, against the core's own run.

    python bench/server_cpu.py [--reps 3] [--cases default,clones,...] [--pin] [--profile]

One `streamlit run streamlit_app.py`; for the default lesson and each preset, --reps times, a
fresh browser context opens the link with a new seed (so the run cache never hits) and clicks
Train. The server's CPU seconds (its process and children, from /proc) from the click to the
finished page (bench/_common.DONE_JS) are its CPU per Train: the script run, training in
slices, the live redraws, serialization and the websocket. The core's own CPU for the same
config is `initdash.run` in this process (thread CPU, one BLAS thread, as the app), best of
the reps; their difference is what the server spends on anything but training.

    --pin      the server on CPU 0, Chromium on CPU 1 (the browser's rendering off its core).
    --profile  samples the server with py-spy (if installed) during the measured clicks and
               prints the functions where its CPU went (own time and with callees).

The machine is shared (2 cores): the load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import _common as C

import initdash
from dashboard.links import parse_query
from dashboard.views.registry import VIEWS
from initdash.blas import limit_blas_threads
from initdash.presets import PRESETS


def link(case: str, seed: int) -> dict[str, str]:
    return {"seed": str(seed)} if case == "default" else {"preset": case, "seed": str(seed)}


def once(browser, base: str, case: str, seed: int, server_pid: int) -> dict:
    query = link(case, seed)
    config = parse_query(query).config
    view = PRESETS[case].view if case in PRESETS else next(iter(VIEWS))
    ctx, page = C.new_page(browser, 120_000)
    try:
        page.goto(f"{base}/?" + "&".join(f"{k}={v}" for k, v in query.items()))
        C.harness.wait_for_app_idle(page)
        s0 = C.tree_cpu(C.proc_tree(server_pid))
        C.click_train(page, VIEWS[view].charts)
        cpu = C.tree_cpu(C.proc_tree(server_pid)) - s0
        text = C.progress_text(page)
    finally:
        ctx.close()
    return {"server_cpu": cpu, "reported": C.reported_seconds(text), "config": config}


def core_cpu(config) -> float:
    c0 = time.thread_time()
    initdash.run(config)
    return time.thread_time() - c0


def profile_start(pid: int):
    exe = shutil.which("py-spy")
    if exe is None:
        print("   (py-spy not installed: no profile)")
        return None, None
    out = os.path.join(tempfile.mkdtemp(prefix="initdash-spy-"), "stacks.txt")
    proc = subprocess.Popen(
        [exe, "record", "-p", str(pid), "-r", "200", "-f", "raw", "-o", out, "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    return proc, out


def profile_report(proc, out: str, top: int = 35) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    own: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    n = 0
    with open(out, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            k = int(count)
            n += k
            own[_short(frames[-1])] += k
            for fr in set(map(_short, frames)):
                total[fr] += k
    if not n:
        print("   (no samples)")
        return
    print(f"\n== server profile (py-spy, {n} samples of busy threads) ==")
    print("   own %  with callees %  function")
    for fr, k in own.most_common(top):
        print(f"   {100 * k / n:5.1f}  {100 * total[fr] / n:14.1f}  {fr}")
    print("   -- with callees, ours --")
    ours = [(fr, k) for fr, k in total.most_common() if "/dashboard/" in fr or "initdash" in fr]
    for fr, k in ours[:top]:
        print(f"   {'':5s}  {100 * k / n:14.1f}  {fr}")


def _short(frame: str) -> str:
    """'fn (path/to/file.py:123)' -> 'fn (file.py)' with the package kept for our code."""
    name, _, where = frame.partition(" (")
    path = where.split(":")[0]
    parts = path.split("/")
    keep = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{name} ({keep})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cases", default=",".join(["default", *PRESETS]))
    ap.add_argument("--pin", action="store_true")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    cases = args.cases.split(",")
    limit_blas_threads(1)
    print("initdash server CPU per Train click, against the core's own run")
    print(f"   commit {C.git_rev()}; {C.loadavg()}")
    initdash.run(initdash.TrainConfig(epochs=20))
    rows = []
    with C.server_and_browser() as (url, proc, browser):
        if args.pin:
            C.pin_apart(proc.pid)
        once(browser, url, "default", 1000, proc.pid)  # warm-up: imports, caches
        spy, out = profile_start(proc.pid) if args.profile else (None, None)
        for case in cases:
            got = [once(browser, url, case, 1 + r, proc.pid) for r in range(args.reps)]
            core = min(core_cpu(g["config"]) for g in got)
            server = C.median([g["server_cpu"] for g in got])
            reported = C.median([g["reported"] or 0.0 for g in got])
            rows.append((case, server, core, reported))
            print(
                f"   {case:15s} server CPU per Train "
                + " ".join(f"{g['server_cpu']:.2f}" for g in got)
                + f" (median {server:.2f}) | core {core:.2f} | other {server - core:+.2f}"
                f" | ratio {server / core:.2f} | trained in {reported:.2f} s"
                f"  [{C.loadavg()}]"
            )
        if spy is not None:
            profile_report(spy, out)
    print(f"\n== summary ({C.loadavg()}{', pinned' if args.pin else ''}) ==")
    print("   case            | server CPU s | core CPU s | server - core | server / core")
    for case, server, core, _ in rows:
        print(
            f"   {case:15s} | {server:12.2f} | {core:10.2f} | {server - core:13.2f} | "
            f"{server / core:13.2f}"
        )
    total_s, total_c = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"   {'all':15s} | {total_s:12.2f} | {total_c:10.2f} | {total_s - total_c:13.2f} | "
          f"{total_s / total_c:13.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
