"""`make release URL=<where releases live>`: what a release publishes, into dist/.

    python -m scripts.release [--url URL] [--out dist] [--platform linux-amd64 ...] [--no-node]

- `pulumi_quickbooks-<version>-py3-none-any.whl` and the sdist;
- the Node.js SDK's npm tarball, `quickbooks-instances-quickbooks-<version>.tgz`;
- `pulumi-resource-quickbooks-v<version>-<os>-<arch>.tar.gz` for each platform
  (all four by default), the plugin archive `pulumi plugin install` and the
  engine fetch from the schema's `pluginDownloadURL`: the launcher
  (`scripts/plugin_archive/`), the package's wheel and every locked runtime
  dependency as that platform's wheels, one set per Python version carried,
  each checked against uv.lock's hashes when downloaded and recorded with its
  sha256 for the launcher to check again.

The SDKs name the release's home (`pluginDownloadURL`, the npm package's
`pulumi.server`), so the release is built from a copy of the checkout whose
schema and SDKs are regenerated for `--url`: a team hosting its own releases
passes its own URL; the committed ones name the project's.

Wheels come from the package index through pip, at the lock's versions and
hashes, into a cache (~/.cache/qbo-pulumi/release-wheels), so a second release
downloads nothing. The version is the one of pyproject.toml, everywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from provider.plugin import schema  # noqa: E402 (after the checkout is importable)
from provider.plugin.version import version  # noqa: E402

LAUNCHER = REPO / "scripts" / "plugin_archive"
PLUGIN = "pulumi-resource-quickbooks"
PYTHONS = ("3.11", "3.12", "3.13", "3.14")

# pip's platform tags a platform's wheels may carry (manylinux2014 = glibc 2.17;
# macOS 10.9-11 builds, universal2 included, run on every later macOS).
_MACOS = ("10_9", "10_12", "10_13", "10_15", "11_0")
PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux-amd64": ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "linux-arm64": ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
    "darwin-amd64": tuple(
        t for v in _MACOS for t in (f"macosx_{v}_x86_64", f"macosx_{v}_universal2")
    ),
    "darwin-arm64": tuple(
        t for v in (*_MACOS, "12_0") for t in (f"macosx_{v}_arm64", f"macosx_{v}_universal2")
    ),
}
NPM_FLAGS = ("--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error")
CACHE = Path(
    os.environ.get("QBO_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qbo-pulumi"
)


class ReleaseError(Exception):
    """A step failed; the message names its command and output."""


def say(message: str) -> None:
    print(f"[release] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise ReleaseError(f"`{' '.join(cmd)}` failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def uv() -> str:
    return run(["bash", str(REPO / "scripts" / "uv.sh")]).split()[-1]


def archive_name(ver: str, platform: str) -> str:
    return f"{PLUGIN}-v{ver}-{platform}.tar.gz"


# --- the checkout, for the release's URL ---------------------------------------------


def stage(into: Path, url: str) -> Path:
    """A copy of the checkout's files whose schema and SDKs name `url`."""
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO)
    staging = into / "source"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staging / name)
    (staging / "sdk" / "schema.json").write_text(schema.text(url))
    env = {**os.environ, "SCHEMA": str(staging / "sdk" / "schema.json")}
    run(["bash", str(REPO / "scripts" / "gen-sdk.sh"), "--out", str(staging / "sdk")], env=env)
    return staging


# --- the Python package and the Node.js SDK ------------------------------------------


def build_python(staging: Path, out: Path) -> Path:
    run([uv(), "build", "--wheel", "--sdist", "--out-dir", str(out), str(staging)])
    [wheel] = out.glob("pulumi_quickbooks-*.whl")
    return wheel


def pack_node_sdk(sdk: Path, workdir: Path, out: Path) -> Path:
    """The Node.js SDK at `sdk` compiled (tsc) and packed (npm pack) into `out`, as
    the SDK's own Makefiles do: the package is its `bin/`. `workdir/node_modules`
    gets the SDK's dependencies, for the compiler and for a program to use."""
    manifest = json.loads((sdk / "package.json").read_text())
    workdir.mkdir(parents=True, exist_ok=True)
    project = {"name": "quickbooks-sdk-build", "private": True}
    project |= {key: manifest[key] for key in ("dependencies", "devDependencies")}
    (workdir / "package.json").write_text(json.dumps(project, indent=2))
    run(["npm", "install", *NPM_FLAGS], workdir)
    build = workdir / "sdk"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(sdk, build)
    run([str(workdir / "node_modules" / ".bin" / "tsc"), "-p", str(build)], workdir)
    for name in ("package.json", "README.md"):
        shutil.copy(build / name, build / "bin" / name)
    out.mkdir(parents=True, exist_ok=True)
    packed = run(["npm", "pack", *NPM_FLAGS, "--pack-destination", str(out), "./sdk/bin"], workdir)
    return out / packed.strip().splitlines()[-1]


# --- the plugin archives -------------------------------------------------------------


def locked_requirements(into: Path) -> Path:
    """The runtime dependencies of uv.lock, pinned with their hashes. Not pip: the
    plugin never runs it (it is there for Pulumi's toolchain in a program's venv)."""
    exported = run(
        [uv(), "export", "--frozen", "--no-default-groups", "--no-emit-project"]
        + ["--format", "requirements-txt", "--no-header", "--no-annotate"],
        cwd=REPO,
    )
    kept, skipping = [], False
    for line in exported.splitlines():
        if line and not line[0].isspace():
            skipping = line.startswith("pip==")
        if not skipping:
            kept.append(line)
    path = into / "requirements.txt"
    path.write_text("\n".join(kept) + "\n")
    return path


def platform_wheels(requirements: Path, platform: str, python: str) -> Path:
    """The lock's wheels for `platform` and `python`, downloaded once (pip checks
    each against the lock's hashes: `--require-hashes` is implied by them)."""
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    into = CACHE / "release-wheels" / key / f"{platform}-cp{python.replace('.', '')}"
    if (into / ".complete").exists():
        return into
    shutil.rmtree(into, ignore_errors=True)
    platforms = [arg for tag in PLATFORMS[platform] for arg in ("--platform", tag)]
    run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        + ["--only-binary=:all:", "--no-deps", "--implementation", "cp"]
        + ["--python-version", python, *platforms, "-r", str(requirements), "-d", str(into)]
    )
    (into / ".complete").write_text("")
    return into


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add(tar: tarfile.TarFile, path: Path, name: str, mode: int = 0o644) -> None:
    info = tar.gettarinfo(str(path), arcname=name)
    info.mode, info.uid, info.gid, info.uname, info.gname = mode, 0, 0, "", ""
    info.mtime = 0  # the same inputs make the same archive
    with path.open("rb") as f:
        tar.addfile(info, f)


def plugin_archive(
    ver: str, platform: str, wheel: Path, requirements: Path, out: Path, pythons=PYTHONS
) -> Path:
    wheels: dict[str, Path] = {wheel.name: wheel}
    sets: dict[str, list[str]] = {}
    for python in pythons:
        found = sorted(platform_wheels(requirements, platform, python).glob("*.whl"))
        sets[f"cp{python.replace('.', '')}"] = [wheel.name, *(w.name for w in found)]
        wheels.update((w.name, w) for w in found)
    manifest = {
        "name": "quickbooks",
        "version": ver,
        "platform": platform,
        "pythons": sets,
        "sha256": {name: _sha256(path) for name, path in sorted(wheels.items())},
    }
    path = out / archive_name(ver, platform)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        # Level 6: the wheels are zip-compressed already; 9 costs time for nothing.
        with tarfile.open(path, "w:gz", compresslevel=6) as tar:
            _add(tar, LAUNCHER / PLUGIN, PLUGIN, 0o755)
            _add(tar, LAUNCHER / "launch.py", "quickbooks/launch.py")
            _add(tar, Path(tmp) / "manifest.json", "quickbooks/manifest.json")
            for name, source in sorted(wheels.items()):
                _add(tar, source, f"quickbooks/wheels/{name}")
    return path


# --- the command ---------------------------------------------------------------------


def release(url: str, out: Path, platforms: list[str], node: bool = True) -> list[Path]:
    ver = version()
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        say(f"v{ver} for {url}: staging the checkout, its schema and SDKs")
        staging = stage(work, url)
        say("wheel and sdist")
        wheel = build_python(staging, out)
        made += [wheel, *out.glob(f"pulumi_quickbooks-{ver}.tar.gz")]
        if node:
            say("Node.js SDK tarball")
            made.append(pack_node_sdk(staging / "sdk" / "nodejs", work / "node", out))
        requirements = locked_requirements(work)
        for platform in platforms:
            started = time.monotonic()
            made.append(plugin_archive(ver, platform, wheel, requirements, out))
            size = made[-1].stat().st_size / 1e6
            say(f"{made[-1].name}: {size:.1f} MB ({time.monotonic() - started:.0f} s)")
    return made


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make release", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url",
        default=schema.PLUGIN_DOWNLOAD_URL,
        help=f"where the release's files are served (default: {schema.PLUGIN_DOWNLOAD_URL})",
    )
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    parser.add_argument(
        "--platform", action="append", choices=sorted(PLATFORMS), help="default: all four"
    )
    parser.add_argument("--no-node", action="store_true", help="skip the Node.js SDK tarball")
    args = parser.parse_args(argv)
    try:
        made = release(
            args.url, args.out.resolve(), args.platform or list(PLATFORMS), not args.no_node
        )
    except ReleaseError as error:
        say(f"ERROR: {error}")
        return 1
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
