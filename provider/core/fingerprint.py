"""Keyed, non-reversible fingerprints of write-only secrets.

The API never returns the signature key or the OAuth grant, so the provider
cannot compare them with what is live. Instead the outputs keep an HMAC of the
value under a key derived from the organization secret: a preview can say
"signature key changed" without the state holding anything that reveals the
secret or lets someone test guesses against it without that organization secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

_VERSION = "v1"


def fingerprint(organization_secret: str, value: Any) -> str | None:
    if value is None:
        return None
    key = hashlib.sha256(f"quickbooks-fingerprint:{organization_secret}".encode()).digest()
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return f"{_VERSION}:{hmac.new(key, canonical, hashlib.sha256).hexdigest()[:32]}"
