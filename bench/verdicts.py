"""The verdicts: is sharding worth offering, and the `## Goals` summary of RESULTS.md
(every goal of the run, met or missed, and where a missed overhead ratio lies)."""

from __future__ import annotations

import statistics
from typing import Any

from . import goals
from .page import mark
from .results import NULL, OVERHEAD_OPS, QUICKBOOKS, Results

HELPS = 0.9  # K hosts "help" when the median operation takes <= 90% of one host's time
HURTS = 1.1  # and "hurt" when any operation takes > 110% (the machine's noise is ~5-10%)


def sharding_verdict(rows: list[dict[str, Any]], slow_ms: int) -> dict[str, Any]:
    """Per K > 1: does it help at the latency (median ratio <= HELPS) without hurting at
    0 ms (no ratio > HURTS)? Offer a setting only if some K does."""
    verdicts = {}
    for hosts in sorted({r["hosts"] for r in rows if r["hosts"] > 1}):
        slow = [
            r["vs_one_host"] for r in rows if r["hosts"] == hosts and r["latency_ms"] == slow_ms
        ]
        fast = [r["vs_one_host"] for r in rows if r["hosts"] == hosts and r["latency_ms"] == 0]
        if not slow or not fast:
            continue
        helps = statistics.median(slow) <= HELPS
        hurts = max(fast) > HURTS
        verdicts[hosts] = {
            "helps_at_latency": helps,
            "hurts_at_0ms": hurts,
            "median_ratio_at_latency": statistics.median(slow),
            "worst_ratio_at_0ms": max(fast),
            "offer": helps and not hurts,
        }
    return verdicts


def summary(data: dict[str, Any], results: Results) -> list[str]:
    out = []
    # K hosts list K times (one inventory per process): the sharding section says so.
    single = [r for r in data["calls"] if r["variant"] not in results.sharding_variants]
    if single:
        for operation in OVERHEAD_OPS:
            rows = [r for r in single if r["operation"] == operation]
            missed = sorted({r["size"] for r in rows if not r["met"]})
            out.append(
                f"- calls, {operation} ({goals.GOAL_WORDS[operation]}): {mark(not missed)}"
                + (f" (missed at N = {', '.join(map(str, missed))})" if missed else "")
            )
    if data["overhead"]:
        over = data["overhead"]
        out.append(
            f"- provider overhead <= {goals.OVERHEAD_GOAL}x at 0 ms: "
            f"{mark(all(r['met'] for r in over))}"
            + _misses(over, lambda r: f"N={r['size']} {r['operation']} {r['ratio']:.2f}x")
        )
    out += _where_overhead_lies(data, results)
    scale = [r for r in data["scale"] if r["met"] is not None]
    if scale:
        out.append(
            f"- at {results.latency_ms} ms, N={scale[0]['size']}: "
            f"{mark(all(r['met'] for r in scale))}"
            + _misses(
                scale,
                lambda r: f"N={r['size']} {r['operation']} {r['wall']:.2f} s > {r['limit']:.2f} s",
            )
        )
    again = {
        r["operation"]: r["wall"]
        for r in data["sharding"]
        if r["hosts"] == 1 and r["latency_ms"] == results.latency_ms
    }
    checked = [r for r in scale if r["operation"] in again]
    if checked:
        ok = all(again[r["operation"]] <= r["limit"] for r in checked)
        out.append(
            "  measured again in the sharding section (one host, same run): "
            + ", ".join(f"{r['operation']} {again[r['operation']]:.2f} s" for r in checked)
            + f": {'all met' if ok else '**not all met**'}"
        )
    if data["sharding_verdict"]:
        offer = [h for h, v in data["sharding_verdict"].items() if v["offer"]]
        out.append(
            "- sharding over K hosts: "
            + (f"worth offering ({max(offer)} hosts)" if offer else "not worth offering")
        )
    return [*(out or ["- nothing measured yet"]), ""]


def _where_overhead_lies(data: dict[str, Any], results: Results) -> list[str]:
    """For each missed overhead row at the CPU section's N: how much of the extra CPU
    is the provider host's handlers (its code, the SDK around it, its HTTP client)."""
    size = data["cpu"]["size"]
    rows = data["cpu"]["rows"]
    handlers = {(r["provider"], r["operation"]): r["host_handlers_s"] for r in rows}
    process = {(r["provider"], r["operation"]): r["host_process_s"] for r in rows}
    out = []
    for r in data["overhead"]:
        if r["met"] or r["size"] != size or (QUICKBOOKS, r["operation"]) not in handlers:
            continue
        extra_cpu = r["quickbooks_cpu"] - r["null_cpu"]
        key, null_key = (QUICKBOOKS, r["operation"]), (NULL, r["operation"])
        extra_host = handlers[key] - handlers[null_key]
        extra_process = process[key] - process[null_key]
        out.append(
            f"  - N={size} {r['operation']}: +{r['quickbooks'] - r['null']:.2f} s wall, "
            f"+{extra_cpu:.2f} s CPU outside the emulator, of which the provider host "
            f"+{extra_process:.2f} s (its handlers +{extra_host:.2f} s, the rest start-up); "
            "the rest is the engine, the language host and the program; emulator "
            f"{r['emulator_cpu'] or 0.0:.2f} s CPU on the same cores"
        )
    if out:
        out.insert(0, "  where the missed ratios lie (CPU section, profiles below):")
    return out


def _misses(rows: list[dict[str, Any]], describe) -> str:
    missed = [describe(r) for r in rows if not r["met"]]
    return f" (missed: {'; '.join(missed)})" if missed else ""
