"""The reference receiver refuses what no notification needs: a body over its limit gets
413 before it is read, an unsigned one 401 without being read, and a burst of both
leaves it answering a signed delivery promptly."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from fastapi.testclient import TestClient

from emulator.events import Change, batch_notification, notification
from harness import REPO
from harness.receiver import start_receiver
from receiver.app import VERIFIED_HEADER, create_app
from receiver.limits import DEFAULT_MAX_BODY_BYTES
from receiver.signature import ID_HEADER, SIGNATURE_HEADER, sign

KEY = "receiver-limits-key-4e19a7"
BODY = json.dumps(notification(7, "9130350000000001", "invoices", "CREATED", "31")).encode()
CHUNK = 64 * 1024


def signed_headers(body: bytes = BODY, delivery_id: str = "d-1") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        ID_HEADER: delivery_id,
        SIGNATURE_HEADER: sign(KEY, body),
    }


@pytest.fixture
def small_limit():
    return TestClient(create_app([KEY], keep=10, max_body_bytes=2048))


def test_a_declared_length_over_the_limit_is_413_and_kept(small_limit):
    big = b"x" * 4096
    response = small_limit.post("/quickbooks/events", content=big, headers=signed_headers(big))
    assert response.status_code == 413
    assert response.headers[VERIFIED_HEADER] == "false"
    assert "2048-byte limit" in response.json()["error"]
    [kept] = small_limit.get("/deliveries").json()
    assert kept["status"] == 413 and kept["verified"] is False


def test_a_chunked_body_is_counted_while_it_streams(small_limit):
    big = b"x" * 4096
    chunks = (big[i : i + 512] for i in range(0, len(big), 512))  # no Content-Length
    response = small_limit.post("/quickbooks/events", content=chunks, headers=signed_headers(big))
    assert response.status_code == 413


def test_a_body_at_the_limit_still_verifies():
    client = TestClient(create_app([KEY], max_body_bytes=len(BODY)))
    response = client.post("/quickbooks/events", content=BODY, headers=signed_headers())
    assert response.status_code == 200 and response.json()["verified"] is True


def test_the_default_leaves_room_for_the_largest_notification():
    # 10 events is the most a polling notification carries.
    changes = [Change("invoices", "UPDATED", str(10**12 + i)) for i in range(10)]
    largest = len(json.dumps(batch_notification(2**31, "9" * 20, changes)).encode())
    assert largest * 100 < DEFAULT_MAX_BODY_BYTES


# -- the real process, over raw sockets -----------------------------------------


def address(receiver) -> tuple[str, int]:
    parts = urlsplit(receiver.url())
    return parts.hostname, parts.port


def raw_post(where: tuple[str, int], head: dict[str, str], body: bytes = b"") -> int | None:
    """POST with exactly these headers and body bytes; the status answered, or None
    when the connection was cut before an answer came."""
    host, port = where
    lines = ["POST /quickbooks/events HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in head.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    try:
        with socket.create_connection(where, timeout=10) as sock:
            sock.sendall(request)
            answer = sock.recv(1024)
    except OSError:
        return None
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None


def chunked(total: int) -> bytes:
    """`total` bytes as chunked transfer encoding, without the final empty chunk."""
    out = b""
    while total > 0:
        size = min(CHUNK, total)
        out += f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
        total -= size
    return out


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def receiver():
    with start_receiver([KEY]) as started:
        yield started


def test_a_38_mb_claim_is_refused_before_its_body_is_sent(receiver):
    head = {"Content-Length": str(38 * 1024 * 1024), SIGNATURE_HEADER: sign(KEY, b"")}
    started = time.monotonic()
    assert raw_post(address(receiver), head) == 413  # no body byte was ever sent
    assert time.monotonic() - started < 2


def test_an_unsigned_claim_is_refused_without_its_body(receiver):
    head = {"Content-Length": str(512 * 1024), "Content-Type": "application/json"}
    assert raw_post(address(receiver), head) == 401


def test_a_chunked_body_past_the_limit_is_413(receiver):
    head = {"Transfer-Encoding": "chunked", SIGNATURE_HEADER: sign(KEY, b"")}
    body = chunked(DEFAULT_MAX_BODY_BYTES + CHUNK)
    assert raw_post(address(receiver), head, body) == 413


def test_a_burst_of_bad_deliveries_leaves_signed_ones_answered_promptly(receiver):
    where = address(receiver)
    unsigned = ({"Content-Length": str(len(BODY)), "Content-Type": "application/json"}, BODY)
    oversized = (
        {"Content-Length": str(38 * 1024 * 1024), SIGNATURE_HEADER: sign(KEY, b"")},
        b"x" * CHUNK,  # the start of the body, as a sender that does not wait would send it
    )
    bad = [unsigned, oversized] * 150
    rss_before = rss_kib(receiver.process.pid)
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = pool.map(lambda item: raw_post(where, *item), bad)
        time.sleep(0.05)  # the burst is under way
        started = time.monotonic()
        signed = requests.post(
            receiver.url(), data=BODY, headers=signed_headers(delivery_id="amid"), timeout=10
        )
        during = time.monotonic() - started
        answers = list(answers)
    assert signed.status_code == 200 and signed.headers[VERIFIED_HEADER] == "true"
    assert during < 2.0, f"a signed delivery took {during:.2f} s amid the burst"
    assert answers[0::2] == [401] * 150
    # A sender that keeps writing after the 413 may see the connection cut instead.
    assert set(answers[1::2]) <= {413, None} and answers[1::2].count(413) >= 100
    grown_mib = (rss_kib(receiver.process.pid) - rss_before) / 1024
    assert grown_mib < 40, f"the receiver grew by {grown_mib:.0f} MiB"
    started = time.monotonic()
    after = requests.post(
        receiver.url(), data=BODY, headers=signed_headers(delivery_id="after"), timeout=10
    )
    assert after.status_code == 200 and time.monotonic() - started < 1.0


def test_the_limit_is_checked_on_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "receiver", "--port", "0", "--max-body-bytes", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=20,
        env={"RECEIVER_SIGNATURE_KEY": KEY, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0 and "--max-body-bytes" in result.stderr
