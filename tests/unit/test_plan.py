"""Planning: desired spec vs observed outputs, without any HTTP."""

from hypothesis import given, settings
from hypothesis import strategies as st

from provider.catalog import POLLER_RESOURCES
from provider.fingerprint import fingerprint
from provider.observe import instance_outputs
from provider.plan import all_tags, create_body, event_configuration, plan
from provider.spec import InstanceSpec

KEY = "org-secret-for-fingerprints"


def spec(**changes) -> InstanceSpec:
    base = {
        "name": "Books",
        "ownership_tag": "pulumi:proj:dev:books",
        "callback_url": "https://hooks.example.com/events",
        "oauth": {"code": "abc123", "realm_id": "9130350000000001"},
    }
    return InstanceSpec.model_validate({**base, **changes})


def outputs_of(s: InstanceSpec) -> dict:
    """What create would return for `s`, built by the same normalization read uses."""
    instance = {
        "id": 7,
        "name": s.name,
        "tags": all_tags(s),
        "configuration": event_configuration(s),
        "createdDate": "2026-01-01T00:00:00Z",
    }
    prior = {
        "signature_key_fingerprint": fingerprint(KEY, s.signature_key),
        "oauth_fingerprint": fingerprint(KEY, s.oauth.model_dump() if s.oauth else None),
    }
    return instance_outputs(
        instance, ownership_tag=s.ownership_tag, extra_keys=list(s.extra_configuration), prior=prior
    )


specs = st.builds(
    lambda name, tags, resources, interval, vendor, sig, nulls, enabled: spec(
        name=name,
        tags=tags,
        poller_resources=resources or ["bills"],
        poll_interval_minutes=interval,
        event_vendor_type=vendor,
        signature_key=sig,
        extra_configuration={"filter.response.nulls": nulls} if nulls else {},
        events_enabled=enabled,
    ),
    name=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _.()-]{0,30}", fullmatch=True),
    tags=st.lists(
        st.from_regex(r"[a-z0-9][a-z0-9:=-]{0,12}", fullmatch=True), unique=True, max_size=5
    ),
    resources=st.lists(st.sampled_from(POLLER_RESOURCES), unique=True),
    interval=st.one_of(st.none(), st.integers(1, 1440)),
    vendor=st.sampled_from(["polling", "webhook"]),
    sig=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{16,40}", fullmatch=True)),
    nulls=st.one_of(st.none(), st.sampled_from(["true", "false"])),
    enabled=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(specs)
def test_created_state_plans_no_change(s):
    result = plan(s, outputs_of(s), KEY)
    assert not result.has_changes, result
    assert result.patch == {}


def test_reordered_tags_and_resources_are_no_change():
    s = spec(tags=["b", "a"], poller_resources=["vendors", "bills"])
    same = spec(tags=["a", "b"], poller_resources=["bills", "vendors"])
    assert not plan(same, outputs_of(s), KEY).has_changes


def test_one_changed_field_patches_only_that_field():
    old = outputs_of(spec())
    result = plan(spec(callback_url="https://hooks.example.com/v2"), old, KEY)
    assert result.changes == ("callback_url",)
    assert result.replaces == ()
    assert result.patch == {
        "configuration": {"event.notification.callback.url": "https://hooks.example.com/v2"}
    }


def test_tags_are_sent_whole_with_the_ownership_tag():
    result = plan(spec(tags=["a", "new"]), outputs_of(spec(tags=["a"])), KEY)
    assert result.patch == {"tags": ["a", "new", "pulumi:proj:dev:books", "pulumi:proj:dev"]}


def test_new_realm_replaces_new_grant_same_realm_reauthorizes():
    old = outputs_of(spec())
    other_company = plan(spec(oauth={"code": "zzz999", "realm_id": "9130350000000002"}), old, KEY)
    assert other_company.replaces == ("oauth",)
    same_company = plan(spec(oauth={"code": "zzz999", "realm_id": "9130350000000001"}), old, KEY)
    assert same_company.replaces == ()
    assert same_company.patch == {"providerData": {"code": "zzz999", "realmId": "9130350000000001"}}


def test_signature_key_compares_by_fingerprint_and_is_sent_only_when_changed():
    old = outputs_of(spec(signature_key="A" * 20))
    assert not plan(spec(signature_key="A" * 20), old, KEY).has_changes
    changed = plan(spec(signature_key="B" * 20), old, KEY)
    assert changed.changes == ("signature_key",)
    assert changed.patch == {"configuration": {"event.notification.signature.key": "B" * 20}}
    assert "A" * 20 not in str(old)  # only the fingerprint is kept


def test_masked_values_are_never_compared_or_sent():
    old = outputs_of(spec(extra_configuration={"filter.response.nulls": "true"}))
    instance = {
        "id": 7,
        "name": "Books",
        "tags": ["pulumi:proj:dev:books"],
        "configuration": {**event_configuration(spec()), "oauth.api.secret": "********"},
    }
    observed = instance_outputs(
        instance, ownership_tag="pulumi:proj:dev:books", extra_keys=[], prior=old
    )
    assert "oauth.api.secret" not in observed["configuration"]
    assert "********" not in str(plan(spec(), observed, KEY).patch)


def test_removed_ownership_tag_is_drift_that_restores_it():
    old = outputs_of(spec())
    old["ownership_tag"] = None
    assert plan(spec(), old, KEY).patch == {"tags": ["pulumi:proj:dev:books", "pulumi:proj:dev"]}


def test_create_body_has_every_required_key_as_strings():
    body = create_body(spec(poll_interval_minutes=5), "key", "secret", "https://app/cb")
    config = body["configuration"]
    assert all(isinstance(v, str) for v in config.values())
    assert config["event.notification.enabled"] == "true"
    assert config["event.poller.refresh_interval"] == "5"
    assert config["authentication.type"] == "oauth2"
    assert body["providerData"] == {"code": "abc123", "realmId": "9130350000000001"}
    assert body["tags"] == ["pulumi:proj:dev:books", "pulumi:proj:dev"]


def test_numbers_stored_as_doubles_by_the_engine_are_no_change():
    old = outputs_of(spec(poll_interval_minutes=5))
    old["poll_interval_minutes"] = 5.0
    assert not plan(spec(poll_interval_minutes=5), old, KEY).has_changes
    assert plan(spec(poll_interval_minutes=6), old, KEY).changes == ("poll_interval_minutes",)


def test_an_instance_without_the_stack_tag_gets_it_only_with_a_patch_that_goes_anyway():
    desired = spec(tags=["env:dev"])
    legacy = {**outputs_of(desired), "stack_tag": None}
    assert plan(desired, legacy, KEY).patch == {}  # no PATCH of its own
    moved = spec(tags=["env:dev"], callback_url="https://hooks.example.com/v2")
    body = plan(moved, legacy, KEY).patch
    assert body["tags"] == ["env:dev", "pulumi:proj:dev:books", "pulumi:proj:dev"]
    assert body["configuration"] == {
        "event.notification.callback.url": "https://hooks.example.com/v2"
    }
