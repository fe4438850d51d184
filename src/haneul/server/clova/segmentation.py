"""CLOVA Studio's paragraph segmentation: `POST /v1/api-tools/segmentation`.

`text` (a string, or a list of strings joined by newlines; 1-120,000 characters), `alpha`
(-1.5..1.5, larger gives more segments; -100 lets Haneul choose), `segCnt` (-1, or the
number of segments wanted), `postProcess` with `postProcessMaxSize`/`postProcessMinSize`
(characters) -> `result.topicSeg` (the sentences of each segment), `result.span` (their
sentence indices) and `result.inputTokens` (the e5 tokens read). The work is
knowledge/topics.py's (Kiwi sentences, e5 similarity valleys); replies and errors are in
CLOVA's shape (server/errors.py).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.knowledge import topics
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import ok
from haneul.server.text import refuse_bad_text

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
MAX_CHARS = 120_000


class SegmentationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | list[str]
    alpha: float = 0.0
    segCnt: int = -1
    postProcess: bool = False
    postProcessMaxSize: int = Field(1000, ge=1)
    postProcessMinSize: int = Field(300, ge=-1)

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)

    @model_validator(mode="after")
    def _ranges(self) -> SegmentationBody:
        if not (1 <= len(self.joined()) <= MAX_CHARS):
            raise ValueError(f"text must hold 1 to {MAX_CHARS} characters")
        if self.alpha != topics.AUTO_ALPHA and not -1.5 <= self.alpha <= 1.5:
            raise ValueError("alpha must be -100 (automatic) or between -1.5 and 1.5")
        if self.segCnt == 0 or self.segCnt < -1:
            raise ValueError("segCnt must be -1 (automatic) or at least 1")
        if self.postProcessMinSize > self.postProcessMaxSize:
            raise ValueError("postProcessMinSize must not exceed postProcessMaxSize")
        return self

    def joined(self) -> str:
        return self.text if isinstance(self.text, str) else "\n".join(self.text)


@router.post("/v1/api-tools/segmentation")
async def segmentation(body: SegmentationBody, request: Request, principal: Auth) -> Any:
    """The text's topic segments, as CLOVA Studio answers them."""
    post = (max(body.postProcessMinSize, 0), body.postProcessMaxSize) if body.postProcess else None
    lease = await request.app.state.serving.admit(principal)
    try:
        found = await asyncio.to_thread(
            topics.segment, body.joined(), alpha=body.alpha, count=body.segCnt, post=post
        )
    finally:
        lease.release()
    return ok(
        {
            "topicSeg": [[found.sentences[i] for i in seg] for seg in found.segments],
            "span": found.segments,
            "inputTokens": found.tokens,
        }
    )
