"""Images are read with OCR (Tesseract, Korean + English); without Tesseract the reason
says what to install."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from haneul.knowledge.loaders import UnreadableDocumentError, load_document

FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")  # `make browser` installs it


def korean_png(lines: list[str], kind: str = "PNG") -> bytes:
    font = ImageFont.truetype(str(FONT), 34)
    image = Image.new("RGB", (960, 70 * len(lines) + 40), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((24, 24 + 70 * i), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def test_a_png_and_a_jpeg_of_korean_text_are_read() -> None:
    lines = ["주차장 이용 안내", "지하 주차장은 밤 11시에 문을 닫습니다."]
    png = load_document("주차안내.png", korean_png(lines))
    assert png.kind == "image"
    assert "지하 주차장은 밤 11시에 문을 닫습니다" in png.text.replace("\n", " ")
    jpeg = load_document("주차안내.jpg", korean_png(lines, "JPEG"))
    assert "주차장" in jpeg.text


def test_without_tesseract_the_reason_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    with pytest.raises(UnreadableDocumentError, match="install tesseract-ocr"):
        load_document("주차안내.png", korean_png(["주차장 이용 안내"]))


def test_a_blank_or_broken_image_is_refused_clearly() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(blank, "PNG")
    with pytest.raises(UnreadableDocumentError, match="no text found"):
        load_document("빈그림.png", blank.getvalue())
    with pytest.raises(UnreadableDocumentError, match="not a readable image"):
        load_document("깨진그림.png", b"\x89PNG not really")


def scanned_pdf(png: bytes) -> bytes:
    """A PDF whose only page is an image (no text layer), as a scanner makes."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawImage(ImageReader(io.BytesIO(png)), 40, 600, width=480, height=90)
    page.showPage()
    page.save()
    return out.getvalue()


def test_a_scanned_pdf_is_read_with_ocr_page_by_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pdf = scanned_pdf(korean_png(["주차장 이용 안내", "지하 주차장은 밤 11시에 문을 닫습니다."]))
    doc = load_document("스캔공지.pdf", pdf)
    assert doc.kind == "pdf" and [s.page for s in doc.sections] == [1]
    assert "주차장은 밤 11시에 문을 닫습니다" in doc.text
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract: the reason says so
    with pytest.raises(UnreadableDocumentError, match=r"no text layer .*install tesseract-ocr"):
        load_document("스캔공지.pdf", pdf)
