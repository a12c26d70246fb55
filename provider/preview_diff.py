"""The raw diff of a `pulumi preview --diff --json`, rendered from that same JSON.

The pull-request comment shows it under the reviewer summary, so a reviewer can
see every resource and every nested field that changes without a second
preview. Per step: the operation, the type and name, then each changed input
path (`+` added, `-` removed, `~` changed). Secret inputs appear only as
set/changed/removed, judged by their fingerprints, like in the summary; the
fingerprints and the pickled provider are left out, and a value the engine
marked secret reads `[secret]`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .core.check import with_defaults
from .core.inputs import SECRET_INPUTS
from .plugin.names import INSTANCE as PLUGIN_INSTANCE
from .plugin.names import camel
from .plugin.wire import marked  # how the engine marks a secret: never shown

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
for _op in ("create-replacement", "delete-replaced"):
    SYMBOL[_op] = "+-"
MAX_VALUE = 200  # characters of one shown value; a comment has a size limit


# The instance's type on each front-end, and how its state names an input: the
# dynamic resource by the declaration's names, the plugin by its schema's.
DYNAMIC_INSTANCE = "pulumi-python:dynamic/quickbooks:Instance"
NAMING: dict[str, Callable[[str], str]] = {DYNAMIC_INSTANCE: str, PLUGIN_INSTANCE: camel}
# Every input with a default value, by its name in the state (a null is no value).
_DEFAULTS = {
    kind: {named(k): v for k, v in with_defaults({}).items() if v is not None}
    for kind, named in NAMING.items()
}


def _kind(step: dict) -> str:
    """The step's resource type (the URN's next to last part)."""
    parts = step.get("urn", "").split("::")
    return parts[-2] if len(parts) >= 2 else ""


def naming(step: dict) -> Callable[[str], str]:
    """How the step's state names an input (another type's: as declared)."""
    return NAMING.get(_kind(step), str)


def hidden(named: Callable[[str], str] = str) -> frozenset[str]:
    """What a diff never shows (the pickled provider, each secret and its fingerprint)."""
    secret = (*SECRET_INPUTS, *(f"{s}_fingerprint" for s in SECRET_INPUTS))
    return frozenset({"__provider", *map(named, secret)})


HIDDEN = hidden()


def step_inputs(step: dict) -> tuple[dict, dict]:
    """The old and new inputs of a step. Where it has both, each at its meaning: the
    state holds what was declared (older states every default and null too), so an
    input unset on one side is its default there, never a removal, and a null is unset.
    A create or a delete shows what is declared."""
    old = (step.get("oldState") or {}).get("inputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    defaults = _DEFAULTS.get(_kind(step))
    if not (old and new and defaults):
        return old, new
    old, new = (
        {**defaults, **{k: v for k, v in side.items() if v is not None}} for side in (old, new)
    )
    return old, new


def secret_change(
    name: str, old: dict, new: dict, op: str, named: Callable[[str], str] = str
) -> str | None:
    """How the secret input `name` changes, judged by its fingerprints (`named`: how the
    state names an input)."""
    fingerprint = named(f"{name}_fingerprint")
    old_fp, new_fp = old.get(fingerprint), new.get(fingerprint)
    name = named(name)
    if op == "create":
        return "set" if name in new or new_fp else None
    if op == "delete":
        return None
    if name not in old and name not in new:
        return None
    if name not in new:
        return "removed"
    if old_fp and new_fp:
        return "changed" if old_fp != new_fp else None
    return "may have changed (no fingerprint to compare)"


def _value(value: Any) -> str:
    if marked(value):
        return "[secret]"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _changes(path: str, old: Any, new: Any) -> list[tuple[str, str, str]]:
    """(symbol, path, text) for every leaf that differs between old and new."""
    if old == new:
        return []
    secret = marked(old) or marked(new)
    if isinstance(old, dict) and isinstance(new, dict) and not secret:
        rows = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            rows += _changes(sub, old.get(key, _MISSING), new.get(key, _MISSING))
        return rows
    if isinstance(old, list) and isinstance(new, list):
        rows = []
        for i in range(max(len(old), len(new))):
            before = old[i] if i < len(old) else _MISSING
            after = new[i] if i < len(new) else _MISSING
            rows += _changes(f"{path}[{i}]", before, after)
        return rows
    if old is _MISSING:
        return [("+", path, _value(new))]
    if new is _MISSING:
        return [("-", path, _value(old))]
    return [("~", path, f"{_value(old)} => {_value(new)}")]


_MISSING: Any = object()


def _input_lines(step: dict) -> list[str]:
    op = step["op"]
    old, new = step_inputs(step)
    if op in ("delete", "delete-replaced"):
        new = {}
    if op == "create":
        old = {}
    named = naming(step)
    secrets, left_out = {named(s): s for s in SECRET_INPUTS}, hidden(named)
    lines = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if key in secrets:
            change = secret_change(secrets[key], old, new, op, named) if op != "delete" else None
            if change:
                lines.append(f"    ~ {key}: [secret] ({change})")
        elif key not in left_out:
            changes = _changes(key, before, after)
            lines += [f"    {sym} {path}: {text}" for sym, path, text in changes]
    return lines


def raw_diff(preview: dict) -> str:
    """The diff lines of every step that does something (no fences)."""
    lines = []
    for step in preview.get("steps") or []:
        op = step.get("op", "")
        if op in ("same", "read", "refresh"):
            continue
        parts = step.get("urn", "").split("::")
        kind, name = (parts[-2], parts[-1]) if len(parts) >= 2 else ("?", step.get("urn", "?"))
        header = f"{SYMBOL.get(op, '~')} {kind} {name} {op}"
        reasons = step.get("replaceReasons") or []
        if reasons:
            header += f" [replace: {', '.join(reasons)}]"
        lines.append(header)
        lines += _input_lines(step)
    return "\n".join(lines)


def errors(preview: dict) -> list[str]:
    """The preview's error diagnostics, without terminal colours."""
    return [
        ANSI.sub("", d.get("message", "")).strip()
        for d in preview.get("diagnostics") or []
        if d.get("severity") == "error"
    ]
