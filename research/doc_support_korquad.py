"""How often does the skill's "the documents answer it" rule (`documents.supported`) keep an
answerable KorQuAD question and refuse an unanswerable one, at the scale of a whole split?

The collection is `bench/retrieval.py`'s (KorQuAD dev-even, 575 paragraphs of 140 articles,
ingested with `--db`; its query vectors reused from the `.queries.npz` beside it). Each of
the 3,316 questions is searched twice with the real hybrid `retrieve` (top 3, as the skill
asks): over the whole collection (answerable: its paragraph is there) and over every document
but its own article's (unanswerable: the nearest passages are about something else, often a
close subject, as KorQuAD's articles come in related runs). Each row prints the share kept and
refused; `--save` keeps every verdict, so two versions of the rule compare question by
question (`--compare OLD NEW`).

Usage: python -m research.doc_support_korquad [--db build/bench-retrieval-q4.db] [--save v.json]
       python -m research.doc_support_korquad --compare old.json new.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.retrieval import DATA, load, query_vectors
from haneul.knowledge.library import DocumentFilters, Library
from haneul.knowledge.retrieve import retrieve
from haneul.skills.builtin.documents import supported
from haneul.store.db import connect


def verdicts(db: Path) -> list[dict[str, object]]:
    _, queries, articles = load(DATA)
    vectors, _ = query_vectors(None, [q for q, _ in queries], db)
    library = Library(connect(db))
    (collection_id,) = [
        r[0] for r in library.conn.execute("SELECT DISTINCT collection_id FROM chunks")
    ]
    paragraph_of = {d.id: int(d.name[1:5]) for d in library.documents(collection_id)}
    outside: dict[int, DocumentFilters] = {}
    for article in set(articles):
        ids = [d for d, p in paragraph_of.items() if articles[p] != article]
        outside[article] = DocumentFilters(document_ids=ids)
    rows = []
    for n, (question, gold) in enumerate(queries):
        row: dict[str, object] = {"question": question}
        for kind, filters in (("answerable", None), ("unanswerable", outside[articles[gold]])):
            hits = retrieve(
                library, collection_id, question, vectors.__getitem__, top_k=3, filters=filters
            )
            cards = [{"text": h.text, "cosine": h.cosine} for h in hits]
            row[kind] = supported(question, cards)
            if kind == "answerable":
                row["gold_first"] = bool(hits) and paragraph_of[hits[0].document.id] == gold
        rows.append(row)
        if n % 500 == 0:
            print(f"{n}/{len(queries)}", flush=True)
    return rows


def report(rows: list[dict[str, object]]) -> None:
    kept = sum(bool(r["answerable"]) for r in rows) / len(rows)
    kept_gold = [bool(r["answerable"]) for r in rows if r["gold_first"]]
    refused = sum(not r["unanswerable"] for r in rows) / len(rows)
    print(
        f"{len(rows)} questions: answerable kept {kept:.3f} "
        f"({sum(kept_gold) / len(kept_gold):.3f} where the gold paragraph is the best hit), "
        f"unanswerable refused {refused:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-q4.db"))
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path, nargs=2)
    args = parser.parse_args()
    if args.compare:
        old, new = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        for name, rows in (("old", old), ("new", new)):
            print(name, end=": ")
            report(rows)
        for kind in ("answerable", "unanswerable"):
            flips = [(a["question"], a[kind], b[kind]) for a, b in zip(old, new, strict=True)]
            flips = [f for f in flips if f[1] != f[2]]
            print(f"{kind}: {len(flips)} changed")
            for question, was, now in flips[:40]:
                verdict = ("refused", "kept")
                print(f"  {verdict[was]} -> {verdict[now]}: {question}")
        return
    rows = verdicts(args.db)
    report(rows)
    if args.save:
        args.save.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
