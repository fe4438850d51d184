"""MCP both ways, with the official `mcp` SDK.

- Client: the tools of any MCP server (stdio command or streamable HTTP URL) become skills.
  Servers are listed in a JSON file in the shape MCP clients share (`{"mcpServers": {name:
  {"command", "args", "env"} | {"url", "headers"}}}`, plus Haneul's optional `examples` per
  tool for the router and `side_effects`). Each call opens its own connection: a server that
  died is simply started again on the next call, at the cost of a process start per call.
- Server: Haneul's skills (document search included) as MCP tools (`build_server`), served
  over streamable HTTP at `/mcp` by `haneul serve` and over stdio by `haneul mcp serve`.
  A skill with side effects takes a required `confirm` argument and refuses to run until a
  client sets it after asking its user.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.server.lowlevel import Server

from haneul.errors import InvalidRequestError, UpstreamError
from haneul.skills import Skill, SkillArgumentError, SkillContext, SkillResult, SkillSpec
from haneul.skills.openapi import answer_from

CONFIRM_NOTE = (
    "This tool has side effects (it writes or books). Ask the user first, then call it "
    "again with confirm=true."
)


@dataclass(frozen=True)
class McpServerConfig:
    name: str
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)  # tool -> utterances
    side_effects: bool | list[str] = False  # all tools, or those named
    # tool -> its answer sentence: a template with {field.path} placeholders filled from the
    # structured result (then the arguments), or a bare path; default: the tool's short text
    answers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Client]:
        if self.url:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            http = httpx2.AsyncClient(headers=self.headers, timeout=self.timeout_s)
            async with (
                http,
                Client(
                    streamable_http_client(self.url, http_client=http),
                    read_timeout_seconds=self.timeout_s,
                ) as client,
            ):
                yield client
        elif self.command:
            params = StdioServerParameters(command=self.command, args=self.args, env=self.env)
            async with Client(params, read_timeout_seconds=self.timeout_s) as client:
                yield client
        else:
            raise InvalidRequestError(f"MCP server '{self.name}' needs a command or a url")


def read_config(path: Path) -> list[McpServerConfig]:
    """Servers from an `mcpServers` JSON file; `${VAR}` in values is read from the
    environment (for tokens)."""
    try:
        raw = json.loads(os.path.expandvars(path.read_text(encoding="utf-8")))
        servers = raw["mcpServers"]
        return [McpServerConfig(name=name, **spec) for name, spec in servers.items()]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InvalidRequestError(f"MCP server list {path}: {e}") from None


def _text(result: types.CallToolResult) -> str:
    parts = [c.text for c in result.content if isinstance(c, types.TextContent)]
    if result.structured_content is not None and not parts:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


class McpSkill:
    """One tool of an MCP server, as a skill named `<server>__<tool>`."""

    def __init__(self, config: McpServerConfig, tool: types.Tool) -> None:
        self.config, self.tool = config, tool
        flagged = config.side_effects
        effects = flagged if isinstance(flagged, bool) else tool.name in flagged
        hints = tool.annotations
        if hints is not None and hints.destructive_hint:
            effects = True
        self.spec = SkillSpec(
            name=f"{config.name}__{tool.name}",
            description=tool.description or tool.name,
            parameters=dict(tool.input_schema),
            examples=tuple(config.examples.get(tool.name, ())),
            side_effects=effects,
        )

    def parse(self, utterance: str) -> dict[str, Any] | None:
        """A tool taking one required string gets the utterance; others need a model."""
        schema = self.spec.parameters
        required = schema.get("required", [])
        props = schema.get("properties", {})
        if len(required) == 1 and props.get(required[0], {}).get("type") == "string":
            return {required[0]: utterance.strip()}
        return None

    async def run(self, arguments: dict[str, Any], context: SkillContext) -> SkillResult:
        try:
            async with self.config.connect() as client:
                result = await client.call_tool(self.tool.name, arguments)
        except InvalidRequestError:
            raise
        except Exception as e:  # a dead server, a timeout, a protocol error
            raise UpstreamError(f"MCP server '{self.config.name}': {e}") from None
        if not isinstance(result, types.CallToolResult):
            raise UpstreamError(f"MCP server '{self.config.name}' gave no tool result")
        text = _text(result)
        if result.is_error:
            raise SkillArgumentError(f"{self.spec.name}: {text or 'the tool failed'}")
        data = result.structured_content
        template = self.config.answers.get(self.tool.name)
        return SkillResult(text, data=data, answer=answer_from(template, data, arguments, text))


async def load_tools(config: McpServerConfig) -> list[Skill]:
    try:
        async with config.connect() as client:
            listed = await client.list_tools()
    except InvalidRequestError:
        raise
    except Exception as e:
        raise UpstreamError(f"MCP server '{config.name}' did not list its tools: {e}") from None
    return [McpSkill(config, tool) for tool in listed.tools]


# ---- Haneul as an MCP server ------------------------------------------------------------------


def _tool(skill: Skill) -> types.Tool:
    schema = json.loads(json.dumps(skill.spec.parameters))
    if skill.spec.side_effects:
        schema.setdefault("properties", {})["confirm"] = {
            "type": "boolean",
            "description": "true once the user agreed to run this tool",
        }
        schema.setdefault("required", []).append("confirm")
    description = skill.spec.description
    return types.Tool(
        name=skill.spec.name,
        description=description + ("\n\n" + CONFIRM_NOTE if skill.spec.side_effects else ""),
        input_schema=schema,
        annotations=types.ToolAnnotations(
            read_only_hint=not skill.spec.side_effects,
            destructive_hint=skill.spec.side_effects,
        ),
    )


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=True
    )


def build_server(
    skills: dict[str, Skill], context_for: Callable[[Any], SkillContext]
) -> Server[Any]:
    """An MCP server whose tools are `skills`; `context_for(request)` gives the skill
    context of a call (the HTTP request, or None over stdio)."""

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_tool(s) for s in skills.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        skill = skills.get(params.name)
        if skill is None:
            return _error(f"no tool named '{params.name}'")
        arguments = dict(params.arguments or {})
        if skill.spec.side_effects and arguments.pop("confirm", False) is not True:
            return _error(CONFIRM_NOTE)
        try:
            result = await skill.run(arguments, context_for(ctx.request))
        except (SkillArgumentError, InvalidRequestError, UpstreamError) as e:
            return _error(e.message)
        text = result.content
        if result.steps:
            text += "\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(result.steps, 1))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    from haneul import __version__

    return Server(
        "haneul",
        version=__version__,
        instructions="Haneul's skills: math, Korean calendar, units, search in your documents.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
