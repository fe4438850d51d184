"""CLOVA Studio's reranker: `POST /v1/api-tools/reranker`.

`query`, `documents[{id, doc}]`, `maxTokens` (< 4096, default 1024) -> `result.result` (an
answer citing its sources as `<docN>`, N the document's 1-based place in `documents`),
`result.citedDocuments` (`{id, doc}` of each cited document, in citation order),
`result.suggestedQueries` and `result.usage` (`promptTokens`, `completionTokens`,
`totalTokens`).

The documents are ranked by Haneul's own second stage (knowledge/passages.py: the fitted
ranker of document search over BM25, e5 and coverage features); the best `CONTEXT_DOCS` go
to the server's default chat model, each under its `<docN>` tag, cut around its best
sentence until together they fit the model's context with the answer's budget. The answer
follows the assistant's citation rules (assistant/compose.py): a marker naming a document
the model was not given is removed, and an answer that loops, leaks the instruction or
states a number no document holds is not shown. When the model's answer is dropped or cites
nothing, the answer is the top document's sentence most similar to the query, cited: every
answer rests on a cited document. **Differs:** `suggestedQueries` is always empty (no
follow-up questions are generated).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.assistant.compose import check
from haneul.engine.protocol import Backend
from haneul.knowledge.passages import Ranked, rank_texts
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import ok
from haneul.server.clova.generate import generate
from haneul.server.text import refuse_bad_text

log = logging.getLogger(__name__)
router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
CONTEXT_DOCS = 3  # documents given to the model
DOC_CHARS = 1200  # characters of each document the model reads (around its best sentence)
MIN_DOC_CHARS = 150  # the least of each document kept when the context is small
PROMPT_MARGIN = 96  # tokens of the instruction, the question and the chat template
MAX_DOCUMENTS = 100
MARKER = re.compile(r"<doc(\d+)>")
INSTRUCTION = (
    "검색된 문서만 근거로 질문에 한국어로 짧게 답하세요. 근거가 된 문장 끝에 그 문서의 "
    "표시를 <doc1>처럼 붙이세요. 문서에 없는 내용은 쓰지 마세요."
)


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    doc: str = Field(min_length=1)


class RerankerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1)
    documents: list[Document] = Field(min_length=1, max_length=MAX_DOCUMENTS)
    maxTokens: int = Field(1024, ge=1, lt=4096)

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)


def excerpt(doc: str, best: str, size: int = DOC_CHARS) -> str:
    """At most `size` characters of `doc`, from its start or around its best sentence."""
    if len(doc) <= size:
        return doc
    at = max(doc.find(best), 0)
    if at + len(best) <= size:
        return doc[:size]
    start = max(0, min(at - size // 3, len(doc) - size))
    return doc[start : start + size]


async def fitted_context(
    backend: Backend, texts: list[str], chosen: list[Ranked], room: int
) -> str:
    """The chosen documents under their `<docN>` tags, cut (around each one's best
    sentence) until they take at most `room` tokens of the model's context."""
    size = DOC_CHARS
    while True:
        context = "\n\n".join(
            f"<doc{r.index + 1}>\n{excerpt(texts[r.index], r.best_sentence, size)}\n"
            f"</doc{r.index + 1}>"
            for r in chosen
        )
        if size <= MIN_DOC_CHARS or len(await backend.tokenize(context)) <= room:
            return context
        size = max(MIN_DOC_CHARS, int(size * 0.7))


def cited_answer(text: str, given: set[int], query: str, grounds: list[str]) -> str | None:
    """The model's answer with only markers of given documents, or None when it cannot be
    shown (the assistant's check, or the context copied with its tags) or cites nothing."""
    if "</doc" in text:  # the context's framing copied, not an answer
        return None
    text = MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in given else "", text).strip()
    if not text or not {int(n) for n in MARKER.findall(text)}:
        return None
    plain = MARKER.sub("", text)
    if check(plain, question=query, grounds=grounds, prompts=[INSTRUCTION]) is not None:
        return None
    return text


@router.post("/v1/api-tools/reranker")
async def reranker(body: RerankerBody, request: Request, principal: Auth) -> Any:
    """A cited answer from the documents most relevant to `query`."""
    serving = request.app.state.serving
    texts = [d.doc for d in body.documents]
    lease = await serving.admit(principal)
    try:
        ranked: list[Ranked] = await asyncio.to_thread(rank_texts, body.query, texts)
    finally:
        lease.release()
    chosen = sorted(ranked[:CONTEXT_DOCS], key=lambda r: r.index)
    entry, backend = await serving.chat_backend(None)
    budget = min(body.maxTokens, backend.context_size // 4)
    room = backend.context_size - budget - PROMPT_MARGIN - len(await backend.tokenize(body.query))
    context = await fitted_context(backend, texts, chosen, room)
    messages = [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": f"{context}\n\n질문: {body.query}"},
    ]
    out = await generate(serving, principal, entry, backend, messages, budget)
    given = {r.index + 1 for r in chosen}
    answer = cited_answer(out.text, given, body.query, [texts[r.index] for r in chosen])
    if answer is None:
        log.info("reranker answer replaced by the top document's sentence: %r", out.text[:80])
        top = ranked[0]
        answer = f"{top.best_sentence} <doc{top.index + 1}>"
    order = list(dict.fromkeys(int(n) for n in MARKER.findall(answer)))
    cited = [{"id": body.documents[n - 1].id, "doc": body.documents[n - 1].doc} for n in order]
    usage = {
        "promptTokens": out.prompt_tokens,
        "completionTokens": out.completion_tokens,
        "totalTokens": out.prompt_tokens + out.completion_tokens,
    }
    return ok({"result": answer, "citedDocuments": cited, "suggestedQueries": [], "usage": usage})
