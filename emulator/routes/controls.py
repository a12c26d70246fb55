"""``/_emulator``: test controls (request log, faults, events), admin token only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from ..activity import trigger_event
from ..auth import admin
from ..context import Ctx
from ..exceptions import NotFound
from ..schemas import EventRequest, FaultRequest, JsonBody, parse

router = APIRouter(prefix="/_emulator", dependencies=[Depends(admin)])


@router.get("/requests")
def request_log(ctx: Ctx):
    return ctx.request_log.entries()


@router.delete("/requests")
def clear_request_log(ctx: Ctx):
    ctx.request_log.clear()
    return {}


@router.post("/faults", status_code=201)
def add_fault(body: JsonBody, ctx: Ctx):
    rule = ctx.faults.add(parse(FaultRequest, body))
    return {"id": rule.id}


@router.get("/faults")
def list_faults(ctx: Ctx):
    return ctx.faults.listing()


@router.delete("/faults")
def clear_faults(ctx: Ctx):
    ctx.faults.clear()
    return {}


@router.post("/reset")
def reset(ctx: Ctx):
    ctx.faults.clear()
    ctx.request_log.clear()
    return {}


@router.post("/instances/{instance_id}/events", status_code=202)
def send_event(instance_id: int, body: JsonBody, ctx: Ctx):
    event = parse(EventRequest, body)
    delivery_id = trigger_event(
        ctx.store,
        ctx.events,
        instance_id,
        event.objectType,
        event.eventType,
        str(event.objectId),
    )
    return JSONResponse({"deliveryId": delivery_id}, status_code=202)


@router.post("/instances/{instance_id}/revoke")
def revoke(instance_id: int, ctx: Ctx):
    """The company disconnects the app: every later token refresh of the instance fails."""
    record = ctx.health.revoke(instance_id)
    return {
        "id": record.id,
        "revoked": True,
        "valid": record.valid,
        "disabled": record.disabled,
        "refreshFailures": record.refresh_failures,
    }


@router.post("/instances/{instance_id}/hide-company")
def hide_company(instance_id: int, ctx: Ctx):
    """The instance's configuration stops showing ``quickbooks.realm.id``; it stays bound
    to its company (a client must cope with an instance whose company it cannot read)."""
    record = ctx.instances.hide_company(instance_id)
    return {"id": record.id, "companyShown": False}


@router.post("/token-refresh")
def token_refresh(ctx: Ctx):
    """One run of the platform's token refresh (nightly on the platform), per instance."""
    outcomes = ctx.health.refresh_all()
    counts = {result: 0 for result in ("refreshed", "failed", "skipped")}
    for outcome in outcomes:
        counts[outcome.result] += 1
    return {**counts, "instances": [outcome.as_json() for outcome in outcomes]}


@router.get("/instance-tokens")
def instance_tokens(ctx: Ctx):
    """Every instance token issued so far, deleted instances' included: reads hand them
    out, so a test's leak scan must know them all."""
    return {"tokens": ctx.store.issued_tokens()}


@router.get("/deliveries")
def deliveries(
    ctx: Ctx,
    limit: int = Query(100, ge=1, le=1000),
    instance_id: int | None = Query(None, alias="instanceId"),
):
    return ctx.events.listing(limit, instance_id)


@router.get("/deliveries/{delivery_id}")
def delivery_status(delivery_id: str, ctx: Ctx):
    status = ctx.events.status(delivery_id)
    if status is None:
        raise NotFound(f"No delivery {delivery_id}")
    return status
