"""Drives `python -m provider.onboard` from tests: as a subprocess against a temp
stack, and through the emulator's consent page over plain HTTP (the browser
test uses Chromium instead)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from harness import REPO
from harness.consent import ConsentForm
from harness.pulumi_stack import PulumiStack

ARTIFACTS = REPO / "test-artifacts" / "onboarding"
CALLBACK_PATH = "/quickbooks/oauth/callback"
CONSENT_URL_LINE = re.compile(r"^\s{4}(https?://\S+)$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_callback_url(port: int | None = None) -> str:
    return f"http://127.0.0.1:{port or free_port()}{CALLBACK_PATH}"


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# This checkout's onboarding; an installed package has the `quickbooks-onboard` script.
REPOSITORY_ONBOARD = (sys.executable, "-m", "provider.onboard")


class OnboardRun:
    """`python -m provider.onboard --no-browser` (or `onboard`, another command that
    runs it) in the stack's project directory."""

    def __init__(
        self, stack: PulumiStack, *args: str, onboard: tuple[str, ...] = REPOSITORY_ONBOARD
    ) -> None:
        self.command = ["--stack", stack.stack, "--no-browser", *args]
        self.process = subprocess.Popen(
            [*onboard, *self.command],
            cwd=stack.dir,
            env=stack.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._url: str | None = None
        self._url_seen = threading.Event()
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self._stderr)),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._stdout.append(line)
            match = CONSENT_URL_LINE.match(line.rstrip("\n"))
            if match and self._url is None:
                self._url = match[1]
                self._url_seen.set()
        self._url_seen.set()  # exited: nobody waits forever

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        lines.extend(stream)

    def consent_url(self, timeout: float = 60) -> str:
        self._url_seen.wait(timeout)
        if self._url is None:
            finished = self.finish(timeout=5)
            raise AssertionError(f"onboard printed no consent URL:\n{finished.output}")
        return self._url

    def finish(self, timeout: float = 60) -> Finished:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(10)
        return Finished(self.process.returncode, "".join(self._stdout), "".join(self._stderr))


def consent_over_http(
    consent_url: str, realm_id: str, decision: str = "authorize"
) -> tuple[str, requests.Response]:
    """Submits the emulator's consent form as a browser would and follows the
    redirect to the callback; returns the redirect URL and the callback's answer."""
    with requests.Session() as http:
        http.trust_env = False  # loopback only
        page = http.get(consent_url, timeout=30)
        assert page.status_code == 200, page.text
        form = ConsentForm.parse(page.text)
        fields = {**form.hidden, "realm_id": realm_id, "decision": decision}
        answer = http.post(
            urljoin(consent_url, form.action), data=fields, allow_redirects=False, timeout=30
        )
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        return location, http.get(location, timeout=120)


def onboard_over_http(
    stack: PulumiStack, realm_id: str, *args: str, onboard: tuple[str, ...] = REPOSITORY_ONBOARD
) -> tuple[Finished, str]:
    """A whole onboarding run with the consent submitted over HTTP; returns the
    finished run and the redirect URL (which holds the grant)."""
    run = OnboardRun(stack, *args, onboard=onboard)
    location, page = consent_over_http(run.consent_url(), realm_id)
    finished = run.finish()
    assert finished.returncode == 0, finished.output
    assert page.status_code == 200 and f"Connected company {realm_id}." in page.text
    return finished, location
