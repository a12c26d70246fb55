"""Messages in the names the user wrote: the plugin's in the schema's camelCase, the
dynamic resource's in Python's, both from the one declaration."""

from __future__ import annotations

import pytest

from harness.accounts import provider_config
from provider.plugin.messages import in_schema_names
from tests.reliability.front_ends import FRONT_ENDS, configured

NAMES = {
    "dynamic": {"adopt_id": "adopt_id", "callback_url": "callback_url"},
    "plugin": {"adopt_id": "adoptId", "callback_url": "callbackUrl"},
}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_check_failures_name_inputs_as_the_program_wrote_them(emu, app, front_end):
    provider = configured(provider_config(emu, app), front_end)
    news = {
        "name": "Books",
        "adopt_from": "pulumi:shop:dev:books",
        "events_enabled": True,
        "ownership_tag": "pulumi:shop:dev:books",
    }
    failures = {f.property: f.reason for f in provider.check({}, news).failures}
    names = NAMES[front_end]
    assert f"set {names['adopt_id']} too" in failures["adopt_from"]
    assert "is required when events" in failures["callback_url"]
    other = NAMES["plugin" if front_end == "dynamic" else "dynamic"]
    assert not any(other["adopt_id"] in reason for reason in failures.values())


def test_paths_and_api_keys_keep_their_spelling():
    message = (
        "set `on_delete: release` or adopt_from beside adopt_id (realm_id 9130); "
        "the grant is quickbooks:instances.books.oauth.realm_id; event.poller.refresh_interval"
    )
    assert in_schema_names(message) == (
        "set `onDelete: release` or adoptFrom beside adoptId (realmId 9130); "
        "the grant is quickbooks:instances.books.oauth.realm_id; event.poller.refresh_interval"
    )
