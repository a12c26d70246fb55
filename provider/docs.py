"""The reference tables of `docs/`, generated from the declarations.

Each generated table sits in a marked block, `<!-- schema:NAME -->` … `<!-- /schema:NAME -->`,
of the file `GENERATED` names; the prose around it is written by hand.

    python -m provider.docs           # rewrite every block
    python -m provider.docs --check   # exit 1, naming the stale files, without writing

`tests/unit/test_docs.py` fails when a file differs from what this would write.
The reliability suite writes its own block (`<!-- reliability:summary -->` in
`docs/reliability.md`) with `replace_block`, as the bench writes `bench/RESULTS.md`.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from .api.settings import ALL_SETTINGS, API_SETTINGS, NAMESPACE, ProviderSettings
from .core.declaration import Schema
from .core.inputs import SCHEMA
from .plugin.reference import BLOCKS as PLUGIN_BLOCKS
from .plugin.reference import index_examples, provider_config, sdk_packages
from .setting_docs import SETTING_DOCS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference.md"
PLUGIN = DOCS / "plugin.md"
# The registry's pages of the package: overview, and installation and configuration.
REGISTRY_INDEX = DOCS / "_index.md"
REGISTRY_INSTALL = DOCS / "installation-configuration.md"


def _cell(text: str) -> str:
    return text.replace("\n", " ")


def inputs_table(schema: Schema = SCHEMA) -> str:
    rows = ["| input | type | default | on change | notes |", "|---|---|---|---|---|"]
    for i in schema.inputs.values():
        cells = (i.type_doc, i.default_doc, i.on_change_doc, i.doc)
        rows.append(f"| `{i.name}` | " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def outputs_table(schema: Schema = SCHEMA) -> str:
    rows = ["| output | type | notes |", "|---|---|---|"]
    for out in schema.outputs:
        notes = f"secret; {out.doc}" if out.secret else out.doc
        if out.deprecated:
            notes += f". **Deprecated**: {out.deprecated}"
        rows.append(f"| `{out.name}` | {out.type} | {notes} |")
    return "\n".join(rows)


def _default(value: object) -> str:
    if value is None:
        return "—"
    if value == ():
        return "empty"
    return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def settings_table() -> str:
    declared = {s.config_key for s in ALL_SETTINGS}
    if declared != set(SETTING_DOCS):
        raise ValueError(
            "provider/docs.py SETTING_DOCS must describe exactly settings.ALL_SETTINGS: "
            f"missing {sorted(declared - set(SETTING_DOCS))}, "
            f"unknown {sorted(set(SETTING_DOCS) - declared)}"
        )
    defaults = {f.name: f.default for f in dataclasses.fields(ProviderSettings)}
    rows = [
        "| config key | env fallback | default | valid values | meaning |",
        "|---|---|---|---|---|",
    ]
    for s in ALL_SETTINGS:
        key = f"`{NAMESPACE}:{s.config_key}`" + (" (secret)" if s.secret else "")
        default = _default(defaults[s.field])
        required = "; required" if s in API_SETTINGS else ""
        valid = s.rule_doc + required
        rows.append(
            f"| {key} | `{s.env_var}` | {default} | {valid} | {SETTING_DOCS[s.config_key]} |"
        )
    return "\n".join(rows)


# File -> its generated blocks.
GENERATED = {
    REFERENCE: {"inputs": inputs_table, "outputs": outputs_table, "settings": settings_table},
    PLUGIN: PLUGIN_BLOCKS,
    REGISTRY_INDEX: {"registry-example": index_examples},
    REGISTRY_INSTALL: {"registry-packages": sdk_packages, "plugin-config": provider_config},
}

_HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text."""
    return {slug(h) for h in _HEADING.findall(_without_code(text))}


def slug(heading: str) -> str:
    text = re.sub(r"[`*_]|\[|\]\([^)]*\)", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def replace_block(text: str, marker: str, body: str) -> str:
    """`text` with the block `<!-- MARKER -->` … `<!-- /MARKER -->` holding `body`."""
    pattern = re.compile(rf"(<!-- {marker} -->\n).*?(<!-- /{marker} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"no <!-- {marker} --> … <!-- /{marker} --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text, count=1)


def render(path: Path, text: str | None = None) -> str:
    """`path`'s text (or `text`, as if it were `path`'s) with its generated blocks regenerated."""
    text = path.read_text() if text is None else text
    for name, table in GENERATED[path].items():
        text = replace_block(text, f"schema:{name}", table())
    return text


def stale() -> list[Path]:
    return [path for path in GENERATED if render(path) != path.read_text()]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        old = stale()
        for path in old:
            print(f"stale: {path.relative_to(ROOT)} (run `python -m provider.docs`)")
        return 1 if old else 0
    if argv:
        print("usage: python -m provider.docs [--check]", file=sys.stderr)
        return 2
    for path in GENERATED:
        before = path.read_text()
        after = render(path)
        path.write_text(after)
        state = "updated" if after != before else "already current"
        print(f"{path.relative_to(ROOT)}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
