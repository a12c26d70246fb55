"""`check`: every bad input is a failure naming the property; normalization is canonical."""

import pytest

from provider.core.catalog import POLLER_RESOURCES
from provider.core.check import UNKNOWN, check_inputs, with_defaults
from provider.core.inputs import InstanceSpec

BASE = {
    "name": "Books",
    "ownership_tag": "pulumi:proj:dev:books",
    "callback_url": "https://hooks.example.com/events",
    "oauth": {"code": "abc123", "realm_id": "9130350000000001"},
}


def failures(**changes):
    news = {**BASE, **changes}
    news = {k: v for k, v in news.items() if v is not ...}
    return {f.property: f.reason for f in check_inputs(news, ("hooks.example.com",))[1]}


def test_valid_inputs_are_normalized_and_stored_as_declared():
    inputs, fails = check_inputs(
        {**BASE, "tags": ["b", "a"], "poller_resources": ["vendors", "bills"], "adopt_id": None}
    )
    assert fails == []
    assert inputs["tags"] == ["a", "b"]
    assert inputs["poller_resources"] == ["bills", "vendors"]  # canonical order
    # What the state keeps: the declared inputs, normalized; no default, no null.
    assert set(inputs) == {*BASE, "tags", "poller_resources"}
    assert check_inputs(BASE)[0] == BASE
    # A default declared on purpose is declared: kept as given.
    assert check_inputs({**BASE, "events_enabled": True})[0]["events_enabled"] is True


def test_the_defaults_are_filled_in_where_the_inputs_are_acted_on():
    inputs, _ = check_inputs(BASE)
    full = with_defaults(inputs)
    assert full["poller_resources"] == list(POLLER_RESOURCES)
    assert full["events_enabled"] is True and full["event_vendor_type"] == "polling"
    assert full["adopt_id"] is None and full["extra_configuration"] == {}
    assert {k: full[k] for k in inputs} == inputs  # the declared ones untouched
    # The spec a diff, create or update acts on is the same from either shape of the state.
    assert InstanceSpec.model_validate(inputs) == InstanceSpec.model_validate(full)
    # An old state's inputs (every default written out) check to the same inputs.
    assert with_defaults(check_inputs(full)[0]) == full


@pytest.mark.parametrize(
    "changes, prop",
    [
        ({"name": ""}, "name"),
        ({"name": 42}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Bücher"}, "name"),
        ({"name": "a'; DROP TABLE instances; --"}, "name"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"name": ...}, "name"),
        ({"tags": ["ok", "ok"]}, "tags"),
        ({"tags": ["has space"]}, "tags[0]"),
        ({"tags": ["$(rm -rf /)"]}, "tags[0]"),
        ({"tags": "env:dev"}, "tags"),
        ({"tags": ["pulumi:mine"]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"callback_url": "http://hooks.example.com/e"}, "callback_url"),
        ({"callback_url": "ftp://hooks.example.com/e"}, "callback_url"),
        ({"callback_url": "hooks.example.com/e"}, "callback_url"),
        ({"callback_url": "https://user:pw@hooks.example.com/e"}, "callback_url"),
        ({"callback_url": "https://evil.example.net/e"}, "callback_url"),
        ({"callback_url": "https://hooks.example.com/" + "a" * 2100}, "callback_url"),
        ({"callback_url": ...}, "callback_url"),
        ({"events_enabled": "yes"}, "events_enabled"),
        ({"poller_resources": ["bills", "unicorns"]}, "poller_resources"),
        ({"poller_resources": ["bills", "bills"]}, "poller_resources"),
        ({"poller_resources": []}, "poller_resources"),
        ({"poll_interval_minutes": -5}, "poll_interval_minutes"),
        ({"poll_interval_minutes": 0}, "poll_interval_minutes"),
        ({"poll_interval_minutes": "15"}, "poll_interval_minutes"),
        ({"poll_interval_minutes": 100000}, "poll_interval_minutes"),
        ({"event_vendor_type": "push"}, "event_vendor_type"),
        ({"signature_key": "short"}, "signature_key"),
        ({"signature_key": "********"}, "signature_key"),
        ({"extra_configuration": {"oauth.api.key": "x"}}, "extra_configuration"),
        ({"extra_configuration": {"filter.response.nulls": "********"}}, "extra_configuration"),
        (
            {"extra_configuration": {"filter.response.nulls": True}},
            "extra_configuration.filter.response.nulls",
        ),
        ({"oauth": ...}, "oauth"),
        ({"oauth": {"code": "abc"}}, "oauth.realm_id"),
        ({"oauth": {"realm_id": "1"}}, "oauth.code"),
        ({"oauth": {"code": "********", "realm_id": "1"}}, "oauth.code"),
        ({"oauth": {"code": "abc", "realm_id": "12ab"}}, "oauth.realm_id"),
        ({"oauth": {"code": "abc", "realm_id": "1", "extra": "x"}}, "oauth.extra"),
        ({"oauth": {"oauth_token": "t", "oauth_verifier": "v", "realm_id": "1"}}, "oauth.secret"),
        ({"oauth": {"code": "has space", "realm_id": "1"}}, "oauth.code"),
        ({"adopt_id": "abc"}, "adopt_id"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_names_the_property(changes, prop):
    found = failures(**changes)
    assert prop in found, found


def test_failures_never_echo_secret_values():
    secret = "S3cretGrantCode-XYZ"
    found = failures(oauth={"code": secret + " ", "realm_id": "1"}, signature_key="********")
    assert found and all(secret not in reason for reason in found.values())


def test_events_off_needs_no_callback_and_localhost_http_is_allowed():
    assert failures(events_enabled=False, callback_url=...) == {}
    _, fails = check_inputs({**BASE, "callback_url": "http://localhost:8400/e"}, ("localhost",))
    assert fails == []


def test_adopt_id_replaces_the_grant_requirement():
    assert failures(oauth=..., adopt_id=42) == {}
    assert check_inputs({**BASE, "oauth": None, "adopt_id": 42})[0]["adopt_id"] == "42"


def test_unknown_values_pass_through_in_preview():
    inputs, fails = check_inputs(
        {**BASE, "callback_url": UNKNOWN, "oauth": {"code": UNKNOWN, "realm_id": "1"}}
    )
    assert fails == []
    assert inputs["callback_url"] == UNKNOWN


def test_wildcard_allowlist():
    _, fails = check_inputs(
        {**BASE, "callback_url": "https://a.hooks.example.org/e"}, ("*.hooks.example.org",)
    )
    assert fails == []


def test_numbers_from_the_engine_arrive_as_doubles():
    inputs, fails = check_inputs({**BASE, "poll_interval_minutes": 5.0, "adopt_id": 42.0})
    assert fails == [] and inputs["poll_interval_minutes"] == 5 and inputs["adopt_id"] == "42"
    assert "poll_interval_minutes" in failures(poll_interval_minutes=5.5)


def test_a_name_with_html_tags_fails_naming_name_and_why():
    """churros instances.js: the platform strips HTML tags from names on create and update,
    so a declared name with tags would differ from the instance's forever."""
    found = failures(name="<b>Books</b>")
    assert "HTML tags" in found["name"] and "strips" in found["name"]
