"""The conversation service: a user's message (or their answer to a confirmation) in, the
turn's typed events out, with the conversation's bookkeeping done as they pass: the user's
text screened once, before anything streams; the turn stored when it is done; what the user
said folded into memory; a side-effect skill's request to confirm kept until they answer.

It also holds what every turn needs: the skills (built-ins, plugins, MCP tools), the skill
router (built on first use from the embedding model) and the user's documents for skills.
It knows nothing of HTTP: `server/assistant/routes.py` parses, calls and wires, and runs the
events on the one chat path (`server/chat.py`) for admission and metrics.

Every call of the stores (conversations, memories, confirmations: SQLite, with a busy
timeout of seconds when another writer holds the lock) runs in a worker thread, so a slow
or locked database delays this turn and never the event loop that serves everyone else.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from haneul.assistant.confirmations import Confirmations, Pending
from haneul.assistant.conversations import Conversations
from haneul.assistant.memory import MemoryStore, extract, unrelated_said
from haneul.assistant.personal_days import asks_own_day
from haneul.assistant.recall import acknowledge, recall
from haneul.assistant.turn import Assistant, Event, Turn
from haneul.engine import vector_memo
from haneul.engine.manager import ModelManager
from haneul.engine.protocol import Capability
from haneul.errors import HaneulError, InvalidRequestError, UnsupportedError
from haneul.knowledge.service import KnowledgeService
from haneul.safety.filter import SafetyFilter
from haneul.skills import Skill, builtin_and_plugin_skills
from haneul.skills.builtin.mail import MailSource
from haneul.skills.documents_source import DocumentSource
from haneul.skills.mcp import load_tools, read_config
from haneul.skills.router import Route, SkillRouter
from haneul.skills.todo_source import TodoSource

log = logging.getLogger(__name__)


@dataclass
class TurnRun:
    """A turn ready to run: the model answering it and its events, not yet started."""

    model: str
    events: AsyncGenerator[Event, None]


class AssistantService:
    def __init__(
        self,
        conversations: Conversations,
        manager: ModelManager,
        safety: SafetyFilter,
        knowledge: KnowledgeService,
        embedding_model: str,
        memories: MemoryStore,
        confirmations: Confirmations,
        *,
        remember: bool = True,
        default_policy: str = "annotate",
        small_model_chat: bool = False,
    ) -> None:
        self.conversations = conversations
        self.manager = manager
        self.safety = safety
        self.knowledge = knowledge
        self.embedding_model = embedding_model
        self.memories = memories
        self.confirmations = confirmations
        self.remember = remember  # settings.memory: memories are used and kept
        self.default_policy = default_policy  # the AI Filter policy of a key without one
        self.small_model_chat = small_model_chat  # settings.small_model_chat
        self.skills: dict[str, Skill] = dict(builtin_and_plugin_skills())
        self.todos: TodoSource | None = None  # the user's to-dos for skills (set by the server)
        self.mail: MailSource | None = None  # set by the server when mail is on (mail skill)
        self._router: SkillRouter | None = None
        self._router_lock = asyncio.Lock()

    @property
    def documents(self) -> DocumentSource:
        """The user's documents as skills read them (`SkillContext.documents`)."""
        return self.knowledge.documents

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
                entry, backend = await self.manager.get(self.embedding_model)
                loop = asyncio.get_running_loop()

                def embed(texts: list[str]) -> np.ndarray:
                    call = backend.embed(texts, input_type="query")
                    result = asyncio.run_coroutine_threadsafe(call, loop).result()
                    return np.asarray(result.vectors, dtype=np.float32)

                # The examples' vectors are kept on disk per model (a server start embedded
                # them all again: seconds of CPU before the first turn); utterances never are.
                model = f"{entry.name} {entry.kind} {entry.source} {entry.sha256 or ''}"
                make = functools.partial(
                    SkillRouter, examples_embed=vector_memo.remembered(model, embed)
                )
                self._router = await asyncio.to_thread(make, self.skills.values(), embed)
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
        # A small model answers open questions only when the operator lets it.
        opens = self.small_model_chat or self.manager.catalog.answers_open(entry)
        small = None if opens else entry.name
        assistant = Assistant(backend, self.safety, self.skills, router.route, tools, small)
        return entry.name, assistant

    # -- a conversation's turns ------------------------------------------------------------
    async def send(
        self,
        owner: str,
        cid: str,
        text: str,
        *,
        policy: str | None = None,
        model: str | None = None,
        skills: list[str] | None = None,
        max_tokens: int = 512,
        memory: bool = True,
        files: dict[str, Path] | None = None,
    ) -> TurnRun:
        """The turn answering `text` in conversation `cid`; a blocked message, an unknown
        skill or conversation, or a `max_tokens` the model cannot hold raise here, before
        anything streams. With `memory` false the turn neither uses nor keeps memories."""
        unknown = sorted(set(skills or []) - set(self.skills))
        if unknown:
            raise InvalidRequestError(f"unknown skills: {', '.join(unknown)}", param="skills")
        turn = await asyncio.to_thread(
            self._turn,
            owner,
            cid,
            text,
            policy,
            memory,
            enabled_skills=skills,
            max_tokens=max_tokens,
            files=files or {},
        )
        name, assistant = await self._assistant(model, max_tokens)
        refusal = await assistant.screen(turn)  # the one input check of this message
        events = assistant.run(turn, screened=(refusal,))
        return TurnRun(name, self._kept(owner, cid, turn, events, remember=memory))

    async def confirm(
        self,
        owner: str,
        cid: str,
        confirmation: str,
        approve: bool,
        *,
        policy: str | None = None,
        model: str | None = None,
        max_tokens: int = 512,
    ) -> TurnRun:
        """The user's answer to a side-effect skill's request: approving runs the skill and
        finishes the turn; declining ends it."""
        await asyncio.to_thread(self.conversations.get, owner, cid)
        name, assistant = await self._assistant(model, max_tokens)
        pending = await asyncio.to_thread(
            self.confirmations.decide, owner, cid, confirmation, approve
        )
        if not approve:
            return TurnRun(
                name, self._kept(owner, cid, None, _each(assistant.declined(pending.skill)))
            )
        turn = await asyncio.to_thread(
            self._turn, owner, cid, pending.text, policy, max_tokens=max_tokens
        )
        turn.history = turn.history[:-2]  # the question and the request to confirm
        route = Route(pending.skill, pending.arguments, 1.0, {})
        return TurnRun(name, self._kept(owner, cid, None, assistant.answer(turn, route)))

    def _turn(
        self, owner: str, cid: str, text: str, policy: str | None, memory: bool = True, **kw: Any
    ) -> Turn:
        """The turn's inputs from the stores (blocking: called in a worker thread). A recall
        question («제 이름 기억해요?») gets its answer from the memory store here
        (assistant/recall.py); its memories are the one it used."""
        on = self.remember and memory
        history = self.conversations.messages(owner, cid)
        said = [m.content for m in history if m.role == "user"]
        known = recall(text, self.memories.of(owner) if on else None, said)
        known = known or acknowledge(text, on)
        if known is not None and not known.noted:
            memories = known.used
        else:  # (for a statement: the memories the stated fact changes)
            memories = self.memories.relevant(owner, text) if on else []
            if on and asks_own_day(text):  # «내 생일까지 며칠?»: the remembered day, always
                day = [m.content for m in self.memories.of(owner) if m.slot == "birthday"]
                memories = [*memories, *(d for d in day if d not in memories)]
        unrelated = unrelated_said(text, said, memories) if known is None else []
        return Turn(
            owner=owner,
            preset=self.conversations.get(owner, cid).preset,
            history=history,
            text=text,
            policy=policy or self.default_policy,
            documents=self.documents,
            todos=self.todos,
            mail=self.mail,
            memories=memories,
            recall=known,
            unrelated=unrelated,
            **kw,
        )

    async def _assistant(self, model: str | None, max_tokens: int) -> tuple[str, Assistant]:
        """The assistant on `model`; a 400 naming the context when `max_tokens` alone fills
        it."""
        entry, backend = await self.manager.get(model)
        ctx = backend.context_size
        if max_tokens >= ctx:
            raise InvalidRequestError(
                f"max_tokens is {max_tokens}, but model '{entry.name}' holds {ctx} tokens of "
                f"context for the conversation and the answer together; ask for fewer than {ctx}",
                param="max_tokens",
            )
        return await self.assistant(model)

    async def _kept(
        self,
        owner: str,
        cid: str,
        turn: Turn | None,
        events: AsyncGenerator[Event, None],
        *,
        remember: bool = True,
    ) -> AsyncGenerator[Event, None]:
        """`events`, with the bookkeeping done as they pass: the turn stored when done (with
        the user's message when `turn` is a new one), what the user said folded into memory,
        a pending confirmation kept."""
        async with aclosing(events):
            async for event in events:
                if event["type"] == "confirmation_required" and turn is not None:
                    pending = Pending(
                        event["id"], cid, turn.text, event["name"], event["arguments"]
                    )
                    await asyncio.to_thread(self.confirmations.add, owner, pending)
                if event["type"] == "done":
                    user = turn.text if turn is not None else None
                    stored = await asyncio.to_thread(
                        self.conversations.add_turn, owner, cid, user, event["message"]
                    )
                    kept = turn if remember else None
                    remembered = await asyncio.to_thread(self._remembered, owner, cid, kept)
                    event = {**event, "message": stored, **remembered}
                yield event

    def _remembered(self, owner: str, cid: str, turn: Turn | None) -> dict[str, Any]:
        """What the done event tells of memory: the memories the turn was given, and the
        operations (PASS, REPLACE, APPEND, DELETE) what the user said caused (blocking: called
        in a worker thread)."""
        if turn is None or not self.remember:
            return {}
        ops = self.memories.update(owner, extract(turn.text), source=cid)
        return {"memories_used": turn.memories, "memory": [asdict(o) for o in ops]}


async def _each(events: list[Event]) -> AsyncGenerator[Event, None]:
    for event in events:
        yield event
