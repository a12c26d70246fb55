"""`check`: validate and normalize raw inputs, field by field, before any API call.

In a preview some inputs are still unknown (computed from other resources);
each known field is validated with the same annotated type the full model uses,
unknown ones pass through untouched, and rules that need several fields run only
when those fields are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, TypeAdapter, ValidationError

from .commands import onboard_for_resource
from .declaration import Schema
from .inputs import SCHEMA
from .values import LOCAL_HOSTS

INTERNAL_KEYS = frozenset({"__provider"})
# How the engine marks a value that is not known yet (a preview whose inputs come
# from other resources): one string on the wire, whichever front-end receives it.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Failure:
    property: str
    reason: str


def is_unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


@cache
def _adapter(schema: Schema, name: str) -> TypeAdapter:
    # One field's full type (constraints and validators included), checked on its own
    # so that the unknown fields of a preview do not fail the known ones.
    return TypeAdapter(schema.model.model_fields[name].rebuild_annotation())


def _property_path(field: str, loc: tuple) -> str:
    path = field
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("oauth1", "oauth2", "function-after", "[key]"):
            path += f".{part}"
    return path


def _reason(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown property"
    if error["type"] == "missing":
        return "is required"
    return message


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value


def host_allowed(url: str, allowed_hosts: tuple[str, ...]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if not allowed_hosts or host in LOCAL_HOSTS and "localhost" in allowed_hosts:
        return True
    return any(
        host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:]))
        for allowed in allowed_hosts
    )


def with_defaults(inputs: dict[str, Any], schema: Schema = SCHEMA) -> dict[str, Any]:
    """`inputs` as `check_inputs` returns them (what the user declared) with every input
    left unset at its default: what the resource means, and what a diff shows."""
    full = dict(inputs)
    for name, info in schema.model.model_fields.items():
        if full.get(name) is None and not info.is_required():
            full[name] = _jsonable(info.get_default(call_default_factory=True))
    return full


def check_inputs(
    news: dict[str, Any],
    allowed_callback_hosts: tuple[str, ...] = (),
    schema: Schema = SCHEMA,
) -> tuple[dict[str, Any], list[Failure]]:
    """Returns (normalized inputs, failures). Never makes an HTTP call.

    The inputs hold what was declared, normalized, and nothing else: no default and no
    null. The engine stores them in the state as they are, once per resource; the
    defaults are the declaration's, filled in wherever the inputs are acted on (the
    spec model, `with_defaults`)."""
    failures: list[Failure] = []
    normalized: dict[str, Any] = {}
    unknown: set[str] = set()

    fields = schema.input_fields
    for key in sorted(set(news) - set(fields) - INTERNAL_KEYS):
        failures.append(Failure(key, f"unknown property; valid properties: {', '.join(fields)}"))

    for name in fields:
        info = schema.model.model_fields[name]
        if name not in news or news[name] is None:
            if info.is_required():
                failures.append(Failure(name, "is required"))
            else:
                normalized[name] = _jsonable(info.get_default(call_default_factory=True))
            continue
        raw = news[name]
        if is_unknown(raw):
            unknown.add(name)
            normalized[name] = raw
            continue
        try:
            normalized[name] = _jsonable(_adapter(schema, name).validate_python(raw))
        except ValidationError as exc:
            failures.extend(
                Failure(_property_path(name, tuple(e["loc"])), _reason(e)) for e in exc.errors()
            )

    def known(*names: str) -> bool:
        return all(n in normalized and n not in unknown for n in names)

    no_grant = known("oauth", "adopt_id") and normalized["oauth"] is None
    if no_grant and normalized["adopt_id"] is None:
        failures.append(
            Failure(
                "oauth",
                "a QuickBooks grant is required to create an instance: run "
                f"`{onboard_for_resource(normalized.get('ownership_tag'))}` (or set "
                "adopt_id to take over an existing instance)",
            )
        )
    if known("adopt_from", "adopt_id") and normalized["adopt_from"] is not None:
        if normalized["adopt_id"] is None:
            failures.append(
                Failure(
                    "adopt_from",
                    "takes over the instance named by adopt_id: set adopt_id too",
                )
            )
    if known("events_enabled", "callback_url") and normalized["events_enabled"]:
        if normalized["callback_url"] is None:
            failures.append(Failure("callback_url", "is required when events_enabled is true"))
    if known("events_enabled", "poller_resources") and normalized["events_enabled"]:
        if not normalized["poller_resources"]:
            failures.append(
                Failure("poller_resources", "must name at least one resource when events are on")
            )
    if known("callback_url") and normalized.get("callback_url"):
        if not host_allowed(normalized["callback_url"], allowed_callback_hosts):
            host = urlsplit(normalized["callback_url"]).hostname
            failures.append(
                Failure(
                    "callback_url",
                    f"host {host!r} is not allowed for this stack (quickbooks:allowedCallbackHosts"
                    f" = {', '.join(allowed_callback_hosts)})",
                )
            )
    declared = {name: value for name, value in normalized.items() if news.get(name) is not None}
    return declared, failures
