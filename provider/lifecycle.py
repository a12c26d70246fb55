"""The dynamic ResourceProvider: Pulumi's dynamic-provider front-end over `operations`.

Each method unwraps what the engine passes in, calls the operation of the same
name on plain data, and wraps the answer in the engine's result type, marking the
secrets. No rule lives here.

The program imports this module too (its resources name the class) but runs no
operation: `operations` and the session are imported on first use, by the host.

The provider object is pickled by reference into every resource's state: it holds
no data until `configure()`, and its class path is stable API (existing stacks
resolve `provider.lifecycle.QuickBooksInstanceProvider` on refresh and destroy).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from . import dynamic_host
from .core.check import UNKNOWN, is_unknown
from .core.inputs import SECRET_INPUTS
from .errors import ProvisioningError as ProvisioningError  # re-exported: tests and callers

if TYPE_CHECKING:
    from types import ModuleType

    from .api.client import CloudElementsClient
    from .api.session import Session
    from .api.settings import ProviderSettings


def _operations() -> ModuleType:
    """`operations`, imported on first use: the program imports this module too (its
    resources name this class) but never runs an operation; the provider host does."""
    from . import operations

    return operations


def _new_session(lookup: Any = None) -> Session:
    from .api.session import Session
    from .api.settings import ProviderSettings

    return Session(ProviderSettings.load(lookup))


# In the dynamic provider's host (which imports this module to unpickle the provider),
# our errors reach the engine as their message, without a Python traceback.
dynamic_host.install()


def _plain(value: Any) -> Any:
    """The engine's values as the operations take them: secrets unwrapped (at any
    depth) and unknowns as the one wire marker the core knows."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _secret(value: Any) -> Any:
    if value is None or is_unknown(value) or rpc.is_rpc_secret(value):
        return value
    return rpc.wrap_rpc_secret(value)


def _with_secret_token(outputs: dict[str, Any]) -> dict[str, Any]:
    return {**outputs, "token": _secret(outputs.get("token"))}


class QuickBooksInstanceProvider(ResourceProvider):
    """Reconciles one Cloud Elements QuickBooks Online instance per resource."""

    # The serialized provider carries no secrets (settings arrive via configure),
    # so it need not be a secret in state.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._session: Session | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {}  # only the class reference goes into state: never settings or sessions

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()

    def configure(self, req: ConfigureRequest) -> None:
        """Called once per provider process with the stack's (decrypted) config."""
        # The rules of the plugin's CheckConfig, on the same declaration: a bad or
        # missing setting fails here, in preview, naming its key, before any call.
        from .api.settings import API_SETTINGS, validate

        validate(req.config.get, required=API_SETTINGS)
        self._session = _new_session(req.config.get)

    @property
    def session(self) -> Session:
        with self._lock:
            if self._session is None:  # used outside the engine: environment only
                self._session = _new_session()
            return self._session

    @property
    def settings(self) -> ProviderSettings:
        return self.session.settings

    def client(self) -> CloudElementsClient:
        return self.session.client()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates and normalizes inputs (unknowns allowed in preview); no HTTP."""
        inputs, failures = _operations().check(self.session, _plain(news))
        for name in SECRET_INPUTS:
            # Secret on the wire whatever the caller passed: the engine keeps it
            # encrypted in state and masked in every display.
            inputs[name] = _secret(inputs.get(name))
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """`olds` are the old *outputs* (observed state); `news` the checked inputs."""
        operations = _operations()
        news = _plain(news)
        result = operations.diff(self.session, _plain(olds), news)
        dynamic_host.changed_inputs(operations.changed_inputs(result, news))
        # Create the new instance first on a replace; the old one keeps serving meanwhile.
        return DiffResult(
            changes=result.changes, replaces=list(result.replaces), delete_before_replace=False
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        created = _operations().create(self.session, _plain(props))
        return CreateResult(created.instance_id, _with_secret_token(created.outputs))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: gone (404) or taken over by another owner -> dropped; else outputs."""
        found = _operations().read(self.session, id_, _plain(props))
        if found is None:
            return ReadResult(None, {})
        return ReadResult(id_, _with_secret_token(found.outputs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH with only what changed; returns full outputs."""
        outputs = _operations().update(self.session, id_, _plain(olds), _plain(news))
        return UpdateResult(_with_secret_token(outputs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Deletes (or releases) the instance if it is still this resource's."""
        _operations().delete(self.session, id_, _plain(props))
