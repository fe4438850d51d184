"""Wire schemas of the OpenAI-compatible API. Unknown fields are refused (a typo in a
parameter name is a 400, not a silently ignored setting).

Size is checked before any work: at most `MAX_MESSAGES` messages and `MAX_TEXT_CHARS`
characters in a request's texts together, with no lone surrogate (`server/text.py`); the real
limit, the model's context size in characters, is `check_prompt_chars`, applied as soon as the
model is known and before the AI Filter or the tokenizer reads a character.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from haneul.errors import ContextLengthError
from haneul.server.text import refuse_bad_text

MAX_MESSAGES = 1024  # messages in one chat request


def check_prompt_chars(texts: list[str], context_size: int, chars_per_token: float) -> None:
    """Refuse a prompt that cannot fit the model's context, by its length in characters (a
    token is rarely more than `chars_per_token` characters), before anything tokenizes it."""
    limit = int(context_size * chars_per_token)
    total = sum(map(len, texts))
    if total > limit:
        raise ContextLengthError(
            f"the prompt has {total:,} characters, more than this model's context of "
            f"{context_size} tokens can hold (about {limit:,} characters at "
            f"HANEUL_CHARS_PER_TOKEN={chars_per_token:g}); shorten it",
            param="messages",
        )


class _Strict(BaseModel):
    """No unknown fields, and no coercion: `"stream": 0` or `"n": "2"` is a 400, as the schema
    says (an integer still passes for a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class _Request(_Strict):
    """A whole request body: its texts are checked before its fields."""

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class FunctionCall(_Strict):
    name: str
    arguments: str = "{}"

    @field_validator("arguments")
    @classmethod
    def _arguments_are_a_json_object(cls, value: str) -> str:
        try:
            parsed = json.loads(value or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"arguments must be a JSON object: {exc.msg}") from None
        if not isinstance(parsed, dict):
            raise ValueError("arguments must be a JSON object")
        return value


class ToolCall(_Strict):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


# what the role-dependent checks below require, said in the schema too (JSON Schema's if/then)
_ROLE_FIELDS: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"role": {"const": "tool"}}},
            "then": {
                "required": ["tool_call_id"],
                "properties": {"tool_call_id": {"type": "string", "minLength": 1}},
            },
        },
        {
            "if": {"properties": {"role": {"enum": ["system", "developer", "user"]}}},
            "then": {"required": ["content"], "properties": {"content": {"not": {"type": "null"}}}},
        },
        {
            "if": {"properties": {"role": {"const": "assistant"}}},
            "then": {
                "anyOf": [
                    {"required": ["content"], "properties": {"content": {"not": {"type": "null"}}}},
                    {
                        "required": ["tool_calls"],
                        "properties": {"tool_calls": {"type": "array", "minItems": 1}},
                    },
                ]
            },
        },
    ]
}


class ChatMessage(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_ROLE_FIELDS)

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None

    @model_validator(mode="after")
    def _check_role_fields(self) -> ChatMessage:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a message with role 'tool' needs tool_call_id")
        if self.role in ("system", "developer", "user") and self.content is None:
            raise ValueError(f"a message with role '{self.role}' needs content")
        if self.role == "assistant" and self.content is None and not self.tool_calls:
            raise ValueError("an assistant message needs content or tool_calls")
        return self


class FunctionDef(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(_Strict):
    type: Literal["function"]
    function: FunctionDef


class NamedFunction(_Strict):
    name: str


class NamedToolChoice(_Strict):
    type: Literal["function"]
    function: NamedFunction


class JsonSchemaFormat(_Strict):
    name: str = "response"
    description: str | None = None
    schema_: dict[str, Any] = Field(alias="schema")
    strict: bool | None = None


class ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None

    @model_validator(mode="after")
    def _schema_given(self) -> ResponseFormat:
        if self.type == "json_schema" and self.json_schema is None:
            raise ValueError("type 'json_schema' needs a json_schema object")
        return self


class StreamOptions(_Strict):
    include_usage: bool = False


class Sampling(_Request):
    """Sampling parameters shared by chat and text completions."""

    model: str | None = None
    max_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    top_k: int | None = Field(None, ge=0)
    min_p: float | None = Field(None, ge=0, le=1)
    repetition_penalty: float | None = Field(None, ge=0.05, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    seed: int | None = None
    stop: str | list[str] | None = None
    n: int = Field(1, ge=1, le=4)
    stream: bool = False
    stream_options: StreamOptions | None = None
    logit_bias: dict[str, float] | None = None
    ignore_eos: bool | None = None  # extension: generate max_tokens even past end-of-text
    user: str | None = None

    @model_validator(mode="after")
    def _check_stop(self) -> Sampling:
        stops = [self.stop] if isinstance(self.stop, str) else self.stop or []
        if len(stops) > 16 or any(not s for s in stops):
            raise ValueError("stop takes up to 16 non-empty strings")
        return self


class Thinking(_Strict):
    """CLOVA Studio's `thinking` option (v3 shape)."""

    effort: Literal["none", "low", "medium", "high"] = "none"


class ChatCompletionRequest(Sampling):
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    max_completion_tokens: int | None = Field(None, ge=1)
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    include_ai_filters: bool = False  # CLOVA: attach the AI Filter's verdict on the answer
    # CLOVA Studio's extras (docs/clova.md): v1's repeat penalty, and reasoning, which the
    # small local models lack: accepted, answered without a trace, reported in a header
    repeat_penalty: float | None = Field(None, gt=0, le=10)
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = None
    thinking: Thinking | None = None

    @model_validator(mode="after")
    def _check_tools(self) -> ChatCompletionRequest:
        if self.tool_choice not in (None, "none") and not self.tools:
            raise ValueError("tool_choice needs tools")
        if isinstance(self.tool_choice, NamedToolChoice) and self.tools:
            names = {t.function.name for t in self.tools}
            if self.tool_choice.function.name not in names:
                raise ValueError(
                    f"tool_choice names '{self.tool_choice.function.name}', not in tools"
                )
        return self


class CompletionRequest(Sampling):
    prompt: (
        Annotated[str, Field(min_length=1)]
        | Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1, max_length=1)]
    )
    echo: bool = False
    suffix: str | None = None
    response_format: ResponseFormat | None = None

    @model_validator(mode="after")
    def _one_prompt(self) -> CompletionRequest:
        if isinstance(self.prompt, list) and len(self.prompt) != 1:
            raise ValueError("prompt must be a string or a list of exactly one string")
        if not (self.prompt if isinstance(self.prompt, str) else self.prompt[0]):
            raise ValueError("prompt must not be empty")
        if self.echo or self.suffix:
            raise ValueError("echo and suffix are not supported")
        return self


class EmbeddingRequest(_Request):
    model: str | None = None
    input: (
        Annotated[str, Field(pattern=r"\S")]
        | Annotated[
            list[Annotated[str, Field(pattern=r"\S")]], Field(min_length=1, max_length=2048)
        ]
    )
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, ge=1)
    input_type: Literal["query", "passage"] = "query"
    user: str | None = None

    @model_validator(mode="after")
    def _non_empty(self) -> EmbeddingRequest:
        texts = [self.input] if isinstance(self.input, str) else self.input
        if len(texts) > 2048:
            raise ValueError("input takes at most 2048 texts")
        if any(not t.strip() for t in texts):
            raise ValueError("input texts must not be empty")
        return self


class TokenizeRequest(_Request):
    model: str | None = None
    input: str = Field(min_length=1)


def prompt_texts(req: Sampling) -> list[str]:
    """The texts of a chat or completion request that go into the prompt."""
    if isinstance(req, CompletionRequest):
        return [req.prompt] if isinstance(req.prompt, str) else list(req.prompt)
    if not isinstance(req, ChatCompletionRequest):
        return []
    texts: list[str] = []
    for m in req.messages:
        if isinstance(m.content, str):
            texts.append(m.content)
        elif m.content:
            texts += [part.text for part in m.content]
        texts += [call.function.arguments for call in m.tool_calls or []]
    return texts
