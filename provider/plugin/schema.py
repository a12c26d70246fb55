"""The `quickbooks` package schema, generated from the declarations.

Resource `quickbooks:index:Instance` has every input of `core/inputs.py` and every
output of its schema, camelCased; the provider's configuration is
`settings.ALL_SETTINGS` under the same keys as the stack config (`quickbooks:baseUrl`);
`quickbooks:index:getInstance` looks an instance up. Descriptions come from the
same docs the reference tables print.

    python -m provider.plugin.schema           # write sdk/schema.json
    python -m provider.plugin.schema --check   # exit 1 if it is stale

`scripts/gen-sdk.sh` generates the SDKs from the written file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..api.settings import ALL_SETTINGS, API_SETTINGS
from ..core.declaration import REQUIRED, Input, Output
from ..core.inputs import SCHEMA
from ..setting_docs import SETTING_DOCS
from .messages import in_schema_names
from .names import INSTANCE, PACKAGE, camel
from .types import input_type, object_types, output_type
from .version import version

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "sdk" / "schema.json"

GET_INSTANCE = f"{PACKAGE}:index:getInstance"
PYTHON_PACKAGE = "pulumi_quickbooks"
NODE_PACKAGE = "@quickbooks-instances/quickbooks"

# Where the project lives and its releases are published (`make release` writes the
# archives; a team hosting its own passes its URL: `make release URL=...`, which
# regenerates the released SDKs with it). `github://api.github.com/<owner>` is the
# engine's name for the releases of `<owner>/pulumi-quickbooks`.
OWNER = "quickbooks-instances"
REPOSITORY = f"https://github.com/{OWNER}/pulumi-{PACKAGE}"
PLUGIN_DOWNLOAD_URL = f"github://api.github.com/{OWNER}"
# The Go SDK's module (sdk/go, package `quickbooks`): the repository's path.
GO_MODULE = f"github.com/{OWNER}/pulumi-{PACKAGE}/sdk/go"
GO_IMPORT = f"{GO_MODULE}/{PACKAGE}"

# What no declaration says: the package, the resource and the lookup in one line each.
DESCRIPTION = "Cloud Elements QuickBooks Online element instances"
INSTANCE_DOC = (
    "A Cloud Elements QuickBooks Online element instance: its OAuth grant, event "
    "callback and polled resources. `pulumi import quickbooks:index:Instance <name> <id>` "
    "takes over an instance that is free or already this resource's."
)
GET_INSTANCE_DOC = (
    "Looks an instance up by `id` or by `name` (read-only: manages nothing). With a "
    "name, exactly one instance of the organization must carry it."
)


# One example per resource and function, in each language a registry page shows, as
# `examples/<stem>.<language>` (no `.py`: nothing imports them); each is run,
# type-checked or compiled by tests/plugin/test_examples.py.
EXAMPLES = Path(__file__).resolve().parent / "examples"
EXAMPLE_LANGUAGES = ("typescript", "python", "go", "yaml")


def examples(stem: str, title: str) -> str:
    """The `{{% examples %}}` section of a description: `examples/<stem>.*`."""
    blocks = "\n".join(
        f"```{language}\n{(EXAMPLES / f'{stem}.{language}').read_text()}```"
        for language in EXAMPLE_LANGUAGES
    )
    return (
        "\n\n{{% examples %}}\n## Example Usage\n\n{{% example %}}\n"
        f"### {title}\n\n{blocks}\n{{{{% /example %}}}}\n{{{{% /examples %}}}}"
    )


def _input_doc(i: Input) -> str:
    parts = [i.doc[:1].upper() + i.doc[1:] + "." if i.doc else "", f"Type: {i.type_doc}."]
    parts.append(f"Default: {i.default_doc}.")
    parts.append(f"On change: {i.on_change_doc}.")
    return in_schema_names(" ".join(p for p in parts if p))


def _output(o: Output) -> dict[str, Any]:
    doc = in_schema_names(o.doc[:1].upper() + o.doc[1:] + ".")
    prop = {**output_type(o.name, o.type), "description": doc}
    if o.secret or o.name in SCHEMA.secret_inputs:
        prop["secret"] = True
    if o.deprecated:
        prop["description"] += f" **Deprecated**: {o.deprecated}."
        prop["deprecationMessage"] = f"Deprecated: {o.deprecated}."
    return prop


def _input(i: Input) -> dict[str, Any]:
    prop = {**input_type(i), "description": _input_doc(i)}
    if i.secret:
        prop["secret"] = True
    return prop


def _settings() -> dict[str, dict[str, Any]]:
    props = {}
    for s in ALL_SETTINGS:
        kind = "string"
        if isinstance(s.default, int | float):
            kind = "integer" if isinstance(s.default, int) else "number"
        doc = SETTING_DOCS[s.config_key]
        # The env fallback is the plugin's own (never an SDK default: a value the SDK
        # filled in would be stored as the provider resource's input).
        required = "Required. " if s in API_SETTINGS else ""
        text = (
            f"{doc[:1].upper()}{doc[1:]}; else the environment variable `{s.env_var}`. "
            f"{required}Valid: {s.rule_doc}."
        )
        prop: dict[str, Any] = {"type": kind, "description": text}
        if s.secret:
            prop["secret"] = True
        props[s.config_key] = prop
    return props


def outputs() -> dict[str, dict[str, Any]]:
    return {camel(o.name): _output(o) for o in SCHEMA.outputs}


def build(plugin_download_url: str = PLUGIN_DOWNLOAD_URL) -> dict[str, Any]:
    inputs = {camel(i.name): _input(i) for i in SCHEMA.inputs.values()}
    required = [camel(i.name) for i in SCHEMA.inputs.values() if i.default is REQUIRED]
    settings = _settings()
    return {
        "name": PACKAGE,
        "displayName": "QuickBooks Online (Cloud Elements)",
        "version": version(),
        "description": DESCRIPTION,
        "keywords": ["pulumi", "quickbooks", "cloud-elements", "category/utility"],
        "license": "Apache-2.0",
        "publisher": "quickbooks-instances",
        "repository": REPOSITORY,
        "homepage": REPOSITORY,
        "logoUrl": f"{REPOSITORY}/raw/main/docs/logo.svg",
        "pluginDownloadURL": plugin_download_url,
        # One module per SDK language (sdk/go holds its own go.mod).
        "meta": {"supportPack": True},
        "config": {"variables": settings},
        "provider": {
            "description": "The provider's settings: where the API is and who you are. "
            "The default provider reads the stack config (`quickbooks:baseUrl`, ...), "
            "explicit providers serve other organizations in the same program.",
            "inputProperties": settings,
            "properties": {},
        },
        "types": object_types(),
        "resources": {
            INSTANCE: {
                "description": INSTANCE_DOC + examples("instance", "An instance with its grant"),
                "inputProperties": inputs,
                "requiredInputs": required,
                "properties": outputs(),
                "required": [camel(o.name) for o in SCHEMA.outputs[:2]],
            }
        },
        "functions": {
            GET_INSTANCE: {
                "description": GET_INSTANCE_DOC
                + examples("get_instance", "An instance looked up by name"),
                "inputs": {
                    "properties": {
                        "id": {"type": "string", "description": "The instance id."},
                        "name": {"type": "string", "description": "The instance name."},
                    },
                },
                "outputs": {"properties": outputs()},
            }
        },
        "language": {
            "python": {
                "packageName": PYTHON_PACKAGE,
                "respectSchemaVersion": True,
                "pyproject": {"enabled": True},
            },
            "nodejs": {"packageName": NODE_PACKAGE, "respectSchemaVersion": True},
            "go": {
                "importBasePath": GO_IMPORT,
                "modulePath": GO_MODULE,
                "respectSchemaVersion": True,
                "generateResourceContainerTypes": True,
            },
        },
    }


def text(plugin_download_url: str = PLUGIN_DOWNLOAD_URL) -> str:
    return json.dumps(build(plugin_download_url), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
    if argv == ["--check"]:
        if current != text():
            print(
                f"stale: {SCHEMA_FILE.relative_to(ROOT)} (run `python -m provider.plugin.schema`)"
            )
            return 1
        return 0
    if argv:
        print("usage: python -m provider.plugin.schema [--check]", file=sys.stderr)
        return 2
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(text())
    print(
        f"{SCHEMA_FILE.relative_to(ROOT)}: {'already current' if current == text() else 'updated'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
