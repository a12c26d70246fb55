"""Connection health as desired state, without any HTTP: what the plan calls for when
an instance is disabled or lost its authorization, the one-company rules, and the
messages (which the README quotes word for word)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from provider import operations
from provider.api.inventory import Inventory
from provider.api.session import Session
from provider.api.settings import ProviderSettings
from provider.core import health
from provider.core.catalog import KEY_REALM
from provider.core.commands import ONBOARD_COMMAND
from provider.core.observe import instance_outputs
from provider.core.plan import plan
from provider.onboard.command import parse_args
from tests.unit.test_plan import KEY, outputs_of, spec

README = Path(__file__).parents[2] / "README.md"
REALM = "9130350000000001"


def session(warnings: list[str] | None = None) -> Session:
    config = {"quickbooks:organizationSecret": KEY}
    sink = warnings if warnings is not None else []
    return Session(ProviderSettings.load(config.get), warn=sink.append)


# --- the plan -------------------------------------------------------------------------


def test_an_instance_found_disabled_is_drift_on_enabled_fixed_by_one_enable_call():
    old = {**outputs_of(spec()), "disabled": True}
    todo = plan(spec(), old, KEY)
    assert todo.changed == ("enabled",)
    assert todo.patch == {} and todo.enable is True and not todo.authorization_lost


def test_enabled_false_disables_with_its_own_call_and_back_to_true_enables():
    todo = plan(spec(enabled=False), outputs_of(spec()), KEY)
    assert (todo.changed, todo.patch, todo.enable) == (("enabled",), {}, False)
    disabled = outputs_of(spec(enabled=False))
    assert disabled["enabled"] is False and disabled["health"] == "disabled"
    assert plan(spec(enabled=False), disabled, KEY).has_changes is False
    assert plan(spec(), disabled, KEY).enable is True


def test_lost_authorization_without_a_new_grant_is_drift_that_writes_nothing():
    lost = {**outputs_of(spec()), "valid": False, "disabled": True}
    todo = plan(spec(), lost, KEY)
    assert todo.authorization_lost and "valid" in todo.changed


def test_a_new_grant_for_the_same_company_reauthorizes_in_one_patch_and_re_enables():
    lost = {**outputs_of(spec()), "valid": False, "disabled": True}
    regranted = spec(oauth={"code": "a-new-code", "realm_id": REALM})
    todo = plan(regranted, lost, KEY)
    assert not todo.authorization_lost and todo.replaces == ()
    assert set(todo.patch) == {"providerData"} and todo.enable is True


def test_the_health_output_follows_the_platforms_flags():
    def outputs(**flags):
        instance = {"id": 1, "tags": [], "configuration": {}, **flags}
        return instance_outputs(instance, ownership_tag="pulumi:p:s:r", extra_keys=[], prior={})

    assert outputs()["health"] == "ok"
    assert outputs(disabled=True)["health"] == "disabled"
    assert outputs(valid=False, disabled=True)["health"] == "authorization lost"


# --- the one-company rule ---------------------------------------------------------------


def inputs(resource: str, realm: str = REALM) -> dict:
    return {
        "name": "Books",
        "ownership_tag": f"pulumi:proj:dev:{resource}",
        "callback_url": "https://hooks.example.com/e",
        "oauth": {"code": f"code-{resource}", "realm_id": realm},
    }


def test_two_resources_of_a_run_declaring_one_company_fail_check_naming_both():
    run = session()
    assert operations.check(run, inputs("books"))[1] == []
    _, failures = operations.check(run, inputs("payroll"))
    assert [f.property for f in failures] == ["oauth.realm_id"]
    assert failures[0].reason == health.same_company_twice(REALM, "payroll", "books")
    assert operations.check(run, inputs("ledger", realm="9130350000000002"))[1] == []


def test_a_repeated_check_or_a_replacement_of_one_resource_claims_nothing_twice():
    run = session()
    for _ in range(3):  # preview, then up; a replacement is checked with the same tag
        assert operations.check(run, inputs("books"))[1] == []


def listed(*entries):
    return Inventory(lambda: list(entries))


def test_the_company_check_skips_the_instance_itself_and_ones_already_unauthorized():
    ours = {"id": 7, "valid": True, "configuration": {KEY_REALM: REALM}}
    wiped = {"id": 8, "valid": False, "configuration": {KEY_REALM: REALM}}
    assert listed(ours, wiped).bound_to(REALM, besides="7") == (None, [])
    assert listed(ours, wiped).bound_to(REALM, besides=None) == (ours, [])


def test_an_instance_whose_company_cannot_be_read_is_unknown_never_free():
    """devportal: the company is quickbooks.realm.id; an entry without it (or without any
    configuration) is reported as unknown, an unauthorized one has nothing to lose."""
    hidden = {"id": 9, "valid": True, "configuration": {"oauth.callback.url": "x"}}
    bare = {"id": 10, "tags": []}
    gone = {"id": 11, "valid": False, "configuration": {}}
    assert listed(hidden, bare, gone).bound_to(REALM, besides=None) == (None, [hidden, bare])
    assert listed(hidden).bound_to(REALM, besides="9") == (None, [])
    text = health.company_unknown(REALM, [hidden, bare], "create instance 'x'")
    assert "instance 9 (None, not managed by any Pulumi stack)" in text and "instance 10" in text


def test_a_taken_company_is_named_with_the_instance_its_owner_and_the_ways_out():
    other = {"id": 41, "name": "Books", "tags": ["env:x", "pulumi:proj:prod:books"]}
    text = health.company_taken(REALM, other, "create instance 'Books'")
    assert "instance 41 ('Books', managed by pulumi:proj:prod:books)" in text
    assert "adopt_id: 41" in text and "takeover_company: true" in text
    by_hand = health.company_taken(REALM, {"id": 5, "name": "x"}, "create")
    assert "not managed by any Pulumi stack" in by_hand


# --- the messages ------------------------------------------------------------------------


def test_the_fix_names_this_stack_and_resource_and_the_onboard_flags_exist():
    fix = health.onboard_fix("pulumi:quickbooks-instances:dev:books")
    assert fix == "run `python -m provider.onboard --stack dev --instance books`, then `pulumi up`"
    command = fix.split("`")[1].removeprefix(ONBOARD_COMMAND).split()
    options = parse_args(command)  # the onboarding command accepts exactly these flags
    assert (options.stack, options.instance) == ("dev", "books")


def test_the_readme_quotes_every_health_message_word_for_word():
    readme = " ".join(README.read_text().split())
    missing = [m for m in health.MESSAGES if " ".join(m.split()) not in readme]
    assert missing == []
    # Every message function is in MESSAGES: the ones returning a sentence for a person.
    source = Path(health.__file__).read_text()
    helpers = {
        "health_of",
        "held_events",
        "events_held_back",
        "onboard_fix",
        "realm_of",
        "bound_to",
        "unknown_company",
        "resource_of",
    }
    functions = set(re.findall(r"^def ([a-z]\w*)", source, re.M)) - helpers
    assert len(health.MESSAGES) == len(functions)


def test_a_state_from_before_health_plans_no_change_and_says_nothing():
    fixture = json.loads(
        (Path(__file__).parents[1] / "fixtures" / "state-before-core.json").read_text()
    )
    assert "enabled" not in fixture["outputs"] and "health" not in fixture["outputs"]
    warnings: list[str] = []
    run = Session(
        ProviderSettings.load({"quickbooks:organizationSecret": fixture["fingerprint_key"]}.get),
        warn=warnings.append,
    )
    inputs, failures = operations.check(run, fixture["inputs"])
    assert failures == []
    assert operations.diff(run, fixture["outputs"], inputs).changes is False
    assert warnings == []
