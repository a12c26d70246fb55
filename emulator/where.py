"""The `where` query of the deliveries API: `name='value'` clauses joined by `and`, as
the devportal writes it (tips.md: `channel='webhook' and status='queued' and
config.url='<callback>'`)."""

from __future__ import annotations

import re

from .exceptions import BadRequest

FIELDS = ("channel", "status", "config.url", "subscriptionId")
CLAUSE = re.compile(r"^\s*([A-Za-z][\w.]*)\s*=\s*'([^']*)'\s*$")
AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def parse_where(where: str | None) -> dict[str, str]:
    """`{field: value}` of every clause; a 400 naming the clause that is not one."""
    if not where or not where.strip():
        return {}
    found: dict[str, str] = {}
    for clause in AND.split(where.strip()):
        match = CLAUSE.match(clause)
        if match is None:
            raise BadRequest(f"where: cannot read {clause.strip()!r}; write name='value'")
        name, value = match.groups()
        if name not in FIELDS:
            raise BadRequest(f"where: unknown field {name!r}; known: {', '.join(FIELDS)}")
        found[name] = value
    return found
