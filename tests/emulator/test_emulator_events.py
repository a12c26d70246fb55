"""Event delivery: body, signature, retries, and the rules for who gets events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from tests.emulator.emulator_support import (
    REALM_US2,
    CallbackServer,
    configuration,
    create_instance,
    events_configuration,
    wait_for_delivery,
)

SIGNATURE_KEY = "webhook-signing-key-1f9"


def test_delivery_is_signed_and_has_the_documented_body(emu):
    with CallbackServer() as receiver:
        config = events_configuration(
            receiver.url, extra={"event.notification.signature.key": SIGNATURE_KEY}
        )
        created = create_instance(emu, config=config, realm_id=REALM_US2)
        delivery_id = emu.send_event(created["id"], "invoices", "UPDATED", "147")
        status = wait_for_delivery(emu, delivery_id)
        assert status["status"] == "delivered" and status["attempts"] == 1

    headers, raw = receiver.received[0]
    assert headers["Elements-Webhook-Id"] == delivery_id
    expected = base64.b64encode(hmac.new(SIGNATURE_KEY.encode(), raw, hashlib.sha256).digest())
    assert headers["Elements-Webhook-Signature"] == "sha256=" + expected.decode()
    assert headers["Content-Type"] == "application/json"

    message = json.loads(raw)["message"]
    assert message["instanceId"] == created["id"] and message["instance_id"] == created["id"]
    [event] = message["events"]
    assert event["objectType"] == "invoices"
    assert event["objectId"] == "147"
    assert event["eventType"] == "UPDATED"
    assert event["elementKey"] == "quickbooks"
    assert event["date"] and event["pollDate"]
    [notification] = message["raw"]["eventNotifications"]
    assert notification["realmId"] == REALM_US2
    assert notification["dataChangeEvent"]["entities"][0]["name"] == "Invoice"


def test_no_signature_header_without_a_key(emu):
    with CallbackServer() as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        status = wait_for_delivery(emu, emu.send_event(created["id"], "customers"))
    assert status["status"] == "delivered"
    headers, _ = receiver.received[0]
    assert "Elements-Webhook-Signature" not in headers


def test_masked_signature_key_in_patch_keeps_signing_with_the_real_key(emu):
    with CallbackServer() as receiver:
        config = events_configuration(
            receiver.url, extra={"event.notification.signature.key": SIGNATURE_KEY}
        )
        created = create_instance(emu, config=config)
        path = f"/instances/{created['id']}"
        shown = emu.api("GET", path).json()["configuration"]
        assert shown["event.notification.signature.key"] == "********"
        assert emu.api("PATCH", path, json={"configuration": shown}).status_code == 200
        wait_for_delivery(emu, emu.send_event(created["id"], "invoices"))
    headers, raw = receiver.received[0]
    expected = base64.b64encode(hmac.new(SIGNATURE_KEY.encode(), raw, hashlib.sha256).digest())
    assert headers["Elements-Webhook-Signature"] == "sha256=" + expected.decode()


def test_failed_deliveries_are_retried(emu):
    with CallbackServer(fail_first=3) as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        delivery_id = emu.send_event(created["id"], "invoices")
        status = wait_for_delivery(emu, delivery_id)
    assert status == {"deliveryId": delivery_id, "status": "delivered", "attempts": 4}
    assert len(receiver.received) == 4
    # Retries are the same notification: same id, same body.
    assert len({headers["Elements-Webhook-Id"] for headers, _ in receiver.received}) == 1
    assert len({body for _, body in receiver.received}) == 1


def test_delivery_is_queued_after_9_failed_retries(emu):
    with CallbackServer(fail_first=100) as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        status = wait_for_delivery(emu, emu.send_event(created["id"], "invoices"))
        time.sleep(0.2)
    assert status["status"] == "queued" and status["attempts"] == 10
    assert len(receiver.received) == 10


def test_unreachable_callback_ends_queued(emu):
    with CallbackServer() as receiver:
        url = receiver.url
    created = create_instance(emu, config=events_configuration(url))
    status = wait_for_delivery(emu, emu.send_event(created["id"], "invoices"))
    assert status["status"] == "queued" and status["attempts"] == 10


def test_event_response_is_202_with_a_delivery_id(emu):
    with CallbackServer() as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        response = requests.post(
            f"{emu.root_url}/_emulator/instances/{created['id']}/events",
            json={"objectType": "invoices", "eventType": "CREATED", "objectId": 5},
            headers={"Authorization": f"Bearer {emu.admin_token}"},
            timeout=5,
        )
        assert response.status_code == 202
        wait_for_delivery(emu, response.json()["deliveryId"])


def post_event(emu, instance_id, **body):
    event = {"objectType": "invoices", "eventType": "CREATED", "objectId": "1", **body}
    return requests.post(
        f"{emu.root_url}/_emulator/instances/{instance_id}/events",
        json=event,
        headers={"Authorization": f"Bearer {emu.admin_token}"},
        timeout=5,
    )


def test_object_type_must_be_polled(emu):
    created = create_instance(
        emu, config=events_configuration("https://hooks.example.test/e", "invoices")
    )
    response = post_event(emu, created["id"], objectType="vendors")
    assert response.status_code == 400 and "vendors" in response.json()["message"]


@pytest.mark.parametrize("body", [{"eventType": "EXPLODED"}, {"objectId": None}, {"extra": 1}])
def test_bad_event_bodies_are_400(emu, body):
    created = create_instance(emu, config=events_configuration("https://hooks.example.test/e"))
    assert post_event(emu, created["id"], **body).status_code == 400


def test_no_events_when_disabled_or_events_off(emu):
    off = create_instance(emu, config=configuration())
    assert post_event(emu, off["id"]).status_code == 400
    on = create_instance(emu, config=events_configuration("https://hooks.example.test/e"))
    emu.api("DELETE", f"/instances/{on['id']}/enabled")
    assert post_event(emu, on["id"]).status_code == 400
    assert post_event(emu, 999999).status_code == 404


def test_unknown_delivery_is_404(emu):
    response = requests.get(
        f"{emu.root_url}/_emulator/deliveries/nope",
        headers={"Authorization": f"Bearer {emu.admin_token}"},
        timeout=5,
    )
    assert response.status_code == 404
