"""Serve initdash from N Streamlit replicas behind HAProxy on this host (sticky sessions).

    python deploy/replicas.py 2                 # 2 replicas, students connect to :8080
    python deploy/replicas.py 2 --pin           # replica i on core i only
    python deploy/replicas.py 4 --port 80 --host 0.0.0.0

Starts N `streamlit run streamlit_app.py` replicas on free local ports (one Python process
each, so N replicas can use N cores), waits until each answers /_stcore/health, writes
HAProxy's configuration from deploy/haproxy.cfg and runs HAProxy in the foreground; Ctrl-C
(or SIGTERM) stops everything. A replica that dies is reported; HAProxy's health checks take
it out of the rotation and the others keep serving. Needs HAProxy 2.4 or newer (`$HAPROXY`
names another binary). Logs: artifacts/replicas/ (`--log-dir`), haproxy.log (one line per
request: the replica that served it, the sticky cookie, the browser) and one per replica.
tests/test_balancer.py and bench/load.py --replicas N use the functions below too.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "deploy" / "haproxy.cfg"
APP = REPO / "streamlit_app.py"
LOG_DIR = REPO / "artifacts" / "replicas"
SERVERS_MARK = re.compile(r"^[ \t]*# @@SERVERS@@.*$", re.MULTILINE)
REPLICA_HEADER = "X-Initdash-Replica"
START_TIMEOUT_S = 90.0


def find_haproxy() -> str | None:
    """$HAPROXY, else haproxy on PATH, else Debian's /usr/sbin/haproxy (not on a user's PATH)."""
    for cand in (os.environ.get("HAPROXY", ""), shutil.which("haproxy") or "", "/usr/sbin/haproxy"):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def health(url: str, timeout: float = 2.0) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
            return r.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return None


def render(servers: list[tuple[str, str, int]], template: Path = TEMPLATE) -> str:
    """deploy/haproxy.cfg with one `server <name> <host>:<port> check` line per replica."""
    text = template.read_text(encoding="utf-8")
    lines = "\n".join(f"    server {name} {host}:{port} check" for name, host, port in servers)
    out, n = SERVERS_MARK.subn(lambda _: lines, text)
    if n != 1:
        raise RuntimeError(f"{template}: expected one '# @@SERVERS@@' line, found {n}")
    return out


def haproxy_env(bind: str, stats_bind: str, cookie_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INITDASH_")}
    env.update(INITDASH_BIND=bind, INITDASH_STATS_BIND=stats_bind, INITDASH_COOKIE_KEY=cookie_key)
    return env


# ------------------------------------------------------------------ processes
def spawn(cmd: list[str], env: dict, log_path: Path, cwd: Path | None = None) -> subprocess.Popen:
    """cmd in its own session, its output in log_path (the file is closed by stop_process)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.log_file = log  # type: ignore[attr-defined]
    return proc


def start_replica(
    name: str,
    port: int,
    log_dir: Path,
    cookie_secret: str,
    host: str = "127.0.0.1",
    cpu: int | None = None,
) -> subprocess.Popen:
    """One `streamlit run streamlit_app.py` on host:port (returns at once; see wait_healthy).

    Every replica gets the same STREAMLIT_SERVER_COOKIE_SECRET: the XSRF and login cookies a
    browser got from one replica then still validate at another after a failover. With `cpu`,
    the replica (and every thread it starts) runs on that core only."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {
        **os.environ,
        "INITDASH_REPLICA": name,
        "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
    }
    if cpu is not None:  # the child pins itself before it starts Python's threads
        cmd = ["taskset", "--cpu-list", str(cpu), *cmd] if shutil.which("taskset") else cmd
    proc = spawn(cmd, env, log_dir / f"replica-{name}.log", cwd=REPO)
    if cpu is not None and not shutil.which("taskset"):
        os.sched_setaffinity(proc.pid, {cpu})  # the main thread; later threads inherit it
    return proc


def wait_healthy(urls: dict[str, str], procs: dict, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    waiting = dict(urls)
    while waiting:
        for name, url in list(waiting.items()):
            proc = procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"replica {name} exited with code {proc.returncode}")
            if health(url) == "ok":
                del waiting[name]
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"replicas {sorted(waiting)} not healthy within {timeout:.0f} s")
        if waiting:
            time.sleep(0.25)


def start_haproxy(
    servers: list[tuple[str, str, int]],
    log_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    cookie_key: str | None = None,
    timeout: float = 30.0,
) -> tuple[str, str, subprocess.Popen]:
    """HAProxy in the foreground in front of `servers` [(name, host, port)]; returns
    (public URL, stats URL, process) once the public port answers. The configuration is
    written to log_dir/haproxy.cfg, the request log to log_dir/haproxy.log."""
    binary = find_haproxy()
    if binary is None:
        raise FileNotFoundError("haproxy not found: apt-get install haproxy, or set $HAPROXY")
    log_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port(host)
    stats_port = free_port("127.0.0.1")
    cfg = log_dir / "haproxy.cfg"
    cfg.write_text(render(servers), encoding="utf-8")
    env = haproxy_env(
        f"{host}:{port}", f"127.0.0.1:{stats_port}", cookie_key or secrets.token_hex(16)
    )
    check = subprocess.run(
        [binary, "-c", "-q", "-f", str(cfg)], env=env, capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"haproxy rejects {cfg}:\n{check.stdout}{check.stderr}")
    proc = spawn([binary, "-db", "-f", str(cfg)], env, log_dir / "haproxy.log")
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    url, stats = f"http://{shown}:{port}", f"http://127.0.0.1:{stats_port}"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            proc.log_file.flush()
            raise RuntimeError(
                f"haproxy exited with code {proc.returncode}:\n"
                + (log_dir / "haproxy.log").read_text(errors="replace")[-3000:]
            )
        try:
            with socket.create_connection((shown, port), timeout=1):
                return url, stats, proc
        except OSError:
            if time.monotonic() > deadline:
                stop_process(proc)
                raise RuntimeError(
                    f"haproxy did not listen on {url} within {timeout:.0f} s"
                ) from None
            time.sleep(0.1)


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM to this one process (by its PID), SIGKILL if it does not go."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    log = getattr(proc, "log_file", None)
    if log is not None and not log.closed:
        log.close()


def server_states(stats_url: str) -> dict[str, str]:
    """Replica name -> HAProxy's view of it ("UP", "DOWN", "MAINT", ...), from the stats CSV."""
    with urllib.request.urlopen(f"{stats_url}/;csv", timeout=5) as r:
        rows = r.read().decode().splitlines()
    head = rows[0].lstrip("# ").split(",")
    out = {}
    for line in rows[1:]:
        cells = dict(zip(head, line.split(","), strict=False))
        if cells.get("pxname") == "streamlit" and cells.get("svname") not in ("BACKEND", ""):
            out[cells["svname"]] = cells.get("status", "")
    return out


@dataclass
class Balancer:
    """N replicas and HAProxy on this host, started by start()."""

    url: str
    stats_url: str
    haproxy: subprocess.Popen
    replicas: dict[str, subprocess.Popen] = field(default_factory=dict)
    replica_urls: dict[str, str] = field(default_factory=dict)
    log_dir: Path = LOG_DIR

    def stop(self) -> None:
        stop_process(self.haproxy)
        for proc in self.replicas.values():
            stop_process(proc)


def start(
    n: int,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    log_dir: Path = LOG_DIR,
    pin: bool = False,
) -> Balancer:
    """Start n replicas (r1..rn) on free local ports and HAProxy in front of them; with
    `pin`, replica i runs on core i-1 only (modulo the cores this process may use)."""
    if n < 1:
        raise ValueError("at least one replica")
    secret = secrets.token_hex(32)
    cores = sorted(os.sched_getaffinity(0))
    procs: dict[str, subprocess.Popen] = {}
    urls: dict[str, str] = {}
    try:
        for i in range(1, n + 1):
            name, p = f"r{i}", free_port()
            cpu = cores[(i - 1) % len(cores)] if pin else None
            procs[name] = start_replica(name, p, log_dir, secret, cpu=cpu)
            urls[name] = f"http://127.0.0.1:{p}"
        wait_healthy(urls, procs)
        servers = [(name, "127.0.0.1", int(u.rsplit(":", 1)[1])) for name, u in urls.items()]
        url, stats, hap = start_haproxy(servers, log_dir, host=host, port=port)
    except BaseException:
        for proc in procs.values():
            stop_process(proc)
        raise
    return Balancer(url, stats, hap, procs, urls, log_dir)


# ------------------------------------------------------------------ command line
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("replicas", type=int, help="how many Streamlit replicas (e.g. one per core)")
    ap.add_argument("--port", type=int, default=8080, help="public port (default 8080)")
    ap.add_argument("--host", default="127.0.0.1", help="public address (0.0.0.0: all)")
    ap.add_argument("--log-dir", type=Path, default=LOG_DIR)
    ap.add_argument(
        "--pin",
        action="store_true",
        help="replica i on core i only (one replica per core; README: Serving a larger class)",
    )
    args = ap.parse_args(argv)
    if find_haproxy() is None:
        print("haproxy not found: apt-get install haproxy, or set $HAPROXY", file=sys.stderr)
        return 2

    def on_signal(_signum, _frame) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then keeps
    # it ignored; Ctrl-C and `kill -INT` must stop everything all the same
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"starting {args.replicas} replica(s) of {APP.name} and HAProxy ...", flush=True)
    try:
        bal = start(
            args.replicas, host=args.host, port=args.port, log_dir=args.log_dir, pin=args.pin
        )
    except KeyboardInterrupt:
        print("interrupted while starting; stopped", flush=True)
        return 130
    except (RuntimeError, FileNotFoundError, OSError) as e:
        print(f"could not start: {e}", file=sys.stderr)
        return 1
    try:
        for name, u in bal.replica_urls.items():
            pid = bal.replicas[name].pid
            where = f", cores {sorted(os.sched_getaffinity(pid))}" if args.pin else ""
            print(f"   replica {name}: {u} (pid {pid}{where})")
        print(f"   haproxy: pid {bal.haproxy.pid}; status page {bal.stats_url}/")
        print(f"   logs: {bal.log_dir}/")
        print(f"Students open: {bal.url}/   (Ctrl-C stops everything)", flush=True)
        reported: set[str] = set()
        while True:
            if bal.haproxy.poll() is not None:
                print(f"haproxy exited with code {bal.haproxy.returncode}; stopping", flush=True)
                return 1
            for name, proc in bal.replicas.items():
                if proc.poll() is not None and name not in reported:
                    reported.add(name)
                    print(
                        f"replica {name} exited with code {proc.returncode}; the others "
                        "keep serving (its students get a fresh page)",
                        flush=True,
                    )
            if len(reported) == len(bal.replicas):
                print("every replica has exited; stopping", flush=True)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping haproxy and the replicas ...", flush=True)
        bal.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
