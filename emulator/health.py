"""Connection health: the platform's token refresh, a company revoking the app, one
instance per company.

The platform holds each instance's OAuth tokens and refreshes them (on demand and
nightly). Once the company has disconnected the app, every refresh fails: the
first failure makes the instance ``valid: false``, the fifth in a row also
disables it. QuickBooks allows one authorized instance per company, so a new
authorization for a company wipes the authorization of the organization's older
instance bound to it. A new consent (a grant redeemed on PUT or PATCH) heals the
instance again, but never re-enables it: enabling is its own call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .catalog import ELEMENT_KEY
from .exceptions import BadRequest, NotFound
from .records import InstanceRecord
from .store import Store

REFRESH_TIME = "oauth.user.refresh_time"
# The platform disables an instance after this many failed refreshes in a row.
FAILED_REFRESHES_TO_DISABLE = 5
REVOKED = "the company disconnected the app"


def wiped_by(instance_id: int) -> str:
    return f"the company was authorized for instance {instance_id}"


@dataclass(frozen=True)
class RefreshOutcome:
    """What one run of the platform's token refresh did to one instance."""

    instance_id: int
    result: str  # refreshed | failed | skipped
    valid: bool
    disabled: bool
    failures: int
    reason: str | None = None  # why it failed or was skipped

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.instance_id,
            "result": self.result,
            "valid": self.valid,
            "disabled": self.disabled,
            "refreshFailures": self.failures,
            "reason": self.reason,
        }


class Health:
    def __init__(self, store: Store):
        self.store = store

    def revoke(self, instance_id: int) -> InstanceRecord:
        """The company disconnects the app: from now on every refresh fails.

        The instance still looks valid until the platform next tries a refresh,
        as on the platform, where nobody learns of a revocation any sooner.
        """
        with self.store.transaction():
            record = self._existing(instance_id)
            if record.element_key != ELEMENT_KEY:
                raise BadRequest(
                    f"Instance {instance_id} is a {record.element_key} instance: only "
                    "QuickBooks instances hold OAuth tokens a company can revoke"
                )
            self.store.set_health(
                instance_id,
                valid=record.valid,
                auth_lost=REVOKED,
                refresh_failures=record.refresh_failures,
            )
            return self._existing(instance_id)

    def refresh_all(self) -> list[RefreshOutcome]:
        """Run the platform's token refresh once for every instance of every organization."""
        with self.store.transaction():
            # Only OAuth (QuickBooks) instances have tokens to refresh.
            return [
                self._refresh(record)
                for record in self.store.all_instances()
                if record.element_key == ELEMENT_KEY
            ]

    def _refresh(self, record: InstanceRecord) -> RefreshOutcome:
        if record.disabled:
            # The platform stops refreshing a disabled instance; the count stays.
            return RefreshOutcome(
                record.id, "skipped", record.valid, True, record.refresh_failures, "disabled"
            )
        if record.auth_lost is None:
            self.store.set_health(record.id, valid=True, auth_lost=None, refresh_failures=0)
            if REFRESH_TIME in record.configuration:  # what the platform keeps of it
                refreshed = {**record.configuration, REFRESH_TIME: str(int(time.time() * 1000))}
                self.store.write_configuration(record.id, refreshed)
            return RefreshOutcome(record.id, "refreshed", True, False, 0)
        failures = record.refresh_failures + 1
        disable = failures >= FAILED_REFRESHES_TO_DISABLE
        self.store.set_health(
            record.id, valid=False, auth_lost=record.auth_lost, refresh_failures=failures
        )
        if disable:
            self.store.update_instance(record.id, disabled=True)
        return RefreshOutcome(record.id, "failed", False, disable, failures, record.auth_lost)

    def authorized(self, record: InstanceRecord) -> None:
        """A grant was just redeemed for ``record``: its authorization holds again, and
        the organization's other instances bound to the same company lose theirs.

        Call inside the transaction that redeems the grant.
        """
        self.store.set_health(record.id, valid=True, auth_lost=None, refresh_failures=0)
        for other in self.store.list_instances(record.account_id):
            if other.id != record.id and other.realm_id == record.realm_id:
                self.store.set_health(
                    other.id,
                    valid=False,
                    auth_lost=wiped_by(record.id),
                    refresh_failures=other.refresh_failures,
                )

    def _existing(self, instance_id: int) -> InstanceRecord:
        record = self.store.get_instance(instance_id)
        if record is None:
            raise NotFound(f"No instance found with id {instance_id}")
        return record
