"""The two front-ends a reliability row runs on, answering in one shape.

`configured(config, front_end)` is the provider of one simulated `pulumi` command:
the dynamic provider (`provider.lifecycle`) as the engine drives it, or the native
plugin (`provider.plugin.provider`) as the engine drives that: configured with the
same settings (the secret ones sent as secrets), its coroutines run on one event
loop as the plugin's server runs them, the properties going out and coming back
through the plugin's own `wire.py`, each secret marked as the engine sends it back.

`Plugin` answers in the dynamic provider's shapes (`CheckResult`, `CreateResult`,
...; state as snake_case values, each secret wrapped), so a row states its
assertion once. What stays different is said where it differs: which outputs the
engine keeps encrypted (`encrypted`), and the URN the plugin derives the ownership
tag from (`urn`).
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)
from pulumi.runtime import rpc

from harness.accounts import configured_provider
from provider.api.client import CloudElementsClient
from provider.api.session import Session
from provider.api.settings import ALL_SETTINGS, NAMESPACE
from provider.core.inputs import SCHEMA
from provider.core.tags import parts_of
from provider.lifecycle import QuickBooksInstanceProvider
from provider.plugin import protocol
from provider.plugin.names import snake
from provider.plugin.provider import QuickBooksProvider
from provider.plugin.wire import Struct, is_secret, to_plain, to_wire
from provider.resource import SECRET_OUTPUTS

FRONT_ENDS = ("dynamic", "plugin")
TYPE = "quickbooks:index:Instance"
TIMEOUT_S = 600.0  # the engine's default custom timeout; the provider's own bounds apply first
T = TypeVar("T")


def configured(config: dict[str, str], front_end: str = "dynamic"):
    """The provider of one `pulumi` command on `front_end`, configured with `config`
    (`quickbooks:*` keys, as `harness.accounts.provider_config` writes them)."""
    if front_end == "dynamic":
        return configured_provider(config)
    assert front_end == "plugin", front_end
    return Plugin(config)


def encrypted(provider: Any) -> set[str]:
    """The outputs the engine stores encrypted beyond those marked secret: the dynamic
    resource names them in `additional_secret_outputs`; the plugin has only its marks."""
    return set(SECRET_OUTPUTS) if isinstance(provider, QuickBooksInstanceProvider) else set()


def in_plain(provider: Any, outs: dict[str, Any]) -> dict[str, Any]:
    """The part of a state the engine stores in plain text."""
    hidden = encrypted(provider)
    return {k: v for k, v in outs.items() if k not in hidden and not rpc.is_rpc_secret(v)}


def urn(ownership_tag: str) -> str:
    """The URN whose resource the plugin tags `ownership_tag` (`pulumi:<project>:<stack>:
    <name>`): the dynamic resource takes the tag as an input, the plugin from the URN."""
    parts = parts_of(ownership_tag)
    assert parts is not None, f"not an ownership tag: {ownership_tag!r}"
    project, stack, name = parts
    return f"urn:pulumi:{stack}::{project}::{TYPE}::{name}"


class _Loop:
    """One event loop in a thread of its own, for every plugin of the run: the plugin's
    server runs its handlers on one loop, so parallel steps meet its concurrency bound
    there. Started on first use, stopped when the interpreter exits."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, daemon=True).start()
                atexit.register(self._loop.call_soon_threadsafe, self._loop.stop)
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()


LOOP = _Loop()


def _to_engine(plain: dict[str, Any]) -> Struct:
    """A state or inputs of the dynamic shape as the engine sends it to the plugin:
    what was secret comes back secret."""
    secrets = [k for k, v in plain.items() if rpc.is_rpc_secret(v)]
    return to_wire({k: rpc.unwrap_rpc_secret(v) for k, v in plain.items()}, secrets=secrets)


def _from_engine(wire: Struct) -> dict[str, Any]:
    """The plugin's answer in the dynamic shape: snake_case values, each secret wrapped."""
    plain = to_plain(wire)
    return {
        name: rpc.wrap_rpc_secret(plain[name]) if is_secret(value) else plain[name]
        for name, value in zip(plain, wire.values(), strict=True)
    }


def _path(path: str) -> str:
    """A check failure's path in the declaration's names (`oauth.realmId` -> `oauth.realm_id`)."""
    return ".".join(snake(part) for part in path.split("."))


class Plugin:
    """The plugin driven as the engine drives it, with the dynamic provider's methods."""

    def __init__(self, config: dict[str, str]) -> None:
        self._plugin = QuickBooksProvider()
        args = {k.removeprefix(f"{NAMESPACE}:"): v for k, v in config.items()}
        secret = [s.config_key for s in ALL_SETTINGS if s.secret]
        request = protocol.ConfigureRequest(args=to_wire(args, secrets=secret), acceptSecrets=True)
        LOOP.run(self._plugin.configure(request))

    @property
    def session(self) -> Session:
        return self._plugin.session

    def client(self) -> CloudElementsClient:
        return self.session.client()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """The program's inputs as its SDK sends them: the schema's secrets marked, and
        no ownership tag (the plugin makes it from the URN). The engine sends the old
        inputs too, which the plugin does not read (`protocol.py` declares no `olds`)."""
        declared = {k: v for k, v in news.items() if k != "ownership_tag"}
        request = protocol.CheckRequest(
            urn=urn(news["ownership_tag"]),
            news=to_wire(declared, secrets=SCHEMA.secret_inputs),
        )
        response = LOOP.run(self._plugin.check(request))
        failures = [CheckFailure(_path(f.property), f.reason) for f in response.failures]
        return CheckResult(_from_engine(response.inputs), failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        request = protocol.DiffRequest(
            urn=urn(news["ownership_tag"]), id=id_, olds=_to_engine(olds), news=_to_engine(news)
        )
        response = LOOP.run(self._plugin.diff(request))
        return DiffResult(
            changes=response.changes == protocol.DiffResponse.DIFF_SOME,
            replaces=[snake(name) for name in response.replaces],
            delete_before_replace=response.deleteBeforeReplace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        request = protocol.CreateRequest(
            urn=urn(props["ownership_tag"]), properties=_to_engine(props), timeout=TIMEOUT_S
        )
        response = LOOP.run(self._plugin.create(request))
        return CreateResult(response.id, _from_engine(response.properties))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """A refresh. The engine sends the state and the inputs; the plugin hands the
        inputs back unread, so the state stands in for them."""
        state = _to_engine(props)
        request = protocol.ReadRequest(
            urn=urn(props["ownership_tag"]), id=id_, properties=state, inputs=state
        )
        response = LOOP.run(self._plugin.read(request))
        if not response.id:
            return ReadResult(None, {})
        return ReadResult(response.id, _from_engine(response.properties))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        request = protocol.UpdateRequest(
            urn=urn(news["ownership_tag"]),
            id=id_,
            olds=_to_engine(olds),
            news=_to_engine(news),
            timeout=TIMEOUT_S,
        )
        response = LOOP.run(self._plugin.update(request))
        return UpdateResult(_from_engine(response.properties))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        request = protocol.DeleteRequest(
            urn=urn(props["ownership_tag"]), id=id_, properties=_to_engine(props), timeout=TIMEOUT_S
        )
        LOOP.run(self._plugin.delete(request))


# A provider of either front-end, with the same methods and result types.
Provider = QuickBooksInstanceProvider | Plugin
