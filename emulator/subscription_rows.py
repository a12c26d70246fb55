"""The subscriptions table (one webhook subscription per events-enabled instance) and
the account setting that decides what a failed push becomes."""

from __future__ import annotations

from dataclasses import dataclass

from .database import Database

RETRY = "retry"
QUEUE = "queue"
FAILURE_POLICIES = (RETRY, QUEUE)


@dataclass(frozen=True)
class Subscription:
    id: int
    instance_id: int
    url: str
    active: bool


class SubscriptionRows(Database):
    def subscribe(self, instance_id: int, url: str) -> int:
        """The instance's subscription, pointed at `url` (made on first need); its id."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO subscriptions (instance_id, url) VALUES (?, ?)"
                " ON CONFLICT (instance_id) DO UPDATE SET url = excluded.url",
                (instance_id, url),
            )
            row = db.execute(
                "SELECT id FROM subscriptions WHERE instance_id = ?", (instance_id,)
            ).fetchone()
        return row["id"]

    def subscription_of(self, instance_id: int) -> Subscription | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM subscriptions WHERE instance_id = ?", (instance_id,)
            ).fetchone()
        return _subscription(row) if row else None

    def subscription(self, subscription_id: int) -> Subscription | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM subscriptions WHERE id = ?", (subscription_id,)
            ).fetchone()
        return _subscription(row) if row else None

    def set_subscription_active(self, subscription_id: int, active: bool) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE subscriptions SET active = ? WHERE id = ?", (int(active), subscription_id)
            )

    def failure_policy(self, account_id: int) -> str:
        with self.transaction() as db:
            row = db.execute(
                "SELECT failure_policy FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
        return row["failure_policy"] if row else RETRY

    def set_failure_policy(self, account_id: int, policy: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE accounts SET failure_policy = ? WHERE id = ?", (policy, account_id))


def _subscription(row) -> Subscription:
    return Subscription(row["id"], row["instance_id"], row["url"], bool(row["active"]))
