"""`/v1/collections` on a real server: Korean documents in, cited hits out, each key in
its own collections, re-ingest and deletion, bad input answered in the OpenAI error shape."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import RunningServer, assert_serving

CITY_HALL = (
    "# 서울 안내\n\n서울시청은 서울특별시 중구 세종대로 110에 있다. "
    "시민들이 자주 찾는 곳이다.\n\n## 교통\n\n지하철 1호선과 2호선 시청역에서 내리면 된다.\n"
)
KIMCHI = "김치는 배추와 고춧가루로 담그는 한국의 전통 음식이다. 겨울마다 김장을 한다."


def _upload(http: httpx.Client, collection: str, files: dict[str, bytes], **params: Any) -> Any:
    parts = [("files", (name, data)) for name, data in files.items()]
    response = http.post(f"/collections/{collection}/documents", files=parts, params=params)
    assert response.status_code in (200, 202), response.text
    return response.json()


def _search(http: httpx.Client, collection: str, query: str, **body: Any) -> httpx.Response:
    return http.post(f"/collections/{collection}/search", json={"query": query, **body})


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def test_korean_documents_in_cited_hits_out(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key, _ = keyed
    with srv.http(key) as http:
        created = http.post("/collections", json={"name": "사내문서", "description": "안내"})
        assert created.status_code == 201 and created.json()["name"] == "사내문서"
        job = _upload(
            http, "사내문서", {"서울 안내.md": CITY_HALL.encode(), "김치.txt": KIMCHI.encode()}
        )
        assert job["status"] == "completed" and job["added"] == 2 and job["failed"] == 0
        hits = _search(http, "사내문서", "서울시청 주소").json()["data"]
        top = hits[0]
        assert top["document_name"] == "서울 안내.md"
        assert "<mark>서울시청</mark>" in top["snippet"]
        citation = top["citation"]
        assert citation["document_name"] == "서울 안내.md" and citation["heading"] == "서울 안내"
        assert citation["end"] > citation["start"] >= 0
        # the particle case: 서울시청은 in the text, 서울시청 in the query, and back
        assert _search(http, "사내문서", "서울시청").json()["data"][0]["document_name"] == (
            "서울 안내.md"
        )
        meaning = _search(http, "사내문서", "발효 채소 반찬", top_k=1).json()["data"]
        assert meaning[0]["document_name"] == "김치.txt"
        lexical = _search(http, "사내문서", "김장", mode="lexical").json()["data"]
        assert [h["document_name"] for h in lexical] == ["김치.txt"]
        only_md = _search(http, "사내문서", "김치", filters={"kinds": ["markdown"]}).json()
        assert {h["document_name"] for h in only_md["data"]} <= {"서울 안내.md"}
        docs = http.get("/collections/사내문서/documents").json()["data"]
        assert sorted(d["name"] for d in docs) == ["김치.txt", "서울 안내.md"]
        assert all(d["chunks"] >= 1 and len(d["sha256"]) == 64 for d in docs)


def test_reingest_skips_unchanged_replaces_changed_and_delete_removes(
    keyed: tuple[RunningServer, str, str],
) -> None:
    srv, key, _ = keyed
    with srv.http(key) as http:
        http.post("/collections", json={"name": "docs"})
        _upload(http, "docs", {"김치.txt": KIMCHI.encode()})
        again = _upload(http, "docs", {"김치.txt": KIMCHI.encode()})
        assert again["unchanged"] == 1 and again["added"] == 0
        changed = "깍두기는 무를 깍둑썰기하여 담근 김치이다."
        job = _upload(http, "docs", {"김치.txt": changed.encode()})
        assert job["updated"] == 1
        assert _search(http, "docs", "배추 고춧가루", mode="lexical").json()["data"] == []
        assert _search(http, "docs", "깍두기").json()["data"][0]["document_name"] == "김치.txt"
        deleted = http.delete("/collections/docs/documents/김치.txt")
        assert deleted.status_code == 200 and deleted.json()["deleted"] is True
        assert _search(http, "docs", "깍두기").json()["data"] == []
        assert http.get("/collections/docs").json()["chunks"] == 0
        _error(http.delete("/collections/docs/documents/김치.txt"), 404)


def test_a_key_sees_only_its_own_collections(keyed: tuple[RunningServer, str, str]) -> None:
    srv, owner, other = keyed
    with srv.http(owner) as http:
        http.post("/collections", json={"name": "비밀"})
        _upload(http, "비밀", {"김치.txt": KIMCHI.encode()})
    with srv.http(other) as http:
        assert http.get("/collections").json()["data"] == []
        for response in (
            http.get("/collections/비밀"),
            http.get("/collections/비밀/documents"),
            _search(http, "비밀", "김치"),
            http.post("/collections/비밀/documents", files=[("files", ("x.txt", b"x"))]),
            http.delete("/collections/비밀"),
        ):
            assert _error(response, 404)["code"] == "not_found"
        # the same name is free for this key, and its search sees nothing of the other's
        assert http.post("/collections", json={"name": "비밀"}).status_code == 201
        assert _search(http, "비밀", "김치").json()["data"] == []
    with srv.http() as anonymous:
        assert _error(anonymous.get("/collections"), 401)["code"] == "invalid_api_key"
    with srv.http(owner) as http:
        assert _search(http, "비밀", "김치").json()["data"][0]["document_name"] == "김치.txt"


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    keyed: tuple[RunningServer, str, str],
) -> None:
    srv, key, _ = keyed
    with srv.http(key) as http:
        assert _error(http.post("/collections", json={"name": "공백 이름"}), 400)["param"] == (
            "name"
        )
        http.post("/collections", json={"name": "규정"})
        assert _error(http.post("/collections", json={"name": "규정"}), 409)["code"] == "conflict"
        assert _error(_search(http, "규정", ""), 400)["param"] == "query"
        assert _error(_search(http, "규정", "휴가", top_k=0), 400)["param"] == "top_k"
        bad_filter = _search(http, "규정", "휴가", filters={"종류": ["pdf"]})
        assert _error(bad_filter, 400)["message"].endswith("unknown parameter")
        assert _error(_search(http, "없는모음", "휴가"), 404)["param"] == "collection"
        no_files = http.post("/collections/규정/documents")
        assert _error(no_files, 400)["param"] is not None
        # one unreadable file is reported with its reason; the others are indexed
        job = _upload(
            http,
            "규정",
            {"휴가.txt": "연차 휴가는 15일이다.".encode(), "깨진.pdf": b"%PDF-1.7 broken"},
        )
        assert job["added"] == 1 and job["failed"] == 1
        failed = next(r for r in job["results"] if r["status"] == "failed")
        assert failed["name"] == "깨진.pdf" and failed["reason"].startswith("not a valid PDF")
        names = [d["name"] for d in http.get("/collections/규정/documents").json()["data"]]
        assert names == ["휴가.txt"]
    assert_serving(srv)


def test_background_upload_reports_progress(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key, _ = keyed
    files = {f"문서{i}.txt": f"{i}번째 문서: 회의록 요약과 할 일 목록.".encode() for i in range(4)}
    with srv.http(key) as http:
        http.post("/collections", json={"name": "회의록"})
        job = _upload(http, "회의록", files, wait="false")
        assert job["object"] == "ingest_job" and job["total"] == 4
        deadline = time.monotonic() + 240  # generous: e5 on a loaded 2-core machine
        while job["status"] != "completed" and time.monotonic() < deadline:
            time.sleep(0.2)
            job = http.get(f"/collections/회의록/jobs/{job['id']}").json()
        assert job["status"] == "completed" and job["done"] == job["added"] == 4
        assert http.get("/collections/회의록").json()["documents"] == 4
        _error(http.get("/collections/회의록/jobs/ingest_nope"), 404)
