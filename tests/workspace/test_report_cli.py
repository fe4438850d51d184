"""`haneul report` against a real server: templates, a report from a collection, its
progress, and an HWPX export that Haneul's own loader reads back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from haneul.knowledge.loaders.hwpx import load_hwpx
from tests.conftest import RunningServer

NOTE = "주간 회의록: 신규 고객 세 곳과 계약했다. 다음 주에는 부산 전시회 부스를 준비한다."


def test_report_cli(server_factory: Callable[..., RunningServer], tmp_path: Path) -> None:
    srv = server_factory()
    http = srv.http()
    assert http.post("/collections", json={"name": "회의"}).status_code == 201
    files = [("files", ("회의록.txt", NOTE.encode()))]
    assert http.post("/collections/회의/documents", files=files).status_code == 200

    listed = srv.cli("report", "templates")
    assert listed.returncode == 0, listed.stderr
    assert "회의록" in listed.stdout and "행사 프로그램 초안" in listed.stdout

    made = srv.cli("report", "create", "이번 주 영업 활동", "-c", "회의", "--outline", "계약|계획")
    assert made.returncode == 0, made.stderr
    report_id = made.stdout.strip().splitlines()[-1]
    assert report_id.startswith("rpt_") and "계약 / 계획" in made.stderr

    written = srv.cli("report", "generate", report_id)
    assert written.returncode == 0, written.stderr
    assert "[1/2] 계약: 자료 검색" in written.stderr and "완료" in written.stderr

    target = tmp_path / "보고서.hwpx"
    saved = srv.cli("report", "export", report_id, "--format", "hwpx", "-o", str(target))
    assert saved.returncode == 0, saved.stderr
    loaded = load_hwpx(target.name, target.read_bytes())
    assert [s.heading for s in loaded.sections if s.heading] == ["계약", "계획", "요약표", "출처"]
    assert "회의록.txt" in loaded.text

    missing = srv.cli("report", "generate", "rpt_없는보고서")
    assert missing.returncode == 2 and "no report" in missing.stderr
