"""The OAuth calls under ``/elements/{key}/oauth`` and the consent pages they lead to."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..catalog import API_PREFIX, ELEMENT_KEY
from ..consent_page import CONSENT_PATH, consent_page, error_page
from ..context import Ctx
from ..exceptions import BadRequest, NotFound
from ..oauth import ConsentError

router = APIRouter()


def require_element(key: str) -> None:
    if key != ELEMENT_KEY:
        raise NotFound(f"No element found with key {key!r}")


def query_values(request: Request, *names: str) -> dict[str, str]:
    """The named query parameters; a 400 names every one that is missing."""
    values = {name: request.query_params.get(name, "") for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise BadRequest(f"Missing required query parameter(s): {', '.join(missing)}")
    callback = values.get("callbackUrl")
    if callback is not None and urlsplit(callback).scheme not in ("http", "https"):
        raise BadRequest("callbackUrl must be an absolute http(s) URL")
    return values


@router.get(API_PREFIX + "/elements/{key}/oauth/token")
def request_token(key: str, request: Request, ctx: Ctx):
    """OAuth 1.0a step 1: a request token for the app."""
    require_element(key)
    params = query_values(request, "apiKey", "apiSecret", "callbackUrl")
    token = ctx.oauth.issue_request_token(
        params["apiKey"], params["apiSecret"], params["callbackUrl"]
    )
    return {"token": token.token, "secret": token.secret}


@router.get(API_PREFIX + "/elements/{key}/oauth/url")
def oauth_url(key: str, request: Request, ctx: Ctx):
    """The consent page URL: OAuth 2.0 with authentication.type=oauth2, else 1.0a."""
    require_element(key)
    oauth2 = request.query_params.get("authentication.type") == "oauth2"
    names = ["apiKey", "apiSecret", "callbackUrl"] + ([] if oauth2 else ["requestToken"])
    params = query_values(request, *names)
    session_id = ctx.oauth.start_consent(
        api_key=params["apiKey"],
        api_secret=params["apiSecret"],
        callback_url=params["callbackUrl"],
        state=request.query_params.get("state", ""),
        scope=request.query_params.get("scope"),
        request_token=params.get("requestToken"),
    )
    # Built from the address the client used, so the link works from its side.
    root = str(request.base_url).rstrip("/")
    return {"element": ELEMENT_KEY, "oauthUrl": f"{root}{CONSENT_PATH}?session={session_id}"}


@router.get(CONSENT_PATH, response_class=HTMLResponse)
def show_consent(request: Request, ctx: Ctx):
    try:
        session = ctx.oauth.open_session(request.query_params.get("session", ""))
    except ConsentError as exc:
        return HTMLResponse(error_page(str(exc)), status_code=400)
    return HTMLResponse(consent_page(session, list(ctx.oauth.companies.values())))


@router.post(CONSENT_PATH)
async def submit_consent(request: Request, ctx: Ctx):
    # Parsed by hand: a browser form post is all this page receives, and
    # starlette's form parser would need another package.
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    decision = form.get("decision")
    if decision not in ("authorize", "deny"):
        return HTMLResponse(error_page("Choose Authorize or Deny."), status_code=400)
    try:
        location = ctx.oauth.decide(
            form.get("session", ""), form.get("realm_id"), authorize=decision == "authorize"
        )
    except ConsentError as exc:
        return HTMLResponse(error_page(str(exc)), status_code=400)
    return RedirectResponse(location, status_code=302)
