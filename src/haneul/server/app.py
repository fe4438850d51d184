"""The FastAPI app factory."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haneul import __version__
from haneul.assistant.confirmations import Confirmations
from haneul.assistant.conversations import Conversations
from haneul.assistant.memory import MemoryStore
from haneul.assistant.session import AssistantService
from haneul.config import Settings
from haneul.engine.manager import ModelManager
from haneul.knowledge.library import Library
from haneul.knowledge.service import KnowledgeService
from haneul.safety.filter import SafetyFilter
from haneul.server.accounts.admin import router as admin_router
from haneul.server.accounts.oidc import configure as configure_oidc
from haneul.server.accounts.oidc import router as oidc_router
from haneul.server.accounts.routes import router as accounts_router
from haneul.server.accounts.routes import signin_redirect
from haneul.server.assistant.feedback import router as feedback_router
from haneul.server.assistant.memories import router as memories_router
from haneul.server.assistant.routes import listing as assistant_listing
from haneul.server.assistant.routes import router as assistant_router
from haneul.server.auth import Principal, authenticate
from haneul.server.bodylimit import BodyLimit
from haneul.server.chat import ChatServing
from haneul.server.clova.chat import router as clova_chat_router
from haneul.server.clova.chat_v1 import router as clova_v1_chat_router
from haneul.server.clova.embedding import router as clova_embedding_router
from haneul.server.clova.reranker import router as clova_reranker_router
from haneul.server.clova.router import router as clova_router_router
from haneul.server.clova.segmentation import router as clova_segmentation_router
from haneul.server.clova.skillsets import router as clova_skillsets_router
from haneul.server.clova.summarization import router as clova_summarization_router
from haneul.server.clova.tools import router as clova_tools_router
from haneul.server.code import router as code_router
from haneul.server.errors import install_error_handlers
from haneul.server.guard import ChatGuard
from haneul.server.knowledge.routes import router as knowledge_router
from haneul.server.limits import Limiter
from haneul.server.mail import open_mail
from haneul.server.mcp import mount as mount_mcp
from haneul.server.metrics import Metrics
from haneul.server.openai.moderations import router as moderations_router
from haneul.server.openai.routes import clova_openai_router
from haneul.server.openai.routes import router as openai_router
from haneul.server.openai.serving import OpenAIServing
from haneul.server.openapi import install as install_openapi
from haneul.server.reports.routes import open_reports
from haneul.server.reports.routes import page_router as reports_page_router
from haneul.server.reports.routes import router as reports_router
from haneul.server.security import SecurityMiddleware, docs_page
from haneul.server.studio.routes import router as studio_router
from haneul.server.workspace.todos import page_router as workspace_page_router
from haneul.server.workspace.todos import router as todos_router
from haneul.skills.openapi import load_manifest
from haneul.store.audit import AuditLog, EventLog
from haneul.store.db import connect
from haneul.store.keys import KeyStore, UsageStamps
from haneul.store.sessions import SessionStore
from haneul.store.teams import TeamStore
from haneul.store.usage import UsageMeter
from haneul.store.users import UserStore
from haneul.studio.jobs import JobStore, Worker
from haneul.workspace.todos import StoreTodos, TodoStore

log = logging.getLogger(__name__)


class _RequestMetrics:
    """Pure ASGI middleware (streams pass through untouched): counts requests by route."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.duration.labels(route).observe(time.perf_counter() - start)


def create_app(settings: Settings, manager: ModelManager | None = None) -> FastAPI:
    manager = manager or ModelManager(settings)
    metrics = Metrics()
    limiter = Limiter(
        rpm=settings.rate_limit_rpm,
        max_concurrent=settings.max_concurrent,
        max_queue=settings.max_queue,
        queue_timeout_s=settings.queue_timeout_s,
    )
    metrics.queued.set_function(lambda: sum(w for _, w in limiter.snapshot().values()))
    conn = connect(settings.db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for name in [settings.default_model, *settings.preload]:
            await manager.get(name)
        if settings.embedding_model in settings.preload:  # search ready: Kiwi loaded too
            await app.state.knowledge.preload()
        if settings.mcp_servers is not None:
            await app.state.assistant.load_mcp(settings.mcp_servers)
        worker = Worker(app.state.tuning) if settings.tuning_worker else None
        if worker:
            worker.start()
        async with app.state.mcp.running(), app.state.knowledge.embedding():
            yield
        if worker:
            worker.stop()
        await manager.close()
        await asyncio.to_thread(stamps.close)
        await asyncio.to_thread(app.state.usage.close)
        await asyncio.to_thread(app.state.audit.close)
        conn.close()
        library.conn.close()
        conversations.conn.close()
        app.state.todos.conn.close()
        app.state.mail.store.conn.close()

    # The docs routes are added below, behind keys when keys are required.
    app = FastAPI(
        title="Haneul",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.manager = manager
    app.state.metrics = metrics
    app.state.limiter = limiter
    stamps = UsageStamps(settings.db_path)  # last-used times, written off the event loop
    app.state.keys = KeyStore(conn, stamps)
    app.state.safety = SafetyFilter(learned=settings.safety_learned)
    app.state.audit = AuditLog(connect(settings.db_path))  # its own connection: batched writes
    _add_accounts(app, settings, conn)
    library = Library(connect(settings.db_path))  # its own connection: its own transactions
    app.state.knowledge = KnowledgeService(library, manager, settings.embedding_model)
    conversations = Conversations(connect(settings.db_path))
    app.state.memories = MemoryStore(connect(settings.db_path))
    app.state.confirmations = Confirmations(connect(settings.db_path))
    app.state.assistant = AssistantService(
        conversations,
        manager,
        app.state.safety,
        app.state.knowledge,
        settings.embedding_model,
        app.state.memories,
        app.state.confirmations,
        remember=settings.memory,
        default_policy=settings.safety_policy,
        small_model_chat=settings.small_model_chat,
    )
    for manifest in filter(None, (m.strip() for m in settings.skill_manifests.split(","))):
        app.state.assistant.skills.update({s.spec.name: s for s in load_manifest(manifest)})
    guard = ChatGuard(app.state.safety, app.state.audit, settings.safety_policy)
    app.state.serving = ChatServing(settings, manager, limiter, metrics, guard)  # every chat
    app.state.openai = OpenAIServing(app.state.serving)
    app.state.serving.usage = app.state.usage
    install_error_handlers(app)
    app.include_router(openai_router)
    app.include_router(moderations_router)
    app.include_router(knowledge_router)
    app.include_router(assistant_router)
    app.include_router(assistant_listing)
    app.include_router(memories_router)
    app.include_router(feedback_router)
    app.state.mcp = mount_mcp(app, app.state.assistant)
    app.state.tuning = JobStore(settings)
    app.include_router(studio_router)
    app.include_router(clova_chat_router)
    app.include_router(clova_v1_chat_router)  # /v1/chat-completions, /testapp, /serviceapp
    app.include_router(clova_tools_router)  # /v1 and /v3 api-tools: tokenize, sliding window
    app.include_router(clova_summarization_router)  # /v1/api-tools/summarization/v2
    app.include_router(clova_segmentation_router)  # /v1/api-tools/segmentation
    app.include_router(clova_embedding_router)  # /v1/api-tools/embedding/v2 and v1
    app.include_router(clova_reranker_router)  # /v1/api-tools/reranker
    app.include_router(clova_router_router)  # /v1/routers/{id}/versions/{v}/route
    app.include_router(clova_skillsets_router)  # /v1/skillsets: Skill Trainer, final-answer
    app.include_router(clova_openai_router)  # /v1/openai/...: CLOVA's OpenAI-compatible path
    app.include_router(accounts_router)  # /v1/auth, /v1/me/keys, /signin, /admin
    app.include_router(admin_router)  # /v1/admin/...
    app.include_router(oidc_router)  # /auth/oidc/login and /callback: SSO (docs/accounts.md)
    app.state.reports = open_reports(settings.db_path)
    app.include_router(reports_router)  # /v1/reports: 보고서 작성
    app.include_router(reports_page_router)  # /reports
    app.include_router(code_router)  # /v1/code/...: the Python sandbox (docs/code.md)
    app.state.todos = TodoStore(connect(settings.db_path))
    app.state.assistant.todos = StoreTodos(app.state.todos)  # for the todo skills
    app.include_router(todos_router)  # /v1/todos: 오늘 할 일 (docs/workspace.md)
    app.include_router(workspace_page_router)  # /workspace
    app.state.mail = open_mail(app, settings, manager)  # /v1/mail, /mail: 메일 답장
    app.mount("/static", StaticFiles(directory=str(resources.files("haneul.web"))), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(_RequestMetrics, metrics=metrics)
    app.add_middleware(SecurityMiddleware, settings=settings)  # outermost: refusals first
    _add_docs_routes(app)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        models = {name: await backend.status() for name, backend in manager.backends.items()}
        return {
            "status": "ok",
            "version": __version__,
            "models_loaded": manager.loaded,
            "models": models,
        }

    @app.get("/metrics")
    async def prometheus(principal: Principal = Depends(authenticate)) -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    install_openapi(app)

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> Response:
        if (to_signin := signin_redirect(request)) is not None:
            return to_signin
        page = resources.files("haneul.web").joinpath("index.html").read_text(encoding="utf-8")
        return HTMLResponse(page.replace("{{DEFAULT_MODEL}}", settings.default_model))

    return app


def _add_accounts(app: FastAPI, settings: Settings, conn: sqlite3.Connection) -> None:
    """Users, teams, sessions, the account audit log and the usage meter (docs/accounts.md)."""
    app.state.users = UserStore(
        conn,
        max_failures=settings.signin_max_failures,
        lockout_s=settings.signin_lockout_s,
        min_password=settings.password_min_length,
    )
    app.state.teams = TeamStore(conn)
    app.state.sessions = SessionStore(conn, settings.session_ttl_s)
    app.state.events = EventLog(conn)
    app.state.usage = UsageMeter(settings.db_path)
    configure_oidc(app, settings)  # SSO when HANEUL_OIDC_ISSUER is set


def _add_docs_routes(app: FastAPI) -> None:
    """/openapi.json, /docs and /redoc: public in the open localhost mode, behind a key
    whenever keys are required (the `authenticate` dependency decides)."""
    guard = [Depends(authenticate)]

    @app.get("/openapi.json", include_in_schema=False, dependencies=guard)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=guard)
    async def swagger() -> HTMLResponse:
        return docs_page(get_swagger_ui_html(openapi_url="/openapi.json", title="Haneul API"))

    @app.get("/redoc", include_in_schema=False, dependencies=guard)
    async def redoc() -> HTMLResponse:
        return docs_page(get_redoc_html(openapi_url="/openapi.json", title="Haneul API"))
