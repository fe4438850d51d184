"""Server-sent events: the one framing of every streamed reply, and of errors in a stream.

Each API keeps its own event and error shapes through a small formatter; this module only
frames them and decides what happens when an error arrives after the response has started:

- OpenAI: `data: {chunk}` lines, then `data: [DONE]`; an error is one `data: {"error": ...}`
  line and the stream ends (no `[DONE]`, as OpenAI's own server does).
- the assistant: `data: {event}` lines; an error is `data: {"type": "error", "error": ...}`,
  and `data: [DONE]` always ends the stream.
- CLOVA Studio: `id:`/`event:`/`data:` blocks (`token`, then `result`); an error is
  `event: error` with CLOVA's `{"status": {"code", "message"}}`.

The items' stream is closed whatever happens (a client that leaves ends the generation).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import Any, TypeVar

from fastapi.responses import StreamingResponse

from haneul.errors import HaneulError

T = TypeVar("T")
DONE = b"data: [DONE]\n\n"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _json(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def data(payload: Mapping[str, Any]) -> bytes:
    """One `data:` event (OpenAI's and the assistant's framing)."""
    return f"data: {_json(payload)}\n\n".encode()


def event(name: str, payload: Mapping[str, Any]) -> bytes:
    """One named event with a fresh id (CLOVA Studio's framing)."""
    return f"id: {uuid.uuid4()}\nevent: {name}\ndata: {_json(payload)}\n\n".encode()


async def framed(
    items: AsyncGenerator[T, None],
    encode: Callable[[T], bytes | None],
    error: Callable[[HaneulError], bytes],
    *,
    done: bytes | None = None,
    done_after_error: bool = False,
) -> AsyncIterator[bytes]:
    """`items` encoded one by one (an item encoded as None is skipped), then `done`; a
    `HaneulError` raised by `items` becomes the `error` frame and ends the stream (with
    `done` after it where `done_after_error`)."""
    failed = False
    async with aclosing(items):
        try:
            async for item in items:
                frame = encode(item)
                if frame is not None:
                    yield frame
        except HaneulError as exc:
            failed = True
            yield error(exc)
    if done is not None and (done_after_error or not failed):
        yield done


def response(frames: AsyncIterator[bytes]) -> StreamingResponse:
    """The streaming response for `frames`: not cached, not buffered by a proxy."""
    return StreamingResponse(frames, media_type="text/event-stream", headers=HEADERS)
