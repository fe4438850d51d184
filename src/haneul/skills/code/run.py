"""One sandbox run as data for clients and for the model: stdout, the charts as base64
PNG with what each shows, the error, and the code that ran."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from haneul.skills.code.sandbox import RunResult, run_python


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
        "figures": result.figures,
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
