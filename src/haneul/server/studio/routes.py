"""CLOVA Studio's tuning API, `/tuning/v2/tasks` (create, list, get, delete, and Haneul's
`/cancel` and `/loss.svg`), and a tuned model as a task: `POST /v3/tasks/{taskId}/chat-completions`.
Replies are wrapped as CLOVA wraps them: `{"status": {"code": "20000", "message": "OK"},
"result": ...}`; errors are `{"status": {"code": "40001", "message": ...}}` (server/errors.py).

The dataset is uploaded in the request (`trainingDataset: {name, content}`), kept under
`HANEUL_HOME/studio/datasets/` by content hash until no task uses it, or names a file in the
server's data directory (`trainingDatasetFilePath`, as CLOVA's object storage path;
`HANEUL_DATASETS_DIR`). A path outside that directory (after symlinks), missing, or not a
regular file gets one and the same refusal, so the answer says nothing of the disk; files are
read off the event loop, never a FIFO or a device.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.engine.catalog import NAME_PATTERN, Catalog
from haneul.engine.owners import visible
from haneul.errors import ConflictError, HaneulError, InvalidRequestError, NotFoundError
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import V3Chat, ok, v3_chat
from haneul.studio.datasets import (
    MAX_DATASET_BYTES,
    DatasetFileError,
    read_dataset,
    resolve_in_root,
)
from haneul.studio.jobs import MAX_TENANT_NAME, SHARED_OWNER, Job, JobStore, served_name
from haneul.studio.train import TrainConfig

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
PATH_REFUSED = (
    "trainingDatasetFilePath must name a regular .jsonl or .csv file of at most 100 MiB in "
    "the server's data directory (HANEUL_DATASETS_DIR); or send the file as trainingDataset"
)


class DatasetUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="file name: .jsonl or .csv")
    content: str = Field(min_length=1, max_length=100_000_000)


class CreateTask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN)
    model: str = "gemma3-270m"
    tuningType: Literal["PEFT"] = "PEFT"
    trainEpochs: int = Field(8, ge=1, le=20)
    learningRate: float = Field(1e-4, gt=0, le=0.1)
    validationSplitRatio: float = Field(0.1, ge=0, lt=1)
    loraR: int = Field(8, ge=2, le=64)
    loraAlpha: int = Field(64, ge=2, le=512)
    trainingDatasetFilePath: str | None = Field(
        None,
        max_length=1000,
        description="a .jsonl or .csv file in the server's data directory (HANEUL_DATASETS_DIR)",
    )
    trainingDataset: DatasetUpload | None = None
    batchSize: int = Field(4, ge=1, le=64)
    maxSteps: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_dataset(self) -> CreateTask:
        if (self.trainingDatasetFilePath is None) == (self.trainingDataset is None):
            raise ValueError("give trainingDatasetFilePath or trainingDataset (not both)")
        return self


def _datasets(request: Request) -> Path:
    return Path(request.app.state.settings.home) / "studio" / "datasets"


def _save_upload(request: Request, upload: DatasetUpload) -> Path:
    """The uploaded dataset on disk, named by its content hash (the same upload, one file)."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise InvalidRequestError(
            "trainingDataset.name must end in .jsonl or .csv", param="trainingDataset.name"
        )
    data = upload.content.encode("utf-8")
    if len(data) > MAX_DATASET_BYTES:
        raise InvalidRequestError(
            f"trainingDataset is over {MAX_DATASET_BYTES // 2**20} MiB as UTF-8",
            param="trainingDataset.content",
        )
    stem = re.sub(r"[^\w.-]+", "_", Path(upload.name).stem)[:60] or "dataset"
    path = _datasets(request) / f"{hashlib.sha256(data).hexdigest()[:16]}-{stem}{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)
    return path


def _store(request: Request) -> JobStore:
    store: JobStore = request.app.state.tuning
    return store


def _shown(request: Request, dataset: str) -> str:
    """The dataset as its tenant named it: relative to the data directory (an upload: its
    stored name), never the server's own path."""
    path = Path(dataset)
    for base in (request.app.state.settings.datasets_root.resolve(), _datasets(request)):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return path.name


def _card(request: Request, job: Job) -> dict[str, Any]:
    c = job.config
    return {
        "id": job.id,
        "name": job.name,
        "model": job.base,
        "tuningType": "PEFT",
        "method": "LoRA",
        "taskStatus": job.status,
        "statusInfo": job.info,
        "trainEpochs": c["epochs"],
        "learningRate": c["learning_rate"],
        "loraR": c["lora_r"],
        "loraAlpha": c["lora_alpha"],
        "validationSplitRatio": c["validation_split"],
        "trainingDatasetFilePath": _shown(request, job.dataset),
        "createdDate": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(job.created_at)),
        "updatedDate": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(job.updated_at)),
    }


@router.post("/tuning/v2/tasks")
async def create_task(body: CreateTask, request: Request, principal: Auth) -> Any:
    store = _store(request)
    if body.trainingDataset is not None:
        dataset = await asyncio.to_thread(_save_upload, request, body.trainingDataset)
    else:
        root = request.app.state.settings.datasets_root
        dataset = await asyncio.to_thread(_named, root, str(body.trainingDatasetFilePath))
    try:
        await asyncio.to_thread(_check_dataset, dataset, body.trainingDataset is None)
        job = await asyncio.to_thread(_create, request, store, body, dataset, principal.owner)
    except HaneulError:
        await asyncio.to_thread(_forget_upload, request, dataset)  # a refused task leaves nothing
        raise
    return ok(_card(request, job))


def _named(root: Path, name: str) -> Path:
    """The dataset a tenant names: inside the data directory, else the one refusal."""
    path = resolve_in_root(root, name)
    if path is None:
        raise InvalidRequestError(PATH_REFUSED, param="trainingDatasetFilePath")
    return path


def _check_dataset(dataset: Path, named: bool) -> None:
    """Every problem of the dataset now, not after a start (runs in a thread)."""
    try:
        read_dataset(dataset).raise_for_problems()
    except DatasetFileError:
        if not named:
            raise
        raise InvalidRequestError(PATH_REFUSED, param="trainingDatasetFilePath") from None


def _create(request: Request, store: JobStore, body: CreateTask, dataset: Path, owner: str) -> Job:
    catalog = Catalog(request.app.state.settings)
    served = served_name(owner, body.name)
    if owner != SHARED_OWNER and len(body.name) > MAX_TENANT_NAME:
        raise InvalidRequestError(
            f"a tuning task's name is at most {MAX_TENANT_NAME} characters", param="name"
        )
    # names are the owner's own: another tenant's tasks and models are never compared (a 409
    # would tell that they exist), and a tenant's model is served under its own suffixed name
    mine = {j.name for j in store.of(owner)}
    seen = {e.name for e in catalog.entries() if visible(e.options, owner)}
    if body.name in mine or body.name in seen or served in seen:
        raise ConflictError(f"a model or tuning task named '{body.name}' exists", param="name")
    if catalog.resolve(body.model).kind != "gguf":
        raise InvalidRequestError(f"model '{body.model}' cannot be tuned", param="model")
    config = TrainConfig(
        base=body.model,
        epochs=body.trainEpochs,
        learning_rate=body.learningRate,
        lora_r=body.loraR,
        lora_alpha=body.loraAlpha,
        validation_split=body.validationSplitRatio,
        batch_size=body.batchSize,
        max_steps=body.maxSteps,
    )
    config.check()
    return store.create(owner, body.name, dataset, config)


@router.get("/tuning/v2/tasks")
async def list_tasks(request: Request, principal: Auth) -> Any:
    jobs = await asyncio.to_thread(_store(request).of, principal.owner)
    return ok({"tasks": [_card(request, j) for j in jobs]})


@router.get("/tuning/v2/tasks/{task_id}")
async def get_task(task_id: str, request: Request, principal: Auth) -> Any:
    return ok(
        _card(request, await asyncio.to_thread(_store(request).get, principal.owner, task_id))
    )


@router.post("/tuning/v2/tasks/{task_id}/cancel")
async def cancel_task(task_id: str, request: Request, principal: Auth) -> Any:
    job = await asyncio.to_thread(_store(request).cancel, principal.owner, task_id)
    return ok(_card(request, job))


@router.delete("/tuning/v2/tasks/{task_id}")
async def delete_task(task_id: str, request: Request, principal: Auth) -> Any:
    job = await asyncio.to_thread(_store(request).delete, principal.owner, task_id)
    await asyncio.to_thread(_forget_upload, request, Path(job.dataset))
    return ok({"id": job.id, "deleted": True})


def _forget_upload(request: Request, dataset: Path) -> None:
    """Remove an uploaded dataset that no task uses any more (a server path stays)."""
    if dataset.parent != _datasets(request):
        return
    if any(Path(j.dataset) == dataset for j in _store(request).of(None)):
        return
    dataset.unlink(missing_ok=True)


@router.get("/tuning/v2/tasks/{task_id}/loss.svg")
async def loss_curve(task_id: str, request: Request, principal: Auth) -> Response:
    """The task's loss curve so far (written at every checkpoint and at the end)."""
    store = _store(request)
    job = await asyncio.to_thread(store.get, principal.owner, task_id)
    svg = store.run_dir(job.id) / "loss.svg"
    if not svg.is_file():
        raise NotFoundError(f"tuning task '{task_id}' has no loss curve yet ({job.status})")
    return Response(svg.read_text(encoding="utf-8"), media_type="image/svg+xml")


@router.post("/v3/tasks/{task_id}/chat-completions")
async def task_chat(task_id: str, body: V3Chat, request: Request, principal: Auth) -> Any:
    """A tuned model by its task id, in CLOVA Studio's v3 shape (server/clova/chat.py):
    `Accept: text/event-stream` streams `event: token` deltas, then `event: result`.
    The key's rate limit and safety policy apply as on `/v1/chat/completions`."""
    job = await asyncio.to_thread(_store(request).get, principal.owner, task_id)
    if job.status != "SUCCEEDED":
        raise ConflictError(f"tuning task '{task_id}' is {job.status}, not SUCCEEDED")
    return await v3_chat(request, principal, job.served, body)
