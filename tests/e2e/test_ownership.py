"""Ownership across stacks, protection, and recovery from a killed `up`, through the real CLI.

Two stacks of the same project share one Cloud Elements organization, as a team's
dev and prod stacks (or two teams) would.
"""

from __future__ import annotations

import functools
import subprocess
import time

import pytest

from harness.accounts import EVENTS_URL, new_app
from harness.emulator import writes
from harness.pulumi_stack import PulumiStack
from harness.reaping import kill_command, marked_env

PROJECT = "quickbooks-instances"
BOOKS = {"name": "Books", "callback_url": EVENTS_URL, "tags": ["env:e2e"]}


def owner(stack: str, resource: str) -> str:
    return owner_in(PROJECT, stack, resource)


def owner_in(project: str, stack: str, resource: str) -> str:
    return f"pulumi:{project}:{stack}:{resource}"


def output_of(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


@pytest.fixture
def two_stacks(tmp_path, emu, program):
    app = new_app()
    backend = tmp_path / "backend"  # one backend, as one team's stacks would share
    a = PulumiStack(tmp_path / "a", emu, app, stack="team-a", backend=backend, files=program)
    b = PulumiStack(tmp_path / "b", emu, app, stack="team-b", backend=backend, files=program)
    return a, b


@pytest.mark.parametrize("front_end", ["dynamic", "plugin"])
def test_a_stack_never_takes_over_or_deletes_another_stacks_instance(two_stacks, emu, front_end):
    """On both front-ends: the plugin's refusal is its error, its warnings diagnostics."""
    a, b = two_stacks
    owner = functools.partial(owner_in, a.project)  # the plugin's program has its own

    for key in ("books", "payroll"):
        a.set_instance(key, **BOOKS)
        a.grant(key)
    a.up()
    ids = {key: a.outputs()[key]["instance_id"] for key in ("books", "payroll")}

    # B adopts A's instance by id: refused before any write, naming the owner.
    b.set_instance("books", **BOOKS, adopt_id=ids["books"])
    emu.clear_requests()
    refused = b.up(check=False)
    assert refused.returncode != 0
    assert writes(emu) == []
    text = output_of(refused)
    assert f"is managed by {owner('team-a', 'books')}" in text
    # In the names the program wrote: Python's for the dynamic resource, the schema's
    # for the plugin.
    on_delete, adopt_from = (
        ("onDelete", "adoptFrom")
        if front_end == "plugin"
        else (
            "on_delete",
            "adopt_from",
        )
    )
    assert f"{on_delete}: release" in text and f"{adopt_from}: {owner('team-a', 'books')}" in text

    # A deliberate takeover names the current owner: one PATCH swaps the tag.
    for key in ("books", "payroll"):
        b.set_instance(key, **BOOKS, adopt_id=ids[key], adopt_from=owner("team-a", key))
    emu.clear_requests()
    b.up()
    assert sorted(writes(emu)) == sorted(("PATCH", f"/instances/{i}") for i in ids.values())
    live = emu.api("GET", f"/instances/{ids['books']}").json()
    assert owner("team-b", "books") in live["tags"]
    assert owner("team-a", "books") not in live["tags"]

    # A's refresh lets go of books, saying who holds it now; nothing is written.
    books_urn = next(r["urn"] for r in a.resources() if r["urn"].endswith("::books"))
    emu.clear_requests()
    refreshed = a.refresh("--target", books_urn)
    assert f"is now managed by {owner('team-b', 'books')}" in output_of(refreshed)
    assert [r["urn"].rsplit("::", 1)[-1] for r in a.resources()] == ["payroll"]
    assert writes(emu) == []

    # A's destroy, with payroll still in its state: B's instance is left, with a warning.
    destroyed = a.destroy()
    assert f"is managed by {owner('team-b', 'payroll')}" in output_of(destroyed)
    assert writes(emu) == []
    assert a.resources() == []

    # B's destroy deletes both: they are B's now.
    b.destroy()
    assert sorted(writes(emu)) == sorted(("DELETE", f"/instances/{i}") for i in ids.values())


def test_protected_stack_refuses_destroy_until_unprotected(tmp_path, emu):
    prod = PulumiStack(tmp_path / "prod", emu, new_app(), stack="prod-like")
    prod.write_config({"quickbooks:protect": True})
    prod.set_instance("books", **BOOKS)
    prod.grant("books")
    prod.up()
    emu.clear_requests()
    refused = prod.destroy(check=False)
    assert refused.returncode != 0
    assert "protect" in output_of(refused)
    assert writes(emu) == []
    assert len(prod.resources()) == 1

    # The README's deliberate teardown.
    prod.run("state", "unprotect", "--all", "--yes")
    prod.destroy()
    assert [w[0] for w in writes(emu)] == ["DELETE"]


def test_realm_id_is_plain_in_up_stack_output_and_state(tmp_path, emu):
    stack = PulumiStack(tmp_path / "realm", emu, new_app(), stack="realm")
    stack.set_instance("books", **BOOKS)
    realm = stack.grant("books")["realm_id"]
    up_text = output_of(stack.up())
    assert f'realm_id      : "{realm}"' in up_text
    assert "[secret]" not in up_text
    assert stack.outputs()["books"]["realm_id"] == realm
    shown = stack.run("stack", "output", "books").stdout
    assert realm in shown and "[secret]" not in shown
    state = stack.resources()[0]
    assert state["outputs"]["realm_id"] == realm  # plain: no ciphertext wrapper
    assert "realm_id" not in (state.get("additionalSecretOutputs") or [])


def test_killed_up_recovers_by_the_book_without_a_second_instance(tmp_path, emu):
    stack = PulumiStack(tmp_path / "killed", emu, new_app(), stack="killed")
    stack.set_instance("books", **BOOKS)
    stack.grant("books")
    # The create POST stays in flight long enough to kill the CLI during it; the
    # emulator completes it all the same (the instance exists, recorded nowhere).
    emu.add_fault("POST", "/instances", kind="delay", delay_ms=6000)
    emu.clear_requests()
    env, mark = marked_env(stack.env)
    cli = subprocess.Popen(
        ["pulumi", "up", "--yes", "--skip-preview", "--stack", stack.stack, "--non-interactive"],
        cwd=stack.dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(
            r["method"] == "GET" and r["path"].endswith("/instances") for r in emu.requests()
        ):
            assert cli.poll() is None, "pulumi up ended before its create started"
            assert time.monotonic() < deadline, "the create never started"
            time.sleep(0.2)
        time.sleep(1.5)  # the lookup answered; the POST is now held by the delay
    finally:
        kill_command(cli, mark)  # the CLI as a crash would, then the plugins it left
    time.sleep(6)  # the held POST completes on the platform side
    orphans = [
        i
        for i in emu.api("GET", "/instances").json()
        if owner("killed", "books") in (i.get("tags") or [])
    ]
    assert len(orphans) == 1

    # The README's recovery: the next up is refused by the lock; cancel, then up.
    locked = stack.up(check=False)
    assert locked.returncode != 0 and "the stack is currently locked" in output_of(locked)
    stack.run("cancel", "--yes")
    stack.up()
    posts = [r for r in emu.requests() if r["method"] == "POST"]
    assert len(posts) == 1, posts
    assert stack.outputs()["books"]["instance_id"] == str(orphans[0]["id"])
    assert len(stack.resources()) == 1
    stack.preview("--expect-no-changes")
