"""The tables of the wall-time sections of RESULTS.md: HTTP calls, overhead, scale,
sharding (their headings are declared once, in `bench/report.py`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import goals
from .page import Page, mark, secs, spread, table
from .prose import paragraph
from .results import CALLS, QUICKBOOKS, SHARDING_REPS
from .verdicts import HELPS, HURTS


def calls(page: Page) -> list[str]:
    data = page.data
    out = paragraph("calls")
    variant = CALLS if any(r["variant"] == CALLS for r in data["calls"]) else QUICKBOOKS
    mine = [r for r in data["calls"] if r["variant"] == variant]
    rows = [
        [
            str(r["size"]),
            r["operation"],
            goals.describe(Counter(r["calls"][0])),
            r["goal"],
            mark(r["met"]),
        ]
        for r in mine
    ]
    out += table(["N", "operation", "calls", "goal", "met"], rows)
    # Sharding runs list once per host: their counts are in the sharding table.
    others = [r for r in data["calls"] if r["variant"] != variant and "host" not in r["variant"]]
    if others:
        same = all(r["met"] == _met_at(mine, r) for r in others)
        out += [
            "",
            f"The {len(others)} other counted operations (overhead repetitions, latency, "
            f"sharding) {'agree with' if same else '**differ from**'} this table.",
        ]
    return [*out, ""]


def _met_at(rows: list[dict[str, Any]], other: dict[str, Any]) -> bool | None:
    for r in rows:
        if r["size"] == other["size"] and r["operation"] == other["operation"]:
            return r["met"]
    return other["met"]


def overhead(page: Page) -> list[str]:
    data = page.data
    out = paragraph("overhead")
    rows = [
        [
            str(r["size"]),
            r["operation"],
            f"{secs(r['null'])} ({spread(r['null_walls'])})",
            f"{secs(r['quickbooks'])} ({spread(r['quickbooks_walls'])})",
            f"{r['ratio']:.2f}x",
            mark(r["met"]),
            secs(r["null_cpu"]),
            secs(r["quickbooks_cpu"]),
            secs(r["api_seconds"] or 0.0),
            secs(r["emulator_cpu"] or 0.0),
        ]
        for r in data["overhead"]
    ]
    header = ["N", "operation", "null s (min-max)", "quickbooks s (min-max)", "ratio"]
    header += [f"<= {goals.OVERHEAD_GOAL}x", "null CPU s", "quickbooks CPU s", "API s"]
    out += table([*header, "emulator CPU s"], rows)
    return [*out, ""]


def scale(page: Page) -> list[str]:
    data, latency = page.data, page.results.latency_ms
    out = paragraph(
        "scale",
        latency=latency,
        refresh_slack=goals.REFRESH_SLACK_S,
        create_slack=goals.CREATE_SLACK,
    )
    if page.chart:
        out += [f"![wall time against N]({page.chart})", ""]
    header = ["N", "operation", "wall s (min-max)", "API calls", "bound s", "floor s"]
    header += ["limit s", "met", "at 0 ms s", "latency cost s"]
    rows = [
        [
            str(r["size"]),
            r["operation"],
            f"{secs(r['wall'])} ({spread(r['walls'])})",
            str(r["calls"]),
            secs(r["bound"]),
            secs(r["floor"]),
            "-" if r["limit"] is None else secs(r["limit"]),
            ("-" if r["limit"] is None else "(not judged)") if r["met"] is None else mark(r["met"]),
            secs(r["at_zero_latency"]),
            secs(r["latency_cost"]),
        ]
        for r in data["scale"]
    ]
    out += [*table(header, rows), ""]
    # The sharding section runs the same program, one host, same latency and N: a
    # second measurement of the judged rows, within the same run.
    again = {
        r["operation"]: r
        for r in data["sharding"]
        if r["hosts"] == 1 and r["latency_ms"] == latency
    }
    judged = [r for r in data["scale"] if r["met"] is not None and r["operation"] in again]
    if judged:
        out += [
            "The same rows measured again in the sharding section (one host, same latency, "
            "same N, median of its repetitions): "
            + "; ".join(
                f"{r['operation']} {again[r['operation']]['wall']:.2f} s "
                f"({spread(again[r['operation']]['walls'])}, limit {r['limit']:.2f} s: "
                f"{'met' if again[r['operation']]['wall'] <= r['limit'] else 'missed'})"
                for r in judged
            )
            + ".",
            "",
        ]
    return out


def sharding(page: Page) -> list[str]:
    data, results = page.data, page.results
    out = paragraph("sharding", reps=1 if results.quick else SHARDING_REPS)
    header = ["hosts", "latency", "concurrency", "operation", "wall s (min-max)"]
    header += ["API calls", "bound s", "vs 1 host"]
    rows = [
        [
            str(r["hosts"]),
            f"{r['latency_ms']} ms",
            str(r["concurrency"]),
            r["operation"],
            f"{secs(r['wall'])} ({spread(r['walls'])})",
            r["calls_text"],
            secs(r["bound"]),
            f"{r['vs_one_host']:.2f}",
        ]
        for r in data["sharding"]
    ]
    out += [*table(header, rows), ""]
    verdicts = data["sharding_verdict"]
    if verdicts:
        out += [
            f"Verdict (helps = median ratio at {results.latency_ms} ms <= {HELPS}; hurts = "
            f"any ratio at 0 ms > {HURTS}):",
            "",
        ]
        for hosts, v in verdicts.items():
            out.append(
                f"- {hosts} hosts: at {results.latency_ms} ms median "
                f"{v['median_ratio_at_latency']:.2f}x of one host "
                f"({'helps' if v['helps_at_latency'] else 'does not help'}); at 0 ms worst "
                f"{v['worst_ratio_at_0ms']:.2f}x ({'hurts' if v['hurts_at_0ms'] else 'no harm'})"
                f" -> {'worth offering' if v['offer'] else 'not worth offering'}."
            )
        offer = [h for h, v in verdicts.items() if v["offer"]]
        out += [
            "",
            f"**Offer a stack setting: {max(offer)} hosts help.**"
            if offer
            else "**No stack setting: no K helps at the latency without hurting at 0 ms.**",
            "",
        ]
    return out
