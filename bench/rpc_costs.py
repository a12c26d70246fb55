"""CPU per Check and Diff inside the dynamic-provider host, without the engine or the network.

The engine issues Check (and, for existing resources, Diff) one resource at a
time, so their cost multiplies by N on the critical path of every preview and
up. Here the SDK's own servicer (the code `python -m pulumi.dynamic` runs) is
called in-process with the requests the engine would send, for the null
provider and for ours; the provider method alone is timed too, which splits the
cost into "the SDK's host" (deserialize, unpickle-cache lookup, serialize) and
"the provider". Best of several rounds: CPU time, steady state, no start-up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc

from harness.accounts import EVENTS_URL, configured_provider
from provider.core.plan import event_configuration
from provider.lifecycle import QuickBooksInstanceProvider
from provider.operations import spec_of

from .null_provider import NullProvider
from .profiled_host import host_namespace

URN = "urn:pulumi:bench::quickbooks-instances::pulumi-python:dynamic/quickbooks:Instance::i000"
CONFIG = {
    "quickbooks:baseUrl": "http://127.0.0.1:9/elements/api-v2",
    "quickbooks:userSecret": "bench-user",
    "quickbooks:organizationSecret": "bench-organization",
    "quickbooks:oauthApiKey": "bench-app",
    "quickbooks:oauthApiSecret": "bench-app-secret",
    "quickbooks:oauthCallbackUrl": "http://localhost:8400/quickbooks/oauth/callback",
    "quickbooks:allowedCallbackHosts": '["hooks.example.com", "localhost"]',
}


class _Context:
    def abort(self, code, details):  # the servicer's error path: fail loudly
        raise RuntimeError(f"{code}: {details}")


def _struct(values: dict[str, Any]):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(values, {}))
    finally:
        loop.close()


def _best_ms(call: Callable[[], Any], rounds: int, calls: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            call()
        best = min(best, (time.process_time() - started) / calls)
    return 1000 * best


def _cases() -> dict[str, dict[str, Any]]:
    """Per provider: its object, the inputs the program registers, and old outputs."""
    raw_ours = {
        "name": "Bench 0",
        "ownership_tag": "pulumi:quickbooks-instances:bench:i000",
        "callback_url": EVENTS_URL,
        "tags": ["env:bench"],
        "poll_interval_minutes": 5,
        "oauth": {"code": "bench-code", "realm_id": "9130350000000001"},
    }
    ours = configured_provider(CONFIG)
    checked = ours.check({}, dict(raw_ours)).inputs
    plain = {k: rpc.unwrap_rpc_secret(v) for k, v in checked.items()}
    spec = spec_of(plain)
    instance = {
        "id": 7,
        "name": spec.name,
        "tags": [*spec.tags, spec.ownership_tag],
        "valid": True,
        "disabled": False,
        "createdDate": "2026-01-01T00:00:00Z",
        "element": {"key": "quickbooks"},
        "configuration": event_configuration(spec),
    }
    outputs = ours._result(spec, instance, token="bench-token").outs
    raw_null = {
        "name": "Bench 0",
        "callback_url": EVENTS_URL,
        "tags": ["env:bench"],
        "poll_interval_minutes": 5,
    }
    return {
        "null provider": {
            "object": NullProvider(),
            "raw": raw_null,
            "checked": raw_null,
            "outputs": raw_null,
        },
        "quickbooks": {
            "object": ours,
            "raw": raw_ours,
            "checked": plain,
            # the engine sends secrets as plain values (the host does not accept secrets)
            "outputs": {k: rpc.unwrap_rpc_secret(v) for k, v in outputs.items()},
        },
    }


def measure(rounds: int = 5, calls: int = 200) -> dict[str, dict[str, float]]:
    """provider -> {"Check RPC", "check()", "Diff RPC", "diff()"} -> CPU ms per call."""
    namespace = host_namespace()
    servicer = namespace["DynamicResourceProviderServicer"]()
    servicer._config = dict(CONFIG)
    results: dict[str, dict[str, float]] = {}
    for name, case in _cases().items():
        pickled = serialize_provider(
            QuickBooksInstanceProvider() if name == "quickbooks" else case["object"]
        )
        news = _struct({**case["raw"], "__provider": pickled})
        checked = _struct({**case["checked"], "__provider": pickled})
        olds = _struct({**case["outputs"], "__provider": pickled})
        check = proto.CheckRequest(urn=URN, olds=_struct({}), news=news)
        diff = proto.DiffRequest(id="7", urn=URN, olds=olds, news=checked)
        context = _Context()
        servicer.Check(check, context)  # unpickles and configures once, as a host's first call
        provider = case["object"]
        timed = {
            "Check RPC": partial(servicer.Check, check, context),
            "check()": partial(provider.check, {}, case["raw"]),
            "Diff RPC": partial(servicer.Diff, diff, context),
            "diff()": partial(provider.diff, "7", case["outputs"], case["checked"]),
        }
        results[name] = {label: _best_ms(call, rounds, calls) for label, call in timed.items()}
    return results
