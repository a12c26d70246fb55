"""Fault injection: each kind fires exactly ``count`` times, then the API is normal again."""

from __future__ import annotations

import time

import pytest
import requests

from tests.emulator.emulator_support import create_instance, instance_body, new_grant


def test_status_fault_with_retry_after_fires_count_times(emu):
    emu.add_fault("GET", "/instances", status=503, retry_after=2, count=2)
    for _ in range(2):
        response = emu.api("GET", "/instances")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert set(response.json()) >= {"requestId", "message"}
    assert emu.api("GET", "/instances").status_code in (200, 404)
    assert emu.faults()[0]["remaining"] == 0


def test_429_has_a_default_retry_after(emu):
    emu.add_fault("*", "/instances", status=429)
    response = emu.api("POST", "/instances", json={})
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert emu.api("POST", "/instances", json={}).status_code == 400


def test_status_fault_does_not_run_the_request(emu):
    emu.add_fault("POST", "/instances", status=500)
    grant = new_grant(emu)
    assert emu.api("POST", "/instances", json=instance_body(grant, name="never")).status_code == 500
    assert emu.api("GET", "/instances", params={"searchText": "never"}).status_code == 404
    # The grant was not touched either.
    assert emu.api("POST", "/instances", json=instance_body(grant)).status_code == 200


def test_glob_and_method_matching(emu):
    created = create_instance(emu)
    emu.add_fault("GET", "/instances/*", status=502, count=5)
    assert emu.api("GET", "/instances").status_code != 502  # the glob needs a path below
    assert emu.api("PUT", f"/instances/{created['id']}/enabled").status_code == 200  # other method
    assert emu.api("GET", f"/instances/{created['id']}").status_code == 502
    assert emu.api("GET", f"/instances/{created['id']}/configuration").status_code == 502
    assert emu.faults()[0]["remaining"] == 3


def test_delay_fault_lets_clients_time_out(emu):
    emu.add_fault("GET", "/instances", kind="delay", delay_ms=800, count=1)
    with pytest.raises(requests.ReadTimeout):
        emu.api("GET", "/instances", timeout=0.3)
    started = time.monotonic()
    emu.api("GET", "/instances", timeout=5)
    assert time.monotonic() - started < 0.5
    # The abandoned request still ran to its end on the server; wait for it so it
    # does not land in the next test's log.
    deadline = time.monotonic() + 3
    while len(emu.requests()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [entry["path"] for entry in emu.requests()] == ["/elements/api-v2/instances"] * 2


def test_delay_fault_then_handles_normally(emu):
    emu.add_fault("*", "/instances", kind="delay", delay_ms=300, count=1)
    started = time.monotonic()
    response = emu.api("GET", "/instances")
    assert time.monotonic() - started >= 0.3
    assert response.status_code in (200, 404)


def test_reset_fault_gives_connection_errors_count_times(emu):
    emu.add_fault("GET", "/instances", kind="reset", count=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.get(emu.base_url + "/instances", headers=emu.auth_header(), timeout=5)
    response = requests.get(emu.base_url + "/instances", headers=emu.auth_header(), timeout=5)
    assert response.status_code in (200, 404)


def test_reset_fault_on_a_kept_alive_connection(emu):
    assert emu.api("GET", "/instances").status_code in (200, 404)  # opens a pooled connection
    emu.add_fault("GET", "/instances", kind="reset")
    with pytest.raises(requests.ConnectionError):
        emu.api("GET", "/instances")
    assert emu.api("GET", "/instances").status_code in (200, 404)


def test_drop_after_commit_commits_then_resets(emu):
    emu.add_fault("POST", "/instances", kind="drop_after_commit", count=1)
    grant = new_grant(emu)
    with pytest.raises(requests.ConnectionError):
        emu.api(
            "POST", "/instances", json=instance_body(grant, name="dropped", tags=["lost-response"])
        )
    listed = emu.api("GET", "/instances", params=[("tags[]", "lost-response")])
    assert listed.status_code == 200 and [item["name"] for item in listed.json()] == ["dropped"]
    # Committed means the grant was spent, too.
    again = emu.api("POST", "/instances", json=instance_body(grant))
    assert again.status_code == 400
    # And only once.
    assert create_instance(emu)["id"]


def test_drop_after_commit_on_delete(emu):
    created = create_instance(emu)
    emu.add_fault("DELETE", "/instances/*", kind="drop_after_commit")
    with pytest.raises(requests.ConnectionError):
        emu.api("DELETE", f"/instances/{created['id']}")
    assert emu.api("GET", f"/instances/{created['id']}").status_code == 404


def test_faults_apply_to_oauth_calls_too(emu):
    emu.add_fault("GET", "/elements/quickbooks/oauth/*", status=503)
    response = requests.get(emu.base_url + "/elements/quickbooks/oauth/url", timeout=5)
    assert response.status_code == 503


def test_listing_and_clearing_rules(emu):
    emu.add_fault("GET", "/instances", status=500, count=3)
    emu.add_fault("*", "/instances/*", kind="reset", count=1)
    rules = emu.faults()
    assert [(rule["kind"], rule["count"], rule["remaining"]) for rule in rules] == [
        ("status", 3, 3),
        ("reset", 1, 1),
    ]
    emu.api("GET", "/instances")
    assert emu.faults()[0]["remaining"] == 2
    emu.clear_faults()
    assert emu.faults() == []
    assert emu.api("GET", "/instances").status_code in (200, 404)


def test_add_fault_returns_201_with_an_id(emu):
    response = requests.post(
        emu.root_url + "/_emulator/faults",
        json={"method": "GET", "path": "/instances", "count": 1, "kind": "status", "status": 503},
        headers={"Authorization": f"Bearer {emu.admin_token}"},
        timeout=5,
    )
    assert response.status_code == 201 and "id" in response.json()


@pytest.mark.parametrize(
    "rule",
    [
        {"path": "/instances", "kind": "explode"},
        {"path": "/instances", "count": 0},
        {"kind": "status"},
        {"path": "/instances", "status": 99},
        {"path": "/instances", "colour": "red"},
    ],
)
def test_bad_fault_rules_are_400(emu, rule):
    response = requests.post(
        emu.root_url + "/_emulator/faults",
        json=rule,
        headers={"Authorization": f"Bearer {emu.admin_token}"},
        timeout=5,
    )
    assert response.status_code == 400


def test_controls_are_not_faulted(emu):
    emu.add_fault("*", "*", status=500, count=10)
    assert emu.requests() == []
    assert len(emu.faults()) == 1


def test_reset_clears_faults_and_log(emu):
    emu.add_fault("GET", "/instances", status=500)
    emu.api("GET", "/instances/1")
    emu.reset()
    assert emu.faults() == [] and emu.requests() == []
