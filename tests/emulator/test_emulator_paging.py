"""Paging of every list (emulator/paging.py), on an emulator whose pages hold 3 items.

Sources: churros src/test/platform/formulas/pagination.js (Elements-Returned-Count and
Elements-Total-Count on a paged list; "there should ALWAYS be a next page token if there
are more results", and none otherwise); the `pageSize` / `nextPage` query parameters of
the platform's standardized paging (SAP Open Connectors help); the default and maximum
of 200 (clients of /instances page by 200). Stale and forged tokens: the sources are
silent; the emulator answers 400 (docs/cloud-elements-api.md, "Paging").
"""

from __future__ import annotations

import pytest

from emulator.exceptions import BadRequest
from emulator.paging import Pager
from harness.emulator import watched_emulator
from tests.emulator.answer_shapes import assert_error
from tests.emulator.emulator_support import create_instance

PAGE = 3


@pytest.fixture(scope="module")
def emulator():
    with watched_emulator(extra_args=("--max-page-size", str(PAGE))) as started:
        yield started


def all_pages(emu, path="/instances", params=None):
    """Every page of the list, following nextPage; the answers in order."""
    answers, query = [], dict(params or {})
    while True:
        answer = emu.api("GET", path, params=query)
        assert answer.status_code == 200, answer.text
        answers.append(answer)
        token = answer.headers.get("Elements-Next-Page-Token")
        if token is None:
            return answers
        query = {**(params or {}), "nextPage": token}


def test_a_list_of_seven_comes_in_pages_of_three_with_the_headers(emu):
    made = [create_instance(emu, name=f"paged-{n}", tags=["paging"])["id"] for n in range(7)]
    answers = all_pages(emu, params={"tags[]": "paging"})
    assert [len(a.json()) for a in answers] == [3, 3, 1]
    assert [item["id"] for a in answers for item in a.json()] == made
    for answer in answers:
        assert answer.headers["Elements-Total-Count"] == "7"
        assert answer.headers["Elements-Returned-Count"] == str(len(answer.json()))
    # The token is there exactly when more follow.
    assert ["Elements-Next-Page-Token" in a.headers for a in answers] == [True, True, False]


def test_page_size_below_the_cap_is_honoured_and_above_it_capped(emu):
    for n in range(4):
        create_instance(emu, name=f"sized-{n}", tags=["sized"])
    one = emu.api("GET", "/instances", params={"tags[]": "sized", "pageSize": "1"})
    assert len(one.json()) == 1 and one.headers["Elements-Returned-Count"] == "1"
    capped = emu.api("GET", "/instances", params={"tags[]": "sized", "pageSize": "500"})
    assert len(capped.json()) == PAGE
    for bad in ("0", "-1", "x"):
        assert_error(emu.api("GET", "/instances", params={"pageSize": bad}), 400, "pageSize")


def test_a_single_page_has_the_counts_and_no_token(emu):
    create_instance(emu, name="lonely", tags=["lonely"])
    answer = emu.api("GET", "/instances", params={"tags[]": "lonely"})
    assert answer.headers["Elements-Total-Count"] == "1"
    assert answer.headers["Elements-Returned-Count"] == "1"
    assert "Elements-Next-Page-Token" not in answer.headers


def test_forged_tampered_or_foreign_tokens_are_400(emu):
    for n in range(4):
        create_instance(emu, name=f"tokens-{n}", tags=["tokens"])
    first = emu.api("GET", "/instances", params={"tags[]": "tokens"})
    token = first.headers["Elements-Next-Page-Token"]
    forged = "eyJzIjoiYSIsImEiOjEsInQiOjF9.AAAAAAAAAAAAAAAAAAAAAAAA"
    assert_error(emu.api("GET", "/instances", params={"nextPage": forged}), 400, "nextPage")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert_error(emu.api("GET", "/instances", params={"nextPage": tampered}), 400, "nextPage")
    # A token continues only its own list: another filter, or another organization.
    other_list = {"tags[]": "paging", "nextPage": token}
    assert_error(emu.api("GET", "/instances", params=other_list), 400, "another list")
    mine = {"tags[]": "tokens", "nextPage": token}
    assert_error(emu.api("GET", "/instances", account=1, params=mine), 400, "nextPage")
    assert emu.api("GET", "/instances", params=mine).status_code == 200


def test_a_page_never_repeats_or_skips_when_instances_come_and_go_between_pages(emu):
    made = [create_instance(emu, name=f"moving-{n}", tags=["moving"])["id"] for n in range(6)]
    first = emu.api("GET", "/instances", params={"tags[]": "moving"})
    assert [i["id"] for i in first.json()] == made[:3]
    emu.api("DELETE", f"/instances/{made[0]}")  # already served
    later = create_instance(emu, name="moving-late", tags=["moving"])["id"]
    rest = all_pages(
        emu,
        params={"tags[]": "moving", "nextPage": first.headers["Elements-Next-Page-Token"]},
    )
    assert [i["id"] for a in rest for i in a.json()] == [*made[3:], later]


def test_a_stale_token_is_400_and_says_to_list_again():
    """Pager alone, with a clock: a token older than its lifetime is refused."""
    now = [1000.0]
    pager = Pager(2, token_ttl=60, clock=lambda: now[0])
    items = [type("Item", (), {"id": n})() for n in range(5)]
    token = pager.page(items, {}, scope="s").headers["Elements-Next-Page-Token"]
    assert [i.id for i in pager.page(items, {"nextPage": token}, scope="s").items] == [2, 3]
    now[0] += 61
    with pytest.raises(BadRequest, match="list again"):
        pager.page(items, {"nextPage": token}, scope="s")
    # Another emulator process (a restart) never issued it.
    with pytest.raises(BadRequest, match="did not issue"):
        Pager(2).page(items, {"nextPage": token}, scope="s")
