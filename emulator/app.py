"""The ASGI application: routes, error handlers and the traffic layers around them."""

from __future__ import annotations

from fastapi import FastAPI

from .activity import ActivitySimulator
from .catalog import companies
from .connections import abort_connection
from .context import Context
from .events import EventDispatcher
from .exceptions import install_error_handlers
from .faults import FaultMiddleware, FaultRules
from .health import Health
from .instances import Instances
from .notifications import Notifications
from .oauth import OAuth
from .options import ServerOptions
from .paging import Pager
from .requestlog import RequestLog, RequestLogMiddleware
from .routes import controls, dashboard, element_instances, instances, notifications, oauth
from .schedule import scale_of
from .store import Store


def build_context(options: ServerOptions, store: Store, admin_token: str) -> Context:
    oauth_flow = OAuth(store, options.code_ttl, companies(options.companies))
    health = Health(store, scale_of(options.fast_retries))
    events = EventDispatcher(store, options.fast_retries)
    activity = None
    if options.simulate_activity:
        activity = ActivitySimulator(
            store, events, options.poll_seconds_per_minute, options.activity_changes
        )
    return Context(
        options=options,
        store=store,
        admin_token=admin_token,
        oauth=oauth_flow,
        instances=Instances(store, oauth_flow, health),
        health=health,
        faults=FaultRules(),
        request_log=RequestLog(),
        events=events,
        notifications=Notifications(store),
        pager=Pager(options.max_page_size),
        activity=activity,
    )


def create_app(ctx: Context) -> FastAPI:
    app = FastAPI(
        title="Cloud Elements emulator (quickbooks)",
        description="A local stand-in for /elements/api-v2 instances, with test controls.",
    )
    app.state.context = ctx
    install_error_handlers(app)
    app.include_router(notifications.router)  # before /instances/{id}
    app.include_router(instances.router)
    app.include_router(element_instances.router)
    app.include_router(oauth.router)
    app.include_router(controls.router)
    app.include_router(dashboard.router)
    # Added last = outermost: the log sees faults and latency as the client does.
    app.add_middleware(
        FaultMiddleware,
        rules=ctx.faults,
        latency_ms=ctx.options.latency_ms,
        abort=abort_connection,
    )
    app.add_middleware(RequestLogMiddleware, log=ctx.request_log)
    return app
