"""Turns `pulumi preview --json` into the markdown a reviewer reads on a pull request.

    pulumi preview --json --stack dev > preview.json
    python -m provider.preview_summary preview.json > summary.md

Per instance: the operation, then each input that changes, old -> new. Secret
inputs (the OAuth grant, the signature key) are reported only as changed or
unchanged, judged by their keyed fingerprints; their values never appear.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .spec import SECRET_INPUTS

INSTANCE_TYPE = "pulumi-python:dynamic/quickbooks:Instance"
HIDDEN = frozenset({"__provider", *SECRET_INPUTS, *(f"{s}_fingerprint" for s in SECRET_INPUTS)})
SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
for _op in ("create-replacement", "delete-replaced"):
    SYMBOL[_op] = "+-"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        text = ", ".join(map(str, value)) or "(none)"
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
    else:
        text = json.dumps(value) if isinstance(value, bool) else str(value)
    text = text.replace("|", "\\|").replace("`", "'")
    return f"`{text}`"


def _secret_change(name: str, old: dict, new: dict, op: str) -> str | None:
    old_fp, new_fp = old.get(f"{name}_fingerprint"), new.get(f"{name}_fingerprint")
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


def instance_rows(step: dict) -> list[tuple[str, str, str]]:
    op = step["op"]
    old = (step.get("oldState") or {}).get("inputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    rows = []
    for key in sorted(set(old) | set(new)):
        if key in HIDDEN:
            continue
        before, after = old.get(key), new.get(key)
        if op == "delete":
            continue
        if before != after:
            rows.append((key, _show(before) if op != "create" else "", _show(after)))
    for name in SECRET_INPUTS:
        change = _secret_change(name, old, new, op)
        if change:
            rows.append((f"{name} (secret)", "", change))
    return rows


def summarize(preview: dict) -> str:
    steps = [s for s in preview.get("steps") or [] if s.get("urn", "").count(INSTANCE_TYPE)]
    steps = [s for s in steps if s["op"] not in ("same", "read", "delete-replaced")]
    counts = preview.get("changeSummary") or {}
    summary = ", ".join(f"{n} to {op}" for op, n in sorted(counts.items()) if op != "same")
    lines = [f"### QuickBooks instances: {summary or 'no changes'}", ""]
    if not steps:
        lines.append("No instance changes.")
    for step in steps:
        name = step["urn"].rsplit("::", 1)[-1]
        op = "replace" if step["op"] in ("replace", "create-replacement") else step["op"]
        old_outputs = (step.get("oldState") or {}).get("outputs") or {}
        instance = old_outputs.get("instance_id")
        title = f"#### `{SYMBOL.get(op, op)}` {op} `{name}`"
        if instance:
            title += f" (instance {instance})"
        lines += [title]
        reasons = step.get("replaceReasons") or []
        if reasons:
            lines.append(
                f"Replaced because of: {', '.join(reasons)} (another QuickBooks company means "
                "a new instance)."
            )
        rows = instance_rows(step)
        if rows:
            lines += ["", "| input | old | new |", "|---|---|---|"]
            lines += [f"| {k} | {a} | {b} |" for k, a, b in rows]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = open(argv[0]).read() if argv else sys.stdin.read()
    sys.stdout.write(summarize(json.loads(text)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
