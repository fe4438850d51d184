"""CLOVA Studio's summarization: `POST /v1/api-tools/summarization/v2`.

`texts` (joined by newlines, at most 35,000 characters), `autoSentenceSplitter` (default
true), `segCount` (-1 or the number of segments), `segMaxSize` (1-3000 characters, 1000),
`segMinSize` (0..segMaxSize, 300), `includeAiFilters` -> `result.text` and
`result.inputTokens` (the input's tokens under the summarizing model's tokenizer).

Map-reduce within the model's context: the text is cut into topic segments
(knowledge/topics.py, with `segCount` and the sizes as post-processing); each segment is
summarised by the server's default chat model (one line `- ...` per segment); while the
lines together exceed `segMaxSize`, groups of them are summarised again. A segment too long
for the context is halved at a sentence end until it fits.

Length guard: the small local models sometimes repeat their input, loop, or invent. A
summary is kept only if it is shorter than `RATIO` of its source, is not a run of its
source's sentences copied verbatim, and passes the assistant's
answer check (no loop, no leaked instruction, no number the source does not hold); a
summary cut by its token budget keeps its whole sentences, and citations the model invents
(«(출처: …)», as the assistant's answers) are removed. Otherwise the segment's first
sentence stands in for it (Lead-1, the usual extractive baseline; on bench/clova_tools.py's
texts it kept more key facts than the sentence nearest the segment's mean e5 vector, the
first fallback tried), so the answer is always a checked summary or the source's own words.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.assistant.compose import check, strip_citations, whole_sentences
from haneul.engine.catalog import ModelEntry
from haneul.engine.protocol import Backend
from haneul.knowledge import topics
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import ok
from haneul.server.clova.generate import generate, screen
from haneul.server.text import refuse_bad_text

log = logging.getLogger(__name__)
router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
MAX_CHARS = 35_000
RATIO = 0.7  # a summary at least this long, relative to its source, is not one
MAX_SUMMARY_TOKENS = 200
REDUCE_ROUNDS = 3
PROMPT_MARGIN = 64  # tokens of the prompt around the text (instruction, chat template)
INSTRUCTION = "다음 글의 핵심 내용을 한두 문장의 한국어로 요약하세요. 글에 없는 내용은 쓰지 마세요."


class SummarizationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(min_length=1)
    autoSentenceSplitter: bool = True
    segCount: int = -1
    segMaxSize: int = Field(1000, ge=1, le=3000)
    segMinSize: int = Field(300, ge=0)
    includeAiFilters: bool = False
    postProcess: bool | None = None  # listed in one version of CLOVA's page; has no effect

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)

    @model_validator(mode="after")
    def _ranges(self) -> SummarizationBody:
        if not 1 <= len(self.joined()) <= MAX_CHARS:
            raise ValueError(f"texts must hold 1 to {MAX_CHARS} characters together")
        if self.segCount == 0 or self.segCount < -1:
            raise ValueError("segCount must be -1 (automatic) or at least 1")
        if self.segMinSize > self.segMaxSize:
            raise ValueError("segMinSize must not exceed segMaxSize")
        return self

    def joined(self) -> str:
        return "\n".join(t for t in self.texts if t.strip())


class _Summarizer:
    """One request's map-reduce over one model."""

    def __init__(
        self, serving: Any, principal: Principal, entry: ModelEntry, backend: Backend
    ) -> None:
        self.serving, self.principal, self.entry, self.backend = serving, principal, entry, backend

    async def tokens(self, text: str) -> int:
        return len(await self.backend.tokenize(text)) if text else 0

    async def fits(self, text: str) -> list[str]:
        """`text` as pieces that each fit the context with room for the summary."""
        room = self.backend.context_size - MAX_SUMMARY_TOKENS - PROMPT_MARGIN
        if await self.tokens(text) <= room:
            return [text]
        sentences = topics.split_sentences(text)
        if len(sentences) < 2:
            return [text[: max(1, len(text) // 2)], text[max(1, len(text) // 2) :]]
        half = len(sentences) // 2
        return [
            *await self.fits(" ".join(sentences[:half])),
            *await self.fits(" ".join(sentences[half:])),
        ]

    async def summary(self, source: str) -> str:
        """A checked model summary of `source`, or its first sentence."""
        budget = max(16, min(MAX_SUMMARY_TOKENS, await self.tokens(source) // 2))
        messages = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": source}]
        out = await generate(
            self.serving, self.principal, self.entry, self.backend, messages, budget
        )
        text = whole_sentences(out.text) if out.finish == "length" else out.text
        text = " ".join(strip_citations(text).split())  # no invented «(출처: …)»
        if text and len(text) < RATIO * len(source) and not copied(text, source):
            why = check(text, question="", grounds=[source], prompts=[INSTRUCTION])
            if why is None:
                return text
            log.info("summary replaced by the lead sentence: %s", why)
        else:
            log.info("summary replaced by the lead sentence: empty, too long or copied")
        return await asyncio.to_thread(lead_sentence, source)

    async def lines(self, segments: list[str]) -> list[str]:
        out: list[str] = []
        for segment in segments:
            for piece in await self.fits(segment):
                out.append(await self.summary(piece))
        return out


def copied(summary: str, source: str) -> bool:
    """Whether `summary` is more than one sentence copied verbatim from `source` (a model
    repeating its input's start; one copied sentence is a fair extract)."""
    flat = "".join(summary.split())
    return flat in "".join(source.split()) and len(topics.split_sentences(summary)) > 1


def lead_sentence(text: str) -> str:
    """The first sentence of `text` (Lead-1: in news and notices the topic sentence)."""
    sentences = topics.split_sentences(text)
    return sentences[0] if sentences else " ".join(text.split())


def _segments(body: SummarizationBody) -> list[str]:
    text = body.joined()
    if not body.autoSentenceSplitter:
        return [text]
    found = topics.segment(text, count=body.segCount, post=(body.segMinSize, body.segMaxSize))
    return [" ".join(found.sentences[i] for i in seg) for seg in found.segments] or [text]


@router.post("/v1/api-tools/summarization/v2")
async def summarization(body: SummarizationBody, request: Request, principal: Auth) -> Any:
    """A summary of `texts`, one `- ` line per topic segment, as CLOVA Studio answers."""
    serving = request.app.state.serving
    entry, backend = await serving.chat_backend(None)
    run = _Summarizer(serving, principal, entry, backend)
    segments = await asyncio.to_thread(_segments, body)
    lines = await run.lines(segments)
    for _ in range(REDUCE_ROUNDS):
        if len(lines) < 2 or sum(len(line) + 3 for line in lines) <= body.segMaxSize:
            break
        groups = _groups(lines, body.segMaxSize)
        lines = [await run.summary(" ".join(group)) for group in groups]
    text = "\n".join(f"- {line}" for line in lines)
    text, ai_filter = await screen(serving, principal, text, body.includeAiFilters)
    result: dict[str, Any] = {"text": text, "inputTokens": await run.tokens(body.joined())}
    if ai_filter is not None:
        result["aiFilter"] = ai_filter
    return ok(result)


def _groups(lines: list[str], size: int) -> list[list[str]]:
    """Consecutive lines in groups of at most `size` characters (at least two lines each
    while there are two left, so that every round shortens the list)."""
    groups: list[list[str]] = [[]]
    chars = 0
    for line in lines:
        if len(groups[-1]) >= 2 and chars + len(line) > size:
            groups.append([])
            chars = 0
        groups[-1].append(line)
        chars += len(line)
    return groups
