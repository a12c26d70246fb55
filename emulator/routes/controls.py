"""``/_emulator``: test controls (request log, faults, events), admin token only."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from .. import configuration as config_rules
from ..auth import admin
from ..context import Ctx
from ..errors import bad_request, not_found
from ..events import notification
from ..instances import realm_of
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
    record = ctx.store.get_instance(instance_id)
    if record is None:
        raise not_found(f"No instance found with id {instance_id}")
    configuration = record.configuration
    if not config_rules.events_enabled(configuration):
        raise bad_request(f"Events are not enabled on instance {instance_id}")
    if record.disabled:
        raise bad_request(f"Instance {instance_id} is disabled: it delivers no events")
    polled = config_rules.poller_resources(configuration)
    if event.objectType not in polled:
        raise bad_request(
            f"objectType {event.objectType!r} is not polled by instance {instance_id}; "
            f"polled: {'|'.join(polled)}"
        )
    delivery_id = ctx.events.deliver(
        instance_id,
        configuration["event.notification.callback.url"],
        configuration.get("event.notification.signature.key"),
        notification(
            instance_id, realm_of(record), event.objectType, event.eventType, str(event.objectId)
        ),
    )
    return JSONResponse({"deliveryId": delivery_id}, status_code=202)


@router.get("/deliveries/{delivery_id}")
def delivery_status(delivery_id: str, ctx: Ctx):
    status = ctx.events.status(delivery_id)
    if status is None:
        raise not_found(f"No delivery {delivery_id}")
    return status
