"""Code for a chart request about an attached spreadsheet (매출 추이를 그래프로 그려줘) when
the model's own code did not draw one (skills/code/author.py), and the preview of a
spreadsheet the model is shown before it writes code.

The programs are data, not library code: `inside/chart.py.txt` and `inside/preview.py.txt`
are fixed Python programs that run in the sandbox, read at run time; a request only sets
the header of parameters above them (PATH, REQUEST, KIND, TITLE). The chart program reads
the file, takes the first text or date column as the x axis (the row order otherwise) and
the numeric columns asked for (all of them when none is named) as series, and draws a line
chart (a bar chart for 막대/비교, a pie for 비율/비중). The code is shown to the user and can
be edited and run again like any other."""

from __future__ import annotations

import re

from haneul.skills.code.sandbox import program

CHART_WORDS = re.compile(r"그래프|차트|시각화|그려|plot|chart|graph", re.I)
CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)
DATA_DIR = "/data"  # where the sandbox shows the conversation's files


def kind_of(request: str) -> str:
    if re.search(r"막대|비교|bar", request, re.I):
        return "bar"
    if re.search(r"비율|비중|파이|원그래프|pie", request, re.I):
        return "pie"
    return "line"


def title_of(request: str) -> str:
    text = re.sub(r"(을|를)?\s*(그래프|차트)(로|를)?\s*(그려|보여|만들어)\S*", "", request)
    text = re.sub(r"\s+", " ", text).strip(" .?!")
    return (text or "데이터")[:60]


def data_path(filename: str, data_dir: str = DATA_DIR) -> str:
    return f"{data_dir.rstrip('/')}/{filename}"


def chart_code(request: str, filename: str, data_dir: str = DATA_DIR) -> str:
    """Python that draws the chart asked for from <data_dir>/<filename>."""
    header = (
        f"PATH = {data_path(filename, data_dir)!r}\n"
        f"REQUEST = {request!r}\n"
        f"KIND = {kind_of(request)!r}\n"
        f"TITLE = {title_of(request)!r}\n\n"
    )
    return header + program("chart")


def preview_code(filename: str) -> str:
    """Python that prints a spreadsheet's columns, their types and its first rows."""
    return f"PATH = {data_path(filename)!r}\n\n" + program("preview")
