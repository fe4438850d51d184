"""The documents panel's indexing line: chunks searchable lexically, those with vectors, and
the embedding queue of the chosen collection, followed until the queue is empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import RunningServer
from tests.web.conftest import screenshot

pytestmark = pytest.mark.timeout(900)
TEXT = "국내 출장비는 하루 5만 원이다. 해외 출장은 부서장의 승인을 받는다."


def test_the_documents_panel_shows_the_collections_embedding_queue(
    web: tuple[RunningServer, Page],
) -> None:
    _, page = web
    page.click("#tab-docs")
    page.fill("#new-collection", "인사규정")
    page.click("#create-collection")
    expect(page.locator("#collection")).to_have_value("인사규정")
    page.set_input_files(
        "#upload",
        files=[
            {
                "name": "출장규정.txt",
                "mimeType": "text/plain",
                "buffer": TEXT.encode(),
            }
        ],
    )
    expect(page.locator("#upload-status")).to_contain_text("색인 완료", timeout=300_000)
    line = page.locator("#indexing")
    expect(line).to_have_text("검색 준비: 조각 1개 · 벡터 완료", timeout=120_000)
    # the line's words come from the queue's numbers
    text = page.evaluate(
        "async () => (await import('/static/indexing.js'))"
        ".indexingText({lexical: 12, embedded: 5, pending: 7})"
    )
    assert text == "검색 준비: 조각 12개 · 벡터 5/12 · 대기 7"


def test_a_folder_is_added_with_its_paths_in_batches(
    web: tuple[RunningServer, Page], tmp_path: Path
) -> None:
    """«폴더 올리기»: every file under a folder, named by its path, sent 50 to a request
    (a shared drive's folder holds thousands); hidden files left out; failures counted."""
    _, page = web
    folder = tmp_path / "사내자료"
    (folder / "규정").mkdir(parents=True)
    (folder / "규정" / "출장.txt").write_text(TEXT, encoding="utf-8")
    (folder / "메모").mkdir()
    for n in range(52):  # two requests
        (folder / "메모" / f"메모{n:02d}.txt").write_text(
            f"{n}번 메모: 회의실 예약 확인", encoding="utf-8"
        )
    (folder / ".숨김.txt").write_text("보이면 안 되는 파일", encoding="utf-8")
    (folder / "규정" / "~$출장.docx").write_bytes(bytes(162))  # Office's lock file: no document
    (folder / "규정" / "Thumbs.db").write_bytes(bytes(64))
    (folder / "깨진.pdf").write_bytes(b"%PDF-1.4 broken")
    page.click("#tab-docs")
    page.fill("#new-collection", "공유폴더")
    page.click("#create-collection")
    expect(page.locator("#collection")).to_have_value("공유폴더")
    screenshot(page, "folder-upload")
    page.set_input_files("#upload-folder", folder)
    status = page.locator("#upload-status")
    expect(status).to_contain_text(
        "폴더 색인 완료: 53개 추가, 0개 그대로 · 실패 1개", timeout=300_000
    )
    expect(status).to_contain_text("사내자료/깨진.pdf: 손상되었거나 형식이 맞지 않는 파일입니다")
    names = page.locator("#documents li").all_inner_texts()
    assert "사내자료/규정/출장.txt" in names and len(names) == 53
    assert not any("숨김" in n or "~$" in n or "Thumbs" in n for n in names)
    expect(page.locator("#collection")).to_have_value("공유폴더")
    screenshot(page, "folder-upload")


def test_an_attached_zip_says_how_many_documents_it_held(
    web: tuple[RunningServer, Page], tmp_path: Path
) -> None:
    import zipfile

    _, page = web
    good, empty = tmp_path / "규정묶음.zip", tmp_path / "그림묶음.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("출장.txt", TEXT)
        z.writestr("인사/휴가.txt", "연차 휴가는 입사 1년 후 15일이 주어진다.")
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("a.gif", b"GIF89a")
    locked = tmp_path / "보안문서.docx"  # as a DRM program leaves a .docx: no zip inside
    locked.write_bytes(b"\x00DRM-HEADER" + bytes(900))
    page.set_input_files("#attach", [str(good), str(empty), str(locked)])
    done = page.locator(".file-chip.done")
    expect(done).to_contain_text("색인 완료 · 질문할 수 있습니다 (문서 2개)", timeout=300_000)
    failed = "실패: 압축 파일 안에 읽을 수 있는 문서가 없습니다 (the archive holds no documents"
    chips = page.locator(".file-chip.failed")
    expect(chips.filter(has_text="그림묶음.zip")).to_contain_text(failed)
    drm = "실패: 손상되었거나 사내 보안 프로그램(DRM)으로 잠긴 파일입니다"
    expect(chips.filter(has_text="보안문서.docx")).to_contain_text(drm)


def test_a_folder_uploaded_again_offers_to_remove_what_it_no_longer_holds(
    web: tuple[RunningServer, Page], tmp_path: Path
) -> None:
    """A file deleted on the drive since the folder was last uploaded is named after the
    next upload, with a button that removes it (the CLI's `docs add --sync`)."""
    _, page = web
    folder = tmp_path / "팀폴더"
    folder.mkdir()
    (folder / "출장.txt").write_text(TEXT, encoding="utf-8")
    (folder / "폐기.txt").write_text("이 규정은 2025년에 폐지되었다.", encoding="utf-8")
    page.click("#tab-docs")
    page.fill("#new-collection", "동기화")
    page.click("#create-collection")
    expect(page.locator("#collection")).to_have_value("동기화")
    status = page.locator("#upload-status")
    page.set_input_files("#upload-folder", folder)
    expect(status).to_contain_text("폴더 색인 완료: 2개 추가", timeout=300_000)
    expect(status.locator("button")).to_have_count(0)

    (folder / "폐기.txt").unlink()
    page.set_input_files("#upload-folder", folder)
    expect(status).to_contain_text(
        "이 폴더에 없는 문서 1개가 컬렉션에 남아 있습니다: 팀폴더/폐기.txt", timeout=300_000
    )
    expect(page.locator("#documents li")).to_have_count(2)
    screenshot(page, "folder-gone")
    page.get_by_role("button", name="폴더에 없는 문서 1개 지우기").click()
    expect(status).to_have_text("폴더에 없는 문서 1개를 지웠습니다")
    expect(page.locator("#documents li")).to_have_text(["팀폴더/출장.txt"])
