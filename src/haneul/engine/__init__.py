"""The model runtime. The engine knows nothing of HTTP: it takes OpenAI-shaped request dicts
(already validated by the caller) and returns OpenAI-shaped response dicts or chunk streams.

`Backend` is the one seam; `llamacpp`, `upstream`, `e5` and `echo` implement it, and the
`ModelManager` loads them from the `Catalog` by name.
"""

from haneul.engine.protocol import Backend, Capability, EmbeddingResult

__all__ = ["Backend", "Capability", "EmbeddingResult"]
