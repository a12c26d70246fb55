"""``/elements/api-v2/instances``: the platform's instance API.

Each route reads the request into typed arguments (schemas.py), calls the
domain (instances.py) and renders what it returns in the platform's JSON shape.
The element-scoped forms (element_instances.py) call the same functions with the
element the path names.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from .. import configuration as config_rules
from ..auth import NamedInstance, Organization, TokenInstance, element_token
from ..catalog import API_PREFIX, ELEMENTS
from ..context import Context, Ctx
from ..exceptions import NotFound
from ..records import InstanceRecord
from ..schemas import JsonBody, configuration_value, instance_changes, new_instance

router = APIRouter(prefix=API_PREFIX)

# The query parameters that select what a list holds (a nextPage token continues only
# the list of the same ones).
LIST_FILTERS = ("tags[]", "tags", "searchText", "hydrate")


def owner(account_id: int) -> dict[str, Any]:
    """The instance's ``user``: the platform's schema requires it with these four fields
    (churros element.instance.schema.json); their values are in no source."""
    return {
        "id": account_id,
        "emailAddress": f"user{account_id}@emulator.invalid",
        "firstName": "Emulated",
        "lastName": f"User {account_id}",
    }


def render(record: InstanceRecord) -> dict[str, Any]:
    """The instance as every answer shows it (create, read, list, PUT, PATCH), in the
    devportal's create answer's shape (quickbooksonline/authenticate.md): configuration
    secrets masked; the token in clear, as the platform shows it to its organization
    (clients build the ``Element <token>`` header from a read)."""
    element = ELEMENTS[record.element_key]
    return {
        "id": record.id,
        "name": record.name,
        "createdDate": record.created_date,
        "token": record.token,
        "element": dict(element),
        "elementId": element["id"],
        "tags": list(record.tags),
        "provisionInteractions": [],
        "valid": record.valid,
        "disabled": record.disabled,
        "maxCacheSize": 0,
        "cacheTimeToLive": 0,
        "configuration": config_rules.masked(record.configuration),
        "eventsEnabled": config_rules.events_enabled(record.configuration),
        "traceLoggingEnabled": False,
        "cachingEnabled": False,
        "externalAuthentication": "none",
        "user": owner(record.account_id),
    }


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


def paged(request: Request, ctx: Context, scope_of: Any, items: list, render_one, key) -> Any:
    query = request.query_params
    scope = ctx.pager.scope_of(scope_of, request.url.path, query, *LIST_FILTERS)
    page = ctx.pager.page(items, query, scope=scope, key=key)
    return JSONResponse([render_one(item) for item in page.items], headers=page.headers)


# -- shared by the flat and the element-scoped routes --------------------------------


def instance_of(ctx: Context, account_id: int, raw_id: str, element_key: str | None):
    """The organization's instance `raw_id`; under an element's path, only one of it."""
    record = ctx.instances.get(account_id, numeric_id(raw_id))
    if element_key is not None and record.element_key != element_key:
        raise NotFound(f"No {element_key} instance found with id {raw_id}")
    return record


def list_of(request: Request, account_id: int, ctx: Context, element_key: str | None):
    """The organization's instances (every element's, or `element_key`'s), paged; with
    an ``Element`` token, only that instance (churros lists with the token set and gets
    an array); none is a 404 "No instances found" (churros instances.js)."""
    query = request.query_params
    tags = query.getlist("tags[]") + query.getlist("tags")
    found = ctx.instances.search(account_id, tags, query.get("searchText"))
    token = element_token(request)
    found = [
        record
        for record in found
        if (element_key is None or record.element_key == element_key)
        and (token is None or record.token == token)
    ]
    answer = paged(request, ctx, account_id, found, render, key=lambda r: r.id)
    if not found:  # after the token's check: a bad token is a 400 whatever the list
        raise NotFound("No instances found")
    return answer


# -- the token-scoped forms (declared before /instances/{instance_id}) ---------------


@router.get("/instances")
def list_instances(request: Request, account_id: Organization, ctx: Ctx):
    return list_of(request, account_id, ctx, None)


@router.put("/instances")
def replace_token_instance(record: TokenInstance, body: JsonBody, ctx: Ctx):
    return render(ctx.instances.replace(record.account_id, record.id, new_instance(body)))


@router.patch("/instances")
def patch_token_instance(record: TokenInstance, body: JsonBody, ctx: Ctx):
    return render(ctx.instances.patch(record.account_id, record.id, instance_changes(body)))


@router.get("/instances/configuration")
def list_token_configuration(request: Request, record: TokenInstance, ctx: Ctx):
    return list_configuration(request, str(record.id), record.account_id, ctx)


@router.get("/instances/configuration/{entry_id}")
def get_token_configuration_value(entry_id: str, record: TokenInstance, ctx: Ctx):
    return get_configuration_value(str(record.id), entry_id, record.account_id, ctx)


@router.patch("/instances/configuration/{entry_id}")
def patch_token_configuration_value(entry_id: str, record: TokenInstance, body: JsonBody, ctx: Ctx):
    return patch_configuration_value(str(record.id), entry_id, record.account_id, body, ctx)


@router.put("/instances/enabled")
def enable_named_instance(record: NamedInstance, ctx: Ctx):
    return render(ctx.instances.set_disabled(record.account_id, record.id, disabled=False))


@router.delete("/instances/enabled")
def disable_named_instance(record: NamedInstance, ctx: Ctx):
    return render(ctx.instances.set_disabled(record.account_id, record.id, disabled=True))


# -- one instance by id ----------------------------------------------------------------


@router.post("/instances")
def create_instance(account_id: Organization, body: JsonBody, ctx: Ctx):
    return render(ctx.instances.create(account_id, new_instance(body)))


@router.get("/instances/{instance_id}")
def get_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return render(instance_of(ctx, account_id, instance_id, None))


@router.put("/instances/{instance_id}")
def replace_instance(instance_id: str, account_id: Organization, body: JsonBody, ctx: Ctx):
    # An unknown instance is a 404 before anything about the body is a 400.
    record = instance_of(ctx, account_id, instance_id, None)
    return render(ctx.instances.replace(account_id, record.id, new_instance(body)))


@router.patch("/instances/{instance_id}")
def patch_instance(instance_id: str, account_id: Organization, body: JsonBody, ctx: Ctx):
    record = instance_of(ctx, account_id, instance_id, None)
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
def list_configuration(request: Request, instance_id: str, account_id: Organization, ctx: Ctx):
    entries = ctx.instances.configuration_entries(account_id, numeric_id(instance_id))
    return paged(request, ctx, account_id, entries, lambda e: render_entry(*e), lambda e: e[0])


def entry_number(raw: str) -> int:
    return int(raw) if raw.isdigit() else -1


@router.get("/instances/{instance_id}/configuration/{entry_id}")
def get_configuration_value(instance_id: str, entry_id: str, account_id: Organization, ctx: Ctx):
    entries = ctx.instances.configuration_entries(account_id, numeric_id(instance_id))
    wanted = entry_number(entry_id)
    for entry in entries:
        if entry[0] == wanted:
            return render_entry(*entry)
    raise NotFound(f"No configuration entry {entry_id} on instance {instance_id}")


@router.patch("/instances/{instance_id}/configuration/{entry_id}")
def patch_configuration_value(
    instance_id: str, entry_id: str, account_id: Organization, body: JsonBody, ctx: Ctx
):
    instance = numeric_id(instance_id)
    entry = entry_number(entry_id)
    key = ctx.instances.configuration_key(account_id, instance, entry)
    value = configuration_value(body, entry, key)
    return render_entry(*ctx.instances.set_configuration_value(account_id, instance, entry, value))
