"""`trainingDatasetFilePath` names only regular files inside the data directory: a FIFO, a
system file, `../` and a symlink out are refused without blocking and with one message
that says nothing of whether the path exists."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from haneul.studio.datasets import DatasetFileError, read_dataset, resolve_in_root
from tests.conftest import RunningServer, assert_serving

ROWS = [
    {"messages": [{"role": "user", "content": "배송은 언제 와요?"},
                  {"role": "assistant", "content": "주문 후 이틀 안에 도착합니다."}]},
]  # fmt: skip
DATA = "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS)


def _task(http: httpx.Client, name: str, path: str) -> httpx.Response:
    body = {"name": name, "trainingDatasetFilePath": path, "maxSteps": 1}
    return http.post("/tuning/v2/tasks", json=body, timeout=30)


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A data directory with one good dataset, and a good dataset just outside it."""
    root, outside = tmp_path / "데이터", tmp_path / "밖"
    root.mkdir()
    outside.mkdir()
    (root / "상담.jsonl").write_text(DATA, encoding="utf-8")
    (outside / "비밀.jsonl").write_text(DATA, encoding="utf-8")
    return root, outside


def test_only_regular_files_in_the_data_directory(
    server_factory: Callable[..., RunningServer], layout: tuple[Path, Path]
) -> None:
    root, outside = layout
    os.mkfifo(root / "파이프.jsonl")
    os.mkfifo(outside / "파이프.jsonl")
    (root / "밖으로.jsonl").symlink_to(outside / "비밀.jsonl")
    (root / "안으로.jsonl").symlink_to(root / "상담.jsonl")
    (root / "폴더.jsonl").mkdir()
    srv = server_factory(tuning_worker="false", datasets_dir=str(root))
    refused_paths = [
        "/etc/passwd",
        "/etc/없는파일.jsonl",
        str(outside / "비밀.jsonl"),  # readable, valid, and outside
        "../밖/비밀.jsonl",
        "../../../../../../etc/passwd",
        "밖으로.jsonl",  # a symlink out of the root
        "파이프.jsonl",  # a FIFO inside: never opened
        str(outside / "파이프.jsonl"),
        "폴더.jsonl",
        "없음.jsonl",
        str(root),
        "상담.jsonl\0.txt",
    ]
    with httpx.Client(base_url=srv.url) as http:
        messages = set()
        for path in refused_paths:
            res = _task(http, "거절", path)
            assert res.status_code == 400, (path, res.text)
            status = res.json()["status"]
            assert status["code"] == "40001"
            messages.add(status["message"])
        assert len(messages) == 1, messages  # no oracle: one answer whatever the path
        (message,) = messages
        assert "HANEUL_DATASETS_DIR" in message and "passwd" not in message
        assert_serving(srv)

        by_name = _task(http, "상담-이름", "상담.jsonl")
        assert by_name.status_code == 200, by_name.text
        assert by_name.json()["result"]["taskStatus"] == "WAIT"
        assert _task(http, "상담-절대", str(root / "상담.jsonl")).status_code == 200
        assert _task(http, "상담-링크", "안으로.jsonl").status_code == 200
        tasks = http.get("/tuning/v2/tasks").json()["result"]["tasks"]
        assert {t["name"] for t in tasks} == {"상담-이름", "상담-절대", "상담-링크"}
        # shown as named in the data directory, never as the server's own path
        assert {t["trainingDatasetFilePath"] for t in tasks} == {"상담.jsonl"}


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "파이프.jsonl"
    os.mkfifo(fifo)
    caught: list[BaseException] = []

    def read() -> None:
        try:
            read_dataset(fifo)
        except BaseException as e:
            caught.append(e)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(caught[0], DatasetFileError)
    assert "not a regular file" in str(caught[0])


def test_size_is_bounded_and_paths_stay_inside(tmp_path: Path) -> None:
    big = tmp_path / "큰.jsonl"
    big.write_text(DATA * 10, encoding="utf-8")
    with pytest.raises(DatasetFileError, match="over"):
        read_dataset(big, max_bytes=len(DATA))
    assert resolve_in_root(tmp_path, "큰.jsonl") == big.resolve()
    assert resolve_in_root(tmp_path, "../큰.jsonl") is None
    assert resolve_in_root(tmp_path, "/etc/passwd") is None
    assert resolve_in_root(tmp_path, ".") is None
