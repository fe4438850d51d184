"""Loaders on small real files of every format, made here, all in Korean; broken files
give a reason instead of an exception; chunks are exact spans of the document's text."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from haneul.knowledge import loaders
from haneul.knowledge.chunking import chunk_document
from haneul.knowledge.loaders import (
    LoadedDocument,
    UnreadableDocumentError,
    load_document,
    supported_suffixes,
)
from tests.knowledge.hwp_writer import Para, hwp_file

ROOT = Path(__file__).resolve().parents[2]
CITY = "서울시청은 서울특별시 중구 세종대로 110에 있다."
KIMCHI = "김치는 배추와 고춧가루로 담그는 한국의 전통 음식이다."


def _load(name: str, data: bytes) -> LoadedDocument:
    """Load, then check what every loader promises: clean text and exact chunk spans."""
    doc = load_document(name, data)
    for section in doc.sections:
        assert section.text == unicodedata.normalize("NFC", section.text)
        assert section.text.strip() and "\x00" not in section.text
        assert "\n\n\n" not in section.text
    for chunk in chunk_document(doc, max_chars=60):
        assert doc.text[chunk.start : chunk.end] == chunk.text
    return doc


def _docx() -> bytes:
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.core_properties.title = "안내서"
    document.core_properties.created = dt.datetime(2024, 3, 1, 9, 0)
    document.add_heading("서울 안내", level=1)
    document.add_paragraph(CITY)
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "역", "노선"
    table.cell(1, 0).text, table.cell(1, 1).text = "시청역", "1호선"
    table.cell(0, 1).merge(table.cell(0, 2))  # a merged cell is written once
    # a custom style with an outline level, as Korean templates make their own headings
    chapter = document.styles.add_style("장 제목", WD_STYLE_TYPE.PARAGRAPH)
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "0")
    chapter.element.get_or_add_pPr().append(level)
    document.add_paragraph("제2장 음식", style="장 제목")
    document.add_paragraph(KIMCHI)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_headings_tables_and_metadata() -> None:
    doc = _load("안내.docx", _docx())
    assert doc.kind == "docx" and doc.title == "안내서" and doc.created == "2024-03-01"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("서울 안내", f"{CITY}\n역\t노선\n시청역\t1호선"),
        ("제2장 음식", KIMCHI),
    ]


def _pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for title, body in (("첫 슬라이드", CITY), ("둘째 슬라이드", KIMCHI)):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(5), Inches(4), Inches(1)).text = "묶인 상자"
    table = slide.shapes.add_table(1, 2, Inches(1), Inches(6), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "분기", "매출"
    slide.notes_slide.notes_text_frame.text = "발표자 메모"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_pptx_slides_are_pages_with_their_titles() -> None:
    doc = _load("발표.pptx", _pptx())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "첫 슬라이드"), (2, "둘째 슬라이드")]
    assert doc.sections[0].text == CITY  # the title is the heading, not repeated in the text
    second = doc.sections[1].text.splitlines()
    assert second == [KIMCHI, "묶인 상자", "분기\t매출", "발표자 메모"]


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.properties.title = "실적표"
    sheet = book.active
    sheet.title = "매출"
    sheet.append(["지점", "매출", "마감일"])
    sheet.append(["강남점", 1200, dt.datetime(2024, 6, 30)])
    sheet.append([None, None, None])
    sheet.append(["서초점", 980.5])
    other = book.create_sheet("직원")
    other.append(["이름", "부서"])
    other.append(["홍길동", "인사팀"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_sheets_are_pages_rows_are_lines() -> None:
    doc = _load("실적.xlsx", _xlsx())
    assert doc.title == "실적표"
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "매출"), (2, "직원")]
    assert doc.sections[0].text == "지점\t매출\t마감일\n강남점\t1200\t2024-06-30\n서초점\t980.5"
    assert doc.sections[1].text == "이름\t부서\n홍길동\t인사팀"


def _xls() -> bytes:
    import datetime as dt

    import xlwt  # writes Excel 97-2003 files (test only; xlrd reads them)

    book = xlwt.Workbook(encoding="utf-8")
    sales = book.add_sheet("매출")
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, row in enumerate([["지점", "매출", "마감일"], ["강남점", 1200, dt.date(2024, 6, 30)]]):
        for c, value in enumerate(row):
            sales.write(
                r, c, value, dates if isinstance(value, dt.date) else xlwt.Style.default_style
            )
    sales.write(2, 0, "서초점")
    sales.write(2, 1, 980.5)
    staff = book.add_sheet("직원")
    staff.write(0, 0, "이름")
    staff.write(1, 0, "홍길동")
    staff.write(1, 2, "인사팀")  # a blank cell between
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xls_the_excel_97_format_reads_like_xlsx() -> None:
    data = _xls()
    doc = _load("실적.xls", data)
    assert doc.kind == "xls"
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "매출"), (2, "직원")]
    assert doc.sections[0].text == "지점\t매출\t마감일\n강남점\t1200\t2024-06-30\n서초점\t980.5"
    assert doc.sections[1].text == "이름\n홍길동\t\t인사팀"
    assert _load("실적", data).kind == "xls"  # no suffix: the OLE directory says Workbook
    assert _load("실적.xls", _xlsx()).kind == "xlsx"  # an .xlsx saved as .xls is read as one


def _pdf(pages: tuple[str, ...] = (CITY, KIMCHI)) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setTitle("보고서")
    for text in pages:
        page.setFont("HYSMyeongJo-Medium", 12)
        page.drawString(72, 700, text)
        page.showPage()
    page.save()
    return out.getvalue()


def _encrypted(data: bytes, user: str, owner: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_pages_keep_their_korean_text() -> None:
    doc = _load("보고서.pdf", _pdf())
    assert [s.page for s in doc.sections] == [1, 2]
    assert [s.text for s in doc.sections] == [CITY, KIMCHI]
    assert doc.title == "보고서" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.created or "")
    assert [(c.page, c.text) for c in chunk_document(doc)] == [(1, CITY), (2, KIMCHI)]


def test_pdf_locked_only_against_copying_is_read() -> None:
    doc = _load("공문.pdf", _encrypted(_pdf(), user="", owner="관리자암호"))
    assert [s.text for s in doc.sections] == [CITY, KIMCHI]


HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
NAMESPACES = (
    f'xmlns:hp="{HP}" xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
    'xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head" '
    'xmlns:hc="http://www.hancom.co.kr/hwpml/2011/core"'
)


def _p(text: str, style: int = 0, shape: int = 0) -> str:
    return (
        f'<hp:p id="0" paraPrIDRef="{shape}" styleIDRef="{style}">'
        f'<hp:run charPrIDRef="0"><hp:t>{text}</hp:t></hp:run></hp:p>'
    )


def _hwpx() -> bytes:
    header = (
        f'<?xml version="1.0" encoding="UTF-8"?><hh:head {NAMESPACES} version="1.4">'
        '<hh:refList><hh:paraProperties itemCnt="2"><hh:paraPr id="0"><hh:heading type="NONE"/>'
        '</hh:paraPr><hh:paraPr id="1"><hh:heading type="OUTLINE" idRef="0" level="0"/>'
        '</hh:paraPr></hh:paraProperties><hh:styles itemCnt="2">'
        '<hh:style id="0" type="PARA" name="바탕글" engName="Normal" paraPrIDRef="0"/>'
        '<hh:style id="1" type="PARA" name="개요 1" engName="Outline 1" paraPrIDRef="1"/>'
        "</hh:styles></hh:refList></hh:head>"
    )
    table = (
        '<hp:p id="0" paraPrIDRef="0" styleIDRef="0"><hp:run><hp:t>표 앞 글</hp:t>'
        '<hp:tbl rowCnt="1" colCnt="1"><hp:tr><hp:tc><hp:subList>'
        f"{_p('표 안의 글', style=1)}</hp:subList></hp:tc></hp:tr></hp:tbl></hp:run></hp:p>"
    )
    broken_line = f"<hp:t>{KIMCHI[:10]}<hp:lineBreak/>{KIMCHI[10:20]}<hp:tab/>{KIMCHI[20:]}</hp:t>"
    sections = [
        _p("제1장 서울", style=1) + _p(CITY) + table,
        _p("제2장 음식", shape=1) + f'<hp:p paraPrIDRef="0"><hp:run>{broken_line}</hp:run></hp:p>',
    ]
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><opf:package '
        'xmlns:opf="http://www.idpf.org/2007/opf/" version=""><opf:metadata>'
        "<opf:title>업무 보고</opf:title><opf:language>ko</opf:language>"
        '<opf:meta name="CreatedDate" content="text">2024-05-01T09:30:00Z</opf:meta>'
        "</opf:metadata></opf:package>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("Contents/content.hpf", content)
        archive.writestr("Contents/header.xml", header)
        for i, body in enumerate(sections):
            xml = f'<?xml version="1.0" encoding="UTF-8"?><hs:sec {NAMESPACES}>{body}</hs:sec>'
            archive.writestr(f"Contents/section{i}.xml", xml)
    return out.getvalue()


def test_hwpx_headings_tables_line_breaks_and_metadata() -> None:
    doc = _load("공문.hwpx", _hwpx())
    assert (doc.kind, doc.title, doc.created) == ("hwpx", "업무 보고", "2024-05-01")
    assert (
        [(s.heading, s.text) for s in doc.sections]
        == [
            ("제1장 서울", f"{CITY}\n표 앞 글\n표 안의 글"),  # a styled cell is not a heading
            ("제2장 음식", f"{KIMCHI[:10]}\n{KIMCHI[10:20]}\t{KIMCHI[20:]}"),
        ]
    )


@pytest.mark.parametrize("flags", [0x1, 0x0], ids=["compressed", "stored"])
def test_hwp_paragraphs_headings_tables_and_metadata(flags: int) -> None:
    data = hwp_file(
        [
            [Para("제1장 총칙", style=1), CITY, "이름\t부서 😀"],
            [Para("제2장 음식", shape=1), KIMCHI, Para("출처: 농림부", style=3)],
        ],
        flags=flags,
        cell="표 안의 글",
        title="결재 문서",
        created=dt.datetime(2024, 5, 1, 9, 30),
    )
    doc = _load("결재.hwp", data)
    assert (doc.kind, doc.title, doc.created) == ("hwp", "결재 문서", "2024-05-01")
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("제1장 총칙", f"표 안의 글\n{CITY}\n이름\t부서 😀"),
        ("제2장 음식", f"{KIMCHI}\n출처: 농림부"),
    ]


def test_html_blocks_headings_and_korean_encodings() -> None:
    page = (
        "<html><head><title>공지</title><style>p {color: red}</style>"
        "<script>var x = '무시';</script></head><body><nav>메뉴</nav>"
        "<header>사이트 머리</header><h1>휴가 <em>안내</em></h1>"
        "<div>연차는 <b>15일</b>이다.<br>반차도 된다.<p>병가는\n   따로 신청한다.</p></div>"
        "<h2>표</h2><table><tr><th>종류</th><th>일수</th></tr><tr><td>연차</td><td>15</td></tr>"
        "</table><pre>  들여쓴 코드\n  둘째 줄</pre><!-- 주석 -->"
        "<footer>저작권</footer></body></html>"
    )
    doc = _load("공지.html", page.encode())
    assert doc.title == "공지"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("휴가 안내", "연차는 15일이다.\n반차도 된다.\n병가는 따로 신청한다."),
        ("표", "종류\t일수\n연차\t15\n  들여쓴 코드\n  둘째 줄"),
    ]
    for hidden in ("무시", "메뉴", "사이트", "저작권", "주석", "color"):
        assert hidden not in doc.text
    declared = f'<meta charset="euc-kr"><p>{CITY}</p>'.encode("cp949")
    assert _load("옛글.htm", declared).text == CITY
    undeclared = f"<p>{KIMCHI}</p>".encode("cp949")
    assert _load("옛글.html", undeclared).text == KIMCHI


def test_markdown_renders_plain_text_under_headings() -> None:
    source = (
        "---\ntitle: 사내 안내\n---\n서문은 **짧다**.\n\n# 서울\n\n"
        f"{CITY} [지도](https://example.invalid/map)\n\n## 음식\n\n- {KIMCHI}\n1. 불고기\n\n"
        "| 메뉴 | 가격 |\n|---|---|\n| 김치찌개 | 9000 |\n\n```\n코드 그대로\n```\n"
    )
    doc = _load("안내.md", source.encode())
    assert doc.title == "사내 안내"
    assert [(s.heading, s.text) for s in doc.sections] == [
        (None, "서문은 짧다."),
        ("서울", f"{CITY} 지도"),
        ("음식", f"- {KIMCHI}\n1. 불고기\n메뉴\t가격\n김치찌개\t9000\n코드 그대로"),
    ]


def test_text_in_korean_encodings() -> None:
    assert _load("메모.txt", CITY.encode("cp949")).text == CITY
    assert _load("메모.txt", "\ufeff".encode() + KIMCHI.encode()).text == KIMCHI
    assert _load("메모.txt", KIMCHI.encode("utf-16")).text == KIMCHI
    decomposed = unicodedata.normalize("NFD", CITY)  # as macOS writes file contents
    assert (
        _load("맥.txt", f"{decomposed}\r\n\r\n\x0c\r\n\r\n끝\x1b".encode()).text == f"{CITY}\n\n끝"
    )


def test_suffix_is_case_insensitive_and_content_is_sniffed() -> None:
    assert load_document("보고서.PDF", _pdf()).kind == "pdf"
    assert load_document("이름없음", _pdf()).kind == "pdf"
    assert load_document("첨부", _docx()).kind == "docx"
    assert load_document("첨부.bin", _pptx()).kind == "pptx"
    assert load_document("첨부.dat", _xlsx()).kind == "xlsx"
    assert load_document("공문", _hwpx()).kind == "hwpx"
    assert load_document("결재", hwp_file([[CITY]])).kind == "hwp"
    assert load_document("이름만바뀐.hwp", _hwpx()).kind == "hwpx"  # HWPX saved as .hwp
    assert load_document("잘못된.pdf", _docx()).kind == "docx"
    with pytest.raises(UnreadableDocumentError, match=r"unsupported file type '\.gif'"):
        load_document("그림.gif", b"GIF89a\x01\x00\x01\x00")  # PNG and JPEG are OCR'd
    with pytest.raises(UnreadableDocumentError, match=r"unsupported file type '\.xyz'"):
        load_document("자료.xyz", b"\xd0\xcf\x11\xe0 an OLE file, but not HWP")
    expected = {".pdf", ".hwp", ".hwpx", ".docx", ".pptx", ".xlsx", ".html", ".md", ".txt"}
    assert expected <= set(supported_suffixes())


def _zip_of_zeros(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * size)
    return out.getvalue()


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BROKEN = [
    ("깨진.pdf", b"%PDF-1.7\nnot really a pdf", "not a valid PDF"),
    ("잠긴.pdf", _encrypted(_pdf(), user="비밀", owner="비밀"), "encrypted PDF"),
    ("스캔.pdf", _blank_pdf(), "no text layer"),
    ("잘린.docx", _docx()[:300], "not a valid DOCX"),
    ("가짜.pptx", b"PK\x03\x04 not a zip", "not a valid PPTX"),
    ("가짜.hwp", b"not an ole file at all", "no OLE container"),
    ("옛날.hwp", b"HWP Document File V3.00 \x1a\x01\x02", "HWP 3.x"),
    ("암호.hwp", hwp_file([["x"]], flags=0x3), "password protected"),
    ("배포용.hwp", hwp_file([["x"]], flags=0x5), "distribution"),
    ("잘린.hwp", hwp_file([[CITY]])[:1000], "not a valid HWP"),
    ("엉터리.hwpx", b"PK\x03\x04garbage", "not a valid HWPX"),
    ("엉터리.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 garbage", "not a valid XLS"),
    ("빈.txt", b"", "empty"),
    ("이진.txt", b"\x00\x01\x02binary", "binary"),
    ("폭탄.docx", _zip_of_zeros(3_000_000), "expands to more than"),
    # Office keeps a file saved with a password in an OLE file's EncryptedPackage stream
    ("암호.docx", OLE + "EncryptedPackage".encode("utf-16-le") + bytes(600), "password protected"),
    ("암호.xlsx", OLE + "EncryptedPackage".encode("utf-16-le") + bytes(600), "password protected"),
    ("옛형식.pptx", OLE + "PowerPoint Document".encode("utf-16-le"), "Office 97-2003"),
    ("보안.docx", b"\x00DRM-HEADER" + bytes(900), "damaged, or locked by a document-security"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_files_say_why(
    name: str, data: bytes, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "MAX_UNZIPPED_BYTES", 2_000_000)
    with pytest.raises(UnreadableDocumentError, match=reason) as caught:
        load_document(name, data)
    error = caught.value
    assert error.status == 400 and error.code == "unreadable_document"
    assert error.message.startswith(f"{name}: ")


def _docs_example() -> ModuleType:
    """The plugin of docs/loaders.md, run as written."""
    page = (ROOT / "docs" / "loaders.md").read_text(encoding="utf-8")
    source = re.search(r"```python\n(# my_package/haneul_plugin\.py.*?)```", page, re.S)
    assert source, "docs/loaders.md lost its plugin example"
    module = ModuleType("haneul_plugin_example")
    exec(compile(source.group(1), "docs/loaders.md", "exec"), module.__dict__)
    return module


def test_a_plugin_adds_a_format_through_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    import haneul.plugins

    example = _docs_example()
    real = haneul.plugins.plugin_manager

    def with_example() -> object:
        manager = real()
        manager.register(example)
        return manager

    monkeypatch.setattr(haneul.plugins, "plugin_manager", with_example)
    loaders._registry.cache_clear()
    try:
        assert ".jsonl" in supported_suffixes() and ".pdf" in supported_suffixes()
        rows = (
            '{"title": "휴가", "text": "연차는 15일이다."}\n'
            '{"title": "병가", "text": "병가는 따로."}\n'
        )
        doc = load_document("규정.JSONL", rows.encode())
        assert doc.kind == "jsonl"
        assert [(s.heading, s.text) for s in doc.sections] == [
            ("휴가", "연차는 15일이다."),
            ("병가", "병가는 따로."),
        ]
        with pytest.raises(UnreadableDocumentError, match="not a valid JSONL"):
            load_document("깨진.jsonl", b"{not json")
    finally:
        loaders._registry.cache_clear()
