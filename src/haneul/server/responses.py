"""The success bodies of the main routes, as /openapi.json documents them.

These models describe what the routes send; they do not build it (the routes return their own
dicts, and several route modules are shared wire formatters). `openapi.describe` attaches each
to its operation, and the schemathesis test (`tests/server/test_schemathesis.py`) checks every
answer of a real server against them, so a drift between a route and its model fails a test.
Fields a route adds beyond these are allowed (extensions such as `stop_reason`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int | None = None
    total_tokens: int


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str
    task: str | None = None
    context_length: int | None = None
    alias_of: str | None = None
    open_chat: bool | None = None  # chat models: the assistant lets it answer open questions


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


class FunctionCallOut(BaseModel):
    name: str
    arguments: str


class ToolCallOut(BaseModel):
    id: str
    type: Literal["function"]
    function: FunctionCallOut


class AssistantMessage(BaseModel):
    role: Literal["assistant"]
    content: str | None
    tool_calls: list[ToolCallOut] | None = None


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: str | None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class CompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None


class Completion(BaseModel):
    id: str
    object: Literal["text_completion"]
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage


class Embedding(BaseModel):
    object: Literal["embedding"]
    index: int
    embedding: list[float] | str  # a base64 string when encoding_format is "base64"


class EmbeddingList(BaseModel):
    object: Literal["list"]
    data: list[Embedding]
    model: str
    usage: Usage


class Tokens(BaseModel):
    model: str
    tokens: list[int]
    count: int


class ModerationResult(BaseModel):
    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]


class Moderation(BaseModel):
    id: str
    model: str
    results: list[ModerationResult]


class Indexing(BaseModel):
    lexical: int
    embedded: int
    pending: int


class Collection(BaseModel):
    id: str
    object: Literal["collection"]
    name: str
    description: str
    created_at: int
    documents: int
    chunks: int
    indexing: Indexing | None = None


class CollectionList(BaseModel):
    object: Literal["list"]
    data: list[Collection]


class Deleted(BaseModel):
    id: str
    object: str
    deleted: Literal[True]


class SearchResults(BaseModel):
    object: Literal["list"]
    query: str
    data: list[dict[str, Any]]


class Conversation(BaseModel):
    object: Literal["conversation"]
    id: str
    title: str
    preset: str
    created_at: int
    updated_at: int


class ConversationList(BaseModel):
    object: Literal["list"]
    data: list[Conversation]


class ConversationWithMessages(Conversation):
    messages: list[dict[str, Any]]


class Memory(BaseModel):
    object: Literal["memory"]
    id: str
    content: str
    created_at: int
    updated_at: int


class MemoryList(BaseModel):
    object: Literal["list"]
    data: list[Memory]


class Listing(BaseModel):
    """A plain list of named things (skills, presets)."""

    object: Literal["list"]
    data: list[dict[str, Any]]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    models_loaded: list[str]
    models: dict[str, dict[str, Any]]


class ClovaStatus(BaseModel):
    code: str
    message: str


class ClovaEnvelope(BaseModel):
    """CLOVA Studio's success shape: `{"status": {"code": "20000", ...}, "result": {...}}`."""

    status: ClovaStatus
    result: dict[str, Any]


# (method, path) -> the model of its success body
RESPONSES: dict[tuple[str, str], type[BaseModel]] = {
    ("get", "/health"): Health,
    ("get", "/v1/models"): ModelList,
    ("get", "/v1/models/{model_id}"): ModelCard,
    ("get", "/v1/openai/models"): ModelList,
    ("get", "/v1/openai/models/{model_id}"): ModelCard,
    ("post", "/v1/chat/completions"): ChatCompletion,
    ("post", "/v1/openai/chat/completions"): ChatCompletion,
    ("post", "/v1/completions"): Completion,
    ("post", "/v1/embeddings"): EmbeddingList,
    ("post", "/v1/openai/embeddings"): EmbeddingList,
    ("post", "/v1/tokenize"): Tokens,
    ("post", "/v1/moderations"): Moderation,
    ("get", "/v1/collections"): CollectionList,
    ("post", "/v1/collections"): Collection,
    ("get", "/v1/collections/{name}"): Collection,
    ("delete", "/v1/collections/{name}"): Deleted,
    ("post", "/v1/collections/{name}/search"): SearchResults,
    ("get", "/v1/conversations"): ConversationList,
    ("post", "/v1/conversations"): Conversation,
    ("get", "/v1/conversations/{cid}"): ConversationWithMessages,
    ("patch", "/v1/conversations/{cid}"): Conversation,
    ("delete", "/v1/conversations/{cid}"): Deleted,
    ("get", "/v1/memories"): MemoryList,
    ("post", "/v1/memories"): Memory,
    ("patch", "/v1/memories/{mid}"): Memory,
    ("get", "/v1/skills"): Listing,
    ("get", "/v1/presets"): Listing,
    ("get", "/tuning/v2/tasks"): ClovaEnvelope,
    ("post", "/tuning/v2/tasks"): ClovaEnvelope,
    ("get", "/tuning/v2/tasks/{task_id}"): ClovaEnvelope,
}
