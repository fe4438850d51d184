"""Loaders on small real files of every format, made here, all in Korean; broken files
give a reason instead of an exception; chunks are exact spans of the document's text."""

from __future__ import annotations

import io
import zipfile

import pytest

from haneul.knowledge.chunking import chunk_document
from haneul.knowledge.loaders import (
    LoadedDocument,
    UnreadableDocumentError,
    load_document,
    supported_suffixes,
)
from tests.knowledge.hwp_writer import hwp_file

CITY = "서울시청은 서울특별시 중구 세종대로 110에 있다."
KIMCHI = "김치는 배추와 고춧가루로 담그는 한국의 전통 음식이다."


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "안내서"
    document.add_heading("서울 안내", level=1)
    document.add_paragraph(CITY)
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("역", "노선"), ("시청역", "1호선")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("음식", level=2)
    document.add_paragraph(KIMCHI)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for title, body in (("첫 슬라이드", CITY), ("둘째 슬라이드", KIMCHI)):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    slide.shapes.add_textbox(Inches(1), Inches(5), Inches(4), Inches(1)).text = "메모 상자"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "매출"
    sheet.append(["지점", "매출"])
    sheet.append(["강남점", 1200])
    other = book.create_sheet("직원")
    other.append(["이름", "부서"])
    other.append(["홍길동", "인사팀"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf(encrypt: str | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setTitle("보고서")
    for text in (CITY, KIMCHI):
        page.setFont("HYSMyeongJo-Medium", 12)
        page.drawString(72, 700, text)
        page.showPage()
    page.save()
    if encrypt is None:
        return out.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    writer.encrypt(encrypt)
    locked = io.BytesIO()
    writer.write(locked)
    return locked.getvalue()


def _hwpx() -> bytes:
    ns = 'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"'
    section = (
        f'<?xml version="1.0" encoding="UTF-8"?><hs:sec {ns} '
        'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section">'
        f"<hp:p><hp:run><hp:t>{CITY}</hp:t></hp:run></hp:p>"
        "<hp:p><hp:run><hp:tbl><hp:tr><hp:tc><hp:subList>"
        "<hp:p><hp:run><hp:t>표 안의 글</hp:t></hp:run></hp:p>"
        "</hp:subList></hp:tc></hp:tr></hp:tbl></hp:run></hp:p>"
        f"<hp:p><hp:run><hp:t>{KIMCHI[:10]}</hp:t></hp:run>"
        f"<hp:run><hp:t>{KIMCHI[10:]}</hp:t></hp:run></hp:p></hs:sec>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        archive.writestr("Contents/content.hpf", "<opf:package/>")
        archive.writestr("Contents/section0.xml", section)
    return out.getvalue()


def _load(name: str, data: bytes) -> LoadedDocument:
    doc = load_document(name, data)
    for chunk in chunk_document(doc, max_chars=60):
        assert doc.text[chunk.start : chunk.end] == chunk.text
    return doc


def test_docx_headings_tables_and_metadata() -> None:
    doc = _load("안내.docx", _docx())
    assert doc.kind == "docx" and doc.title == "안내서" and doc.created
    by_heading = {s.heading: s.text for s in doc.sections}
    assert CITY in by_heading["서울 안내"] and "시청역\t1호선" in by_heading["서울 안내"]
    assert by_heading["음식"] == KIMCHI


def test_pptx_slides_are_pages_with_their_titles() -> None:
    doc = _load("발표.pptx", _pptx())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "첫 슬라이드"), (2, "둘째 슬라이드")]
    assert CITY in doc.sections[0].text and "메모 상자" in doc.sections[1].text


def test_xlsx_sheets_are_pages() -> None:
    doc = _load("실적.xlsx", _xlsx())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "매출"), (2, "직원")]
    assert "강남점\t1200" in doc.sections[0].text and "홍길동\t인사팀" in doc.sections[1].text


def test_pdf_pages_keep_their_korean_text() -> None:
    doc = _load("보고서.pdf", _pdf())
    assert [s.page for s in doc.sections] == [1, 2]
    assert CITY in doc.sections[0].text and KIMCHI in doc.sections[1].text
    assert doc.title == "보고서"
    chunks = chunk_document(doc)
    assert [c.page for c in chunks] == [1, 2]


def test_hwpx_paragraphs_tables_and_runs() -> None:
    doc = _load("공문.hwpx", _hwpx())
    lines = doc.text.splitlines()
    assert lines == [CITY, "표 안의 글", KIMCHI]


def test_hwp_records_compressed_and_not() -> None:
    paragraphs = [CITY, "둘째 문단입니다", KIMCHI]
    for flags in (0x1, 0x0):
        doc = _load("결재.hwp", hwp_file(paragraphs, flags=flags))
        assert doc.kind == "hwp"
        assert [line for line in doc.text.splitlines() if line] == paragraphs


def test_html_markdown_and_text_in_cp949() -> None:
    page = (
        "<html><head><title>공지</title><script>var x = '무시';</script></head><body>"
        "<nav>메뉴</nav><h1>휴가 안내</h1><p>연차는 <b>15일</b>이다.</p>"
        "<h2>병가</h2><ul><li>진단서 제출</li></ul></body></html>"
    )
    doc = _load("공지.html", page.encode())
    assert doc.title == "공지"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("휴가 안내", "연차는 15일 이다."),
        ("병가", "진단서 제출"),
    ]
    assert "무시" not in doc.text and "메뉴" not in doc.text
    md = _load("안내.md", f"서문\n\n# 서울\n\n{CITY}\n\n## 음식\n\n- {KIMCHI}\n".encode())
    assert [s.heading for s in md.sections] == [None, "서울", "음식"]
    assert md.sections[2].text == f"- {KIMCHI}"
    korean_windows = _load("메모.txt", CITY.encode("cp949"))
    assert korean_windows.text == CITY
    with_bom = _load("메모.txt", "\ufeff".encode() + KIMCHI.encode())
    assert with_bom.text == KIMCHI


def test_unknown_suffix_is_sniffed_or_refused() -> None:
    assert load_document("이름없음", _pdf()).kind == "pdf"
    assert load_document("첨부", _docx()).kind == "docx"
    with pytest.raises(UnreadableDocumentError, match=r"unsupported file type '\.png'"):
        load_document("그림.png", b"\x89PNG\r\n")
    assert {".pdf", ".hwp", ".hwpx", ".docx", ".pptx", ".xlsx", ".md"} <= set(supported_suffixes())


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("깨진.pdf", b"%PDF-1.7\nnot really", "not a readable PDF"),
        ("잠긴.pdf", _pdf(encrypt="비밀"), "encrypted"),
        ("잘린.docx", _docx()[:300], "not a readable DOCX"),
        ("가짜.hwp", b"not an ole file at all", "no OLE container"),
        ("암호.hwp", hwp_file(["x"], flags=0x3), "password protected"),
        ("빈.txt", b"", "empty"),
        ("이진.txt", b"\x00\x01\x02binary", "binary"),
        ("엉터리.hwpx", b"PK\x03\x04garbage", "not a readable HWPX"),
    ],
)
def test_broken_files_say_why(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDocumentError, match=reason) as caught:
        load_document(name, data)
    assert caught.value.status == 400 and name in caught.value.message


def test_chunks_hold_whole_sentences_with_overlap() -> None:
    text = " ".join(f"{i}번 문장은 분기 보고서의 한 줄이다." for i in range(1, 13))
    doc = LoadedDocument("긴.txt", "text", [*_load("a.txt", text.encode()).sections])
    chunks = chunk_document(doc, max_chars=80, overlap=1)
    assert len(chunks) > 3
    for chunk in chunks:
        assert len(chunk.text) <= 80 and chunk.text.endswith("이다.")
        assert doc.text[chunk.start : chunk.end] == chunk.text
    # consecutive chunks share one sentence
    assert chunks[1].text.split(".")[0] in chunks[0].text
    unbroken = "가" * 250
    pieces = chunk_document(
        LoadedDocument("x", "text", [*_load("b.txt", unbroken.encode()).sections]), 100
    )
    assert "".join(c.text for c in pieces) == unbroken
