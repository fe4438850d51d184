"""Topic segmentation of Korean text: where a text moves from one subject to the next.

Sentences come from Kiwi (`korean.sentences`, which needs no punctuation) and each gets an
e5 vector. Between every two neighbouring sentences the gap's similarity is the cosine of
the mean vectors of the `WINDOW` sentences on either side; a boundary stands in a valley of
that curve. As in TextTiling (Hearst, 1997), a valley's depth is how far the curve climbs
back on both sides, (left peak - gap) + (right peak - gap), and a gap is a boundary when
it is a local minimum and its depth exceeds `mean + (BIAS - alpha) * std` of all the gaps'
depths: a larger `alpha` gives more segments, as CLOVA's `alpha` does. With a wanted
number of segments the deepest valleys are taken instead. `bench/clova_tools.py` measures
it (boundary F1 on KorQuAD paragraphs of different articles put end to end) against
fixed-length splitting and the same valley rule on word counts (TextTiling's own).

The similarity curve is an input (`boundaries` takes any), so the bench runs the lexical
peer through the same rule. Post-processing merges segments shorter than a minimum into
their more similar neighbour and splits those longer than a maximum at sentence ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from haneul.knowledge import korean

WINDOW = 2  # sentences averaged on each side of a gap
BIAS = 1.25  # standard deviations above the mean depth at alpha 0 (bench/clova_tools.py --sweep)
AUTO_ALPHA = -100.0  # CLOVA's "choose for me": the default rule
EMBED_CHARS = 400  # a sentence is cut to this many characters for its vector (e5 reads 512 tokens)


@dataclass(frozen=True)
class Segmentation:
    sentences: list[str]
    segments: list[list[int]]  # sentence indices, in order, one list per segment
    tokens: int  # the e5 tokens read


def split_sentences(text: str) -> list[str]:
    """The text's sentences, stripped, empty ones dropped."""
    spans = korean.sentences(text)
    return [s for s in (text[a:b].strip() for a, b in spans) if s]


def sentence_vectors(sentences: Sequence[str]) -> tuple[np.ndarray, int]:
    """Unit e5 vectors of the sentences (as queries: e5's form for symmetric similarity)
    and the tokens read."""
    from haneul.engine.e5 import MODEL_LOCK, shared_model

    cut = [s[:EMBED_CHARS] for s in sentences]
    model = shared_model()
    with MODEL_LOCK:
        tokens = sum(int(model.token_count(s, True)) for s in cut)
        matrix = np.asarray(model.encode(cut, True), dtype=np.float32)
    return matrix.reshape(len(cut), -1), tokens


def gap_similarities(vectors: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """For each gap i (between sentence i and i + 1), the cosine of the mean vectors of the
    `window` sentences before it and after it."""
    n = len(vectors)
    sims = np.zeros(max(n - 1, 0), dtype=np.float64)
    for i in range(n - 1):
        left = vectors[max(0, i - window + 1) : i + 1].mean(axis=0)
        right = vectors[i + 1 : i + 1 + window].mean(axis=0)
        norm = float(np.linalg.norm(left) * np.linalg.norm(right))
        sims[i] = float(left @ right) / norm if norm > 0 else 0.0
    return sims


def depths(sims: np.ndarray) -> np.ndarray:
    """TextTiling's depth of each gap: the climb to the highest point on either side before
    the curve turns down again."""
    out = np.zeros_like(sims)
    for i, s in enumerate(sims):
        left = s
        for j in range(i - 1, -1, -1):
            if sims[j] < left:
                break
            left = sims[j]
        right = s
        for j in range(i + 1, len(sims)):
            if sims[j] < right:
                break
            right = sims[j]
        out[i] = (left - s) + (right - s)
    return out


def boundaries(sims: np.ndarray, *, alpha: float = 0.0, count: int = -1) -> list[int]:
    """The gaps (indices into `sims`) that end a segment. `count` > 0 asks for that many
    segments (the deepest valleys); otherwise the threshold rule of the module docstring."""
    if len(sims) == 0:
        return []
    depth = depths(sims)
    valleys = [
        i
        for i in range(len(sims))
        if (i == 0 or sims[i] <= sims[i - 1]) and (i == len(sims) - 1 or sims[i] <= sims[i + 1])
    ]
    if count > 0:
        chosen = sorted(valleys, key=lambda i: -depth[i])[: count - 1]
        if len(chosen) < count - 1:  # fewer valleys than asked: the deepest other gaps
            rest = [i for i in np.argsort(-depth, kind="stable") if i not in chosen]
            chosen += [int(i) for i in rest[: count - 1 - len(chosen)]]
        return sorted(chosen)
    if alpha == AUTO_ALPHA:
        alpha = 0.0
    threshold = float(depth.mean() + (BIAS - alpha) * depth.std())
    return [i for i in valleys if depth[i] > threshold and depth[i] > 0]


def segments_from(n: int, cuts: Sequence[int]) -> list[list[int]]:
    """Sentence indices per segment, for `n` sentences cut after the gaps `cuts`."""
    out: list[list[int]] = []
    start = 0
    for gap in sorted(cuts):
        out.append(list(range(start, gap + 1)))
        start = gap + 1
    out.append(list(range(start, n)))
    return [s for s in out if s]


def post_process(
    sentences: Sequence[str],
    segments: list[list[int]],
    sims: np.ndarray,
    *,
    min_size: int,
    max_size: int,
) -> list[list[int]]:
    """Segments of about `min_size`..`max_size` characters: a short one joins the neighbour
    it is more similar to (the higher gap similarity), a long one is cut at sentence ends.
    A single sentence longer than `max_size` stays whole."""
    merged = [list(s) for s in segments]
    while len(merged) > 1 and min_size > 0:
        sizes = [sum(len(sentences[i]) for i in seg) for seg in merged]
        short = [k for k, z in enumerate(sizes) if z < min_size]
        if not short:
            break
        k = min(short, key=lambda j: sizes[j])
        before = sims[merged[k][0] - 1] if k > 0 else -np.inf
        after = sims[merged[k][-1]] if k < len(merged) - 1 else -np.inf
        into = k - 1 if before >= after else k + 1
        lo, hi = sorted((k, into))
        merged[lo : hi + 1] = [merged[lo] + merged[hi]]
    out: list[list[int]] = []
    for seg in merged:
        piece: list[int] = []
        chars = 0
        for i in seg:
            if piece and chars + len(sentences[i]) > max_size:
                out.append(piece)
                piece, chars = [], 0
            piece.append(i)
            chars += len(sentences[i])
        out.append(piece)
    return out


def segment(
    text: str,
    *,
    alpha: float = 0.0,
    count: int = -1,
    post: tuple[int, int] | None = None,
) -> Segmentation:
    """`text` in topic segments; `post` = (min, max) characters asks for post-processing."""
    return segment_sentences(split_sentences(text), alpha=alpha, count=count, post=post)


def segment_sentences(
    sentences: list[str],
    *,
    alpha: float = 0.0,
    count: int = -1,
    post: tuple[int, int] | None = None,
) -> Segmentation:
    """Sentences already split, in topic segments (as `segment`)."""
    if len(sentences) < 2:
        return Segmentation(sentences, [list(range(len(sentences)))] if sentences else [], 0)
    vectors, tokens = sentence_vectors(sentences)
    sims = gap_similarities(vectors)
    segments = segments_from(len(sentences), boundaries(sims, alpha=alpha, count=count))
    if post is not None:
        segments = post_process(sentences, segments, sims, min_size=post[0], max_size=post[1])
    return Segmentation(sentences, segments, tokens)
