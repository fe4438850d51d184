"""Tuning datasets: OpenAI's chat fine-tuning JSONL (`{"messages": [...]}` per line) and CLOVA
Studio's tuning CSV (`System_Prompt, C_ID, T_ID, Text, Completion`, UTF-8 with a BOM).

Everything wrong with a file is reported at once, each problem with its line number and
reason, before any training starts; a dataset with problems is never trained on. Examples are
conversations in the chat format whatever the file's format.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haneul.errors import InvalidRequestError

MAX_DATASET_BYTES = 100 * 1024 * 1024  # a dataset file, on disk or uploaded
SUFFIXES = (".jsonl", ".json", ".csv")
CSV_COLUMNS = ["System_Prompt", "C_ID", "T_ID", "Text", "Completion"]
ROLES = ("system", "user", "assistant")
BOM = "\ufeff"


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line of the file (the row's first line for CSV)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Example:
    messages: list[dict[str, Any]]  # role, content, and optionally weight 0 for assistant turns
    line: int = 0


@dataclass
class Dataset:
    format: str  # "jsonl" or "csv"
    examples: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.examples)

    def raise_for_problems(self) -> None:
        if self.problems or not self.examples:
            shown = [str(p) for p in self.problems[:20]] or ["the dataset has no examples"]
            more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
            raise InvalidRequestError(
                f"the dataset has {len(self.problems)} problem(s): " + "; ".join(shown) + more,
                param="dataset",
            )


class DatasetFileError(InvalidRequestError):
    """The dataset file itself cannot be read: missing, not a regular file, too large."""


def read_dataset(path: Path, *, max_bytes: int = MAX_DATASET_BYTES) -> Dataset:
    """Read and check a dataset; the format follows the suffix (.jsonl/.json or .csv).
    Only a regular file of at most `max_bytes` is read (never a FIFO or a device)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidRequestError(
            f"{path.name}: a dataset is .jsonl (OpenAI chat format) or .csv (CLOVA Studio)",
            param="dataset",
        )
    raw = read_regular_file(path, max_bytes)
    return parse_csv(raw) if suffix == ".csv" else parse_jsonl(raw)


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `max_bytes`. It is checked
    before it is opened, opened without blocking (a FIFO swapped in meanwhile cannot stall
    the caller) and checked again once open."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DatasetFileError(f"{path.name}: not a regular file", param="dataset")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise DatasetFileError(f"cannot read {path}: {e.strerror}", param="dataset") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DatasetFileError(f"{path.name}: not a regular file", param="dataset")
        if info.st_size > max_bytes:
            raise DatasetFileError(
                f"{path.name}: the dataset is over {max_bytes // 2**20} MiB", param="dataset"
            )
        with os.fdopen(os.dup(fd), "rb") as file:
            raw = file.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise DatasetFileError(
            f"{path.name}: the dataset is over {max_bytes // 2**20} MiB", param="dataset"
        )
    return raw


def resolve_in_root(root: Path, name: str) -> Path | None:
    """`name` (relative to `root`, or absolute) with symlinks and `..` resolved, if that
    lies inside `root`; else None. Nothing is opened."""
    try:
        base = root.resolve()
        path = (base / name).resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop
        return None
    return path if path != base and path.is_relative_to(base) else None


def _decode(raw: bytes, data: Dataset) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        data.problems.append(
            Problem(line, "not UTF-8 (saved as CP949/EUC-KR?); save the file as UTF-8")
        )
        return None
    return text.removeprefix(BOM)


def check_messages(messages: Any) -> str | None:
    """Why a conversation cannot be trained on, or None."""
    if not isinstance(messages, list) or not messages:
        return 'needs a non-empty "messages" list'
    previous = None
    for n, m in enumerate(messages, start=1):
        if not isinstance(m, dict):
            return f"message {n} is not an object"
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            return f"message {n}: role {role!r} is not one of system, user, assistant"
        if not isinstance(content, str) or not content.strip():
            return f"message {n}: content must be non-empty text"
        if role == "system" and n != 1:
            return f"message {n}: a system message can only come first"
        if role != "system" and role == previous:
            return f"message {n}: two {role} messages in a row"
        if "weight" in m and (role != "assistant" or m["weight"] not in (0, 1)):
            return f"message {n}: weight is 0 or 1, on assistant messages only"
        previous = role
    if previous != "assistant":
        return "the last message must be the assistant's (the answer to learn)"
    if not any(m["role"] == "assistant" and m.get("weight", 1) for m in messages):
        return "no assistant message to learn from (all have weight 0)"
    return None


def parse_jsonl(raw: bytes) -> Dataset:
    data = Dataset("jsonl")
    text = _decode(raw, data)
    if text is None:
        return data
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            data.problems.append(Problem(n, f"not valid JSON ({e.msg} at column {e.colno})"))
            continue
        if not isinstance(row, dict) or "messages" not in row:
            data.problems.append(Problem(n, 'each line is an object with "messages"'))
            continue
        reason = check_messages(row["messages"])
        if reason:
            data.problems.append(Problem(n, reason))
        else:
            data.examples.append(Example(row["messages"], n))
    return data


def parse_csv(raw: bytes) -> Dataset:
    data = Dataset("csv")
    if not raw.startswith(BOM.encode()):
        data.warnings.append(Problem(1, "no UTF-8 BOM (CLOVA Studio expects one); read anyway"))
    text = _decode(raw, data)
    if text is None:
        return data
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != CSV_COLUMNS:
        data.problems.append(
            Problem(1, f"the header must be {', '.join(CSV_COLUMNS)} (got {header})")
        )
        return data
    conversations: dict[int, Example] = {}
    turns: dict[int, int] = {}
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            data.problems.append(Problem(line, f"{len(row)} columns, expected 5"))
            continue
        system, c_id, t_id, user, answer = row
        try:
            conversation, turn = int(c_id), int(t_id)
        except ValueError:
            data.problems.append(
                Problem(line, f"C_ID and T_ID are whole numbers: {c_id!r}, {t_id!r}")
            )
            continue
        if conversation < 0 or turn < 0:
            data.problems.append(Problem(line, "C_ID and T_ID start from 0"))
            continue
        if not user.strip() or not answer.strip():
            data.problems.append(Problem(line, "Text and Completion must not be empty"))
            continue
        expected = turns.get(conversation, -1) + 1
        if turn != expected:
            data.problems.append(
                Problem(line, f"conversation {conversation}: turn {turn} where {expected} was next")
            )
            continue
        turns[conversation] = turn
        if conversation not in conversations:
            first = [{"role": "system", "content": system}] if system.strip() else []
            conversations[conversation] = Example(first, line)
        conversations[conversation].messages += [
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ]
    data.examples = list(conversations.values())
    return data


def split(
    examples: list[Example], ratio: float, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Train and validation parts; at least one of each when ratio > 0 and there are two."""
    if not 0 <= ratio < 1:
        raise InvalidRequestError("the validation split is 0 to below 1", param="validation_split")
    if ratio == 0 or len(examples) < 2:
        return list(examples), []
    order = list(examples)
    random.Random(seed).shuffle(order)
    n = min(max(1, round(len(order) * ratio)), len(order) - 1)
    return order[n:], order[:n]


def token_stats(
    examples: list[Example], count: Callable[[list[dict[str, Any]]], int], max_tokens: int
) -> dict[str, Any]:
    """Examples, tokens (total, mean, p95, max) and how many exceed `max_tokens`."""
    sizes = sorted(count(e.messages) for e in examples)
    if not sizes:
        return {"examples": 0, "tokens": 0}
    return {
        "examples": len(sizes),
        "tokens": sum(sizes),
        "mean": round(sum(sizes) / len(sizes), 1),
        "p95": sizes[min(len(sizes) - 1, int(0.95 * len(sizes)))],
        "max": sizes[-1],
        "over_max": sum(s > max_tokens for s in sizes),
        "max_tokens": max_tokens,
    }


def to_jsonl(examples: list[list[dict[str, Any]]]) -> str:
    """Conversations as this module's JSONL (earlier answers weighted 0: only the last is
    learned)."""
    lines = []
    for messages in examples:
        last = len(messages) - 1
        rows = [
            {**m, "weight": 0} if m["role"] == "assistant" and i != last else m
            for i, m in enumerate(messages)
        ]
        lines.append(json.dumps({"messages": rows}, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def to_clova_csv(examples: list[list[dict[str, Any]]]) -> str:
    """Conversations as CLOVA Studio's tuning CSV (the columns `parse_csv` reads)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for c_id, messages in enumerate(examples):
        system = messages[0]["content"] if messages[0]["role"] == "system" else ""
        turns = [m for m in messages if m["role"] != "system"]
        for t_id in range(len(turns) // 2):
            user, answer = turns[2 * t_id], turns[2 * t_id + 1]
            writer.writerow([system, c_id, t_id, user["content"], answer["content"]])
    return BOM + out.getvalue()
