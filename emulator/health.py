"""Connection health: the platform's token refresh, a company revoking the app, one
instance per company.

The platform holds each instance's OAuth tokens and refreshes them (on demand and
nightly). Once the company has disconnected the app, every refresh fails. One
refresh *episode* (SAP Open Connectors, "Automatic Disabling of Connector
Instances after Failed Token Refresh") is up to 5 attempts 10 s apart
(schedule.py): the first failure makes the instance ``valid: false``; after the
fifth the tokens are locked and the instance disabled, all within the episode.
QuickBooks allows one authorized instance per company, so a new
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
from .schedule import REFRESH_ATTEMPTS, REFRESH_GAP_SECONDS
from .store import Store

REFRESH_TIME = "oauth.user.refresh_time"
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
    attempts: int = 0  # refresh attempts in this episode

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.instance_id,
            "result": self.result,
            "attempts": self.attempts,
            "valid": self.valid,
            "disabled": self.disabled,
            "locked": self.result == "failed" and self.disabled,
            "refreshFailures": self.failures,
            "reason": self.reason,
        }


class Health:
    def __init__(self, store: Store, scale: float = 1.0):
        self.store = store
        self.scale = scale  # real seconds per platform second (schedule.py)

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
        """Run one refresh episode for every instance of every organization (only OAuth,
        QuickBooks, instances have tokens to refresh)."""
        records = self.store.all_instances()
        return [self._episode(r.id) for r in records if r.element_key == ELEMENT_KEY]

    def _episode(self, instance_id: int) -> RefreshOutcome:
        """Up to 5 attempts 10 s apart (scaled); the fifth failure locks and disables.
        The waits are outside any transaction: a new consent may land between two."""
        for attempt in range(1, REFRESH_ATTEMPTS + 1):
            with self.store.transaction():
                record = self.store.get_instance(instance_id)
                if record is None:
                    return RefreshOutcome(instance_id, "skipped", False, False, 0, "deleted")
                outcome = self._attempt(record, attempt)
            if outcome.result != "failed" or outcome.disabled:
                return outcome
            time.sleep(REFRESH_GAP_SECONDS * self.scale)
        raise AssertionError("the fifth failed attempt disables")  # pragma: no cover

    def _attempt(self, record: InstanceRecord, attempt: int) -> RefreshOutcome:
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
            return RefreshOutcome(record.id, "refreshed", True, False, 0, attempts=attempt)
        disable = attempt >= REFRESH_ATTEMPTS
        self.store.set_health(
            record.id, valid=False, auth_lost=record.auth_lost, refresh_failures=attempt
        )
        if disable:
            self.store.update_instance(record.id, disabled=True)
        return RefreshOutcome(
            record.id, "failed", False, disable, attempt, record.auth_lost, attempts=attempt
        )

    def authorized(self, record: InstanceRecord) -> None:
        """A grant was just redeemed for ``record``: its authorization holds again, and
        the organization's other instances bound to the same company lose theirs.

        Call inside the transaction that redeems the grant.
        """
        self.store.set_health(record.id, valid=True, auth_lost=None, refresh_failures=0)
        for other in self.store.instances_of_company(record.account_id, record.realm_id):
            if other.id != record.id:
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
