"""The client reads the proxy and CA settings of the environment once, when its session is
built (requests would otherwise re-read them on every call), and still honours them."""

from provider.api.client import CloudElementsClient
from provider.api.redact import Redactor

BASE = "https://api.example.test/elements/api-v2"


def session_for(monkeypatch, **env):
    for var in (
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    return CloudElementsClient(BASE, "u", "o", redactor=Redactor([])).session


def test_a_proxy_for_the_base_url_is_used(monkeypatch):
    session = session_for(monkeypatch, HTTPS_PROXY="http://proxy.example.test:3128")
    assert session.trust_env is False
    assert session.proxies.get("https") == "http://proxy.example.test:3128"


def test_no_proxy_exempts_the_base_url(monkeypatch):
    session = session_for(
        monkeypatch, HTTPS_PROXY="http://proxy.example.test:3128", NO_PROXY="api.example.test"
    )
    assert "https" not in session.proxies


def test_a_ca_bundle_is_honoured(monkeypatch):
    assert session_for(monkeypatch, REQUESTS_CA_BUNDLE="/etc/ssl/corp.pem").verify == (
        "/etc/ssl/corp.pem"
    )
    assert session_for(monkeypatch).verify is True
