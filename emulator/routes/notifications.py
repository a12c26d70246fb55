"""``/elements/api-v2``: the event history, the subscription deliveries and the
account settings (declared before the instance routes: ``/instances/events`` is not
an instance id)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..auth import Organization
from ..catalog import API_PREFIX
from ..context import Ctx
from ..exceptions import BadRequest, NotFound
from ..notifications import render_delivery, render_event
from ..schemas import JsonBody
from ..where import parse_where
from .instances import numeric_id

router = APIRouter(prefix=API_PREFIX)


def _paged(request: Request, account_id: int, ctx: Ctx, items, render, key, *filters: str):
    query = request.query_params
    scope = ctx.pager.scope_of(account_id, request.url.path, query, *filters)
    page = ctx.pager.page(items, query, scope=scope, key=key)
    return JSONResponse([render(item) for item in page.items], headers=page.headers)


def _number(record):
    return record.number


@router.get("/instances/events")
def all_events(request: Request, account_id: Organization, ctx: Ctx):
    events = ctx.notifications.history(account_id)
    return _paged(request, account_id, ctx, events, render_event, _number)


@router.get("/instances/events/{event_id}")
def one_event(event_id: str, account_id: Organization, ctx: Ctx):
    return render_event(ctx.notifications.event(account_id, event_id))


@router.get("/instances/{instance_id}/events")
def instance_events(instance_id: str, request: Request, account_id: Organization, ctx: Ctx):
    events = ctx.notifications.history(account_id, numeric_id(instance_id))
    return _paged(request, account_id, ctx, events, render_event, _number)


@router.get("/instances/{instance_id}/events/{event_id}")
def instance_event(instance_id: str, event_id: str, account_id: Organization, ctx: Ctx):
    return render_event(ctx.notifications.event(account_id, event_id, numeric_id(instance_id)))


@router.get("/notifications/subscriptions/deliveries")
def deliveries(request: Request, account_id: Organization, ctx: Ctx):
    where = parse_where(request.query_params.get("where"))
    found = ctx.notifications.deliveries(account_id, where)
    return _paged(
        request,
        account_id,
        ctx,
        found,
        lambda pair: render_delivery(*pair),
        lambda pair: pair[0].number,
        "where",
    )


@router.put("/notifications/subscriptions/deliveries")
def redeliver(request: Request, account_id: Organization, ctx: Ctx):
    """Reactivates the selected subscriptions and delivers their queued deliveries."""
    where = parse_where(request.query_params.get("where"))
    if where.get("status") != "queued":
        raise BadRequest("where must select status='queued': only queued deliveries are sent")
    subscriptions = ctx.notifications.subscriptions(account_id, where)
    sent = ctx.events.redeliver(subscriptions)
    return [
        render_delivery(record, ctx.store.subscription(record.subscription_id or 0))
        for record in sent
    ]


# The devportal documents POST and PATCH /accounts/{accountId}/settings; churros reads
# and patches /accounts/settings (the caller's account). Both answer the same.
@router.get("/accounts/settings")
def settings(account_id: Organization, ctx: Ctx):
    return ctx.notifications.settings(account_id)


@router.patch("/accounts/settings")
def change_settings(account_id: Organization, body: JsonBody, ctx: Ctx):
    return ctx.notifications.change_settings(account_id, _object(body))


@router.get("/accounts/{account}/settings")
def account_settings(account: str, account_id: Organization, ctx: Ctx):
    return ctx.notifications.settings(_own(account, account_id))


@router.post("/accounts/{account}/settings")
@router.patch("/accounts/{account}/settings")
def change_account_settings(account: str, account_id: Organization, body: JsonBody, ctx: Ctx):
    return ctx.notifications.change_settings(_own(account, account_id), _object(body))


def _own(account: str, account_id: int) -> int:
    # Another organization's account is reported exactly like a missing one.
    if account != str(account_id):
        raise NotFound(f"No account found with id {account}")
    return account_id


def _object(body) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("the settings must be a JSON object")
    return body
