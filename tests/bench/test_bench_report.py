"""bench/report.py and bench/chart.py from made-up figures: every section's table, the
verdicts, the partial-run notice and the PNG, without the CLI (seconds, not minutes)."""

from __future__ import annotations

import collections
import json
import re
from collections import Counter
from pathlib import Path

from bench import chart, organization, profiling, prose, provider_cpu, report, runner
from bench import results as bench_results
from bench.native import EMPTY, with_native_block
from bench.projects import Timing

CALLS = {
    "preview": {},
    "create": {"GET list": 1, "POST": "N"},
    "no-op up": {},
    "refresh": {"GET list": 1},
    "update one": {"GET list": 1, "PATCH": 1},
    "destroy": {"GET list": 1, "DELETE": "N"},
}


def timing(wall: float, size: int, operation: str) -> Timing:
    calls = collections.Counter({m: size if n == "N" else n for m, n in CALLS[operation].items()})
    return Timing(wall, wall / 2, "", calls, 0.01, 0.01)


def made_up(sharding_at_latency: float, sharding_at_zero: float) -> bench_results.Results:
    """Two sizes, every section; K hosts take the given share of one host's time."""
    results = bench_results.Results([1, 10], quick=False, reps={1: 1, 10: 1}, latency_ms=250)
    results.sections = list(runner.SECTIONS)
    results.done = list(runner.SECTIONS)
    results.engine_parallel = 8
    results.machine = {"date": "today", "nproc": "2", "commit": "abc"}
    for size in results.sizes:
        for operation in bench_results.OVERHEAD_OPS:
            results.sample(size, bench_results.NULL, operation).add(Timing(2.0, 1.0, ""))
            results.sample(size, bench_results.QUICKBOOKS, operation).add(
                timing(2.2, size, operation)
            )
            results.sample(size, bench_results.CALLS, operation).add(timing(2.2, size, operation))
        name = bench_results.scaled(250)
        results.variant_latency[name] = 250
        results.variant_shape[name] = (1, None)
        for operation in bench_results.SCALE_OPS:
            results.sample(size, name, operation).add(timing(3.0 + size / 10, size, operation))
    for latency in (0, 250):
        for hosts, parallel in runner.SHARDS:
            name = bench_results.sharded(hosts, latency)
            results.sharding_variants.append(name)
            results.variant_latency[name] = latency
            results.variant_shape[name] = (hosts, parallel)
            share = 1.0 if hosts == 1 else sharding_at_latency if latency else sharding_at_zero
            for operation in bench_results.SCALE_OPS[1:]:
                results.sample(10, name, operation).add(timing(10 * share, 10, operation))
    host = profiling.HostCpu({"Check": [0.001] * 10, "Create": [0.004] * 10}, 0.4)
    results.cpu_size = 10
    results.cpu_rows = [
        bench_results.CpuRow(provider, "create", host, 2.0, 0.02, collections.Counter(POST=10))
        for provider in (bench_results.NULL, bench_results.QUICKBOOKS)
    ]
    for method in provider_cpu.OPERATIONS:
        results.method_cpu[method] = provider_cpu.OperationCpu(10, 0.01, 0.005, 10)
        profiled = provider_cpu.OperationCpu(10, 0.02, 0.005, 10)
        profiled.by_category.update({"this provider (provider/)": 0.005, "other": 0.015})
        profiled.top = [("plan (provider/plan.py:1)", 0.01)]
        results.method_profile[method] = profiled
    profile = profiling.HostProfile(total=1.0)
    profile.rpcs["Create"] = profiling.RpcProfile([0.01, 0.02])
    profile.own_time["create (provider/lifecycle.py:1)"] = 0.3
    profile.own_time["serialize_property (pulumi/runtime/rpc.py:355)"] = 0.5
    profile.inclusive["create (provider/lifecycle.py:1)"] = 0.6
    results.profiles[bench_results.QUICKBOOKS] = profile
    results.checkpoints = {
        (bench_results.NULL, "create", False): 3.0,
        (bench_results.NULL, "create", True): 2.0,
    }
    return results


def test_every_section_is_rendered_with_its_goals(tmp_path):
    results = made_up(sharding_at_latency=0.6, sharding_at_zero=1.0)
    data = report.to_json(results)
    json.dumps(data, default=str)  # what `python -m bench` writes
    markdown = report.markdown(results, chart="scale.png")
    assert list(report.SECTIONS) == list(runner.SECTIONS)  # every section has a heading
    for name in runner.SECTIONS:
        assert markdown.count(f"\n## {report.heading(name, results)}\n") == 1, name
    assert "\n## Scale (emulator at 250 ms per call)\n" in markdown
    assert "\n## Sharding: K dynamic-provider hosts at N=10\n" in markdown
    assert "- calls, destroy (N DELETE + <= 2 lists): yes" in markdown
    assert "provider overhead <= 1.2x at 0 ms: yes" in markdown
    assert "![wall time against N](scale.png)" in markdown
    assert "| this provider (provider/) | 30.0% (0.30 s) |" in markdown
    assert "| update | 1.00 | 0.50 | 10 | 75% | 25% |" in markdown
    assert "   1.000 ms  plan (provider/plan.py:1)" in markdown
    assert data["sharding_verdict"][4]["offer"] is True
    assert "**Offer a stack setting: 4 hosts help.**" in markdown


def test_sharding_that_hurts_at_0_ms_is_not_offered():
    results = made_up(sharding_at_latency=0.6, sharding_at_zero=1.3)
    assert not any(v["offer"] for v in report.to_json(results)["sharding_verdict"].values())
    assert "**No stack setting:" in report.markdown(results)


def test_a_partial_run_says_what_is_missing():
    results = made_up(1.0, 1.0)
    results.done = ["calls"]
    markdown = report.markdown(results)
    assert "not (yet) measured: overhead, scale, sharding" in markdown


def test_the_chart_is_a_png(tmp_path):
    data = report.to_json(made_up(1.0, 1.0))
    path = chart.render(data, tmp_path / "scale.png")
    assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.render({**data, "scale": []}, tmp_path / "none.png") is None


def test_every_paragraph_of_the_prose_is_asked_for_and_filled_in():
    code = "".join(path.read_text() for path in Path(prose.__file__).parent.glob("*.py"))
    asked = set(re.findall(r'paragraph\(\s*"([^"]+)"', code))
    assert asked == set(prose.paragraphs())  # none missing, none left over
    markdown = report.markdown(made_up(0.6, 1.0), chart="scale.png")
    assert "{" not in markdown and "}" not in markdown  # every field filled in
    assert "Goals (issue 15): refresh <= floor + 1 s; create <= 1.3 x (N x 250 ms / 4)" in markdown
    assert "the same latency. Median of 2.\n" in markdown
    assert "State checkpoints at N=10: the engine rewrites the whole state file" in markdown


def test_the_native_plugin_section_is_kept_once_whatever_writes_the_page():
    measured = EMPTY.replace("not measured yet: run `python -m bench.native`", "| 1.2x |")
    page = with_native_block(measured, "# Results\n\nthe bench's own sections\n")
    assert page.count("## Native plugin") == 1 and "| 1.2x |" in page
    # `python -m bench.native` rewrites the page it read; `python -m bench` a new one.
    assert with_native_block(page, page) == page
    assert with_native_block(page, with_native_block(page, page)) == page
    assert with_native_block("", "# Results\n").count("run `python -m bench.native`") == 1


def test_the_large_organization_section_is_kept_once_and_rewritten_in_place():
    """bench.organization writes its block; `python -m bench` keeps it after the native one."""
    table = organization.markdown(
        100,
        (100, {op: (Counter({"GET list": 1, "POST": 100}), 1.0) for op in organization.OPERATIONS}),
        (
            1050,
            {op: (Counter({"GET list": 6, "POST": 100}), 2.0) for op in organization.OPERATIONS},
        ),
        2000,
    )
    assert "| create | 1 GET list + 100 POST | 6 GET list + 100 POST | 5 |" in table
    page = organization.with_block("# Results\n", table)
    assert organization.with_block(page, table) == page
    kept = with_native_block(page, "# Results\n\nthe bench's own sections\n")
    assert kept.count("## In a large organization") == 1 and table in kept
    assert kept.index("## Native plugin") < kept.index("## In a large organization")
    assert with_native_block(kept, kept) == kept


def test_the_bulk_runs_section_renders_every_table_and_is_kept_by_the_bench():
    from collections import Counter

    from bench.bulk import Figures
    from bench.bulk_report import EMPTY as BULK_EMPTY
    from bench.bulk_report import markdown
    from harness.bulk import Report

    ops = ("create", "update all", "destroy")
    report = Report(
        killed_at=dict.fromkeys(ops, 100),
        calls={"create": Counter(POST=190), "update all": Counter(PATCH=300)},
        seconds={"whole lifecycle": 300.0},
    )
    figures = Figures(
        before="main",
        start={"before": {"port": 0.9, "first answer": 0.9}, "after": {"port": 0.1}},
        noop={"after": {"0 instances": 1.0, "10 instances": 1.2}},
        state={
            "native plugin": {"exported": 4900.0, "state file": 3000.0, "provider's": 2400.0},
            "native plugin, before": {"exported": 4800.0, "state file": 2900.0},
            "native plugin, YAML program": {"exported": 5100.0, "state file": 3100.0},
            "null dynamic provider": {"exported": 4100.0, "state file": 2400.0},
        },
        kill={"native plugin": report},
        stress={("native plugin", "bulk", op): [10.0, 11.0] for op in ops},
        growth={("bulk", n, op): n / 10 for n in (100, 300) for op in ops},
        done=["start", "noop", "state", "growth", "kill", "stress"],
    )
    text = markdown(figures)
    assert "{" not in text and "}" not in text
    assert "| after | wall | 1.00 s | 1.20 s | +0.20 s |" in text
    # The goal (<= 5 kB exported) is judged on this code's plugin rows only.
    assert "| native plugin | 4,900 | 3,000 | 2,400 | - | - | yes |" in text
    assert "| native plugin, before | 4,800 | 2,900 | - | - | - | - |" in text
    assert "| native plugin, YAML program | 5,100 | 3,100 | - | - | - | **no** |" in text
    assert "| null dynamic provider | 4,100 | 2,400 | - | - | - | - |" in text  # an older run's
    assert "| bulk | create | 10.0 s | 30.0 s | x3.0 |" in text
    assert "| native plugin | bulk | 10.0, 11.0 | 10.0, 11.0 | 10.0, 11.0 |" in text
    assert (
        "| native plugin | 300 | 100, 100, 100 | create: 190 POST; update all: 300 PATCH |" in text
    )
    # `python -m bench` rewrites the page and keeps the section as it was.
    page = with_native_block("", "# Results\n") + "\n" + BULK_EMPTY + "\n"
    assert with_native_block(page, "# Results, again\n").count("## Bulk runs") == 1


def test_the_growth_table_gives_each_modes_growth_to_300_and_1000_and_the_bulk_goals():
    from bench.bulk import Figures
    from bench.bulk_report import markdown

    ops = ("create", "update all", "destroy")
    bulk = {100: 10.0, 300: 30.0, 1000: 130.0}  # x3.0 (met), x13.0 (missed)
    growth = {("bulk", n, op): wall for n, wall in bulk.items() for op in ops}
    # The default mode at 100 and 300 only (`--checkpoint-sizes`): no goal of its own.
    growth |= {("checkpoints", n, op): n / 5 for n in (100, 300) for op in ops}
    text = markdown(Figures(growth=growth, done=["growth"]))
    assert (
        "| mode | operation | N = 100 | N = 300 | N = 1000 | x 300/100 | x 1000/100 | goal met |"
    ) in text
    assert "| bulk | create | 10.0 s | 30.0 s | 130.0 s | x3.0 | x13.0 | **no** |" in text
    assert "| checkpoints | destroy | 20.0 s | 60.0 s | - | x3.0 | - | - |" in text
    assert "at most x3.5 from 100 to 300 and x12 to 1,000" in text

    met = markdown(Figures(growth={k: v for k, v in growth.items() if k[1] != 1000}))
    assert "| bulk | update all | 10.0 s | 30.0 s | x3.0 | yes |" in met


def test_the_latency_table_puts_the_bound_of_each_runs_concurrency_beside_its_times():
    from bench.bulk import Figures
    from bench.bulk_report import markdown

    def run(concurrency: int, wall: float) -> dict[str, float]:
        ops = dict.fromkeys(("create", "update all", "destroy"), wall)
        return {"N": 100, "latency ms": 250, "concurrency": concurrency, **ops}

    latency = {
        "default --parallel": run(8, 6.25),  # bound 100 x 0.25 s / 8 = 3.125 s
        "--parallel 32": run(32, 2.0),  # bound 0.78 s
        "--parallel 32, maxConcurrency 4": run(4, 12.5),  # bound 6.25 s
    }
    text = markdown(Figures(latency=latency, done=["latency"]))
    assert "| run | concurrency | bound | create | update all | destroy |" in text
    assert "| default --parallel | 8 | 3.12 s | 6.2 s (x2.0) | 6.2 s (x2.0) |" in text
    assert "| --parallel 32 | 32 | 0.78 s | 2.0 s (x2.6) |" in text
    assert "| --parallel 32, maxConcurrency 4 | 4 | 6.25 s | 12.5 s (x2.0) |" in text
    assert "`quickbooks:maxConcurrency` (default 0: no bound of its own)" in text


def test_a_section_carried_from_an_earlier_run_is_named_with_that_runs_commit(tmp_path):
    import pickle

    from bench.bulk import Figures, main

    earlier = Figures(
        machine={"commit": "abc1234", "date": "2026-12-01 10:00 UTC"},
        stress={("native plugin", "bulk", "create"): [1.5, 1.25]},
    )
    saved = tmp_path / "earlier.pickle"
    saved.write_bytes(pickle.dumps(earlier))
    out = tmp_path / "RESULTS.md"
    args = ["--sections", "", "--carry", f"stress:{saved}", "--before", "HEAD"]
    assert main([*args, "--out", str(out), "--saved", str(tmp_path / "now.pickle")]) == 0
    text = out.read_text()
    assert "stress section is carried from an earlier run (commit abc1234, 2026-12-01" in text
    assert "| native plugin | bulk | 1.5, 1.2" in text
