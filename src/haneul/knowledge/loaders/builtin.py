"""Haneul's own loaders, registered through the same hook as a plugin's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haneul.hookspecs import hookimpl
from haneul.knowledge.loaders import html, hwp, hwpx, image, office, pdf, text


@hookimpl(tryfirst=True)  # first, so that a plugin registering a suffix replaces ours
def register_loaders(register: Callable[[str, list[str], Any], None]) -> None:
    register("pdf", [".pdf"], pdf.load_pdf)
    register("docx", [".docx"], office.load_docx)
    register("pptx", [".pptx"], office.load_pptx)
    register("xlsx", [".xlsx", ".xlsm"], office.load_xlsx)
    register("xls", [".xls"], office.load_xls)
    register("hwp", [".hwp"], hwp.load_hwp)
    register("hwpx", [".hwpx"], hwpx.load_hwpx)
    register("html", [".html", ".htm", ".xhtml"], html.load_html)
    register("markdown", [".md", ".markdown"], text.load_markdown)
    register("text", [".txt", ".text", ".csv", ".tsv", ".log"], text.load_text)
    register("image", [".png", ".jpg", ".jpeg"], image.load_image)
