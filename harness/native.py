"""The native `quickbooks` plugin as a team outside this repository gets it.

`install_package` makes a fresh virtualenv outside the checkout and runs
`pip install <checkout>` into it: the SDK `pulumi_quickbooks`, the plugin
`pulumi-resource-quickbooks` and their dependencies, nothing of the repository
else. `program_files` writes Pulumi programs on that virtualenv, for
`PulumiStack(files=...)`: the plugin is found through `plugins:` in `Pulumi.yaml`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from . import REPO
from .node_sdk import typescript_files

# The repository's program (`__main__.py`) on the plugin: one instance per entry of
# `quickbooks:instances`, exporting the outputs the shared e2e tests read. The e2e
# tests that hold for both front-ends run on either program.
INSTANCES_PROGRAM = """\
import pulumi
import pulumi_quickbooks as quickbooks

instances = pulumi.Config("quickbooks").get_object("instances") or {}
for key, settings in sorted(instances.items()):
    inputs = {"name": key, **settings}
    if isinstance(inputs.get("oauth"), dict):
        inputs["oauth"] = quickbooks.OauthGrantArgs(**inputs["oauth"])
    instance = quickbooks.Instance(key, **inputs)
    pulumi.export(
        key,
        {"instance_id": instance.instance_id, "valid": instance.valid, "health": instance.health},
    )
"""


def install_package(root: Path, extra: str | None = None) -> Path:
    """A new virtualenv under `root` with `pip install <checkout>` (`<checkout>[extra]`);
    its directory."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    package = f"{REPO}[{extra}]" if extra else str(REPO)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", package],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        output = done.stdout[-2000:] + done.stderr[-3000:]
        raise RuntimeError(f"pip install {package} failed:\n{output}")
    return venv


# The project of the programs on the plugin: not the repository's, so the
# instances they make never carry (and adopt) the same ownership tags.
PROJECT = "quickbooks-plugin"


def project_yaml(venv: Path, runtime: str, name: str = PROJECT) -> str:
    """`Pulumi.yaml` of a program on `venv`'s plugin (`runtime`: python, yaml or typescript).

    A YAML program's plugin entry gives the package's version, as docs/plugin.md
    advises: the engine then keeps the schema in its cache rather than start the
    plugin for it in every command. (An SDK program asks for its own version, which
    a declared one would then have to equal.)"""
    options = f"  options:\n    virtualenv: {venv}\n" if runtime == "python" else ""
    language = "nodejs" if runtime == "typescript" else runtime
    pinned = f"      version: {_installed_version(venv)}\n" if runtime == "yaml" else ""
    return (
        f"name: {name}\nruntime:\n  name: {language}\n{options}stackConfigDir: stacks\n"
        f"plugins:\n  providers:\n    - name: quickbooks\n      path: {venv / 'bin'}\n{pinned}"
    )


def _installed_version(venv: Path) -> str:
    """The version of the package installed in `venv` (its metadata, as `pip show`)."""
    found = list(venv.glob("lib/python*/site-packages/pulumi_quickbooks-*.dist-info"))
    if len(found) != 1:
        raise RuntimeError(f"not one pulumi-quickbooks installed in {venv}: {found}")
    return found[0].name.removeprefix("pulumi_quickbooks-").removesuffix(".dist-info")


def program_files(venv: Path, runtime: str, program: str) -> dict[str, str]:
    """The files of a project: a YAML program is Pulumi.yaml itself; a TypeScript one
    links node_modules to `install_node_packages`'s (harness.node_sdk)."""
    if runtime == "yaml":
        return {"Pulumi.yaml": project_yaml(venv, "yaml") + program}
    if runtime == "typescript":
        return typescript_files(project_yaml(venv, "typescript"), program)
    return {"Pulumi.yaml": project_yaml(venv, "python"), "__main__.py": program}
