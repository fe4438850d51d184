"""Thin routes: parse, authenticate, hand over to `OpenAIServing` (OpenAI's wire format over
the one chat path, `server/chat.py`).

The models, chat and embeddings routes are mounted twice: under `/v1` and under `/v1/openai`,
CLOVA Studio's OpenAI-compatible base URL (langchain-naver's `ChatClovaX` and
`ClovaXEmbeddings` talk to it). The same handlers serve both; on CLOVA's path errors carry
CLOVA's codes (server/errors.py) and `dimensions` above the model's size zero-pads
(server/clova/compat.py). Aliases (engine/aliases.py) are listed in `/models` with `alias_of`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from haneul.engine.aliases import model_aliases
from haneul.engine.catalog import ModelEntry
from haneul.engine.manager import ModelManager
from haneul.engine.owners import visible
from haneul.errors import HaneulError
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.compat import UNSUPPORTED_HEADER, reasoning_notice
from haneul.server.openai.schemas import (
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
    TokenizeRequest,
)
from haneul.server.openai.serving import OpenAIServing

router = APIRouter(prefix="/v1")
shared = APIRouter()  # the routes CLOVA serves on its OpenAI-compatible path as well
CLOVA_OPENAI_PREFIX = "/v1/openai"


def _serving(request: Request) -> OpenAIServing:
    serving: OpenAIServing = request.app.state.openai
    return serving


def _model_card(entry: ModelEntry, manager: ModelManager) -> dict[str, Any]:
    card = {
        "id": entry.name,
        "object": "model",
        "created": 0,
        "owned_by": entry.source.split(":")[0],
        "task": entry.task,
        "kind": entry.kind,
        "context_length": entry.context_length,
        "quantization": entry.quantization,
        "loaded": entry.name in manager.loaded,
    }
    if entry.task == "chat":  # whether the assistant lets it answer open questions
        opens = manager.settings.small_model_chat or manager.catalog.answers_open(entry)
        card["open_chat"] = opens
    return card


def _alias_cards(manager: ModelManager) -> list[dict[str, Any]]:
    """One card per alias (the setting's, then the catalog's) whose target exists."""
    aliases = {**manager.catalog.aliases(), **model_aliases(manager.settings)}
    cards = []
    for alias, target in aliases.items():
        try:
            entry = manager.resolve(target)
        except HaneulError:
            continue  # an alias to a model not in this catalog is not offered
        cards.append({**_model_card(entry, manager), "id": alias, "alias_of": entry.name})
    return cards


def _on_clova_path(request: Request) -> bool:
    return request.url.path.startswith(CLOVA_OPENAI_PREFIX + "/")


@shared.get("/models")
async def list_models(request: Request, principal: Principal = Depends(authenticate)) -> Any:
    manager = request.app.state.manager
    entries = [e for e in manager.catalog.entries() if visible(e.options, principal.key_id)]
    cards = [_model_card(e, manager) for e in entries]
    return {"object": "list", "data": cards + _alias_cards(manager)}


@shared.get("/models/{model_id:path}")
async def get_model(
    model_id: str, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    manager = request.app.state.manager
    card = _model_card(manager.resolve(model_id), manager)
    if card["id"] != model_id:
        card.update(id=model_id, alias_of=card["id"])
    return card


@shared.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionRequest, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    response = await _serving(request).chat(body, principal)
    effort = body.thinking.effort if body.thinking else None
    if notice := reasoning_notice(body.reasoning_effort, effort):
        response.headers[UNSUPPORTED_HEADER] = notice
    return response


@router.post("/completions")
async def completions(
    body: CompletionRequest, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    return await _serving(request).complete(body, principal)


@shared.post("/embeddings")
async def embeddings(
    body: EmbeddingRequest, request: Request, principal: Principal = Depends(authenticate)
) -> JSONResponse:
    return await _serving(request).embed(body, principal, pad=_on_clova_path(request))


router.include_router(shared)
clova_openai_router = APIRouter(prefix=CLOVA_OPENAI_PREFIX, tags=["CLOVA Studio"])
clova_openai_router.include_router(shared)


@router.post("/tokenize")
async def tokenize(
    body: TokenizeRequest, request: Request, principal: Principal = Depends(authenticate)
) -> Any:
    """Haneul extension: the model's token ids for a text, and their count."""
    entry, backend = await request.app.state.manager.get(body.model)
    tokens = await backend.tokenize(body.input)
    return {"model": entry.name, "tokens": tokens, "count": len(tokens)}
