"""The issue's goals, as functions of measured figures (no I/O here)."""

from __future__ import annotations

from collections import Counter

HOST_WORKERS = 4  # `python -m pulumi.dynamic` serves gRPC with ThreadPoolExecutor(max_workers=4)
OVERHEAD_GOAL = 1.2  # provider / null provider, per operation, emulator at 0 ms
SCALE_SLACK = 1.5  # wall <= 1.5 x ideal bound + the engine's floor


def call_goal(operation: str, count: int, calls: Counter) -> tuple[bool, str]:
    """Whether one operation's API calls are at the minimum; and the goal in words."""
    total = sum(calls.values())
    if operation in ("preview", "no-op up"):
        return total == 0, "0 calls"
    # One list of the stack's instances per provider process (provider/inventory.py)
    # answers reads, ownership checks and the lost-create lookup.
    if operation == "refresh":
        return calls == Counter({"GET list": 1}), "1 list, 0 writes"
    if operation == "update one":
        return calls == Counter({"GET list": 1, "PATCH": 1}), "1 list + 1 PATCH"
    if operation == "create":
        ok = (
            calls["POST"] == count and calls["GET list"] <= 2 and total == count + calls["GET list"]
        )
        return ok, f"{count} POST + <= 2 lists"
    if operation == "destroy":
        ok = calls["DELETE"] == count and calls["GET list"] <= 2
        return ok and total == count + calls["GET list"], f"{count} DELETE + <= 2 lists"
    raise ValueError(operation)


def describe(calls: Counter) -> str:
    if not calls:
        return "0"
    order = ("GET list", "GET", "POST", "PATCH", "PUT", "DELETE")
    parts = [f"{calls[m]} {m}" for m in order if calls.get(m)]
    parts += [f"{n} {m}" for m, n in sorted(calls.items()) if m not in order]
    return " + ".join(parts)


def scale_bound(total_calls: int, latency_s: float, concurrency: int = HOST_WORKERS) -> float:
    """Seconds the API latency alone costs when `concurrency` calls overlap perfectly:
    N x latency x calls per resource / concurrency."""
    return total_calls * latency_s / concurrency


def scale_limit(bound: float, floor: float) -> float:
    return SCALE_SLACK * bound + floor
