"""Every reconciliation rule against a started emulator, with its request log as witness."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.runtime import rpc

from harness.accounts import configured_provider, oauth_grant, provider_config
from harness.companies import new_company
from harness.emulator import QUEUED_LIST, calls, writes
from provider.core.catalog import POLLER_RESOURCES
from provider.errors import AuthenticationFailed
from provider.lifecycle import ProvisioningError


def create(provider, emu, inputs):
    emu.clear_requests()
    result = provider.create(inputs)
    return result.id, result.outs


def owned(emu, tag):
    response = emu.api("GET", "/instances", params={"tags[]": tag})
    return [] if response.status_code == 404 else response.json()


def test_check_makes_no_http_calls(emu, provider):
    emu.clear_requests()
    provider.check({}, {"name": "<bad>", "ownership_tag": "pulumi:x", "oauth": {"code": "c"}})
    provider.check({}, {"name": "ok", "ownership_tag": "pulumi:p:s:r", "adopt_id": "1"})
    assert calls(emu) == []


def test_create_is_one_lookup_and_one_post_and_reads_back_identical(emu, provider, make_inputs):
    inputs = make_inputs(poll_interval_minutes=10, poller_resources=["vendors", "bills"])
    instance_id, outs = create(provider, emu, inputs)
    assert calls(emu) == [("GET", "/elements/quickbooks/instances"), ("POST", "/instances")]
    assert outs["token"] and outs["instance_id"] == instance_id
    assert outs["poller_resources"] == ["bills", "vendors"]

    emu.clear_requests()
    read = provider.read(instance_id, outs)
    assert calls(emu) == [("GET", f"/instances/{instance_id}"), QUEUED_LIST]
    assert read.outs["token"] == outs["token"]  # remembered: the API never shows it again
    for key in (
        "name",
        "tags",
        "callback_url",
        "poller_resources",
        "poll_interval_minutes",
        "events_enabled",
        "realm_id",
        "ownership_tag",
        "valid",
        "disabled",
    ):
        assert read.outs[key] == outs[key], key
    assert provider.diff(instance_id, read.outs, inputs).changes is False


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    resources=st.lists(st.sampled_from(POLLER_RESOURCES), min_size=1, unique=True),
    tags=st.lists(
        st.from_regex(r"[a-z][a-z0-9:=-]{0,10}", fullmatch=True), unique=True, max_size=4
    ),
    interval=st.one_of(st.none(), st.integers(1, 1440)),
    signature=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{16,32}", fullmatch=True)),
    enabled=st.booleans(),
)
def test_property_diff_of_read_of_create_is_no_change(
    emu, provider, make_inputs, resources, tags, interval, signature, enabled
):
    extra = {"signature_key": signature} if signature else {}
    inputs = make_inputs(
        poller_resources=resources,
        tags=tags,
        poll_interval_minutes=interval,
        events_enabled=enabled,
        **extra,
    )
    instance_id, outs = create(provider, emu, inputs)
    read = provider.read(instance_id, outs)
    assert provider.diff(instance_id, read.outs, inputs).changes is False


def test_one_changed_field_is_exactly_one_patch(emu, provider, make_inputs):
    inputs = make_inputs()
    instance_id, outs = create(provider, emu, inputs)
    news = {**inputs, "callback_url": "https://hooks.example.com/v2/events"}
    diff = provider.diff(instance_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    emu.clear_requests()
    updated = provider.update(instance_id, outs, news).outs
    # The ownership check is answered by the list this process took at create.
    assert calls(emu) == [("PATCH", f"/instances/{instance_id}")]
    assert updated["callback_url"] == "https://hooks.example.com/v2/events"
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert live["configuration"]["event.notification.callback.url"] == updated["callback_url"]
    assert (
        provider.diff(instance_id, provider.read(instance_id, updated).outs, news).changes is False
    )


def test_tags_patch_sends_the_whole_list_with_the_ownership_tag(emu, provider, make_inputs):
    inputs = make_inputs(tags=["a"])
    instance_id, outs = create(provider, emu, inputs)
    news = {**inputs, "tags": ["a", "b"]}
    updated = provider.update(instance_id, outs, news).outs
    live = emu.api("GET", f"/instances/{instance_id}").json()
    stack_tag = inputs["ownership_tag"].rsplit(":", 1)[0]
    assert sorted(live["tags"]) == sorted(["a", "b", inputs["ownership_tag"], stack_tag])
    assert updated["tags"] == ["a", "b"]


def test_new_grant_same_realm_reauthorizes_in_place(emu, app, provider, make_inputs):
    realm = new_company(emu)
    inputs = make_inputs(oauth=oauth_grant(emu, app, realm_id=realm))
    instance_id, outs = create(provider, emu, inputs)
    news = {**inputs, "oauth": oauth_grant(emu, app, realm_id=realm)}
    diff = provider.diff(instance_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    emu.clear_requests()
    updated = provider.update(instance_id, outs, news).outs
    # The ownership check is answered by the list this process took at create.
    assert calls(emu) == [("PATCH", f"/instances/{instance_id}")]
    assert updated["instance_id"] == instance_id
    assert updated["oauth_fingerprint"] != outs["oauth_fingerprint"]


def test_new_realm_is_a_replace(emu, app, provider, make_inputs):
    inputs = make_inputs()
    instance_id, outs = create(provider, emu, inputs)
    news = {**inputs, "oauth": oauth_grant(emu, app)}
    assert provider.diff(instance_id, outs, news).replaces == ["oauth"]


def test_signature_key_is_write_only_and_compared_by_fingerprint(emu, provider, make_inputs):
    inputs = make_inputs(signature_key="k" * 24)
    instance_id, outs = create(provider, emu, inputs)
    assert "k" * 24 not in str(outs)
    read = provider.read(instance_id, outs).outs
    assert "k" * 24 not in str(read) and "********" not in str(read)  # masked, dropped
    assert provider.diff(instance_id, read, inputs).changes is False
    assert provider.diff(instance_id, read, {**inputs, "signature_key": "m" * 24}).changes is True


def test_lost_create_response_is_adopted_not_duplicated(emu, provider, make_inputs):
    inputs = make_inputs()
    emu.add_fault("POST", "/instances", kind="drop_after_commit", count=1)
    instance_id, outs = create(provider, emu, inputs)
    assert len(owned(emu, inputs["ownership_tag"])) == 1
    assert [c for c in writes(emu) if c[0] == "POST"] == [("POST", "/instances")]
    assert outs["instance_id"] == instance_id
    # The answer with the token was lost; the lookup that found the instance has it.
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert outs["token"] and rpc.unwrap_rpc_secret(outs["token"]) == live["token"]


def test_create_adopts_an_instance_already_carrying_its_ownership_tag(emu, provider, make_inputs):
    inputs = make_inputs()
    first_id, _ = create(provider, emu, inputs)
    again_id, _ = create(provider, emu, {**inputs})  # e.g. state lost after a crash
    assert again_id == first_id
    assert ("POST", "/instances") not in calls(emu)
    assert len(owned(emu, inputs["ownership_tag"])) == 1


def test_adopt_id_takes_over_without_a_grant_and_reconciles(emu, app, provider, make_inputs):
    grant = oauth_grant(emu, app)
    body = {
        "element": {"key": "quickbooks"},
        "name": "Made by hand",
        "providerData": {"code": grant["code"], "realmId": grant["realm_id"]},
        "configuration": {
            "oauth.api.key": app.api_key,
            "oauth.api.secret": app.api_secret,
            "oauth.callback.url": app.callback_url,
            "event.notification.enabled": "true",
            "event.notification.callback.url": "https://hooks.example.com/old",
            "event.poller.urls": "bills",
            "authentication.type": "oauth2",
        },
    }
    existing = emu.api("POST", "/instances", json=body).json()
    inputs = provider.check(
        {},
        {
            "name": "Adopted",
            "ownership_tag": "pulumi:t:s:adopted",
            "adopt_id": existing["id"],
            "callback_url": "https://hooks.example.com/events",
        },
    ).inputs
    instance_id, outs = create(provider, emu, inputs)
    assert instance_id == str(existing["id"])
    assert [c[0] for c in calls(emu)] == ["GET", "PATCH"]
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert live["name"] == "Adopted" and "pulumi:t:s:adopted" in live["tags"]
    assert (
        provider.diff(instance_id, provider.read(instance_id, outs).outs, inputs).changes is False
    )


def test_read_of_a_deleted_instance_is_gone_and_delete_of_it_is_done(emu, provider, make_inputs):
    instance_id, outs = create(provider, emu, make_inputs())
    assert emu.api("DELETE", f"/instances/{instance_id}").status_code == 200
    read = provider.read(instance_id, outs)
    assert read.id is None and read.outs == {}
    provider.delete(instance_id, outs)  # 404 counts as done


def test_delete_removes_the_instance(emu, provider, make_inputs):
    instance_id, outs = create(provider, emu, make_inputs())
    emu.clear_requests()
    provider.delete(instance_id, outs)
    assert calls(emu) == [("DELETE", f"/instances/{instance_id}")]
    assert emu.api("GET", f"/instances/{instance_id}").status_code == 404


def test_spent_grant_fails_clearly_without_leaking_it(emu, provider, make_inputs):
    inputs = make_inputs()
    create(provider, emu, inputs)
    # Past the one-company guard on purpose: the platform then refuses the spent grant.
    again = {**inputs, "ownership_tag": inputs["ownership_tag"] + "-2", "takeover_company": True}
    with pytest.raises(ProvisioningError) as failure:
        provider.create(again)
    text = str(failure.value)
    assert "python -m provider.onboard" in text and "Books" in text
    assert rpc.unwrap_rpc_secret(inputs["oauth"])["code"] not in text
    # One POST that created, one refused; the refused grant is not retried.
    assert [c for c in writes(emu) if c[0] == "POST"] == [("POST", "/instances")] * 2


def test_retries_idempotent_reads_on_503_and_honours_retry_after(emu, provider, make_inputs):
    import time

    instance_id, outs = create(provider, emu, make_inputs())
    emu.clear_requests()
    emu.add_fault("GET", f"/instances/{instance_id}", kind="status", status=503, count=2)
    assert provider.read(instance_id, outs).id == instance_id
    assert calls(emu).count(("GET", f"/instances/{instance_id}")) == 3
    emu.add_fault("GET", f"/instances/{instance_id}", kind="status", status=429, retry_after=1)
    started = time.monotonic()
    assert provider.read(instance_id, outs).id == instance_id
    assert time.monotonic() - started >= 1.0


def test_post_is_never_retried_blindly(emu, provider, make_inputs):
    inputs = make_inputs()
    emu.add_fault("POST", "/instances", kind="status", status=502, count=1)
    with pytest.raises(Exception) as failure:
        create(provider, emu, inputs)
    assert calls(emu).count(("POST", "/instances")) == 1
    assert "HTTP 502" in str(failure.value) and "create instance" in str(failure.value)
    assert owned(emu, inputs["ownership_tag"]) == []  # looked up after the 5xx: nothing leaked


def test_wrong_credentials_fail_naming_the_operation_without_secrets(emu, app, make_inputs):
    config = provider_config(emu, app, **{"quickbooks:userSecret": "wrong-user-secret-123"})
    provider = configured_provider(config)
    with pytest.raises(AuthenticationFailed) as failure:
        provider.read("1", {})
    text = str(failure.value)
    assert "list instances of the organization" in text and "HTTP 401" in text
    assert "wrong-user-secret-123" not in text and emu.accounts[0][0] not in text


def test_other_organization_cannot_see_the_instance(emu, app, provider, make_inputs):
    instance_id, outs = create(provider, emu, make_inputs())
    other = configured_provider(provider_config(emu, app, account=1))
    assert other.read(instance_id, outs).id is None


def test_replace_for_another_company_creates_beside_the_old_instance(
    emu, app, provider, make_inputs
):
    inputs = make_inputs()
    old_id, _ = create(provider, emu, inputs)
    news = {**inputs, "oauth": oauth_grant(emu, app)}
    new_id, outs = create(provider, emu, news)  # the engine creates first, then deletes old
    assert new_id != old_id and ("POST", "/instances") in calls(emu)
    realms = [rpc.unwrap_rpc_secret(i["oauth"])["realm_id"] for i in (news, inputs)]
    assert outs["realm_id"] == realms[0] != realms[1]
    assert emu.api("GET", f"/instances/{old_id}").status_code == 200
