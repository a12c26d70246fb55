"""Issue 15's call-count and latency goals, as bench/goals.py states them."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import goals


@pytest.mark.parametrize(
    ("operation", "calls", "met"),
    [
        ("preview", {}, True),
        ("no-op up", {"GET list": 1}, False),
        ("refresh", {"GET list": 1}, True),
        ("refresh", {"GET list": 1, "GET": 1}, True),  # one fallback GET
        ("refresh", {"GET": 3}, False),  # one GET per instance (before the inventory)
        ("refresh", {}, False),
        ("refresh", {"GET list": 1, "PATCH": 1}, False),
        ("create", {"GET list": 1, "POST": 3}, True),
        ("create", {"GET list": 2, "POST": 3}, True),
        ("create", {"GET list": 3, "POST": 3}, False),
        ("create", {"POST": 2}, False),
        ("destroy", {"GET list": 1, "DELETE": 3}, True),
        ("destroy", {"GET": 3, "DELETE": 3}, False),  # per-instance ownership GETs
        ("update one", {"GET list": 1, "PATCH": 1}, True),
        ("update one", {"GET": 1, "PATCH": 1}, True),
        ("update one", {"GET list": 1, "GET": 1, "PATCH": 1}, False),
    ],
)
def test_call_goals(operation, calls, met):
    assert goals.call_goal(operation, 3, Counter(calls))[0] is met


def test_latency_goals_follow_the_issue():
    # refresh: floor + 1 s at any N; create: 1.3 x (N x latency / concurrency) + floor
    assert goals.scale_limit("refresh", 100, 1, 0.25, 4, 1.5)[0] == pytest.approx(2.5)
    assert goals.scale_limit("create", 100, 101, 0.25, 4, 3.0)[0] == pytest.approx(11.125)
    assert goals.scale_limit("preview", 100, 0, 0.25, 4, 3.0)[0] is None
