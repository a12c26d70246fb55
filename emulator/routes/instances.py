"""``/elements/api-v2/instances``: the platform's instance API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..auth import Organization
from ..catalog import API_PREFIX
from ..context import Ctx
from ..exceptions import NotFound
from ..schemas import JsonBody

router = APIRouter(prefix=API_PREFIX)


def numeric_id(raw: str) -> int:
    # A non-numeric id can name no instance: 404 like any unknown id.
    if not raw.isdigit():
        raise NotFound(f"No instance found with id {raw}")
    return int(raw)


@router.post("/instances")
def create_instance(
    account_id: Organization,
    body: JsonBody,
    ctx: Ctx,
):
    return ctx.instances.create(account_id, body)


@router.get("/instances")
def list_instances(
    request: Request,
    account_id: Organization,
    ctx: Ctx,
):
    query = request.query_params
    tags = query.getlist("tags[]") + query.getlist("tags")
    return ctx.instances.search(account_id, tags, query.get("searchText"))


@router.get("/instances/{instance_id}")
def get_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return ctx.instances.read(account_id, numeric_id(instance_id))


@router.put("/instances/{instance_id}")
def replace_instance(
    instance_id: str,
    account_id: Organization,
    body: JsonBody,
    ctx: Ctx,
):
    return ctx.instances.replace(account_id, numeric_id(instance_id), body)


@router.patch("/instances/{instance_id}")
def patch_instance(
    instance_id: str,
    account_id: Organization,
    body: JsonBody,
    ctx: Ctx,
):
    return ctx.instances.patch(account_id, numeric_id(instance_id), body)


@router.delete("/instances/{instance_id}")
def delete_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    ctx.instances.delete(account_id, numeric_id(instance_id))
    return Response(status_code=200)


@router.put("/instances/{instance_id}/enabled")
def enable_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return ctx.instances.set_disabled(account_id, numeric_id(instance_id), disabled=False)


@router.delete("/instances/{instance_id}/enabled")
def disable_instance(instance_id: str, account_id: Organization, ctx: Ctx):
    return ctx.instances.set_disabled(account_id, numeric_id(instance_id), disabled=True)


@router.get("/instances/{instance_id}/configuration")
def list_configuration(instance_id: str, account_id: Organization, ctx: Ctx):
    return ctx.instances.configuration_entries(account_id, numeric_id(instance_id))


@router.patch("/instances/{instance_id}/configuration/{entry_id}")
def patch_configuration_value(
    instance_id: str,
    entry_id: str,
    account_id: Organization,
    body: JsonBody,
    ctx: Ctx,
):
    entry = int(entry_id) if entry_id.isdigit() else -1
    return ctx.instances.set_configuration_value(account_id, numeric_id(instance_id), entry, body)
