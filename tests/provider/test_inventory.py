"""One paged list per provider process: refresh, ownership checks, the lost-create lookup
and the one-company rule answered from every page of `GET /elements/quickbooks/instances`
(the organization's QuickBooks instances), with safe fallbacks to GET by id."""

from __future__ import annotations

import json

import pytest

from harness.accounts import configured_provider
from harness.emulator import QUEUED_LIST, calls
from harness.stub_server import QuietHandler, serving, stub
from provider.api.client import CloudElementsClient
from provider.api.inventory import Inventory
from provider.api.redact import Redactor
from provider.errors import CloudElementsError

STACK_TAG = "pulumi:test:stack"
LIST = ("GET", "/elements/quickbooks/instances")


def listed(emu) -> list[tuple[str, str]]:
    return [c for c in calls(emu) if c == LIST]


def test_refresh_of_n_is_one_list_call_and_one_list_of_queued_deliveries(
    emu, config, provider, make_inputs
):
    created = [provider.create(make_inputs()) for _ in range(3)]
    fresh = configured_provider(config)  # `pulumi refresh`: a new provider process
    emu.clear_requests()
    reads = [fresh.read(r.id, r.outs) for r in created]
    # Whatever N: what the platform holds back of their events is one more list.
    assert calls(emu) == [LIST, QUEUED_LIST]
    for before, after in zip(created, reads, strict=True):
        assert after.id == before.id
        assert fresh.diff(after.id, after.outs, before.outs).changes is False
    # Every QuickBooks instance (the company check needs them all): no tag filter.
    assert emu.requests()[0]["query"] == "pageSize=200"


def test_create_and_destroy_of_n_share_one_list(emu, config, make_inputs):
    provider = configured_provider(config)
    inputs = [make_inputs() for _ in range(3)]
    emu.clear_requests()
    results = [provider.create(i) for i in inputs]
    assert sorted(calls(emu)) == sorted([LIST] + [("POST", "/instances")] * 3)

    destroyer = configured_provider(config)
    emu.clear_requests()
    for r in results:
        destroyer.delete(r.id, r.outs)
    assert sorted(calls(emu)) == sorted(
        [LIST] + [("DELETE", f"/instances/{r.id}") for r in results]
    )


def test_an_instance_without_the_stack_tag_is_read_from_the_list_and_tagged_by_the_next_patch(
    emu, config, provider, make_inputs
):
    inputs = make_inputs()
    result = provider.create(inputs)
    # As an instance created before the stack tag existed.
    legacy_tags = [t for t in emu.api("GET", f"/instances/{result.id}").json()["tags"]]
    legacy_tags.remove(STACK_TAG)
    emu.api("PATCH", f"/instances/{result.id}", json={"tags": legacy_tags})

    fresh = configured_provider(config)
    emu.clear_requests()
    read = fresh.read(result.id, result.outs)
    assert calls(emu) == [LIST, QUEUED_LIST]
    assert read.outs["stack_tag"] is None
    assert fresh.diff(result.id, read.outs, inputs).changes is False  # no PATCH of its own

    news = {**inputs, "callback_url": "https://hooks.example.com/moved"}
    fresh.update(result.id, read.outs, news)
    assert STACK_TAG in emu.api("GET", f"/instances/{result.id}").json()["tags"]


def fake_lister(entries):
    calls_made = []

    def lister():
        calls_made.append("list")
        return entries

    return lister, calls_made


def test_a_list_without_configuration_answers_ownership_but_not_reads():
    lister, made = fake_lister([{"id": 5, "tags": ["a", STACK_TAG]}])
    inventory = Inventory(lister)
    assert inventory.tags_of("5") == ["a", STACK_TAG]
    assert inventory.instance("5") is None  # read falls back to GET by id
    assert inventory.tags_of("6") is None
    assert made == ["list"]  # listed once


def test_the_client_follows_every_page_and_keeps_only_quickbooks_instances():
    """churros pagination.js: a next-page token exactly when more follow; the client sends
    it back as nextPage until none comes. An entry of another element is dropped even if
    the platform ignored the element scope."""
    pages = {
        "": ([{"id": 1, "elementId": 39}, {"id": 2, "element": {"key": "jira"}}], "t1"),
        "t1": ([{"id": 3, "element": {"key": "quickbooks", "id": 39}}], "t2"),
        "t2": ([{"id": 4}], None),
    }
    seen = []

    class Paging(QuietHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            from urllib.parse import parse_qs, urlsplit

            query = parse_qs(urlsplit(self.path).query)
            seen.append((urlsplit(self.path).path, query))
            entries, token = pages[query.get("nextPage", [""])[0]]
            body = json.dumps(entries).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if token:
                self.send_header("Elements-Next-Page-Token", token)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(stub(Paging)) as url:
        client = CloudElementsClient(url, "u", "o", redactor=Redactor([]))
        assert [i["id"] for i in client.list_instances()] == [1, 3, 4]
    assert [path for path, _ in seen] == ["/elements/quickbooks/instances"] * 3
    assert all(query["pageSize"] == ["200"] for _, query in seen)


def test_a_page_that_fails_fails_the_list():
    class Broken(QuietHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            broken = "nextPage" in self.path
            body = b"[]" if not broken else b'{"message": "Invalid nextPage token"}'
            self.send_response(400 if broken else 200)
            self.send_header("Content-Type", "application/json")
            if not broken:
                self.send_header("Elements-Next-Page-Token", "t1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(stub(Broken)) as url:
        client = CloudElementsClient(url, "u", "o", redactor=Redactor([]))
        with pytest.raises(CloudElementsError, match="nextPage"):
            client.list_instances()
