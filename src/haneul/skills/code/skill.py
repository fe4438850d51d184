"""The `python` skill: run Python in the sandbox over the conversation's attached files.

It reads the code from a ```python block in the message, or, for a chart request about an
attached spreadsheet, writes the code from a template (charts.py). Running code has no side
effect outside its temporary directory, so it needs no confirmation. The result carries
stdout, the charts as base64 PNG and the code, which the web page shows behind a toggle.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill
from haneul.skills.code.charts import CHART_WORDS, CODE_BLOCK, chart_code
from haneul.skills.code.sandbox import RunResult, run_python, sandbox_problem

SPREADSHEETS = (".csv", ".tsv", ".xlsx", ".xls")


def parse(utterance: str) -> dict[str, Any] | None:
    found = CODE_BLOCK.search(utterance)
    if found:
        return {"code": found.group(1)}
    if CHART_WORDS.search(utterance):
        return {"request": utterance}
    return None


def as_data(code: str, result: RunResult) -> dict[str, Any]:
    return {
        "code": code,
        "stdout": result.stdout,
        "stderr": result.stderr[-4000:],
        "exit_code": result.exit_code,
        "ok": result.ok,
        "timed_out": result.timed_out,
        "truncated": result.truncated,
        "reason": result.reason,
        "charts": [base64.b64encode(png).decode() for png in result.charts],
    }


def summary(data: dict[str, Any]) -> str:
    """What the model reads: the output, and the error when there is one."""
    parts = [f"차트 {len(data['charts'])}개를 그렸습니다."] if data["charts"] else []
    if data["stdout"].strip():
        parts.append("출력:\n```\n" + data["stdout"].strip()[:3000] + "\n```")
    if not data["ok"]:
        tail = data["stderr"].strip().splitlines()[-3:]
        parts.append(f"{data['reason']}\n```\n" + "\n".join(tail) + "\n```")
    return "\n\n".join(parts) or "실행했지만 출력이 없습니다."


async def run_code(code: str, files: dict[str, Path]) -> dict[str, Any]:
    result = await asyncio.to_thread(run_python, code, files=files)
    return as_data(code, result)


def pick_spreadsheet(files: dict[str, Path], request: str) -> str:
    sheets = [name for name in files if name.lower().endswith(SPREADSHEETS)]
    if not sheets:
        raise SkillArgumentError("python: 그래프로 그릴 CSV/XLSX 파일을 먼저 첨부해 주세요.")
    named = [name for name in sheets if Path(name).stem in request]
    return (named or sheets)[-1]


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
    files: dict[str, Path] = context.files
    if code is None:
        if not request:
            raise SkillArgumentError("python: code or request is required", param="code")
        code = chart_code(request, pick_spreadsheet(files, request))
    data = await run_code(code, files)
    answer = "코드를 실행했습니다." if data["ok"] else f"코드 실행에 실패했습니다. {data['reason']}"
    if data["ok"] and data["charts"]:
        answer = f"그래프를 그렸습니다 (차트 {len(data['charts'])}개)."
    return SkillResult(summary(data), data=data, steps=[code], answer=answer)
