"""CLOVA Studio's native embeddings: `POST /v1/api-tools/embedding/v2` (CLOVA's bge-m3 based
v2) and `POST /v1/api-tools/embedding/{modelName}` (v1: `clir-emb-dolphin`,
`clir-sts-dolphin`, or any embedding model or alias of the catalog).

`{"text": ...}` -> `result.embedding` (one vector) and `result.inputTokens`. v2 answers with
the server's embedding model (`HANEUL_EMBEDDING_MODEL`); the vector is given at CLOVA's
size, 1024 numbers, by the zero-padding rule of the OpenAI-compatible path
(server/clova/compat.py: cosine similarities and dot products are those of the model's own
384 numbers). The text is embedded as an e5 query, e5's form for symmetric similarity.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.errors import InvalidRequestError
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import ok
from haneul.server.clova.compat import fit_dimensions
from haneul.server.text import refuse_bad_text

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
CLOVA_DIMENSIONS = 1024  # the size of CLOVA's embedding v2 (and clir-emb-dolphin) vectors


class EmbeddingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)


async def _embedded(request: Request, principal: Principal, model: str, text: str) -> Any:
    serving = request.app.state.serving
    entry = serving.manager.resolve(model)
    if entry.task != "embedding":
        raise InvalidRequestError(
            f"model '{entry.name}' is a {entry.task} model, not an embedding model",
            param="modelName",
        )
    entry, backend = await serving.manager.get(entry.name)
    lease = await serving.admit(principal)
    try:
        result = await backend.embed([text], input_type="query")
    finally:
        lease.release()
    vector = fit_dimensions(result.vectors, CLOVA_DIMENSIONS, entry.name, pad=True)[0]
    serving.metrics.prompt_tokens.labels(entry.name).inc(result.prompt_tokens)
    return ok({"embedding": vector, "inputTokens": result.prompt_tokens})


@router.post("/v1/api-tools/embedding/v2")
async def embedding_v2(body: EmbeddingBody, request: Request, principal: Auth) -> Any:
    """The text's vector from the server's embedding model, at CLOVA's 1024 numbers."""
    model = request.app.state.serving.settings.embedding_model
    return await _embedded(request, principal, model, body.text)


@router.post("/v1/api-tools/embedding/{modelName}")
async def embedding_v1(
    modelName: str, body: EmbeddingBody, request: Request, principal: Auth
) -> Any:
    """v1: the text's vector from `modelName` (an alias such as clir-emb-dolphin)."""
    return await _embedded(request, principal, modelName, body.text)
