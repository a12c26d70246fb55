"""The provider's own configuration: every setting judged before any call, by one
set of rules for both front-ends (the plugin's CheckConfig, the dynamic resource's
configure), and what a changed setting does to the instances (DiffConfig)."""

from __future__ import annotations

import asyncio

import pytest

from harness.emulator import calls
from provider.api import settings
from provider.core.check import UNKNOWN
from provider.plugin import config
from provider.plugin.protocol import CheckRequest, DiffRequest, DiffResponse, PropertyDiff
from provider.plugin.wire import to_wire

URN = "urn:pulumi:dev::shop::pulumi:providers:quickbooks::default"
GOOD = {
    "baseUrl": "https://api.example.com/elements/api-v2",
    "userSecret": "user-secret",
    "organizationSecret": "org-secret",
    "allowedCallbackHosts": '["hooks.example.com", "*.example.org"]',
    "maxRetries": "3",
}


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch):
    for s in settings.ALL_SETTINGS:
        monkeypatch.delenv(s.env_var, raising=False)


def failures(**changes) -> dict[str, str]:
    """The CheckConfig failures of GOOD with `changes` (None removes a key): reason by key."""
    news = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    response = asyncio.run(_check(news))
    return {f.reason.split(" ", 1)[0]: f.reason for f in response.failures}


async def _check(news):
    return config.check_config(CheckRequest(urn=URN, news=to_wire(news)))


def test_good_settings_pass_and_are_kept_as_given():
    response = config.check_config(CheckRequest(urn=URN, news=to_wire(GOOD)))
    assert list(response.failures) == []
    assert response.inputs == to_wire(GOOD)


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("baseUrl", "api.example.com/elements", "must be an absolute https:// URL"),
        ("baseUrl", "http://api.example.com", "plain http:// only for a loopback host"),
        ("baseUrl", "https://u:p@api.example.com", "must not carry credentials"),
        ("oauthCallbackUrl", "not a url", "must be an absolute https:// URL"),
        ("allowedCallbackHosts", "https://hooks.example.com/x", "not a host name"),
        ("allowedCallbackHosts", '["hooks.example.com"', "malformed JSON"),
        ("maxRetries", "lots", "must be an integer"),
        ("maxRetries", "99", "must be between 0 and 20"),
        ("requestTimeoutSeconds", "0", "must be between 0.1 and 600"),
        ("maxConcurrency", "101", "must be between 0 and 100"),
        ("userSecret", None, "is required (or env QUICKBOOKS_USER_SECRET)"),
        ("organizationSecret", " padded ", "without surrounding spaces, got a secret"),
    ],
)
def test_a_bad_setting_fails_naming_its_key(key, value, reason):
    found = failures(**{key: value})
    assert list(found) == [f"quickbooks:{key}"]
    assert reason in found[f"quickbooks:{key}"]
    assert "padded" not in found[f"quickbooks:{key}"]  # a secret is never quoted


def test_a_misspelt_key_is_named_with_the_real_one_and_the_programs_own_keys_pass():
    found = failures(baseURL="https://x.example.com", instances='{"books": {}}')
    assert found == {
        "quickbooks:baseURL": "quickbooks:baseURL is no setting of this provider: "
        "did you mean quickbooks:baseUrl?"
    }


def test_an_unknown_value_is_judged_when_known_and_the_environment_fills_in(monkeypatch):
    assert failures(baseUrl=UNKNOWN) == {}
    monkeypatch.setenv("QUICKBOOKS_USER_SECRET", "from-env")
    assert failures(userSecret=None) == {}


def test_the_dynamic_resource_applies_the_same_rules_to_the_stack_config():
    from pulumi.dynamic import ConfigureRequest

    from provider.lifecycle import QuickBooksInstanceProvider

    stack_config = {f"quickbooks:{k}": v for k, v in {**GOOD, "maxRetries": "99"}.items()}
    with pytest.raises(settings.SettingsError) as raised:
        QuickBooksInstanceProvider().configure(ConfigureRequest(stack_config))
    assert "quickbooks:maxRetries must be between 0 and 20" in str(raised.value)


def diff(**changes):
    news = {**GOOD, **changes}
    return config.diff_config(DiffRequest(urn=URN, id="id", olds=to_wire(GOOD), news=to_wire(news)))


def test_a_rotated_secret_changes_nothing():
    result = diff(userSecret="rotated", organizationSecret="rotated", oauthApiSecret="new")
    assert result.changes == DiffResponse.DIFF_NONE and list(result.replaces) == []


def test_another_base_url_replaces_the_provider_and_so_its_instances():
    result = diff(baseUrl="https://eu.example.com/elements/api-v2")
    assert result.changes == DiffResponse.DIFF_SOME and list(result.replaces) == ["baseUrl"]
    assert result.detailedDiff["baseUrl"].kind == PropertyDiff.UPDATE_REPLACE
    # The same API written with a trailing slash is no change.
    assert diff(baseUrl=GOOD["baseUrl"] + "/").changes == DiffResponse.DIFF_NONE


def test_a_tuning_setting_updates_the_provider_in_place():
    result = diff(maxRetries="5")
    assert result.changes == DiffResponse.DIFF_SOME and list(result.replaces) == []
    assert list(result.diffs) == ["maxRetries"]


@pytest.mark.parametrize("front_end", ["dynamic", "plugin"])
def test_preview_with_a_bad_setting_fails_naming_it_with_no_call(stack, emu, front_end):
    stack.write_config(
        {
            "quickbooks:baseUrl": "ftp://" + emu.base_url.split("://", 1)[1],
            "quickbooks:allowedCallbackHosts": "https://hooks.example.com/events",
        }
    )
    stack.set_instance("books", name="Books", callback_url="https://hooks.example.com/events")
    stack.grant("books")
    emu.clear_requests()
    done = stack.preview(check=False)
    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert "quickbooks:baseUrl must be an absolute https:// URL" in text
    assert "quickbooks:allowedCallbackHosts" in text and "not a host name" in text
    assert calls(emu) == []


@pytest.mark.parametrize("front_end", ["plugin"])  # DiffConfig is the plugin's
def test_preview_says_what_a_changed_setting_does_to_the_instances(stack, emu, front_end):
    stack.set_instance("books", name="Books", callback_url="https://hooks.example.com/events")
    stack.grant("books")
    stack.up()
    settings_now = stack.config_path.read_text()

    # A rotated secret: no change at all (the emulator would refuse it: no call made).
    stack.set_secret("quickbooks:userSecret", "rotated-user-secret-0123")
    emu.clear_requests()
    stack.preview("--diff", "--expect-no-changes")
    assert calls(emu) == []

    # Another base URL (the same emulator under another name): each instance replaced.
    stack.config_path.write_text(settings_now)
    stack.write_config({"quickbooks:baseUrl": emu.base_url.replace("127.0.0.1", "localhost")})
    emu.clear_requests()
    preview = stack.preview("--diff").stdout
    assert "+-1 to replace" in preview.split("Resources:")[1], preview
    assert calls(emu) == []
