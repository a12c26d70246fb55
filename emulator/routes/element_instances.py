"""``/elements/{keyOrId}`` and ``/elements/{keyOrId}/instances[/{id}]``: an element and
the instance API scoped to it.

Real clients use this form (churros "should support CRUD by key" and "by ID"; Cloud
Elements' own CLI sends ``instances events-enable`` as a PUT here). The element is a
key or a numeric id of the catalogue (``quickbooks`` or 39, ``jira`` or 1); any other
is a 404. The list holds that element's instances only (churros "should have
createdDate in the /elements/{key}/instances response"), and an instance of another
element is a 404 here. Every route calls the unscoped one's code, so the semantics
cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ..auth import Organization
from ..catalog import API_PREFIX, element_named
from ..context import Ctx
from ..exceptions import NotFound
from ..schemas import JsonBody, instance_changes
from . import instances


def known_element(key_or_id: str) -> dict[str, Any]:
    element = element_named(key_or_id)
    if element is None:
        raise NotFound(f"No element found with key or id {key_or_id!r}")
    return element


Element = Annotated[dict[str, Any], Depends(known_element)]
router = APIRouter(prefix=API_PREFIX + "/elements/{key_or_id}")


@router.get("")
def get_element(element: Element, _account_id: Organization):
    return dict(element)


@router.post("/instances")
def create_instance(element: Element, account_id: Organization, body: JsonBody, ctx: Ctx):
    # The path names the element, so the body may leave it out.
    if isinstance(body, dict) and "element" not in body:
        body = {**body, "element": {"key": element["key"]}}
    return instances.create_instance(account_id, body, ctx)


@router.get("/instances")
def list_instances(request: Request, element: Element, account_id: Organization, ctx: Ctx):
    return instances.list_of(request, account_id, ctx, element["key"])


@router.get("/instances/{instance_id}")
def get_instance(instance_id: str, element: Element, account_id: Organization, ctx: Ctx):
    return instances.render(instances.instance_of(ctx, account_id, instance_id, element["key"]))


@router.put("/instances/{instance_id}")
def replace_instance(
    instance_id: str, element: Element, account_id: Organization, body: JsonBody, ctx: Ctx
):
    instances.instance_of(ctx, account_id, instance_id, element["key"])
    return instances.replace_instance(instance_id, account_id, body, ctx)


@router.patch("/instances/{instance_id}")
def patch_instance(
    instance_id: str, element: Element, account_id: Organization, body: JsonBody, ctx: Ctx
):
    record = instances.instance_of(ctx, account_id, instance_id, element["key"])
    return instances.render(ctx.instances.patch(account_id, record.id, instance_changes(body)))


@router.delete("/instances/{instance_id}")
def delete_instance(instance_id: str, element: Element, account_id: Organization, ctx: Ctx):
    record = instances.instance_of(ctx, account_id, instance_id, element["key"])
    ctx.instances.delete(account_id, record.id)
    return Response(status_code=200)
