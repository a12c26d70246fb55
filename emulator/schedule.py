"""The platform's clocks: the delivery retry schedule and the token refresh episode,
in platform seconds, and the scale that makes them fast for tests.

Delivery (devportal, guides/event-management/tips.md): a failed push is retried up
to 9 times, "with the interval using the equation 2^2x where x is the retry
attempt": the x-th retry comes 4^x seconds after the original failed attempt (4 s,
16 s, 64 s, ...; the 9th "a little under 73 hours" after it, 4^9 s = 72.8 h).

Token refresh (SAP Open Connectors, "Automatic Disabling of Connector Instances
after Failed Token Refresh"): a failed refresh is retried 10 s later, up to 5
attempts in one episode; after the fifth the tokens are locked and the instance
is disabled.

`--fast-retries` keeps both shapes and scales every platform second down to
FAST_SCALE real seconds (2^-16): the 9th retry then comes 4 s after the first
failure, and an episode's 5 attempts take 0.6 ms.
"""

from __future__ import annotations

RETRIES = 9
REFRESH_ATTEMPTS = 5
REFRESH_GAP_SECONDS = 10.0
FAST_SCALE = 2.0**-16


def retry_at(retry: int) -> float:
    """Platform seconds from the original failed attempt to the `retry`-th retry (1..9)."""
    if not 1 <= retry <= RETRIES:
        raise ValueError(f"retries are numbered 1 to {RETRIES}")
    return 4.0**retry


def scale_of(fast: bool) -> float:
    """Real seconds per platform second."""
    return FAST_SCALE if fast else 1.0
