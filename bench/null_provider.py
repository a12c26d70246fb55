"""A dynamic provider that does nothing: the engine's own floor for the benchmark.

Same engine, same dynamic-provider host, same language host as the QuickBooks
provider, so the difference between the two is what our provider (and the API
behind it) adds. The class lives in an importable module, as ours does, so it
is pickled by reference.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, ResourceOptions
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

PROVIDER_KEY = "__provider"


class NullProvider(ResourceProvider):
    """Every method returns at once; the outputs are the inputs."""

    # As for the QuickBooks provider: the pickled provider is not a secret in state.
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"null-{props['name']}", props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = any(olds.get(k) != v for k, v in news.items() if k != PROVIDER_KEY)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        pass


class NullResource(Resource, module="bench", name="Null"):
    def __init__(
        self, resource_name: str, props: dict[str, Input[Any]], opts: ResourceOptions | None = None
    ) -> None:
        super().__init__(NullProvider(), resource_name, props, opts)
