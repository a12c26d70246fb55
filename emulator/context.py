"""Everything a request handler needs, built once per process and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from .activity import ActivitySimulator
from .events import EventDispatcher
from .faults import FaultRules
from .health import Health
from .instances import Instances
from .notifications import Notifications
from .oauth import OAuth
from .options import ServerOptions
from .paging import Pager
from .requestlog import RequestLog
from .store import Store


@dataclass
class Context:
    options: ServerOptions
    store: Store
    admin_token: str
    oauth: OAuth
    instances: Instances
    health: Health
    faults: FaultRules
    request_log: RequestLog
    events: EventDispatcher
    notifications: Notifications
    pager: Pager
    activity: ActivitySimulator | None = None  # --simulate-activity


def context(request: Request) -> Context:
    return request.app.state.context


Ctx = Annotated[Context, Depends(context)]
