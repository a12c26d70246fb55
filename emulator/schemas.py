"""Request bodies: reading JSON (415/400 rules) and the pydantic models they must fit."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ApiError, bad_request

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
        raise ApiError(415, "Unsupported content type: send application/json")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise bad_request("Malformed JSON in request body") from None


JsonBody = Annotated[Any, Depends(json_body)]


def parse(model: type[Model], data: Any, what: str = "request body") -> Model:
    """Validate ``data`` against ``model``; a 400 names each offending field."""
    if data is None:
        raise bad_request(f"A JSON {what} is required")
    if not isinstance(data, dict):
        raise bad_request(f"The {what} must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise bad_request(f"Invalid {what}: {describe(exc)}") from None


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


class ElementRef(Strict):
    key: str


class InstanceBody(Strict):
    """POST /instances and PUT /instances/{id}."""

    element: ElementRef
    name: str = Field(min_length=1)
    # Values are checked by configuration.require_strings, whose message is
    # clearer than pydantic's for the common "sent a boolean" mistake.
    configuration: dict[str, Any]
    providerData: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)


class InstancePatch(Strict):
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
