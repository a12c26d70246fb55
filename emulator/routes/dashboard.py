"""``/_emulator/dashboard``: the web page, signed in with the admin token (cookie or bearer)."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..activity import trigger_event
from ..configuration import poller_resources
from ..context import Ctx
from ..dashboard import (
    COOKIE,
    PATH,
    dashboard_page,
    live_section,
    login_page,
    next_test_object_id,
    session_value,
)
from ..exceptions import ServiceError

router = APIRouter(prefix=PATH)
DELIVERIES_SHOWN = 50
NO_STORE = {"Cache-Control": "no-store"}


def signed_in(request: Request, ctx: Ctx) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), ctx.admin_token.encode()
    ):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(ctx.admin_token).encode())


SignedIn = Annotated[bool, Depends(signed_in)]


async def form_fields(request: Request) -> dict[str, str]:
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items()}


@router.get("", response_class=HTMLResponse)
def dashboard(ok: SignedIn, ctx: Ctx, sent: str | None = None, error: str | None = None):
    if not ok:
        return HTMLResponse(login_page(), status_code=401, headers=NO_STORE)
    notice, notice_ok = None, True
    if sent:
        notice = f"Test event sent: delivery {sent}"
    elif error:
        notice, notice_ok = error, False
    html = dashboard_page(
        ctx.store.all_instances(),
        ctx.events.listing(DELIVERIES_SHOWN),
        notice,
        notice_ok,
        ctx.notifications.subscription_notes(),
    )
    return HTMLResponse(html, headers=NO_STORE)


@router.get("/live", response_class=HTMLResponse)
def live(ok: SignedIn, ctx: Ctx):
    if not ok:
        return HTMLResponse("", status_code=401)
    html = live_section(
        ctx.store.all_instances(),
        ctx.events.listing(DELIVERIES_SHOWN),
        ctx.notifications.subscription_notes(),
    )
    return HTMLResponse(html, headers=NO_STORE)


@router.post("/login")
async def login(request: Request, ctx: Ctx):
    token = (await form_fields(request)).get("token", "").strip()
    if not hmac.compare_digest(token.encode(), ctx.admin_token.encode()):
        return HTMLResponse(login_page(wrong=True), status_code=401, headers=NO_STORE)
    response = RedirectResponse(PATH, status_code=303)
    response.set_cookie(
        COOKIE, session_value(ctx.admin_token), httponly=True, samesite="strict", path="/_emulator"
    )
    return response


@router.post("/logout")
def logout():
    response = RedirectResponse(PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/_emulator")
    return response


@router.post("/instances/{instance_id}/test-event")
def send_test_event(instance_id: int, ok: SignedIn, ctx: Ctx):
    if not ok:
        return HTMLResponse(login_page(), status_code=401)
    record = ctx.store.get_instance(instance_id)
    polled = poller_resources(record.configuration) if record else []
    try:
        delivery_id = trigger_event(
            ctx.store,
            ctx.events,
            instance_id,
            polled[0] if polled else "",
            "UPDATED",
            next_test_object_id(),
            source="test",
        )
    except ServiceError as exc:
        return RedirectResponse(f"{PATH}?{urlencode({'error': exc.message})}", status_code=303)
    return RedirectResponse(f"{PATH}?{urlencode({'sent': delivery_id})}", status_code=303)
