"""Planning: desired spec vs observed outputs, without any HTTP."""

from hypothesis import given, settings
from hypothesis import strategies as st

from provider.core.inputs import INPUTS, InstanceSpec
from provider.core.observe import instance_from_outputs, instance_outputs
from provider.core.plan import all_tags, create_body, event_configuration, known_to_provider, plan

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
        "disabled": not s.enabled,  # create disables one declared `enabled: false`
    }
    prior = known_to_provider(s, {}, KEY)  # what create remembers
    return instance_outputs(
        instance, ownership_tag=s.ownership_tag, extra_keys=list(s.extra_configuration), prior=prior
    )


def _declared(i):
    values = i.strategy(st)
    return st.one_of(st.none(), values) if i.default is None else values


# Every input's values as its declaration offers them (unset ones keep spec()'s base).
specs = st.fixed_dictionaries({i.name: _declared(i) for i in INPUTS if i.strategy}).map(
    lambda values: spec(**{k: v for k, v in values.items() if v is not None})
)


@settings(max_examples=200, deadline=None)
@given(specs)
def test_created_state_plans_no_change(s):
    result = plan(s, outputs_of(s), KEY)
    assert not result.has_changes, result
    assert result.patch == {}


@settings(max_examples=100, deadline=None)
@given(specs)
def test_the_instance_an_update_starts_from_observes_as_the_outputs_it_came_from(s):
    # The outputs hold no `configuration` any more: the update's starting instance is
    # rebuilt from the typed outputs, and observed again it gives the same outputs.
    outputs = outputs_of(s)
    assert "configuration" not in outputs
    instance = instance_from_outputs("7", outputs)
    again = instance_outputs(
        instance,
        ownership_tag=s.ownership_tag,
        extra_keys=list(s.extra_configuration),
        prior=outputs,
    )
    assert again == outputs


def test_reordered_tags_and_resources_are_no_change():
    s = spec(tags=["b", "a"], poller_resources=["vendors", "bills"])
    same = spec(tags=["a", "b"], poller_resources=["bills", "vendors"])
    assert not plan(same, outputs_of(s), KEY).has_changes


def test_one_changed_field_patches_only_that_field():
    old = outputs_of(spec())
    result = plan(spec(callback_url="https://hooks.example.com/v2"), old, KEY)
    assert result.changed == ("callback_url",)
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
    assert changed.changed == ("signature_key_fingerprint",)
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
    assert "oauth.api.secret" not in str(observed) and "********" not in str(observed)
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
    assert plan(spec(poll_interval_minutes=6), old, KEY).changed == ("poll_interval_minutes",)


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
