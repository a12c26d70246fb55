"""When the client repeats a call, and how long it waits first.

A request is repeated only on the answers that say "try again" (429, 502, 503, 504)
and on connection errors, within a budget of attempts and of total waiting, with
full-jitter exponential back-off, or the platform's own `Retry-After` when it
sends one. Which requests may be repeated at all is the client's rule (`client.py`).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from . import settings as s

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})


@dataclass
class RetryPolicy:
    # The budget's defaults are the provider settings' (maxRetries, maxRetryWaitSeconds).
    max_retries: int = s.MAX_RETRIES.default
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_total_wait: float = s.MAX_RETRY_WAIT.default
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many resources over the window
        # instead of synchronising them into a retry storm.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unreadable: our own back-off applies, never a crash
    return max(0.0, parsed.timestamp() - time.time())
