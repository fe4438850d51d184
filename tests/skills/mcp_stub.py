"""A small MCP server of our own for the tests (the official SDK's MCPServer): a company
cafeteria's menu, a tool that fails, and a booking tool marked destructive.

    python -m tests.skills.mcp_stub stdio
    python -m tests.skills.mcp_stub http PORT
"""

from __future__ import annotations

import sys

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

MENUS = {
    "월요일": "김치찌개, 계란말이, 깍두기",
    "화요일": "된장찌개, 제육볶음, 시금치나물",
}

server = MCPServer("cafeteria")


@server.tool()
def menu(day: str) -> str:
    """구내식당의 요일별 점심 메뉴를 알려 줍니다."""
    for name, dishes in MENUS.items():
        if name in day:
            return f"{name} 점심: {dishes}"
    return f"월요일 점심: {MENUS['월요일']}"


@server.tool()
def broken(reason: str) -> str:
    """Always fails (for tests)."""
    raise ToolError(f"식당 서버 고장: {reason}")


@server.tool(annotations=ToolAnnotations(destructive_hint=True))
def reserve_table(people: int) -> str:
    """Reserve a table in the cafeteria."""
    return f"{people}명 자리를 잡았습니다"


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run()
    else:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
