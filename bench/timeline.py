"""Where a `pulumi` command spends its time, from the engine's own log (`-v=7 --logtostderr`).

The engine logs every provider RPC as `Provider[0x..].Create(urn) executing` and
`... success`; the span between the two is the call as the engine waits for it
(gRPC, queueing in the provider host's 4-thread pool, and the handler itself).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

ENGINE_LOG_ARGS = ("--logtostderr", "-v=7")
RESOURCE_RPCS = ("Check", "Diff", "Create", "Read", "Update", "Delete")
_RPC = re.compile(
    r"Provider\[(0x[0-9a-f]+)\]\.(" + "|".join(RESOURCE_RPCS) + r")\(([^)]*)\):? "
    r"(executing|success|failed)"
)


@dataclass
class Span:
    rpc: str
    provider: str
    start: float
    end: float


@dataclass
class Timeline:
    """Seconds from the engine's first log line."""

    total: float = 0.0
    spans: list[Span] = field(default_factory=list)

    @property
    def first_rpc(self) -> float | None:
        return min((s.start for s in self.spans), default=None)

    @property
    def last_rpc(self) -> float | None:
        return max((s.end for s in self.spans), default=None)

    def busy(self, rpc: str) -> float:
        """Sum of the engine-side durations of one RPC kind."""
        return sum(s.end - s.start for s in self.spans if s.rpc == rpc)

    def count(self, rpc: str) -> int:
        return sum(1 for s in self.spans if s.rpc == rpc)

    def max_concurrency(self) -> int:
        events = sorted(
            [(s.start, 1) for s in self.spans] + [(s.end, -1) for s in self.spans],
            key=lambda e: (e[0], e[1]),
        )
        running = peak = 0
        for _, delta in events:
            running += delta
            peak = max(peak, running)
        return peak

    def providers(self) -> int:
        """How many provider processes served resource RPCs."""
        return len({s.provider for s in self.spans})


def parse(engine_log: str) -> Timeline:
    timeline = Timeline()
    origin: datetime | None = None
    last = 0.0
    pending: dict[tuple[str, str, str], float] = {}
    for line in engine_log.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        when = datetime.fromisoformat(entry["time"][:26].rstrip("Z"))
        origin = origin or when
        last = (when - origin).total_seconds()
        match = _RPC.search(entry.get("msg", ""))
        if not match:
            continue
        provider, rpc, target, state = match.groups()
        key = (provider, rpc, target)
        if state == "executing":
            pending[key] = last
        elif key in pending:
            timeline.spans.append(Span(rpc, provider, pending.pop(key), last))
    timeline.total = last
    return timeline
