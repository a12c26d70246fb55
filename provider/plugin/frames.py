"""The frames the plugin's two processes exchange over their pipes (`relay.py`,
`worker.py`): a header (request id, tag, body length) and the body.

The port's process sends `REQUEST`s (the method's name, a newline, the request's
bytes); the provider process answers each with its `ANSWER` (the response's bytes)
or `REFUSED` (the gRPC status code's name, a newline, the details), and sends one
`FAILED` (request id 0, the reason) if the provider cannot load.
"""

from __future__ import annotations

import os
import struct

HEADER = struct.Struct(">IBI")
REQUEST, ANSWER, REFUSED, FAILED = range(4)


def frame(request_id: int, tag: int, body: bytes) -> bytes:
    return HEADER.pack(request_id, tag, len(body)) + body


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> tuple[int, int, bytes] | None:
    """The next frame on `fd` (blocking); None once the other end has closed it."""
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    request_id, tag, size = HEADER.unpack(header)
    body = _read_exactly(fd, size)
    return None if body is None else (request_id, tag, body)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
