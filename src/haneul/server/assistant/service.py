"""The server side of the assistant: conversations, the skill router (built on first use
from the embedding model), and the services skills may use (document search)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import numpy as np

from haneul.assistant.conversations import Conversations
from haneul.assistant.turn import Assistant
from haneul.engine.manager import ModelManager
from haneul.engine.protocol import Capability
from haneul.errors import HaneulError, NotFoundError, UnsupportedError
from haneul.knowledge import korean
from haneul.knowledge.library import DocumentInfo
from haneul.knowledge.retrieve import SearchHit
from haneul.safety.filter import SafetyFilter
from haneul.server.knowledge.schemas import hit_card
from haneul.server.knowledge.service import KnowledgeService
from haneul.skills import Skill, builtin_and_plugin_skills
from haneul.skills.mcp import load_tools, read_config
from haneul.skills.router import SkillRouter

log = logging.getLogger(__name__)


class AssistantService:
    def __init__(
        self,
        conversations: Conversations,
        manager: ModelManager,
        safety: SafetyFilter,
        knowledge: KnowledgeService,
        embedding_model: str,
    ) -> None:
        self.conversations = conversations
        self.manager = manager
        self.safety = safety
        self.knowledge = knowledge
        self.embedding_model = embedding_model
        self.skills: dict[str, Skill] = dict(builtin_and_plugin_skills())
        self._router: SkillRouter | None = None
        self._router_lock = asyncio.Lock()

    @property
    def services(self) -> dict[str, Any]:
        """What skills may use of the server (`SkillContext.services`)."""
        return {"search": self.search, "document": self.document}

    async def load_mcp(self, path: Path) -> None:
        """Add the tools of the MCP servers listed in `path` as skills; a server that does not
        answer is logged and left out, the others still load."""
        for config in read_config(path):
            try:
                tools = await load_tools(config)
            except HaneulError as e:
                log.warning("MCP server %s left out: %s", config.name, e.message)
                continue
            self.skills.update({t.spec.name: t for t in tools})
            log.info("MCP server %s: %d tools", config.name, len(tools))

    async def router(self) -> SkillRouter:
        async with self._router_lock:
            if self._router is None:
                _, backend = await self.manager.get(self.embedding_model)
                loop = asyncio.get_running_loop()

                def embed(texts: list[str]) -> np.ndarray:
                    call = backend.embed(texts, input_type="query")
                    result = asyncio.run_coroutine_threadsafe(call, loop).result()
                    return np.asarray(result.vectors, dtype=np.float32)

                skills = self.skills.values()
                self._router = await asyncio.to_thread(SkillRouter, skills, embed)
            return self._router

    async def assistant(self, model: str | None) -> tuple[str, Assistant]:
        entry, backend = await self.manager.get(model)
        if Capability.CHAT not in backend.capabilities:
            raise UnsupportedError(f"model '{entry.name}' does not chat", param="model")
        router = await self.router()
        # A model picks skills itself (tool calls) when its catalog entry says so, and by
        # default when it is an upstream (a capable remote model); else the router picks.
        choice = entry.options.get("skills", "tools" if entry.kind == "upstream" else "router")
        tools = choice == "tools" and Capability.TOOLS in backend.capabilities
        return entry.name, Assistant(backend, self.safety, self.skills, router.route, tools)

    async def search(
        self, owner: str, collection: str | None, query: str, top_k: int
    ) -> list[dict[str, Any]]:
        """Search one of the owner's collections, or all of them (best hits first)."""
        library = self.knowledge.library
        found: list[tuple[SearchHit, str]] = []
        for info in library.collections(owner):
            if collection in (None, info.name):
                hits = await self.knowledge.search(info, query, top_k, None)
                found += [(h, info.name) for h in hits]
        found.sort(key=lambda pair: -pair[0].score)
        return [{**hit_card(h), "collection": name} for h, name in found[:top_k]]

    async def document(self, owner: str, name: str | None) -> dict[str, Any]:
        """One of the owner's documents as sentences with their page and heading: the one
        named (whole name, or part of it), else the one added last."""
        library = self.knowledge.library
        found: list[DocumentInfo] = []
        for info in library.collections(owner):
            found += library.documents(info.id)
        if name:
            found = [d for d in found if d.name == name] or [d for d in found if name in d.name]
        if not found:
            what = f"'{name}'" if name else "any"
            raise NotFoundError(f"no document {what} in your collections", param="document")
        doc = max(found, key=lambda d: d.added_at)
        sentences = []
        for text, page, heading in library.passages(doc.id):
            for line in filter(str.strip, text.splitlines()):  # lines end sentences too
                for start, end in await asyncio.to_thread(korean.sentences, line):
                    sentence = line[start:end].strip()
                    sentences.append({"text": sentence, "page": page, "heading": heading})
        return {"name": doc.name, "sentences": sentences}
