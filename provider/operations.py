"""The provider's operations on plain data: check, diff, create, read, update, delete.

Each one only orchestrates: spec -> plan (pure: what differs, what to send) -> one
client call -> observe (the one normalisation of API answers). Ownership rules live
in `core.ownership`, the per-process client and inventory in `session`. Inputs and
outputs are plain dicts (secrets unwrapped): a front-end (the dynamic provider in
`lifecycle.py`) translates its engine's requests into these calls and their results
back, marking secrets as its engine wants.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from . import company, errors
from .api import settings as s
from .api.session import Session
from .core import health, ownership
from .core.check import Failure, check_inputs, is_unknown
from .core.fingerprint import fingerprint
from .core.inputs import SCHEMA, InstanceSpec
from .core.observe import after_patch, instance_from_outputs, instance_outputs, spec_outputs
from .core.plan import Plan, adoption_plan, create_body, known_to_provider, plan
from .errors import (
    ApiError,
    CloudElementsError,
    GrantRejected,
    InstanceNotFound,
    ProvisioningError,
    TransportError,
)

log = logging.getLogger("quickbooks.provider")


@dataclass(frozen=True)
class Diff:
    changes: bool
    replaces: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # compared fields that differ (unknown: not yet known)
    redeliver: bool = False  # held-back events to deliver (no input changed for that)


@dataclass(frozen=True)
class Applied:
    instance_id: str
    outputs: dict[str, Any]


def spec_of(props: dict[str, Any]) -> InstanceSpec:
    return InstanceSpec.model_validate({k: v for k, v in props.items() if k in SCHEMA.input_fields})


def check(session: Session, news: dict[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
    """Validates and normalizes inputs (unknowns allowed in preview); no HTTP."""
    settings = session.settings
    inputs, failures = check_inputs(news, settings.allowed_callback_hosts)
    key = settings.organization_secret
    for name in SCHEMA.secret_inputs:
        value = inputs.get(name)
        # Keyed fingerprints as plain inputs: previews (and the PR summary) can say
        # "oauth changed" while showing nothing of it.
        if key and value is not None and not is_unknown(value):
            inputs[f"{name}_fingerprint"] = fingerprint(key, value)
    twice = company.claimed_twice(session, inputs)
    if twice is not None:
        failures.append(twice)
    return inputs, failures


def diff(session: Session, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
    """`olds` are the old *outputs* (observed state); `news` the checked inputs."""
    key = session.fingerprint_key
    unknown = [k for k, v in news.items() if k in SCHEMA.input_fields and is_unknown(v)]
    if unknown:
        # Not knowable yet (preview with computed inputs): a possible change. Only
        # what is known can force a replace; assume old values meanwhile.
        try:
            known = {**news, **{k: olds.get(k) for k in unknown}}
            replaces = plan(spec_of(known), olds, key).replaces
        except ValidationError:  # the assumed old values need not make a valid spec
            replaces = ()
        return Diff(changes=True, replaces=replaces)
    spec = spec_of(news)
    result = plan(spec, olds, key)
    _say_health(session, olds, spec, result)
    return Diff(
        changes=result.has_changes,
        replaces=result.replaces,
        changed=result.changed,
        redeliver=result.redeliver,
    )


def changed_inputs(result: Diff, news: dict[str, Any]) -> set[str]:
    """The inputs a person sees change: those of the compared fields that differ, those
    not known yet (a preview), or where held-back events change no input, the one that
    wants them delivered."""
    names = {SCHEMA.input_of(field) for field in result.changed}
    names.update(name for name in SCHEMA.user_inputs if is_unknown(news.get(name)))
    if result.redeliver and not names:
        names.add("events_enabled")
    return names


def _say_health(session: Session, olds: dict[str, Any], spec: InstanceSpec, todo: Plan) -> None:
    """What the preview says of an unhealthy instance the state knows of, and its fix."""
    instance_id = str(olds.get("instance_id"))
    if todo.authorization_lost:
        session.warn(health.authorization_lost(instance_id, spec.ownership_tag))
    elif todo.enable is True and not todo.replaces:
        session.warn(health.found_disabled(instance_id))
    elif todo.redeliver and not todo.replaces:
        held = health.held_events(olds.get("health"))
        assert held is not None  # redeliver says so
        session.warn(health.events_held_back(instance_id, spec.callback_url, held))


# --- create ---------------------------------------------------------------------


def create(session: Session, props: dict[str, Any]) -> Applied:
    spec = _spec_redacted(session, props)
    if spec.adopt_id is not None:
        return _adopt(session, spec, spec.adopt_id)
    settings = session.settings
    settings.require(*s.APP_SETTINGS)
    # Leak guard: an instance carrying our ownership tag is ours from an earlier
    # attempt whose response was lost; take it over, never duplicate.
    owned = session.find_owned(spec)
    if owned is not None:
        log.warning("adopting instance %s found by ownership tag", owned["id"])
        return _reconciled(session, spec, owned)
    company.guard(session, spec, f"create instance {spec.name!r}", besides=None)
    body = create_body(
        spec,
        settings.oauth_api_key or "",
        settings.oauth_api_secret or "",
        settings.oauth_callback_url or "",
    )
    try:
        created = session.client().create_instance(body, owner=spec.ownership_tag)
    except GrantRejected as exc:
        raise _grant_refused(spec, exc) from None
    except (TransportError, ApiError) as exc:
        if not errors.may_have_committed(exc):
            raise
        try:
            owned = session.find_owned(spec, fresh=True)  # did the failed POST create it?
        except CloudElementsError as lookup:
            raise errors.outcome_unknown(exc, lookup) from None
        if owned is None:
            raise
        log.warning("create failed (%s) but instance %s exists; adopting", exc, owned["id"])
        return _reconciled(session, spec, owned)
    session.record_created(spec, created)
    if not spec.enabled:  # created to stay silent: its own call, as on the platform
        session.client().set_enabled(str(created["id"]), False)
        created = {**created, "disabled": True}
    return _applied(session, spec, created, token=created.get("token"))


def _adopt(session: Session, spec: InstanceSpec, instance_id: str) -> Applied:
    try:
        instance = session.client().get_instance(instance_id)
    except InstanceNotFound:
        raise ProvisioningError(
            f"adopt_id {instance_id}: no such instance in this organization"
        ) from None
    ownership.check_adoptable(instance, spec)
    return _reconciled(session, spec, instance)


def _reconciled(session: Session, spec: InstanceSpec, instance: dict[str, Any]) -> Applied:
    """Brings an adopted instance to the spec with one PATCH (if anything differs)."""
    observed = spec_outputs(spec, instance, prior={})
    todo = adoption_plan(spec, observed, session.fingerprint_key)
    if todo.patch:
        patched = session.client().patch_instance(str(instance["id"]), todo.patch)
        instance = after_patch(instance, patched, todo.patch)
    instance = _set_enabled(session, str(instance["id"]), instance, todo.enable)
    # The platform returns the token on every read too, so an instance found after a
    # lost create answer (or adopted) still gets its `token` output.
    return _applied(session, spec, instance, token=instance.get("token"))


def _set_enabled(
    session: Session, instance_id: str, instance: dict[str, Any], enable: bool | None
) -> dict[str, Any]:
    """The instance after its enable or disable call (none when `enable` is None)."""
    if enable is None:
        return instance
    session.client().set_enabled(instance_id, enable)
    return {**instance, "disabled": not enable}


# --- read -----------------------------------------------------------------------


def read(session: Session, instance_id: str, props: dict[str, Any]) -> Applied | None:
    """Refresh: gone (404) or taken over by another owner -> None; else outputs."""
    mine = props.get("ownership_tag") or ""
    instance = session.instance_now(instance_id)
    if instance is None:
        return None
    owner = ownership.new_owner(instance.get("tags") or [], mine)
    if owner:
        # Taken over on purpose by another stack: let go instead of fighting it.
        session.warn(ownership.let_go(instance_id, owner, mine))
        return None
    extra_keys = list((props.get("extra_configuration") or {}).keys())
    # Held-back events matter only while the instance otherwise works: one list of the
    # queued deliveries per run, taken at the first such instance.
    working = instance.get("valid") is not False and not instance.get("disabled")
    events = session.event_flow(instance) if working else None
    outputs = instance_outputs(
        instance, ownership_tag=mine, extra_keys=extra_keys, prior=props, events=events
    )
    # The log of `pulumi refresh` (the nightly drift job's) names what broke and the fix.
    if not outputs["valid"]:
        session.warn(health.authorization_lost(instance_id, mine))
    elif outputs["disabled"] and props.get("disabled") is False:
        session.warn(health.found_disabled(instance_id))
    elif events is not None and events.held:
        session.warn(health.events_held_back(instance_id, outputs.get("callback_url"), events))
    return Applied(instance_id, outputs)


# --- update ---------------------------------------------------------------------


def update(
    session: Session, instance_id: str, olds: dict[str, Any], news: dict[str, Any]
) -> dict[str, Any]:
    """One PATCH with only what changed, then the enable or disable call if `enabled`
    changed; returns full outputs. An instance whose authorization is lost gets no write
    at all until a new grant comes."""
    spec = _spec_redacted(session, news)
    todo = plan(spec, olds, session.fingerprint_key)
    if todo.authorization_lost:
        raise ProvisioningError(health.needs_new_grant(instance_id, spec.ownership_tag))
    instance = instance_from_outputs(instance_id, olds)
    sent = todo.patch
    mine = olds.get("ownership_tag") or spec.ownership_tag
    if todo.writes:
        tags = session.tags_now(instance_id)
        if tags is None and session.is_foreign(instance_id):
            raise ProvisioningError(
                f"update instance {instance_id}: not a QuickBooks instance (see the warning); "
                "nothing was written"
            )
        ownership.check_still_ours(instance_id, tags or [], mine)
    if "providerData" in sent:
        company.guard(session, spec, f"re-authorize instance {instance_id}", instance_id)
    if sent:
        try:
            patched = session.client().patch_instance(instance_id, sent)
        except InstanceNotFound as exc:
            raise errors.deleted_outside(exc) from None
        except GrantRejected as exc:
            applied = _applied_by_lost_attempt(session, spec, instance_id, olds, sent, exc)
            if applied is None:
                raise _grant_refused(spec, exc) from None
            patched, sent = applied, {}  # the instance as it is now: nothing to merge
        instance = after_patch(instance, patched, sent)
    instance = _set_enabled(session, instance_id, instance, todo.enable)
    if todo.redeliver:
        _redeliver(session, instance_id, spec.callback_url or "")
    if todo.writes:
        session.forget(instance_id)
    return spec_outputs(spec, instance, prior=_known(session, spec, olds))


def _redeliver(session: Session, instance_id: str, callback: str) -> None:
    """One PUT: the platform reactivates the subscription and delivers what it queued
    for `callback`. A callback that still fails is an error that says so."""
    sent = session.client().redeliver(callback)
    delivered = sum(1 for d in sent if d.get("status") in ("delivered", "notified"))
    if delivered < len(sent):
        raise ProvisioningError(
            health.callback_still_fails(instance_id, callback, delivered, len(sent) - delivered)
        )
    session.warn(health.redelivered(instance_id, callback, delivered))


def _applied_by_lost_attempt(
    session: Session,
    spec: InstanceSpec,
    instance_id: str,
    olds: dict[str, Any],
    sent: dict[str, Any],
    exc: GrantRejected,
) -> dict[str, Any] | None:
    """The instance, if the grant was refused only because an earlier attempt of the
    same PATCH, whose answer was lost, spent it (the PATCH applies as a whole: the
    rest of it is then live too); None if the refusal stands."""
    if "providerData" not in sent or not exc.after_ambiguous_attempt:
        return None
    instance = session.client().get_instance(instance_id)
    observed = spec_outputs(spec, instance, prior=_known(session, spec, olds))
    if plan(spec, observed, session.fingerprint_key).patch:
        return None
    log.warning("%s: an earlier attempt, whose answer was lost, applied it", exc)
    return instance


# --- delete ---------------------------------------------------------------------


def delete(session: Session, instance_id: str, props: dict[str, Any]) -> None:
    """Deletes, releases, or disables and releases the instance (`on_delete`) if it is
    still this resource's; 404 counts as done: the goal state (no instance) holds."""
    mine = props.get("ownership_tag")
    tags = session.tags_now(instance_id)
    if tags is None:
        return
    owners = ownership.other_owners(tags, mine)
    if owners:
        session.warn(ownership.spared(instance_id, owners[0], mine))
        return
    try:
        _let_go(session, instance_id, props.get("on_delete"), tags, mine)
    except InstanceNotFound:
        pass  # deleted meanwhile: nothing is left to delete, release or disable
    session.forget(instance_id, gone=True)


def _let_go(
    session: Session, instance_id: str, on_delete: str | None, tags: list[str], mine: str | None
) -> None:
    client = session.client()
    if on_delete not in ("release", "disable"):
        client.delete_instance(instance_id)
        return
    if on_delete == "disable":  # first: a retry after a failed release disables again
        client.set_enabled(instance_id, False)
    client.patch_instance(instance_id, {"tags": ownership.released_tags(tags, mine)})
    if on_delete == "disable":
        session.warn(health.disabled_and_released(instance_id))
    else:
        session.warn(ownership.released(instance_id))


# --- helpers --------------------------------------------------------------------


def _grant_refused(spec: InstanceSpec, exc: GrantRejected) -> ProvisioningError:
    realm_sent = spec.oauth.realm_id if spec.oauth is not None else "(none)"
    return errors.grant_refused(spec.name, exc, realm_sent, spec.ownership_tag)


def _spec_redacted(session: Session, props: dict[str, Any]) -> InstanceSpec:
    """The spec; its secrets join the client's redactor before any call."""
    spec = spec_of(props)
    redact = session.client().redact
    redact.add(spec.signature_key)
    if spec.oauth is not None:
        redact.add(*spec.oauth.provider_data().values())
    return spec


def _known(session: Session, spec: InstanceSpec, base: dict[str, Any]) -> dict[str, Any]:
    return known_to_provider(spec, base, session.fingerprint_key)


def _applied(
    session: Session, spec: InstanceSpec, instance: dict[str, Any], token: str | None
) -> Applied:
    outputs = spec_outputs(spec, instance, _known(session, spec, {"token": token}))
    outputs["token"] = token
    return Applied(str(instance["id"]), outputs)
