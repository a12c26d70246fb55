"""The deliveries table: one row per notification sent, with its outcome.

A row is also the event's history entry (its `event_id` is the notification's
`message.eventId`) and, while queued, the platform's queued delivery.
"""

from __future__ import annotations

import time

from .database import Database
from .records import DeliveryRecord

PENDING = "pending"  # being pushed, or waiting for its next retry
DELIVERED = "delivered"
QUEUED = "queued"  # waits for a PUT of the queued deliveries


class DeliveryRows(Database):
    def add_delivery(
        self,
        delivery_id: str,
        instance_id: int,
        *,
        url: str | None = None,
        source: str = "manual",
        event_count: int = 1,
        created_at: float | None = None,
        event_id: str | None = None,
        subscription_id: int | None = None,
        body: str | None = None,
        status: str = PENDING,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries (id, instance_id, status, url, source, event_count,"
                " created_at, updated_at, event_id, subscription_id, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    delivery_id,
                    instance_id,
                    status,
                    url,
                    source,
                    event_count,
                    created_at,
                    created_at,
                    event_id,
                    subscription_id,
                    body,
                ),
            )

    def update_delivery(
        self,
        delivery_id: str,
        *,
        status: str,
        attempts: int,
        response_code: int | None = None,
        verified: bool | None = None,
        finished_at: float | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, response_code = ?, verified = ?,"
                " finished_at = ?, updated_at = ? WHERE id = ?",
                (
                    status,
                    attempts,
                    response_code,
                    None if verified is None else int(verified),
                    finished_at,
                    time.time(),
                    delivery_id,
                ),
            )

    def list_deliveries(
        self, limit: int = 100, instance_id: int | None = None
    ) -> list[DeliveryRecord]:
        """The latest deliveries, newest first."""
        where, args = ("WHERE instance_id = ?", (instance_id,)) if instance_id else ("", ())
        return self._deliveries(f"{where} ORDER BY rowid DESC LIMIT ?", (*args, limit))

    def events_of(self, instance_ids: list[int]) -> list[DeliveryRecord]:
        """The event history of these instances, oldest first."""
        marks = ", ".join("?" for _ in instance_ids) or "NULL"
        return self._deliveries(
            f"WHERE event_id IS NOT NULL AND instance_id IN ({marks}) ORDER BY rowid",
            tuple(instance_ids),
        )

    def queued_deliveries(self, subscription_ids: list[int]) -> list[DeliveryRecord]:
        """The queued deliveries of these subscriptions, oldest first."""
        marks = ", ".join("?" for _ in subscription_ids) or "NULL"
        return self._deliveries(
            f"WHERE status = '{QUEUED}' AND subscription_id IN ({marks}) ORDER BY rowid",
            tuple(subscription_ids),
        )

    def delivery_record(self, delivery_id: str) -> DeliveryRecord | None:
        found = self._deliveries("WHERE id = ?", (delivery_id,))
        return found[0] if found else None

    def _deliveries(self, clause: str, args: tuple) -> list[DeliveryRecord]:
        with self.transaction() as db:
            query = f"SELECT rowid AS number, * FROM deliveries {clause}"
            rows = db.execute(query, args).fetchall()
        return [
            DeliveryRecord(
                **{
                    **dict(row),
                    "verified": None if row["verified"] is None else bool(row["verified"]),
                }
            )
            for row in rows
        ]

    def get_delivery(self, delivery_id: str) -> tuple[str, int] | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT status, attempts FROM deliveries WHERE id = ?", (delivery_id,)
            ).fetchone()
        return (row["status"], row["attempts"]) if row else None

    def queue_pending_deliveries(self) -> None:
        """Deliveries cut short by a restart are queued, not lost: their threads are gone,
        and a PUT of the queued deliveries sends them again."""
        with self.transaction() as db:
            db.execute(f"UPDATE deliveries SET status = '{QUEUED}' WHERE status = '{PENDING}'")
