"""`haneul docs`: add files and folders to a collection, list, remove, search.

Works on the store directly (no server needed). Collections belong to an owner: a user (by
name or id) once accounts exist, else the API key id that sees them over HTTP, or `anonymous`
for a server without keys. With users and no `--owner`, the first admin owns them.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from haneul.config import Settings
from haneul.engine.manager import ModelManager
from haneul.errors import HaneulError, NotFoundError
from haneul.knowledge.ingest import IngestProgress, counted, files_in, gone_from
from haneul.knowledge.library import CollectionInfo, Library
from haneul.knowledge.loaders import supported_suffixes
from haneul.knowledge.retrieve import SearchHit
from haneul.knowledge.service import KnowledgeService
from haneul.store.db import connect
from haneul.store.users import ANONYMOUS, UserStore

app = typer.Typer(help="Document search: collections of Korean documents.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)

Collection = Annotated[str, typer.Option("--collection", "-c", help="Collection name.")]
Owner = Annotated[
    str,
    typer.Option(
        help="Owner: a user name (see `haneul users list`), an API key id, or anonymous "
        "(with users, anonymous means the first admin)."
    ),
]


def _library() -> Library:
    return Library(connect(Settings().db_path))


def _owner(library: Library, owner: str) -> str:
    """The owner id `owner` names: a user's id for their name, the first admin for the
    default once accounts exist (data owned by `anonymous` would be visible to nobody)."""
    users = UserStore(library.conn)
    if owner != ANONYMOUS:
        try:
            return users.resolve(owner).id
        except NotFoundError:
            return owner  # an API key id
    admins = [u for u in users.list() if u.is_admin and u.active]
    if not admins:
        return owner
    err.print(
        f"[dim]owner: {escape(admins[0].name)} (the first admin; name one with --owner)[/dim]"
    )
    return admins[0].id


def _fail(exc: HaneulError) -> typer.Exit:
    err.print(f"[red]{exc.message}[/red]")
    return typer.Exit(2)


def _service(library: Library) -> KnowledgeService:
    """The knowledge service the server uses, over this library (the embedding model loads
    on first use; close its `manager` when done)."""
    settings = Settings()
    return KnowledgeService(library, ModelManager(settings), settings.embedding_model)


def _collection(library: Library, owner: str, name: str, create: bool) -> CollectionInfo:
    try:
        return library.collection(owner, name)
    except NotFoundError:
        if not create:
            raise
        return library.create_collection(owner, name)


@app.command()
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (read recursively).")],
    collection: Collection = "default",
    owner: Owner = "anonymous",
    lexical_only: Annotated[
        bool,
        typer.Option(
            "--lexical-only",
            help="Return once searchable by BM25; the e5 vectors stay queued (the server,"
            " or the next `docs add`, fills them in).",
        ),
    ] = False,
    sync: Annotated[
        bool,
        typer.Option(
            "--sync",
            help="Also remove the documents added from these folders before whose files are"
            " no longer there (deleted or renamed on the drive).",
        ),
    ] = False,
) -> None:
    """Index files into a collection (created if missing); unchanged files are skipped.

    Lexical first: each document is searchable by BM25 as soon as it is written; then the
    collection's queued chunks are embedded (resumed here after an interrupted run). A
    folder added again names the documents it no longer holds; --sync removes them."""
    library = _library()
    owner = _owner(library, owner)
    try:
        info = _collection(library, owner, collection, create=True)
    except HaneulError as exc:
        raise _fail(exc) from None
    files: list[tuple[str, Path]] = []
    skipped: Counter[str] = Counter()
    folders: dict[str, list[str]] = {}  # a folder's name -> the names of the files it holds
    for path in paths:
        if path.is_dir():
            folder = path.resolve().name  # «.» and «../자료/» are the same 자료
            found = [(f"{folder}/{name}", p) for name, p in files_in(path, skipped)]
            folders[folder] = [name for name, _ in found]
            files += found
        elif path.is_file():
            files.append((path.name, path))
        else:
            err.print(f"[red]{path}: no such file or folder[/red]")
            raise typer.Exit(2)
    if skipped:  # said first: a folder's unread files are not lost without a word
        err.print(
            f"skipped {skipped.total()} files of types not read: {counted(skipped)}"
            f" (read: {' '.join(supported_suffixes())})"
        )
    progress = asyncio.run(_ingest(library, info, files, lexical_only))
    for r in progress.results:
        if r.status == "failed":
            err.print(f"[red]failed[/red] {r.name}: {r.reason}")
    err.print(
        f"{info.name}: {progress.added} added, {progress.updated} updated, "
        f"{progress.unchanged} unchanged, {progress.failed} failed"
    )
    _gone(library, info, folders, sync)
    state = library.progress(info.id)
    err.print(
        f"{info.name}: {state.lexical} chunks searchable, {state.embedded} embedded,"
        f" {state.pending} queued"
    )
    if progress.failed:
        raise typer.Exit(1)


def _gone(
    library: Library, info: CollectionInfo, folders: dict[str, list[str]], sync: bool
) -> None:
    """Say which documents of each folder are no longer in it; remove them with `sync`. A
    folder that holds no document at all is never synced (a drive not mounted looks so)."""
    documents = library.documents(info.id)
    for folder, present in folders.items():
        gone = gone_from(documents, folder, present)
        if not gone:
            continue
        names = ", ".join(d.name for d in gone[:3]) + (
            f" and {len(gone) - 3} more" if len(gone) > 3 else ""
        )
        many = f"{len(gone)} document" + ("s" if len(gone) > 1 else "")
        if not sync:
            err.print(
                f"{many} added from {folder}/ no longer there: {names} (kept; --sync removes them)"
            )
        elif not present:
            err.print(
                f"[yellow]{folder}/ holds no documents now: nothing removed (is the drive"
                f" mounted?); {many} added from it kept[/yellow]"
            )
        else:
            for doc in gone:
                library.delete_document(info.id, doc.id)
            err.print(f"removed {many} no longer in {folder}/: {names}")


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:.1f}/s" if seconds > 0 else "-"


async def _ingest(
    library: Library, info: CollectionInfo, files: list[tuple[str, Path]], lexical_only: bool
) -> IngestProgress:
    service = _service(library)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("lexical", total=len(files), rate="")
            started = time.monotonic()

            def show(p: IngestProgress) -> None:
                rate = _rate(p.chunks, time.monotonic() - started) + " chunks"
                bar.update(  # a zip's documents add to the total as it is opened
                    task,
                    total=p.total,
                    completed=p.done,
                    rate=rate,
                    description=_label("lexical", p),
                )

            progress = await service.ingest(
                info, [(name, path.read_bytes) for name, path in files], show
            )
            lexical_s = time.monotonic() - started
            err.print(
                f"lexical: {progress.chunks} chunks in {lexical_s:.1f} s"
                f" ({_rate(progress.chunks, lexical_s)})"
            )
            if lexical_only:
                return progress
            pending = library.progress(info.id).pending
            dense = bar.add_task("embedded", total=pending, rate="")
            started = time.monotonic()
            done = 0

            def sliced(stored: int) -> None:
                nonlocal done
                done += stored
                rate = _rate(done, time.monotonic() - started) + " chunks"
                bar.update(dense, completed=done, rate=rate)

            done = await service.embed_queued(info, sliced)
            dense_s = time.monotonic() - started
            err.print(f"embedded {done} chunks in {dense_s:.1f} s ({_rate(done, dense_s)})")
            return progress
    finally:
        await service.manager.close()


def _label(phase: str, p: IngestProgress) -> str:
    return f"{phase} {(p.current or 'done')[-40:]}"


@app.command()
def status(
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="Only this collection.")
    ] = None,
    owner: Owner = "anonymous",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
) -> None:
    """Indexing progress per collection: chunks searchable by BM25, embedded, queued."""
    library = _library()
    owner = _owner(library, owner)
    try:
        found = (
            [library.collection(owner, collection)] if collection else library.collections(owner)
        )
    except HaneulError as exc:
        raise _fail(exc) from None
    rows = []
    for c in found:
        state = library.progress(c.id)
        rows.append(
            {
                "name": c.name,
                "documents": c.documents,
                "lexical": state.lexical,
                "embedded": state.embedded,
                "pending": state.pending,
            }
        )
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table("name", "documents", "lexical", "embedded", "pending")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    out.print(table)


@app.command("list")
def list_(
    name: Annotated[
        str | None, typer.Argument(help="A collection: list its documents (as -c does).")
    ] = None,
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="List this collection's documents.")
    ] = None,
    owner: Owner = "anonymous",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
) -> None:
    """List collections, or the documents of one collection."""
    if name and collection and name != collection:
        raise typer.BadParameter(f"two collections named: {name} and -c {collection}")
    collection = collection or name
    library = _library()
    owner = _owner(library, owner)
    try:
        if collection is None:
            rows: list[dict[str, Any]] = [
                {"name": c.name, "documents": c.documents, "chunks": c.chunks, "id": c.id}
                for c in library.collections(owner)
            ]
        else:
            info = library.collection(owner, collection)
            rows = [
                {"name": d.name, "kind": d.kind, "chunks": d.chunks, "size": d.size, "id": d.id}
                for d in library.documents(info.id)
            ]
    except HaneulError as exc:
        raise _fail(exc) from None
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        err.print(
            f"{collection} holds no documents" if collection
            else "no collections yet: haneul docs add FILES -c NAME makes one"
        )  # fmt: skip
        return
    table = Table(*rows[0].keys())
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    out.print(table)


@app.command()
def rm(
    documents: Annotated[
        list[str] | None, typer.Argument(help="Document names or ids (none with --all).")
    ] = None,
    collection: Collection = "default",
    owner: Owner = "anonymous",
    all_: Annotated[bool, typer.Option("--all", help="Delete the whole collection.")] = False,
) -> None:
    """Remove documents (all their chunks), or a whole collection with --all."""
    library = _library()
    owner = _owner(library, owner)
    try:
        info = library.collection(owner, collection)
        if all_:
            library.delete_collection(owner, collection)
            err.print(f"deleted collection {collection} ({info.documents} documents)")
            return
        if not documents:
            raise typer.BadParameter("name the documents to remove, or use --all")
        for name in documents:
            doc = library.delete_document(info.id, name)
            err.print(f"removed {doc.name} ({doc.chunks} chunks)")
    except HaneulError as exc:
        raise _fail(exc) from None


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "document_id": hit.document.id,
        "document_name": hit.document.name,
        "score": hit.score,
        "page": hit.citation.page,
        "heading": hit.citation.heading,
        "start": hit.citation.start,
        "end": hit.citation.end,
        "snippet": hit.snippet,
        "text": hit.text,
        "also_in": [
            {"document_id": c.document_id, "document_name": c.document_name, "page": c.page}
            for c in hit.also_in
        ],
    }


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="The query (omit with --queries).")] = None,
    collection: Collection = "default",
    owner: Owner = "anonymous",
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=100)] = 5,
    queries: Annotated[
        Path | None,
        typer.Option(help='JSONL of {"query", "id"?, "top_k"?}; writes JSONL results.'),
    ] = None,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
) -> None:
    """Search a collection; each hit shows its document, page and a snippet."""
    if mode not in ("hybrid", "lexical", "dense"):
        raise typer.BadParameter("mode is hybrid, lexical or dense")
    if (query is None) == (queries is None):
        raise typer.BadParameter("give a query or --queries FILE, not both")
    library = _library()
    owner = _owner(library, owner)
    try:
        info = library.collection(owner, collection)
    except HaneulError as exc:
        raise _fail(exc) from None
    asyncio.run(_search(library, info, query, queries, top_k, mode, as_json))


async def _search(
    library: Library,
    info: CollectionInfo,
    query: str | None,
    queries: Path | None,
    top_k: int,
    mode: str,
    as_json: bool,
) -> None:
    service = _service(library)

    async def run(q: str, k: int) -> list[SearchHit]:
        return await service.search(info, q, k, None, mode)  # type: ignore[arg-type]

    try:
        if query is not None:
            hits = await run(query, top_k)
            if as_json:
                for hit in hits:
                    typer.echo(json.dumps(_hit_json(hit), ensure_ascii=False))
            else:
                _print_hits(hits)
            return
        assert queries is not None
        for n, line in enumerate(queries.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                q, k = str(item["query"]), int(item.get("top_k", top_k))
            except (ValueError, KeyError, TypeError) as exc:
                typer.echo(json.dumps({"line": n, "error": f"bad query line: {exc}"}))
                continue
            hits = await run(q, k)
            result = {"id": item.get("id", n), "query": q, "hits": [_hit_json(h) for h in hits]}
            typer.echo(json.dumps(result, ensure_ascii=False))
    finally:
        await service.manager.close()


def _print_hits(hits: list[SearchHit]) -> None:
    if not hits:
        err.print("no hits")
    for rank, hit in enumerate(hits, start=1):
        where = f" p.{hit.citation.page}" if hit.citation.page else ""
        # one line a hit: a PDF's or a text file's own line breaks would break it up
        parts = re.split(r"(</?mark>)", re.sub(r"\s+", " ", hit.snippet))
        text = "".join(
            {"<mark>": "[bold]", "</mark>": "[/bold]"}.get(p) or escape(html.unescape(p))
            for p in parts
        )
        out.print(f"[cyan]{rank}. {hit.document.name}{where}[/cyan]  score {hit.score:.3f}")
        out.print(f"   {text}", highlight=False)
        if hit.also_in:
            copies = ", ".join(
                c.document_name + (f" p.{c.page}" if c.page else "") for c in hit.also_in
            )
            out.print(f"   [dim]같은 내용: {escape(copies)}[/dim]", highlight=False)
