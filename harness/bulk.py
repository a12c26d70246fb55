"""The bulk path proven safe: `pulumi` killed (`kill -9`) in the middle of a create, an
update of every instance and a destroy run with `PULUMI_SKIP_CHECKPOINTS=true`, each
followed by the plain command, ends with exactly the declared instances.

With checkpoints skipped the engine writes the state once, at the end of a command:
a command killed half-way leaves the state as it was before it, while the platform
holds whatever the killed command did. The provider recovers from exactly that: a
create finds the instance an earlier attempt made by its ownership tag and adopts it
(never a second one), an update re-applies what may already be applied (a PATCH
merges: the same values twice are the same instance), a delete of an instance
already gone is done.

`interrupted_lifecycle` runs the three kills and their recoveries on a stack and
checks every step against the emulator's own list and request log; the reliability
suite runs it on both front-ends, `python -m bench.bulk` at N = 300.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .controls import Emulator
from .pulumi_stack import PulumiStack
from .reaping import kill_command, marked_env

SKIP_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}
NEXT_PAGE_HEADER = "Elements-Next-Page-Token"
CHANGED_URL = "https://hooks.example.com/quickbooks/bulk-changed"


def listed(emu: Emulator) -> list[dict[str, Any]]:
    """Every instance of the organization, following pages if the list pages."""
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {}
    while True:
        response = emu.api("GET", "/instances", params=params)
        if response.status_code == 404:  # "No instances found"
            return found
        assert response.status_code == 200, response.text
        found += response.json()
        token = response.headers.get(NEXT_PAGE_HEADER)
        if not token:
            return found
        params = {"nextPage": token}


def by_ownership_tag(emu: Emulator, stack_tag: str) -> dict[str, list[str]]:
    """The ids of the organization's instances carrying `stack_tag`, by ownership tag."""
    owners: dict[str, list[str]] = {}
    for instance in listed(emu):
        tags = instance.get("tags") or []
        if stack_tag in tags:
            for tag in tags:
                if tag.startswith(stack_tag + ":"):
                    owners.setdefault(tag, []).append(str(instance["id"]))
    return owners


def succeeded(emu: Emulator, method: str) -> int:
    """How many `method` calls to an instance the emulator answered with success."""
    return sum(
        1
        for r in emu.requests()
        if r["method"] == method
        and "/instances" in r["path"]
        and r["status"] < 400
        and not r["path"].endswith("/enabled")
    )


def kill_midway(
    stack: PulumiStack,
    args: tuple[str, ...],
    method: str,
    total: int,
    env: dict[str, str] | None = None,
    timeout_s: float = 600,
) -> int:
    """Starts `pulumi <args>` and kills it (`kill -9`, then every plugin it started)
    once a third of its `total` `method` calls succeeded and before all did; how many
    had succeeded then. Fails if the command ends first or never gets there."""
    stack.emu.clear_requests()
    marked, mark = marked_env({**stack.env, **(env or {})})
    command = subprocess.Popen(
        ["pulumi", *args, "--stack", stack.stack, "--non-interactive"],
        cwd=stack.dir,
        env=marked,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout_s
    try:
        while (done := succeeded(stack.emu, method)) < max(1, total // 3):
            assert command.poll() is None, f"pulumi {args[0]} ended before it was killed"
            assert time.monotonic() < deadline, f"pulumi {args[0]}: {done} of {total} in time"
            time.sleep(0.05)
    finally:
        kill_command(command, mark)
    assert done < total, f"pulumi {args[0]} was not killed mid-way: {done} of {total} done"
    return done


@dataclass
class Report:
    """What each step did, for the caller to show (the checks are made here)."""

    killed_at: dict[str, int] = field(default_factory=dict)  # step -> calls done at the kill
    left: dict[str, int] = field(default_factory=dict)  # step -> what the kill left done
    calls: dict[str, Counter] = field(default_factory=dict)  # recovery -> successful calls
    seconds: dict[str, float] = field(default_factory=dict)


class Bulk:
    """One stack's interrupted lifecycle (see the module's docstring)."""

    def __init__(
        self,
        stack: PulumiStack,
        keys: list[str],
        settings: dict[str, Any],
        parallel: int = 32,
        write_delay_ms: int = 400,
    ) -> None:
        self.stack = stack
        self.emu = stack.emu
        self.keys = keys
        self.settings = settings
        self.parallel = parallel
        # Each write of a killed command takes this long, so that a kill lands half-way.
        self.write_delay_ms = write_delay_ms
        self.stack_tag = f"pulumi:{stack.project}:{stack.stack}"
        self.report = Report()

    @property
    def total(self) -> int:
        return len(self.keys)

    def owners(self) -> dict[str, list[str]]:
        return by_ownership_tag(self.emu, self.stack_tag)

    def killed(self, step: str, command: str, method: str, path: str) -> None:
        """`pulumi <command>` in bulk, its `method` writes slowed, killed half-way."""
        self.emu.add_fault(method, path, kind="delay", delay_ms=self.write_delay_ms, count=10**6)
        args = (command, "--yes", "--skip-preview", "--parallel", str(self.parallel))
        started = time.monotonic()
        try:
            self.report.killed_at[step] = kill_midway(
                self.stack, args, method, self.total, SKIP_CHECKPOINTS
            )
        finally:
            self.emu.clear_faults()
        self.report.seconds[f"{step}: killed after"] = time.monotonic() - started
        # What the platform was still doing when the CLI died completes (or not) now.
        time.sleep(self.write_delay_ms / 1000 + 1.0)

    def recover(self, step: str, command: str) -> Counter:
        """The documented recovery of a killed command: `pulumi cancel` (the killed
        command still holds the stack's lock), then the plain command."""
        self.stack.run("cancel", "--yes")
        self.emu.clear_requests()
        started = time.monotonic()
        self.stack.run(command, "--yes", "--skip-preview")
        self.report.seconds[f"{step}: recovery"] = time.monotonic() - started
        calls = Counter(
            r["method"]
            for r in self.emu.requests()
            if "/instances" in r["path"] and r["status"] < 400 and r["method"] != "GET"
        )
        self.report.calls[step] = calls
        return calls

    def run(self) -> Report:
        tags = {f"{self.stack_tag}:{k}" for k in self.keys}

        self.killed("create", "up", "POST", "/instances")
        assert self.stack.resources() == []  # the killed command wrote no state
        made = self.report.left["create"] = sum(len(i) for i in self.owners().values())
        calls = self.recover("create", "up")
        owners = self.owners()
        assert set(owners) == tags and all(len(i) == 1 for i in owners.values()), owners
        ids = {tag: found[0] for tag, found in owners.items()}
        state = {r["urn"].rsplit("::", 1)[1]: str(r["id"]) for r in self.stack.resources()}
        assert state == {tag.rsplit(":", 1)[1]: i for tag, i in ids.items()}
        # What the killed command made was adopted by its ownership tag, not made again.
        assert calls == Counter({"POST": self.total - made}), calls
        self.stack.preview("--expect-no-changes")

        for key in self.keys:
            changed = {**self.settings, "name": key, "callback_url": CHANGED_URL}
            self.stack.set_instance(key, **changed)
        self.killed("update all", "up", "PATCH", "/instances/*")
        # Nothing of the killed update is in the state: every instance is patched again,
        # to the same values for those the killed command got to; nothing else is done.
        calls = self.recover("update all", "up")
        assert calls == Counter({"PATCH": self.total}), calls
        assert self.owners() == {tag: [i] for tag, i in ids.items()}
        for instance in listed(self.emu):
            if str(instance["id"]) in ids.values():
                live = instance["configuration"]["event.notification.callback.url"]
                assert live == CHANGED_URL, instance["id"]
        self.stack.preview("--expect-no-changes")

        self.killed("destroy", "destroy", "DELETE", "/instances/*")
        assert len(self.stack.resources()) == self.total  # the killed destroy wrote no state
        left = self.report.left["destroy"] = sum(len(i) for i in self.owners().values())
        calls = self.recover("destroy", "destroy")
        # Each instance left is deleted once; those the killed command deleted, not again.
        assert calls == Counter({"DELETE": left}), calls
        assert self.owners() == {} and self.stack.resources() == []
        return self.report
