"""The size of a JSON request body, bounded before anything reads it.

A pure ASGI middleware: a request whose `Content-Length` is over the limit is answered 413 at
once; a body sent in chunks is counted as it arrives and refused as soon as it passes the limit,
so no route ever parses (or holds) more than `max_bytes` of JSON. Multipart uploads pass
untouched (their routes bound them per file), and so do CLOVA tuning tasks (`/tuning/`), whose
JSON may carry a whole training dataset, bounded by its own field (100,000,000 characters).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haneul.errors import RequestTooLargeError
from haneul.server.errors import error_response

EXEMPT = ("/tuning/",)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # FastAPI reads a body without a content type as JSON


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD")
            or scope.get("path", "").startswith(EXEMPT)
            or not _is_json(scope)
        ):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = RequestTooLargeError(
            f"the request body is larger than {self.max_bytes:,} bytes "
            "(HANEUL_MAX_BODY_BYTES); send less text"
        )
        await error_response(error, scope.get("path", ""))(scope, receive, send)
