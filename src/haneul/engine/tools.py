"""OpenAI tool calling for models whose chat template knows no tools.

The request's `tools` are described in a system message and the reply is constrained by a
JSON schema to either `{"tool_calls": [{"name", "arguments"}]}` or `{"content": "..."}`,
so the answer always parses. Earlier assistant tool calls and `role: tool` results are
rewritten as plain messages the template can render. The engine calls `prepare` before
generation and `finish` on the reply.
"""

from __future__ import annotations

import json
import re
from typing import Any

from haneul.engine.base import new_id
from haneul.errors import InvalidRequestError

_INSTRUCTIONS = (
    "You can call these tools (JSON Schema of each tool's arguments):\n{tools}\n"
    'To call tools, answer only with {{"tool_calls": [{{"name": ..., "arguments": {{...}}}}]}}. '
    "{answer_rule}"
)


def _call_schema(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool["function"]
    params = fn.get("parameters") or {"type": "object", "properties": {}}
    return {
        "type": "object",
        "properties": {"name": {"const": fn["name"]}, "arguments": params},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def _chosen_tools(request: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The tools the reply may call, and the mode: 'auto' or 'required'."""
    tools: list[dict[str, Any]] = request["tools"]
    choice = request.get("tool_choice") or "auto"
    if isinstance(choice, dict):
        wanted = choice.get("function", {}).get("name")
        picked = [t for t in tools if t["function"]["name"] == wanted]
        if not picked:
            raise InvalidRequestError(
                f"tool_choice names '{wanted}', which is not in tools", param="tool_choice"
            )
        return picked, "required"
    if choice not in ("auto", "required"):
        raise InvalidRequestError(f"unknown tool_choice '{choice}'", param="tool_choice")
    return tools, choice


def reply_schema(tools: list[dict[str, Any]], mode: str, parallel: bool = True) -> dict[str, Any]:
    calls = {
        "type": "object",
        "properties": {
            "tool_calls": {
                "type": "array",
                "minItems": 1,
                "maxItems": 4 if parallel else 1,
                "items": {"anyOf": [_call_schema(t) for t in tools]},
            }
        },
        "required": ["tool_calls"],
        "additionalProperties": False,
    }
    if mode == "required":
        return calls
    answer = {
        "type": "object",
        "properties": {"content": {"type": "string"}},
        "required": ["content"],
        "additionalProperties": False,
    }
    return {"anyOf": [calls, answer]}


def _rewrite_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.get("role") == "assistant" and m.get("tool_calls"):
            calls = []
            for c in m["tool_calls"]:
                names[c.get("id", "")] = c["function"]["name"]
                args = c["function"].get("arguments") or "{}"
                calls.append({"name": c["function"]["name"], "arguments": json.loads(args)})
            out.append(
                {
                    "role": "assistant",
                    "content": json.dumps({"tool_calls": calls}, ensure_ascii=False),
                }
            )
        elif m.get("role") == "tool":
            name = names.get(m.get("tool_call_id", ""), "tool")
            content = m.get("content")
            text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
            out.append({"role": "user", "content": f"Result of tool {name}: {text}"})
        else:
            out.append(m)
    return out


def prepare(request: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a request with tools into one the model can answer under a JSON schema."""
    request = dict(request)
    tools = request.pop("tools", None)
    choice = request.pop("tool_choice", None)
    parallel = request.pop("parallel_tool_calls", None) is not False
    messages = request["messages"]
    if not tools or choice == "none":
        request["messages"] = _rewrite_messages(messages)
        return request
    picked, mode = _chosen_tools({"tools": tools, "tool_choice": choice})
    if isinstance(choice, dict):
        parallel = False  # a named function is called once, as OpenAI's tool_choice does
    rule = (
        "You must call a tool."
        if mode == "required"
        else 'To answer without a tool, answer only with {"content": "..."}.'
    )
    described = "\n".join(json.dumps(t["function"], ensure_ascii=False) for t in picked)
    system = {"role": "system", "content": _INSTRUCTIONS.format(tools=described, answer_rule=rule)}
    rewritten = _rewrite_messages(messages)
    if rewritten and rewritten[0].get("role") == "system":
        system["content"] = f"{rewritten[0]['content']}\n\n{system['content']}"
        rewritten = rewritten[1:]
    request["messages"] = [system, *rewritten]
    request["response_format"] = {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": reply_schema(picked, mode, parallel)},
    }
    return request


def finish(response: dict[str, Any], *, parallel: bool = True) -> dict[str, Any]:
    """Turn the constrained JSON reply back into an OpenAI message with `tool_calls`. A reply
    cut by `max_tokens` keeps its complete calls (or the answer's text so far) and its
    `finish_reason: length`; with `parallel` False only the first call is kept."""
    for choice in response.get("choices", []):
        message = choice["message"]
        raw = message.get("content") or ""
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            parsed = _salvage(raw)
        if not isinstance(parsed, dict):
            parsed = {"content": ""}
        calls = parsed.get("tool_calls") or []
        if calls:
            message["content"] = None
            message["tool_calls"] = [_call(c) for c in calls[: None if parallel else 1]]
            if choice.get("finish_reason") != "length":
                choice["finish_reason"] = "tool_calls"
        elif "tool_calls" in parsed:  # cut before its first call was whole
            message["content"] = ""
        else:
            message["content"] = parsed.get("content", "")
    return response


def _call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id("call"),
        "type": "function",
        "function": {
            "name": call["name"],
            "arguments": json.dumps(call["arguments"], ensure_ascii=False),
        },
    }


_CALLS_START = re.compile(r'^\s*\{\s*"tool_calls"\s*:\s*\[\s*')
_CONTENT_START = re.compile(r'^\s*\{\s*"content"\s*:\s*"')


def _salvage(raw: str) -> dict[str, Any]:
    """What a cut reply holds whole: its complete tool calls, or its answer's text so far
    (never the internal JSON itself)."""
    if start := _CALLS_START.match(raw):
        decoder, calls, at = json.JSONDecoder(), [], start.end()
        while True:
            try:
                call, at = decoder.raw_decode(raw, at)
            except json.JSONDecodeError:
                break
            if isinstance(call, dict) and "name" in call and "arguments" in call:
                calls.append(call)
            at = len(raw) - len(raw[at:].lstrip().removeprefix(",").lstrip())
        return {"tool_calls": calls}
    if start := _CONTENT_START.match(raw):
        return {"content": _partial_string(raw[start.end() :])}
    return {"content": ""}


def _partial_string(body: str) -> str:
    """The text of a JSON string cut before its closing quote (a cut escape dropped)."""
    for end in range(len(body), max(len(body) - 12, -1), -1):
        try:
            text: str = json.loads(f'"{body[:end]}"')
            return text
        except json.JSONDecodeError:
            continue
    return ""


def as_chunks(response: dict[str, Any]) -> list[dict[str, Any]]:
    """A finished tool-mode reply as stream chunks (tool replies are generated whole)."""
    base = {k: response[k] for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    chunks = []
    for choice in response["choices"]:
        msg = choice["message"]
        delta: dict[str, Any] = {"role": "assistant", "content": msg.get("content")}
        if msg.get("tool_calls"):
            delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(msg["tool_calls"])]
        chunks.append(
            {**base, "choices": [{"index": choice["index"], "delta": delta, "finish_reason": None}]}
        )
        chunks.append(
            {
                **base,
                "choices": [
                    {
                        "index": choice["index"],
                        "delta": {},
                        "finish_reason": choice["finish_reason"],
                    }
                ],
            }
        )
    if "usage" in response:
        chunks.append({**base, "choices": [], "usage": response["usage"]})
    return chunks
