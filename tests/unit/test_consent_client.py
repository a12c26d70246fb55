"""Onboarding's consent calls are calls of the one client: its session (headers, proxy
rule), its redactor, its retry policy and its call counter; a failure is one line."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.stub_server import QuietHandler, serving
from provider.api.client import CloudElementsClient, RetryPolicy
from provider.api.redact import Redactor
from provider.api.settings import ProviderSettings
from provider.errors import OnboardError
from provider.onboard.consent import start_consent

API_SECRET = "app-secret-5e1f0a2b9c"
USER, ORG = "user-secret-7d3c", "org-secret-91ab"


class Platform(ThreadingHTTPServer):
    """A stand-in for Cloud Elements: answers from `script` (path suffix -> queue of
    (status, body)), then with a good answer; records every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: dict[str, list[tuple[int, object]]] = {}
        self.seen: list[tuple[str, dict[str, str], dict[str, str]]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/elements/api-v2"


class _Handler(QuietHandler):
    server: Platform

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.seen.append((parts.path, query, dict(self.headers)))
        step = parts.path.rsplit("/", 1)[-1]
        good = {
            "token": (200, {"token": "request-token-0042", "secret": "token-secret-0042"}),
            "url": (200, {"oauthUrl": "http://127.0.0.1:1/consent?session=s1"}),
        }[step]
        queued = self.server.script.get(step) or []
        status, body = queued.pop(0) if queued else good
        text = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


@pytest.fixture
def platform() -> Iterator[Platform]:
    server = Platform()
    with serving(server):
        yield server


def settings_for(base_url: str) -> ProviderSettings:
    return ProviderSettings(
        base_url=base_url,
        user_secret=USER,
        organization_secret=ORG,
        oauth_api_key="app-key",
        oauth_api_secret=API_SECRET,
        oauth_callback_url="http://localhost:8400/cb",
    )


def client_for(base_url: str, slept: list[float] | None = None, **retry) -> CloudElementsClient:
    sleep = (slept if slept is not None else []).append
    return CloudElementsClient(
        base_url, USER, ORG, redactor=Redactor(), retry=RetryPolicy(sleep=sleep, **retry)
    )


def test_the_consent_calls_are_the_clients_calls_with_its_headers(platform):
    client = client_for(platform.base_url)
    consent = start_consent(client, settings_for(platform.base_url), oauth1=True)
    assert consent.url == "http://127.0.0.1:1/consent?session=s1"
    assert consent.request_token == "request-token-0042"
    assert client.calls == 2
    assert [path.rsplit("/oauth", 1)[-1] for path, _, _ in platform.seen] == ["/token", "/url"]
    for _, query, headers in platform.seen:
        assert headers["Authorization"] == f"User {USER}, Organization {ORG}"
        assert headers["Accept"] == "application/json"
        assert query["apiSecret"] == API_SECRET
    assert platform.seen[1][1]["requestToken"] == "request-token-0042"


def test_settings_build_the_client_onboarding_uses(platform):
    settings = settings_for(platform.base_url)
    client = CloudElementsClient.from_settings(
        ProviderSettings(**{**vars(settings), "max_retries": 1, "request_timeout_seconds": 7.0})
    )
    assert (client.retry.max_retries, client.timeout) == (1, 7.0)
    assert client.redact(f"x {API_SECRET} {USER} {ORG}") == "x [secret] [secret] [secret]"
    without_platform_secrets = CloudElementsClient.from_settings(
        ProviderSettings(**{**vars(settings), "user_secret": None, "organization_secret": None})
    )
    assert "Authorization" not in without_platform_secrets.session.headers


def test_a_consent_call_is_retried_by_the_clients_policy(platform):
    platform.script["url"] = [(503, {"message": "busy"})]
    slept: list[float] = []
    client = client_for(platform.base_url, slept)
    assert start_consent(client, settings_for(platform.base_url)).flow == "oauth2"
    assert client.calls == 2 and len(slept) == 1


def test_a_refused_consent_call_is_one_redacted_line(platform):
    echo = f"apiSecret {API_SECRET} with requestToken request-token-0042 refused\x1b[2J"
    platform.script["url"] = [(400, {"message": echo, "requestId": "r-1"})]
    client = client_for(platform.base_url)
    with pytest.raises(OnboardError) as refused:
        start_consent(client, settings_for(platform.base_url), oauth1=True)
    assert str(refused.value) == (
        "GET /elements/quickbooks/oauth/url failed: HTTP 400: apiSecret [secret] with "
        "requestToken [secret] refused?[2J (check quickbooks:baseUrl, quickbooks:oauthApiKey "
        "and quickbooks:oauthApiSecret)"
    )


def test_an_answer_without_the_consent_url_is_refused(platform):
    platform.script["url"] = [(200, ["not", "an", "object"])]
    with pytest.raises(OnboardError, match="oauth/url failed: the answer is not a JSON object"):
        start_consent(client_for(platform.base_url), settings_for(platform.base_url))


def test_an_unreachable_platform_is_named_after_the_clients_retries():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/elements/api-v2"
    slept: list[float] = []
    client = client_for(base_url, slept, max_retries=2)
    with pytest.raises(OnboardError) as unreachable:
        start_consent(client, settings_for(base_url))
    assert str(unreachable.value) == (
        f"GET /elements/quickbooks/oauth/url: cannot reach quickbooks:baseUrl {base_url} "
        "(ConnectionError)"
    )
    assert client.calls == 3 and len(slept) == 2


def test_a_loopback_platform_is_never_reached_through_a_proxy(platform, monkeypatch):
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example.test:3128")
    monkeypatch.setenv("http_proxy", "http://proxy.example.test:3128")
    client = client_for(platform.base_url)
    assert client.session.proxies == {} and client.session.trust_env is False
    assert start_consent(client, settings_for(platform.base_url)).flow == "oauth2"
