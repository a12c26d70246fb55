"""`python -m bench [--sizes 1,10,100] [--sections calls,scale] [--quick]`: measure, write
RESULTS.md (and the JSON, and the chart) after every section."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
from pathlib import Path

from . import chart, native, options, report, runner

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "RESULTS.md"
SECTION_HELP = {
    "calls": "HTTP calls per operation (one lifecycle per N, API at 0 ms)",
    "overhead": "wall time against the null dynamic provider, API at 0 ms, repeated",
    "scale": "wall time per N with the API at --latency-ms, and the chart",
    "sharding": "K provider hosts against 1 at the largest N, at 0 ms and --latency-ms",
    "cpu": "the provider host's CPU per RPC and operation, apart from the emulator's",
    "profile": "pyinstrument profiles of the host and the engine's timelines",
    "checkpoints": "create/destroy with and without PULUMI_SKIP_CHECKPOINTS",
}


def sizes(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("expected integers like 1,10,100") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return values


def sections(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in runner.SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {unknown}; choose from {','.join(runner.SECTIONS)}"
        )
    return names


def unwritable(option: str, path: Path) -> str | None:
    """Why `path` (given as `option`) cannot be written, or None when it can."""
    folder = path.parent
    if path.is_dir():
        return f"{option} {path} is a folder; give the file to write"
    if not folder.is_dir():
        return f"{option} {path}: the folder {folder} does not exist"
    if not os.access(path if path.exists() else folder, os.W_OK):
        return f"{option} {path}: not writable"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="HTTP calls per operation, provider overhead against a null dynamic "
        "provider, wall time at N instances with a slow API, K provider hosts, CPU per "
        "operation. RESULTS.md, the JSON and the chart are rewritten as each section ends, "
        "so an interrupted run keeps every finished section.",
        epilog="sections, run in this order: "
        + "; ".join(f"{name}: {text}" for name, text in SECTION_HELP.items()),
    )
    parser.add_argument("--sizes", type=sizes, default=[1, 10, 100], help="default 1,10,100")
    parser.add_argument(
        "--sections",
        type=sections,
        help=f"comma-separated subset of {','.join(runner.SECTIONS)} (default: all; "
        f"--quick: {','.join(runner.QUICK_SECTIONS)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="one repetition of everything (CI's smoke test)"
    )
    parser.add_argument("--reps", type=int, help="repetitions per figure (default 5/3, quick 1)")
    parser.add_argument(
        "--latency-ms", type=int, default=250, help="emulator latency for scale and sharding"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default bench/RESULTS.md")
    parser.add_argument(
        "--json", type=Path, help="the figures as JSON (default: results.json beside --out)"
    )
    parser.add_argument(
        "--chart", type=Path, help="the scale chart (default: scale.png beside --out)"
    )
    options.add_saved(
        parser,
        "qbo-bench-results.pickle",
        "where each section's figures are also kept, for --rerender (default: %(default)s)",
        "--rerender",
        "measure nothing: rewrite RESULTS.md, the JSON and the chart from --saved",
    )
    args = parser.parse_args(argv)
    json_path = args.json or args.out.with_name("results.json")
    chart_path = args.chart or args.out.with_name("scale.png")
    # Checked before measuring: a run takes minutes to hours, and writes after each section.
    outputs = {"--out": args.out, "--json": json_path, "--chart": chart_path}
    if not args.rerender:
        outputs["--saved"] = args.saved
    for option, path in outputs.items():
        if problem := unwritable(option, path):
            print(f"python -m bench: {problem}", file=sys.stderr)
            return 2

    def write(results: runner.Results) -> None:
        data = report.to_json(results)
        drawn = chart.render(data, chart_path)
        link = None
        if drawn is not None:
            try:
                link = str(drawn.resolve().relative_to(args.out.resolve().parent))
            except ValueError:
                link = str(drawn.resolve())
        old = args.out.read_text() if args.out.exists() else ""
        args.out.write_text(native.with_native_block(old, report.markdown(results, chart=link)))
        json_path.write_text(json.dumps(data, indent=1, default=str))
        args.saved.write_bytes(pickle.dumps(results))
        print(
            f"[bench] wrote {args.out} and {json_path} ({', '.join(results.done)})", file=sys.stderr
        )

    if args.rerender:
        # Only ever a file this command wrote itself (pickle runs code when loaded).
        write(pickle.loads(args.saved.read_bytes()))
        return 0
    results = runner.run(
        args.sizes,
        quick=args.quick,
        sections=args.sections or (list(runner.QUICK_SECTIONS) if args.quick else None),
        reps=args.reps,
        latency_ms=args.latency_ms,
        on_section=write,
    )
    write(results)  # the final load average and duration
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
