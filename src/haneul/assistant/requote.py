"""A document answer quoted again from the sentence that holds what the model read.

The documents skill quotes the sentence of the best hit that shares most of the question's
words (`documents.best_sentence`), and the model's explanation is kept only if it restates
that quote. On KorQuAD questions the answer is often in another sentence of the passages
the model was given: «뉘르부르크링 첫 레이스에서 우승한 인물은?» quoted «…최초 레이스에는
만오천명의 관객이 모였다.», and the model wrote «문서 [1]에 따르면 Čeněk Junek입니다.», right,
but the reader could not check it, so it was dropped. Here the system looks for one sentence
of the hits that holds everything the explanation says and enough of the question
(`MIN_OF_BEST`, `MIN_SUPPORT`), and quotes it
too, with its own hit's number: the model adds where to look, the quote stays the
document's own words.
"""

from __future__ import annotations

from typing import Any

from haneul.assistant.compose import Composed, explain
from haneul.skills.builtin.documents import (
    passage_sentences,
    quote_answer,
    sentence_scores,
    support,
)

# A sentence is quoted for the question only if it holds at least half of what the
# passage's best sentence holds of it (`documents.sentence_scores`: question words weighed
# by how few sentences hold them) and some of its words (`documents.support`): a model that
# says «10일입니다» for the summer leave must not get «배우자 출산 시 10일의 경조사 휴가…»
# quoted, while «첫 레이스의 우승은 … Čeněk Junek이 차지하였다» may be, beside a sentence
# that names 뉘르부르크링 (every sentence of that article does)
MIN_OF_BEST = 0.5
MIN_SUPPORT = 0.2


def requoted(
    model_text: str,
    *,
    question: str,
    hits: list[dict[str, Any]],
    prompts: list[str],
    markers: int,
) -> Composed | None:
    """The answer quoting the sentence of `hits` (numbered from 1, as the model saw them)
    that holds the whole of the model's explanation, the explanation kept after it; None
    when no sentence close enough to the question holds it."""
    candidates = []
    for n, hit in enumerate(hits, start=1):
        sentences = passage_sentences(str(hit.get("text") or ""))
        scores = sentence_scores(question, sentences) if sentences else []
        best = max(scores, default=0.0)
        candidates += [
            (score / best, -n, sentence, hit)
            for score, sentence in zip(scores, sentences, strict=True)
            if best > 0
            and score / best >= MIN_OF_BEST
            and support(question, sentence) >= MIN_SUPPORT
        ]
    candidates.sort(key=lambda c: (-c[1], -c[0]))  # the first hit first, its best first
    for _, negative_n, sentence, hit in candidates:
        answer = quote_answer(hit, sentence, -negative_n)
        composed = explain(
            answer,
            model_text,
            question=question,
            grounds=[sentence],
            prompts=prompts,
            markers=markers,
            documents=True,
        )
        if composed.explanation == "kept":
            return composed
    return None
