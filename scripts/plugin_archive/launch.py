"""The plugin of a release archive: its private environment, built once, offline.

Runs on the machine's Python (3.11+, started with `-I -S`: no site-packages of the
machine's), stdlib only. The archive holds the plugin and each locked dependency
as wheels for this platform, one set per Python version it carries
(`manifest.json`). The first start unpacks this Python's set, each wheel checked
against the lock's sha256 first, into `env/cp3XX/` beside this file (or, where
that is not writable, the user's cache), atomically and under a lock, so that
several plugin processes the engine starts at once build it once; every later
start only imports from it. No pip, no network, no virtualenv.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "pulumi-resource-quickbooks"
DONE = ".complete"


def fail(message: str) -> None:
    print(f"{NAME}: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unpack(wheel: Path, into: Path) -> None:
    """A wheel installed by hand: its files at the root, its `.data/purelib` and
    `.data/platlib` merged in (no scripts: the plugin needs none)."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
    for data in into.glob("*.data"):
        for lib in ("purelib", "platlib"):
            if (data / lib).is_dir():
                shutil.copytree(data / lib, into, dirs_exist_ok=True)
        shutil.rmtree(data)


def _build(env: Path, wheels: list[str], sha256: dict[str, str]) -> None:
    partial = env.with_name(env.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in wheels:
        wheel = HERE / "wheels" / name
        if _sha256(wheel) != sha256[name]:
            shutil.rmtree(partial, ignore_errors=True)
            fail(f"{wheel} does not match the lock's sha256: reinstall the plugin")
        _unpack(wheel, partial)
    (partial / DONE).write_text("")
    os.replace(partial, env)


def _writable(base: Path) -> Path:
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / f".probe-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        return base
    except OSError:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cache / "pulumi-quickbooks" / HERE.parent.name


def environment() -> Path:
    """This Python's private environment, built on first use."""
    manifest = json.loads((HERE / "manifest.json").read_text())
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    wheels = manifest["pythons"].get(tag)
    if wheels is None:
        carried = ", ".join(f"{t[2]}.{t[3:]}" for t in sorted(manifest["pythons"]))
        fail(
            f"this release carries wheels for Python {carried}, not {sys.version.split()[0]}: "
            "set PULUMI_QUICKBOOKS_PYTHON to one of those"
        )
    base = _writable(HERE / "env")
    base.mkdir(parents=True, exist_ok=True)
    env = base / tag
    if not (env / DONE).exists():
        with (base / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it
            if not (env / DONE).exists():
                shutil.rmtree(env, ignore_errors=True)
                _build(env, wheels, manifest["sha256"])
    return env


def main() -> None:
    sys.path[:0] = [str(environment())]
    sys.argv[0] = NAME
    from pulumi_quickbooks_provider.plugin.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
