"""The options of one emulator process (`python -m emulator --help`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 0
    db_path: str | None = None
    accounts: list[tuple[str, str]] = field(default_factory=list)
    admin_token: str | None = None
    latency_ms: int = 0
    fast_retries: bool = False
    code_ttl: float = 600.0
    simulate_activity: bool = False
    poll_seconds_per_minute: float = 60.0
    activity_changes: int = 1
    companies: int = 3  # on the consent page: the three sandbox ones, then generated
    max_page_size: int = 200  # the default and the cap of pageSize on every list
