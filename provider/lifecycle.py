"""The dynamic ResourceProvider: check, diff, create, read, update, delete.

The provider object is pickled (by reference to this module) into every
resource's state, so it holds no data of its own until `configure()` runs in
the provider host; the HTTP client is built lazily there. Keep the class path
`provider.lifecycle.QuickBooksInstanceProvider` stable: existing stacks resolve
it on refresh and destroy.
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

from . import settings as s
from .catalog import KEY_REALM
from .errors import ApiError, CloudElementsError, GrantRejected, InstanceNotFound, TransportError
from .fingerprint import fingerprint
from .inventory import Inventory
from .observe import instance_outputs
from .ownership import other_owners, warn
from .plan import create_body, event_configuration, plan
from .redact import Redactor
from .settings import ProviderSettings
from .spec import SECRET_INPUTS, InstanceSpec, stack_tag_of
from .validation import check_inputs, is_unknown

if TYPE_CHECKING:
    from .client import CloudElementsClient

log = logging.getLogger("quickbooks.provider")


class ProvisioningError(Exception):
    """A lifecycle step could not complete; the message says what to do next."""


def _spec(props: dict[str, Any]) -> InstanceSpec:
    return InstanceSpec.model_validate(
        {k: _plain(v) for k, v in props.items() if k in InstanceSpec.model_fields}
    )


def _secret(value: Any) -> Any:
    if value is None or is_unknown(value) or rpc.is_rpc_secret(value):
        return value
    return rpc.wrap_rpc_secret(value)


def _plain(value: Any) -> Any:
    return rpc.unwrap_rpc_secret(value)


def _may_have_committed(exc: CloudElementsError) -> bool:
    """A lost response, or a 5xx (a gateway may time out while the platform
    commits), leaves a POST's outcome unknown; a 4xx or refused connection does not."""
    if isinstance(exc, TransportError):
        return exc.ambiguous
    return exc.status is not None and exc.status >= 500


class QuickBooksInstanceProvider(ResourceProvider):
    """Reconciles one Cloud Elements QuickBooks Online instance per resource."""

    # The serialized provider carries no secrets (settings arrive via configure),
    # so it need not be a secret in state.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._settings: ProviderSettings | None = None
        self._client: CloudElementsClient | None = None
        # The engine runs steps in parallel threads; they must share one client (its
        # redactor learns every resource's secrets, its counter counts every call).
        self._lock = threading.Lock()
        self._inventories: dict[str, Inventory] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Only the class reference goes into state: never settings or sessions.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()

    # --- configuration ----------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        """Called once per provider process with the stack's (decrypted) config."""
        self._settings = ProviderSettings.load(req.config.get)
        self._client = None
        self._inventories = {}

    @property
    def settings(self) -> ProviderSettings:
        if self._settings is None:  # used outside the engine: environment only
            self._settings = ProviderSettings.load()
        return self._settings

    def client(self) -> CloudElementsClient:
        with self._lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _inventory(self, ownership_tag: str) -> Inventory:
        """This stack's instances, listed once per provider process (see inventory.py)."""
        client = self.client()
        tag = stack_tag_of(ownership_tag)
        with self._lock:
            return self._inventories.setdefault(tag, Inventory(tag, client.list_tagged))

    def _current_tags(self, id_: str, mine: str | None) -> list[str] | None:
        """The instance's tags now (None if it is gone): from the inventory, else a GET."""
        tags = self._inventory(mine).tags_of(id_) if mine else None
        if tags is not None:
            return tags
        try:
            return list(self.client().get_instance(id_).get("tags") or [])
        except InstanceNotFound:
            return None

    def _new_client(self) -> CloudElementsClient:
        # Imported on first use: `requests` takes ~0.1 s to import, and neither the
        # program (which only declares resources) nor check/diff ever needs it.
        from .client import CloudElementsClient, RetryPolicy

        settings = self.settings
        settings.require(*s.API_SETTINGS)
        return CloudElementsClient(
            settings.base_url or "",
            settings.user_secret or "",
            settings.organization_secret or "",
            redactor=Redactor(settings.secret_values()),
            timeout=settings.request_timeout_seconds,
            retry=RetryPolicy(
                max_retries=settings.max_retries,
                max_total_wait=settings.max_retry_wait_seconds,
            ),
        )

    def _fingerprint_key(self) -> str:
        self.settings.require(s.ORGANIZATION_SECRET)
        return self.settings.organization_secret or ""

    # --- check / diff -----------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates and normalizes inputs (unknowns allowed in preview); no HTTP."""
        inputs, failures = check_inputs(news, self.settings.allowed_callback_hosts)
        self._add_fingerprints(inputs)
        for name in SECRET_INPUTS:
            # Secret on the wire whatever the caller passed: the engine keeps it
            # encrypted in state and masked in every display.
            inputs[name] = _secret(inputs.get(name))
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def _add_fingerprints(self, inputs: dict[str, Any]) -> None:
        """Keyed fingerprints of the secret inputs, as plain inputs: previews (and the
        PR summary) can then say "oauth changed" while showing nothing of it."""
        key = self.settings.organization_secret
        for name in SECRET_INPUTS:
            value = inputs.get(name)
            if key and value is not None and not is_unknown(value):
                inputs[f"{name}_fingerprint"] = fingerprint(key, value)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """`olds` are the old *outputs* (observed state); `news` the checked inputs."""
        unknown = [k for k, v in news.items() if k in InstanceSpec.model_fields and is_unknown(v)]
        if unknown:
            # Not knowable yet (preview with computed inputs): a possible change.
            # Only what is known can force a replace; assume old values meanwhile.
            try:
                known = {**news, **{k: olds.get(k) for k in unknown}}
                replaces = list(plan(_spec(known), olds, self._fingerprint_key()).replaces)
            except ValueError:
                replaces = []
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        result = plan(_spec(news), olds, self._fingerprint_key())
        return DiffResult(
            changes=result.has_changes,
            replaces=list(result.replaces),
            # Create the new instance first; the old one keeps serving meanwhile.
            delete_before_replace=False,
        )

    # --- create -----------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = _spec(props)
        client = self.client()
        self._redact_spec(client, spec)
        if spec.adopt_id is not None:
            instance = self._adopt(spec, spec.adopt_id)
            return self._reconciled(spec, instance, token=None)

        settings = self.settings
        settings.require(*s.APP_SETTINGS)

        # Leak guard: an instance carrying our ownership tag is ours from an
        # earlier attempt whose response was lost; take it over, never duplicate.
        owned = self._find_owned(spec)
        if owned is not None:
            log.warning("adopting instance %s found by ownership tag", owned["id"])
            return self._take_over(spec, owned)
        body = create_body(
            spec,
            settings.oauth_api_key or "",
            settings.oauth_api_secret or "",
            settings.oauth_callback_url or "",
        )
        try:
            created = client.create_instance(body, owner=spec.ownership_tag)
        except GrantRejected as exc:
            raise self._spent_grant(spec, exc) from None
        except (TransportError, ApiError) as exc:
            if not _may_have_committed(exc):
                raise
            try:
                owned = self._find_owned(spec, fresh=True)  # did the failed POST create it?
            except CloudElementsError as lookup:
                raise ProvisioningError(
                    f"{exc}; then {lookup}. The instance may exist all the same: run "
                    "`pulumi up` again, it finds the instance by its ownership tag and adopts "
                    "it (it never creates a second one)"
                ) from None
            if owned is None:
                raise
            log.warning("create failed (%s) but instance %s exists; adopting", exc, owned["id"])
            return self._take_over(spec, owned)
        self._inventory(spec.ownership_tag).record(
            {k: v for k, v in created.items() if k != "token"}
        )
        return self._result(spec, created, token=created.get("token"))

    def _find_owned(self, spec: InstanceSpec, fresh: bool = False) -> dict[str, Any] | None:
        """This resource's instance from an earlier attempt, if one exists: from the
        run's inventory, or (`fresh`, or when the inventory may be partial) a lookup.

        An owned instance bound to another QuickBooks company is the one being
        replaced (a replace creates first, then deletes): not a twin to adopt.
        """
        client = self.client()
        listed = None if fresh else self._inventory(spec.ownership_tag).tagged(spec.ownership_tag)
        if listed is None:
            listed = client.find_instances(spec.ownership_tag)
        twins = []
        for found in listed:
            instance = found
            if not isinstance(found.get("configuration"), dict):
                instance = client.get_instance(str(found["id"]))
            realm = (instance.get("configuration") or {}).get(KEY_REALM)
            if spec.realm_id is None or realm in (None, spec.realm_id):
                twins.append(instance)
        if len(twins) > 1:
            ids = ", ".join(str(i["id"]) for i in twins)
            raise ProvisioningError(
                f"instances {ids} all carry the ownership tag {spec.ownership_tag!r}; "
                "delete the extra ones (or set adopt_id to the one to keep) and run again"
            )
        return twins[0] if twins else None

    def _take_over(self, spec: InstanceSpec, owned: dict[str, Any]) -> CreateResult:
        return self._reconciled(spec, owned, token=None)

    def _adopt(self, spec: InstanceSpec, instance_id: str) -> dict[str, Any]:
        try:
            instance = self.client().get_instance(instance_id)
        except InstanceNotFound:
            raise ProvisioningError(
                f"adopt_id {instance_id}: no such instance in this organization"
            ) from None
        realm = (instance.get("configuration") or {}).get(KEY_REALM)
        if spec.realm_id and realm and realm != spec.realm_id:
            raise ProvisioningError(
                f"adopt_id {instance_id}: the instance is bound to QuickBooks company {realm}, "
                f"but oauth.realm_id is {spec.realm_id}"
            )
        owners = other_owners(instance.get("tags") or [], spec.ownership_tag)
        if owners and owners != [spec.adopt_from]:
            raise ProvisioningError(_owned_elsewhere(instance_id, owners, spec.adopt_from))
        # A deliberate takeover needs no write of its own: the owner's tag is not one
        # of the spec's tags, so the one PATCH of `_reconciled` replaces it with ours.
        return instance

    def _reconciled(
        self, spec: InstanceSpec, instance: dict[str, Any], token: str | None
    ) -> CreateResult:
        """Brings an adopted instance to the spec with one PATCH (if anything differs)."""
        observed = self._outputs(spec, instance, prior={})
        # Adopting needs no grant: do not re-authorize an instance that works.
        observed["oauth_fingerprint"] = self._oauth_fingerprint(spec)
        observed["realm_id"] = observed.get("realm_id") or spec.realm_id
        todo = plan(spec, observed, self._fingerprint_key())
        if todo.patch:
            patched = self.client().patch_instance(str(instance["id"]), todo.patch)
            instance = self._merge_config(instance, patched, todo.patch)
        return self._result(spec, instance, token=token)

    # --- read -------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: 404 means gone; otherwise the observed outputs."""
        ownership_tag = props.get("ownership_tag") or ""
        instance = self._inventory(ownership_tag).instance(id_) if ownership_tag else None
        if instance is None:
            try:
                instance = self.client().get_instance(id_)
            except InstanceNotFound:
                return ReadResult(None, {})
        tags = instance.get("tags") or []
        owners = other_owners(tags, ownership_tag)
        if owners and ownership_tag not in tags:
            # Taken over on purpose by another stack: let go instead of fighting it.
            warn(
                f"instance {id_} is now managed by {owners[0]} (it was {ownership_tag or 'ours'}):"
                " dropped from this stack's state and left untouched. Remove it from this "
                "stack's config, or the next `pulumi up` creates a new instance in its place."
            )
            return ReadResult(None, {})
        extra_keys = list((props.get("extra_configuration") or {}).keys())
        outputs = instance_outputs(
            instance, ownership_tag=ownership_tag, extra_keys=extra_keys, prior=props
        )
        outputs["token"] = _secret(outputs["token"])
        return ReadResult(id_, outputs)

    # --- update -----------------------------------------------------------------

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH with only what changed; returns full outputs."""
        spec = _spec(news)
        client = self.client()
        self._redact_spec(client, spec)
        todo = plan(spec, olds, self._fingerprint_key())
        instance = {
            "id": id_,
            "name": olds.get("name"),
            "tags": [*(olds.get("tags") or []), olds.get("ownership_tag")],
            "valid": olds.get("valid", True),
            "disabled": olds.get("disabled", False),
            "createdDate": olds.get("created_date"),
            "element": {"key": olds.get("element_key")},
            "configuration": dict(olds.get("configuration") or {}),
        }
        sent = todo.patch
        if sent:
            self._ensure_still_ours(id_, olds.get("ownership_tag") or spec.ownership_tag)
            try:
                patched = client.patch_instance(id_, sent)
            except InstanceNotFound as exc:
                # Keep the platform's status and requestId: a 404 here may be a fluke.
                raise ProvisioningError(
                    f"{exc}. The instance seems deleted outside Pulumi; run `pulumi refresh` "
                    "(it drops the instance from the state if it is gone, so the next "
                    "`pulumi up` re-creates it)"
                ) from None
            except GrantRejected as exc:
                if "providerData" not in todo.patch:
                    raise
                applied = self._applied_by_lost_attempt(spec, id_, olds, exc)
                if applied is None:
                    raise self._spent_grant(spec, exc) from None
                patched, sent = applied, {}  # the instance as it is now: nothing to merge
            instance = self._merge_config(instance, patched, sent)
            self._inventory(spec.ownership_tag).forget(id_)
        outputs = self._outputs(spec, instance, prior=self._known_to_provider(spec, olds))
        outputs["token"] = _secret(outputs["token"])
        return UpdateResult(outputs)

    def _applied_by_lost_attempt(
        self, spec: InstanceSpec, id_: str, olds: dict[str, Any], exc: GrantRejected
    ) -> dict[str, Any] | None:
        """The instance, if the grant was refused only because an earlier attempt of the
        same PATCH, whose answer was lost, spent it (the PATCH applies as a whole: the
        rest of it is then live too); None if the refusal stands."""
        if not exc.after_ambiguous_attempt:
            return None
        instance = self.client().get_instance(id_)
        observed = self._outputs(spec, instance, prior=self._known_to_provider(spec, olds))
        if plan(spec, observed, self._fingerprint_key()).patch:
            return None
        log.warning("%s: an earlier attempt, whose answer was lost, applied it", exc)
        return instance

    # --- delete -----------------------------------------------------------------

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Deletes (or releases) the instance if it is still this resource's; 404 counts
        as done: the goal state (no instance) holds."""
        mine = props.get("ownership_tag")
        client = self.client()
        current = self._current_tags(id_, mine)
        if current is None:
            return
        tags = [t for t in current if isinstance(t, str)]
        owners = other_owners(tags, mine)
        if owners:
            warn(
                f"instance {id_} is managed by {owners[0]}, not by {mine or 'this stack'}: "
                "not deleted, only removed from this stack's state."
            )
            return
        if props.get("on_delete") == "release":
            ours = {mine, stack_tag_of(mine)} if mine else set()
            client.patch_instance(id_, {"tags": [t for t in tags if t not in ours]})
            self._inventory(mine).forget(id_) if mine else None
            warn(
                f"instance {id_} released: it stays, without this stack's ownership tag; "
                f"another stack can take it with adopt_id: {id_}."
            )
            return
        try:
            client.delete_instance(id_)
        except InstanceNotFound:
            pass
        if mine:
            self._inventory(mine).forget(id_)

    def _ensure_still_ours(self, id_: str, mine: str) -> None:
        """No write to an instance another stack has taken over since our last refresh."""
        tags = self._current_tags(id_, mine)
        if tags is None:
            return  # the PATCH that follows reports it, with what to do
        owners = other_owners(tags, mine)
        if owners and mine not in tags:
            raise ProvisioningError(
                f"update instance {id_}: the instance is now managed by {owners[0]}; nothing "
                "was changed. Run `pulumi refresh` to let go of it (then remove it from this "
                "stack's config)."
            )

    # --- helpers ----------------------------------------------------------------

    def _known_to_provider(self, spec: InstanceSpec, base: dict[str, Any]) -> dict[str, Any]:
        """What only the provider knows after applying `spec`: the fingerprints of
        the write-only secrets it just sent, and the grant's company."""
        return {
            **base,
            "signature_key_fingerprint": fingerprint(self._fingerprint_key(), spec.signature_key)
            or base.get("signature_key_fingerprint"),
            "oauth_fingerprint": self._oauth_fingerprint(spec) or base.get("oauth_fingerprint"),
            "adopt_id": spec.adopt_id,
            "on_delete": spec.on_delete,
            "realm_id": spec.realm_id or base.get("realm_id"),
        }

    def _oauth_fingerprint(self, spec: InstanceSpec) -> str | None:
        return fingerprint(self._fingerprint_key(), spec.oauth.model_dump() if spec.oauth else None)

    def _outputs(
        self, spec: InstanceSpec, instance: dict[str, Any], prior: dict[str, Any]
    ) -> dict[str, Any]:
        return instance_outputs(
            instance,
            ownership_tag=spec.ownership_tag,
            extra_keys=list(spec.extra_configuration),
            prior=prior,
        )

    def _result(
        self, spec: InstanceSpec, instance: dict[str, Any], token: str | None
    ) -> CreateResult:
        if not instance.get("configuration"):
            # The create response has no configuration: what we sent is what is set.
            instance = {**instance, "configuration": event_configuration(spec)}
        prior = self._known_to_provider(spec, {"token": token})
        outputs = self._outputs(spec, instance, prior)
        outputs["token"] = _secret(token)
        return CreateResult(str(instance["id"]), outputs)

    @staticmethod
    def _merge_config(
        instance: dict[str, Any], patched: dict[str, Any] | None, sent: dict[str, Any]
    ) -> dict[str, Any]:
        """The PATCH response may omit configuration; the API merges key by key, so
        the old configuration plus what was sent is what is set now."""
        merged = {**instance, **(patched or {})}
        config = dict(instance.get("configuration") or {})
        config.update((patched or {}).get("configuration") or {})
        config.update(sent.get("configuration") or {})
        if "providerData" in sent:
            config["realmId"] = sent["providerData"]["realmId"]
        merged["configuration"] = config
        if "tags" in sent and not (patched or {}).get("tags"):
            merged["tags"] = sent["tags"]
        return merged

    @staticmethod
    def _redact_spec(client: CloudElementsClient, spec: InstanceSpec) -> None:
        client.redact.add(spec.signature_key)
        if spec.oauth is not None:
            client.redact.add(*spec.oauth.provider_data().values())

    @staticmethod
    def _spent_grant(spec: InstanceSpec, exc: CloudElementsError) -> ProvisioningError:
        return ProvisioningError(
            f"{exc}. The OAuth grant of resource {spec.name!r} was refused: a grant can be used "
            "only once (and expires), so creating or re-authorizing needs a new consent. Run "
            "`python -m provider.onboard --stack <stack> --instance <key>` and then `pulumi up`."
        )


def _owned_elsewhere(instance_id: str, owners: list[str], adopt_from: str | None) -> str:
    owner = owners[0]
    mismatch = f" (adopt_from is {adopt_from})" if adopt_from else ""
    return (
        f"adopt_id {instance_id}: instance {instance_id} is managed by {owner}{mismatch}; "
        "nothing was changed. Either release it from that stack (there: set `on_delete: "
        "release` on the resource, `pulumi up`, then remove the resource and `pulumi up` "
        f"again; the instance stays, free to adopt), or take it over on purpose: set "
        f"`adopt_from: {owner}` beside adopt_id (that stack then lets go of it on its next "
        "`pulumi refresh`)."
    )
