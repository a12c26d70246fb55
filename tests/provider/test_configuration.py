"""Provider settings come from configure() (stack config) or the environment, never state."""

import base64

from pulumi.dynamic.dynamic import serialize_provider

from harness.accounts import configured_provider
from harness.emulator import calls
from provider.errors import SettingsError
from provider.lifecycle import QuickBooksInstanceProvider


def test_read_and_delete_work_with_credentials_only_from_configure(
    emu, config, provider, make_inputs, monkeypatch
):
    for var in ("QUICKBOOKS_BASE_URL", "QUICKBOOKS_USER_SECRET", "QUICKBOOKS_ORGANIZATION_SECRET"):
        monkeypatch.delenv(var, raising=False)
    result = provider.create(make_inputs())
    # A fresh provider, as the engine builds one from state for refresh/destroy.
    fresh = configured_provider(config)
    assert fresh.read(result.id, result.outs).id == result.id
    emu.clear_requests()
    fresh.delete(result.id, result.outs)
    # The ownership check is answered by the list the read took (one per process).
    assert calls(emu) == [("DELETE", f"/instances/{result.id}")]


def test_environment_is_the_fallback(emu, config, make_inputs, monkeypatch):
    for key, value in config.items():
        env = {
            "quickbooks:baseUrl": "QUICKBOOKS_BASE_URL",
            "quickbooks:userSecret": "QUICKBOOKS_USER_SECRET",
            "quickbooks:organizationSecret": "QUICKBOOKS_ORGANIZATION_SECRET",
        }.get(key)
        if env:
            monkeypatch.setenv(env, value)
    provider = configured_provider({})
    assert provider.read("999999", {}).id is None  # authenticated, just not found


def test_serialized_provider_is_small_by_reference_and_holds_no_credential(
    config, provider, make_inputs
):
    provider.create(make_inputs())  # settings and a session now live in the object
    blob = serialize_provider(provider)
    raw = base64.b64decode(blob)
    assert len(raw) < 300, len(raw)
    assert b"provider.lifecycle" in raw and b"QuickBooksInstanceProvider" in raw
    for value in config.values():
        if len(value) >= 8 and "://" not in value and not value.startswith("["):
            assert value.encode() not in raw


def test_outputs_hold_no_credential(config, provider, make_inputs):
    outs = provider.create(make_inputs()).outs
    text = str(outs)
    for key in (
        "quickbooks:userSecret",
        "quickbooks:organizationSecret",
        "quickbooks:oauthApiSecret",
    ):
        assert config[key] not in text


def test_missing_settings_are_named_before_any_call(emu):
    provider = QuickBooksInstanceProvider()
    import os

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("QUICKBOOKS_")}
    try:
        from pulumi.dynamic import ConfigureRequest
        from pulumi.dynamic.config import Config

        # configure refuses them, in preview, before any call: the plugin's CheckConfig rules.
        emu.clear_requests()
        try:
            provider.configure(ConfigureRequest(Config({}, "p")))
        except SettingsError as exc:
            assert "quickbooks:baseUrl" in str(exc) and "QUICKBOOKS_USER_SECRET" in str(exc)
        else:
            raise AssertionError("configure without settings must fail")
        assert calls(emu) == []
    finally:
        os.environ.update(saved)
