"""Code for a chart request about an attached spreadsheet (매출 추이를 그래프로 그려줘).

The bundled models are too small to write pandas reliably, so the first draft of the code
comes from this template: it reads the file, takes the first text or date column as the x
axis (the row order otherwise) and the numeric columns asked for (all of them when none is
named) as series, and draws a line chart (a bar chart for 막대/비교, a pie for 비율/비중).
The code is shown to the user and can be edited and run again like any other."""

from __future__ import annotations

import re

CHART_WORDS = re.compile(r"그래프|차트|시각화|그려|plot|chart|graph", re.I)
CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)


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


def chart_code(request: str, filename: str) -> str:
    """Python that draws the chart asked for from /data/<filename>."""
    path = f"/data/{filename}"
    reader = (
        f"pd.read_excel({path!r})"
        if filename.lower().endswith((".xlsx", ".xls"))
        else f"pd.read_csv({path!r}, sep=None, engine='python')"
    )
    return f"""import pandas as pd
import matplotlib.pyplot as plt

df = {reader}
df.columns = [str(c).strip() for c in df.columns]
for c in df.columns:  # "1,200", "3,000원", "12%" are numbers too
    if not pd.api.types.is_numeric_dtype(df[c]):
        cleaned = pd.to_numeric(
            df[c].astype(str).str.replace(r"[,원%\\s]", "", regex=True), errors="coerce"
        )
        if cleaned.notna().mean() > 0.8:
            df[c] = cleaned
request = {request!r}
numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
labels = [c for c in df.columns if c not in numeric]
x = labels[0] if labels else None
asked = [c for c in numeric if c in request]
series = asked or numeric
if not series:
    raise SystemExit("숫자 열이 없어 그래프를 그릴 수 없습니다: " + ", ".join(df.columns))

data = df.set_index(x) if x else df
fig, ax = plt.subplots(figsize=(8, 4.5))
kind = {kind_of(request)!r}
if kind == "pie":
    data[series[0]].plot.pie(ax=ax, autopct="%1.1f%%")
    ax.set_ylabel("")
elif kind == "bar":
    data[series].plot.bar(ax=ax)
else:
    data[series].plot(ax=ax, marker="o")
ax.set_title({title_of(request)!r})
if x and kind != "pie":
    ax.set_xlabel(x)
ax.grid(alpha=0.3)
fig.tight_layout()
print(df[[c for c in [x, *series] if c]].head(20).to_string(index=False))
"""
