"""The `python` skill: run Python in the sandbox over the conversation's attached files.

A message with a ```python block runs that code. A request about an attached spreadsheet
(매출 추이를 그래프로 그려줘) has the conversation's model write the code, run and fixed
once (skills/code/author.py), with the template chart (charts.py) as the fallback; where
the caller has no model, the template writes it. Running code has no side effect outside
its temporary directory, so it needs no confirmation. The result carries stdout, the charts
as base64 PNG and the code, which the web page shows behind a toggle; its sentence is made
from what ran, never from the model's claims.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill
from haneul.skills.code.author import provenance, result_sentence, write_and_run
from haneul.skills.code.charts import CHART_WORDS, CODE_BLOCK, chart_code
from haneul.skills.code.run import run_code, summary
from haneul.skills.code.sandbox import sandbox_problem

SPREADSHEETS = (".csv", ".tsv", ".xlsx", ".xls")


def parse(utterance: str) -> dict[str, Any] | None:
    found = CODE_BLOCK.search(utterance)
    if found:
        return {"code": found.group(1)}
    if CHART_WORDS.search(utterance):
        return {"request": utterance}
    return None


def pick_spreadsheet(files: dict[str, Path], request: str) -> str:
    sheets = [name for name in files if name.lower().endswith(SPREADSHEETS)]
    if not sheets:
        raise SkillArgumentError("python: 그래프로 그릴 CSV/XLSX 파일을 먼저 첨부해 주세요.")
    named = [name for name in sheets if Path(name).stem in request]
    return (named or sheets)[-1]


async def _requested(context: SkillContext, request: str) -> SkillResult:
    """A request about a spreadsheet: the model's code (fixed once), else the template."""
    files = context.files
    sheet = pick_spreadsheet(files, request)
    if context.ask is None:
        data = await run_code(chart_code(request, sheet), files)
        answer = result_sentence(data)
        return SkillResult(summary(data), data=data, steps=[data["code"]], answer=answer)
    authored = await write_and_run(request, sheet, files, context.ask)
    source = provenance(authored)
    if not authored.attempts:  # not a chart request, and the model wrote no code
        return SkillResult(source, answer=source)
    final = authored.final
    data = {
        **final.data,
        "source": final.source,
        "attempts": [
            {"source": a.source, "code": a.data["code"], "ok": a.error is None, "error": a.error}
            for a in authored.attempts
        ],
    }
    answer = f"{result_sentence(data)} {source}"
    content = f"{summary(data)}\n\n{source}"
    return SkillResult(content, data=data, steps=[data["code"]], answer=answer)


@skill(
    "python",
    examples=(
        "매출 추이를 그래프로 그려줘",
        "첨부한 엑셀 파일로 월별 차트 만들어줘",
        "이 CSV 데이터를 막대그래프로 보여줘",
        "지역별 판매량 비율을 파이 차트로 그려줘",
        "이 코드 실행해줘 ```python\nprint(1)\n```",
        "plot the sales trend from the attached spreadsheet",
    ),
    parser=parse,
)
async def python(
    context: SkillContext, code: str | None = None, request: str | None = None
) -> SkillResult:
    """Run Python (numpy, pandas, matplotlib) in a sandbox over the conversation's attached
    files (under /data) and return its output and PNG charts.

    Args:
        code: The Python code to run.
        request: A chart request about an attached spreadsheet, when no code is given.
    """
    problem = sandbox_problem()
    if problem is not None:
        return SkillResult(f"코드 실행을 사용할 수 없습니다: {problem}", answer=problem)
    if code is None:
        if not request:
            raise SkillArgumentError("python: code or request is required", param="code")
        return await _requested(context, request)
    data = await run_code(code, context.files)
    return SkillResult(summary(data), data=data, steps=[code], answer=result_sentence(data))
