"""Conversations composed from hand-written Korean pieces, so the answer is right by
construction: to-do extraction into JSON and replies to work mail.

The eval task `json_todo` uses twelve fixed texts of its own; none is built here (a test
holds that), so its validity rate measures the format learned, not memorised answers.
"""

from __future__ import annotations

import json
import random

Messages = list[dict[str, str]]

TODO_SYSTEM = (
    '글에서 할 일을 뽑아 JSON 배열로만 답하세요. 형식: [{"task": "할 일", "due": "기한 또는 null"}]'
)
TODO_ASKS = [
    "다음 글에서 할 일을 JSON으로 정리해 줘.\n\n{text}",
    "{text}\n\n위 내용에서 할 일 목록을 JSON 배열로 뽑아 주세요.",
]

# (clause joined with 고, clause ending a request, the task as a noun phrase)
ACTIONS: list[tuple[str, str, str]] = [
    ("견적서를 거래처에 보내고", "견적서를 거래처에 보내 주세요", "견적서를 거래처에 보내기"),
    ("회의 자료를 출력하고", "회의 자료를 출력해 주세요", "회의 자료 출력"),
    ("신규 고객 명단을 정리하고", "신규 고객 명단을 정리해 주세요", "신규 고객 명단 정리"),
    ("팀 회식 장소를 예약하고", "팀 회식 장소를 예약해 주세요", "팀 회식 장소 예약"),
    ("출장 항공권을 끊고", "출장 항공권을 끊어 주세요", "출장 항공권 구매"),
    ("보안 교육을 이수하고", "보안 교육을 이수하세요", "보안 교육 이수"),
    ("월간 보고서를 작성하고", "월간 보고서를 작성해 주세요", "월간 보고서 작성"),
    (
        "협력사에 납기 일정을 확인하고",
        "협력사에 납기 일정을 확인해 주세요",
        "협력사 납기 일정 확인",
    ),
    ("택배 반품을 접수하고", "택배 반품을 접수해 주세요", "택배 반품 접수"),
    ("사무용품 주문서를 올리고", "사무용품 주문서를 올려 주세요", "사무용품 주문서 제출"),
    ("고객 문의 메일에 답장하고", "고객 문의 메일에 답장해 주세요", "고객 문의 메일 답장"),
    ("발표 리허설을 하고", "발표 리허설을 해 주세요", "발표 리허설"),
    (
        "계약 갱신 여부를 법무팀에 묻고",
        "계약 갱신 여부를 법무팀에 물어봐 주세요",
        "법무팀에 계약 갱신 여부 문의",
    ),
    ("홈페이지 공지 문구를 고치고", "홈페이지 공지 문구를 고쳐 주세요", "홈페이지 공지 문구 수정"),
    ("재고 수량을 점검하고", "재고 수량을 점검해 주세요", "재고 수량 점검"),
    ("이 대리님께 결재를 올리고", "이 대리님께 결재를 올려 주세요", "이 대리님께 결재 요청"),
    ("세미나 참가 신청을 하고", "세미나 참가 신청을 해 주세요", "세미나 참가 신청"),
    ("설문 결과를 그래프로 만들고", "설문 결과를 그래프로 만들어 주세요", "설문 결과 그래프 작성"),
    ("프린터 토너를 교체하고", "프린터 토너를 교체해 주세요", "프린터 토너 교체"),
    (
        "법인카드 사용 내역을 정산하고",
        "법인카드 사용 내역을 정산해 주세요",
        "법인카드 사용 내역 정산",
    ),
    ("신입 사원 노트북을 준비하고", "신입 사원 노트북을 준비해 주세요", "신입 사원 노트북 준비"),
    ("고객사 방문 일정을 잡고", "고객사 방문 일정을 잡아 주세요", "고객사 방문 일정 잡기"),
    ("회의실 프로젝터를 점검하고", "회의실 프로젝터를 점검해 주세요", "회의실 프로젝터 점검"),
    ("분기 예산 집행률을 확인하고", "분기 예산 집행률을 확인해 주세요", "분기 예산 집행률 확인"),
    ("채용 공고를 게시하고", "채용 공고를 게시해 주세요", "채용 공고 게시"),
    (
        "면접 일정을 지원자에게 알리고",
        "면접 일정을 지원자에게 알려 주세요",
        "지원자에게 면접 일정 안내",
    ),
    ("제품 사진을 다시 찍고", "제품 사진을 다시 찍어 주세요", "제품 사진 재촬영"),
    ("보도자료 초안을 검토하고", "보도자료 초안을 검토해 주세요", "보도자료 초안 검토"),
    ("서버 로그를 백업하고", "서버 로그를 백업해 주세요", "서버 로그 백업"),
    ("비밀번호를 변경하고", "비밀번호를 변경하세요", "비밀번호 변경"),
    ("우편물을 발송하고", "우편물을 발송해 주세요", "우편물 발송"),
    ("거래처에 감사 인사를 전하고", "거래처에 감사 인사를 전해 주세요", "거래처에 감사 인사 전달"),
    ("아이 예방접종을 예약하고", "아이 예방접종을 예약해 주세요", "아이 예방접종 예약"),
    ("자동차 보험을 갱신하고", "자동차 보험을 갱신하세요", "자동차 보험 갱신"),
    ("관리비를 납부하고", "관리비를 납부해 주세요", "관리비 납부"),
    ("부모님 선물을 주문하고", "부모님 선물을 주문해 주세요", "부모님 선물 주문"),
    ("세탁소에서 양복을 찾고", "세탁소에서 양복을 찾아 주세요", "세탁소에서 양복 찾기"),
    ("동창회 회비를 입금하고", "동창회 회비를 입금해 주세요", "동창회 회비 입금"),
    ("치과 검진을 받고", "치과 검진을 받으세요", "치과 검진"),
    ("여권 재발급을 신청하고", "여권 재발급을 신청하세요", "여권 재발급 신청"),
]

# (phrase placed before the clause, the due date as written in the JSON; None: no date)
DUES: list[tuple[str, str | None]] = [
    ("오늘 안에", "오늘"),
    ("내일 오전까지", "내일 오전"),
    ("이번 주 금요일까지", "이번 주 금요일"),
    ("다음 주 화요일까지", "다음 주 화요일"),
    ("월말까지", "월말"),
    ("3월 15일까지", "3월 15일"),
    ("모레 점심 전에", "모레 점심 전"),
    ("오후 5시까지", "오후 5시"),
    ("연휴 전에", "연휴 전"),
    ("다음 달 초까지", "다음 달 초"),
    ("", None),
    ("", None),
    ("", None),
]


def _todo_text(picked: list[tuple[tuple[str, str, str], tuple[str, str | None]]]) -> str:
    parts = []
    for i, ((joined, final, _), (due, _)) in enumerate(picked):
        clause = final if i == len(picked) - 1 else joined
        parts.append(f"{due} {clause}".strip())
    return ", ".join(parts) + "."


def todo_conversations(count: int, seed: int) -> list[Messages]:
    rng = random.Random(seed)
    out: list[Messages] = []
    seen: set[str] = set()
    while len(out) < count:
        n = rng.choice([1, 2, 2, 3, 3, 4])
        actions = rng.sample(ACTIONS, n)
        picked = [(a, rng.choice(DUES)) for a in actions]
        text = _todo_text(picked)
        if text in seen:
            continue
        seen.add(text)
        answer = json.dumps([{"task": a[2], "due": d[1]} for a, d in picked], ensure_ascii=False)
        if rng.random() < 0.6:
            messages = [
                {"role": "system", "content": TODO_SYSTEM},
                {"role": "user", "content": text},
            ]
        else:
            ask = rng.choice(TODO_ASKS)
            messages = [{"role": "user", "content": ask.format(text=text)}]
        out.append([*messages, {"role": "assistant", "content": answer}])
    return out


# Work mail: (kind, the incoming mail with slots, the reply with the same slots)
MAILS: list[tuple[str, str, str]] = [
    (
        "meeting",
        "{sender}님: 다음 주 {day}에 {topic} 관련 회의를 하고 싶은데 시간 괜찮으신가요?",
        "{sender}님, 안녕하세요.\n\n{topic} 회의 제안 감사합니다. 다음 주 {day} 오후 2시 이후라면 참석할 수 있습니다. 편하신 시간을 알려 주시면 일정을 맞추겠습니다.\n\n감사합니다.",
    ),
    (
        "document",
        "{sender}님: {topic} 자료를 이번 주 안에 받아 볼 수 있을까요?",
        "{sender}님, 안녕하세요.\n\n요청하신 {topic} 자료는 이번 주 {day}까지 정리해서 보내 드리겠습니다. 혹시 더 필요한 항목이 있으면 말씀해 주세요.\n\n감사합니다.",
    ),
    (
        "extension",
        "{sender}님: 죄송하지만 {topic} 마감을 {day}로 미뤄 주실 수 있을까요?",
        "{sender}님, 안녕하세요.\n\n{topic} 마감 연장 요청 잘 받았습니다. {day}까지로 조정하겠습니다. 다만 그 이후로는 일정이 빠듯하니 진행 상황을 중간에 한 번 공유해 주시면 감사하겠습니다.\n\n감사합니다.",
    ),
    (
        "thanks",
        "{sender}님: 지난번 {topic} 때 도와주셔서 정말 감사했습니다.",
        "{sender}님, 안녕하세요.\n\n따뜻한 말씀 감사합니다. {topic}이 잘 마무리되어 저도 기쁩니다. 앞으로도 필요하신 일이 있으면 언제든 연락 주세요.\n\n감사합니다.",
    ),
    (
        "complaint",
        "{sender}님: {topic} 처리가 너무 늦어서 불편합니다. 언제 해결되나요?",
        "{sender}님, 안녕하세요.\n\n{topic} 처리가 늦어져 불편을 드려 죄송합니다. 현재 담당 부서에서 확인하고 있으며, {day}까지 결과를 알려 드리겠습니다. 다시 한번 양해 부탁드립니다.\n\n감사합니다.",
    ),
    (
        "decline",
        "{sender}님: 다음 주 {day} {topic} 행사에 발표자로 참여해 주실 수 있나요?",
        "{sender}님, 안녕하세요.\n\n{topic} 행사에 불러 주셔서 감사합니다. 아쉽게도 그날은 이미 잡힌 일정이 있어 발표는 어렵습니다. 대신 다른 동료를 추천해 드리거나 자료 준비는 도와드릴 수 있습니다.\n\n감사합니다.",
    ),
]
MAIL_ASKS = [
    "다음 메일에 정중한 답장을 써 줘.\n\n{mail}",
    "이 메일에 답장 초안 부탁해요: {mail}",
]
SENDERS = [
    "김민수",
    "박지영",
    "이서준",
    "최유나",
    "정하늘",
    "강도윤",
    "윤서연",
    "한지호",
    "오은비",
    "조현우",
]
TOPICS = [
    "신제품 출시",
    "하반기 예산",
    "고객 만족도 조사",
    "사내 교육",
    "홈페이지 개편",
    "연말 행사",
    "물류 계약",
    "채용 일정",
]
DAYS = ["월요일", "화요일", "수요일", "목요일", "금요일"]


def mail_conversations(count: int, seed: int) -> list[Messages]:
    rng = random.Random(seed)
    out: list[Messages] = []
    seen: set[str] = set()
    while len(out) < count:
        _, mail, reply = rng.choice(MAILS)
        slots = {
            "sender": rng.choice(SENDERS),
            "topic": rng.choice(TOPICS),
            "day": rng.choice(DAYS),
        }
        text = mail.format(**slots)
        if text in seen:
            continue
        seen.add(text)
        ask = rng.choice(MAIL_ASKS).format(mail=text)
        out.append(
            [
                {"role": "user", "content": ask},
                {"role": "assistant", "content": reply.format(**slots)},
            ]
        )
    return out
