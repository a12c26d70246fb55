"""The plugin's messages in the schema's names.

The core writes each message once, naming inputs as the declaration does
(`set adopt_id too`, `on_delete: release`); the dynamic resource shows it so, as
its program spells them. A YAML, TypeScript or Go program wrote `adoptId` and
`onDelete`, so every message the plugin shows (a check failure, an error, a
warning) has each declared name, and each field of a grant, in its camelCase
spelling. A name inside a dotted or colon path (`quickbooks:instances.books.oauth.realm_id`,
an API key such as `event.poller.refresh_interval`) is a path, not an input, and
stays.
"""

from __future__ import annotations

import re
from functools import cache

from ..core.inputs import SCHEMA
from .names import camel
from .types import OBJECT_INPUTS, object_field_names


@cache
def _declared() -> re.Pattern[str]:
    names = {*SCHEMA.inputs, *SCHEMA.input_fields, *SCHEMA.output_names}
    for name in OBJECT_INPUTS:
        names.update(object_field_names(name) or ())
    snake = sorted((n for n in names if "_" in n), key=len, reverse=True)
    return re.compile(r"(?<![\w.:/-])(" + "|".join(map(re.escape, snake)) + r")(?![\w-])")


def in_schema_names(message: str) -> str:
    """`message` with every declared snake_case name camelCased."""
    return _declared().sub(lambda m: camel(m.group(1)), message)
