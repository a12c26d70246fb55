"""Bugs the reliability matrix found, each pinned by the smallest test that shows it.

Those that go through a provider run on both front-ends (`provider` and `make_inputs`
are the test's front-end's); those of the HTTP client or of the emulator alone, once."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from harness.accounts import oauth_grant, provider_config
from harness.companies import new_company
from harness.stub_server import QuietHandler, serving, stub
from provider.api.client import CloudElementsClient, RetryPolicy
from provider.api.redact import Redactor

from .engine import break_lookups_after_the_post, make_by_hand
from .front_ends import FRONT_ENDS, configured, in_plain

REQUEST_ID = re.compile(r"\(requestId [0-9a-f-]{36}\)")
both_front_ends = pytest.mark.parametrize("front_end", FRONT_ENDS)


@both_front_ends
def test_a_failed_create_names_the_instance_status_and_request_id(emu, app, provider, make_inputs):
    inputs = make_inputs()
    emu.add_fault("POST", "/instances", status=503)
    with pytest.raises(Exception) as failure:
        provider.create(inputs)
    text = str(failure.value)
    assert text.startswith(f"create instance 'Books' ({inputs['ownership_tag']}) failed: HTTP 503")
    assert REQUEST_ID.search(text), text


@both_front_ends
def test_a_404_during_an_update_keeps_operation_status_and_request_id(
    emu, app, provider, make_inputs
):
    inputs = make_inputs()
    created = provider.create(inputs)
    emu.add_fault("PATCH", f"/instances/{created.id}", status=404)
    with pytest.raises(Exception) as failure:
        provider.update(created.id, created.outs, {**inputs, "name": "Books v2"})
    text = str(failure.value)
    assert text.startswith(f"update instance {created.id} failed: HTTP 404"), text
    assert REQUEST_ID.search(text) and "pulumi refresh" in text, text


def created_with_a_second_grant(emu, app, provider, make_inputs):
    """An instance created on a company of its own, and a second grant for that same
    company (a re-authorization's: a grant for another company would be a replace)."""
    realm = new_company(emu)
    inputs = make_inputs(oauth=oauth_grant(emu, app, realm_id=realm))
    return inputs, provider.create(inputs), oauth_grant(emu, app, realm_id=realm)


@both_front_ends
def test_a_reauthorization_whose_answer_was_lost_is_not_reported_as_a_spent_grant(
    emu, app, provider, make_inputs
):
    inputs, created, same_company = created_with_a_second_grant(emu, app, provider, make_inputs)
    news = {**inputs, "oauth": same_company, "name": "Books v2"}
    news = provider.check({}, news).inputs
    # The first PATCH is applied (spending the grant) but its answer never arrives;
    # the retry is refused because the grant is spent.
    emu.add_fault("PATCH", f"/instances/{created.id}", kind="drop_after_commit")
    outs = provider.update(created.id, created.outs, news).outs
    assert outs["oauth_fingerprint"] == news["oauth_fingerprint"] and outs["name"] == "Books v2"
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, news).changes is False


@both_front_ends
def test_a_grant_spent_elsewhere_still_fails_clearly_after_a_retried_5xx(
    emu, app, provider, make_inputs, front_end
):
    inputs, created, spent = created_with_a_second_grant(emu, app, provider, make_inputs)
    # Another stack spends it (past the one-company guard on purpose, as the PATCH below).
    elsewhere = configured(provider_config(emu, app), front_end)
    other = {**inputs, "oauth": spent, "ownership_tag": "pulumi:p:other:books"}
    elsewhere.create(elsewhere.check({}, {**other, "takeover_company": True}).inputs)
    news = {**inputs, "oauth": spent, "name": "Books v2", "takeover_company": True}
    news = provider.check({}, news).inputs
    emu.add_fault("PATCH", f"/instances/{created.id}", status=502)  # retried, then refused
    with pytest.raises(Exception) as failure:
        provider.update(created.id, created.outs, news)
    assert "python -m provider.onboard" in str(failure.value)
    live = emu.api("GET", f"/instances/{created.id}").json()
    assert live["name"] == "Books"  # the refused PATCH changed nothing


def test_an_unreadable_retry_after_falls_back_to_backoff():
    """A proxy may send any Retry-After; the emulator sends only numbers, so a tiny
    server answers 429 with `Retry-After: soon`, then 200."""
    answers = [(429, {"Retry-After": "soon"}), (200, {})]

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            status, headers = answers.pop(0)
            body = b'{"id": 7, "message": "x", "requestId": "r"}'
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    with serving(stub(Handler)) as url:
        client = CloudElementsClient(
            url,
            "user-secret-x",
            "org-secret-x",
            redactor=Redactor(),
            retry=RetryPolicy(sleep=lambda _s: None),
        )
        assert client.get_instance("7")["id"] == 7
        assert client.calls == 2


def test_a_write_delayed_past_the_client_timeout_still_runs_on_the_emulator(emu, app):
    """The emulator's delay fault stands for a slow server: the request has arrived and
    runs to its end even though the client gave up (its README says so)."""
    emu.add_fault("PATCH", "/instances/*", kind="delay", delay_ms=600)
    instance_id = make_by_hand(emu, app, oauth_grant(emu, app), "Books", [])
    with pytest.raises(requests.ReadTimeout):
        emu.api("PATCH", f"/instances/{instance_id}", json={"name": "Renamed"}, timeout=0.2)
    deadline = time.monotonic() + 5
    while emu.api("GET", f"/instances/{instance_id}").json()["name"] != "Renamed":
        assert time.monotonic() < deadline, "the abandoned PATCH never ran"
        time.sleep(0.05)


@both_front_ends
def test_a_signature_key_sent_in_a_patch_never_lands_in_the_plain_outputs(
    emu, app, provider, make_inputs
):
    inputs = make_inputs(signature_key="first-signature-key-0123")
    created = provider.create(inputs)
    news = provider.check({}, {**inputs, "signature_key": "second-signature-key-0123"}).inputs
    outs = provider.update(created.id, created.outs, news).outs
    assert "second-signature-key-0123" not in str(in_plain(provider, outs))
    # Adoption after a lost create answer reconciles with a PATCH carrying the key too.
    again = make_inputs(signature_key="third-signature-key-0123")
    emu.add_fault("POST", "/instances", kind="drop_after_commit")
    adopted = provider.create(again).outs
    assert "third-signature-key-0123" not in str(in_plain(provider, adopted))


@both_front_ends
def test_a_lost_create_answer_followed_by_a_failed_lookup_says_the_instance_may_exist(
    emu, app, provider, make_inputs
):
    inputs = make_inputs()
    break_lookups_after_the_post(emu, provider)
    provider.client().retry.sleep = lambda _s: None
    try:
        with pytest.raises(Exception) as failure:
            provider.create(inputs)
    finally:
        emu.clear_faults()
    text = str(failure.value)
    assert text.startswith("create instance 'Books'") and "HTTP 503" in text, text
    assert "may exist" in text and "pulumi up" in text, text


@both_front_ends
def test_parallel_steps_share_one_client(monkeypatch, front_end):
    """The engine runs creates in parallel threads of one provider process (the plugin:
    worker threads of its event loop)."""
    import provider.api.client as client_module

    class SlowToBuild(client_module.CloudElementsClient):
        def __init__(self, *args, **kwargs):
            time.sleep(0.05)  # widens the window in which a second client could be built
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(client_module, "CloudElementsClient", SlowToBuild)
    provider = configured(
        {
            "quickbooks:baseUrl": "http://127.0.0.1:9/elements/api-v2",
            "quickbooks:userSecret": "user-secret-for-the-race",
            "quickbooks:organizationSecret": "org-secret-for-the-race",
        },
        front_end,
    )
    start = threading.Barrier(8)
    clients = []

    def step():
        start.wait()
        clients.append(provider.client())

    threads = [threading.Thread(target=step) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in clients}) == 1
