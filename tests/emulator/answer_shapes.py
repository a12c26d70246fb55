"""The documented shapes of the emulator's answers, as the emulator tests check them: an
error body, an element as an instance embeds it, a created instance."""

from __future__ import annotations

import re

# The fields of an element as an instance embeds it, and of a created instance: the
# devportal's create answer (quickbooksonline/authenticate.md, "Example Response"), whose
# instance fields churros' element.instance.schema.json requires in part (id, name,
# token, valid, tags, user {id, emailAddress, firstName, lastName}).
ELEMENT_FIELDS = {
    "id",
    "name",
    "hookName",
    "key",
    "description",
    "image",
    "active",
    "deleted",
    "typeOauth",
    "trialAccount",
    "configDescription",
    "signupURL",
    "defaultTransformations",
    "objectMetadata",
    "transformationsEnabled",
    "bulkDownloadEnabled",
    "bulkUploadEnabled",
    "cloneable",
    "extendable",
    "beta",
    "authentication",
    "extended",
    "hub",
    "protocolType",
    "parameters",
    "private",
}
CREATE_FIELDS = {
    "id",
    "name",
    "createdDate",
    "token",
    "element",
    "elementId",
    "tags",
    "provisionInteractions",
    "valid",
    "disabled",
    "maxCacheSize",
    "cacheTimeToLive",
    "configuration",
    "eventsEnabled",
    "traceLoggingEnabled",
    "cachingEnabled",
    "externalAuthentication",
    "user",
}
USER_FIELDS = {"id", "emailAddress", "firstName", "lastName"}


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
