"""Turns `pulumi preview --json` into the markdown a reviewer reads on a pull request.

    pulumi preview --diff --json --stack dev > preview.json
    python -m provider.preview_summary --stack dev preview.json > comment.md

Per instance: the operation, then each input that changes, old -> new. Secret
inputs (the OAuth grant, the signature key) are reported only as changed or
unchanged, judged by their keyed fingerprints; their values never appear.
The command line prints the whole pull-request comment: the preview's errors,
this summary, then the raw diff (provider/preview_diff.py) from the same JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from .core import health
from .core.inputs import SECRET_INPUTS
from .plugin.wire import marked
from .preview_diff import (
    DYNAMIC_INSTANCE,
    HIDDEN,
    MAX_VALUE,
    SYMBOL,
    errors,
    raw_diff,
    secret_change,
    step_inputs,
)

INSTANCE_TYPE = DYNAMIC_INSTANCE


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if marked(value):
        return "`[secret]`"
    if isinstance(value, list):
        text = ", ".join(map(str, value)) or "(none)"
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
    else:
        text = json.dumps(value) if isinstance(value, bool) else str(value)
    if len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + "…"
    text = text.replace("|", "\\|").replace("`", "'")
    return f"`{text}`"


def instance_rows(step: dict) -> list[tuple[str, str, str]]:
    op = step["op"]
    old, new = step_inputs(step)
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
        change = secret_change(name, old, new, op)
        if change:
            rows.append((f"{name} (secret)", "", change))
    return rows


def health_note(step: dict) -> str | None:
    """What a reviewer must know of an instance the state knows to be unhealthy: what
    happened and the fix, in the provider's own words (the preview's warning)."""
    old = (step.get("oldState") or {}).get("outputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    instance = str(old.get("instance_id"))
    if old.get("health") == health.AUTHORIZATION_LOST:
        return health.authorization_lost(instance, old.get("ownership_tag"))
    if old.get("health") == health.DISABLED and new.get("enabled") is not False:
        return health.found_disabled(instance)
    held = health.held_events(old.get("health"))
    if held is not None and new.get("events_enabled") is not False:
        callback = new.get("callback_url") or old.get("callback_url")
        return health.events_held_back(instance, callback, held)
    return None


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
        unhealthy = health_note(step)
        if unhealthy:
            lines.append(f"Health: {unhealthy}")
        rows = instance_rows(step)
        if rows:
            lines += ["", "| input | old | new |", "|---|---|---|"]
            lines += [f"| {k} | {a} | {b} |" for k, a, b in rows]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


COMMENT_LIMIT = 60_000  # a GitHub comment holds at most 65,536 characters


def _fenced(text: str, lang: str) -> list[str]:
    """A code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text, fence]


def comment(preview: dict, stack: str | None = None) -> str:
    """The pull-request comment for one stack: errors, summary, raw diff."""
    lines = [f"## `pulumi preview` of stack `{stack}`", ""] if stack else []
    failures = errors(preview)
    if failures:
        lines += ["**The preview failed:**", "", *_fenced("\n".join(failures), "text"), ""]
    lines.append(summarize(preview))
    diff = raw_diff(preview)
    room = COMMENT_LIMIT - sum(len(line) + 1 for line in lines)
    if len(diff) > room:
        diff = diff[: max(room, 0)] + "\n… (cut here: longer than a comment can hold)"
    lines += ["<details><summary>Raw diff</summary>", ""]
    lines += _fenced(diff or "(no changes)", "diff")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m provider.preview_summary")
    parser.add_argument("file", nargs="?", help="pulumi preview --json output (default: stdin)")
    parser.add_argument("--stack", help="the stack's name, for the comment's title")
    args = parser.parse_args(argv)
    text = open(args.file).read() if args.file else sys.stdin.read()
    try:
        preview = json.loads(text)
    except json.JSONDecodeError:
        # The CLI failed before it could print JSON (e.g. no backend login):
        # still post a comment, so the pull request shows that it failed.
        title = f"## `pulumi preview` of stack `{args.stack}`\n\n" if args.stack else ""
        sys.stdout.write(f"{title}The preview printed no JSON; the job log has its error.\n")
        return 0
    sys.stdout.write(comment(preview, args.stack))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
