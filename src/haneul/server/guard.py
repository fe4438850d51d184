"""The AI Filter around a chat completion, whatever its dialect: the key's policy on the way
in, the verdict on the way out (`include_ai_filters`, in CLOVA's `aiFilter` shape), and the
audit log. `server/chat.py` runs it for every chat route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from haneul.engine.base import message_text, new_id, now
from haneul.errors import ContentFilterError
from haneul.safety.filter import SafetyFilter, clova_ai_filter
from haneul.safety.pii import mask
from haneul.safety.policy import REFUSAL_KO, blocking, categories
from haneul.safety.protocol import Verdict
from haneul.server.auth import Principal
from haneul.store.audit import AuditLog


def _pii(verdict: Verdict) -> list[Any]:
    return [f for f in verdict.findings if f.category.startswith("pii")]


class ChatGuard:
    def __init__(self, safety: SafetyFilter, audit: AuditLog, default_policy: str) -> None:
        self.safety = safety
        self.audit = audit
        self.default_policy = default_policy

    def _audit(self, principal: Principal, direction: str, action: str, found: list[str]) -> None:
        """One safety decision, recorded under the key and the user it acts for."""
        self.audit.record(principal.key_id, direction, action, found, owner=principal.owner)

    def policy(self, principal: Principal) -> str:
        return principal.safety_policy or self.default_policy

    async def screen_input(self, body: dict[str, Any], principal: Principal) -> str | None:
        """Apply the policy to the request (in place); a refusal text when it refuses."""
        policy = self.policy(principal)
        users = [m for m in body["messages"] if m.get("role") == "user"]
        if not users:
            return None
        verdict = await self.safety.check(message_text(users[-1]), kind="input")
        flagged = blocking(verdict)
        if flagged and policy == "block":
            self._audit(principal, "input", "blocked", flagged)
            raise ContentFilterError(
                "the message was blocked by the AI Filter (" + ", ".join(flagged) + ")",
                param="messages",
            )
        if flagged and policy == "refuse":
            self._audit(principal, "input", "refused", flagged)
            return REFUSAL_KO
        if policy == "mask":
            for m in users:
                if isinstance(m.get("content"), str):  # off the event loop: it reads them all
                    m["content"] = await asyncio.to_thread(mask, m["content"])
            if _pii(verdict):
                self._audit(principal, "input", "masked", categories(verdict))
        elif verdict.flagged():
            self._audit(principal, "input", "annotated", categories(verdict))
        return None

    async def screen_output(
        self, result: dict[str, Any], principal: Principal, include: bool
    ) -> dict[str, Any]:
        for choice in result.get("choices", []):
            message = choice.get("message", {})
            text = message.get("content") or ""
            verdict = await self.safety.check(text, kind="output")
            if self.policy(principal) == "mask" and _pii(verdict):
                message["content"] = mask(text, _pii(verdict))
                self._audit(principal, "output", "masked", categories(verdict))
            elif verdict.flagged():
                self._audit(principal, "output", "annotated", categories(verdict))
            if include:
                result["ai_filter"] = clova_ai_filter(verdict)
        return result

    async def watch_stream(
        self, chunks: AsyncGenerator[dict[str, Any], None], principal: Principal, include: bool
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Pass chunks through; at the end, judge the whole answer (streams are annotated,
        not masked: what was sent cannot be taken back)."""
        parts: list[str] = []
        async with aclosing(chunks):
            async for chunk in chunks:
                for choice in chunk.get("choices", []):
                    parts.append(choice.get("delta", {}).get("content") or "")
                yield chunk
        verdict = await self.safety.check("".join(parts), kind="output")
        if verdict.flagged():
            self._audit(principal, "output", "annotated", categories(verdict))
        if include:
            yield {
                "id": new_id("chatcmpl"),
                "object": "chat.completion.chunk",
                "created": now(),
                "choices": [],
                "ai_filter": clova_ai_filter(verdict),
            }

    async def judge(self, text: str, include: bool) -> list[dict[str, str]] | None:
        """The verdict on a refusal sent in place of the model's answer, when asked for."""
        if not include:
            return None
        return clova_ai_filter(await self.safety.check(text, kind="output"))


def refusal(model: str, text: str, stream: bool) -> dict[str, Any] | list[dict[str, Any]]:
    """The refusal as a whole reply, or as stream chunks."""
    base = {"id": new_id("chatcmpl"), "created": now(), "model": model}
    if not stream:
        return {
            **base,
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "content_filter",
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }
    chunk = {**base, "object": "chat.completion.chunk"}
    return [
        {
            **chunk,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}
            ],
        },
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "content_filter"}]},
    ]
