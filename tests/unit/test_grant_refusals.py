"""A refused grant is reported by its cause, as the platform's answer names it, with the
exact command for this stack and instance; an answer that names none says so."""

from __future__ import annotations

import pytest

from provider.core import grants
from provider.core.check import check_inputs
from provider.core.commands import onboard_for_resource
from provider.errors import GrantRejected, grant_refused

TAG = "pulumi:proj:dev:books"
SENT = "9130350000000002"


def refused(answer: str) -> str:
    exc = GrantRejected("create instance 'Books'", answer, status=400)
    return str(grant_refused("Books", exc, SENT, TAG))


# The emulator's answers (emulator/oauth.py), one per cause.
@pytest.mark.parametrize(
    "answer, cause, says",
    [
        (
            "OAuth grant is invalid or already used: the code was already exchanged; complete "
            "the consent flow again to get a new grant",
            grants.SPENT,
            "was already used: a grant works once",
        ),
        (
            "OAuth grant is invalid or already used: the code has expired; complete the "
            "consent flow again to get a new grant",
            grants.EXPIRED,
            "expired before it was used",
        ),
        (
            "OAuth grant is invalid or already used: the code is unknown; complete the "
            "consent flow again to get a new grant",
            grants.UNKNOWN,
            "is not one this platform issued",
        ),
        (
            "The OAuth grant was issued to another app: oauth.api.key / oauth.api.secret "
            "differ from the apiKey / apiSecret used in the consent flow",
            grants.OTHER_APP,
            "was issued to another app",
        ),
        (
            "providerData.realmId: Field required",
            grants.MALFORMED,
            "could not be read by the platform",
        ),
        (
            "OAuth grant is invalid or already used: oauth_verifier or secret does not match; "
            "complete the consent flow again to get a new grant",
            grants.MALFORMED,
            "could not be read by the platform",
        ),
        ("invalid_grant", grants.UNSAID, "does not say why"),
    ],
)
def test_each_cause_is_named_with_the_exact_command(answer, cause, says):
    assert grants.refusal_of(answer).cause == cause
    message = refused(answer)
    assert says in message
    assert "run `python -m provider.onboard --stack dev --instance books`, then `pulumi up`" in (
        message
    )
    assert "<stack>" not in message and "<key>" not in message


def test_another_company_names_both_realms_and_the_quoting():
    answer = (
        f"providerData realmId {SENT} is not the company that was authorized: the grant is "
        "for realmId 9130350000000001"
    )
    refusal = grants.refusal_of(answer)
    assert refusal == grants.Refusal(grants.OTHER_COMPANY, "9130350000000001")
    message = refused(answer)
    assert f"company {SENT} was declared and sent, the grant is for company 9130350000000001" in (
        message
    )
    assert 'in YAML, quote it: "9130350000000001"' in message
    assert "already used" not in message.split(". ", 1)[1]  # not blamed on a spent grant


def test_another_company_unnamed_by_the_platform_is_said_so():
    message = refused("providerData realmId is not the company that was authorized")
    assert "a company the platform did not name" in message


def test_commands_follow_the_wrapper_that_runs_pulumi():
    environ = {
        "QUICKBOOKS_ONBOARD_COMMAND": "bash scripts/local.sh onboard",
    }
    from provider.core.commands import onboard_for

    assert onboard_for("local", "books", environ) == (
        "bash scripts/local.sh onboard --stack local --instance books"
    )
    assert (
        onboard_for_resource(None) == "python -m provider.onboard --stack <stack> --instance <key>"
    )


@pytest.mark.parametrize("realm", [9130350000000001, 9130350000000001.0])
def test_a_realm_beyond_exact_numbers_is_refused_in_check_with_the_quoting_hint(realm):
    _, failures = check_inputs({"name": "Books", "oauth": {"code": "c0de", "realm_id": realm}})
    [failure] = [f for f in failures if "realm_id" in str(f)]
    assert 'in YAML, quote it, e.g. "9130350000000001"' in str(failure)
    assert "arrived as the number 91303500000000" in str(failure)  # as it came


def test_a_realm_given_as_an_exact_number_is_the_same_company_as_its_string():
    for realm in (123145, 123145.0, "123145"):
        inputs, failures = check_inputs(
            {"name": "Books", "oauth": {"code": "c0de", "realm_id": realm}}
        )
        assert not [f for f in failures if "realm_id" in str(f)]
        assert inputs["oauth"]["realm_id"] == "123145"


def test_no_grant_names_the_stack_and_instance():
    _, failures = check_inputs({"name": "Books", "ownership_tag": TAG})
    [failure] = [f for f in failures if "grant is required" in str(f)]
    assert "--stack dev --instance books" in str(failure)
