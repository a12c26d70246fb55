"""Builds the local stack's working config: the committed file plus this checkout's grants.

`stacks/Pulumi.local.yaml` is committed and stays untouched; the grants the
emulator issued to *this* checkout live only in `.state/Pulumi.local.yaml`
(encrypted). Each run regenerates that working copy from the committed file and
carries the `oauth` entries over from the previous copy, so edits to the
committed file take effect and grants survive.

    python -m scripts.local_config stacks/Pulumi.local.yaml .state/Pulumi.local.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

INSTANCES = "quickbooks:instances"


def merged(committed: dict, previous: dict | None) -> dict:
    result = dict(committed)
    result["config"] = dict(committed.get("config") or {})
    old_instances = ((previous or {}).get("config") or {}).get(INSTANCES) or {}
    instances = {k: dict(v) for k, v in (result["config"].get(INSTANCES) or {}).items()}
    for key, settings in instances.items():
        grant = (old_instances.get(key) or {}).get("oauth")
        if grant and "oauth" not in settings:
            settings["oauth"] = grant
    result["config"][INSTANCES] = instances
    return result


def main(committed_path: str, working_path: str) -> None:
    committed = yaml.safe_load(Path(committed_path).read_text())
    working = Path(working_path)
    previous = yaml.safe_load(working.read_text()) if working.exists() else None
    working.write_text(yaml.safe_dump(merged(committed, previous), sort_keys=False))


if __name__ == "__main__":
    main(*sys.argv[1:3])
