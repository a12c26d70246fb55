"""The README's input and output tables, generated from the schema (`schema.py`).

`python -m provider.docs` rewrites them in place; `tests/unit/test_schema.py`
fails when the README differs from what this would write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .core.declaration import Schema
from .core.inputs import SCHEMA

README = Path(__file__).resolve().parents[1] / "README.md"


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
        rows.append(f"| `{out.name}` | {out.type} | {notes} |")
    return "\n".join(rows)


TABLES = {"inputs": inputs_table, "outputs": outputs_table}


def render_readme(text: str) -> str:
    """`text` with each `<!-- schema:NAME -->` … `<!-- /schema:NAME -->` block regenerated."""
    for name, table in TABLES.items():
        pattern = re.compile(rf"(<!-- schema:{name} -->\n).*?(\n<!-- /schema:{name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no <!-- schema:{name} --> block")
        text = pattern.sub(lambda m, t=table: m.group(1) + t() + m.group(2), text)
    return text


def main() -> int:
    before = README.read_text()
    after = render_readme(before)
    README.write_text(after)
    print("README tables " + ("updated" if after != before else "already current"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
