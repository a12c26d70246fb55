"""The tables of the CPU sections of RESULTS.md: CPU per operation, profiles and
timelines, state checkpoints (their headings are declared once, in `bench/report.py`)."""

from __future__ import annotations

import statistics
from typing import Any

from .page import Page, secs, table
from .prose import paragraph
from .results import NULL, QUICKBOOKS, Results

TOP_FRAMES = 15
# The profiler's own wrapper and the SDK's error wrapper enclose every call.
WRAPPERS = (
    "DynamicResourceProviderServicer.call (",
    "DynamicResourceProviderServicer.wrapper (",
)


def cpu(page: Page) -> list[str]:
    data, results = page.data, page.results
    out: list[str] = []
    rows = data["cpu"]["rows"]
    if rows:
        out += paragraph("cpu", size=data["cpu"]["size"])
        header = ["provider", "operation", "host handlers s", "host process s"]
        header += ["emulator CPU s", "command CPU s", "API calls", "per RPC: calls x median CPU ms"]
        lines = [
            [
                r["provider"],
                r["operation"],
                f"{r['host_handlers_s']:.3f}",
                f"{r['host_process_s']:.2f}",
                "-" if r["emulator_cpu_s"] is None else f"{r['emulator_cpu_s']:.3f}",
                secs(r["command_cpu_s"]),
                str(r["api_calls"]),
                ", ".join(
                    f"{rpc} {v['calls']} x {v['median_ms']:.2f}" for rpc, v in r["rpcs"].items()
                )
                or "-",
            ]
            for r in rows
        ]
        out += [*table(header, lines), ""]
        out += _per_rpc(rows)
    out += _methods(data["provider_methods"], data["cpu"]["size"])
    out += _imports(results)
    out += _rpc_costs(results)
    return out


def _methods(rows: list[dict[str, Any]], size: int) -> list[str]:
    if not rows:
        return []
    out = paragraph("provider methods", size=size)
    categories = sorted({c for r in rows for c in r["by_category"]})
    header = ["method", "CPU ms", "emulator ms", "API calls", *categories]
    lines = [
        [
            r["method"],
            f"{r['cpu_ms']:.2f}",
            f"{r['emulator_cpu_ms']:.2f}",
            str(r["api_calls"]),
            *[f"{100 * r['by_category'].get(c, 0.0):.0f}%" for c in categories],
        ]
        for r in rows
    ]
    out += [*table(header, lines), ""]
    out += ["Top functions by own CPU per call (cProfile), per method:", "", "```"]
    for r in rows:
        out.append(f"{r['method']}:")
        for entry in r["top"][:8]:
            out.append(f"  {entry['ms_per_call']:7.3f} ms  {entry['function']}")
    return [*out, "```", ""]


def _per_rpc(rows: list[dict[str, Any]]) -> list[str]:
    """Median CPU ms per RPC kind over the whole lifecycle, provider against null."""
    pooled: dict[str, dict[str, list[float]]] = {}
    for r in rows:
        for rpc, v in r["rpcs"].items():
            pooled.setdefault(rpc, {}).setdefault(r["provider"], []).extend(
                [v["median_ms"]] * v["calls"]
            )
    lines = []
    for rpc in ("Check", "Diff", "Create", "Read", "Update", "Delete"):
        if rpc not in pooled:
            continue
        null = pooled[rpc].get(NULL)
        ours = pooled[rpc].get(QUICKBOOKS)
        cells = [rpc]
        for values in (null, ours):
            cells.append(f"{statistics.median(values):.2f}" if values else "-")
        extra = statistics.median(ours) - statistics.median(null) if null and ours else None
        cells.append("-" if extra is None else f"{extra:+.2f}")
        lines.append(cells)
    return [
        *paragraph("cpu per rpc"),
        *table(["RPC", "null provider", "quickbooks", "quickbooks - null"], lines),
        "",
    ]


def _imports(results: Results) -> list[str]:
    if not results.imports:
        return []
    base = results.imports.get("python + pulumi.dynamic", 0.0)
    rows = [[k, secs(v), f"+{v - base:.2f}"] for k, v in results.imports.items()]
    return [
        *paragraph("imports"),
        *table(["import", "s", "over pulumi.dynamic"], rows),
        "",
    ]


def _rpc_costs(results: Results) -> list[str]:
    if not results.rpc_costs:
        return []
    names = list(results.rpc_costs)
    labels = list(results.rpc_costs[names[0]])
    rows = [[label, *[f"{results.rpc_costs[n][label]:.3f}" for n in names]] for label in labels]
    return [
        *paragraph("rpc costs"),
        *table(["per call, CPU ms", *names], rows),
        "",
    ]


def checkpoints(page: Page) -> list[str]:
    results, size = page.results, page.results.largest
    state_bytes = ", ".join(f"{name} {n:,} bytes" for name, n in results.state_bytes.items())
    out = paragraph("checkpoints", size=size, state_bytes=state_bytes)
    rows = []
    for name in (NULL, QUICKBOOKS):
        for operation in ("create", "destroy"):
            kept = results.checkpoints.get((name, operation, False))
            skipped = results.checkpoints.get((name, operation, True))
            if kept is None or skipped is None:
                continue
            rows.append([name, operation, secs(kept), secs(skipped), secs(kept - skipped)])
    out += table(["provider", "operation", "checkpoints s", "skipped s", "their cost s"], rows)
    return [*out, ""]


def _timelines(results: Results, size: int) -> list[str]:
    if not results.timelines:
        return []
    out = paragraph("timelines", size=size)
    rows = []
    for (variant, operation), line in results.timelines.items():
        first, last = line.first_rpc, line.last_rpc
        window = (last - first) if first is not None and last is not None else 0.0
        rows.append(
            [
                variant,
                operation,
                secs(line.total),
                secs(first or 0.0),
                secs(window),
                secs(line.busy("Check") + line.busy("Diff")),
                _rpc_counts(line),
                str(line.max_concurrency()),
            ]
        )
    out += table(
        ["provider", "operation", "total s", "before s", "RPC window s", "Check+Diff s"]
        + ["RPCs (engine-side mean)", "peak"],
        rows,
    )
    return [*out, ""]


def _rpc_counts(line) -> str:
    parts = []
    for rpc in ("Check", "Diff", "Create", "Read", "Update", "Delete"):
        if line.count(rpc):
            engine_ms = 1000 * line.busy(rpc) / line.count(rpc)
            parts.append(f"{line.count(rpc)} {rpc} ({engine_ms:.0f} ms)")
    return ", ".join(parts) or "-"


def _profiles(results: Results) -> list[str]:
    if not results.profiles:
        return []
    out = paragraph("profiles")
    names = list(results.profiles)
    rpcs = sorted({rpc for p in results.profiles.values() for rpc in p.rpcs})
    rows = []
    for rpc in rpcs:
        cells = [rpc]
        for name in names:
            entry = results.profiles[name].rpcs.get(rpc)
            cells.append(
                f"{entry.calls} x {entry.median_ms:.1f} / {entry.mean_ms:.1f}" if entry else "-"
            )
        rows.append(cells)
    out += table(["RPC", *[f"{n}: calls x median / mean ms" for n in names]], rows)
    out += [""]
    out += paragraph("own time")
    categories = sorted({c for p in results.profiles.values() for c, _ in p.by_category()})
    lines = []
    for name_ in categories:
        cells = [name_]
        for name in names:
            profile = results.profiles[name]
            seconds = dict(profile.by_category()).get(name_, 0.0)
            share = 100 * seconds / profile.total if profile.total else 0.0
            cells.append(f"{share:.1f}% ({seconds:.2f} s)")
        lines.append(cells)
    out += [*table(["own time in", *names], lines), ""]
    for name in names:
        profile = results.profiles[name]
        if not profile.total:
            continue
        out += [
            f"{name} host, {profile.total:.2f} s in handlers. Top frames by time on the "
            "stack (inclusive), then by own time:",
            "",
            "```",
        ]
        for location, seconds in profile.top_inclusive(TOP_FRAMES, skip=WRAPPERS):
            out.append(f"{100 * seconds / profile.total:5.1f}%  {seconds:6.3f} s  {location}")
        out.append("")
        for location, seconds in profile.top(TOP_FRAMES):
            out.append(f"{100 * seconds / profile.total:5.1f}%  {seconds:6.3f} s  {location}")
        out += ["```", ""]
    return out


def profile(page: Page) -> list[str]:
    return [*_timelines(page.results, page.results.largest), *_profiles(page.results)]
