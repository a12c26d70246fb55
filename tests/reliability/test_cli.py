"""Representative fault rows through the real `pulumi` CLI, and the secret-leak scan of
everything a run produces: CLI output of preview/up/refresh/destroy (with `--diff`,
`--json`, and the engine's `--logflow -v=9` log), the exported state outside its
encrypted fields, the provider's log (the engine shows it in the CLI output) and the
emulator's request log."""

from __future__ import annotations

import json
import secrets

import pytest

from harness.accounts import EVENTS_URL
from harness.leaks import SECRETS, dumps, is_ciphertext, scan, without_ciphertext
from harness.pulumi_stack import PulumiStack
from provider.api.client import QUICKBOOKS_INSTANCES
from provider.plugin.names import camel
from provider.resource import SECRET_OUTPUTS

from .engine import REQUEST_ID, live_config, owned
from .front_ends import FRONT_ENDS
from .ledger import LEDGER

BOOKS = {
    "name": "Books",
    "callback_url": EVENTS_URL,
    "tags": ["env:reliability"],
    "poller_resources": ["customers", "invoices"],
    "poll_interval_minutes": 5,
    "extra_configuration": {"filter.response.nulls": "true"},
}


def _stack(tmp_path, emu, app, name: str, program: dict[str, str] | None = None) -> PulumiStack:
    stack = PulumiStack(tmp_path / name, emu, app, stack=name, files=program)
    # Small retry budgets (and the settings' path through stack config) for quick rows.
    stack.write_config({"quickbooks:maxRetries": "2", "quickbooks:maxRetryWaitSeconds": "5"})
    return stack


def _declare(stack: PulumiStack, key: str, **settings) -> str:
    """Declares an instance with a fresh grant and a signature key; returns its ownership tag."""
    stack.set_instance(key, **settings)
    SECRETS.add("grant code", stack.grant(key)["code"])
    signature = "sig-" + secrets.token_hex(14)
    SECRETS.add("signature key", signature)
    stack.set_secret(f"quickbooks:instances.{key}.signature_key", signature)
    return f"pulumi:{stack.project}:{stack.stack}:{key}"


def _state(stack: PulumiStack) -> dict:
    """`pulumi stack export`, plain; with --show-secrets only to learn the tokens for the
    scan list (that command's output is kept out of the scanned transcript)."""
    exported = stack.export()
    revealed = stack.run("stack", "export", "--show-secrets").stdout
    stack.transcript.pop()
    for resource in json.loads(revealed)["deployment"].get("resources") or []:
        SECRETS.add("instance token", (resource.get("outputs") or {}).get("token"))
    return exported


def _instances(exported: dict) -> dict[str, dict]:
    resources = exported["deployment"].get("resources") or []
    return {r["urn"].rsplit("::", 1)[1]: r for r in resources if r["type"].endswith(":Instance")}


def _assert_state_secrets_encrypted(exported: dict, front_end: str) -> None:
    """Every secret output and input that is in the state (the plugin's under its
    schema name; the token always is) is encrypted there."""
    keys = SECRET_OUTPUTS if front_end == "dynamic" else [camel(k) for k in SECRET_OUTPUTS]
    for name, resource in _instances(exported).items():
        assert resource["outputs"].get("token") is not None, name
        for section in ("inputs", "outputs"):
            for key in keys:
                value = resource[section].get(key)
                assert value is None or is_ciphertext(value), (name, section, key)


def _scan_everything(stack: PulumiStack, emu, exported: list[dict]) -> None:
    hits = {
        "pulumi CLI output": scan("pulumi CLI output", "\n".join(stack.transcript)),
        "exported state": scan(
            "exported state (outside ciphertext)", dumps([without_ciphertext(e) for e in exported])
        ),
        "emulator request log": scan("emulator request log", dumps(emu.requests())),
    }
    assert not any(hits.values()), hits


# Both front-ends: besides the retries (the core's), what each front-end hands the
# engine differs: the plugin marks its secrets itself (no additional_secret_outputs),
# shows its errors without a traceback, and logs its own gRPC payloads at -v=9.
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_lifecycle_under_faults_converges_and_leaks_nothing(tmp_path, emu, app, program, front_end):
    stack = _stack(tmp_path, emu, app, "faults", program)
    tag = _declare(stack, "books", **BOOKS)
    emu.clear_requests()
    exports = []

    with LEDGER.fault("pulumi CLI", "up (create) × 429 Retry-After × once"):
        emu.add_fault("POST", "/instances", status=429, retry_after=1)
        stack.up("--diff")
        posts = [r["status"] for r in emu.requests() if r["method"] == "POST"]
        assert posts == [429, 200], posts  # retried once, after Retry-After
        exports.append(_state(stack))
        instance_id = _instances(exports[-1])["books"]["id"]
        assert owned(emu, tag) == [instance_id]

    with LEDGER.fault("pulumi CLI", "refresh × connection reset × once"):
        emu.add_fault("GET", f"/instances/{instance_id}", kind="reset")
        stack.refresh("--diff", "--expect-no-changes", "--logflow", "-v=9", "--logtostderr")
        assert emu.faults()[0]["remaining"] == 0
        emu.clear_faults()

    with LEDGER.fault("pulumi CLI", "up (update) × 503 × until retries run out"):
        changed = {**BOOKS, "callback_url": EVENTS_URL + "/v2", "tags": ["env:reliability", "x"]}
        stack.set_instance("books", **changed)
        emu.add_fault("PATCH", f"/instances/{instance_id}", status=503, count=50)
        failed = stack.up("--diff", check=False)
        output = failed.stdout + failed.stderr
        assert failed.returncode != 0
        assert f"update instance {instance_id} failed: HTTP 503" in output, output[-3000:]
        assert REQUEST_ID.search(output), output[-3000:]
        patches = [r for r in emu.requests() if r["method"] == "PATCH"]
        assert len(patches) == 3  # maxRetries 2 from stack config
        emu.clear_faults()
        stack.run("up", "--yes", "--skip-preview", "--json", "--diff")  # the next run
        live = live_config(emu, instance_id)
        assert live["configuration"]["event.notification.callback.url"] == EVENTS_URL + "/v2"
        assert sorted(live["tags"]) == sorted([*changed["tags"], tag, tag.rsplit(":", 1)[0]])
        assert live["configuration"]["filter.response.nulls"] == "true"  # no field lost
        stack.preview("--json", "--diff", "--expect-no-changes")
        exports.append(_state(stack))
        _assert_state_secrets_encrypted(exports[-1], front_end)

    with LEDGER.fault("pulumi CLI", "destroy × response lost after commit × once"):
        emu.add_fault("DELETE", f"/instances/{instance_id}", kind="drop_after_commit")
        stack.destroy("--diff")
        assert owned(emu, tag) == [] and stack.resources() == []

    _scan_everything(stack, emu, exports)


# Retries, adoption and the lookup are the core's, the errors and the state each
# front-end's: the same rows hold on the plugin (the `program` fixture).
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_failed_create_then_next_up_converges_without_duplicates(
    tmp_path, emu, app, program, front_end
):
    stack = _stack(tmp_path, emu, app, "creates", program)
    books = _declare(stack, "books", **BOOKS)
    exports = []

    with LEDGER.fault("pulumi CLI", "up (create) × 502 × once"):
        emu.add_fault("POST", "/instances", status=502)
        failed = stack.up(check=False)
        output = failed.stdout + failed.stderr
        assert failed.returncode != 0
        assert f"create instance 'Books' ({books}) failed: HTTP 502" in output, output[-3000:]
        assert REQUEST_ID.search(output)
        assert owned(emu, books) == []  # nothing leaked
        stack.up()  # the next run: the grant was not spent by the refused POST
        exports.append(_state(stack))
        assert owned(emu, books) == [_instances(exports[-1])["books"]["id"]]

    with LEDGER.fault("pulumi CLI", "up (create) × response lost after commit × once"):
        payroll = _declare(stack, "payroll", **{**BOOKS, "name": "Payroll"})
        emu.add_fault("POST", "/instances", kind="drop_after_commit")
        stack.up("--diff")
        exports.append(_state(stack))
        ids = {k: r["id"] for k, r in _instances(exports[-1]).items()}
        assert owned(emu, payroll) == [ids["payroll"]] and owned(emu, books) == [ids["books"]]

    with LEDGER.fault("pulumi CLI", "refresh × read timeout × once"):
        stack.write_config({"quickbooks:requestTimeoutSeconds": "1"})
        # The refresh reads from one list of the stack's instances: that list times out once.
        emu.add_fault("GET", QUICKBOOKS_INSTANCES, kind="delay", delay_ms=2500)
        emu.clear_requests()
        stack.refresh("--json", "--expect-no-changes")
        lists = [
            r for r in emu.requests() if r["method"] == "GET" and r["path"].endswith("/instances")
        ]
        # The delayed attempt is logged when it ends, which may be after the refresh.
        assert emu.faults()[-1]["remaining"] == 0 and lists

    stack.destroy("--json", "--diff")
    assert owned(emu, books) == [] and owned(emu, payroll) == []
    _scan_everything(stack, emu, exports)
