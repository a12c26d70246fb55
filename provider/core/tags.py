"""The ownership-tag grammar: `pulumi:<project>:<stack>:<resource>` marks the one
resource that manages an instance, `pulumi:<project>:<stack>` every instance of a
stack (so one filtered list finds them all). `pulumi:` is reserved for these two."""

from __future__ import annotations

OWNERSHIP_PREFIX = "pulumi:"


def ownership_tag_of(project: str, stack: str, resource: str) -> str:
    return f"{OWNERSHIP_PREFIX}{project}:{stack}:{resource}"


def stack_tag_of(ownership_tag: str) -> str:
    """`pulumi:<project>:<stack>` of `pulumi:<project>:<stack>:<resource>`."""
    project, stack, *_ = ownership_tag.removeprefix(OWNERSHIP_PREFIX).split(":", 2) + ["", ""]
    return f"{OWNERSHIP_PREFIX}{project}:{stack}"


def is_ownership_tag(tag: str) -> bool:
    """`pulumi:<project>:<stack>:<resource>` (the resource name may hold colons)."""
    parts = tag.removeprefix(OWNERSHIP_PREFIX).split(":", 2)
    return tag.startswith(OWNERSHIP_PREFIX) and len(parts) == 3 and all(parts)
