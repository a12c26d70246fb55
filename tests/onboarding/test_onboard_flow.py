"""`provider.onboard` in-process against the emulator, with a stack config held in memory:
every way the flow can end, fast (the real CLI and browser have their own tests)."""

from __future__ import annotations

import io
import queue
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from harness.accounts import EVENTS_URL, configured_provider, provider_config
from harness.emulator import calls
from provider.onboard import Options, closing_message, onboard
from provider.onboard.errors import OnboardError

from .driver import consent_over_http

REALM = "9130350000000001"


class MemoryConfig:
    """A stack config in memory: settings by key, instances, and what was stored."""

    stack = "unit"

    def __init__(self, settings: dict[str, Any], instances: dict[str, Any] | None = None):
        self.settings = settings
        self._instances = {"books": {"name": "Books"}} if instances is None else instances
        self.stored: list[tuple[str, dict[str, str], list[str]]] = []
        self.fail_store: Exception | None = None

    def lookup(self, key: str) -> Any:
        return self.settings.get(key)

    def instances(self) -> dict[str, Any]:
        return self._instances

    def store_grant(self, instance: str, fields: dict[str, str], stale: list[str]) -> None:
        if self.fail_store:
            raise self.fail_store
        self.stored.append((instance, fields, stale))

    def location(self) -> str:
        return "stacks/Pulumi.unit.yaml"


@pytest.fixture(autouse=True)
def no_env_settings(monkeypatch):
    for var in ("BASE_URL", "OAUTH_API_KEY", "OAUTH_API_SECRET", "OAUTH_CALLBACK_URL"):
        monkeypatch.delenv(f"QUICKBOOKS_{var}", raising=False)


@pytest.fixture
def config(emu, app) -> MemoryConfig:
    return MemoryConfig(
        {
            "quickbooks:baseUrl": emu.base_url,
            "quickbooks:oauthApiKey": app.api_key,
            "quickbooks:oauthApiSecret": app.api_secret,
            "quickbooks:oauthCallbackUrl": app.callback_url,
        }
    )


class Running:
    """`onboard()` on a thread; the consent URL arrives through the browser opener."""

    def __init__(self, config: MemoryConfig, **options: Any) -> None:
        self.out = io.StringIO()
        self.urls: queue.Queue[str] = queue.Queue()
        self.result: Any = None
        self.error: BaseException | None = None
        self.options = Options(stack="unit", **{"timeout": 30, **options})

        def opener(url: str) -> bool:
            self.urls.put(url)
            return False

        def target() -> None:
            try:
                self.result = onboard(self.options, config, out=self.out, open_browser=opener)
            except BaseException as exc:  # handed to the test
                self.error = exc

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def consent_url(self) -> str:
        try:
            return self.urls.get(timeout=30)
        except queue.Empty:
            raise AssertionError(f"no consent URL: {self.error!r}\n{self.out.getvalue()}") from None

    def finish(self) -> Any:
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.result

    def failure(self) -> str:
        self.finish()
        assert isinstance(self.error, OnboardError), repr(self.error)
        message = str(self.error)
        assert "\n" not in message
        return message


def onboard_now(config: MemoryConfig, **options: Any) -> str:
    """Runs onboard where it must fail before any consent; returns the message."""
    with pytest.raises(OnboardError) as failed:
        onboard(Options(stack="unit", **options), config, out=io.StringIO())
    assert "\n" not in str(failed.value)
    return str(failed.value)


def get(url: str) -> requests.Response:
    with requests.Session() as http:
        http.trust_env = False
        return http.get(url, timeout=30)


def test_authorize_stores_the_grant_and_says_what_next(config, app):
    running = Running(config)
    url = running.consent_url()
    # Other paths (a favicon) are answered 404 and do not end the wait.
    callback = urlsplit(app.callback_url)
    assert get(f"http://{callback.netloc}/favicon.ico").status_code == 404
    redirect, page = consent_over_http(url, REALM)
    connected = running.finish()
    assert running.error is None
    assert (
        page.status_code == 200
        and f"Connected company {REALM}. You can close this tab." in page.text
    )
    assert page.headers["Referrer-Policy"] == "no-referrer"
    [(instance, fields, stale)] = config.stored
    assert instance == "books" and stale == [] and set(fields) == {"code", "realm_id"}
    assert fields["realm_id"] == REALM and fields["code"] in redirect
    printed = running.out.getvalue() + "\n".join(closing_message(connected))
    assert fields["code"] not in printed
    assert "Connected instance 'books' to QuickBooks company 9130350000000001." in printed
    assert "Next: pulumi preview --diff --stack unit" in printed


def test_state_mismatch_fails_and_stores_nothing(config, app):
    running = Running(config)
    running.consent_url()
    forged = get(f"{app.callback_url}?code=AB11forged&realmId={REALM}&state=forged")
    assert forged.status_code == 400
    assert "does not belong to the sign-in the terminal started" in forged.text
    assert "state that does not match this run" in running.failure()
    assert config.stored == []


def test_a_redirect_without_state_fails(config, app):
    running = Running(config)
    running.consent_url()
    assert get(f"{app.callback_url}?code=AB11x&realmId={REALM}").status_code == 400
    assert "state that does not match" in running.failure()
    assert config.stored == []


def test_denied_consent_fails_naming_access_denied(config):
    running = Running(config)
    _, page = consent_over_http(running.consent_url(), REALM, decision="deny")
    assert page.status_code == 400 and "Access was denied." in page.text
    assert "consent was denied in the browser (error=access_denied)" in running.failure()
    assert config.stored == []


def test_port_in_use_fails_before_any_consent_is_started(config, app, emu):
    port = urlsplit(app.callback_url).port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        emu.clear_requests()
        message = onboard_now(config)
    assert f"port {port} is in use" in message and "quickbooks:oauthCallbackUrl" in message
    assert not [c for c in calls(emu) if "/oauth/" in c[1]]


def test_timeout_fails_and_frees_the_port(config, app):
    running = Running(config, timeout=0.5)
    running.consent_url()
    assert "no answer from the browser within 0.5 s (timeout)" in running.failure()
    with socket.socket() as probe:  # the listener is gone
        probe.bind(("127.0.0.1", urlsplit(app.callback_url).port))
    assert config.stored == []


@pytest.mark.parametrize(
    "callback_url",
    [
        "https://app.example.com/quickbooks/oauth/callback",
        "http://app.example.com:8400/quickbooks/oauth/callback",
        "https://localhost:8400/quickbooks/oauth/callback",
        "http://0.0.0.0:8400/cb",
    ],
)
def test_a_callback_url_this_command_cannot_serve_is_refused(config, emu, callback_url):
    config.settings["quickbooks:oauthCallbackUrl"] = callback_url
    emu.clear_requests()
    message = onboard_now(config)
    assert message.startswith(f"quickbooks:oauthCallbackUrl is '{callback_url}'")
    assert "http://localhost:<port>/<path> or http://127.0.0.1:<port>/<path>" in message
    assert not [c for c in calls(emu) if "/oauth/" in c[1]]


@pytest.mark.parametrize(
    "key",
    [
        "quickbooks:oauthApiKey",
        "quickbooks:oauthApiSecret",
        "quickbooks:oauthCallbackUrl",
        "quickbooks:baseUrl",
    ],
)
def test_a_missing_app_setting_is_named(config, key):
    del config.settings[key]
    message = onboard_now(config)
    assert "missing provider settings" in message and key in message


def test_instance_choice(config):
    config._instances = {"books": {}, "payroll": {}}
    assert "several instances (books, payroll): choose one with --instance" in onboard_now(config)
    message = onboard_now(config, instance="sales")
    assert "instance 'sales' is not in quickbooks:instances" in message
    assert "(declared: books, payroll)" in message
    config._instances = {}
    assert "declares no instances" in onboard_now(config)
    config._instances = {"my.books": {}}
    assert "cannot be addressed in a config path" in onboard_now(config)


def test_oauth1_grant_replaces_an_oauth2_one_and_creates_an_instance(config, emu, app):
    config._instances = {"books": {"oauth": {"code": "AB11old", "realm_id": REALM}}}
    running = Running(config, oauth1=True)
    url = running.consent_url()
    _, page = consent_over_http(url, "9130350000000003")
    connected = running.finish()
    assert running.error is None and page.status_code == 200
    assert "OAuth 1.0a" in running.out.getvalue()
    [(_, fields, stale)] = config.stored
    assert set(fields) == {
        "oauth_token",
        "oauth_verifier",
        "secret",
        "realm_id",
        "data_source",
        "state",
    }
    assert stale == ["code"]  # the old grant's fields go, or the grant would be ambiguous
    assert connected.previous_realm_id == REALM and connected.realm_id == "9130350000000003"
    assert "replaces the instance" in "\n".join(closing_message(connected))
    for secret in (fields["oauth_verifier"], fields["secret"]):
        assert secret not in running.out.getvalue()

    provider = configured_provider(provider_config(emu, app))
    created = provider.create(
        {
            "name": "Books 1.0a",
            "ownership_tag": "pulumi:unit:onboard:oauth1",
            "callback_url": EVENTS_URL,
            "oauth": fields,
        }
    )
    live = emu.api("GET", f"/instances/{created.id}").json()
    assert live["configuration"]["quickbooks.realm.id"] == "9130350000000003"
    emu.api("DELETE", f"/instances/{created.id}")


def test_a_failed_store_shows_a_failure_page_and_the_cause(config):
    config.fail_store = OnboardError("`pulumi config set --stack unit` failed: disk full")
    running = Running(config)
    _, page = consent_over_http(running.consent_url(), REALM)
    assert page.status_code == 400 and "QuickBooks was not connected." in page.text
    assert "disk full" in running.failure()


def test_the_project_dir_is_where_the_stack_file_is_found(tmp_path: Path):
    from provider.onboard.stack import PulumiStackConfig

    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\nstackConfigDir: stacks\n")
    config = PulumiStackConfig("acme/p/dev", tmp_path)
    assert config.location() == "stacks/Pulumi.dev.yaml"


def test_the_consent_call_goes_through_the_client_and_its_retry_settings(config, emu):
    emu.clear_requests()
    emu.add_fault("GET", "/elements/quickbooks/oauth/url", status=503, count=1)
    running = Running(config, timeout=0.5)
    running.consent_url()  # retried by the client after the 503
    running.failure()
    assert [c for c in calls(emu) if "/oauth/" in c[1]] == [
        ("GET", "/elements/quickbooks/oauth/url")
    ] * 2

    config.settings["quickbooks:maxRetries"] = "0"
    emu.add_fault("GET", "/elements/quickbooks/oauth/url", status=503, count=1)
    message = onboard_now(config)
    assert message.startswith("GET /elements/quickbooks/oauth/url failed: HTTP 503: ")
    assert message.endswith(
        "(check quickbooks:baseUrl, quickbooks:oauthApiKey and quickbooks:oauthApiSecret)"
    )
