"""The reference receiver: verified deliveries are kept, unsigned or badly signed ones get 401."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from emulator.events import notification
from harness import REPO
from harness.receiver import start_receiver
from receiver.app import VERIFIED_HEADER, create_app
from receiver.signature import ID_HEADER, SIGNATURE_HEADER, sign

NEW_KEY = "receiver-new-key-6b1d0f93a2"
OLD_KEY = "receiver-old-key-0c77e4a5d8"
BODY = json.dumps(notification(7, "9130350000000001", "invoices", "CREATED", "31")).encode()


@pytest.fixture
def client():
    return TestClient(create_app([NEW_KEY, OLD_KEY], keep=3))


def post(client, body=BODY, signature=None, path="/quickbooks/events", delivery_id="d-1"):
    headers = {"Content-Type": "application/json", ID_HEADER: delivery_id}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return client.post(path, content=body, headers=headers)


def test_a_signed_notification_is_accepted_and_kept(client):
    response = post(client, signature=sign(NEW_KEY, BODY))
    assert response.status_code == 200
    assert response.headers[VERIFIED_HEADER] == "true"
    assert response.json() == {"verified": True, "events": 1, "duplicate": False}
    [kept] = client.get("/deliveries").json()
    assert kept["verified"] is True and kept["key_index"] == 0 and kept["status"] == 200
    assert kept["delivery_id"] == "d-1" and kept["path"] == "/quickbooks/events"
    assert kept["instance_id"] == 7
    assert kept["events"] == [{"objectType": "invoices", "objectId": "31", "eventType": "CREATED"}]


def with_event_id(event_id: str) -> bytes:
    document = json.loads(BODY)
    document["message"]["eventId"] = event_id
    return json.dumps(document).encode()


def test_each_event_id_is_processed_once_and_a_repeat_is_acknowledged(client):
    # The platform delivers at least once: a retry or a redelivery of queued events
    # carries the same message.eventId (churros platform/events/events.js).
    first, other = with_event_id("ev-1"), with_event_id("ev-2")
    assert post(client, first, sign(NEW_KEY, first)).json()["duplicate"] is False
    again = post(client, first, sign(NEW_KEY, first), delivery_id="d-2")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert post(client, other, sign(NEW_KEY, other)).json()["duplicate"] is False
    processed = client.get("/processed").json()
    assert [p["event_id"] for p in processed] == ["ev-1", "ev-2"]
    assert processed[0]["delivery_id"] == "d-1" and processed[0]["instance_id"] == 7
    assert [d["duplicate"] for d in client.get("/deliveries").json()] == [False, True, False]


def test_an_unverified_repeat_is_not_processed(client):
    body = with_event_id("ev-3")
    assert post(client, body, sign("some-other-key-000000", body)).status_code == 401
    assert client.get("/processed").json() == []


def test_the_previous_key_still_verifies_during_a_rotation(client):
    assert post(client, signature=sign(OLD_KEY, BODY)).status_code == 200
    assert client.get("/deliveries").json()[0]["key_index"] == 1


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=", "sha1=abc", sign("some-other-key-000000", BODY), sign(NEW_KEY, BODY + b" ")],
    ids=["unsigned", "empty", "malformed", "wrong-key", "other-body"],
)
def test_unsigned_or_badly_signed_is_401_and_kept_as_rejected(client, signature):
    response = post(client, signature=signature)
    assert response.status_code == 401
    assert response.headers[VERIFIED_HEADER] == "false"
    assert response.json()["verified"] is False
    [kept] = client.get("/deliveries").json()
    assert kept["verified"] is False and kept["status"] == 401 and kept["events"] == []
    assert NEW_KEY not in response.text and OLD_KEY not in response.text


def test_a_changed_body_with_the_original_signature_is_401(client):
    tampered = BODY.replace(b'"31"', b'"32"')
    assert post(client, body=tampered, signature=sign(NEW_KEY, BODY)).status_code == 401


def test_signed_but_not_a_notification_is_400(client):
    response = post(client, body=b'{"hello": 1}', signature=sign(NEW_KEY, b'{"hello": 1}'))
    assert response.status_code == 400
    assert response.headers[VERIFIED_HEADER] == "true"
    assert "message" in response.json()["error"]


def test_only_the_last_deliveries_are_kept_and_they_can_be_cleared(client):
    for number in range(5):
        post(client, signature=sign(NEW_KEY, BODY), delivery_id=f"d-{number}")
    assert [d["delivery_id"] for d in client.get("/deliveries").json()] == ["d-2", "d-3", "d-4"]
    client.delete("/deliveries")
    assert client.get("/deliveries").json() == []


def test_any_path_is_a_callback_path(client):
    post(client, signature=sign(NEW_KEY, BODY), path="/hooks/v2/qbo")
    assert client.get("/deliveries").json()[0]["path"] == "/hooks/v2/qbo"


def test_a_receiver_without_keys_cannot_be_built():
    with pytest.raises(ValueError):
        create_app([])


def test_the_process_takes_keys_from_the_environment_and_never_prints_them():
    with start_receiver([NEW_KEY, OLD_KEY]) as receiver:
        for key, delivery_id in ((NEW_KEY, "a"), (OLD_KEY, "b"), ("not-a-key-in-force-x", "c")):
            receiver.http.post(
                receiver.url(),
                data=BODY,
                headers={SIGNATURE_HEADER: sign(key, BODY), ID_HEADER: delivery_id},
                timeout=5,
            )
        kept = receiver.wait_for(count=3)
        assert [(d["delivery_id"], d["verified"], d["key_index"]) for d in kept] == [
            ("a", True, 0),
            ("b", True, 1),
            ("c", False, None),
        ]
        command_line = " ".join(receiver.process.args)
    output = "".join(receiver.output)
    assert "keys in force: 2" in output
    assert "delivery a POST /quickbooks/events -> 200 signature verified (key 1/2)" in output
    assert "delivery b POST /quickbooks/events -> 200 signature verified (key 2/2)" in output
    assert "delivery c POST /quickbooks/events -> 401 REJECTED" in output
    for key in (NEW_KEY, OLD_KEY):
        assert key not in output and key not in command_line


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "receiver", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None},
    )


def test_no_key_is_a_clear_error():
    done = run_cli("--port", "0", env={"RECEIVER_SIGNATURE_KEY": None})
    assert done.returncode == 2
    assert "no signature key: set RECEIVER_SIGNATURE_KEY" in done.stderr


def test_a_busy_port_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_cli("--port", str(port), env={"RECEIVER_SIGNATURE_KEY": NEW_KEY})
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert NEW_KEY not in done.stderr + done.stdout
