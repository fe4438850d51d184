"""코드 작성 by the model: for a chart request about an attached spreadsheet the model writes
the code, the sandbox runs it, an error goes back to the model once, and when the fix fails
too the template chart is drawn and the answer says so. What the user reads is made from
what ran (the figures, the printed lines, which code), never from the model's text. The
model is the scripted echo double (tests/assistant/scripted_plugin.py)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from haneul.assistant.turn import model_asker
from haneul.skills import SkillContext
from haneul.skills.code.skill import python
from tests.assistant.scripted_plugin import PLUGIN, ScriptedEcho, scripted_home
from tests.conftest import AppClient

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: make browser"
)

SALES = "월,매출,비용\n1월,120,80\n2월,150,90\n3월,170,95\n4월,160,100\n5월,210,110\n"
GOOD = """매출이 1000% 늘었습니다. 아래 코드를 실행하세요.
```python
import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv('/data/매출.csv')
fig, ax = plt.subplots()
ax.plot(df['월'], df['매출'], marker='o')
ax.set_title('월별 매출 추이')
print(df[['월', '매출']].to_string(index=False))
```
그래프에는 12개월이 표시됩니다."""
BROKEN = """```python
import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv('/data/매출.csv')
df.plot(x='월', y='비용금액')
```"""
FIXED = """```python
import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv('/data/매출.csv')
ax = df.plot.bar(x='월', y='비용')
ax.set_title('월별 비용')
```"""
FAILING = """```python
raise ValueError('이익 열이 없습니다')
```"""
# Trigger -> reply, the first trigger found in the prompt wins: the fix prompt carries the
# traceback («KeyError: '비용금액'»), so FIXED comes back only if the error reached the model.
SCRIPT = {
    "'비용금액'": FIXED,
    "요청: 비용 추이": BROKEN,
    "요청: 이익 추이": FAILING,
    "요청: 이익 합계": FAILING,
    "요청: 매출 추이": GOOD,
}


def _chart(tmp_path: Path, request: str) -> Any:
    sheet = tmp_path / "매출.csv"
    sheet.write_text(SALES, encoding="utf-8")
    model = ScriptedEcho("scripted", SCRIPT)
    context = SkillContext(files={"매출.csv": sheet}, ask=model_asker(model))
    return asyncio.run(python.run({"request": request}, context))


def test_the_models_code_runs_and_the_answer_comes_from_the_run(tmp_path: Path) -> None:
    result = _chart(tmp_path, "매출 추이를 그래프로 그려줘")
    data = result.data
    assert data["source"] == "model" and data["ok"] and len(data["charts"]) == 1
    assert data["code"].startswith("import pandas as pd") and "1000%" not in data["code"]
    assert result.answer == (
        "그래프를 그렸습니다 (차트 1개: «월별 매출 추이» — 선 1개, 점 5개). "
        "출력 6줄은 실행 결과에 있습니다. 모델이 쓴 코드를 샌드박스에서 실행했습니다."
    )
    assert "1000%" not in result.content and "12개월" not in result.content
    assert "210" in result.content  # what the code printed, for the model's explanation


def test_an_error_goes_back_to_the_model_once_and_its_fix_runs(tmp_path: Path) -> None:
    result = _chart(tmp_path, "비용 추이를 그래프로 그려줘")
    data = result.data
    assert [a["source"] for a in data["attempts"]] == ["model", "model_fixed"]
    assert "KeyError" in data["attempts"][0]["error"] and data["attempts"][1]["ok"]
    assert data["source"] == "model_fixed" and "'비용'" in data["code"]
    assert result.answer is not None
    assert result.answer.startswith("그래프를 그렸습니다 (차트 1개: «월별 비용» — 막대 5개).")
    assert "실패해(KeyError: '비용금액')" in result.answer
    assert result.answer.endswith("모델이 고친 코드로 실행했습니다.")


def test_when_the_fix_fails_too_the_template_draws_it_and_says_so(tmp_path: Path) -> None:
    result = _chart(tmp_path, "이익 추이를 그래프로 그려줘")
    data = result.data
    assert [a["source"] for a in data["attempts"]] == ["model", "model_fixed", "template"]
    assert [a["ok"] for a in data["attempts"]] == [False, False, True]
    assert data["source"] == "template"
    assert "REQUEST = '이익 추이를 그래프로 그려줘'" in data["code"]
    assert result.answer == (
        "그래프를 그렸습니다 (차트 1개: «이익 추이» — 선 2개, 점 5개). "
        "출력 6줄은 실행 결과에 있습니다. "
        "모델이 쓴 코드가 두 번 모두 실패해(ValueError: 이익 열이 없습니다) "
        "기본 차트 코드로 대신 그렸습니다."
    )


def test_without_a_chart_asked_for_there_is_no_template_to_fall_back_on(tmp_path: Path) -> None:
    result = _chart(tmp_path, "이익 합계를 계산해줘")
    assert [a["source"] for a in result.data["attempts"]] == ["model", "model_fixed"]
    assert result.data["charts"] == [] and not result.data["ok"]
    assert result.answer == (
        "코드 실행에 실패했습니다. 오류로 종료되었습니다 (종료 코드 1). "
        "모델이 쓴 코드가 두 번 모두 실패했습니다(ValueError: 이익 열이 없습니다)."
    )
    silent = _chart(tmp_path, "평균 매출을 계산해줘")  # the model answers without code
    assert silent.answer == "모델이 실행할 코드를 쓰지 못했습니다." and silent.data is None


def test_a_chat_turn_runs_the_models_fixed_code(
    app_factory: Callable[..., AppClient], tmp_path: Path
) -> None:
    """The whole path on an in-process app: the router picks `python`, the assistant lends
    the skill its model, the traceback reaches the model, the answer comes from the run.
    With a model that writes no code (the plain echo double) the template draws it."""
    home = tmp_path / "scripted"
    scripted_home(home, SCRIPT)
    app = app_factory(home, plugins=PLUGIN, default_model="scripted")
    cid = app.post("conversations", json={}).json()["id"]
    files = {"file": ("매출.csv", SALES.encode())}
    assert app.post(f"code/conversations/{cid}/files", files=files).status_code == 200
    ask = {"content": "비용 추이를 그래프로 그려줘", "skills": ["python"]}
    reply = app.post(f"conversations/{cid}/messages", json=ask, timeout=600).json()
    [call] = reply["skill_calls"]
    assert call["name"] == "python" and call["error"] is None, call
    assert call["data"]["source"] == "model_fixed"
    content = reply["message"]["content"]
    assert content.startswith("그래프를 그렸습니다 (차트 1개: «월별 비용» — 막대 5개).")
    assert "모델이 고친 코드로 실행했습니다." in content

    ask = {"content": "방문자 추이를 그래프로 그려줘", "skills": ["python"], "model": "echo"}
    reply = app.post(f"conversations/{cid}/messages", json=ask, timeout=600).json()
    [call] = reply["skill_calls"]
    assert call["data"]["source"] == "template", call["data"]["attempts"]
    assert (
        "모델이 실행할 코드를 쓰지 못해 기본 차트 코드로 대신 그렸습니다."
        in (reply["message"]["content"])
    )
