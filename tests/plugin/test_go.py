"""A Go program on the generated Go SDK (sdk/go), through our Go language host
(`pulumi-language-go`: `go build`, then the program run with the engine's settings, as
the upstream host does), on the plugin of the release archive.

The cycle: preview (one instance's callbackUrl wired to the other's id, unknown),
create, a no-op (0 writes), one changed field (1 PATCH), the `getInstance` function
(`LookupInstanceOutput` in Go, where `GetInstance` is the resource's own get), destroy.
Go modules come from the Go module proxy only; the SDK module by a `replace` of the
checkout's sdk/go.
"""

from __future__ import annotations

import tarfile

from harness import REPO
from harness.accounts import oauth_grant
from harness.companies import new_company
from harness.emulator import writes
from harness.pulumi_stack import PulumiStack
from provider.plugin import schema

from .test_release import ARCHIVE

# The Go SDK needs a newer pulumi SDK than the generator writes into its go.mod: the
# program asks for the CLI's release (Go takes the higher of the two).
PULUMI_SDK = "v3.274.1"

GO_MOD = f"""\
module quickbooks-go-program

go 1.25

require (
\tgithub.com/pulumi/pulumi/sdk/v3 {PULUMI_SDK}
\t{schema.GO_MODULE} v0.0.0
)

replace {schema.GO_MODULE} => {REPO / "sdk" / "go"}
"""

PROGRAM = f"""\
package main

import (
\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
\t"{schema.GO_IMPORT}"
)

func main() {{
\tpulumi.Run(func(ctx *pulumi.Context) error {{
\t\tcfg := config.New(ctx, "")
\t\thooks, err := quickbooks.NewInstance(ctx, "hooks", &quickbooks.InstanceArgs{{
\t\t\tName:        pulumi.String("Hooks"),
\t\t\tCallbackUrl: pulumi.String("https://hooks.example.com/events"),
\t\t\tOauth: &quickbooks.OauthGrantArgs{{
\t\t\t\tCode:    cfg.RequireSecret("code1"),
\t\t\t\tRealmId: pulumi.String(cfg.Require("realm1")),
\t\t\t}},
\t\t}})
\t\tif err != nil {{
\t\t\treturn err
\t\t}}
\t\tbooks, err := quickbooks.NewInstance(ctx, "books", &quickbooks.InstanceArgs{{
\t\t\tName:        pulumi.String("Books"),
\t\t\tCallbackUrl: pulumi.Sprintf("https://hooks.example.com/%s", hooks.InstanceId),
\t\t\tOauth: &quickbooks.OauthGrantArgs{{
\t\t\t\tCode:    cfg.RequireSecret("code2"),
\t\t\t\tRealmId: pulumi.String(cfg.Require("realm2")),
\t\t\t}},
\t\t\tPollIntervalMinutes: pulumi.Int(cfg.RequireInt("poll")),
\t\t}})
\t\tif err != nil {{
\t\t\treturn err
\t\t}}
\t\tlooked := quickbooks.LookupInstanceOutput(ctx, quickbooks.LookupInstanceOutputArgs{{
\t\t\tId: books.InstanceId,
\t\t}})
\t\tctx.Export("books", books.InstanceId)
\t\tctx.Export("lookedUp", looked.Name())
\t\treturn nil
\t}})
}}
"""


def test_a_go_program_previews_creates_changes_and_destroys(tmp_path, emu, app, release):
    plugin = tmp_path / "plugin"
    with tarfile.open(release.one(ARCHIVE)) as archive:
        archive.extractall(plugin, filter="tar")
    project = (
        "name: quickbooks-go\nruntime: go\nstackConfigDir: stacks\n"
        f"plugins:\n  providers:\n    - name: quickbooks\n      path: {plugin}\n"
    )
    files = {"Pulumi.yaml": project, "go.mod": GO_MOD, "main.go": PROGRAM}
    stack = PulumiStack(tmp_path / "go", emu, app, files=files)
    # Modules from the proxy, recorded in the program's go.sum as `go mod tidy` would.
    stack.env.update(GOFLAGS="-mod=mod", GOTOOLCHAIN="local")
    stack.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    realms = {"realm1": new_company(emu), "realm2": new_company(emu)}
    for key, realm in (("code1", realms["realm1"]), ("code2", realms["realm2"])):
        stack.set_secret(key, oauth_grant(emu, app, realm)["code"])
    for key, realm in realms.items():
        stack.run("config", "set", key, realm)
    stack.run("config", "set", "poll", "5")

    preview = stack.preview("--diff").stdout
    assert "+ 3 to create" in preview  # the stack and two instances
    callbacks = [line.split()[-1] for line in preview.splitlines() if "callbackUrl" in line]
    assert callbacks == ['"https://hooks.example.com/events"', "[unknown]"], preview

    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("POST", "/instances")] * 2
    outputs = stack.outputs()
    books = outputs["books"]
    assert outputs["lookedUp"] == "Books"

    emu.clear_requests()
    stack.up("--expect-no-changes")
    assert writes(emu) == []

    stack.run("config", "set", "poll", "10")
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{books}")]

    emu.clear_requests()
    stack.destroy()
    assert sorted(w[0] for w in writes(emu)) == ["DELETE", "DELETE"]
