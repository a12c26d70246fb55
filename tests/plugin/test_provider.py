"""The plugin's handlers called directly (no engine) against the emulator: what they
add to the shared operations — names, the detailed diff, import, the lookup,
diagnostics, the concurrency bound. The operations themselves are tested once,
in tests/provider."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from harness.accounts import made_by_hand, oauth_grant, provider_config
from harness.companies import new_company
from harness.emulator import writes
from provider.core.check import UNKNOWN
from provider.core.inputs import SCHEMA
from provider.errors import InputError, ProvisioningError
from provider.plugin.messages import in_schema_names
from provider.plugin.protocol import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    InvokeRequest,
    PropertyDiff,
    ReadRequest,
)
from provider.plugin.provider import QuickBooksProvider, ownership_tag
from provider.plugin.server import Servicer
from provider.plugin.wire import Struct, is_secret, to_plain, to_wire

URN = "urn:pulumi:dev::shop::quickbooks:index:Instance::books"


def run(coro):
    return asyncio.run(coro)


def configured(emu, app, **extra) -> QuickBooksProvider:
    plugin = QuickBooksProvider()
    args = {k.removeprefix("quickbooks:"): v for k, v in provider_config(emu, app, **extra).items()}
    run(plugin.configure(ConfigureRequest(args=to_wire(args), acceptSecrets=True)))
    return plugin


@pytest.fixture
def plugin(emu, app):
    return configured(emu, app)


def checked(plugin, **inputs) -> Struct:
    response = run(plugin.check(CheckRequest(urn=URN, news=to_wire(inputs))))
    assert list(response.failures) == [], [(f.property, f.reason) for f in response.failures]
    return response.inputs


def created(plugin, inputs) -> tuple[str, Struct]:
    response = run(plugin.create(CreateRequest(urn=URN, properties=inputs, timeout=60)))
    return response.id, response.properties


class Aborted(Exception):
    pass


class Context:
    """The gRPC context of one call: an abort ends the call with its message."""

    async def abort(self, code, details):
        raise Aborted(details)


def served_read(plugin, instance_id: str):
    """A Read of an instance the stack does not hold yet, as the engine sends it for
    `pulumi import` and for `Instance.get` alike: an empty state, no inputs."""
    request = ReadRequest(id=instance_id, urn=URN, properties={})
    response = run(Servicer(plugin).call("Read", request, Context()))
    if response.properties is None:
        return None, None  # what the engine reports as "resource '<id>' does not exist"
    return to_plain(response.properties), to_plain(response.inputs)


def test_served_errors_are_plain_for_ours_and_carry_the_traceback_of_a_bug():
    """What the engine shows: our error as its message (in the schema's names), any
    other exception with the Python traceback a bug report needs."""
    servicer = Servicer(QuickBooksProvider())
    unknown = InvokeRequest(tok="quickbooks:index:nothing", args=to_wire({}))
    with pytest.raises(Aborted) as ours:
        run(servicer.call("Invoke", unknown, Context()))
    assert str(ours.value).startswith("unknown function 'quickbooks:index:nothing'")
    bad_urn = CheckRequest(urn="not a urn", news=to_wire({"name": "Books"}))
    with pytest.raises(Exception, match=r"(?s)not enough values to unpack.*in ownership_tag"):
        run(servicer.call("Check", bad_urn, Context()))


def new_inputs(emu, app, **changes):
    grant = oauth_grant(emu, app)
    return {
        "name": "Books",
        "callback_url": "https://hooks.example.com/events",
        "oauth": grant,
        "tags": ["env:a", "team:x"],
        **changes,
    }


def test_the_ownership_tag_comes_from_the_urn():
    assert ownership_tag(URN) == "pulumi:shop:dev:books"
    nested = "urn:pulumi:prod::shop::my:Component$quickbooks:index:Instance::a:b"
    assert ownership_tag(nested) == "pulumi:shop:prod:a:b"


def test_wire_names_are_camel_case_inside_the_grant_but_never_inside_maps():
    plain = {
        "callback_url": UNKNOWN,
        "oauth": {"realm_id": "1"},
        "extra_configuration": {"a.b_c": "1"},
    }
    wire = to_wire(plain, secrets=("oauth",))
    assert set(wire) == {"callbackUrl", "oauth", "extraConfiguration"}
    assert is_secret(wire["oauth"]) and not is_secret(wire["callbackUrl"])
    assert set(wire["oauth"]["value"]) == {"realmId"}
    assert set(wire["extraConfiguration"]) == {"a.b_c"}
    assert to_plain(wire) == plain


def test_check_names_failures_in_the_schemas_words_and_marks_secrets(plugin, emu, app):
    bad = to_wire(
        {
            "name": "Books",
            "oauth": {"code": "x", "realm_id": "not a realm"},
            "poll_interval_minutes": 0,
        }
    )
    response = run(plugin.check(CheckRequest(urn=URN, news=bad)))
    assert {f.property for f in response.failures} >= {"oauth.realmId", "pollIntervalMinutes"}
    inputs = checked(plugin, **new_inputs(emu, app, signature_key="k" * 20))
    assert is_secret(inputs["oauth"]) and is_secret(inputs["signatureKey"])
    assert inputs["ownershipTag"] == "pulumi:shop:dev:books"


def test_the_detailed_diff_shows_sets_by_element_secrets_by_name_and_the_replace_reason(
    plugin, emu, app
):
    inputs = checked(plugin, **new_inputs(emu, app))
    _id, outputs = created(plugin, inputs)

    def diff(**changes):
        declared = {k: v for k, v in to_plain(inputs).items() if k in SCHEMA.user_inputs}
        news = checked(plugin, **{**declared, **changes})
        return run(plugin.diff(DiffRequest(urn=URN, id=_id, olds=outputs, news=news)))

    tags = diff(tags=["cost:ops", "env:a"])  # team:x removed, cost:ops added
    assert {k: v.kind for k, v in tags.detailedDiff.items()} == {
        "tags[1]": PropertyDiff.DELETE,
        '["tags"][0]': PropertyDiff.ADD,
    }
    assert list(tags.diffs) == ["tags"] and list(tags.replaces) == []
    swapped = diff(tags=["env:b", "team:x"])  # env:a -> env:b at the same index: one update
    assert {k: v.kind for k, v in swapped.detailedDiff.items()} == {"tags[0]": PropertyDiff.UPDATE}
    # A set: order is no change.
    assert diff(tags=["team:x", "env:a"]).changes == DiffResponse.DIFF_NONE

    key = diff(signature_key="s" * 20)
    assert list(key.detailedDiff) == ["signatureKey"] and key.detailedDiff["signatureKey"].inputDiff

    company = diff(oauth=oauth_grant(emu, app))  # a company of its own
    assert list(company.replaces) == ["oauth"]
    assert company.detailedDiff["oauth.realmId"].kind == PropertyDiff.UPDATE_REPLACE

    unknown = diff(callback_url=UNKNOWN)
    assert unknown.changes == DiffResponse.DIFF_SOME
    assert list(unknown.detailedDiff) == ["callbackUrl"]


def test_import_reads_a_free_instance_as_an_adoption_and_refuses_another_owners(plugin, emu, app):
    free = made_by_hand(emu, app, new_company(emu), tags=("team:books",))
    emu.clear_requests()
    outputs, inputs = served_read(plugin, str(free["id"]))
    assert writes(emu) == []
    assert inputs["adopt_id"] == str(free["id"])
    assert outputs.get("ownership_tag") is None  # not ours until the next up (null: absent)

    owner = "pulumi:other:prod:books"
    taken = made_by_hand(emu, app, new_company(emu), tags=(owner,))
    emu.clear_requests()
    with pytest.raises(Aborted) as refused:
        served_read(plugin, str(taken["id"]))
    assert "Traceback" not in str(refused.value)
    # The message adopt_id gives for the same instance.
    adopting = checked(
        plugin, name="Books", adopt_id=str(taken["id"]), callback_url="https://hooks.example.com/e"
    )
    with pytest.raises(ProvisioningError) as adopt_refused:
        created(plugin, adopting)
    # The same message, in the schema's names (`adoptId`) as the plugin serves it.
    assert "adopt_id" in str(adopt_refused.value) and "adopt_id" not in str(refused.value)
    assert str(refused.value).startswith(in_schema_names(str(adopt_refused.value)))
    assert "use the getInstance function" in str(refused.value)  # to read it only
    assert writes(emu) == []
    assert served_read(plugin, "999999") == (None, None)  # "resource '999999' does not exist"


def test_get_instance_looks_up_by_id_or_by_name(plugin, emu, app):
    realm = new_company(emu)
    made = made_by_hand(emu, app, realm, name="Lookup me")
    tok = "quickbooks:index:getInstance"
    by_id = run(plugin.invoke(InvokeRequest(tok=tok, args=to_wire({"id": str(made["id"])}))))
    by_name = run(plugin.invoke(InvokeRequest(tok=tok, args=to_wire({"name": "Lookup me"}))))
    found = to_plain(getattr(by_id, "return"))
    assert found == to_plain(getattr(by_name, "return"))
    assert found["realm_id"] == realm
    with pytest.raises(InputError, match="exactly one of id and name"):
        run(plugin.invoke(InvokeRequest(tok=tok, args=to_wire({}))))


class Engine:
    """Records the engine's Log calls."""

    def __init__(self):
        self.logs = []

    def Log(self, request):  # noqa: N802 (the gRPC method's name)
        self.logs.append(request)


def test_a_warning_is_an_engine_diagnostic_on_its_resource(plugin, emu, app):
    engine = Engine()
    plugin._diagnostics._engine = engine
    other = "pulumi:other:prod:books"
    taken = made_by_hand(emu, app, new_company(emu), tags=(other,))
    props = to_wire({"ownership_tag": "pulumi:shop:dev:books"})
    run(plugin.delete(DeleteRequest(urn=URN, id=str(taken["id"]), properties=props, timeout=60)))
    [log] = engine.logs
    assert log.urn == URN and f"is managed by {other}" in log.message
    assert emu.api("GET", f"/instances/{taken['id']}").status_code == 200

    # The diff's health warning (what a preview says of a lost authorization) too.
    inputs = checked(plugin, **new_inputs(emu, app))
    _id, outputs = created(plugin, inputs)
    lost = {**outputs, "valid": False}
    run(plugin.diff(DiffRequest(urn=URN, id=_id, olds=lost, news=inputs)))
    assert [(log.urn, "authorization lost" in log.message) for log in engine.logs[1:]] == [
        (URN, True)
    ]


def test_operations_run_as_concurrently_as_the_engine_sends_them(emu, app):
    """No bound of the provider's own by default: the engine's `--parallel` (32 here)
    is the bound, not maxConcurrency, nor asyncio's default pool (6 threads on 2 cores)."""
    plugin = configured(emu, app)
    running, most, lock = [0], [0], threading.Lock()
    everyone = threading.Barrier(32, timeout=10)

    def operation():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        everyone.wait()  # all 32 at once, or this times out
        with lock:
            running[0] -= 1

    async def many():
        await asyncio.gather(*(plugin._run(URN, operation) for _ in range(32)))

    run(many())
    assert most[0] == 32


def test_operations_run_concurrently_up_to_max_concurrency(emu, app):
    plugin = configured(emu, app, **{"quickbooks:maxConcurrency": "3"})
    running, most, lock = [0], [0], threading.Lock()

    def operation():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    async def many():
        await asyncio.gather(*(plugin._run(URN, operation) for _ in range(10)))

    started = time.monotonic()
    run(many())
    assert most[0] == 3
    assert time.monotonic() - started < 10 * 0.05  # not one at a time
