"""``/elements/api-v2/instances``: the platform's instance API.

Each route reads the request into typed arguments (schemas.py), calls the
domain (instances.py) and renders what it returns in the platform's JSON shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from .. import configuration as config_rules
from ..auth import NamedInstance, Organization
from ..catalog import API_PREFIX, ELEMENT
from ..context import Ctx
from ..exceptions import NotFound
from ..records import InstanceRecord
from ..schemas import JsonBody, configuration_value, instance_changes, new_instance

router = APIRouter(prefix=API_PREFIX)


def render(record: InstanceRecord, *, with_configuration: bool = True):
    """The instance as the API shows it: configuration secrets masked; the token in
    clear, as the platform shows it to its organization (clients build the
    ``Element <token>`` header from a read)."""
    body: dict[str, Any] = {"id": record.id, "name": record.name, "token": record.token}
    body.update(
        {
            "element": dict(ELEMENT),
            "provisionInteractions": [],
            "valid": record.valid,
            "disabled": record.disabled,
            "maxCacheSize": 0,
            "cacheTimeToLive": 0,
            "cachingEnabled": False,
            "eventsEnabled": config_rules.events_enabled(record.configuration),
            "traceLoggingEnabled": False,
            "createdDate": record.created_date,
            "tags": list(record.tags),
        }
    )
    if with_configuration:
        body["configuration"] = config_rules.masked(record.configuration)
    return body


def render_entry(entry_id: int, key: str, value: str) -> dict[str, Any]:
    return {
        "id": entry_id,
        "key": key,
        "propertyValue": config_rules.MASK if config_rules.is_secret(key) else value,
    }


def numeric_id(raw: str) -> int:
    # A non-numeric id can name no instance: 404 like any unknown id.
    if not raw.isdigit():
        raise NotFound(f"No instance found with id {raw}")
    return int(raw)


@router.post("/instances")
def create_instance(account_id: Organization, body: JsonBody, ctx: Ctx):
    record = ctx.instances.create(account_id, new_instance(body))
    return render(record, with_configuration=False)


@router.get("/instances")
def list_instances(request: Request, account_id: Organization, ctx: Ctx):
    query = request.query_params
    tags = query.getlist("tags[]") + query.getlist("tags")
    found = ctx.instances.search(account_id, tags, query.get("searchText"))
    scope = ctx.pager.scope_of(account_id, request.url.path, query, *LIST_FILTERS)
    page = ctx.pager.page(found, query, scope=scope)
    if not found:  # after the token's check: a bad token is a 400 whatever the list
        raise NotFound("No instances found")
    return JSONResponse([render(record) for record in page.items], headers=page.headers)


# The query parameters that select what a list holds (a nextPage token continues only
# the list of the same ones).
LIST_FILTERS = ("tags[]", "tags", "searchText", "hydrate")


# Declared before /instances/{instance_id}, whose PUT and DELETE would take "enabled"
# for an instance id.
@router.put("/instances/enabled")
def enable_named_instance(record: NamedInstance, ctx: Ctx):
    return render(ctx.instances.set_disabled(record.account_id, record.id, disabled=False))


@router.delete("/instances/enabled")
def disable_named_instance(record: NamedInstance, ctx: Ctx):
    return render(ctx.instances.set_disabled(record.account_id, record.id, disabled=True))


@router.get("/instances/{instance_id}")
def get_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return render(ctx.instances.get(account_id, numeric_id(instance_id)))


@router.put("/instances/{instance_id}")
def replace_instance(instance_id: str, account_id: Organization, body: JsonBody, ctx: Ctx):
    # An unknown instance is a 404 before anything about the body is a 400.
    record = ctx.instances.get(account_id, numeric_id(instance_id))
    return render(ctx.instances.replace(account_id, record.id, new_instance(body)))


@router.patch("/instances/{instance_id}")
def patch_instance(instance_id: str, account_id: Organization, body: JsonBody, ctx: Ctx):
    record = ctx.instances.get(account_id, numeric_id(instance_id))
    return render(ctx.instances.patch(account_id, record.id, instance_changes(body)))


@router.delete("/instances/{instance_id}")
def delete_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    ctx.instances.delete(account_id, numeric_id(instance_id))
    return Response(status_code=200)


@router.put("/instances/{instance_id}/enabled")
def enable_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return render(ctx.instances.set_disabled(account_id, numeric_id(instance_id), disabled=False))


@router.delete("/instances/{instance_id}/enabled")
def disable_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return render(ctx.instances.set_disabled(account_id, numeric_id(instance_id), disabled=True))


@router.get("/instances/{instance_id}/configuration")
def list_configuration(instance_id: str, account_id: Organization, ctx: Ctx):
    entries = ctx.instances.configuration_entries(account_id, numeric_id(instance_id))
    return [render_entry(*entry) for entry in entries]


@router.patch("/instances/{instance_id}/configuration/{entry_id}")
def patch_configuration_value(
    instance_id: str, entry_id: str, account_id: Organization, body: JsonBody, ctx: Ctx
):
    instance = numeric_id(instance_id)
    entry = int(entry_id) if entry_id.isdigit() else -1
    key = ctx.instances.configuration_key(account_id, instance, entry)
    value = configuration_value(body, entry, key)
    return render_entry(*ctx.instances.set_configuration_value(account_id, instance, entry, value))
