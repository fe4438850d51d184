"""Thin routes: parse, authenticate, hand over to `OpenAIServing`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from haneul.engine.catalog import ModelEntry
from haneul.server.auth import Principal, authenticate
from haneul.server.openai.schemas import (
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
    TokenizeRequest,
)
from haneul.server.openai.serving import OpenAIServing

router = APIRouter(prefix="/v1")


def _serving(request: Request) -> OpenAIServing:
    serving: OpenAIServing = request.app.state.serving
    return serving


def _model_card(entry: ModelEntry, loaded: list[str]) -> dict[str, Any]:
    return {
        "id": entry.name,
        "object": "model",
        "created": 0,
        "owned_by": entry.source.split(":")[0],
        "task": entry.task,
        "kind": entry.kind,
        "context_length": entry.context_length,
        "quantization": entry.quantization,
        "loaded": entry.name in loaded,
    }


@router.get("/models")
async def list_models(request: Request, principal: Principal = Depends(authenticate)) -> Any:
    manager = request.app.state.manager
    cards = [_model_card(e, manager.loaded) for e in manager.catalog.entries()]
    return {"object": "list", "data": cards}


@router.get("/models/{model_id:path}")
async def get_model(
    model_id: str, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    manager = request.app.state.manager
    return _model_card(manager.catalog.resolve(model_id), manager.loaded)


@router.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionRequest, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    return await _serving(request).chat(body, principal)


@router.post("/completions")
async def completions(
    body: CompletionRequest, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    return await _serving(request).complete(body, principal)


@router.post("/embeddings")
async def embeddings(
    body: EmbeddingRequest, request: Request, principal: Principal = Depends(authenticate)
) -> JSONResponse:
    return await _serving(request).embed(body, principal)


@router.post("/tokenize")
async def tokenize(
    body: TokenizeRequest, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    """Haneul extension: the model's token ids for a text, and their count."""
    entry, backend = await request.app.state.manager.get(body.model)
    tokens = await backend.tokenize(body.input)
    return {"model": entry.name, "tokens": tokens, "count": len(tokens)}
