"""A release of the package, served from a local HTTP server as its release host.

`served_release` builds what `make release` builds (the host's platform only: the
other three differ in their wheels alone) for a URL on a loopback HTTP server that
serves the release directory, so that `pulumi plugin install ... --server <url>`
and the engine's download from the schema's `pluginDownloadURL` fetch from it.
`bare_path` is a PATH holding only the CLI and the system's directories (`node`,
the system's `python3`): nothing of this repository, nothing pip-installed.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import platform
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import REPO
from .pulumi_stack import pulumi_bin_dir, yaml_host_dir

SYSTEM_PYTHON = Path("/usr/bin/python3")  # the machine's, not this checkout's .venv


def host_platform() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    return f"{sys.platform}-{machine}"  # linux or darwin: the platforms released


@dataclass(frozen=True)
class Release:
    url: str
    dir: Path
    files: tuple[Path, ...]
    requests: list[str]  # the paths the release host was asked for

    def one(self, pattern: str) -> Path:
        [path] = [f for f in self.files if f.match(pattern)]
        return path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    log: list[str]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base's name)
        self.log.append(self.path)


@contextlib.contextmanager
def served_release(root: Path) -> Iterator[Release]:
    directory = root / "releases"
    directory.mkdir(parents=True)
    log: list[str] = []
    handler = type("Handler", (_Quiet,), {"log": log})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.release", "--url", url, "--out", str(directory)]
            + ["--platform", host_platform()],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode != 0:
            raise RuntimeError(f"make release failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        files = tuple(Path(line) for line in done.stdout.split())
        yield Release(url, directory, files, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def bare_path() -> str:
    """A PATH of the CLI (with its language hosts) and the system's own directories,
    where `node` and `python3` are: no virtualenv, no pyenv, nothing of ours. Fails if
    the plugin or our package could be found there anyway."""
    path = ":".join(dict.fromkeys([pulumi_bin_dir(), yaml_host_dir(), "/usr/bin", "/bin"]))
    for tool in ("node", "npm", "python3"):
        if shutil.which(tool, path=path) is None:
            raise RuntimeError(f"{tool} not found in the system's directories: the test needs it")
    if shutil.which("pulumi-resource-quickbooks", path=path):
        raise RuntimeError("pulumi-resource-quickbooks is installed system-wide: remove it")
    probe = [str(SYSTEM_PYTHON), "-c", "import pulumi_quickbooks_provider"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        raise RuntimeError(f"{SYSTEM_PYTHON} has the package installed: uninstall it")
    return path
