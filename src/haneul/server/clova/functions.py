"""CLOVA Studio v3's function calling and structured output, translated to and from the
OpenAI shapes that the one chat serving path takes. Pure functions over JSON values (no
I/O): the v3 chat route (server/clova/chat.py) calls them on its way in and out.

In (CLOVA -> OpenAI):
- `messages`: an assistant turn's `toolCalls[{id, type, function: {name, arguments}}]`
  with `arguments` a JSON **object** becomes `tool_calls` with `arguments` a JSON string;
  a `{role: "tool", toolCallId, content}` turn becomes `{role: "tool", tool_call_id,
  content}`; content parts `{type: "text", text}` are kept, `image_url` parts refused
  (40009: the local models read no images).
- `tools`: `[{type: "function", function: {name, description, parameters}}]`, the same
  shape as OpenAI's (checked here so that a CLOVA client gets CLOVA's error).
- `toolChoice`: `"auto"`, `"none"` or `{type: "function", function: {name}}`, as OpenAI's.
- `responseFormat`: `{type: "json", schema}` becomes `{type: "json_schema", json_schema:
  {name: "response", schema, strict: true}}`, decoded under llama.cpp's grammar; without a
  schema, `{type: "json_object"}`.

Out (OpenAI -> CLOVA):
- `clova_message`: `{role, content, toolCalls?}` with each call's `arguments` parsed to an
  object (a string that is not a JSON object is wrapped as `{"_raw": string}`, never lost).
- `ToolCallStream`: gathers streamed `tool_calls` deltas (arguments arrive as string
  pieces); `token_delta` gives a token event's CLOVA `toolCalls` piece (arguments still a
  string piece, as they cannot be an object mid-stream), `calls()` the whole calls for the
  `result` event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from haneul.errors import InvalidRequestError, UnsupportedError

_ROLES = ("system", "user", "assistant", "tool")


def _text(content: Any, where: str) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequestError(
            f"{where}.content must be a string or a list of parts", param=where
        )
    parts = []
    for k, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "image_url":
            raise UnsupportedError(
                f"{where}.content.{k}: images are not supported by the local models",
                param=f"{where}.content",
            )
        if kind != "text" or not isinstance(part.get("text"), str):
            raise InvalidRequestError(f"{where}.content.{k} must be a text part", param=where)
        parts.append(part["text"])
    return "".join(parts)


def _arguments(value: Any, where: str) -> str:
    if isinstance(value, str):  # some clients send the OpenAI form; accept it if it is one
        try:
            value = json.loads(value or "{}")
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, dict):
        raise InvalidRequestError(f"{where}.function.arguments must be an object", param=where)
    return json.dumps(value, ensure_ascii=False)


def _call_in(call: Any, where: str) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise InvalidRequestError(f"{where} needs function.name", param=where)
    return {
        "id": str(call.get("id") or ""),
        "type": "function",
        "function": {
            "name": function["name"],
            "arguments": _arguments(function.get("arguments", {}), where),
        },
    }


def openai_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CLOVA v3 `messages` (tool turns included) as OpenAI chat messages."""
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        where = f"messages.{i}"
        role = m.get("role")
        if role not in _ROLES:
            raise InvalidRequestError(
                f"{where}.role must be one of {', '.join(_ROLES)}", param=where
            )
        message: dict[str, Any] = {"role": role, "content": _text(m.get("content"), where)}
        if role == "tool":
            call_id = m.get("toolCallId")
            if not isinstance(call_id, str) or not call_id:
                raise InvalidRequestError(f"{where}: a tool message needs toolCallId", param=where)
            message["tool_call_id"] = call_id
            message["content"] = message["content"] or ""
        calls = m.get("toolCalls")
        if role == "assistant" and calls:
            message["tool_calls"] = [
                _call_in(c, f"{where}.toolCalls.{k}") for k, c in enumerate(calls)
            ]
        elif message["content"] is None:
            raise InvalidRequestError(f"{where} needs content", param=where)
        out.append(message)
    return out


def openai_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """CLOVA `tools` as OpenAI's (the same shape, checked)."""
    if not tools:
        return None
    out = []
    for k, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type", "function") != "function" or not isinstance(function, dict):
            raise InvalidRequestError(
                f"tools.{k} must be {{type: function, function}}", param="tools"
            )
        if not isinstance(function.get("name"), str) or not function["name"]:
            raise InvalidRequestError(f"tools.{k}.function needs a name", param="tools")
        entry = {"name": function["name"]}
        for key in ("description", "parameters"):
            if function.get(key) is not None:
                entry[key] = function[key]
        out.append({"type": "function", "function": entry})
    return out


def openai_tool_choice(choice: Any) -> Any:
    """CLOVA `toolChoice` as OpenAI's `tool_choice` (None when not given)."""
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    function = choice.get("function") if isinstance(choice, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    if isinstance(name, str) and choice.get("type", "function") == "function":
        return {"type": "function", "function": {"name": name}}
    raise InvalidRequestError(
        'toolChoice must be "auto", "none" or {"type": "function", "function": {"name": ...}}',
        param="toolChoice",
    )


def openai_response_format(fmt: dict[str, Any] | None) -> dict[str, Any] | None:
    """CLOVA `responseFormat` as OpenAI's `response_format` (None when not given)."""
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") != "json":
        raise InvalidRequestError('responseFormat.type must be "json"', param="responseFormat")
    schema = fmt.get("schema")
    if schema is None:
        return {"type": "json_object"}
    if not isinstance(schema, dict):
        raise InvalidRequestError(
            "responseFormat.schema must be a JSON schema object", param="responseFormat.schema"
        )
    return {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": schema, "strict": True},
    }


def parsed_arguments(arguments: str | None) -> dict[str, Any]:
    """A call's `arguments` string as the object CLOVA sends."""
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {"_raw": arguments}
    return value if isinstance(value, dict) else {"_raw": arguments}


def clova_tool_calls(tool_calls: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """OpenAI `tool_calls` as CLOVA `toolCalls` (arguments as objects)."""
    return [
        {
            "id": call.get("id") or "",
            "type": "function",
            "function": {
                "name": call.get("function", {}).get("name", ""),
                "arguments": parsed_arguments(call.get("function", {}).get("arguments")),
            },
        }
        for call in tool_calls or []
    ]


def clova_message(message: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI reply message as CLOVA's `result.message`."""
    out: dict[str, Any] = {"role": "assistant", "content": message.get("content") or ""}
    calls = clova_tool_calls(message.get("tool_calls"))
    if calls:
        out["toolCalls"] = calls
    return out


@dataclass
class ToolCallStream:
    """Streamed OpenAI `tool_calls` deltas gathered by their `index`."""

    _calls: dict[int, dict[str, Any]] = field(default_factory=dict)

    def feed(self, deltas: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Take one chunk's `delta.tool_calls`; return the token event's CLOVA piece."""
        piece = []
        for delta in deltas or []:
            index = int(delta.get("index", 0))
            call = self._calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
            function = delta.get("function") or {}
            call["id"] = delta.get("id") or call["id"]
            call["name"] = function.get("name") or call["name"]
            call["arguments"] += function.get("arguments") or ""
            piece.append(
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {
                        "name": call["name"],
                        "arguments": function.get("arguments") or "",
                    },
                }
            )
        return piece

    def calls(self) -> list[dict[str, Any]]:
        """The whole calls in CLOVA's shape, for the `result` event."""
        return [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": parsed_arguments(c["arguments"])},
            }
            for _, c in sorted(self._calls.items())
        ]
