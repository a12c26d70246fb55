"""The documented shapes of the emulator's answers, as the emulator tests check them: an
error body, an element as an instance embeds it, a created instance."""

from __future__ import annotations

import re

# The fields of an element as an instance embeds it, and of a created instance.
ELEMENT_FIELDS = {
    "id",
    "name",
    "key",
    "description",
    "active",
    "deleted",
    "typeOauth",
    "trialAccount",
    "configDescription",
    "signupURL",
}
CREATE_FIELDS = {
    "id",
    "name",
    "token",
    "element",
    "provisionInteractions",
    "valid",
    "disabled",
    "maxCacheSize",
    "cacheTimeToLive",
    "cachingEnabled",
    "eventsEnabled",
    "traceLoggingEnabled",
    "createdDate",
    "tags",
}


def assert_error(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"requestId", "message"}
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["requestId"]
    )
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body["message"]
