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

from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    DiffRequest,
    DiffResponse,
    PropertyDiff,
    PropertyDiffKind,
)

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
from .wire import to_plain

_KEYS = {s.config_key: s for s in ALL_SETTINGS}


def _settings(props: dict[str, PropertyValue]) -> dict[str, Any]:
    return to_plain(props, rename=False)


def _lookup(plain: dict[str, Any]):
    def lookup(key: str) -> Any:
        value = plain.get(key.removeprefix(f"{NAMESPACE}:"))
        return None if is_unknown(value) else value

    return lookup


def check_config(request: CheckRequest) -> CheckResponse:
    plain = _settings(request.new_inputs)
    unknown = {f"{NAMESPACE}:{k}" for k, v in plain.items() if is_unknown(v)}
    failures = [
        CheckFailure(
            "" if s.secret else s.config_key,  # the engine would print the value beside it
            f"{s.key} {reason}",
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
                    "",
                    f"{NAMESPACE}:{key} is no setting of this provider: did you mean "
                    f"{NAMESPACE}:{by_case[key.lower()]}?",
                )
            )
    return CheckResponse(request.new_inputs, failures)


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
    olds, news = _settings(request.old_state), _settings(request.new_inputs)
    diffs: dict[str, PropertyDiff] = {}
    for s in ALL_SETTINGS:
        if s.secret:
            continue  # a rotation: the same organization, the same instances
        old, new = _effective(s, olds), _effective(s, news)
        if old == new:
            continue
        replace = s is BASE_URL and not is_unknown(new)
        kind = PropertyDiffKind.UPDATE_REPLACE if replace else PropertyDiffKind.UPDATE
        diffs[s.config_key] = PropertyDiff(kind, True)
    replaces = [k for k, d in diffs.items() if d.kind == PropertyDiffKind.UPDATE_REPLACE]
    return DiffResponse(
        changes=bool(diffs),
        replaces=replaces,
        diffs=sorted(diffs),
        detailed_diff=diffs,
        delete_before_replace=False,
    )
