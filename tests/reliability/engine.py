"""One resource driven through a provider as the engine drives it, and the invariants
every fault row checks afterwards: converged, no duplicate, no orphan, no lost field.

The provider is either front-end (`front_ends.configured`): the rows below see one
shape of answer from both."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

from harness.accounts import EVENTS_URL
from harness.controls import Emulator
from harness.leaks import SECRETS, scan
from provider.api.client import QUICKBOOKS_INSTANCES
from provider.core.catalog import POLLER_RESOURCES
from provider.errors import QuickBooksError

from .front_ends import Provider, in_plain

REQUEST_ID = re.compile(r"requestId [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def desired(grant: dict[str, str], **changes: Any) -> dict[str, Any]:
    """Raw inputs of a resource using every field, so a lost field cannot go unseen."""
    raw = {
        "name": f"Books {secrets.token_hex(3)}",
        "ownership_tag": f"pulumi:reliability:test:r{secrets.token_hex(4)}",
        "callback_url": EVENTS_URL,
        "tags": ["env:test", "team:finance"],
        "poller_resources": ["vendors", "invoices", "customers"],
        "poll_interval_minutes": 10,
        "event_vendor_type": "polling",
        "signature_key": "sig-" + secrets.token_hex(12),
        "extra_configuration": {"filter.response.nulls": "true"},
        "oauth": grant,
        **changes,
    }
    SECRETS.add("signature key", raw["signature_key"])
    return raw


def changed(raw: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The same resource with most fields edited: what an update row applies."""
    new = {
        **raw,
        "name": raw["name"] + " v2",
        "tags": ["env:test", "team:payroll"],
        "callback_url": EVENTS_URL + "/v2",
        "poller_resources": ["employees", "time-activities"],
        "poll_interval_minutes": 30,
        "signature_key": "sig2-" + secrets.token_hex(12),
        "extra_configuration": {"filter.response.nulls": "false"},
        **more,
    }
    SECRETS.add("signature key", new["signature_key"])
    return new


@dataclass
class Resource:
    """The state the engine keeps for one resource, and the commands that change it.

    Each command takes the provider it runs with: the engine starts a new
    provider process per `pulumi` command. The state keeps the dynamic resource's
    shape on both front-ends (snake_case, each secret wrapped).
    """

    raw: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    outs: dict[str, Any] = field(default_factory=dict)

    def check(self, provider: Provider, raw: dict[str, Any] | None = None):
        self.raw = raw or self.raw
        result = provider.check({}, self.raw)
        assert result.failures == [], result.failures
        self.inputs = result.inputs
        return self

    def create(self, provider: Provider) -> None:
        result = provider.create(self.inputs)
        token = rpc.unwrap_rpc_secret(result.outs.get("token"))
        SECRETS.add("instance token", token)
        self.id, self.outs = result.id, stored(provider, result.outs)

    def refresh(self, provider: Provider) -> None:
        assert self.id is not None
        result = provider.read(self.id, self.outs)
        if result.id is None:
            self.id, self.outs = None, {}
        else:
            self.outs = stored(provider, result.outs)

    def up(self, provider: Provider, refresh: bool = False) -> None:
        """`pulumi up [--refresh]`: create if not in state, else update what differs."""
        if refresh and self.id is not None:
            self.refresh(provider)
        if self.id is None:
            self.create(provider)
            return
        if provider.diff(self.id, self.outs, self.inputs).changes:
            self.outs = stored(provider, provider.update(self.id, self.outs, self.inputs).outs)

    def destroy(self, provider: Provider) -> None:
        assert self.id is not None
        provider.delete(self.id, self.outs)
        self.id, self.outs = None, {}


def stored(provider: Provider, outs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the engine stores them: what is not secret is stored in plain text,
    so it is scanned for secrets every time."""
    found = scan("state outputs (plain part)", str(in_plain(provider, outs)))
    assert not found, f"secrets in plain outputs: {found}"
    return outs


def attempt(step: Callable[[], None]) -> Exception | None:
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - the row inspects whatever was raised
        return exc
    return None


def owned(emu: Emulator, tag: str, account: int = 0) -> list[str]:
    """Ids of every instance of the organization carrying `tag` (listing all, not filtering
    server-side, so a platform-side filter bug could not hide a duplicate)."""
    response = emu.api("GET", "/instances", account=account)
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    return sorted(str(i["id"]) for i in response.json() if tag in i.get("tags", []))


def live_config(emu: Emulator, instance_id: str) -> dict[str, Any]:
    response = emu.api("GET", f"/instances/{instance_id}")
    assert response.status_code == 200, response.text
    return response.json()


def assert_converged(emu: Emulator, provider: Provider, resource: Resource) -> None:
    """Exactly one instance carries the ownership tag, it is the one in state, every
    desired field is live, and a refresh followed by a diff finds nothing to do."""
    raw = resource.raw
    tag = raw["ownership_tag"]
    ids = owned(emu, tag)
    assert ids == [resource.id], f"state has {resource.id}, live with tag {tag}: {ids}"
    live = live_config(emu, resource.id)
    config = live["configuration"]
    assert live["name"] == raw["name"]
    stack_tag = tag.rsplit(":", 1)[0]  # pulumi:<project>:<stack>, beside the ownership tag
    assert sorted(live["tags"]) == sorted([*raw["tags"], tag, stack_tag])
    expected = {
        "event.notification.callback.url": raw["callback_url"],
        "event.notification.enabled": "true",
        "event.poller.urls": "|".join(r for r in POLLER_RESOURCES if r in raw["poller_resources"]),
        "event.poller.refresh_interval": str(raw["poll_interval_minutes"]),
        "event.vendor.type": raw["event_vendor_type"],
        "event.notification.signature.key": "********",  # set (the API masks it)
        "quickbooks.realm.id": raw["oauth"]["realm_id"],
        **raw["extra_configuration"],
    }
    assert {k: config.get(k) for k in expected} == expected
    read = provider.read(resource.id, resource.outs)
    assert read.id == resource.id
    stored(provider, read.outs)
    assert provider.diff(resource.id, read.outs, resource.inputs).changes is False
    # The token comes back on reads too: a lost create answer loses nothing.
    assert rpc.unwrap_rpc_secret(read.outs["token"]), "the instance token was lost"


def assert_gone(emu: Emulator, resource_raw: dict[str, Any], instance_id: str) -> None:
    assert emu.api("GET", f"/instances/{instance_id}").status_code == 404
    assert owned(emu, resource_raw["ownership_tag"]) == []


def assert_good_error(error: Exception, *, names: list[str], fault: dict[str, Any]) -> None:
    """The error names the operation and the instance, the HTTP status and the platform's
    requestId (or what went wrong on the wire), and holds no secret. It is one of the
    provider's own errors: the plugin's server shows those as they are (anything else
    reaches the engine with a Python traceback)."""
    assert isinstance(error, QuickBooksError), repr(error)
    text = str(error)
    for name in names:
        assert name in text, f"{name!r} not named in: {text}"
    kind = fault["kind"]
    if kind == "status":
        assert f"HTTP {fault['status']}" in text, text
        assert REQUEST_ID.search(text), f"no requestId in: {text}"
    elif kind == "delay":
        assert "timed out" in text, text
    else:  # reset, drop_after_commit: the connection was cut
        assert "connection" in text, text
    assert not scan("exception text", text), text


def make_by_hand(emu: Emulator, app: Any, grant: dict, name: str, tags: list[str]) -> str:
    """An instance created in the console, not by Pulumi: no ownership tag unless given."""
    body = {
        "element": {"key": "quickbooks"},
        "name": name,
        "tags": list(tags),
        "providerData": {"code": grant["code"], "realmId": grant["realm_id"]},
        "configuration": {
            "oauth.api.key": app.api_key,
            "oauth.api.secret": app.api_secret,
            "oauth.callback.url": app.callback_url,
            "authentication.type": "oauth2",
            "event.notification.enabled": "true",
            "event.notification.callback.url": "https://hooks.example.com/by-hand",
            "event.poller.urls": "bills",
        },
    }
    response = emu.api("POST", "/instances", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def break_lookups_after_the_post(emu: Emulator, provider: Provider) -> None:
    """The next create's POST commits but its answer is lost, and every ownership lookup
    after that POST fails (503): the instance exists, the provider cannot find out."""
    emu.add_fault("POST", "/instances", kind="drop_after_commit")
    client = provider.client()
    post = client.create_instance

    def post_then_break_lookups(*args, **kwargs):
        # Armed after the first lookup: only the lookup after the POST fails.
        emu.add_fault("GET", QUICKBOOKS_INSTANCES, status=503, count=50)
        return post(*args, **kwargs)

    client.create_instance = post_then_break_lookups


def edit_by_hand(emu: Emulator, instance_id: str) -> None:
    """A console edit: rename, another callback and poller list, one more tag."""
    tags = emu.api("GET", f"/instances/{instance_id}").json()["tags"]
    response = emu.api(
        "PATCH",
        f"/instances/{instance_id}",
        json={
            "name": "Renamed by hand",
            "tags": [*tags, "added-by-hand"],
            "configuration": {
                "event.notification.callback.url": "https://hooks.example.com/by-hand",
                "event.poller.urls": "bills",
            },
        },
    )
    assert response.status_code == 200, response.text
