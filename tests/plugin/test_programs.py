"""The installed plugin through the real CLI: a Python, a YAML and a TypeScript program,
each outside the checkout, on the package pip-installed into a fresh virtualenv
(`plugin_venv`); the TypeScript one on the Node.js SDK built from `sdk/nodejs`
(`plugin_node_modules`), run by our Node.js language host.

Each program wires one instance's `callbackUrl` to another's output, unknown in the
first preview, and looks the other up with `quickbooks:index:getInstance`. The cycle: preview, create, no-op (0 writes), one changed field (1
PATCH, the preview naming only it), a tag change (the preview shows the tags
added and removed), destroy. `pulumi import` needs no program of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.accounts import made_by_hand, oauth_grant
from harness.companies import new_company
from harness.emulator import writes
from harness.native import INSTANCES_PROGRAM, program_files
from harness.pulumi_stack import PulumiStack, yaml_host_dir

PYTHON = """\
import pulumi
import pulumi_quickbooks as quickbooks

config = pulumi.Config()
hooks = quickbooks.Instance(
    "hooks",
    name="Hooks",
    callback_url="https://hooks.example.com/events",
    oauth=quickbooks.OauthGrantArgs(code=config.require_secret("code1"), realm_id=config.require("realm1")),
    tags=[config.require("tagA")],
)
books = quickbooks.Instance(
    "books",
    name="Books",
    callback_url=hooks.instance_id.apply(lambda i: f"https://hooks.example.com/{i}"),
    oauth=quickbooks.OauthGrantArgs(code=config.require_secret("code2"), realm_id=config.require("realm2")),
    tags=[config.require("tagA"), config.require("tagB")],
    poll_interval_minutes=config.require_int("poll"),
)
pulumi.export("books", books.instance_id)
pulumi.export("lookedUp", quickbooks.get_instance_output(id=books.instance_id).name)
"""

YAML = """\
config:
  code1:
    type: string
    secret: true
  code2:
    type: string
    secret: true
  realm1:
    type: string
  realm2:
    type: string
  tagA:
    type: string
  tagB:
    type: string
  poll:
    type: integer
resources:
  hooks:
    type: quickbooks:index:Instance
    properties:
      name: Hooks
      callbackUrl: https://hooks.example.com/events
      oauth:
        code: ${code1}
        realmId: ${realm1}
      tags: ["${tagA}"]
  books:
    type: quickbooks:index:Instance
    properties:
      name: Books
      callbackUrl: https://hooks.example.com/${hooks.instanceId}
      oauth:
        code: ${code2}
        realmId: ${realm2}
      tags: ["${tagA}", "${tagB}"]
      pollIntervalMinutes: ${poll}
variables:
  lookedUp:
    fn::invoke:
      function: quickbooks:index:getInstance
      arguments:
        id: ${books.instanceId}
      return: name
outputs:
  books: ${books.instanceId}
  lookedUp: ${lookedUp}
"""

TYPESCRIPT = """\
import * as pulumi from "@pulumi/pulumi";
import * as quickbooks from "@quickbooks-instances/quickbooks";

const config = new pulumi.Config();
const hooks = new quickbooks.Instance("hooks", {
    name: "Hooks",
    callbackUrl: "https://hooks.example.com/events",
    oauth: { code: config.requireSecret("code1"), realmId: config.require("realm1") },
    tags: [config.require("tagA")],
});
const instance = new quickbooks.Instance("books", {
    name: "Books",
    callbackUrl: pulumi.interpolate`https://hooks.example.com/${hooks.instanceId}`,
    oauth: { code: config.requireSecret("code2"), realmId: config.require("realm2") },
    tags: [config.require("tagA"), config.require("tagB")],
    pollIntervalMinutes: config.requireNumber("poll"),
});
export const books = instance.instanceId;
export const lookedUp = quickbooks.getInstanceOutput({ id: instance.instanceId }).name;
"""

PROGRAMS = {"python": PYTHON, "yaml": YAML, "typescript": TYPESCRIPT}


def program_stack(
    tmp_path, emu, app, venv, runtime: str, program: str, node_modules: Path | None = None
) -> PulumiStack:
    stack = PulumiStack(tmp_path / runtime, emu, app, files=program_files(venv, runtime, program))
    if node_modules:  # a TypeScript program's packages (`plugin_node_modules`)
        (stack.dir / "node_modules").symlink_to(node_modules)
    if runtime == "yaml":  # the YAML host (scripts/pulumi-yaml.sh); fails if it cannot be built
        stack.env["PATH"] = f"{yaml_host_dir()}:{stack.env['PATH']}"
    stack.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    return stack


def changed_lines(preview: str) -> list[str]:
    """The property lines the preview marks as changed, without the outputs section."""
    resources = preview.split("--outputs:--")[0]
    return [line.strip() for line in resources.splitlines() if line.startswith("      ")]


@pytest.mark.parametrize("runtime", PROGRAMS)
def test_a_program_previews_creates_changes_and_destroys(
    request, tmp_path, emu, app, plugin_venv, runtime
):
    # npm only for TypeScript (and failing without node and npm)
    modules = request.getfixturevalue("plugin_node_modules") if runtime == "typescript" else None
    stack = program_stack(tmp_path, emu, app, plugin_venv, runtime, PROGRAMS[runtime], modules)
    realms = {"realm1": new_company(emu), "realm2": new_company(emu)}  # one instance each
    for key, realm in (("code1", realms["realm1"]), ("code2", realms["realm2"])):
        stack.set_secret(key, oauth_grant(emu, app, realm)["code"])
    for key, realm in realms.items():
        # The YAML host reads a config value of digits as a number (a company id past
        # 2**53 then loses its last digit), whatever type the program declares; a
        # JSON string stays a string.
        stack.run("config", "set", key, json.dumps(realm) if runtime == "yaml" else realm)
    stack.write_config(
        {
            f"{stack.project}:{k}": v
            for k, v in {"tagA": "env:a", "tagB": "team:x", "poll": "5"}.items()
        }
    )

    preview = stack.preview("--diff").stdout
    assert "+ 3 to create" in preview  # the stack and two instances
    callbacks = [line.split()[-1] for line in preview.splitlines() if "callbackUrl" in line]
    assert callbacks == ['"https://hooks.example.com/events"', "[unknown]"], preview

    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("POST", "/instances")] * 2
    books = stack.outputs()["books"]
    assert stack.outputs()["lookedUp"] == "Books"  # quickbooks:index:getInstance, by id
    hooks_id = next(r["id"] for r in stack.resources() if r["urn"].endswith("::hooks"))
    live = emu.api("GET", f"/instances/{books}").json()
    assert (
        live["configuration"]["event.notification.callback.url"]
        == f"https://hooks.example.com/{hooks_id}"
    )

    emu.clear_requests()
    stack.up("--expect-no-changes")
    assert writes(emu) == []

    stack.write_config({f"{stack.project}:poll": "10"})
    preview = stack.preview("--diff").stdout
    assert [line for line in changed_lines(preview) if line.startswith("~ ")] == [
        "~ pollIntervalMinutes: 5 => 10"
    ], preview
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{books}")]

    stack.write_config({f"{stack.project}:tagB": "cost:ops"})
    preview = stack.preview("--diff").stdout
    assert '+ [0]: "cost:ops"' in changed_lines(preview), preview
    assert '- [1]: "team:x"' in changed_lines(preview), preview
    assert "=>" not in preview.split("~ tags")[1].split("]")[0]  # no element shown as replaced
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{books}")]
    assert sorted(emu.api("GET", f"/instances/{books}").json()["tags"])[:2] == ["cost:ops", "env:a"]

    emu.clear_requests()
    stack.destroy()
    assert sorted(writes(emu)) == sorted(
        [("DELETE", f"/instances/{books}"), ("DELETE", f"/instances/{hooks_id}")]
    )


def test_a_typescript_error_reaches_the_user_once(
    tmp_path, emu, app, plugin_venv, plugin_node_modules
):
    # ts-node checks the program against the SDK's types before it runs anything.
    program = TYPESCRIPT.replace('config.requireNumber("poll")', 'config.require("poll")')
    stack = program_stack(
        tmp_path, emu, app, plugin_venv, "typescript", program, plugin_node_modules
    )
    emu.clear_requests()
    failed = stack.preview(check=False)
    assert failed.returncode != 0
    diagnostics = failed.stdout.split("Diagnostics:")[1]
    message = "error TS2322: Type 'string' is not assignable to type 'Input<number | undefined>'"
    line = 1 + next(i for i, text in enumerate(program.splitlines()) if "pollInterval" in text)
    assert f"index.ts({line},5): {message}" in diagnostics, diagnostics
    assert (failed.stdout + failed.stderr).count("TS2322") == 1, failed.stdout
    # The run entry reported it (exit code 32): the host adds nothing of its own.
    assert "exit code" not in failed.stdout + failed.stderr
    assert writes(emu) == []


def test_import_takes_a_free_instance_and_refuses_another_stacks(tmp_path, emu, app, plugin_venv):
    stack = program_stack(tmp_path, emu, app, plugin_venv, "python", INSTANCES_PROGRAM)
    free = made_by_hand(emu, app, new_company(emu), tags=("team:books",))
    owner = "pulumi:other-project:prod:books"
    taken = made_by_hand(emu, app, new_company(emu), tags=(owner,))
    flags = ("--yes", "--protect=false")

    emu.clear_requests()
    missing = stack.run(
        "import", "quickbooks:index:Instance", "gone", "999999", *flags, check=False
    )
    assert missing.returncode != 0 and "resource '999999' does not exist" in missing.stdout
    refused = stack.run(
        "import", "quickbooks:index:Instance", "theirs", str(taken["id"]), *flags, check=False
    )
    assert refused.returncode != 0
    assert f"instance {taken['id']} is managed by {owner}; nothing was changed" in refused.stdout
    assert 'File "' not in refused.stdout  # the provider's message, without a traceback
    assert writes(emu) == [] and stack.resources() == []

    # Without --generate-code=false: our language host writes the code (GenerateProgram).
    code = tmp_path / "imported.py"
    importing = ("import", "quickbooks:index:Instance", "books", str(free["id"]), *flags)
    stack.run(*importing, "--out", str(code))
    assert writes(emu) == []
    [imported] = stack.resources()
    assert imported["id"] == str(free["id"])
    assert imported["inputs"]["adoptId"] == str(free["id"])
    assert imported["inputs"]["tags"] == ["team:books"]
    generated = code.read_text()
    compile(generated, str(code), "exec")
    declared = generated[generated.index('books = quickbooks.Instance("books",') :]
    assert f'adopt_id="{free["id"]}"' in declared and 'tags=["team:books"]' in declared

    # The generated code is the program: the next `up` makes the instance this
    # stack's with one PATCH (the ownership and stack tags), and nothing else.
    (stack.dir / "__main__.py").write_text(generated)
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{free['id']}")]
    tags = emu.api("GET", f"/instances/{free['id']}").json()["tags"]
    assert f"pulumi:{stack.project}:e2e:books" in tags and f"pulumi:{stack.project}:e2e" in tags
    emu.clear_requests()
    stack.up("--expect-no-changes")
    assert writes(emu) == []


GET_PROGRAM = """\
import pulumi
import pulumi_quickbooks as quickbooks

config = pulumi.Config()
found = quickbooks.Instance.get("found", config.require("foundId"))
pulumi.export("name", found.name)
"""


def test_get_reads_an_instance_without_taking_it(tmp_path, emu, app, plugin_venv):
    free = made_by_hand(emu, app, new_company(emu), name="Found", tags=("team:books",))
    stack = program_stack(tmp_path, emu, app, plugin_venv, "python", GET_PROGRAM)
    stack.write_config({f"{stack.project}:foundId": str(free["id"])})
    emu.clear_requests()
    stack.up()
    assert stack.outputs() == {"name": "Found"}
    stack.destroy()  # a read resource is only dropped from the stack
    assert writes(emu) == []
    assert emu.api("GET", f"/instances/{free['id']}").json()["tags"] == ["team:books"]

    stack.write_config({f"{stack.project}:foundId": "999999"})
    missing = stack.up(check=False)
    assert missing.returncode != 0 and "resource '999999' does not exist" in missing.stdout


TWO_ORGANIZATIONS = """\
import pulumi
import pulumi_quickbooks as quickbooks

config = pulumi.Config()
second = quickbooks.Provider(
    "second-organization",
    base_url=config.require("baseUrl"),
    user_secret=config.require_secret("user2"),
    organization_secret=config.require_secret("org2"),
    oauth_api_key=config.require("appKey"),
    oauth_api_secret=config.require_secret("appSecret"),
    oauth_callback_url=config.require("appCallback"),
    allowed_callback_hosts="hooks.example.com",
)
for name, opts in (("first", None), ("second", pulumi.ResourceOptions(provider=second))):
    quickbooks.Instance(
        name,
        name=name.title(),
        callback_url="https://hooks.example.com/events",
        oauth=quickbooks.OauthGrantArgs(code=config.require_secret(name), realm_id=config.require(f"{name}Realm")),
        opts=opts,
    )
"""


def test_an_explicit_provider_serves_another_organization(tmp_path, emu, app, plugin_venv):
    stack = program_stack(tmp_path, emu, app, plugin_venv, "python", TWO_ORGANIZATIONS)
    org2, user2 = emu.accounts[1]
    for key, value in (("org2", org2), ("user2", user2), ("appSecret", app.api_secret)):
        stack.set_secret(key, value)
    plain = {"baseUrl": emu.base_url, "appKey": app.api_key, "appCallback": app.callback_url}
    for name in ("first", "second"):
        grant = oauth_grant(emu, app)
        stack.set_secret(name, grant["code"])
        plain[f"{name}Realm"] = grant["realm_id"]
    stack.write_config({f"{stack.project}:{k}": v for k, v in plain.items()})

    def names(account: int) -> list[str]:
        listed = emu.api("GET", "/instances", account=account)
        return [] if listed.status_code == 404 else [i["name"] for i in listed.json()]

    stack.up()
    assert "First" in names(0) and "Second" not in names(0)
    assert names(1) == ["Second"]
    stack.destroy()
    assert names(1) == [] and "First" not in names(0)
