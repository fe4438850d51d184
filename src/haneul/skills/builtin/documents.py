"""Document search over the caller's own collections, with citations. The search itself
is the `DocumentSource` the caller puts in the skill context (skills sit below the
document search service); its typed hits become the result's data cards."""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill

# The least `support` of the best hit for the documents to count as answering the question;
# below it the answer says so and shows the closest passages. Measured on KorQuAD with
# research/doc_support_threshold.py (docs/assistant.md).
SUPPORT_THRESHOLD = 0.625
# ...or the e5 cosine of the question and the best passage at least this: natural phrasing
# («본인 결혼하면 휴가 며칠 받아?») shares few words with the rules it asks about. Measured with
# research/doc_support_e5.py on paraphrases written for it and on KorQuAD (docs/assistant.md).
COSINE_THRESHOLD = 0.87
# ...and every noun the question names what it asks about by (key_terms) is in the top hits,
# or a single one is missing and the cosine is at least this: «해외 출장 일비» is not
# answered by a rule about 국내 출장 일비. Measured with research/doc_support_bench.py.
MISSING_COSINE = 0.875
NOT_FOUND_KO = "문서에서 답을 찾지 못했습니다. 질문과 가장 가까운 부분을 함께 보여 드립니다."
# ...and when no hit holds any of the question's key nouns (`off_the_documents`): the nearest
# passages are about something else, so none is shown
OFF_DOCUMENTS_KO = "올려 두신 문서에는 관련 내용이 없습니다."
NO_DOCUMENTS_KO = (
    "올려 두신 문서에서 관련 내용을 찾지 못했습니다. 아직 문서를 올리지 않으셨다면 메시지 창의 "
    "클립 버튼이나 문서 화면(/v1/collections)에서 올려 주세요. 그 내용으로 답해 드릴게요."
)
# A question that names documents itself: with nothing found, it is told so (not chatted)
ASKS_DOCUMENTS = re.compile(
    r"문서|자료|파일|규정|규칙|회의록|보고서|매뉴얼|지침|계약서|업로드|올린|올려\s*둔|사내|회사|"
    r"우리\s*(?:팀|부서)|연차|휴가|복지|수당|출장비|근무|document|policy",
    re.I,
)
_QUESTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        "무엇 뭐 며칠 무슨 어떤 어느 누구 누가 언제 어디 어디서 어떻게 왜 얼마 얼마나 몇 것 "
        "수 있어 있나 있나요 알려줘 알려 주세요 줘 해줘 찾아줘 찾아 문서 문서에서 "
        "나와 나온 내용 관련 업로드한 업로드 올린 사내 우리 회사 기준 "
        "뭐가 뭘 뭐야 뭐지 뭔지 뭔데 뭐예요 뭐에요 뭔가요",
    )
)
_PARTICLES = re.findall(
    r"\S+",
    "이에요 인가요 입니까 에서는 에게서 으로는 이라는 이라고 라는 에서 에게 으로 부터 까지 "
    "처럼 보다 하고 이나 인가 인지 이고 이야 이지 은 는 이 가 을 를 의 에 로 와 과 도 만 나 야 요",
)


def question_terms(question: str) -> list[str]:
    """The content words of a question (question words and particles gone)."""
    words = []
    for word in re.findall(r"[가-힣]+|[A-Za-z]+|\d+", question):
        for particle in _PARTICLES:
            if len(word) > len(particle) + 1 and word.endswith(particle):
                word = word[: -len(particle)]
                break
        if word not in _QUESTION_WORDS and len(word) >= 2:
            words.append(word)
    return words


def _bigrams(text: str) -> list[str]:
    flat = re.sub(r"\s+", "", text.lower())
    return [flat[i : i + 2] for i in range(len(flat) - 1)]


# Endings of condition or obligation: what the asker would do, not what the passage must say
# («반차 쓰려면 어떻게 해야 해?» asks of 반차, whose rule says «나누어 쓸 수 있으며»; «결혼하면»
# of 결혼). The word counts without them (쓰, 해: nothing). No KorQuAD dev-even decision changes
# (research harness over its 3,316 questions): office questions are put so, encyclopedia
# ones rarely.
_CONDITIONS = sorted(
    ("하려면", "려면", "해야", "어야", "아야", "워야", "하면", "되면", "으면"),
    key=len,
    reverse=True,
)


def _unconditioned(word: str) -> str:
    """`word` without an ending of `_CONDITIONS` ("" when under two letters remain)."""
    for ending in _CONDITIONS:
        if word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word if len(word) >= 2 else ""


# How a person asks against how a company's rules write it (a word starting so -> the rule's
# word): «부모님 돌아가시면» is the rule's «부모 사망 시», «부산 출장» a «광역시» one. Written by
# hand, for the support check only (which rule is quoted is not changed): no model or
# thesaurus in the registries covers office Korean, and a wrong entry costs a refusal at most
# where the rule's own word was asked.
_RULE_WORDS = {
    **dict.fromkeys(("돌아가시", "돌아가셨", "별세", "작고"), "사망"),
    **dict.fromkeys(("와이프", "아내", "남편", "집사람"), "배우자"),
    **dict.fromkeys(("부모님",), "부모"),
    **dict.fromkeys(("아들", "딸", "애들"), "자녀"),
    **dict.fromkeys(("장가", "시집"), "결혼"),
    **dict.fromkeys(("월급", "봉급"), "급여"),
    **dict.fromkeys(("부산", "대구", "인천", "광주", "대전", "울산"), "광역시"),
}


def _rule_word(word: str) -> str:
    """The rule's word for `word` (`_RULE_WORDS`), or `word`."""
    return next((v for k, v in _RULE_WORDS.items() if word.startswith(k)), word)


def support(question: str, passage: str) -> float:
    """How much of the question's content the passage holds: the share of its content
    words' character bigrams found in the passage (0..1); a verb's ending of condition or
    obligation (`_CONDITIONS`) is not content, and a word counts in the form a rule writes
    it when that is the one held (`_RULE_WORDS`)."""
    flat = re.sub(r"\s+", "", passage.lower())
    held = total = 0
    for word in question_terms(question):
        # the word as asked or as a rule writes it (`_RULE_WORDS`), whichever the passage holds
        forms = [_bigrams(f) for f in {_unconditioned(word), _unconditioned(_rule_word(word))} if f]
        if forms:
            grams = max(forms, key=lambda g: sum(x in flat for x in g) / len(g))
            held, total = held + sum(g in flat for g in grams), total + len(grams)
    return held / total if total else 0.0


def supports(question: str, hit: dict[str, Any]) -> bool:
    """Whether the best hit answers the question: its words (`support`) or its meaning (the
    search's e5 cosine, when it has one) are close enough."""
    cosine = hit.get("cosine")
    if cosine is not None and cosine >= COSINE_THRESHOLD:
        return True
    return support(question, hit["text"]) >= SUPPORT_THRESHOLD


# Nouns of a question that ask for a kind of answer rather than name what is asked about
# («…를 부르는 명칭은?», «…한 인물은?»): a passage answers them without the word.
_ANSWER_KINDS = frozenset(
    re.findall(
        r"\S+",
        "명칭 이름 인물 사람 요인 사건 학자 장소 시기 연도 나라 도시 기관 단체 방법 이유 "
        "역할 곳 때 해 날 정도 최대 최소 가장 현재 대해 관련 경우 누가 누구",
    )
)
# How often it is asked per (일주일에 몇 번, 하루에 몇 시간): a frame, as a counted 1년에 is,
# which a rule writes otherwise (주 2회, 1일 8시간)
_PERIODS = frozenset(re.findall(r"\S+", "하루 일주일 한주 한달 매일 매주 매달 매월 매년 연간 월간"))
# Question words with a particle or a noun grown on (무엇이라, 무엇만, 어느나라, 어느대학, 몇년)
_ASKING = ("몇", "무엇", "어느", "누구", "언제", "어디", "얼마", "어떤", "어떻", "것")
# Endings of verbs and adjectives (결혼하면, 받을, 쓰지, 지원돼): words that are no noun
_VERB_END = tuple("면야해어아서고지줘돼나까니요게을는은던된한할려록며도")
_VERB_END += tuple("겨운눠낸준자워봐쳐켜혀히거했었았였")
# 년에, 살에, 위를, 안에: a counter (after a number) or 안 with its particle, not a noun
_COUNTED = re.compile(r"[년월일살위번시분개명주달층배회차초안][에를을은는이가의도로]")


def key_terms(question: str) -> list[str]:
    """The nouns of a question that name what it asks about: content words less verbs,
    question words and words for the kind of answer (명칭, 인물, 때...)."""
    return [
        w
        for w in question_terms(question)
        if not w.endswith(_VERB_END)
        and not _COUNTED.fullmatch(w)
        and not w.startswith(_ASKING)
        and w not in _ANSWER_KINDS
        and w not in _PERIODS
        and not w.isdigit()
    ]


def _flat(hits: list[dict[str, Any]]) -> str:
    return re.sub(r"\s+", "", " ".join(str(h.get("text") or "") for h in hits).lower())


def missing_terms(question: str, hits: list[dict[str, Any]]) -> list[str]:
    """The question's key nouns that none of the hits holds (a word counts as held when its
    first two letters are there: 조부모님 is held by 조부모)."""
    found = _flat(hits)
    missing = [
        w
        for w in key_terms(question)
        if w.lower()[:2] not in found and _rule_word(w).lower()[:2] not in found
    ]
    return list(dict.fromkeys(missing))


def off_the_documents(question: str, hits: list[dict[str, Any]]) -> bool:
    """Whether the hits hold none of the question's key nouns: «무지개는 왜 생겨?» over a
    company's rules is not a question about them (the search only returned its nearest)."""
    terms = key_terms(question)
    return bool(terms) and len(missing_terms(question, hits)) == len(dict.fromkeys(terms))


def on_topic(question: str, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The best hit and the other hits that share a key noun of the question with it: the
    passages about what the best one is about («소토마요르 2» beside «소토마요르 1»), not
    another article that happens to hold one of the question's words."""
    if not hits:
        return []
    best = _flat(hits[:1])
    shared = [w.lower()[:2] for w in key_terms(question) if w.lower()[:2] in best]
    others = [(h, _flat([h])) for h in hits[1:]]
    return [hits[0]] + [h for h, flat in others if any(w in flat for w in shared)]


# Nouns that name kinds of one thing in company rules, one of which excludes the others
# (a rule for 국내 출장 says nothing of 해외 출장). Written by hand: which qualifiers exclude
# each other is not in the words (부산 출장 is a 국내 출장, 해외 출장 is not).
CONTRASTS = [
    frozenset(group.split())
    for group in (
        "국내 해외 국외",
        "본사 지사 지점",
        "정규직 계약직 비정규직 임시직 파견직 인턴",
        "신입 경력",
        "평일 주말 휴일 공휴일",
        "주간 야간 심야",
        "오전 오후",
        "상반기 하반기",
        "유급 무급",
        "대면 비대면",
        "내국인 외국인",
        "당일 숙박",
        "임원 직원",
    )
]


def qualified_otherwise(missing: str, question: str, text: str) -> bool:
    """Whether `text` qualifies the noun the question qualifies by `missing` with a noun that
    excludes it (`CONTRASTS`): «해외 출장 일비» asked, «국내 출장 시 … 일비» found, so the
    text is about another kind of the thing. Only bare nouns written right before the noun
    count («정산: 출장을» and «가는 출장» do not)."""
    group = next((g for g in CONTRASTS if missing in g), None)
    after = re.search(rf"(?<![가-힣]){re.escape(missing)}\s+([가-힣A-Za-z]+)", question)
    if group is None or not after:
        return False
    head = next(iter(question_terms(after[1])), "")
    if len(head) < 2:
        return False
    before = re.findall(rf"([가-힣]{{2,}})\s+{re.escape(head[:2])}", text)
    return any(w != missing and w in group for w in before)


# «…는 얼마야?» asks for an amount (not «얼마나», «얼마 동안», «얼마 만에»): the quoted
# sentence must hold one, or it does not answer («뉘르부르크링의 입장료는 얼마야?» was
# answered with a sentence about a 1984 rebuild, 입장료 forgiven at a cosine of 0.887)
_ASKS_AMOUNT = re.compile(r"얼마(?!\s*(?:나|동안|만에|간|전|후|쯤\s*걸))")
_CURRENCY = r"(?:원|달러|유로|엔|파운드|마르크|위안|프랑|루블)"
_AMOUNT = re.compile(
    rf"\d[\d,.]*\s*(?:만|억|천|백)?\s*{_CURRENCY}|[$€£¥₩]\s*\d|무료"
    rf"|(?<![가-힣])(?:수|몇|[일이삼사오육칠팔구십백천만억])+\s*{_CURRENCY}"
)


def answers_amount(question: str, passage: str) -> bool:
    """False when the question asks how much and the sentence quoted from `passage` holds
    no amount of money (an amount, a currency, 무료); True otherwise."""
    if not _ASKS_AMOUNT.search(question):
        return True
    return bool(_AMOUNT.search(best_sentence(question, passage)))


# A question that asks whether (예/아니요) has no question word and ends in a verb's ending:
# «여름휴가를 쓰지 않으면 수당으로 받을 수 있어?», «재택근무 때 점심 식대도 지원돼?»
_QUESTION_WORD = re.compile(
    r"몇|무엇|뭐|뭔|뭘|무슨|어느|누구|누가|언제|어디|얼마|어떤|어떻|어떠|어찌|왜|며칠"
)
# a verb's last syllable (있어, 돼, 내줘, 받나, 되니, 할까, 되죠, 이야)
_ASKS_WHETHER_END = re.compile(r"[어아여해돼줘와봐워쳐나지니냐래까요야죠대데]\s*[?？]?\s*$")


def asks_whether(question: str) -> bool:
    """Whether `question` asks yes or no (no question word, a verb's ending last)."""
    return not _QUESTION_WORD.search(question) and bool(_ASKS_WHETHER_END.search(question))


def _quote_holds_the_question(question: str, passage: str) -> bool:
    """Whether the sentence `passage` would be quoted by holds one of the question's words:
    its first two letters and half its letter pairs (징병 제도 does not hold 모병제, whose 병제
    it shares)."""
    flat = re.sub(r"\s+", "", best_sentence(question, passage).lower())
    terms = [_stem(_unconditioned(t) or t).lower() for t in question_terms(question)]
    return any(t[:2] in flat and _held_share(t, flat) >= 0.5 for t in terms)


def supported(question: str, hits: list[dict[str, Any]]) -> bool:
    """Whether the hits answer the question: the best one `supports` it and the key nouns
    of the question are in the hits `on_topic` (one may be missing when the meaning is very
    close, unless the hits qualify its noun otherwise: `qualified_otherwise`). Only those
    hits: «증강현실 안경의 가격은?» found 가격 in another article's ticket prices and quoted
    a definition of 증강현실. A question of how much needs an amount in the quote
    (`answers_amount`).

    A missing noun is never forgiven in a question that asks whether (`asks_whether`): the
    noun is what it asks of, and a passage silent on it says neither yes nor no («여름휴가를
    쓰지 않으면 수당으로 받을 수 있어?» was answered with the 여름휴가 rule, which says nothing
    of 수당). And the sentence quoted must hold one of the question's words
    (`_quote_holds_the_question`): «모병제를 도입한 첫 나라는 어디야?» quoted a sentence on
    Japan's 징병 under an article titled 모병제, and nothing of the question. Neither changes
    a verdict on KorQuAD dev-even's 3,316 questions, answerable or not
    (research/doc_support_korquad.py).
    """
    if not hits or not supports(question, hits[0]):
        return False
    text0 = str(hits[0].get("text") or "")
    if not answers_amount(question, text0) or not _quote_holds_the_question(question, text0):
        return False
    missing = missing_terms(question, on_topic(question, hits))
    if not missing:
        return True
    text = " ".join(str(h.get("text") or "") for h in hits)
    if any(qualified_otherwise(m, question, text) for m in missing):
        return False
    cosine = hits[0].get("cosine")
    return len(missing) == 1 and (cosine or 0.0) >= MISSING_COSINE and not asks_whether(question)


# A line that ends like a sentence (punctuation, or a predicate's last syllable: 지급한다,
# 있음, 가능함, 됩니다요): a title or a heading («하비에르 소토마요르», «국내 출장비 지급 기준»)
# does not, and quoting one tells the reader nothing but the words of the question
SENTENCE_LIKE = re.compile(r"(?:[.!?。]|[다요음함임됨죠])[\"'」』)\]]*$")


def _held_share(term: str, flat: str) -> float:
    grams = _bigrams(term)
    return sum(g in flat for g in grams) / len(grams) if grams else 0.0


# Verb and adjective endings a question word loses before it is looked for in a sentence
# («설계한 사람은?» over «…아이클러의 설계를 바탕으로…»), longest first
_TAILS = sorted(
    re.findall(
        r"\S+",
        "하였던 하였나 하였는가 했었던 했던 했나 했는가 하는 하던 하게 하여 해서 하고 한 할 "
        "된 되는 되었던 되었나 되었는가 됐던 받은 받는 시킨 당한 였던 이었던 인",
    ),
    key=len,
    reverse=True,
)


def _stem(word: str) -> str:
    """`word` without a verb's ending (우승한 -> 우승), keeping at least two letters."""
    for tail in _TAILS:
        if word.endswith(tail) and len(word) - len(tail) >= 2:
            return word[: -len(tail)]
    return word


# A question of when (언제, 몇 년, 연도, 시기) is answered by a sentence with a date in it, one
# of how many or how much (몇, 얼마) by one with a number: such a sentence weighs one more
_ASKS_WHEN = re.compile(r"언제|몇\s*년|연도|년도|날짜|시기|며칠|몇\s*월|몇\s*일")
_DATE = re.compile(
    r"\d+\s*(?:년|월|일|시)|\d{4}|세기|[월화수목금토일]요일|오전|오후|정오|자정"
    r"|\d+\s*(?:주|개월|달)\s*(?:전|후|이내|안)"  # «사용 예정일 2주 전까지»: a deadline
)
_ASKS_COUNT = re.compile(r"몇|얼마")
_DIGIT = re.compile(r"\d")


# «재택근무는 일주일에 며칠까지 돼?» asks how often per week (a count, not a date) and is
# answered by the sentence that writes the same frame with a number («주 2회까지»), not by
# the ones with a time in them («17시까지 신청»): the question's frame, as rules write it,
# weighs half a word more in a sentence that holds a number, in a question of how many
# days or times (`_HOW_OFTEN`)
_FRAMES = [
    (
        re.compile(r"일주일|한\s*주|매주|주당"),
        re.compile(r"(?<![가-힣])(?:주|주당|일주일에|매주)\s*\d"),
    ),
    (
        re.compile(r"한\s*달|매달|매월|월간"),
        re.compile(r"(?<![가-힣])(?:월|한\s*달에|매달|매월)\s*\d"),
    ),
    (
        re.compile(r"매년|연간|일\s*년에|1\s*년에"),
        re.compile(r"(?<![가-힣])(?:연|1년에|매년)\s*\d"),
    ),
    (re.compile(r"하루|매일"), re.compile(r"(?<![가-힣])(?:하루|1일|매일)\s*\d")),
]


# how many days or times (not how much: «하루에 얼마» is asked of a price the rule may
# write per night, «1박에 10만 원»)
_HOW_OFTEN = re.compile(r"며칠|몇\s*(?:번|회|차례|일)")


def _frame(question: str) -> re.Pattern[str] | None:
    """How a sentence writes the period a question counts in («일주일에 며칠» → «주 2회»)."""
    return next((written for asked, written in _FRAMES if asked.search(question)), None)


def _answer_kind(question: str) -> re.Pattern[str] | None:
    """What a sentence that answers `question` must hold: a date, a number, or None (a
    count of days in a period, «일주일에 며칠», is a number, not a date)."""
    if _ASKS_WHEN.search(question) and not (_frame(question) and "며칠" in question):
        return _DATE
    return _DIGIT if _ASKS_COUNT.search(question) or "며칠" in question else None


@functools.lru_cache(maxsize=256)  # a «얼마» question reads it in `supported`, then quotes it
def best_sentence(question: str, passage: str) -> str:
    """`best_sentences`, as one quote."""
    return " ".join(best_sentences(question, passage))


# A Korean question ends with what it asks about: «…대회에서 5위를 한 카를로 타란하르트가
# 1년 전 세웠던 기록은?» asks of 타란하르트's record, not of the 대회 that opens it. Its first
# word weighs FIRST_TERM, the words after it more, up to 1 for the last two (the thing asked
# of and what is asked: «지방 출장 숙박비 한도는?» weighs 숙박비 as much as 한도, which the
# 식비 rule also says). A question of three words or fewer weighs them alike («근속하면
# 휴가가 더해져?» asks of 근속 as much as of 더해). Over KorQuAD dev-even the quote holds the
# gold 0.888 → 0.901, on either half of the articles (0.896 → 0.908, 0.882 → 0.895); the
# last word alone at 1 gave 0.902 and quoted the 식비 rule for 숙박비
# (research/best_sentence_idf.py).
FIRST_TERM = 0.3
FLAT_UP_TO = 3


def _positions(count: int) -> list[float]:
    if count <= FLAT_UP_TO:
        return [1.0] * count
    rising = [FIRST_TERM + (1 - FIRST_TERM) * i / (count - 2) for i in range(count - 1)]
    return [*rising, 1.0]


def best_sentences(question: str, passage: str) -> list[str]:
    """The passage's sentence that holds most of the question, each of the question's words
    weighed by how few of the passage's sentences hold it (BM25's IDF within the passage),
    a verb without its ending (우승한 is looked for as 우승), and a sentence holding the kind
    of answer asked for (a date for 언제, a number for 몇 or 얼마) one more:
    «여름휴가 신청은 언제까지?» over an article whose every sentence says 여름휴가 is answered
    by the one that says 신청. Two sentences that tie are both quoted. A title or heading
    line only when the passage has no sentence."""
    parts = [s.strip() for s in re.split(r"(?<=[.!?。])\s+|\n+", passage) if s.strip()]
    sentences = [p for p in parts if SENTENCE_LIKE.search(p)] or parts
    if not sentences:
        return [passage.strip()]
    flats = [re.sub(r"\s+", "", s.lower()) for s in sentences]
    terms = list(dict.fromkeys(_stem(_unconditioned(t) or t) for t in question_terms(question)))
    # a number is held with the counter the question gives it: «10년 근속하면» is not
    # answered by «출산 시 10일»
    counted = dict(re.findall(r"(\d+)\s*([가-힣])", question))
    terms = [t + counted[t] if t in counted else t for t in terms]
    shares = [
        [float(t in flat) if t[:1].isdigit() else _held_share(t, flat) for t in terms]
        for flat in flats
    ]
    n = len(sentences)
    df = [sum(row[i] >= 0.5 for row in shares) for i in range(len(terms))]
    idf = [math.log(1 + (n - d + 0.5) / (d + 0.5)) for d in df]
    weights = [w * p for w, p in zip(idf, _positions(len(terms)), strict=True)]
    scores = [sum(w * share for w, share in zip(weights, row, strict=True)) for row in shares]
    kind = _answer_kind(question)
    if kind is not None:  # «…평가단은 언제 만들어진 것인가?»: the sentence with its date
        scores = [s + bool(kind.search(text)) for s, text in zip(scores, sentences, strict=True)]
        frame = _frame(question) if _HOW_OFTEN.search(question) else None
        if frame is not None:  # «일주일에 며칠» and «주 2회»: half as much again
            scores = [
                s + 0.5 * bool(frame.search(t)) for s, t in zip(scores, sentences, strict=True)
            ]
    best = max(scores)
    tied = [i for i in range(n) if best > 0 and abs(scores[i] - best) < 1e-9][:2]
    # two sentences that hold the question equally («연차휴가는 최대 며칠?»: the first year's
    # «최대 11일» and the rule's «최대 25일») are both quoted, in the passage's order
    return [sentences[i] for i in tied] if tied else [sentences[scores.index(best)]]


# «연차는 며칠이야? 그리고 반차도 돼?»: two questions in one message, each its own sentence
_ASKED_APART = re.compile(r"[?？]\s*(?:그리고|또|그럼)?\s*|\s(?:그리고|또한)\s")
QUOTE_CHARS = 300  # of one question's quote; two questions' quotes have twice as much room


def asked_apart(question: str) -> list[str]:
    """The questions a message asks one after another (each with a key noun of its own),
    or the message alone."""
    parts = [p.strip() for p in _ASKED_APART.split(question) if p and p.strip()]
    parts = [p for p in parts if key_terms(p)]
    return parts if len(parts) > 1 else [question]


def quote_for(question: str, passage: str) -> str:
    """`best_sentence` of each question the message asks (`asked_apart`), in the passage's
    order: «연차는 며칠이야? 그리고 반차도 돼?» quotes the 15일 rule and the 반차 rule, not
    the 반차 rule alone."""
    asked = asked_apart(question)
    found = list(dict.fromkeys(s for q in asked for s in best_sentences(q, passage)))
    found.sort(key=lambda sentence: passage.find(sentence))
    shown: list[str] = []
    for sentence in found:  # a second sentence of the same article is not headed again
        headed = _with_article(sentence, passage)
        same = shown and headed.split(" … ")[0] in shown[-1] and headed != sentence
        shown.append(sentence if same else headed)
    quote = " ".join(shown)
    room = QUOTE_CHARS * min(2, len(found))
    return quote if len(quote) <= room else quote[:room] + "…"


# An article of a company's rules: «제2조 (여름휴가)»
_ARTICLE = re.compile(r"제\s*\d+\s*조(?:의\s*\d+)?\s*(?:\([^)\n]{1,30}\))?")


def _with_article(sentence: str, passage: str) -> str:
    """`sentence` with the heading of the article it stands in when it does not say it
    itself: «신청은 사용 예정일 2주 전까지 부서장에게 한다.» is 제2조 (여름휴가)'s, and quoted
    alone it read as the answer to «연차 신청은 어떻게 해?»."""
    at = passage.find(sentence)
    if at < 0 or _ARTICLE.match(sentence):
        return sentence
    headings = [m for m in _ARTICLE.finditer(passage, 0, at) if m.group().strip()]
    if not headings:
        return sentence
    heading = headings[-1]
    between = passage[heading.end() : at]
    if "\n\n" in between.strip("\n") or not heading.group().rstrip().endswith(")"):
        return sentence  # a heading of another part, or a mention in passing (제3조에 따라)
    return f"{heading.group().strip()} … {sentence}"


def _answer(question: str, hits: list[dict[str, Any]]) -> str:
    if not hits[0]["supported"]:
        return OFF_DOCUMENTS_KO if off_the_documents(question, hits) else NOT_FOUND_KO
    c = hits[0]["citation"]
    where = c["document_name"] + (f" {c['page']}쪽" if c.get("page") else "")
    quote = quote_for(question, hits[0]["text"])
    return f'{where}에 따르면 "{quote}" [1]'


_QUOTED = re.compile(r'에 따르면 "(.*)" \[1\]$', re.S)


def quoted(answer: str) -> str:
    """The sentence(s) an answer of `_answer` quotes, without the document's name (whose
    «1» in «모병제 1.txt» is no ground for a number); "" for any other answer."""
    found = _QUOTED.search(answer)
    return found.group(1) if found else ""


def parse(utterance: str) -> dict[str, Any] | None:
    return {"query": utterance.strip()} if utterance.strip() else None


@skill(
    "search_documents",
    examples=(
        "우리 회사 휴가 규정에서 연차는 며칠이야?",
        "업로드한 문서에서 계약 기간 찾아줘",
        "사내 문서에 출장비 기준이 어떻게 돼 있어?",
        "회의록에서 다음 회의 날짜 찾아줘",
        "문서에 나온 프로젝트 예산 알려줘",
        "취업 규칙에 재택근무 관련 내용 있어?",
        "find the refund policy in our documents",
        "보고서에서 매출 관련 부분 찾아줘",
    ),
    parser=parse,
)
async def search(
    query: str, context: SkillContext, collection: str | None = None, top_k: int = 3
) -> SkillResult:
    """Search the user's own documents (their collections) and return the passages with
    their sources.

    Args:
        query: What to look for, in the user's words.
        collection: The collection to search; omit to search all of the user's collections.
        top_k: How many passages to return (1-10).
    """
    if context.documents is None:
        raise SkillArgumentError("search_documents: document search is not available here")
    if not 1 <= top_k <= 10:
        raise SkillArgumentError("search_documents: top_k is 1 to 10", param="top_k")
    found = await context.documents.search(context.owner, collection, query, top_k)
    if not found:
        return SkillResult(NO_DOCUMENTS_KO, [], answer=NO_DOCUMENTS_KO)
    cards = [h.card() for h in found]
    answered = supported(query, cards)
    hits = [
        {**card, "support": round(support(query, h.text), 3), "supported": answered}
        for h, card in zip(found, cards, strict=True)
    ]
    answer = _answer(query, hits)
    if answer == OFF_DOCUMENTS_KO:  # the nearest passages are about something else: not shown
        return SkillResult(OFF_DOCUMENTS_KO, hits, answer=answer)
    lines = []
    for n, hit in enumerate(found, start=1):
        where = hit.document_name + (f" p.{hit.page}" if hit.page else "")
        lines.append(f"[{n}] ({where}) {hit.text}")
    return SkillResult("\n\n".join(lines), hits, answer=answer)
