"""`python -m bench.organization`: the stack's instances in an organization full of others.

A real organization holds far more instances than one stack's: other teams' QuickBooks
instances, and instances of its other connectors (here Jira), all in one paged list
(docs/cloud-elements-api.md, "Lists and paging"). This runs create, refresh and destroy
of the same N stack instances (default 100) through the real CLI, at the platform's
default page size (200), twice: in an organization holding only those N, and in one of
`--org` instances (default 2,000: the N, then QuickBooks and Jira instances half and
half). It counts the API calls and the seconds of each.

The goal (issue 25): the big organization costs at most the extra pages of the
QuickBooks list, nothing per resource: calls(big) - calls(small) = pages(big) -
pages(small) for every operation, where pages = ceil(QuickBooks instances / 200).

It writes its table into the `<!-- bench:organization -->` block of bench/RESULTS.md
(`python -m bench` keeps it).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from harness.accounts import made_by_hand, made_jira, new_app
from harness.companies import companies_for, generated_company
from harness.emulator import start_emulator
from provider.api.client import PAGE_SIZE

from .goals import describe
from .projects import QuickBooksProject

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
OPERATIONS = ("create", "refresh", "destroy")
BLOCK = re.compile(r"## In a large organization\n.*?<!-- /bench:organization -->", re.S)
EMPTY = (
    "## In a large organization\n\n<!-- bench:organization -->\nnot measured yet: run "
    "`python -m bench.organization`\n<!-- /bench:organization -->"
)


def log(message: str) -> None:
    print(f"[bench.organization] {message}", file=sys.stderr, flush=True)


def measure(work: Path, size: int, org: int) -> tuple[int, dict[str, tuple[Counter, float]]]:
    """(QuickBooks instances in the organization, {operation: (calls, seconds)}) for N =
    `size` stack instances in an organization of `org` instances."""
    others = max(0, org - size)
    by_hand = others // 2
    with start_emulator(extra_args=("--companies", str(companies_for(size + by_hand)))) as emu:
        started = time.monotonic()
        app = new_app()
        for n in range(by_hand):  # companies past the stack's own
            made_by_hand(emu, app, generated_company(size + n), name=f"Other team {n}")
        for n in range(others - by_hand):
            made_jira(emu, name=f"Helpdesk {n}")
        log(f"organization of {org}: filled in {time.monotonic() - started:.0f} s")
        project = QuickBooksProject(work / f"org-{org}", emu, size)
        project.prepare()
        figures = {}
        for operation in OPERATIONS:
            timing = project.run(operation)
            figures[operation] = (timing.calls or Counter(), timing.wall)
            log(f"org {org}: {operation} {describe(figures[operation][0])}, {timing.wall:.1f} s")
    return size + by_hand, figures


def pages(quickbooks: int) -> int:
    return max(1, math.ceil(quickbooks / PAGE_SIZE))


def markdown(size: int, small: tuple[int, dict], big: tuple[int, dict], org: int) -> str:
    (q_small, f_small), (q_big, f_big) = small, big
    extra = pages(q_big) - pages(q_small)
    lines = [
        f"N = {size} stack instances, created, refreshed and destroyed through the CLI "
        f"(dynamic resource, emulator at 0 ms, page size {PAGE_SIZE}), in an organization "
        f"of only those {size} and in one of {org:,} instances ({q_big:,} QuickBooks, "
        f"{org - q_big:,} Jira). QuickBooks list pages: {pages(q_small)} and "
        f"{pages(q_big)}. Goal: the large organization costs only the extra pages "
        f"({extra} per listing), nothing per resource.",
        "",
        f"| operation | calls, org of {size} | calls, org of {org:,} | extra calls | "
        f"seconds, org of {size} | seconds, org of {org:,} | goal met |",
        "|---|---|---|---|---|---|---|",
    ]
    for operation in OPERATIONS:
        (c_small, s_small), (c_big, s_big) = f_small[operation], f_big[operation]
        more = sum(c_big.values()) - sum(c_small.values())
        lists = c_small["GET list"] or 1
        met = more <= extra * lists and c_big["GET"] == c_small["GET"]
        lines.append(
            f"| {operation} | {describe(c_small)} | {describe(c_big)} | {more} | "
            f"{s_small:.1f} s | {s_big:.1f} s | {'yes' if met else '**no**'} |"
        )
    return "\n".join(lines)


def with_block(old: str, table: str) -> str:
    section = f"## In a large organization\n\n<!-- bench:organization -->\n{table}\n"
    section += "<!-- /bench:organization -->"
    if BLOCK.search(old):
        return BLOCK.sub(lambda _m: section, old, count=1)
    return f"{old.rstrip()}\n\n{section}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.organization", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", type=int, default=100, help="stack instances (default 100)")
    parser.add_argument("--org", type=int, default=2000, help="instances of the large org")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qbo-bench-org-") as tmp:
        small = measure(Path(tmp), args.size, args.size)
        big = measure(Path(tmp), args.size, args.org)
    table = markdown(args.size, small, big, args.org)
    print(table)
    old = args.out.read_text() if args.out.exists() else ""
    args.out.write_text(with_block(old, table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
