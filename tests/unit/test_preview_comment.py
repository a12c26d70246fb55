"""The pull-request comment: summary and raw diff from one `pulumi preview --json`."""

import json

from provider.core import health
from provider.preview_diff import raw_diff
from provider.preview_summary import COMMENT_LIMIT, comment, main

TYPE = "pulumi-python:dynamic/quickbooks:Instance"
GRANT = "grant-code-never-shown-4711"
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _urn(name: str, kind: str = TYPE) -> str:
    return f"urn:pulumi:dev::quickbooks-instances::{kind}::{name}"


def _state(inputs: dict, **outputs) -> dict:
    return {"inputs": inputs, "outputs": outputs}


def _preview(*steps: dict, **extra) -> dict:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step["op"]] = counts.get(step["op"], 0) + 1
    return {"steps": list(steps), "changeSummary": counts, **extra}


UPDATE = {
    "op": "update",
    "urn": _urn("books"),
    "oldState": _state(
        {
            "__provider": "gASVpickled-old",
            "name": "Books",
            "tags": ["a"],
            "extra_configuration": {
                "filter.response.nulls": "true",
                "quickbooks.minorversion": "65",
            },
            "oauth": {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "value": {"code": GRANT}},
            "oauth_fingerprint": "fp-1",
        },
        instance_id="42",
    ),
    "newState": _state(
        {
            "__provider": "gASVpickled-new",
            "name": "Books 2",
            "tags": ["a", "b"],
            "extra_configuration": {"filter.response.nulls": "false"},
            "oauth": "[secret]",
            "oauth_fingerprint": "fp-2",
        }
    ),
    "diffReasons": ["name", "tags", "extra_configuration", "oauth"],
}
CREATE = {
    "op": "create",
    "urn": _urn("payroll"),
    "newState": _state({"name": "Payroll", "poller_resources": ["invoices"], "oauth": "[secret]"}),
}
DELETE = {"op": "delete", "urn": _urn("old"), "oldState": _state({"name": "Old"})}
REPLACE = {
    "op": "replace",
    "urn": _urn("sales"),
    "oldState": _state({"name": "Sales", "oauth_fingerprint": "a"}),
    "newState": _state({"name": "Sales", "oauth_fingerprint": "b"}),
    "replaceReasons": ["oauth"],
}
SAME = {"op": "same", "urn": _urn("stable"), "oldState": _state({"name": "Stable"})}


def test_raw_diff_lists_every_changed_path_of_every_acting_step():
    lines = raw_diff(_preview(UPDATE, CREATE, DELETE, REPLACE, SAME)).splitlines()
    assert lines == [
        f"~ {TYPE} books update",
        '    ~ extra_configuration.filter.response.nulls: "true" => "false"',
        '    - extra_configuration.quickbooks.minorversion: "65"',
        '    ~ name: "Books" => "Books 2"',
        "    ~ oauth: [secret] (changed)",
        '    + tags[1]: "b"',
        f"+ {TYPE} payroll create",
        '    + name: "Payroll"',
        "    ~ oauth: [secret] (set)",
        '    + poller_resources: ["invoices"]',
        f"- {TYPE} old delete",
        '    - name: "Old"',
        f"+- {TYPE} sales replace [replace: oauth]",
    ]


def test_secret_values_never_reach_the_comment():
    leaky = json.loads(json.dumps(UPDATE))
    # Even a secret the engine left unmasked, on an input not known as secret.
    leaky["newState"]["inputs"]["signature_key"] = GRANT
    leaky["newState"]["inputs"]["note"] = {SECRET_SIG: "1b47", "value": GRANT}
    text = comment(_preview(leaky), "dev")
    assert GRANT not in text
    assert "gASVpickled" not in text
    assert "+ note: [secret]" in text and "| note | — | `[secret]` |" in text
    assert "~ signature_key: [secret] (may have changed (no fingerprint to compare))" in text


def test_comment_has_title_summary_and_raw_diff_in_that_order():
    text = comment(_preview(UPDATE, SAME), "prod")
    title = text.index("## `pulumi preview` of stack `prod`")
    summary = text.index("### QuickBooks instances: 1 to update")
    raw = text.index("<details><summary>Raw diff</summary>")
    assert title < summary < raw
    assert "| name | `Books` | `Books 2` |" in text
    assert "```diff\n~ pulumi-python:dynamic/quickbooks:Instance books update\n    ~ extra" in text
    assert text.rstrip().endswith("</details>")


def test_no_changes_still_renders_a_complete_comment():
    text = comment(_preview(SAME))
    assert "No instance changes." in text
    assert "```diff\n(no changes)\n```" in text


def test_preview_errors_come_first_without_terminal_colours():
    failed = _preview(
        diagnostics=[
            {"severity": "info", "message": "just info"},
            {"severity": "error", "message": "\x1b[31mcheck failed: callback_url: host\x1b[0m"},
        ]
    )
    text = comment(failed, "dev")
    assert "**The preview failed:**\n\n```text\ncheck failed: callback_url: host\n```" in text
    assert "just info" not in text and "\x1b" not in text
    assert text.index("The preview failed") < text.index("### QuickBooks instances")


def test_backticks_in_a_value_cannot_close_the_code_block():
    step = json.loads(json.dumps(CREATE))
    step["newState"]["inputs"]["name"] = "a ```` b"
    text = comment(_preview(step))
    assert "\n`````diff\n" in text and "\n`````\n" in text


def test_a_huge_diff_is_cut_to_fit_a_comment():
    # Other resource types appear only in the raw diff, so it is the part cut.
    kind = "random:index/randomId:RandomId"
    steps = [
        {"op": "create", "urn": _urn(f"id-{i}", kind), "newState": _state({"byteLength": i})}
        for i in range(3_000)
    ]
    text = comment(_preview(CREATE, *steps))
    assert len(raw_diff(_preview(CREATE, *steps))) > COMMENT_LIMIT
    assert "| name |  | `Payroll` |" in text  # the summary stays whole
    assert len(text) < 65_536  # what a GitHub comment holds
    assert "cut here: longer than a comment can hold" in text
    assert text.rstrip().endswith("</details>")


def test_cli_reads_the_file_and_survives_a_preview_that_printed_no_json(tmp_path, capsys):
    good = tmp_path / "preview.json"
    good.write_text(json.dumps(_preview(UPDATE)))
    assert main(["--stack", "dev", str(good)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## `pulumi preview` of stack `dev`") and "Raw diff" in out

    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert main(["--stack", "prod", str(empty)]) == 0
    assert "The preview printed no JSON" in capsys.readouterr().out


HOOK = "https://hooks.example.com/quickbooks/events"


def test_the_summary_names_an_unhealthy_instance_and_its_fix():
    owner = "pulumi:quickbooks-instances:dev:books"
    lost = {
        "op": "update",
        "urn": _urn("books"),
        "oldState": _state(
            {"name": "Books"}, instance_id="42", ownership_tag=owner, health="authorization lost"
        ),
        "newState": _state({"name": "Books"}),
    }
    text = comment(_preview(lost))
    assert "Health: instance 42: authorization lost (valid: false)" in text
    assert "`python -m provider.onboard --stack dev --instance books`, then `pulumi up`" in text

    disabled = {**lost, "oldState": _state({}, instance_id="42", health="disabled")}
    assert "Health: instance 42 is disabled" in comment(_preview(disabled))
    on_purpose = {**disabled, "newState": _state({"enabled": False})}
    assert "Health:" not in comment(_preview(on_purpose))

    # Events held back: the Health line names the queue, the callback and the fix.
    held = {
        "op": "update",
        "urn": _urn("books"),
        "oldState": _state(
            {}, instance_id="42", health="events deactivated (6 queued)", callback_url=HOOK
        ),
        "newState": _state({"callback_url": HOOK}),
    }
    line = f"Health: {health.events_deactivated('42', HOOK, 6)}"
    assert line in comment(_preview(held))
    events_off = {**held, "newState": _state({"events_enabled": False})}
    assert "Health:" not in comment(_preview(events_off))


def _plugin_inputs(version: str) -> dict:
    """An instance's inputs as the plugin's state names them, each value at `version`."""
    secret = {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "value": version}
    return {
        "name": "Books",
        "callbackUrl": f"https://hooks.example.com/{version}",
        "signatureKey": secret,
        "signatureKeyFingerprint": f"v1:s-{version}",
        "oauth": secret,
        "oauthFingerprint": f"v1:o-{version}",
    }


def test_a_step_on_the_plugin_hides_its_fingerprints_and_shows_its_secrets_as_changed():
    """The plugin's state names inputs as its schema does (`signatureKey`,
    `oauthFingerprint`): the same rules as the dynamic resource's, by those names."""
    step = {
        "op": "update",
        "urn": _urn("books", "quickbooks:index:Instance"),
        "oldState": _state(_plugin_inputs("a")),
        "newState": _state(_plugin_inputs("b")),
    }
    lines = raw_diff(_preview(step)).splitlines()
    assert lines[1:] == [
        '    ~ callbackUrl: "https://hooks.example.com/a" => "https://hooks.example.com/b"',
        "    ~ oauth: [secret] (changed)",
        "    ~ signatureKey: [secret] (changed)",
    ]
