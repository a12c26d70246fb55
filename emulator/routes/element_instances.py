"""``/elements/{keyOrId}/instances[/{id}]``: the instance API scoped to one element.

Real clients use this form (Cloud Elements' own CLI sends ``instances events-enable``
as a PUT here). The element is ``quickbooks`` or its numeric id; any other is a 404.
Every route is the unscoped one, so the semantics cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ..auth import Organization
from ..catalog import API_PREFIX, ELEMENT, ELEMENT_KEY
from ..context import Ctx
from ..exceptions import NotFound
from ..schemas import JsonBody
from . import instances


def known_element(key_or_id: str) -> None:
    if key_or_id not in (ELEMENT_KEY, str(ELEMENT["id"])):
        raise NotFound(f"No element found with key or id {key_or_id!r}")


router = APIRouter(
    prefix=API_PREFIX + "/elements/{key_or_id}", dependencies=[Depends(known_element)]
)


@router.post("/instances")
def create_instance(account_id: Organization, body: JsonBody, ctx: Ctx):
    # The path names the element, so the body may leave it out.
    if isinstance(body, dict) and "element" not in body:
        body = {**body, "element": {"key": ELEMENT_KEY}}
    return instances.create_instance(account_id, body, ctx)


SAME_AS_UNSCOPED: list[tuple[str, str, Any]] = [
    ("GET", "/instances", instances.list_instances),
    ("GET", "/instances/{instance_id}", instances.get_instance),
    ("PUT", "/instances/{instance_id}", instances.replace_instance),
    ("PATCH", "/instances/{instance_id}", instances.patch_instance),
    ("DELETE", "/instances/{instance_id}", instances.delete_instance),
]
for method, path, endpoint in SAME_AS_UNSCOPED:
    router.add_api_route(path, endpoint, methods=[method])
