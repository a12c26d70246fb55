"""`python -m bench [--sizes 1,10,100] [--quick]`: measure, print the tables, write RESULTS.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import report, runner

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def sizes(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("expected integers like 1,10,100") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="HTTP calls per operation, provider overhead against a null dynamic "
        "provider, and wall time at N instances with a slow API; writes bench/RESULTS.md.",
    )
    parser.add_argument("--sizes", type=sizes, default=[1, 10, 100], help="default 1,10,100")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one repetition, one concurrency variant (what CI's smoke test runs)",
    )
    parser.add_argument("--reps", type=int, help="repetitions per figure (default 3, quick 1)")
    parser.add_argument("--latency-ms", type=int, default=50, help="emulator latency for scale")
    parser.add_argument(
        "--high-latency-ms",
        type=int,
        default=250,
        help="emulator latency for the provider-process comparison of a full run",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default bench/RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    results = runner.run(
        args.sizes,
        quick=args.quick,
        reps=args.reps,
        latency_ms=args.latency_ms,
        profile=not args.no_profile,
        high_latency_ms=args.high_latency_ms,
    )
    text = report.markdown(results)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(report.to_json(results), indent=1, default=str))
    print(text)
    print(f"[bench] wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
