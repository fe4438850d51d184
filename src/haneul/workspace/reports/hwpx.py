"""A report as an HWPX package (OWPML, KS X 6101), the layout Hangul writes: `mimetype`
stored first and uncompressed, `version.xml`, `META-INF/container.xml` pointing at
`Contents/content.hpf` (metadata, manifest, spine), `Contents/header.xml` (fonts, character
and paragraph shapes, styles: 바탕글 and 개요 1, whose paragraph shape is an outline heading)
and `Contents/section0.xml` (the page, then the paragraphs; the summary table is an `hp:tbl`
whose cells hold paragraphs). Haneul's own loader (knowledge/loaders/hwpx.py) reads it back
with the same headings."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from haneul.workspace.reports.export import SOURCES_HEADING, TABLE_HEADING, Document

HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
HS = "http://www.hancom.co.kr/hwpml/2011/section"
HH = "http://www.hancom.co.kr/hwpml/2011/head"
HC = "http://www.hancom.co.kr/hwpml/2011/core"
HV = "http://www.hancom.co.kr/hwpml/2011/version"
OPF = "http://www.idpf.org/2007/opf/"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'
LANGS = ("HANGUL", "LATIN", "HANJA", "JAPANESE", "OTHER", "SYMBOL", "USER")
BODY, HEADING = 0, 1  # style, paragraph shape and character shape ids

VERSION = (
    f'{DECL}<hv:HCFVersion xmlns:hv="{HV}" tagetApplication="WORDPROCESSOR" major="5"'
    ' minor="1" micro="0" buildNumber="1" os="1" xmlVersion="1.4"'
    ' application="Haneul" appVersion="1.0"/>'
)
CONTAINER = (
    f'{DECL}<ocf:container xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:container"'
    ' xmlns:hpf="http://www.hancom.co.kr/schema/2011/hpf"><ocf:rootfiles>'
    '<ocf:rootfile full-path="Contents/content.hpf"'
    ' media-type="application/hwpml-package+xml"/></ocf:rootfiles></ocf:container>'
)
MANIFEST = f'{DECL}<odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'


def _content_hpf(title: str) -> str:
    items = (
        '<opf:item id="header" href="Contents/header.xml" media-type="application/xml"/>'
        '<opf:item id="section0" href="Contents/section0.xml" media-type="application/xml"/>'
        '<opf:item id="settings" href="settings.xml" media-type="application/xml"/>'
    )
    return (
        f'{DECL}<opf:package xmlns:opf="{OPF}" version="" unique-identifier="" id="">'
        f"<opf:metadata><opf:title>{escape(title)}</opf:title>"
        '<opf:language>ko</opf:language><opf:meta name="creator" content="text">Haneul'
        "</opf:meta></opf:metadata>"
        f'<opf:manifest>{items}</opf:manifest><opf:spine><opf:itemref idref="header"'
        ' linear="yes"/><opf:itemref idref="section0" linear="yes"/></opf:spine>'
        "</opf:package>"
    )


def _fontfaces() -> str:
    faces = "".join(
        f'<hh:fontface lang="{lang}" fontCnt="1"><hh:font id="0" face="함초롬바탕"'
        ' type="TTF" isEmbedded="0"/></hh:fontface>'
        for lang in LANGS
    )
    return f'<hh:fontfaces itemCnt="{len(LANGS)}">{faces}</hh:fontfaces>'


def _char_pr(id_: int, height: int, bold: bool) -> str:
    refs = " ".join(f'{lang.lower()}="0"' for lang in LANGS)
    return (
        f'<hh:charPr id="{id_}" height="{height}" textColor="#000000" shadeColor="none"'
        ' useFontSpace="0" useKerning="0" symMark="NONE" borderFillIDRef="1">'
        f"<hh:fontRef {refs}/>" + ("<hh:bold/>" if bold else "") + "</hh:charPr>"
    )


def _para_pr(id_: int, outline: bool) -> str:
    kind, level = ("OUTLINE", "0") if outline else ("NONE", "0")
    return (
        f'<hh:paraPr id="{id_}" tabPrIDRef="0" condense="0">'
        '<hh:align horizontal="JUSTIFY" vertical="BASELINE"/>'
        f'<hh:heading type="{kind}" idRef="0" level="{level}"/>'
        '<hh:lineSpacing type="PERCENT" value="160" unit="HWPUNIT"/></hh:paraPr>'
    )


def _header() -> str:
    border = (
        '<hh:borderFills itemCnt="2">'
        + "".join(
            f'<hh:borderFill id="{i}" threeD="0" shadow="0" centerLine="NONE"'
            ' breakCellSeparateLine="0">'
            + "".join(
                f'<hh:{side} type="{"SOLID" if i == 2 else "NONE"}" width="0.12 mm"'
                ' color="#000000"/>'
                for side in ("leftBorder", "rightBorder", "topBorder", "bottomBorder")
            )
            + "</hh:borderFill>"
            for i in (1, 2)
        )
        + "</hh:borderFills>"
    )
    chars = f'<hh:charProperties itemCnt="2">{_char_pr(BODY, 1000, False)}'
    chars += f"{_char_pr(HEADING, 1400, True)}</hh:charProperties>"
    paras = f'<hh:paraProperties itemCnt="2">{_para_pr(BODY, False)}'
    paras += f"{_para_pr(HEADING, True)}</hh:paraProperties>"
    styles = (
        '<hh:styles itemCnt="2">'
        f'<hh:style id="{BODY}" type="PARA" name="바탕글" engName="Normal"'
        f' paraPrIDRef="{BODY}" charPrIDRef="{BODY}" nextStyleIDRef="{BODY}" langID="1042"'
        ' lockForm="0"/>'
        f'<hh:style id="{HEADING}" type="PARA" name="개요 1" engName="Outline 1"'
        f' paraPrIDRef="{HEADING}" charPrIDRef="{HEADING}" nextStyleIDRef="{BODY}"'
        ' langID="1042" lockForm="0"/></hh:styles>'
    )
    tabs = '<hh:tabProperties itemCnt="1"><hh:tabPr id="0" autoTabLeft="0" autoTabRight="0"/>'
    tabs += "</hh:tabProperties>"
    return (
        f'{DECL}<hh:head xmlns:hh="{HH}" xmlns:hc="{HC}" version="1.4" secCnt="1">'
        '<hh:beginNum page="1" footnote="1" endnote="1" pic="1" tbl="1" equation="1"/>'
        f"<hh:refList>{_fontfaces()}{border}{chars}{tabs}{paras}{styles}</hh:refList>"
        "</hh:head>"
    )


_SEC_PR = (
    '<hp:secPr id="" textDirection="HORIZONTAL" spaceColumns="1134" tabStop="8000"'
    ' outlineShapeIDRef="1" memoShapeIDRef="0" textVerticalWidthHead="0">'
    '<hp:pagePr landscape="WIDELY" width="59528" height="84186" gutterType="LEFT_ONLY">'
    '<hp:margin header="4252" footer="4252" gutter="0" left="8504" right="8504"'
    ' top="5668" bottom="4252"/></hp:pagePr></hp:secPr>'
)


class _Paragraphs:
    def __init__(self) -> None:
        self.count = 0

    def p(self, text: str, heading: bool = False, first: bool = False) -> str:
        self.count += 1
        ref = HEADING if heading else BODY
        head = _SEC_PR if first else ""
        return (
            f'<hp:p id="{self.count}" paraPrIDRef="{ref}" styleIDRef="{ref}"'
            ' pageBreak="0" columnBreak="0" merged="0">'
            f'<hp:run charPrIDRef="{ref}">{head}<hp:t>{escape(text)}</hp:t></hp:run></hp:p>'
        )

    def table(self, rows: list[list[str]]) -> str:
        width = 42520 // len(rows[0])
        trs = []
        for r, row in enumerate(rows):
            tcs = "".join(
                '<hp:tc name="" header="0" hasMargin="0" protect="0" editable="0"'
                ' dirty="0" borderFillIDRef="2"><hp:subList textDirection="HORIZONTAL"'
                ' lineWrap="BREAK" vertAlign="CENTER">'
                f"{self.p(value)}</hp:subList>"
                f'<hp:cellAddr colAddr="{c}" rowAddr="{r}"/><hp:cellSpan colSpan="1"'
                f' rowSpan="1"/><hp:cellSz width="{width}" height="1000"/>'
                '<hp:cellMargin left="510" right="510" top="141" bottom="141"/></hp:tc>'
                for c, value in enumerate(row)
            )
            trs.append(f"<hp:tr>{tcs}</hp:tr>")
        self.count += 1
        tbl = (
            f'<hp:tbl id="{self.count}" rowCnt="{len(rows)}" colCnt="{len(rows[0])}"'
            ' cellSpacing="0" borderFillIDRef="2" noAdjust="0">'
            f'<hp:sz width="42520" height="{1000 * len(rows)}"/>'
            '<hp:inMargin left="510" right="510" top="141" bottom="141"/>'
            f"{''.join(trs)}</hp:tbl>"
        )
        return (
            f'<hp:p id="{self.count}" paraPrIDRef="{BODY}" styleIDRef="{BODY}" pageBreak="0"'
            f' columnBreak="0" merged="0"><hp:run charPrIDRef="{BODY}">{tbl}<hp:t/></hp:run>'
            "</hp:p>"
        )


def _section(doc: Document) -> str:
    out = _Paragraphs()
    body = [out.p(doc.title, first=True)]
    for heading, text in doc.sections:
        body.append(out.p(heading, heading=True))
        body += [out.p(line) for line in filter(str.strip, text.split("\n"))]
    body.append(out.p(TABLE_HEADING, heading=True))
    body.append(out.table(doc.table))
    body.append(out.p(SOURCES_HEADING, heading=True))
    body += [out.p(line) for line in doc.sources]
    return f'{DECL}<hs:sec xmlns:hs="{HS}" xmlns:hp="{HP}">{"".join(body)}</hs:sec>'


SETTINGS = (
    f'{DECL}<ha:HWPApplicationSetting xmlns:ha="http://www.hancom.co.kr/hwpml/2011/app">'
    '<ha:CaretPosition listIDRef="0" paraIDRef="0" pos="0"/></ha:HWPApplicationSetting>'
)


def hwpx(doc: Document) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/hwp+zip", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("version.xml", VERSION)
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("Contents/content.hpf", _content_hpf(doc.title))
        archive.writestr("Contents/header.xml", _header())
        archive.writestr("Contents/section0.xml", _section(doc))
        archive.writestr("settings.xml", SETTINGS)
    return buffer.getvalue()
