"""Image input in the message box: the models here read text only, so a PNG of Korean text
is read with OCR and indexed like a document, and a later question finds it; a Korean PDF the
same way (its text layer). Without OCR on the server the chip says what to install."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.knowledge.test_image_loader import korean_png
from tests.web.conftest import Opened, answered, screenshot


def korean_pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("HYSMyeongJo-Medium", 12)
    page.drawString(72, 700, text)
    page.showPage()
    page.save()
    return out.getvalue()


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_a_png_and_a_pdf_of_korean_text_are_found_by_a_later_question(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    ui = open_ui(server_factory())
    page = ui.page
    notice = tmp_path / "주차안내.png"
    notice.write_bytes(korean_png(["주차장 이용 안내", "지하 주차장은 밤 11시에 문을 닫습니다."]))
    page.set_input_files("#attach", str(notice))
    chip = page.locator(".file-chip[data-name='주차안내.png']")
    expect(chip).to_contain_text("그림 속 글자를 읽어 색인했습니다", timeout=120_000)
    expect(chip).to_contain_text("그림 자체는 보지 못합니다")  # says what the model gets
    rules = tmp_path / "출장규정.pdf"
    rules.write_bytes(korean_pdf("국내 출장 일비는 하루 2만 5천 원이다."))
    page.set_input_files("#attach", str(rules))
    expect(page.locator(".file-chip[data-name='출장규정.pdf']")).to_contain_text(
        "색인 완료", timeout=120_000
    )
    screenshot(page, "image-attached")
    page.fill("#input", "문서에서 지하 주차장 몇 시에 문을 닫는지 찾아줘")
    page.press("#input", "Enter")
    card = page.locator(".skill-card[data-skill=search_documents]")
    expect(card.locator(".result")).to_contain_text("11시", timeout=300_000)
    answered(page)
    page.fill("#input", "문서에서 국내 출장 일비 찾아줘")
    page.press("#input", "Enter")
    expect(card.last.locator(".result")).to_contain_text("2만 5천 원", timeout=300_000)
    answered(page, 2)
    screenshot(page, "image-found")
    assert ui.errors == [] and ui.foreign() == []


def test_without_ocr_the_chip_says_what_to_install(
    server_factory: Callable[..., RunningServer],
    open_ui: Callable[..., Opened],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # the server finds no tesseract
    page = open_ui(server_factory()).page
    notice = tmp_path / "주차안내.png"
    notice.write_bytes(korean_png(["주차장 이용 안내"]))
    page.set_input_files("#attach", str(notice))
    failed = page.locator(".file-chip.failed")
    expect(failed).to_contain_text(
        "그림 속 글자를 읽으려면 서버에 tesseract-ocr와 tesseract-ocr-kor를 설치해야 합니다",
        timeout=120_000,
    )
    failed.locator(".file-close").click()  # recoverable without a reload
    expect(page.locator(".file-chip")).to_have_count(0)
