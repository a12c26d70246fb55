"""receiver.signature: verification (property tests) and the typed notification shape."""

from __future__ import annotations

import base64
import json
import string
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from emulator.events import notification, signature
from receiver.signature import (
    BadSignature,
    Event,
    MalformedSignature,
    MissingSignature,
    NotificationError,
    SignatureError,
    parse_notification,
    sign,
    verify,
    verify_notification,
)

# Keys as the provider accepts them: 16-256 printable characters.
keys = st.text(alphabet=string.printable.strip() + " ", min_size=16, max_size=256)
bodies = st.binary(max_size=2048)


@given(body=bodies, key=keys)
def test_the_signer_and_the_emulator_agree_and_verify(body, key):
    header = sign(key, body)
    assert header == signature(key, body)  # the emulator's delivery signer
    assert verify(body, header, key) == 0
    assert verify(body, header, key.encode()) == 0


@given(body=bodies, other=bodies, key=keys)
def test_any_change_to_the_body_fails(body, other, key):
    assume(other != body)
    with pytest.raises(BadSignature):
        verify(other, sign(key, body), [key])


@given(body=bodies, key=keys, other=keys)
def test_any_other_key_fails(body, key, other):
    assume(other != key)
    with pytest.raises(BadSignature):
        verify(body, sign(key, body), [other])


@given(body=bodies, key=keys, data=st.data())
def test_any_change_to_the_header_fails(body, key, data):
    header = sign(key, body)
    position = data.draw(st.integers(0, len(header) - 1))
    replacement = data.draw(st.characters(codec="utf-8"))
    assume(replacement != header[position])
    changed = header[:position] + replacement + header[position + 1 :]
    with pytest.raises(SignatureError):
        verify(body, changed, key)


@given(body=bodies, key=keys, header=st.text(max_size=60))
def test_an_arbitrary_header_fails(body, key, header):
    assume(header != sign(key, body))
    with pytest.raises(SignatureError):
        verify(body, header, key)


@given(body=bodies, key=keys, suffix=st.sampled_from([" ", "\n", "=", "A", "=="]))
def test_trailing_garbage_and_truncation_fail(body, key, suffix):
    header = sign(key, body)
    for changed in (header + suffix, header[:-1], header.upper(), header.removeprefix("sha256=")):
        with pytest.raises(SignatureError):
            verify(body, changed, key)


@given(body=bodies, key=keys)
def test_a_non_canonical_base64_spelling_of_the_same_digest_fails(body, key):
    header = sign(key, body)
    # 32 bytes leave 2 unused bits in the last base64 digit: setting them keeps
    # the decoded digest but changes the header, which must not verify.
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
    last = header[-2]
    other = alphabet[alphabet.index(last) ^ 1]
    changed = header[:-2] + other + "="
    assert base64.b64decode(changed[7:]) == base64.b64decode(header[7:])
    with pytest.raises(BadSignature):
        verify(body, changed, key)


@given(
    body=bodies,
    window=st.lists(keys, min_size=1, max_size=5, unique=True),
    data=st.data(),
)
def test_every_key_in_a_rotation_window_verifies(body, window, data):
    index = data.draw(st.integers(0, len(window) - 1))
    assert verify(body, sign(window[index], body), window) == index
    assert verify(body, sign(window[index], body), tuple(window)) == index


@given(body=bodies, window=st.lists(keys, min_size=1, max_size=5, unique=True), key=keys)
def test_a_key_outside_the_window_fails(body, window, key):
    assume(key not in window)
    with pytest.raises(BadSignature):
        verify(body, sign(key, body), window)


def test_missing_and_malformed_headers_are_told_apart():
    body, key = b"{}", "k" * 16
    for missing in (None, ""):
        with pytest.raises(MissingSignature):
            verify(body, missing, key)
    for malformed in ("sha1=abc", "sha256=not base64!", "sha256=é", "Bearer x"):
        with pytest.raises(MalformedSignature):
            verify(body, malformed, key)


def test_no_key_is_a_configuration_error_not_a_verification_result():
    for nothing in ([], (), "", [""], b""):
        with pytest.raises(ValueError, match="no signature key"):
            verify(b"{}", sign("k" * 16, b"{}"), nothing)


def test_messages_never_contain_the_key_or_the_expected_signature():
    body, key = b'{"message": {}}', "rotation-key-0123456789"
    for header in (None, "sha256=AAAA", sign("another-key-0123456789", body)):
        with pytest.raises(SignatureError) as caught:
            verify(body, header, key)
        assert key not in str(caught.value) and sign(key, body) not in str(caught.value)


def test_the_emulators_notification_parses_into_typed_events():
    body = json.dumps(notification(42, "9130350000000001", "invoices", "UPDATED", "147")).encode()
    parsed = verify_notification(body, sign("k" * 16, body), ["k" * 16], delivery_id="d-1")
    assert parsed.instance_id == 42 and parsed.delivery_id == "d-1"
    [event] = parsed.events
    assert isinstance(event, Event)
    assert (event.object_type, event.object_id, event.event_type) == ("invoices", "147", "UPDATED")
    assert event.element_key == "quickbooks" and event.hub_key == "finance"
    assert isinstance(event.date, datetime) and event.date.tzinfo == UTC
    assert parsed.raw["eventNotifications"][0]["realmId"] == "9130350000000001"


def test_verify_notification_checks_before_it_parses():
    with pytest.raises(BadSignature):
        verify_notification(b"not json", sign("a" * 16, b"other"), "a" * 16)


def event(**changes):
    base = {
        "objectType": "invoices",
        "objectId": 7,
        "eventType": "CREATED",
        "date": "2026-01-31T12:00:00.000Z",
        "pollDate": "2026-01-31T12:00:01Z",
        "elementKey": "quickbooks",
        "hubKey": "finance",
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not ...}


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"\xff", "not JSON"),
        (b"[]", "no 'message'"),
        (b'{"message": {"events": []}}', "instanceId"),
        (b'{"message": {"instanceId": true, "events": []}}', "instanceId"),
        (b'{"message": {"instanceId": 1}}', "events must be a list"),
        (json.dumps({"message": {"instanceId": 1, "events": [1]}}).encode(), "events[0]"),
        (
            json.dumps({"message": {"instanceId": 1, "events": [event(eventType="MOVED")]}}),
            "events[0].eventType",
        ),
        (
            json.dumps({"message": {"instanceId": 1, "events": [event(objectType=...)]}}),
            "events[0].objectType",
        ),
        (
            json.dumps({"message": {"instanceId": 1, "events": [event(objectId=None)]}}),
            "events[0].objectId",
        ),
        (
            json.dumps({"message": {"instanceId": 1, "events": [event(), event(date="noon")]}}),
            "events[1].date",
        ),
    ],
)
def test_shapes_that_are_not_notifications_are_named(body, complaint):
    raw = body if isinstance(body, bytes) else body.encode()
    with pytest.raises(NotificationError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        parse_notification(raw)


def test_numeric_ids_are_strings_and_string_instance_ids_are_numbers():
    body = {"message": {"instance_id": "12", "events": [event(), event(objectId="x-1")]}}
    parsed = parse_notification(json.dumps(body).encode())
    assert parsed.instance_id == 12
    assert [e.object_id for e in parsed.events] == ["7", "x-1"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(document=json_values)
def test_any_json_parses_or_fails_with_notification_error(document):
    try:
        parsed = parse_notification(json.dumps({"message": document}).encode())
    except NotificationError:
        return
    assert isinstance(parsed.instance_id, int)
