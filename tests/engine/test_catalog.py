"""The model catalog and `pull`, against a stand-in hub on loopback."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from gguf import GGUFWriter

from haneul.config import Settings
from haneul.engine.catalog import Catalog
from haneul.engine.pull import pull_model
from haneul.errors import (
    ConflictError,
    HaneulError,
    InvalidRequestError,
    ModelLoadError,
    ModelNotFoundError,
    NotFoundError,
    UpstreamError,
)


def write_tiny_gguf(path: Path, template: str | None = "<|im_start|>{{ messages }}") -> Path:
    writer = GGUFWriter(str(path), "llama")
    writer.add_context_length(4096)
    writer.add_file_type(3)
    if template:
        writer.add_chat_template(template)
    writer.add_tensor("tok_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(Settings(home=tmp_path / "home", hub_url="http://127.0.0.1:9"))


def test_bundled_models_are_listed(catalog: Catalog) -> None:
    names = {e.name: e for e in catalog.entries()}
    assert names["smollm2-135m-instruct"].task == "chat"
    assert names["gemma3-270m"].task == "completion"
    assert names["multilingual-e5-small"].task == "embedding"
    path = catalog.model_path(names["smollm2-135m-instruct"])  # checks the sha256
    assert path.stat().st_size == names["smollm2-135m-instruct"].size_bytes


def test_small_chat_models_are_known_by_their_parameters(catalog: Catalog, tmp_path: Path) -> None:
    """The assistant lets a model answer open questions from a billion parameters on
    (`answers_open`): the bundled 270M and 135M models, a model tuned on one of them and a
    local file read as small are not; an explicit `open_chat` and an unknown size are."""
    from haneul.engine.catalog import ModelEntry
    from haneul.engine.gguf_info import read_info

    for name in ("gemma3-270m", "smollm2-135m-instruct"):
        entry = catalog.resolve(name)
        assert catalog.parameters(entry) == read_info(catalog.model_path(entry)).parameters
        assert not catalog.answers_open(entry)
    local = catalog.add_local(write_tiny_gguf(tmp_path / "tiny.gguf"))
    assert catalog.parameters(local) == 32 and not catalog.answers_open(local)
    tuned = ModelEntry("상담봇", "gguf", "chat", "tuned:x", options={"base": "gemma3-270m"})
    told = ModelEntry("큰척", "gguf", "chat", "local", options={"parameters": 9, "open_chat": True})
    remote = ModelEntry("원격", "upstream", "chat", "upstream")
    assert catalog.parameters(tuned) == 268_098_176 and not catalog.answers_open(tuned)
    assert catalog.answers_open(told) and catalog.answers_open(remote)
    big = ModelEntry("큰-모델", "gguf", "chat", "local", options={"parameters": 7_000_000_000})
    assert catalog.answers_open(big)


def test_add_local_alias_and_remove(catalog: Catalog, tmp_path: Path) -> None:
    gguf = write_tiny_gguf(tmp_path / "My-Model.Q4_1.gguf")
    entry = catalog.add_local(gguf)
    assert entry.name == "my-model.q4_1"
    assert (entry.task, entry.quantization, entry.context_length, entry.template) == (
        "chat",
        "Q4_1",
        4096,
        "chatml",
    )
    catalog.alias("mine", entry.name)
    assert catalog.resolve("mine").name == entry.name
    with pytest.raises(ConflictError):
        catalog.alias("mine", entry.name)
    with pytest.raises(ConflictError):
        catalog.remove("smollm2-135m-instruct")
    catalog.remove(entry.name)
    with pytest.raises(ModelNotFoundError):
        catalog.resolve("mine")
    assert gguf.exists()  # a local file is the user's: never deleted


def test_bad_local_files(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError):
        catalog.add_local(tmp_path / "없는파일.gguf")
    text = tmp_path / "notes.gguf"
    text.write_text("이것은 모델이 아닙니다")
    with pytest.raises(InvalidRequestError, match="not a GGUF"):
        catalog.add_local(text)
    with pytest.raises(InvalidRequestError, match="must be Hangul, lowercase"):
        catalog.add_local(write_tiny_gguf(tmp_path / "x.gguf"), name="Upper 이름")
    korean = catalog.add_local(write_tiny_gguf(tmp_path / "y.gguf"), name="한글-이름")
    assert korean.name == "한글-이름"


def test_changed_file_fails_its_sha256(catalog: Catalog, tmp_path: Path) -> None:
    gguf = write_tiny_gguf(tmp_path / "m.gguf")
    entry = catalog.add_local(gguf)
    with gguf.open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelLoadError, match="sha256"):
        catalog.model_path(entry)


class Hub:
    """A stand-in for a Hugging Face-style hub: /<repo>/resolve/<rev>/<file> with Range."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.cut_after: int | None = None  # drop the connection after this many bytes once
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                data = hub.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if rng := self.headers.get("Range"):
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                body = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Linked-Etag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.end_headers()
                if hub.cut_after is not None:
                    self.wfile.write(body[: hub.cut_after])
                    hub.cut_after = None
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    model = write_tiny_gguf(tmp_path / "tiny.gguf").read_bytes()
    running = Hub(
        {
            "/haneul/tiny-ko/resolve/main/tiny-ko.Q4_1.gguf": model,
            "/haneul/broken/resolve/main/broken.gguf": b"not a model at all" * 100,
        }
    )
    yield running
    running.server.shutdown()


def _catalog_for(hub: Hub, tmp_path: Path) -> Catalog:
    return Catalog(Settings(home=tmp_path / "home", hub_url=hub.url))


def test_pull_downloads_checks_and_registers(hub: Hub, tmp_path: Path) -> None:
    catalog = _catalog_for(hub, tmp_path)
    seen: list[int] = []
    entry = pull_model(
        catalog,
        "haneul/tiny-ko",
        "tiny-ko.Q4_1.gguf",
        progress=lambda done, total: seen.append(done),
    )
    assert entry.name == "tiny-ko.q4_1" and entry.source == "pulled:haneul/tiny-ko"
    assert catalog.resolve("tiny-ko.q4_1").sha256 == entry.sha256
    assert seen and seen[-1] == entry.size_bytes
    path = Path(entry.path or "")
    catalog.remove(entry.name)
    assert not path.exists()  # pulled files belong to Haneul


def test_pull_resumes_after_a_dropped_connection(hub: Hub, tmp_path: Path) -> None:
    catalog = _catalog_for(hub, tmp_path)
    hub.cut_after = 100
    with pytest.raises(UpstreamError, match="resume"):
        pull_model(catalog, "haneul/tiny-ko", "tiny-ko.Q4_1.gguf", name="tiny")
    part = catalog.settings.models_dir / "tiny.gguf.part"
    assert part.stat().st_size == 100
    with pytest.raises(ModelNotFoundError):
        catalog.resolve("tiny")  # nothing half-downloaded is in the catalog
    entry = pull_model(catalog, "haneul/tiny-ko", "tiny-ko.Q4_1.gguf", name="tiny")
    expected = hub.files["/haneul/tiny-ko/resolve/main/tiny-ko.Q4_1.gguf"]
    assert Path(entry.path or "").read_bytes() == expected
    assert not part.exists()


def test_pull_failures_leave_nothing(hub: Hub, tmp_path: Path) -> None:
    catalog = _catalog_for(hub, tmp_path)
    with pytest.raises(NotFoundError):
        pull_model(catalog, "haneul/없는-저장소", "x.gguf")
    with pytest.raises(HaneulError, match="sha256"):
        pull_model(catalog, "haneul/tiny-ko", "tiny-ko.Q4_1.gguf", sha256="0" * 64)
    with pytest.raises(InvalidRequestError, match="not a GGUF"):
        pull_model(catalog, "haneul/broken", "broken.gguf")
    assert list(catalog.settings.models_dir.iterdir()) == []
    assert [e.source for e in catalog.entries() if e.source.startswith("pulled")] == []
