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


def parts_of(tag: str) -> tuple[str, str, str] | None:
    """(project, stack, resource) of `pulumi:<project>:<stack>:<resource>` (the resource
    name may hold colons); None for any other tag."""
    if not tag.startswith(OWNERSHIP_PREFIX):
        return None
    parts = tag.removeprefix(OWNERSHIP_PREFIX).split(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


def is_ownership_tag(tag: str) -> bool:
    return parts_of(tag) is not None
