"""Haneul's skills as an MCP server over streamable HTTP at `/mcp`, behind the same API-key
authentication as the rest of the API: each call runs as the key that sent it, so document
search sees that key's collections only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from haneul.assistant.session import AssistantService
from haneul.errors import HaneulError
from haneul.server.auth import authenticate
from haneul.server.errors import error_response
from haneul.skills import SkillContext
from haneul.skills.mcp import build_server

OWNER = "haneul.owner"


class McpEndpoint:
    """The ASGI app at `/mcp`: authenticate, then hand the request to the MCP SDK."""

    def __init__(self, service: AssistantService) -> None:
        self.service = service

        def context_for(request: Any) -> SkillContext:
            owner = request.scope["state"][OWNER]  # set below, before the SDK runs
            return SkillContext(owner=owner, documents=service.documents, todos=service.todos)

        server = build_server(service.skills, context_for)
        self.sessions = StreamableHTTPSessionManager(app=server, stateless=True, json_response=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            principal = await authenticate(request)
        except HaneulError as e:
            await error_response(e)(scope, receive, send)
            return
        scope.setdefault("state", {})[OWNER] = principal.owner
        await self.sessions.handle_request(scope, receive, send)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.sessions.run():
            yield


def mount(app: FastAPI, service: AssistantService) -> McpEndpoint:
    endpoint = McpEndpoint(service)
    app.add_route("/mcp", endpoint, methods=["GET", "POST", "DELETE"])  # type: ignore[arg-type]
    return endpoint
