"""`python -m pulumi.dynamic` with every resource RPC profiled or CPU-timed (benchmark only).

The engine starts this instead of the usual host when `bench.profiling` puts a
`pulumi-resource-pulumi-python` wrapper ahead of the cached one on PATH. The
host serves each gRPC call on one of 4 worker threads and pyinstrument samples
only the thread that started it, so each call gets its own profiler; its session
is saved to `$BENCH_PROFILE_DIR/<pid>-<n>-<Rpc>.json` for `bench.profiling` to
combine. With `BENCH_HOST_MODE=cpu` there is no profiler: each call's CPU time
(its worker thread's, so neither the engine's nor the emulator's) is appended to
`$BENCH_PROFILE_DIR/<pid>.jsonl`, with the process's CPU so far.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import os
import sys
import threading
import time
from pathlib import Path

from pyinstrument import Profiler

PROFILED_RPCS = ("Check", "Diff", "Create", "Read", "Update", "Delete")
SAMPLE_INTERVAL_SECONDS = 0.0005


def host_namespace() -> dict:
    """The SDK's host module, executed without its last statement (`main()`, which
    serves forever), so its servicer can be wrapped before it starts serving."""
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    if spec is None or spec.origin is None:
        sys.exit("profiled_host: pulumi.dynamic.__main__ not found")
    tree = ast.parse(Path(spec.origin).read_text(), spec.origin)
    last = tree.body[-1]
    if not (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and getattr(last.value.func, "id", None) == "main"
    ):
        sys.exit("profiled_host: pulumi.dynamic.__main__ no longer ends with main()")
    tree.body.pop()
    namespace: dict = {"__name__": "pulumi_dynamic_host", "__file__": spec.origin}
    exec(compile(tree, spec.origin, "exec"), namespace)
    return namespace


def profiled(rpc: str, handler, out_dir: Path, counter):
    def call(self, request, context):
        profiler = Profiler(interval=SAMPLE_INTERVAL_SECONDS, async_mode="disabled")
        profiler.start()
        try:
            return handler(self, request, context)
        finally:
            session = profiler.stop()
            session.save(str(out_dir / f"{os.getpid()}-{next(counter)}-{rpc}.json"))

    return call


def cpu_timed(rpc: str, handler, out_dir: Path, lock: threading.Lock):
    def call(self, request, context):
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return handler(self, request, context)
        finally:
            record = {
                "rpc": rpc,
                "cpu": time.thread_time() - cpu,
                "wall": time.perf_counter() - wall,
                "process_cpu": time.process_time(),  # start-up and imports included
            }
            with lock, (out_dir / f"{os.getpid()}.jsonl").open("a") as out:
                out.write(json.dumps(record) + "\n")

    return call


def main() -> None:
    out_dir = Path(os.environ["BENCH_PROFILE_DIR"])
    out_dir.mkdir(parents=True, exist_ok=True)
    namespace = host_namespace()
    servicer = namespace["DynamicResourceProviderServicer"]
    counter = itertools.count()  # next() on a count is atomic under the GIL
    lock = threading.Lock()
    cpu_only = os.environ.get("BENCH_HOST_MODE") == "cpu"
    for rpc in PROFILED_RPCS:
        handler = getattr(servicer, rpc)
        wrapped = (
            cpu_timed(rpc, handler, out_dir, lock)
            if cpu_only
            else profiled(rpc, handler, out_dir, counter)
        )
        setattr(servicer, rpc, wrapped)
    namespace["main"]()


if __name__ == "__main__":
    main()
