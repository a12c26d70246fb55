"""Request bodies: reading JSON (415/400 rules), the pydantic models they must fit, and
the typed arguments the domain takes, built from them.

Routes call these before the domain; the domain never sees raw JSON. The
platform's validation order (emulator/README.md) is kept: the body's shape, the
element key and non-string values here; the configuration rules in the domain
(they need the stored instance); ``providerData`` last, when the grant is redeemed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .catalog import ELEMENT_KEY, ELEMENTS, element_named
from .configuration import require_strings
from .exceptions import BadRequest, UnsupportedMediaType

Model = TypeVar("Model", bound=BaseModel)


async def json_body(request: Request) -> Any:
    """The request's JSON document, or None when the request has no body.

    A body in anything but JSON is a 415 and unparsable JSON a 400, whatever the
    route, so these rules hold the same everywhere.
    """
    raw = await request.body()
    if not raw:
        return None
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Unsupported content type: send application/json")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Malformed JSON in request body") from None


JsonBody = Annotated[Any, Depends(json_body)]


def parse(model: type[Model], data: Any, what: str = "request body") -> Model:
    """Validate ``data`` against ``model``; a 400 names each offending field."""
    if data is None:
        raise BadRequest(f"A JSON {what} is required")
    if not isinstance(data, dict):
        raise BadRequest(f"The {what} must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(f"Invalid {what}: {describe(exc)}") from None


def describe(exc: ValidationError) -> str:
    """Field names and reasons, never the offending values (they may be secrets)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        reason = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{field}: {reason}")
    return "; ".join(problems)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ElementRef(BaseModel):
    """``{"key": "quickbooks"}``, ``{"id": 39}``, or the whole element as a read shows it
    (clients send back what they read): only ``key`` and ``id`` count, the rest is the
    catalogue's and is ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)
    key: str | None = None
    id: int | str | None = None


class AsRead(Strict):
    """The read-only fields of an instance as GET shows it. A client may send the
    instance back as it read it (churros "should support updating tags via put method",
    Cloud Elements' own CLI on PUT): these are accepted and ignored, never written:
    health and enabling have their own calls, the owner and dates are the platform's."""

    id: Any = None
    token: Any = None
    provisionInteractions: Any = None
    valid: Any = None
    disabled: Any = None
    maxCacheSize: Any = None
    cacheTimeToLive: Any = None
    cachingEnabled: Any = None
    eventsEnabled: Any = None
    traceLoggingEnabled: Any = None
    createdDate: Any = None
    elementId: Any = None
    externalAuthentication: Any = None
    user: Any = None


class InstanceBody(AsRead):
    """POST /instances and PUT /instances/{id}."""

    element: ElementRef
    name: str = Field(min_length=1)
    # Values are checked by configuration.require_strings, whose message is
    # clearer than pydantic's for the common "sent a boolean" mistake.
    configuration: dict[str, Any]
    providerData: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)


class InstancePatch(AsRead):
    element: ElementRef | None = None
    name: str | None = Field(default=None, min_length=1)
    configuration: dict[str, Any] | None = None
    providerData: dict[str, Any] | None = None
    tags: list[str] | None = None


class ConfigurationValue(Strict):
    """PATCH /instances/{id}/configuration/{configId}: the new value, or the whole
    entry as GET .../configuration returned it (``id`` and ``key`` then ride along
    and must agree with the path)."""

    propertyValue: Any
    id: int | None = None
    key: str | None = None


class OAuth2ProviderData(Strict):
    code: str
    realmId: str
    # The callback also brings "state"; sending it along is harmless.
    state: str | None = None


class OAuth1ProviderData(Strict):
    oauth_token: str
    oauth_verifier: str
    realmId: str
    secret: str
    state: str
    dataSource: str


class EventRequest(Strict):
    objectType: str
    eventType: Literal["CREATED", "UPDATED", "DELETED", "UNKNOWN"]
    objectId: str | int


class FaultRequest(Strict):
    method: str = "*"
    path: str
    count: int = Field(default=1, ge=1)
    kind: Literal["status", "delay", "reset", "drop_after_commit"] = "status"
    status: int | None = Field(default=None, ge=100, le=599)
    retry_after: int | None = Field(default=None, ge=0)
    delay_ms: int | None = Field(default=None, ge=0)


ProviderData = OAuth2ProviderData | OAuth1ProviderData


@dataclass(frozen=True)
class UnreadableGrant:
    """``providerData`` that fits neither grant shape. The platform checks the grant
    last, so this is refused only then, after every configuration problem."""

    problem: str


GrantClaim = ProviderData | UnreadableGrant


@dataclass(frozen=True)
class NewInstance:
    """A whole instance as POST and PUT send it."""

    name: str
    configuration: dict[str, str]
    tags: list[str]
    grant: GrantClaim | None
    element_key: str = ELEMENT_KEY


@dataclass(frozen=True)
class InstanceChanges:
    """PATCH: only what was sent; None leaves a field as it is."""

    element_key: str | None
    name: str | None
    configuration: dict[str, str] | None
    tags: list[str] | None
    grant: GrantClaim | None


def element_key_of(element: ElementRef) -> str:
    """The key of the element the body names by key or id; a 400 naming an unknown one."""
    named = element.key if element.key is not None else element.id
    found = element_named(named) if named is not None else None
    if found is None or (element.key is not None and found["key"] != element.key):
        known = ", ".join(repr(key) for key in ELEMENTS)
        raise BadRequest(f"Unknown element key {named!r}: this platform serves {known}")
    return found["key"]


def new_instance(data: Any) -> NewInstance:
    body = parse(InstanceBody, data)
    return NewInstance(
        element_key=element_key_of(body.element),
        name=body.name,
        configuration=require_strings(body.configuration),
        tags=body.tags,
        grant=grant_claim(body.providerData),
    )


def instance_changes(data: Any) -> InstanceChanges:
    body = parse(InstancePatch, data)
    configuration = body.configuration
    return InstanceChanges(
        element_key=None if body.element is None else element_key_of(body.element),
        name=body.name,
        configuration=None if configuration is None else require_strings(configuration),
        tags=body.tags,
        grant=grant_claim(body.providerData),
    )


def grant_claim(provider_data: dict[str, Any] | None) -> GrantClaim | None:
    if provider_data is None:
        return None
    try:
        if "code" in provider_data:
            return parse(OAuth2ProviderData, provider_data, "providerData")
        if "oauth_token" in provider_data:
            return parse(OAuth1ProviderData, provider_data, "providerData")
    except BadRequest as exc:
        return UnreadableGrant(exc.message)
    return UnreadableGrant(
        "providerData must hold an OAuth 2.0 'code' or an OAuth 1.0a 'oauth_token'"
    )


def configuration_value(data: Any, entry_id: int, key: str) -> str:
    """The new value of configuration entry ``entry_id`` (``key``) from a PATCH body."""
    entry = parse(ConfigurationValue, data)
    if entry.id is not None and entry.id != entry_id:
        raise BadRequest(
            f"id {entry.id} in the body contradicts configuration entry {entry_id} in the path"
        )
    if entry.key is not None and entry.key != key:
        raise BadRequest(
            f"key {entry.key!r} in the body contradicts configuration entry {entry_id}, "
            f"which is {key!r}"
        )
    return require_strings({key: entry.propertyValue})[key]
