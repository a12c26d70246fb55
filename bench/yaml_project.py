"""The native plugin from a YAML program, each instance's grant a config key of its own.

A YAML program gets the stack's config over gRPC: the YAML language host evaluates it
in its own process from the engine's `RunRequest` (pulumi-yaml's `server.Run`). The
Python and Node.js hosts hand their program the whole config in one environment
variable, `PULUMI_CONFIG`, which Linux caps at 128 KiB: a Python program with each
instance in stack config stops at about 500 of them (docs/operations.md, "Bulk
runs"). So every size of the growth section, up to N = 1,000, runs this program.
"""

from __future__ import annotations

from pathlib import Path

from harness.accounts import EVENTS_URL
from harness.companies import generated_company
from harness.controls import Emulator
from harness.native import project_yaml
from harness.pulumi_stack import yaml_host_dir

from .projects import CHANGED_URL, QuickBooksProject, key


def yaml_program(count: int) -> str:
    """A YAML program of `count` instances, each with its grant from config, all with
    the callback URL of `callbackUrl`."""
    config = "  callbackUrl:\n    type: string\n" + "".join(
        f"  code{i}:\n    type: string\n    secret: true\n  realm{i}:\n    type: string\n"
        for i in range(count)
    )
    resources = "".join(
        f"  {key(i)}:\n    type: quickbooks:index:Instance\n    properties:\n"
        f"      name: {key(i)}\n      callbackUrl: ${{callbackUrl}}\n"
        f'      pollIntervalMinutes: 5\n      tags: ["env:bench"]\n'
        f"      oauth:\n        code: ${{code{i}}}\n        realmId: ${{realm{i}}}\n"
        for i in range(count)
    )
    if not count:
        return "outputs:\n  empty: true\n"
    return f"config:\n{config}resources:\n{resources}"


class YamlPluginProject(QuickBooksProject):
    """`count` instances from `yaml_program` on `venv`'s plugin; create, update all
    (`change_all`) and destroy."""

    def __init__(
        self, workdir: Path, emu: Emulator, count: int, venv: Path, first_company: int
    ) -> None:
        files = {"Pulumi.yaml": project_yaml(venv, "yaml") + yaml_program(count)}
        super().__init__(workdir, emu, count, files=files, first_company=first_company)
        self.stack.env["PATH"] = f"{yaml_host_dir()}:{self.stack.env['PATH']}"
        self.stack.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"

    def _callback(self, url: str) -> None:
        if self.count:
            self.stack.write_config({f"{self.stack.project}:callbackUrl": url})

    def prepare(self) -> None:
        self._callback(EVENTS_URL)
        self.grant_all()

    def change_all(self) -> None:
        self._callback(CHANGED_URL)

    def grant_all(self) -> None:
        """A fresh consent per instance, each on its own company, sealed into the stack
        file (`PulumiStack.sealer`): never on a command line."""
        project, app, sealer = self.stack.project, self.app, self.stack.sealer()
        values: dict[str, object] = {}
        for i in range(self.count):
            realm = generated_company(self.first_company + i)
            granted = self.emu.grant(app.api_key, app.api_secret, app.callback_url, realm_id=realm)
            values[f"{project}:code{i}"] = sealer.seal(granted["code"])
            # The YAML host reads digits as a number: a JSON string stays a string.
            values[f"{project}:realm{i}"] = f'"{granted["realmId"]}"'
        self.stack.write_config(values)
