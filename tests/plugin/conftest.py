"""Fixtures of the plugin's release: built once a run, served from loopback."""

from __future__ import annotations

import pytest

from harness.release import Release, served_release


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Release:
    """`make release` for the host's platform, served by a local HTTP server (the
    release host) at `release.url` for the whole run."""
    with served_release(tmp_path_factory.mktemp("release")) as built:
        yield built
