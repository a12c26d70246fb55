"""The platform's standardized paging, for any list the emulator serves.

Sources: churros ``src/test/platform/formulas/pagination.js`` (the headers
``Elements-Returned-Count`` and ``Elements-Total-Count`` on a paged list, and "there
should ALWAYS be a next page token if there are more results": the
``Elements-Next-Page-Token`` header is there exactly when more follow); the platform's
query parameters ``pageSize`` and ``nextPage`` (SAP Open Connectors, "standardized
pagination"; churros sends ``pageSize``). The default and the maximum of ``pageSize``
are ``--max-page-size`` (200, the figure clients of ``/instances`` page by).

How to use it (one call per list route)::

    page = ctx.pager.page(records, request.query_params, scope=f"{account_id} GET /instances")
    return JSONResponse([render(r) for r in page.items], headers=page.headers)

- ``items``: the whole list the query selects (filters already applied), in a stable
  order in which ``key(item)`` (default: ``item.id``) is unique and ascending.
- ``query``: the request's query parameters (any mapping with ``get``); ``pageSize``
  and ``nextPage`` are read from it.
- ``scope``: a string that names the list: the caller, the route and every filter
  (a token only continues the list it came from). ``Pager.scope_of`` builds one.

A ``nextPage`` token is opaque: it carries, signed with a key of this emulator process,
the scope and the key of the last item served. The next page starts after that key,
so items created or deleted meanwhile never make a page repeat or skip the others.
A token that was not issued by this process (forged, or from before a restart), that
belongs to another list, or that is older than ``token_ttl`` seconds is a 400;
so is a ``pageSize`` that is not a positive whole number. A ``pageSize`` above the
maximum is served as the maximum (the sources are silent; the emulator caps).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .exceptions import BadRequest

Item = TypeVar("Item")

DEFAULT_MAX_PAGE_SIZE = 200
TOKEN_TTL_SECONDS = 3600.0
NEXT_PAGE_HEADER = "Elements-Next-Page-Token"
RETURNED_COUNT_HEADER = "Elements-Returned-Count"
TOTAL_COUNT_HEADER = "Elements-Total-Count"


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page: the items to render and the headers to answer with."""

    items: list[Item]
    headers: dict[str, str]


def _by_id(item: Any) -> Any:
    return item.id


class Pager:
    def __init__(
        self,
        max_page_size: int = DEFAULT_MAX_PAGE_SIZE,
        *,
        token_ttl: float = TOKEN_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_page_size = max_page_size
        self.token_ttl = token_ttl
        self._clock = clock
        self._key = secrets.token_bytes(32)  # per process: a restart makes old tokens stale

    @staticmethod
    def scope_of(caller: Any, route: str, query: Mapping[str, Any], *filters: str) -> str:
        """A scope naming the caller, the route and the values of the query's `filters`
        (repeated parameters such as ``tags[]`` included, when ``query`` has getlist)."""
        getlist = getattr(query, "getlist", None)
        parts = [str(caller), route]
        for name in filters:
            values = getlist(name) if getlist else [query.get(name)]
            parts.append(f"{name}={json.dumps(sorted(str(v) for v in values if v is not None))}")
        return "\n".join(parts)

    def page(
        self,
        items: Sequence[Item],
        query: Mapping[str, Any],
        *,
        scope: str,
        key: Callable[[Item], Any] = _by_id,
    ) -> Page[Item]:
        size = self._page_size(query.get("pageSize"))
        token = query.get("nextPage")
        remaining = list(items)
        if token:
            after = self._read(token, scope)
            remaining = [item for item in remaining if key(item) > after]
        served = remaining[:size]
        headers = {
            RETURNED_COUNT_HEADER: str(len(served)),
            TOTAL_COUNT_HEADER: str(len(items)),
        }
        if len(remaining) > size:
            headers[NEXT_PAGE_HEADER] = self._issue(scope, key(served[-1]))
        return Page(served, headers)

    def _page_size(self, raw: Any) -> int:
        if raw is None or raw == "":
            return self.max_page_size
        text = str(raw)
        if not text.isdigit() or int(text) < 1:
            raise BadRequest(f"pageSize must be a whole number from 1 to {self.max_page_size}")
        return min(int(text), self.max_page_size)

    def _issue(self, scope: str, after: Any) -> str:
        claims = {"s": self._scope_digest(scope), "a": after, "t": round(self._clock(), 3)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def _read(self, token: str, scope: str) -> Any:
        payload, _, signature = str(token).partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise BadRequest("Invalid nextPage token: this platform did not issue it")
        claims = json.loads(_unb64(payload))
        if claims["s"] != self._scope_digest(scope):
            raise BadRequest(
                "Invalid nextPage token: it continues another list (same query and filters needed)"
            )
        if self._clock() - claims["t"] > self.token_ttl:
            raise BadRequest("Expired nextPage token: list again from the first page")
        return claims["a"]

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:18])

    def _scope_digest(self, scope: str) -> str:
        return _b64(hmac.new(self._key, scope.encode(), hashlib.sha256).digest()[:12])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
