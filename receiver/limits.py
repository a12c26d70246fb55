"""The receiver's body limit: a notification is small, so a bigger body is refused
(413) before it is read, whatever its sender claims or omits.

A polling notification carries at most 10 events: with its ``raw`` part, a few
kilobytes. 1 MiB leaves ample room for that (and for a webhook vendor's larger
payloads) while bounding what one bad sender can make the receiver hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `python -m receiver --help` reads the default without loading FastAPI
    from fastapi import Request

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the body is over the {limit}-byte limit of a notification")


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse on the Content-Length header alone, before a byte of the body is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, counted while it streams in (chunked bodies declare no length);
    stops reading as soon as it passes ``limit``."""
    check_declared_length(request, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
