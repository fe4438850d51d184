"""The HTTP server: FastAPI app factory, OpenAI-compatible routes, keys, limits, metrics.

The server knows nothing of llama.cpp: it validates requests, admits them through the
per-key limiter, and hands OpenAI-shaped dicts to a `Backend` from the `ModelManager`.
"""
