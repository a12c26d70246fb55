"""The native `quickbooks` provider: the engine's gRPC provider interface over `operations`.

A second front-end beside `lifecycle.py`: each handler turns the engine's typed
values into the plain data `operations` takes (`wire.py`), runs the operation, and
turns the answer back, marking secrets. No rule lives here.

Handlers are coroutines on one event loop. The operations block on HTTP, so each
runs in a worker thread of the provider's own pool: independent steps run as
concurrently as the engine's `--parallel` sends them (the dynamic provider's host
runs 4), unless `quickbooks:maxConcurrency` sets a lower bound of its own. (asyncio's
default pool would bound them at min(32, CPUs + 4): 6 on 2 cores.) Check and diff
make no call and run on the loop.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .. import lookups, operations
from ..api.session import Session
from ..api.settings import NAMESPACE, ProviderSettings
from ..core.check import with_defaults
from ..core.inputs import SCHEMA
from ..core.tags import ownership_tag_of
from ..errors import InputError
from . import config
from .diagnostics import CURRENT_URN, Diagnostics
from .diff import detailed, response
from .messages import in_schema_names
from .names import camel
from .protocol import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from .wire import Struct, to_plain, to_wire

T = TypeVar("T")

# Worker threads when `maxConcurrency` sets no bound: more than any `--parallel` a team
# uses; a thread is only started when every other one is busy.
UNBOUNDED_WORKERS = 512


def ownership_tag(urn: str) -> str:
    """`pulumi:<project>:<stack>:<resource>` of `urn:pulumi:<stack>::<project>::<type>::<name>`."""
    head, project, *_types, name = urn.split("::")
    return ownership_tag_of(project, head.rsplit(":", 1)[-1], name)


def _property_path(path: str) -> str:
    """A check failure's path (`oauth.realm_id`, `tags[2]`) in the schema's names."""
    return ".".join(camel(part) for part in path.split("."))


def _top_level(path: str) -> str:
    """`tags` of `tags[2]`, `["tags"][2]` and `oauth.realmId`."""
    return path.removeprefix('["').split('"')[0].split(".")[0].split("[")[0]


def _outputs(outputs: dict[str, Any]) -> Struct:
    return to_wire(outputs, secrets=SCHEMA.secret_outputs)


def _state(outputs: dict[str, Any]) -> Struct:
    """A resource's outputs as the state keeps them: a null one is left out (every SDK
    reads an absent output as null, as the dynamic resource's have always been)."""
    return _outputs({name: value for name, value in outputs.items() if value is not None})


class QuickBooksProvider:
    """The handlers, one per engine call, each taking the engine's request message and
    answering its response (`server.py` serves them)."""

    def __init__(self, engine_address: str | None = None) -> None:
        self._diagnostics = Diagnostics(engine_address)
        # Settings arrive with `configure`, which the engine calls before any other step.
        self._session = Session(ProviderSettings(), warn=self._diagnostics.warn)
        self._bound(self._session.settings.max_concurrency)

    def _bound(self, max_concurrency: int) -> None:
        """Operations run in a pool of `max_concurrency` threads (0: as many as the
        engine sends)."""
        workers = max_concurrency or UNBOUNDED_WORKERS
        self._workers = ThreadPoolExecutor(workers, thread_name_prefix="operation")

    @property
    def session(self) -> Session:
        return self._session

    async def _run(self, urn: str, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)` in a worker thread, within the concurrency bound; its warnings
        name `urn`. Each engine request is a task of its own, with its own context,
        which the thread runs in."""
        CURRENT_URN.set(urn)
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, context.run, call, *args)

    # --- the provider itself -------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        # Imported here: the schema's types cost a start ~0.08 s, and the engine's
        # schema request is answered before the provider loads (`startup.py`).
        from . import schema

        return GetSchemaResponse(schema=schema.text())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        return config.check_config(request)

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        return config.diff_config(request)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Today's settings: the provider's inputs (the stack config `quickbooks:*` for
        the default provider), else the environment."""
        args = to_plain(request.args, rename=False)

        def lookup(key: str) -> Any:
            name = key.removeprefix(f"{NAMESPACE}:")
            value = args.get(name)
            if value is None:
                value = request.variables.get(f"{NAMESPACE}:config:{name}")
            return value

        settings = ProviderSettings.load(lookup)
        self._session = Session(settings, warn=self._diagnostics.warn)
        self._workers.shutdown(wait=False)
        self._bound(settings.max_concurrency)
        # No preview of create and update: the engine shows their outputs as unknown.
        return ConfigureResponse(acceptSecrets=True, supportsPreview=False)

    # --- the resource --------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        CURRENT_URN.set(request.urn)
        news = to_plain(request.news)
        news["ownership_tag"] = ownership_tag(request.urn)
        inputs, failures = operations.check(self.session, news)
        return CheckResponse(
            inputs=to_wire(inputs, secrets=SCHEMA.secret_inputs),
            failures=[
                CheckFailure(property=_property_path(f.property), reason=in_schema_names(f.reason))
                for f in failures
            ],
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        CURRENT_URN.set(request.urn)  # a health warning of the diff names its resource
        olds, news = to_plain(request.olds), to_plain(request.news)
        result = operations.diff(self.session, olds, news)
        # Shown against the full inputs: an input left unset is its default, not a removal.
        diffs = detailed(result, olds, with_defaults(news))
        replaces = [camel(name) for name in result.replaces]
        return response(result.changes, replaces, diffs, sorted({_top_level(p) for p in diffs}))

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = to_plain(request.properties)
        created = await self._run(request.urn, operations.create, self.session, props)
        return CreateResponse(id=created.instance_id, properties=_state(created.outputs))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh; or, with no properties, `pulumi import` and `Instance.get`. An
        instance that does not exist is an answer with no properties (empty ones would
        be an instance with none, and an import or a get would "succeed" with nothing):
        the engine reports "does not exist"."""
        if not request.properties:
            return await self._import(request)
        props = to_plain(request.properties)
        found = await self._run(request.urn, operations.read, self.session, request.id, props)
        if found is None:
            return ReadResponse()
        return ReadResponse(id=request.id, properties=_state(found.outputs), inputs=request.inputs)

    async def _import(self, request: ReadRequest) -> ReadResponse:
        mine = ownership_tag(request.urn)
        found = await self._run(request.urn, lookups.imported, self.session, request.id, mine)
        if found is None:
            return ReadResponse()
        applied, inputs = found
        return ReadResponse(
            id=applied.instance_id, properties=_state(applied.outputs), inputs=to_wire(inputs)
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        olds, news = to_plain(request.olds), to_plain(request.news)
        outputs = await self._run(
            request.urn, operations.update, self.session, request.id, olds, news
        )
        return UpdateResponse(properties=_state(outputs))

    async def delete(self, request: DeleteRequest) -> None:
        props = to_plain(request.properties)
        await self._run(request.urn, operations.delete, self.session, request.id, props)

    # --- the lookup ----------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        from .schema import GET_INSTANCE

        if request.tok != GET_INSTANCE:
            raise InputError(
                f"unknown function {request.tok!r}; the one function is {GET_INSTANCE}"
            )
        args = to_plain(request.args)
        outputs = await self._run(
            "", lookups.look_up, self.session, args.get("id"), args.get("name")
        )
        return InvokeResponse(**{"return": _outputs(outputs) if outputs else None})
