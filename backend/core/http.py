"""The HTTP protocol uvicorn runs: its httptools parser with a cap on the request head,
and problem+json answers where the parser refuses a request.

httptools buffers a request line and headers of any size before the app sees them (an
8 MB header was read whole and answered 200).  This protocol counts the bytes of each
request's head (up to the blank line) as they arrive and, past the limit
(``CITYGRID_MAX_HEADER_BYTES``, default 32 KiB), answers 431 as a problem and closes the
connection before the parser sees them, so no client can make the server hold a huge head.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from backend.core.config import get_settings
from backend.core.problems import PROBLEM_JSON

LINGER_SECONDS = 5.0  # how long a refused connection drains input before closing
IMPORT_PATH = "backend.core.http:BoundedHttpToolsProtocol"


def raw_problem(status: int, reason: str, title: str, detail: str, slug: str) -> bytes:
    """A whole HTTP/1.1 problem+json answer, for the protocol layer (no app, no routing)."""
    body = json.dumps(
        {
            "type": f"https://citygrid.dev/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"content-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode()
    return head + body


def too_large_response(limit: int) -> bytes:
    return raw_problem(
        431,
        "Request Header Fields Too Large",
        "Request headers too large",
        f"The request line and headers are larger than {limit // 1024} KiB; "
        "send fewer or shorter headers.",
        "headers-too-large",
    )


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    _in_head = True  # until a request's headers are complete, and again after it
    _head_bytes = 0
    _tail = b""  # the last bytes seen, for a blank line split across reads
    _refused = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = get_settings().max_header_bytes

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # draining what the client still sends, so it can read the answer
        if self._in_head:
            window = self._tail + data
            end = window.find(b"\r\n\r\n")
            seen = len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._head_bytes += seen
            self._tail = window[-3:]
            if self._head_bytes > self.limit:
                self._refuse()
                return
        super().data_received(data)

    def _refuse(self) -> None:
        """Answer 431 and stop writing; keep reading (and dropping) until the client
        closes or ``LINGER_SECONDS`` pass: closing with unread input would reset the
        connection before the client reads the answer."""
        self.logger.warning("refused a request head over %d bytes", self.limit)
        self._refused = True
        self.transport.write(too_large_response(self.limit))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def send_400_response(self, msg: str) -> None:
        """The parser refused the request (a control character in a header, a broken
        request line): say so as a problem, like every other refusal."""
        self.transport.write(
            raw_problem(
                400,
                "Bad Request",
                "Bad request",
                "The request is not valid HTTP/1.1 (for example a control character in a "
                "header, or a malformed request line).",
                "bad-request",
            )
        )
        self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes, self._tail = False, 0, b""
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
