"""The dynamic ResourceProvider: check, diff, create, read, update, delete.

Each operation only orchestrates: spec -> plan (pure: what differs, what to send)
-> one client call -> observe (the one normalisation of API answers). Ownership
rules live in `ownership`, the per-process client and inventory in `session`.

The provider object is pickled by reference into every resource's state: it holds
no data until `configure()`, and its class path is stable API (existing stacks
resolve `provider.lifecycle.QuickBooksInstanceProvider` on refresh and destroy).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import rpc

from . import errors, ownership
from . import settings as s
from .errors import ApiError, CloudElementsError, GrantRejected, InstanceNotFound, TransportError
from .errors import ProvisioningError as ProvisioningError  # re-exported: tests and callers
from .fingerprint import fingerprint
from .observe import after_patch, instance_from_outputs, instance_outputs, spec_outputs
from .plan import adoption_plan, create_body, known_to_provider, plan
from .session import Session
from .settings import ProviderSettings
from .spec import SECRET_INPUTS, InstanceSpec
from .validation import check_inputs, is_unknown

if TYPE_CHECKING:
    from .client import CloudElementsClient

log = logging.getLogger("quickbooks.provider")


def _spec(props: dict[str, Any]) -> InstanceSpec:
    return InstanceSpec.model_validate(
        {k: rpc.unwrap_rpc_secret(v) for k, v in props.items() if k in InstanceSpec.model_fields}
    )


def _secret(value: Any) -> Any:
    if value is None or is_unknown(value) or rpc.is_rpc_secret(value):
        return value
    return rpc.wrap_rpc_secret(value)


class QuickBooksInstanceProvider(ResourceProvider):
    """Reconciles one Cloud Elements QuickBooks Online instance per resource."""

    # The serialized provider carries no secrets (settings arrive via configure),
    # so it need not be a secret in state.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._session: Session | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {}  # only the class reference goes into state: never settings or sessions

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()

    def configure(self, req: ConfigureRequest) -> None:
        """Called once per provider process with the stack's (decrypted) config."""
        self._session = Session(ProviderSettings.load(req.config.get))

    @property
    def session(self) -> Session:
        with self._lock:
            if self._session is None:  # used outside the engine: environment only
                self._session = Session(ProviderSettings.load())
            return self._session

    @property
    def settings(self) -> ProviderSettings:
        return self.session.settings

    def client(self) -> CloudElementsClient:
        return self.session.client()

    # --- check / diff -----------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates and normalizes inputs (unknowns allowed in preview); no HTTP."""
        inputs, failures = check_inputs(news, self.settings.allowed_callback_hosts)
        key = self.settings.organization_secret
        for name in SECRET_INPUTS:
            value = inputs.get(name)
            # Keyed fingerprints as plain inputs: previews (and the PR summary) can
            # say "oauth changed" while showing nothing of it.
            if key and value is not None and not is_unknown(value):
                inputs[f"{name}_fingerprint"] = fingerprint(key, value)
            # Secret on the wire whatever the caller passed: the engine keeps it
            # encrypted in state and masked in every display.
            inputs[name] = _secret(value)
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """`olds` are the old *outputs* (observed state); `news` the checked inputs."""
        key = self.session.fingerprint_key
        unknown = [k for k, v in news.items() if k in InstanceSpec.model_fields and is_unknown(v)]
        if unknown:
            # Not knowable yet (preview with computed inputs): a possible change.
            # Only what is known can force a replace; assume old values meanwhile.
            try:
                known = {**news, **{k: olds.get(k) for k in unknown}}
                replaces = list(plan(_spec(known), olds, key).replaces)
            except ValueError:
                replaces = []
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        result = plan(_spec(news), olds, key)
        # Create the new instance first on a replace; the old one keeps serving meanwhile.
        return DiffResult(
            changes=result.has_changes,
            replaces=list(result.replaces),
            delete_before_replace=False,
        )

    # --- create -----------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self._spec_redacted(props)
        session = self.session
        if spec.adopt_id is not None:
            return self._adopt(spec, spec.adopt_id)
        settings = session.settings
        settings.require(*s.APP_SETTINGS)
        # Leak guard: an instance carrying our ownership tag is ours from an earlier
        # attempt whose response was lost; take it over, never duplicate.
        owned = session.find_owned(spec)
        if owned is not None:
            log.warning("adopting instance %s found by ownership tag", owned["id"])
            return self._reconciled(spec, owned)
        body = create_body(
            spec,
            settings.oauth_api_key or "",
            settings.oauth_api_secret or "",
            settings.oauth_callback_url or "",
        )
        try:
            created = session.client().create_instance(body, owner=spec.ownership_tag)
        except GrantRejected as exc:
            raise errors.spent_grant(spec.name, exc) from None
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
            return self._reconciled(spec, owned)
        session.record_created(spec, created)
        return self._result(spec, created, token=created.get("token"))

    def _adopt(self, spec: InstanceSpec, instance_id: str) -> CreateResult:
        try:
            instance = self.client().get_instance(instance_id)
        except InstanceNotFound:
            raise ProvisioningError(
                f"adopt_id {instance_id}: no such instance in this organization"
            ) from None
        ownership.check_adoptable(instance, spec)
        return self._reconciled(spec, instance)

    def _reconciled(self, spec: InstanceSpec, instance: dict[str, Any]) -> CreateResult:
        """Brings an adopted instance to the spec with one PATCH (if anything differs)."""
        observed = spec_outputs(spec, instance, prior={})
        todo = adoption_plan(spec, observed, self.session.fingerprint_key)
        if todo.patch:
            patched = self.client().patch_instance(str(instance["id"]), todo.patch)
            instance = after_patch(instance, patched, todo.patch)
        return self._result(spec, instance, token=None)

    # --- read -------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: gone (404) or taken over by another owner -> dropped; else outputs."""
        mine = props.get("ownership_tag") or ""
        instance = self.session.instance_now(id_, mine)
        if instance is None:
            return ReadResult(None, {})
        owner = ownership.new_owner(instance.get("tags") or [], mine)
        if owner:
            # Taken over on purpose by another stack: let go instead of fighting it.
            ownership.let_go(id_, owner, mine)
            return ReadResult(None, {})
        extra_keys = list((props.get("extra_configuration") or {}).keys())
        outputs = instance_outputs(instance, ownership_tag=mine, extra_keys=extra_keys, prior=props)
        outputs["token"] = _secret(outputs["token"])
        return ReadResult(id_, outputs)

    # --- update -----------------------------------------------------------------

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH with only what changed; returns full outputs."""
        spec = self._spec_redacted(news)
        session = self.session
        todo = plan(spec, olds, session.fingerprint_key)
        instance = instance_from_outputs(id_, olds)
        sent = todo.patch
        if sent:
            mine = olds.get("ownership_tag") or spec.ownership_tag
            ownership.check_still_ours(id_, session.tags_now(id_, mine) or [], mine)
            try:
                patched = session.client().patch_instance(id_, sent)
            except InstanceNotFound as exc:
                raise errors.deleted_outside(exc) from None
            except GrantRejected as exc:
                applied = self._applied_by_lost_attempt(spec, id_, olds, sent, exc)
                if applied is None:
                    raise errors.spent_grant(spec.name, exc) from None
                patched, sent = applied, {}  # the instance as it is now: nothing to merge
            instance = after_patch(instance, patched, sent)
            session.forget(id_, mine)
        outputs = spec_outputs(spec, instance, prior=self._known(spec, olds))
        outputs["token"] = _secret(outputs["token"])
        return UpdateResult(outputs)

    def _applied_by_lost_attempt(
        self,
        spec: InstanceSpec,
        id_: str,
        olds: dict[str, Any],
        sent: dict[str, Any],
        exc: GrantRejected,
    ) -> dict[str, Any] | None:
        """The instance, if the grant was refused only because an earlier attempt of the
        same PATCH, whose answer was lost, spent it (the PATCH applies as a whole: the
        rest of it is then live too); None if the refusal stands."""
        if "providerData" not in sent or not exc.after_ambiguous_attempt:
            return None
        instance = self.client().get_instance(id_)
        observed = spec_outputs(spec, instance, prior=self._known(spec, olds))
        if plan(spec, observed, self.session.fingerprint_key).patch:
            return None
        log.warning("%s: an earlier attempt, whose answer was lost, applied it", exc)
        return instance

    # --- delete -----------------------------------------------------------------

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Deletes (or releases) the instance if it is still this resource's; 404 counts
        as done: the goal state (no instance) holds."""
        mine = props.get("ownership_tag")
        session = self.session
        tags = session.tags_now(id_, mine)
        if tags is None:
            return
        owners = ownership.other_owners(tags, mine)
        if owners:
            ownership.spared(id_, owners[0], mine)
            return
        if props.get("on_delete") == "release":
            session.client().patch_instance(id_, {"tags": ownership.released_tags(tags, mine)})
            ownership.released(id_)
        else:
            try:
                session.client().delete_instance(id_)
            except InstanceNotFound:
                pass
        session.forget(id_, mine)

    # --- helpers ----------------------------------------------------------------

    def _spec_redacted(self, props: dict[str, Any]) -> InstanceSpec:
        """The spec; its secrets join the client's redactor before any call."""
        spec = _spec(props)
        redact = self.client().redact
        redact.add(spec.signature_key)
        if spec.oauth is not None:
            redact.add(*spec.oauth.provider_data().values())
        return spec

    def _known(self, spec: InstanceSpec, base: dict[str, Any]) -> dict[str, Any]:
        return known_to_provider(spec, base, self.session.fingerprint_key)

    def _result(
        self, spec: InstanceSpec, instance: dict[str, Any], token: str | None
    ) -> CreateResult:
        outputs = spec_outputs(spec, instance, self._known(spec, {"token": token}))
        outputs["token"] = _secret(token)
        return CreateResult(str(instance["id"]), outputs)
