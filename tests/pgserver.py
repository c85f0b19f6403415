"""A throwaway PostgreSQL server for tests and benches: Debian's postgresql binaries
(/usr/lib/postgresql/<version>/bin, or $PG_BIN), a cluster made by initdb in a temporary
folder, started by pg_ctl on a free local port, removed when stopped.

The server refuses to run as root: as root, every command runs as the ``postgres`` user
(which Debian's package creates) through runuser, in a folder that user owns. Only local TCP
on 127.0.0.1, trust authentication: for tests only.

    with Cluster() as pg:         # or pg = Cluster(); pg.start(); ...; pg.stop()
        engine = sqlalchemy.create_engine(pg.url)

tests/conftest.py's ``postgres`` fixture shares one cluster per test session (skipped
locally without PostgreSQL, a failure under CI=true).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_USER = "postgres"


def find_bin() -> Path | None:
    """The folder with initdb and pg_ctl: $PG_BIN, else Debian's newest version."""
    override = os.environ.get("PG_BIN", "").strip()
    folders = [override] if override else []
    folders += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )[::-1]
    for folder in folders:
        if all(os.access(Path(folder) / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One PostgreSQL server of our own. ``durable=False`` (tests) turns fsync off; a bench
    measuring saves keeps the defaults (fsync and synchronous commit on)."""

    def __init__(self, durable: bool = False) -> None:
        self.bin = find_bin()
        if self.bin is None:
            raise FileNotFoundError(
                "no PostgreSQL server binaries (Debian: apt-get install postgresql; or set $PG_BIN)"
            )
        self.durable = durable
        self.port = 0
        self.dir: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A new, empty database on this server; returns its URL."""
        import sqlalchemy as sa

        self._made = getattr(self, "_made", 0) + 1
        name = f"t{self._made}"
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")  # our own name: t1, t2, ...
        engine.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if out.returncode != 0:
            log = self.dir / "server.log" if self.dir else None
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout}{out.stderr}{tail}")
        return out

    def start(self) -> Cluster:
        self.dir = Path(tempfile.mkdtemp(prefix="initdash-pg-"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam(PG_USER)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", PG_USER, "-A", "trust", "-E", "UTF8",
                  "--no-instructions", *([] if self.durable else ["--no-sync"]))  # fmt: skip
        options = f"-p {{port}} -k {self.dir} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        for _ in range(5):  # a free port may be taken between looking and listening
            self.port = _free_port()
            try:
                self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-w",
                          "-t", "60", "-o", options.format(port=self.port), "start")  # fmt: skip
                return self
            except RuntimeError:
                if "could not bind" not in (self.dir / "server.log").read_text(errors="replace"):
                    raise
        raise RuntimeError("PostgreSQL found no free port")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as if it crashed) and keep its folder."""
        if self.dir is not None and (self.dir / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Start the stopped server again on the same port, with the same data."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"),
                  "-w", "-t", "60", "-o", options, "start")  # fmt: skip

    def remove(self) -> None:
        self.stop("immediate")
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.remove()
