"""Fixtures of the plugin's release: built once a run, served from loopback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import REPO
from harness.node_sdk import NPM_FLAGS
from harness.release import Release, served_release


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Release:
    """`make release` for the host's platform, served by a local HTTP server (the
    release host) at `release.url` for the whole run."""
    with served_release(tmp_path_factory.mktemp("release")) as built:
        yield built


@pytest.fixture(scope="session")
def release_node_modules(release, tmp_path_factory) -> Path:
    """node_modules with the release's Node.js SDK tarball and what it asks for
    (@pulumi/pulumi, TypeScript, the Node.js types), installed once a run."""
    project = tmp_path_factory.mktemp("release-node")
    sdk = json.loads((REPO / "sdk" / "nodejs" / "package.json").read_text())
    wanted = {**sdk["dependencies"], **sdk["devDependencies"]}
    tarball = next(f for f in release.files if f.name.endswith(".tgz"))
    (project / "package.json").write_text(json.dumps({"name": "programs", "private": True}))
    done = subprocess.run(
        ["npm", "install", *NPM_FLAGS, str(tarball), *(f"{n}@{v}" for n, v in wanted.items())],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return project / "node_modules"
