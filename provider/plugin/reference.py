"""The tables of `docs/plugin.md`, rendered from the package schema (`schema.build()`).

`python -m provider.docs` writes them with the other generated blocks of `docs/`;
`tests/unit/test_docs.py` fails when one is stale.
"""

from __future__ import annotations

import re
from typing import Any

from . import schema

_PIPE = re.compile(r"(?<!\\)\|")


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return f"`{prop['$ref'].rsplit('/', 1)[1]}`"
    if prop.get("type") == "array":
        return f"list of {_type(prop['items'])}"
    if prop.get("type") == "object":
        return f"map of {_type(prop['additionalProperties'])}"
    return prop["type"]


def _table(props: dict[str, Any], required: tuple[str, ...] = ()) -> str:
    rows = ["| property | type | description |", "|---|---|---|"]
    for name, prop in props.items():
        marks = [
            (m, on) for m, on in (("required", name in required), ("secret", "secret" in prop))
        ]
        marks = [m for m, on in marks if on]
        kind = _type(prop) + (f" ({', '.join(marks)})" if marks else "")
        # A table cell: pipes escaped (the declaration's docs escape theirs already).
        description = _PIPE.sub(r"\\|", prop.get("description", "").replace("\n", " "))
        rows.append(f"| `{name}` | {kind} | {description} |")
    return "\n".join(rows)


def instance_inputs() -> str:
    resource = schema.build()["resources"][schema.INSTANCE]
    return _table(resource["inputProperties"], tuple(resource["requiredInputs"]))


def instance_outputs() -> str:
    return _table(schema.build()["resources"][schema.INSTANCE]["properties"])


def grant_type() -> str:
    types = schema.build()["types"]
    return "\n\n".join(f"`{token}`:\n\n{_table(t['properties'])}" for token, t in types.items())


def provider_config() -> str:
    return _table(schema.build()["provider"]["inputProperties"])


def get_instance() -> str:
    return _table(schema.build()["functions"][schema.GET_INSTANCE]["inputs"]["properties"])


def index_examples() -> str:
    """The registry overview's example, one tab per language (`docs/_index.md`)."""
    languages = ",".join(schema.EXAMPLE_LANGUAGES)
    tabs = [f'{{{{< chooser language "{languages}" >}}}}']
    for language in schema.EXAMPLE_LANGUAGES:
        code = (schema.EXAMPLES / f"instance.{language}").read_text()
        tabs.append(
            f"{{{{% choosable language {language} %}}}}\n\n```{language}\n{code}```\n\n"
            "{{% /choosable %}}"
        )
    tabs.append("{{< /chooser >}}")
    return "\n".join(tabs)


def sdk_packages() -> str:
    """Each SDK's package, as the schema's language section names it."""
    language = schema.build()["language"]
    rows = ["| language | package |", "|---|---|"]
    rows.append(f"| TypeScript, JavaScript | `{language['nodejs']['packageName']}` (npm) |")
    rows.append(
        f"| Python | `pulumi-quickbooks` (wheel; import `{language['python']['packageName']}`) |"
    )
    rows.append(f"| Go | `{language['go']['importBasePath']}` |")
    rows.append("| YAML | none: the type `quickbooks:index:Instance` |")
    return "\n".join(rows)


BLOCKS = {
    "plugin-inputs": instance_inputs,
    "plugin-outputs": instance_outputs,
    "plugin-types": grant_type,
    "plugin-config": provider_config,
    "plugin-get-instance": get_instance,
}
