"""`bench/RESULTS.md` (and the table printed at the end of a run) from one run's Results."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import goals
from .runner import (
    BASELINE,
    HIGH_LATENCY_REPS,
    NULL,
    OVERHEAD_OPS,
    QUICKBOOKS,
    SCALE_OPS,
    SCALED,
    Results,
)

TOP_FRAMES = 15
# The profiler's own wrapper and the SDK's error wrapper enclose every call.
WRAPPERS = (
    "DynamicResourceProviderServicer.call (",
    "DynamicResourceProviderServicer.wrapper (",
)


def _s(seconds: float) -> str:
    return f"{seconds:.2f}"


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def call_rows(results: Results) -> list[dict[str, Any]]:
    """Every counted operation, with its goal: the QuickBooks runs at every latency."""
    rows = []
    order = {operation: index for index, operation in enumerate(OVERHEAD_OPS)}
    ranked = sorted(results.samples.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]]))
    for (size, variant, operation), sample in ranked:
        if variant == NULL or not sample.calls:
            continue
        verdicts = [goals.call_goal(operation, size, calls) for calls in sample.calls]
        rows.append(
            {
                "size": size,
                "variant": variant,
                "operation": operation,
                "calls": [dict(c) for c in sample.calls],
                "goal": verdicts[0][1],
                "met": all(ok for ok, _ in verdicts),
            }
        )
    return rows


def overhead_rows(results: Results) -> list[dict[str, Any]]:
    rows = []
    for size in results.sizes:
        for operation in OVERHEAD_OPS:
            null = results.samples[(size, NULL, operation)]
            ours = results.samples[(size, QUICKBOOKS, operation)]
            rows.append(
                {
                    "size": size,
                    "operation": operation,
                    "null": null.wall,
                    "null_walls": null.walls,
                    "quickbooks": ours.wall,
                    "quickbooks_walls": ours.walls,
                    "api_seconds": ours.api,
                    "emulator_cpu": ours.emulator_cpu,
                    "ratio": ours.wall / null.wall,
                    "null_cpu": null.cpu,
                    "quickbooks_cpu": ours.cpu,
                    "cpu_ratio": ours.cpu / null.cpu if null.cpu else float("nan"),
                    "met": ours.wall / null.wall <= goals.OVERHEAD_GOAL,
                }
            )
    return rows


def concurrency_of(results: Results, variant: str) -> int:
    """Resource operations that can run at once: 4 per provider host, capped by --parallel."""
    hosts, parallel = results.variant_shape.get(variant, (1, None))
    return min(hosts * goals.HOST_WORKERS, parallel or results.engine_parallel or 8)


def scale_rows(results: Results, variant: str, sizes: list[int]) -> list[dict[str, Any]]:
    latency = results.variant_latency.get(variant, results.latency_ms) / 1000
    concurrency = concurrency_of(results, variant)
    rows = []
    for size in sizes:
        for operation in SCALE_OPS:
            sample = results.samples.get((size, variant, operation))
            if sample is None:
                continue
            total_calls = sum(sample.calls[0].values()) if sample.calls else 0
            bound = goals.scale_bound(total_calls, latency, concurrency)
            floor = results.samples[(size, NULL, operation)].wall
            limit = goals.scale_limit(bound, floor)
            at_zero = results.samples[(size, QUICKBOOKS, operation)].wall
            rows.append(
                {
                    "size": size,
                    "variant": variant,
                    "operation": operation,
                    "wall": sample.wall,
                    "walls": sample.walls,
                    "cpu": sample.cpu,
                    "calls": total_calls,
                    "concurrency": concurrency,
                    "bound": bound,
                    "floor": floor,
                    "limit": limit,
                    "met": sample.wall <= limit,
                    "at_zero_latency": at_zero,
                    "latency_cost": sample.wall - at_zero,
                }
            )
    return rows


def to_json(results: Results) -> dict[str, Any]:
    largest = results.sizes[-1]
    return {
        "sizes": results.sizes,
        "quick": results.quick,
        "reps": results.reps,
        "latency_ms": results.latency_ms,
        "engine_parallel": results.engine_parallel,
        "machine": results.machine,
        "calls": call_rows(results),
        "overhead": overhead_rows(results),
        "scale": scale_rows(results, SCALED, results.sizes),
        "concurrency": [
            row
            for variant in results.concurrency_variants
            for row in scale_rows(results, variant, [largest])
        ],
        "high_latency": [
            row
            for variant in results.high_latency_variants
            for row in scale_rows(results, variant, [largest])
        ],
        "rpc_costs": results.rpc_costs,
        "imports": results.imports,
        "profiles": {
            name: {
                rpc: {"calls": p.calls, "median_ms": p.median_ms, "mean_ms": p.mean_ms}
                for rpc, p in prof.rpcs.items()
            }
            for name, prof in results.profiles.items()
        },
        "checkpoints": [
            {"provider": name, "operation": op, "skip_checkpoints": skip, "wall": wall}
            for (name, op, skip), wall in results.checkpoints.items()
        ],
        "seconds": results.seconds,
    }


def markdown(results: Results) -> str:
    data = to_json(results)
    largest = results.sizes[-1]
    out: list[str] = ["# Benchmark results", ""]
    reps = ", ".join(f"{n} at N={size}" for size, n in results.reps.items())
    mode = "quick (1 repetition)" if results.quick else f"full (median of {reps} repetitions)"
    out += [
        f"Written by `python -m bench --sizes {','.join(map(str, results.sizes))}"
        f"{' --quick' if results.quick else ''}` on {results.machine.get('date')} "
        f"in {results.seconds / 60:.1f} min; {mode}. All ratios are within this one run.",
        "",
    ]
    out += _table(["machine", ""], [[k, f"`{v}`"] for k, v in results.machine.items()])
    out += [
        "",
        f"Engine default `--parallel` here: {results.engine_parallel}; the dynamic-provider "
        f"host serves {goals.HOST_WORKERS} gRPC calls at a time.",
        "",
    ]

    out += ["## 1. HTTP calls per operation", ""]
    out += [
        "Counted in the emulator's request log (`/_emulator/requests`), every repetition, "
        "at every latency and in every concurrency variant. Exact, not noisy.",
        "",
    ]
    rows = []
    for row in data["calls"]:
        if row["variant"] != QUICKBOOKS:
            continue
        rows.append(
            [
                str(row["size"]),
                row["operation"],
                goals.describe(_counter(row["calls"][0])),
                row["goal"],
                _mark(row["met"]),
            ]
        )
    out += _table(["N", "operation", "calls", "goal", "met"], rows)
    others = [r for r in data["calls"] if r["variant"] != QUICKBOOKS]
    out += [
        "",
        f"The same goals in the {len(others)} counted operations of the latency and "
        f"concurrency runs: {'all met' if all(r['met'] for r in others) else 'NOT all met'}.",
        "",
    ]

    out += ["## 2. Provider overhead (emulator at 0 ms)", ""]
    out += [
        "Wall seconds of the whole `pulumi` command (median), the same lifecycle through "
        "`bench/null_provider.py` (CRUD that does nothing) and through this provider. "
        "(min-max) is the spread over the repetitions. CPU = user+system seconds of the "
        "CLI and every process it started (engine, language host, program, provider "
        "host). The emulator runs on the same 2 cores: `API s` = its summed request "
        "durations (as its request log times them), `emulator CPU s` = its process's CPU.",
        "",
    ]
    rows = [
        [
            str(r["size"]),
            r["operation"],
            f"{_s(r['null'])} ({_range(r['null_walls'])})",
            f"{_s(r['quickbooks'])} ({_range(r['quickbooks_walls'])})",
            f"{r['ratio']:.2f}x",
            _mark(r["met"]),
            _s(r["null_cpu"]),
            _s(r["quickbooks_cpu"]),
            _s(r["api_seconds"] or 0.0),
            _s(r["emulator_cpu"] or 0.0),
        ]
        for r in data["overhead"]
    ]
    out += _table(
        [
            "N",
            "operation",
            "null s (min-max)",
            "quickbooks s (min-max)",
            "ratio",
            f"<= {goals.OVERHEAD_GOAL}x",
            "null CPU s",
            "quickbooks CPU s",
            "API s",
            "emulator CPU s",
        ],
        rows,
    )
    out += [""]

    out += [f"## 3. Scale (emulator at {results.latency_ms} ms per call)", ""]
    out += [
        f"bound = API calls x {results.latency_ms} ms / concurrency (one host: "
        f"{concurrency_of(results, SCALED)}); floor = the null provider's time for the same "
        f"operation and N (section 2); goal: wall <= {goals.SCALE_SLACK} x bound + floor. "
        "`at 0 ms` = this provider's own time for the operation without latency (section 2); "
        "`latency cost` = wall - at 0 ms: what the API's latency added, to compare with "
        "the bound.",
        "",
    ]
    out += _scale_table(data["scale"])

    if data["concurrency"]:
        out += [f"## 4. More concurrency at N={largest}", ""]
        out += [
            "The engine starts one dynamic-provider host per provider *resource*; "
            "`bench/programs/quickbooks_sharded.py` spreads the instances over K explicit "
            "`pulumi-python` providers (K hosts, 4K workers). bound uses each variant's "
            "concurrency = min(4 x hosts, --parallel).",
            "",
        ]
        baseline = [dict(r, variant=BASELINE) for r in data["scale"] if r["size"] == largest]
        out += _scale_table(baseline + data["concurrency"], with_variant=True)
    if data["high_latency"]:
        out += [
            f"The same with the emulator at {results.high_latency_ms} ms per call (median of "
            f"{HIGH_LATENCY_REPS}), where what a resource waits for is the API rather than "
            "the CPU; bound and latency cost use this latency.",
            "",
        ]
        out += _scale_table(data["high_latency"], with_variant=True)

    if results.profiles or results.imports:
        out += ["## 5. Where the time goes", ""]
        out += _imports(results)
        out += _rpc_costs(results)
        out += _checkpoints(results, largest)
        out += _timelines(results, largest)
        out += _profiles(results)

    out += ["## Goals", ""]
    out += _summary(data)
    return "\n".join(out) + "\n"


def _counter(calls: dict[str, int]) -> Counter:
    return Counter(calls)


def _range(walls: list[float]) -> str:
    return f"{min(walls):.2f}-{max(walls):.2f}"


def _scale_table(rows: list[dict[str, Any]], with_variant: bool = False) -> list[str]:
    header = ["N", "operation", "wall s (min-max)", "API calls", "bound s", "floor s"]
    header += ["limit s", "met", "at 0 ms s", "latency cost s"]
    if with_variant:
        header = ["variant", "concurrency", *header[1:]]
    table = []
    for r in rows:
        cells = [
            r["operation"],
            f"{_s(r['wall'])} ({_range(r['walls'])})",
            str(r["calls"]),
            _s(r["bound"]),
            _s(r["floor"]),
            _s(r["limit"]),
            _mark(r["met"]),
            _s(r["at_zero_latency"]),
            _s(r["latency_cost"]),
        ]
        lead = [r["variant"], str(r["concurrency"])] if with_variant else [str(r["size"])]
        table.append(lead + cells)
    return [*_table(header, table), ""]


def _imports(results: Results) -> list[str]:
    if not results.imports:
        return []
    base = results.imports.get("python + pulumi.dynamic", 0.0)
    rows = [[k, _s(v), f"+{v - base:.2f}"] for k, v in results.imports.items()]
    return [
        "Start-up: a fresh python importing each module (median). The program and the "
        "provider host each pay it once per `pulumi` command.",
        "",
        *_table(["import", "s", "over pulumi.dynamic"], rows),
        "",
    ]


def _rpc_costs(results: Results) -> list[str]:
    if not results.rpc_costs:
        return []
    names = list(results.rpc_costs)
    labels = list(results.rpc_costs[names[0]])
    rows = [[label, *[f"{results.rpc_costs[n][label]:.3f}" for n in names]] for label in labels]
    return [
        "Check and Diff, which the engine sends one resource at a time in every preview "
        "and up: CPU milliseconds per call inside the dynamic-provider host (the SDK's "
        "servicer called in-process, steady state, best of several rounds; `bench/"
        "rpc_costs.py`). `RPC` = the whole handler, `check()`/`diff()` = the provider "
        "method alone.",
        "",
        *_table(["per call, CPU ms", *names], rows),
        "",
    ]


def _checkpoints(results: Results, size: int) -> list[str]:
    if not results.checkpoints:
        return []
    out = [
        f"State checkpoints at N={size}: the engine rewrites the whole state file after "
        "every step, so each step's cost grows with N and with the size of each resource's "
        "state. The same create and destroy with `PULUMI_SKIP_CHECKPOINTS=true` (one run; "
        "a diagnostic, not a recommendation: a crash then loses the state of the update). "
        "State per resource: "
        + ", ".join(f"{name} {size:,} bytes" for name, size in results.state_bytes.items())
        + ".",
        "",
    ]
    rows = []
    for name in (NULL, QUICKBOOKS):
        for operation in ("create", "destroy"):
            kept = results.checkpoints.get((name, operation, False))
            skipped = results.checkpoints.get((name, operation, True))
            if kept is None or skipped is None:
                continue
            rows.append([name, operation, _s(kept), _s(skipped), _s(kept - skipped)])
    out += _table(["provider", "operation", "checkpoints s", "skipped s", "their cost s"], rows)
    return [*out, ""]


def _timelines(results: Results, size: int) -> list[str]:
    if not results.timelines:
        return []
    out = [
        f"Engine timelines at N={size} (`-v=7 --logtostderr`, profiled host, so slower than "
        "above): `before` = until the first provider RPC (CLI, language host, program start, "
        "provider host start); `RPC window` = first provider RPC to last; `Check+Diff` = "
        "their summed engine-side time (in preview and up the engine issues them one "
        "resource at a time, while it generates steps); `peak` = most resource RPCs in "
        "flight.",
        "",
    ]
    rows = []
    for (variant, operation), line in results.timelines.items():
        first, last = line.first_rpc, line.last_rpc
        window = (last - first) if first is not None and last is not None else 0.0
        rows.append(
            [
                variant,
                operation,
                _s(line.total),
                _s(first or 0.0),
                _s(window),
                _s(line.busy("Check") + line.busy("Diff")),
                _rpc_counts(line),
                str(line.max_concurrency()),
            ]
        )
    out += _table(
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
    out = [
        "Inside the provider host (pyinstrument, one profiler per gRPC call, wall-clock "
        "samples every 0.5 ms): milliseconds in the handler, from the request arriving to "
        "the response built (deserialize, provider method, serialize). The first calls of "
        "each process also unpickle the provider, which imports its module, and configure "
        "it; the calls that arrive meanwhile wait for that (`get_provider`): the mean "
        "carries that start-up, the median is the steady state.",
        "",
    ]
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
    out += _table(["RPC", *[f"{n}: calls x median / mean ms" for n in names]], rows)
    out += [""]
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


def _summary(data: dict[str, Any]) -> list[str]:
    calls_ok = all(r["met"] for r in data["calls"])
    over = data["overhead"]
    scale = data["scale"]
    out = [
        f"- HTTP calls at the minimum for every operation and N: {_mark(calls_ok)}",
        f"- provider overhead <= {goals.OVERHEAD_GOAL}x: {_mark(all(r['met'] for r in over))}"
        + _misses(over, lambda r: f"N={r['size']} {r['operation']} {r['ratio']:.2f}x"),
        f"- scale within {goals.SCALE_SLACK} x bound + floor: "
        f"{_mark(all(r['met'] for r in scale))}"
        + _misses(
            scale, lambda r: f"N={r['size']} {r['operation']} {r['wall']:.2f}s > {r['limit']:.2f}s"
        ),
    ]
    return [*out, ""]


def _misses(rows: list[dict[str, Any]], describe) -> str:
    missed = [describe(r) for r in rows if not r["met"]]
    return f" (missed: {'; '.join(missed)})" if missed else ""
