"""Report templates as data: each a name, a description and the outline it proposes. A
report without a template gets the general outline (개요, 주요 내용, 결론)."""

from __future__ import annotations

from dataclasses import dataclass

from haneul.errors import NotFoundError


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    sections: tuple[str, ...]


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "주간 업무 보고",
            "한 주의 업무 실적, 진행 중인 일, 이슈와 다음 주 계획",
            ("주요 실적", "진행 중인 업무", "이슈 및 위험", "다음 주 계획"),
        ),
        Template(
            "회의록",
            "회의의 개요, 논의 내용, 결정 사항과 후속 조치",
            ("회의 개요", "논의 내용", "결정 사항", "후속 조치"),
        ),
        Template(
            "제안서 초안",
            "배경과 목적, 제안 내용, 기대 효과, 추진 일정과 예산",
            ("배경 및 목적", "제안 내용", "기대 효과", "추진 일정 및 예산"),
        ),
        Template(
            "행사 프로그램 초안",
            "행사 개요, 세부 프로그램, 준비 사항과 역할 분담",
            ("행사 개요", "세부 프로그램", "준비 사항", "역할 분담"),
        ),
    )
}

GENERAL: tuple[str, ...] = ("개요", "주요 내용", "결론")


def template(name: str | None) -> Template | None:
    if name is None:
        return None
    if name not in TEMPLATES:
        raise NotFoundError(f"no report template named '{name}'", param="template")
    return TEMPLATES[name]


def outline(name: str | None) -> list[str]:
    """The outline proposed for a report of template `name` (the general one for none)."""
    found = template(name)
    return list(found.sections if found else GENERAL)
