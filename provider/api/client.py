"""The one Cloud Elements HTTP client: auth, proxies, timeouts, safe retries, typed errors.

It makes every call the provider makes: the `/instances` API for the lifecycle and
the OAuth consent calls for `python -m provider.onboard`. Only this module looks at
HTTP status codes (through `errors.error_for_status`); callers catch the narrow
exception types of `errors.py`. Retries follow one rule: a request is repeated only when
repeating it cannot do harm — reads, deletes and patches (the API merges them)
on 429/502/503/504 and connection errors, and any request on 429 (the platform
refused it before doing anything). A POST is never repeated blindly: after an
ambiguous failure the caller looks the instance up instead.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any
from urllib.parse import urlsplit

import requests

from ..core.catalog import ELEMENT_KEY, is_quickbooks
from ..core.values import LOCAL_HOSTS
from ..errors import (
    ApiError,
    CloudElementsError,
    InstanceNotFound,
    TransportError,
    error_for_status,
)
from . import settings as s
from .redact import Redactor
from .retry import RETRYABLE_STATUS, RetryPolicy, retry_after
from .settings import ProviderSettings

log = logging.getLogger("quickbooks.client")

# How Cloud Elements' list endpoints say that more pages follow (case-insensitive).
NEXT_PAGE_HEADER = "Elements-Next-Page-Token"
# The list of the QuickBooks element's instances, and its largest page (the platform's
# default and maximum pageSize, docs/cloud-elements-api.md "Paging"): fewest calls.
QUICKBOOKS_INSTANCES = f"/elements/{ELEMENT_KEY}/instances"
PAGE_SIZE = 200
LIST_OPERATION = "list instances of the organization"
DELIVERIES_PATH = "/notifications/subscriptions/deliveries"
QUEUED_WHERE = "channel='webhook' and status='queued'"  # devportal, event-management/tips.md
CONNECT_TIMEOUT_SECONDS = s.CONNECT_TIMEOUT_SECONDS
# Connections kept open to the platform: one per step in flight, up to this many.
POOL_CONNECTIONS = 64
# The OAuth calls of the QuickBooks element, under the base URL.
OAUTH_PATH = "/elements/quickbooks/oauth"


class CloudElementsClient:
    """One client per provider process; the `requests.Session` is built on first use
    (sessions hold sockets and locks, which must never be pickled into state).

    Concurrency: every step of the process calls through this one client from its own
    thread. The `requests.Session` is built once, under `self._lock`, and then only
    read (its connection pool is thread-safe); the call counter counts under the same
    lock; the redactor keeps its own discipline (`redact.py`). Nothing else changes
    after construction.

    Without the user and organization secrets (onboarding needs only the app's),
    requests go without an Authorization header."""

    def __init__(
        self,
        base_url: str,
        user_secret: str | None,
        organization_secret: str | None,
        *,
        redactor: Redactor,
        timeout: float = s.REQUEST_TIMEOUT.default,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = (
            f"User {user_secret}, Organization {organization_secret}"
            if user_secret and organization_secret
            else None
        )
        self.redact = redactor
        self.redact.add(user_secret, organization_secret)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._session: requests.Session | None = None
        self._lock = threading.Lock()
        self.calls = 0  # HTTP requests sent, retries included (for benchmarks)

    @classmethod
    def from_settings(cls, settings: ProviderSettings) -> CloudElementsClient:
        """The client the settings describe (the caller has required what it needs)."""
        return cls(
            settings.base_url or "",
            settings.user_secret,
            settings.organization_secret,
            redactor=Redactor(settings.secret_values()),
            timeout=settings.request_timeout_seconds,
            retry=RetryPolicy(
                max_retries=settings.max_retries,
                max_total_wait=settings.max_retry_wait_seconds,
            ),
        )

    @property
    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                self._session = self._new_session()
            return self._session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Accept"] = "application/json"
        if self._auth:
            session.headers["Authorization"] = self._auth
        # With trust_env, requests re-reads proxy variables and stats ~/.netrc on
        # every request (a third of a create's CPU). Read the environment once: the
        # proxies for our one base URL (NO_PROXY honoured; a loopback platform, the
        # emulator, never through a proxy) and the CA bundle.
        session.trust_env = False
        loopback = (urlsplit(self.base_url).hostname or "") in LOCAL_HOSTS
        session.proxies = {} if loopback else requests.utils.get_environ_proxies(self.base_url)
        session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        # Every step of a run calls from its own thread, as many at once as the engine's
        # `--parallel`: keep that many connections (requests keeps 10, and warns on
        # stderr, which the engine shows, each time it drops one beyond those).
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=POOL_CONNECTIONS)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> CloudElementsClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- the instance API -------------------------------------------------------

    def get_instance(self, instance_id: str) -> dict[str, Any]:
        return self._call("GET", f"/instances/{instance_id}", f"read instance {instance_id}")

    def find_instances(self, tag: str) -> list[dict[str, Any]]:
        """The QuickBooks instances carrying `tag` (every page)."""
        found = self.list_instances({"tags[]": tag}, f"look up instances tagged {tag!r}")
        return [i for i in found if tag in (i.get("tags") or [])]

    def find_named(self, name: str) -> list[dict[str, Any]]:
        """The QuickBooks instances named exactly `name` (`searchText` matches more)."""
        found = self.list_instances({"searchText": name}, f"look up instances named {name!r}")
        return [i for i in found if i.get("name") == name]

    def list_instances(
        self, filters: dict[str, str] | None = None, operation: str = LIST_OPERATION
    ) -> list[dict[str, Any]]:
        """Every QuickBooks instance of the organization that `filters` select, page after
        page: `GET /elements/quickbooks/instances` asks for the QuickBooks element's
        instances only (the organization's other connectors never cost a page) at the
        largest page size, and follows `nextPage` until the answer carries no
        `Elements-Next-Page-Token`. A page that fails fails the list: a partial list is
        never taken for the whole. Calls: ceil(QuickBooks instances / PAGE_SIZE), at
        least one."""
        query: dict[str, str] = {**(filters or {}), "pageSize": str(PAGE_SIZE)}
        page = self._every_page(QUICKBOOKS_INSTANCES, operation, query, "instances")
        return [i for i in page if is_quickbooks(i)]

    def create_instance(self, body: dict[str, Any], owner: str) -> dict[str, Any]:
        # Before it has an id, an instance is known by its name and ownership tag.
        operation = f"create instance {body.get('name')!r} ({owner})"
        return self._call("POST", "/instances", operation, json=body, idempotent=False)

    def patch_instance(self, instance_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(
            "PATCH", f"/instances/{instance_id}", f"update instance {instance_id}", json=body
        )

    def delete_instance(self, instance_id: str) -> None:
        self._call("DELETE", f"/instances/{instance_id}", f"delete instance {instance_id}")

    def set_enabled(self, instance_id: str, enabled: bool) -> None:
        """`PUT` (enable) or `DELETE` (disable) `/instances/{id}/enabled`: idempotent, so
        retried like any other write that repeating cannot harm."""
        method, verb = ("PUT", "enable") if enabled else ("DELETE", "disable")
        self._call(method, f"/instances/{instance_id}/enabled", f"{verb} instance {instance_id}")

    # --- events held back (core/health.py: EventFlow) ---------------------------

    def queued_deliveries(self) -> list[dict[str, Any]]:
        """Every queued webhook delivery of the organization, all pages followed (each
        page is one counted call)."""
        params = {"where": QUEUED_WHERE, "pageSize": str(PAGE_SIZE)}
        return self._every_page(
            DELIVERIES_PATH, "list queued event deliveries", params, "deliveries"
        )

    def _every_page(
        self, path: str, operation: str, query: dict[str, str], what: str
    ) -> list[dict[str, Any]]:
        """Every entry of a paged list: follows `nextPage` until an answer carries no
        `Elements-Next-Page-Token` (one counted call per page). A page that fails fails
        the list: a partial list is never taken for the whole."""
        found: list[dict[str, Any]] = []
        seen_tokens: set[str] = set()
        while True:
            try:
                page, headers = self._call("GET", path, operation, params=query, with_headers=True)
            except InstanceNotFound:
                if "nextPage" in query:
                    raise  # a later page that vanished: the list is not whole
                return found  # the platform answers an empty list with a 404
            if not isinstance(page, list):
                raise ApiError(operation, f"the answer is not a list of {what}")
            found += [entry for entry in page if isinstance(entry, dict)]
            token = headers.get(NEXT_PAGE_HEADER)
            if not token:
                return found
            if token in seen_tokens:  # a platform that loops would never end the list
                raise ApiError(operation, "the platform sent the same next-page token twice")
            seen_tokens.add(token)
            query = {**query, "nextPage": token}

    def redeliver(self, callback_url: str) -> list[dict[str, Any]]:
        """Reactivates the subscriptions of `callback_url` and delivers their queued
        events (one PUT; repeating it sends only what is still queued, and every event
        keeps its eventId, so a retry is safe); the deliveries it sent, as answered."""
        where = f"{QUEUED_WHERE} and config.url='{callback_url}'"
        answer = self._call(
            "PUT",
            DELIVERIES_PATH,
            f"redeliver queued events to {callback_url}",
            params={"where": where},
        )
        return [d for d in answer or [] if isinstance(d, dict)]

    # --- the OAuth consent (python -m provider.onboard) ---------------------------

    def oauth_request_token(self, app: dict[str, str]) -> dict[str, Any]:
        """OAuth 1.0a's first step: a request token (and its secret) for the app."""
        return self._oauth("/token", app)

    def oauth_url(self, params: dict[str, str]) -> dict[str, Any]:
        """The consent page's address (`oauthUrl`) for the app and these parameters."""
        return self._oauth("/url", params)

    def _oauth(self, step: str, params: dict[str, str]) -> dict[str, Any]:
        operation = f"GET {OAUTH_PATH}{step}"
        answer = self._call("GET", OAUTH_PATH + step, operation, params=params)
        if not isinstance(answer, dict):
            raise ApiError(operation, "the answer is not a JSON object")
        return answer

    # --- transport --------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotent: bool = True,
        with_headers: bool = False,
    ) -> Any:
        waited = 0.0
        attempt = 0
        ambiguous_before = False
        while True:
            with self._lock:
                self.calls += 1
            try:
                response = self.session.request(
                    method,
                    self.base_url + path,
                    json=json,
                    params=params,
                    timeout=(CONNECT_TIMEOUT_SECONDS, self.timeout),
                )
            except requests.RequestException as exc:
                # A refused connection never reached the server; anything later may have.
                ambiguous = not isinstance(exc, requests.exceptions.ConnectTimeout) and not (
                    isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower()
                )
                failure = TransportError(
                    operation,
                    self._describe_transport(exc),
                    ambiguous=ambiguous,
                    cause=type(exc).__name__,
                )
                delay = self.retry.backoff(attempt)
                if idempotent and self._may_retry(attempt, waited, delay):
                    self._pause(operation, failure, delay)
                    ambiguous_before = ambiguous_before or ambiguous
                    waited += delay
                    attempt += 1
                    continue
                failure.after_ambiguous_attempt = ambiguous_before
                raise failure from None

            if response.status_code < 400:
                try:
                    body = response.json() if response.content else None
                except requests.JSONDecodeError:
                    # Answered, so applied (a POST committed): may_have_committed says so.
                    error = ApiError(
                        operation, "the answer is not JSON", status=response.status_code
                    )
                    error.after_ambiguous_attempt = ambiguous_before
                    raise error from None
                self._learn_tokens(body)
                return (body, response.headers) if with_headers else body

            error = self._error(operation, response)
            if response.status_code in RETRYABLE_STATUS and (
                idempotent or response.status_code == 429
            ):
                delay = retry_after(response)
                if delay is None:
                    delay = self.retry.backoff(attempt)
                if self._may_retry(attempt, waited, delay):
                    self._pause(operation, error, delay)
                    ambiguous_before = ambiguous_before or response.status_code >= 500
                    waited += delay
                    attempt += 1
                    continue
            error.after_ambiguous_attempt = ambiguous_before
            raise error

    def _learn_tokens(self, body: Any) -> None:
        """Every read (a GET, a list, a write's answer) carries live instance tokens:
        the redactor learns each one before anything could log or raise it."""
        found = body if isinstance(body, list) else [body]
        self.redact.add(*(i.get("token") for i in found if isinstance(i, dict)))

    def _may_retry(self, attempt: int, waited: float, delay: float) -> bool:
        return attempt < self.retry.max_retries and waited + delay <= self.retry.max_total_wait

    def _pause(self, operation: str, error: CloudElementsError, delay: float) -> None:
        log.warning("%s: %s; retrying in %.1fs", operation, error.message, delay)
        self.retry.sleep(delay)

    def _describe_transport(self, exc: requests.RequestException) -> str:
        if isinstance(exc, requests.Timeout):
            kind = "timed out"
        elif isinstance(exc, requests.ConnectionError):
            kind = "connection failed"
        else:
            kind = "request failed"
        return self.redact(f"{kind} talking to {self.base_url} ({type(exc).__name__})")

    def _error(self, operation: str, response: requests.Response) -> CloudElementsError:
        try:
            body = response.json()
        except requests.JSONDecodeError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        message = self.redact(
            str(body.get("message") or body.get("providerMessage") or response.reason or "")
        )
        request_id = body.get("requestId")
        status = response.status_code
        kind = error_for_status(status, message)
        return kind(operation, message or "no message", status=status, request_id=request_id)
