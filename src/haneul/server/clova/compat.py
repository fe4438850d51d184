"""CLOVA Studio's extras on the OpenAI-compatible path (`/v1/openai/...`, and accepted on
`/v1/...` too), each answered by one documented rule (docs/clova.md):

- `repeat_penalty` (CLOVA v1's scale, (0, 10], default 5.0) becomes the engine's
  `repetition_penalty` (a multiplicative factor, 1.0 = none) as `1 + repeat_penalty / 50`, so
  v1's default 5.0 is v3's default 1.1; an explicit `repetition_penalty` wins.
- `reasoning_effort` / `thinking.effort` other than "none": the local models have no reasoning
  mode; the request is answered without a thinking trace and the reply carries the header
  `X-Haneul-Unsupported` saying so (never a 400).
- `dimensions` on embeddings: equal to the model's size, unchanged; below it, the first
  `dimensions` components renormalised to unit length (Matryoshka-style; multilingual-e5-small
  was not trained for it, so quality drops with the size); above it, on CLOVA's path, zero-padded
  (dot products and cosine similarities unchanged, so `ClovaXEmbeddings`' default of 1024 works
  on the 384-dimensional e5 model and fills a 1024-wide vector column), elsewhere a 400.
"""

from __future__ import annotations

import math

from haneul.errors import InvalidRequestError

UNSUPPORTED_HEADER = "X-Haneul-Unsupported"


def repetition_penalty(repeat_penalty: float) -> float:
    """CLOVA v1's `repeat_penalty` on the engine's multiplicative scale."""
    return 1.0 + repeat_penalty / 50.0


def reasoning_notice(reasoning_effort: str | None, thinking_effort: str | None) -> str | None:
    """The header text for a request that asked for reasoning, or None."""
    effort = reasoning_effort or thinking_effort
    if effort in (None, "none"):
        return None
    return (
        f"reasoning_effort={effort}: this model has no reasoning mode; "
        "answered without thinking_content"
    )


def fit_dimensions(
    vectors: list[list[float]], dimensions: int | None, model: str, *, pad: bool
) -> list[list[float]]:
    """`vectors` at `dimensions` components by the rule in the module docstring."""
    size = len(vectors[0]) if vectors else 0
    if dimensions is None or dimensions == size:
        return vectors
    if dimensions < size:
        return [_unit(v[:dimensions]) for v in vectors]
    if pad:
        return [v + [0.0] * (dimensions - size) for v in vectors]
    raise InvalidRequestError(
        f"model '{model}' gives {size} dimensions, not {dimensions} "
        f"(dimensions may be at most {size})",
        param="dimensions",
    )


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else vector
