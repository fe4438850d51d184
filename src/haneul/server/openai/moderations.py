"""`POST /v1/moderations` in OpenAI's shape, with Haneul's Korean categories."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.safety.filter import SafetyFilter
from haneul.safety.pii import mask
from haneul.server.auth import Principal, authenticate
from haneul.server.text import refuse_bad_text

router = APIRouter(prefix="/v1")
MODEL = "haneul-ai-filter-1"
CATEGORIES = (
    "profanity",
    "insult",
    "sexual",
    "harassment",
    "injection",
    "pii",
    "pii/rrn",
    "pii/card",
    "pii/phone",
    "pii/email",
    "pii/account",
    "pii/passport",
    "pii/address",
    "pii/license",
    "pii/business",
)


class ModerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: (
        Annotated[str, Field(min_length=1)]
        | Annotated[list[str], Field(min_length=1, max_length=256)]
    )
    model: str | None = None
    kind: Literal["input", "output", "document", "skill"] = "document"  # extension

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)  # a lone surrogate could not be sent back as UTF-8

    @model_validator(mode="after")
    def _limits(self) -> ModerationRequest:
        texts = [self.input] if isinstance(self.input, str) else self.input
        if len(texts) > 256:
            raise ValueError("input takes at most 256 texts")
        if any(len(t) > 100_000 for t in texts):
            raise ValueError("each input text must be at most 100,000 characters")
        return self


def _scores(found: dict[str, float]) -> dict[str, float]:
    scores = {c: 0.0 for c in CATEGORIES}
    for category, score in found.items():
        key = category.replace(".", "/")
        scores[key] = max(scores.get(key, 0.0), score)
        if key.startswith("pii/"):
            scores["pii"] = max(scores["pii"], score)
    scores["harassment"] = max(scores["insult"], scores["profanity"])
    return scores


@router.post("/moderations")
async def moderations(
    body: ModerationRequest, request: Request, principal: Principal = Depends(authenticate)
) -> dict[str, Any]:
    safety: SafetyFilter = request.app.state.safety
    texts = [body.input] if isinstance(body.input, str) else body.input
    results = []
    for text in texts:
        verdict = await safety.check(text, kind=body.kind)
        scores = _scores(verdict.scores())
        flagged = {c: s >= 0.5 for c, s in scores.items()}
        results.append(
            {
                "flagged": any(flagged.values()),
                "categories": flagged,
                "category_scores": scores,
                "masked_input": mask(
                    text, [f for f in verdict.findings if f.category.startswith("pii")]
                ),
            }
        )
    return {"id": "modr-" + secrets.token_hex(12), "model": MODEL, "results": results}
