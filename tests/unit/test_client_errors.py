"""The client turns every answer it cannot use into a type of the one tree: an HTTP
error by the status table, an unreadable success body as an ApiError that counts as
applied (a POST that answered 2xx committed)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from harness.stub_server import QuietHandler, serving
from provider import errors
from provider.api.client import CloudElementsClient, RetryPolicy
from provider.api.redact import Redactor


class Answering(ThreadingHTTPServer):
    """Answers every request with `status` and the raw `body`."""

    daemon_threads = True
    status = 200
    body = b""


class _Handler(QuietHandler):
    server: Answering

    def _answer(self) -> None:
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    do_GET = do_POST = _answer


@pytest.fixture
def server() -> Iterator[Answering]:
    answering = Answering(("127.0.0.1", 0), _Handler)
    with serving(answering):
        yield answering


@pytest.fixture
def client(server) -> CloudElementsClient:
    base = f"http://127.0.0.1:{server.server_address[1]}/elements/api-v2"
    return CloudElementsClient(
        base, "user-1234", "org-1234", redactor=Redactor(), retry=RetryPolicy(max_retries=0)
    )


def test_the_client_picks_the_type_from_the_status_table(server, client, monkeypatch):
    server.status, server.body = 418, b'{"message": "short and stout", "requestId": "r-9"}'
    with pytest.raises(errors.ApiError):  # not in the table
        client.get_instance("7")
    monkeypatch.setitem(errors.STATUS_ERRORS, 418, errors.Conflict)
    with pytest.raises(errors.Conflict) as raised:
        client.get_instance("7")
    assert str(raised.value) == "read instance 7 failed: HTTP 418: short and stout (requestId r-9)"


def test_the_grant_rule_still_applies_to_a_400(server, client):
    server.status, server.body = 400, b'{"message": "The providerData grant was already used"}'
    with pytest.raises(errors.GrantRejected):
        client.create_instance({"name": "Books"}, owner="pulumi:p:s:books")


def test_a_success_whose_body_is_not_json_is_an_api_error_that_may_have_committed(server, client):
    server.status, server.body = 200, b"<html>gateway page</html>"
    with pytest.raises(errors.ApiError) as raised:
        client.create_instance({"name": "Books"}, owner="pulumi:p:s:books")
    assert raised.value.status == 200 and "the answer is not JSON" in str(raised.value)
    assert errors.may_have_committed(raised.value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 7, "token": "live-token-of-seven"}',
        b'[{"id": 7, "token": "live-token-of-seven"}, {"id": 8}]',
    ],
)
def test_every_token_an_answer_carries_is_redacted_from_then_on(server, client, body):
    server.status, server.body = 200, body
    client.get_instance("7")
    assert client.redact("message quoting live-token-of-seven") == "message quoting [secret]"
    # Later errors are built through the same redactor.
    server.status, server.body = 409, b'{"message": "conflict on live-token-of-seven"}'
    with pytest.raises(errors.Conflict) as raised:
        client.get_instance("7")
    assert "live-token-of-seven" not in str(raised.value)
