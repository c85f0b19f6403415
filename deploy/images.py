"""Build initdash's container images on a machine with no image registry (as the CI machines
are), with Docker's classic builder or with BuildKit.

    python deploy/images.py base        # Debian bookworm + python3 as a local base image
    python deploy/images.py standins    # HAProxy and PostgreSQL stand-ins from Debian packages
    python deploy/images.py app         # the app, from --base (default: the official image)
    python deploy/images.py app --base initdash-ci/debian-python:bookworm --tag initdash:latest
    python deploy/images.py app --buildkit      # this machine's pip settings as build secrets

base: `debootstrap --variant=minbase --include=python3,python3-venv bookworm DIR` from the
machine's own Debian mirror (its apt sources, or $INITDASH_DEBIAN_MIRROR), then `tar -C DIR -c .
| docker import`. Kept (and reused) while it exists; needs root and debootstrap.
standins: images that behave as deploy/compose.yaml uses the official haproxy:2.6 and
postgres:15, built on that base from Debian 12's packages (deploy/standins/); point compose at
them with INITDASH_HAPROXY_IMAGE and INITDASH_POSTGRES_IMAGE.
app: deploy/Dockerfile on the host's network, from a context holding only what the Dockerfile
copies, with this machine's pip settings (`pip config list`, $PIP_CERT, $PIP_INDEX_URL: the
certificate bundle and web indexes, never local paths) for the venv's build only: with the
classic builder (DOCKER_BUILDKIT=0, target `app`) as files of deploy/pip-build/ in the context,
which the image does not copy; with --buildkit (target app-secrets) as build secrets.
tests/test_container.py uses the functions below.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "deploy" / "Dockerfile"
STANDINS_DIR = REPO / "deploy" / "standins"
PIP_BUILD = "deploy/pip-build"  # where the Dockerfile's venv stage looks for pip settings

SUITE = "bookworm"
BASE_IMAGE = f"initdash-ci/debian-python:{SUITE}"
BASE_PACKAGES = ("python3", "python3-venv")
STANDINS = {  # stand-in: (its image, its Dockerfile in deploy/standins/, the official image)
    "haproxy": ("initdash-ci/haproxy:2.6-bookworm", "haproxy.Dockerfile", "haproxy:2.6"),
    "postgres": ("initdash-ci/postgres:15-bookworm", "postgres.Dockerfile", "postgres:15"),
}
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# what an imported image lacks that Debian's official image has
IMPORT_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["bash"]',
)
# left out of the base image: downloaded packages and package lists (apt-get update remakes them)
IMPORT_EXCLUDES = ("./var/cache/apt/archives/*.deb", "./var/lib/apt/lists/*")


# ------------------------------------------------------------------ docker
def docker(*args: str, input: bytes | None = None, env: dict | None = None, timeout=600):
    """`docker args...`, its output captured (bytes); raises CalledProcessError on failure."""
    return subprocess.run(
        ["docker", *args], input=input, env=env, capture_output=True, timeout=timeout, check=True
    )


def image_exists(name: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode == 0


def buildkit_docker() -> str | None:
    """A docker command that builds with BuildKit: one with the buildx plugin, or a client
    older than 23.0 (those have BuildKit built in, as Debian 12's docker.io 20.10 has)."""
    for cand in dict.fromkeys([shutil.which("docker"), "/usr/bin/docker"]):
        if not cand or not os.access(cand, os.X_OK):
            continue
        if subprocess.run([cand, "buildx", "version"], capture_output=True).returncode == 0:
            return cand
        run = subprocess.run(
            [cand, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True
        )
        major = re.match(r"(\d+)\.", run.stdout.strip())
        if major and 18 <= int(major.group(1)) < 23:
            return cand
    return None


def docker_build(
    tag: str,
    context: bytes,
    dockerfile: str,
    log: Path,
    *,
    build_args: dict[str, str] | None = None,
    target: str | None = None,
    secrets: dict[str, Path] | None = None,
) -> str:
    """`docker build` of a tar context on the host's network: with BuildKit if `secrets` is
    given (id -> file), else with the classic builder. The builder's output goes to `log`
    (and is returned); raises RuntimeError if the build fails."""
    if secrets is None:
        cli, env = "docker", {**os.environ, "DOCKER_BUILDKIT": "0"}
    else:
        cli, env = buildkit_docker(), {**os.environ, "DOCKER_BUILDKIT": "1"}
        if cli is None:
            raise FileNotFoundError("no docker client that builds with BuildKit (buildx)")
    cmd = [cli, "build", "--network", "host", "-f", dockerfile, "-t", tag]
    cmd += ["--progress=plain"] if secrets is not None else []
    cmd += ["--target", target] if target else []
    for k, v in (build_args or {}).items():
        cmd += ["--build-arg", f"{k}={v}"]
    for k, v in (secrets or {}).items():
        cmd += ["--secret", f"id={k},src={v}"]
    run = subprocess.run([*cmd, "-"], input=context, env=env, capture_output=True, timeout=1800)
    out = (run.stdout + run.stderr).decode("utf-8", "replace")
    log.parent.mkdir(parents=True, exist_ok=True)
    builder = "BuildKit" if secrets is not None else "classic builder"
    log.write_text(f"({builder}) {' '.join(cmd)} - < context.tar\n{out}", encoding="utf-8")
    if run.returncode != 0:
        raise RuntimeError(f"docker build of {tag} failed (log: {log}):\n{out[-4000:]}")
    return out


# ------------------------------------------------------------------ the Debian base
def debian_mirror(suite: str = SUITE, apt_dir: Path = Path("/etc/apt")) -> str:
    """The machine's own Debian mirror: $INITDASH_DEBIAN_MIRROR, else the first `deb` source
    for `suite` with the main component in apt's sources (one-line .list files and deb822
    .sources files), else deb.debian.org."""
    if os.environ.get("INITDASH_DEBIAN_MIRROR"):
        return os.environ["INITDASH_DEBIAN_MIRROR"]
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for f in (p for p in files if p.is_file()):
        for line in f.read_text(errors="replace").splitlines():
            words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
            if len(words) >= 4 and words[0] == "deb" and words[2] == suite and "main" in words[3:]:
                return words[1]
    for f in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", f.read_text(errors="replace")):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.lstrip().startswith("#"):
                    k, v = line.split(":", 1)
                    fields[k.strip().lower()] = v.split()
            if (
                "deb" in fields.get("types", [])
                and suite in fields.get("suites", [])
                and "main" in fields.get("components", [])
                and fields.get("enabled", ["yes"])[0].lower() != "no"
                and fields.get("uris")
            ):
                return fields["uris"][0]
    return DEFAULT_MIRROR


def make_base(
    name: str = BASE_IMAGE,
    *,
    suite: str = SUITE,
    packages: Iterable[str] = BASE_PACKAGES,
    log: Path | None = None,
) -> bool:
    """Make the Debian base image `name` unless it exists (True: it was made now)."""
    if image_exists(name):
        return False
    if shutil.which("debootstrap") is None:
        raise FileNotFoundError("debootstrap not found: apt-get install debootstrap")
    if os.geteuid() != 0:
        raise PermissionError("debootstrap needs root")
    mirror = debian_mirror(suite)
    with tempfile.TemporaryDirectory(prefix="initdash-base-", dir="/var/tmp") as tmp:
        root = Path(tmp) / "root"
        cmd = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(packages)}",
            suite,
            str(root),
            mirror,
        ]
        run = subprocess.run(cmd, capture_output=True, timeout=1800)
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_bytes(" ".join(cmd).encode() + b"\n" + run.stdout + run.stderr)
        if run.returncode != 0:
            tail = (run.stdout + run.stderr).decode(errors="replace")[-3000:]
            raise RuntimeError(f"debootstrap failed ({' '.join(cmd)}):\n{tail}")
        excludes = [f"--exclude={p}" for p in IMPORT_EXCLUDES]
        tar = subprocess.Popen(
            ["tar", "-C", str(root), *excludes, "-c", "."], stdout=subprocess.PIPE
        )
        changes = [a for c in IMPORT_CHANGES for a in ("-c", c)]
        imp = subprocess.run(
            ["docker", "import", *changes, "-", name], stdin=tar.stdout, capture_output=True
        )
        tar.stdout.close()
        if tar.wait() != 0 or imp.returncode != 0:
            raise RuntimeError(f"docker import failed: {imp.stderr.decode(errors='replace')}")
    return True


# ------------------------------------------------------------------ build contexts
def dockerfile_sources(dockerfile: Path = DOCKERFILE) -> list[str]:
    """What the Dockerfile copies from its context (COPY without --from), in order."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            out += [w for w in words[1:-1] if not w.startswith("--")]
    return out


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0  # fixed: the builder's cache keys
    tar.addfile(info, io.BytesIO(data))


def context_tar(files: dict[str, Path | bytes]) -> bytes:
    """A build context: name in the context -> a file (or directory) on disk, or bytes.
    __pycache__ and .pyc are left out."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, src in files.items():
            if isinstance(src, bytes):
                _add(tar, name, src)
                continue
            paths = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
            for p in paths:
                if "__pycache__" in p.parts or p.suffix == ".pyc":
                    continue
                rel = name if p == src else f"{name}/{p.relative_to(src).as_posix()}"
                _add(tar, rel, p.read_bytes(), 0o755 if os.access(p, os.X_OK) else 0o644)
    return buf.getvalue()


def _pip_config() -> dict[str, str]:
    """pip's configuration files as `pip config list` shows them ({"global.cert": value, ...});
    the environment (PIP_*) is read separately."""
    run = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    )
    out: dict[str, str] = {}
    for line in run.stdout.splitlines():
        m = re.match(r"^([^:=][^=]*)=(['\"])(.*)\2$", line.strip())
        if m:
            out[m.group(1)] = m.group(3)
    return out


def pip_settings() -> tuple[dict[str, bytes], list[str]]:
    """This machine's pip settings as the files of deploy/pip-build/ (name -> content), and
    what was left out. The certificate bundle ($PIP_CERT, else pip's `cert`) is copied as
    cert.pem; the index ($PIP_INDEX_URL, else pip's `index-url`), extra indexes and trusted
    hosts go into pip.conf if they are web addresses. Local paths (find-links, file://
    indexes) and constraint files mean nothing inside a container and are left out."""
    cfg = _pip_config()

    def get(key: str) -> str:
        env = os.environ.get("PIP_" + key.upper().replace("-", "_"), "")
        return env or cfg.get(f"install.{key}", "") or cfg.get(f"global.{key}", "")

    lines, files, left_out = ["[global]"], {}, []
    cert = get("cert")
    if cert and Path(cert).is_file():  # the Dockerfile hands it to pip as PIP_CERT
        files["cert.pem"] = Path(cert).read_bytes()
    for key in ("index-url", "extra-index-url"):
        urls = get(key).split()
        web = [u for u in urls if u.startswith(("http://", "https://"))]
        left_out += [f"{key} {u}" for u in urls if u not in web]
        if web:
            lines.append(f"{key} = {' '.join(web)}")
    if get("trusted-host"):
        lines.append(f"trusted-host = {get('trusted-host')}")
    left_out += [f"{k} {get(k)}" for k in ("find-links", "constraint") if get(k)]
    if len(lines) > 1:
        files["pip.conf"] = ("\n".join(lines) + "\n").encode()
    return files, left_out


def app_context(pip: dict[str, bytes] | None = None) -> bytes:
    """The context of deploy/Dockerfile: what it copies, from the repository (deploy/pip-build/
    with its README only), plus `pip` (name -> content) as files of deploy/pip-build/."""
    files: dict[str, Path | bytes] = {"deploy/Dockerfile": DOCKERFILE}
    for src in dockerfile_sources():
        files[src.rstrip("/")] = REPO / src
    for name, data in (pip or {}).items():
        files[f"{PIP_BUILD}/{name}"] = data
    return context_tar(files)


# ------------------------------------------------------------------ the images
def build_app(
    tag: str,
    base: str | None,
    log: Path,
    pip: dict[str, bytes] | None = None,
    *,
    buildkit: bool = False,
    target: str | None = None,
) -> str:
    """deploy/Dockerfile as `tag` (from `base`, or the Dockerfile's default), with `pip`
    (pip_settings()) seen by the venv's build only; returns the builder's output. Classic
    builder: target `app`, `pip` as files of deploy/pip-build/ in the context. BuildKit:
    target app-secrets, `pip` as build secrets (written to a private temporary directory)."""
    args = {"BASE_IMAGE": base} if base else {}
    if not buildkit:
        context = app_context(pip)
        return docker_build(
            tag, context, "deploy/Dockerfile", log, build_args=args, target=target or "app"
        )
    with tempfile.TemporaryDirectory(prefix="initdash-secrets-") as tmp:
        secrets = {}
        for name, data in (pip or {}).items():
            (Path(tmp) / name).write_bytes(data)
            secrets[name] = Path(tmp) / name
        return docker_build(
            tag,
            app_context(),
            "deploy/Dockerfile",
            log,
            build_args=args,
            target=target or "app-secrets",
            secrets=secrets,
        )


def build_standin(kind: str, log: Path, base: str = BASE_IMAGE) -> str:
    """The stand-in image for `kind` ("haproxy" or "postgres") on the Debian base."""
    image, dockerfile, _ = STANDINS[kind]
    context = context_tar({p.name: p for p in sorted(STANDINS_DIR.iterdir()) if p.is_file()})
    return docker_build(image, context, dockerfile, log, build_args={"BASE_IMAGE": base})


# ------------------------------------------------------------------ command line
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("what", choices=["base", "standins", "app"])
    ap.add_argument("--base", help="the app's base image (default: the Dockerfile's)")
    ap.add_argument("--tag", default="initdash:latest", help="the app's tag")
    ap.add_argument(
        "--no-pip-settings",
        action="store_true",
        help="build the app without this machine's pip settings",
    )
    ap.add_argument(
        "--buildkit",
        action="store_true",
        help="build with BuildKit, the pip settings as secrets (default: classic)",
    )
    ap.add_argument("--log-dir", type=Path, default=REPO / "artifacts" / "docker")
    args = ap.parse_args(argv)
    try:
        if args.what == "base":
            made = make_base(log=args.log_dir / "debootstrap.log")
            print(f"{BASE_IMAGE}: {'made' if made else 'exists already (docker rmi it to remake)'}")
        elif args.what == "standins":
            make_base(log=args.log_dir / "debootstrap.log")
            for kind, (image, _, official) in STANDINS.items():
                build_standin(kind, args.log_dir / f"build-{kind}.log")
                print(f"{image}: built (stands in for {official})")
        else:
            files, left_out = ({}, []) if args.no_pip_settings else pip_settings()
            print(f"pip settings for the venv's build: {sorted(files) or 'none'}")
            for item in left_out:
                print(f"  left out (local to this machine): {item}")
            build_app(
                args.tag, args.base, args.log_dir / "build-app.log", files, buildkit=args.buildkit
            )
            print(f"{args.tag}: built (log: {args.log_dir / 'build-app.log'})")
    except (RuntimeError, FileNotFoundError, PermissionError, subprocess.SubprocessError) as e:
        print(f"could not build: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
