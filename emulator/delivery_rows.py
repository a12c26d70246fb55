"""The deliveries table: one row per notification sent, with its outcome."""

from __future__ import annotations

from .database import Database
from .records import DeliveryRecord


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
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries (id, instance_id, status, url, source, event_count,"
                " created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                (delivery_id, instance_id, url, source, event_count, created_at),
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
                " finished_at = ? WHERE id = ?",
                (
                    status,
                    attempts,
                    response_code,
                    None if verified is None else int(verified),
                    finished_at,
                    delivery_id,
                ),
            )

    def list_deliveries(
        self, limit: int = 100, instance_id: int | None = None
    ) -> list[DeliveryRecord]:
        """The latest deliveries, newest first."""
        where, args = ("WHERE instance_id = ?", (instance_id,)) if instance_id else ("", ())
        with self.transaction() as db:
            rows = db.execute(
                f"SELECT * FROM deliveries {where} ORDER BY rowid DESC LIMIT ?", (*args, limit)
            ).fetchall()
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

    def fail_pending_deliveries(self) -> None:
        """Deliveries cut short by a restart end as failed: their threads are gone."""
        with self.transaction() as db:
            db.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")
