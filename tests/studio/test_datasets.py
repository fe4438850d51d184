"""Tuning datasets: every problem reported with its line number and reason before training,
for OpenAI chat JSONL and CLOVA Studio CSV (BOM, Korean text, CP949 files)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from haneul.errors import InvalidRequestError
from haneul.studio.chatformat import render, segments, template_path
from haneul.studio.datasets import Example, parse_csv, parse_jsonl, read_dataset, split, token_stats
from tests.conftest import HANEUL

GOOD = {
    "messages": [
        {"role": "user", "content": "안녕?"},
        {"role": "assistant", "content": "안녕하세요!"},
    ]
}


def _jsonl(*rows: object) -> bytes:
    return "\n".join(
        r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows
    ).encode()


def test_jsonl_problems_each_have_a_line_and_a_reason() -> None:
    data = parse_jsonl(
        _jsonl(
            GOOD,
            "{not json",
            {"prompt": "옛날 형식"},
            {"messages": []},
            {"messages": [{"role": "user", "content": "질문만 있어요"}]},
            {
                "messages": [
                    {"role": "user", "content": "가"},
                    {"role": "user", "content": "나"},
                    {"role": "assistant", "content": "다"},
                ]
            },
            {"messages": [{"role": "user", "content": "가"}, {"role": "bot", "content": "나"}]},
            {
                "messages": [
                    {"role": "user", "content": "  "},
                    {"role": "assistant", "content": "나"},
                ]
            },
            {
                "messages": [
                    {"role": "user", "content": "가"},
                    {"role": "system", "content": "늦은 지시"},
                    {"role": "assistant", "content": "나"},
                ]
            },
            {
                "messages": [
                    {"role": "user", "content": "가"},
                    {"role": "assistant", "content": "나", "weight": 0},
                ]
            },
            "",
            {
                "messages": [
                    {"role": "system", "content": "친절하게"},
                    {"role": "user", "content": "고마워"},
                    {"role": "assistant", "content": "천만에요"},
                ]
            },
        )
    )
    assert [(p.line, p.reason) for p in data.problems] == [
        (2, "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        (3, 'each line is an object with "messages"'),
        (4, 'needs a non-empty "messages" list'),
        (5, "the last message must be the assistant's (the answer to learn)"),
        (6, "message 2: two user messages in a row"),
        (7, "message 2: role 'bot' is not one of system, user, assistant"),
        (8, "message 1: content must be non-empty text"),
        (9, "message 2: a system message can only come first"),
        (10, "no assistant message to learn from (all have weight 0)"),
    ]
    assert [e.line for e in data.examples] == [1, 12]
    with pytest.raises(InvalidRequestError, match="9 problem"):
        data.raise_for_problems()


CSV_HEADER = "System_Prompt,C_ID,T_ID,Text,Completion\n"


def test_clova_csv_with_bom_becomes_conversations() -> None:
    text = (
        CSV_HEADER
        + "친절한 상담원,0,0,배송은 언제 와요?,보통 2~3일 걸립니다.\n"
        + '친절한 상담원,0,1,"주말에도 와요?","네, 토요일에도 배송합니다."\n'
        + ',1,0,환불 가능해요?,"구매 후 7일 안에 가능합니다.\n영수증을 준비해 주세요."\n'
    )
    data = parse_csv(("\ufeff" + text).encode("utf-8"))
    assert data.problems == [] and data.warnings == []
    first, second = (e.messages for e in data.examples)
    assert first == [
        {"role": "system", "content": "친절한 상담원"},
        {"role": "user", "content": "배송은 언제 와요?"},
        {"role": "assistant", "content": "보통 2~3일 걸립니다."},
        {"role": "user", "content": "주말에도 와요?"},
        {"role": "assistant", "content": "네, 토요일에도 배송합니다."},
    ]
    assert second[-1]["content"] == "구매 후 7일 안에 가능합니다.\n영수증을 준비해 주세요."


def test_clova_csv_problems() -> None:
    rows = (
        CSV_HEADER
        + ",0,0,안녕,안녕하세요\n"  # line 2: fine
        + ",0,2,건너뛴 턴,답\n"  # line 3: turn 2 where 1 was next
        + ",가,0,질문,답\n"  # line 4
        + ",1,0,,답\n"  # line 5
        + ",2,0,질문\n"  # line 6: four columns
        + ",-1,0,질문,답\n"  # line 7
    )
    data = parse_csv(rows.encode("utf-8"))
    assert [w.reason for w in data.warnings] == [
        "no UTF-8 BOM (CLOVA Studio expects one); read anyway"
    ]
    assert [(p.line, p.reason) for p in data.problems] == [
        (3, "conversation 0: turn 2 where 1 was next"),
        (4, "C_ID and T_ID are whole numbers: '가', '0'"),
        (5, "Text and Completion must not be empty"),
        (6, "4 columns, expected 5"),
        (7, "C_ID and T_ID start from 0"),
    ]
    wrong = parse_csv("시스템,대화,턴,질문,답\n,0,0,가,나\n".encode())
    assert wrong.problems[0].line == 1 and "the header must be" in wrong.problems[0].reason
    cp949 = parse_csv((CSV_HEADER + ",0,0,안녕하세요,반갑습니다\n").encode("cp949"))
    assert [(p.line, p.reason) for p in cp949.problems] == [
        (2, "not UTF-8 (saved as CP949/EUC-KR?); save the file as UTF-8")
    ]


def test_split_and_token_stats() -> None:
    examples = [Example(GOOD["messages"], n) for n in range(10)]
    train, validation = split(examples, 0.2, seed=1)
    assert len(train) == 8 and len(validation) == 2
    assert {e.line for e in train} | {e.line for e in validation} == set(range(10))
    assert split(examples, 0.2, seed=1) == (train, validation)  # the same every time
    assert split(examples[:1], 0.5) == (examples[:1], [])
    with pytest.raises(InvalidRequestError):
        split(examples, 1.0)
    stats = token_stats(examples, lambda m: sum(len(x["content"]) for x in m), max_tokens=7)
    assert stats == {  # 안녕? (3) + 안녕하세요! (6) per conversation
        "examples": 10,
        "tokens": 90,
        "mean": 9.0,
        "p95": 9,
        "max": 9,
        "over_max": 10,
        "max_tokens": 7,
    }


def test_training_format_and_serving_template_agree() -> None:
    import jinja2

    conversation = [
        {"role": "system", "content": "당신은 하늘입니다."},
        {"role": "user", "content": "안녕?"},
        {"role": "assistant", "content": "안녕하세요!"},
        {"role": "user", "content": "이름이 뭐야?"},
        {"role": "assistant", "content": "하늘이에요.", "weight": 0},
    ]
    template = jinja2.Environment().from_string(template_path().read_text(encoding="utf-8"))
    for messages in (conversation, conversation[1:3]):
        for prompt in (False, True):
            served = template.render(
                messages=messages, bos_token="<bos>", add_generation_prompt=prompt
            )
            assert served == render(messages, add_generation_prompt=prompt)
    learned = [text for text, on in segments(conversation) if on]
    assert learned == ["안녕하세요!<end_of_turn>"]  # weight 0 and every other part: no loss


def test_haneul_tune_validate(tmp_path: Path) -> None:
    good = tmp_path / "좋은.jsonl"
    good.write_bytes(_jsonl(GOOD, GOOD))
    done = subprocess.run([HANEUL, "tune", "validate", str(good)], capture_output=True, text=True)
    assert (
        done.returncode == 0 and "2 conversations (2 answers to learn), 0 problem(s)" in done.stderr
    )
    bad = tmp_path / "나쁜.csv"
    bad.write_bytes(("\ufeff" + CSV_HEADER + ",0,1,안녕,네\n").encode())
    done = subprocess.run([HANEUL, "tune", "validate", str(bad)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "나쁜.csv:2: conversation 0: turn 1 where 0 was next" in done.stdout
    other = tmp_path / "data.txt"
    other.write_text("?", encoding="utf-8")
    done = subprocess.run([HANEUL, "tune", "validate", str(other)], capture_output=True, text=True)
    assert done.returncode == 2 and ".jsonl" in done.stderr
    assert read_dataset(good).ok
