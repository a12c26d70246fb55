"""Instances of the organization's other elements (here Jira: devportal
platform-api/instances lists every element's instances together) are never the
provider's, whatever their tags: never adopted, read as its own, counted, changed or
deleted. Each refusal names the element."""

from __future__ import annotations

import pytest

from harness.accounts import configured_provider, made_jira
from harness.emulator import writes
from provider.errors import ProvisioningError

OWNER = "pulumi:proj:stack:books"


def test_adopt_id_of_a_jira_instance_is_refused_naming_the_element(emu, provider):
    jira = made_jira(emu, tags=(OWNER,))
    inputs = provider.check(
        {},
        {
            "name": "Books",
            "ownership_tag": OWNER,
            "adopt_id": str(jira["id"]),
            "callback_url": "https://hooks.example.com/events",
        },
    ).inputs
    emu.clear_requests()
    with pytest.raises(
        ProvisioningError, match=f"instance {jira['id']} is an instance of the jira"
    ):
        provider.create(inputs)
    assert writes(emu) == []


def test_a_jira_instance_is_never_read_changed_or_deleted_as_ours(emu, config, make_inputs):
    jira = made_jira(emu, tags=(OWNER, "pulumi:proj:stack"))
    provider = configured_provider(config)
    ours = provider.create(make_inputs(ownership_tag=OWNER))
    olds = {**ours.outs}
    news = {**make_inputs(ownership_tag=OWNER), "name": "Renamed"}
    emu.clear_requests()
    fresh = configured_provider(config)
    assert fresh.read(str(jira["id"]), olds).id is None  # not ours: dropped from state
    with pytest.raises(ProvisioningError, match="not a QuickBooks instance"):
        fresh.update(str(jira["id"]), olds, news)
    fresh.delete(str(jira["id"]), olds)  # left untouched
    assert writes(emu) == []
    after = emu.api("GET", f"/instances/{jira['id']}").json()
    assert after["tags"] == jira["tags"] and after["name"] == jira["name"]
