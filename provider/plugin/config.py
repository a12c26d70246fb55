"""The provider's own configuration: `CheckConfig` and `DiffConfig`, no call made.

CheckConfig judges every setting by the rules of `api/settings.py` (the same rules
the dynamic resource's `configure` applies to the stack config), the environment
filling in what the inputs leave out, and names each bad key; a value unknown in
a preview is judged when it is known.

DiffConfig decides what a changed setting does to the instances the provider
manages:
- a secret (`userSecret`, `organizationSecret`, `oauthApiSecret`) changed is a
  rotation: nothing changes, not even the provider;
- `baseUrl` changed points the stack at another API: the instances of the old one
  cannot be reached through the new one, so the provider is replaced, and with it
  every instance it manages: the preview shows each as a replacement (the new one
  created at the new API, then the old one deleted at the old API with the old
  settings), so none is created or orphaned unseen;
- any other setting changed updates the provider in place and no instance.
"""

from __future__ import annotations

from typing import Any

from ..api.settings import (
    ALL_SETTINGS,
    API_SETTINGS,
    BASE_URL,
    NAMESPACE,
    Setting,
    problems,
    raw_value,
)
from ..core.check import is_unknown
from .diff import UPDATE, changed, response
from .protocol import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    DiffRequest,
    DiffResponse,
    PropertyDiff,
)
from .wire import Struct, to_plain

_KEYS = {s.config_key: s for s in ALL_SETTINGS}


def _settings(props: Struct) -> dict[str, Any]:
    return to_plain(props, rename=False)


def _lookup(plain: dict[str, Any]):
    def lookup(key: str) -> Any:
        value = plain.get(key.removeprefix(f"{NAMESPACE}:"))
        return None if is_unknown(value) else value

    return lookup


def check_config(request: CheckRequest) -> CheckResponse:
    plain = _settings(request.news)
    unknown = {f"{NAMESPACE}:{k}" for k, v in plain.items() if is_unknown(v)}
    failures = [
        CheckFailure(
            property="" if s.secret else s.config_key,  # the engine would print the value beside it
            reason=f"{s.key} {reason}",
        )
        for s, reason in problems(_lookup(plain), unknown, required=API_SETTINGS)
    ]
    # A key that is a setting's name in another case is a typo; any other key of the
    # namespace may be the program's own (`quickbooks:instances`).
    by_case = {k.lower(): k for k in _KEYS}
    for key in sorted(set(plain) - set(_KEYS)):
        if key.lower() in by_case:
            failures.append(
                CheckFailure(
                    reason=f"{NAMESPACE}:{key} is no setting of this provider: did you mean "
                    f"{NAMESPACE}:{by_case[key.lower()]}?",
                )
            )
    return CheckResponse(inputs=request.news, failures=failures)


def _effective(s: Setting, plain: dict[str, Any]) -> Any:
    """A setting as the provider would use it (the environment filling in); the base
    URL without its trailing slash, a number as a number."""
    if is_unknown(plain.get(s.config_key)):
        return plain[s.config_key]
    value = raw_value(s, _lookup(plain))
    if value is None:
        return None
    if s is BASE_URL:
        return str(value).rstrip("/")
    if s.form in ("int", "number"):
        return float(value)
    return value


def diff_config(request: DiffRequest) -> DiffResponse:
    olds, news = _settings(request.olds), _settings(request.news)
    diffs: dict[str, PropertyDiff] = {}
    for s in ALL_SETTINGS:
        if s.secret:
            continue  # a rotation: the same organization, the same instances
        old, new = _effective(s, olds), _effective(s, news)
        if old == new:
            continue
        replace = s is BASE_URL and not is_unknown(new)
        diffs[s.config_key] = changed(PropertyDiff.UPDATE_REPLACE if replace else UPDATE, True)
    replaces = [k for k, d in diffs.items() if d.kind == PropertyDiff.UPDATE_REPLACE]
    return response(bool(diffs), replaces, diffs, sorted(diffs))
