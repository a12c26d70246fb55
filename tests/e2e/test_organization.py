"""Through the real CLI, on both front-ends, in an organization as the platform serves it:
lists of at most 5 (`--max-page-size 5`), so the stack's QuickBooks instances and the
ones around them take several pages, among Jira instances of the same organization.

Sources (docs/cloud-elements-api.md): every list pages (churros pagination.js: a next
page token exactly when more follow); the list is organization-wide, every connector
(devportal platform-api/instances); the company is quickbooks.realm.id (devportal
quickbooksonline/authenticate.md).
"""

from __future__ import annotations

import pytest

from harness.accounts import made_by_hand, made_jira, new_app
from harness.companies import new_company
from harness.emulator import QUEUED_LIST, calls, watched_emulator, writes
from harness.pulumi_stack import PulumiStack

PAGE = 5
LIST = ("GET", "/elements/quickbooks/instances")
BOOKS = {"name": "Books", "callback_url": "https://hooks.example.com/qbo"}
FRONT_ENDS = ("dynamic", "plugin")


@pytest.fixture(scope="module")
def emulator():
    """An emulator whose lists hold 5: 12 QuickBooks instances made by hand (3 pages of
    the QuickBooks list before any stack adds its own) and 8 Jira ones, every list of
    the organization at least 4 pages."""
    with watched_emulator(extra_args=("--max-page-size", str(PAGE))) as started:
        app = new_app()
        for n in range(12):
            made_by_hand(started, app, new_company(started), name=f"By hand {n}")
        for n in range(8):
            made_jira(started, name=f"Helpdesk {n}")
        yield started


def pages_of(emu, path: str) -> list[list[dict]]:
    """Every page of the list at `path` (following nextPage), in order."""
    pages, query = [], {}
    while True:
        answer = emu.api("GET", path, params=query)
        pages.append(answer.json())
        token = answer.headers.get("Elements-Next-Page-Token")
        if token is None:
            return pages
        query = {"nextPage": token}


def org_pages(emu, path: str = "/instances") -> int:
    return len(pages_of(emu, path))


def jira_snapshot(emu) -> dict[int, dict]:
    """Every Jira instance of the organization, as read (every page)."""
    return {i["id"]: i for page in pages_of(emu, "/elements/jira/instances") for i in page}


def ours(stack: PulumiStack, key: str) -> tuple[str, str]:
    owner = f"pulumi:{stack.project}:{stack.stack}"
    return f"{owner}:{key}", owner


def refused_up(stack: PulumiStack, emu) -> str:
    """`pulumi up` that fails before any write; what it said."""
    emu.clear_requests()
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert writes(emu) == []
    return refused.stdout + refused.stderr


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_stack_in_a_paged_organization_refreshes_by_list_and_never_touches_jira(
    stack, emu, front_end
):
    # Jira instances carrying this very stack's ownership and stack tags: never adopted
    # as a lost create, never read, never deleted.
    for n in range(2):
        made_jira(emu, name=f"Tagged like ours {n}", tags=ours(stack, "books"))
    assert org_pages(emu) >= 3
    stack.set_instance("books", **BOOKS)
    stack.grant("books")
    stack.set_instance("payroll", **{**BOOKS, "name": "Payroll"})
    stack.grant("payroll")
    jira_before = jira_snapshot(emu)

    emu.clear_requests()
    stack.up()
    made = {c for c in writes(emu)}
    assert made == {("POST", "/instances")}  # two creates, no adoption of a Jira twin
    ids = {stack.outputs()[k]["instance_id"] for k in ("books", "payroll")}
    assert not ids & {str(i) for i in jira_before}

    # Refresh: only the pages of the QuickBooks list (and the one list of queued event
    # deliveries), no GET by id, no drift.
    emu.clear_requests()
    stack.refresh("--expect-no-changes")
    pages = [c for c in calls(emu) if c == LIST]
    assert sorted(set(calls(emu))) == sorted({LIST, QUEUED_LIST}) and len(pages) >= 3
    assert calls(emu).count(QUEUED_LIST) == 1
    listed = [
        r
        for r in emu.requests()
        if (r["method"], r["path"].split("/elements/api-v2", 1)[-1]) == LIST
    ]
    assert sum("nextPage=" in r["query"] for r in listed) == len(pages) - 1
    stack.preview("--expect-no-changes")

    # Destroy: DELETE of this stack's two instances, nothing written to any Jira one.
    emu.clear_requests()
    stack.destroy()
    assert sorted(writes(emu)) == sorted(("DELETE", f"/instances/{i}") for i in ids)
    assert jira_snapshot(emu) == jira_before


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_company_guard_sees_the_last_page_and_names_an_unknown_company(
    stack, emu, app, front_end
):
    # An instance whose company the platform does not show: unknown, never free.
    hidden = made_by_hand(emu, app, new_company(emu), name="Company not shown")
    emu.hide_company(hidden["id"])
    # The company the stack will ask for, bound to the newest instance: the last page.
    taken_realm = new_company(emu)
    taken = made_by_hand(emu, app, taken_realm, name="Holds the company")
    pages = pages_of(emu, "/elements/quickbooks/instances")
    assert len(pages) >= 3 and pages[-1][-1]["id"] == taken["id"]

    stack.set_instance("books", **BOOKS)
    stack.grant("books", realm_id=taken_realm)
    said = refused_up(stack, emu)
    assert f"QuickBooks company {taken_realm} is already bound to instance {taken['id']}" in said

    stack.grant("books", realm_id=new_company(emu))
    done = stack.up()
    said = done.stdout + done.stderr
    assert "show no company (configuration quickbooks.realm.id)" in said
    assert f"instance {hidden['id']} ('Company not shown'" in said


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_adopting_or_importing_a_jira_instance_is_refused_naming_its_element(stack, emu, front_end):
    jira = made_jira(emu, name="Not QuickBooks")
    stack.set_instance("books", **BOOKS, adopt_id=str(jira["id"]))
    said = refused_up(stack, emu)
    assert f"instance {jira['id']} is an instance of the jira element" in said
    if front_end == "plugin":
        stack.remove_instance("books")
        flags = ("--yes", "--protect=false")
        imported = stack.run(
            "import", "quickbooks:index:Instance", "helpdesk", str(jira["id"]), *flags, check=False
        )
        assert imported.returncode != 0
        assert f"instance {jira['id']} is an instance of the jira element" in imported.stdout
        assert writes(emu) == [] and stack.resources() == []
