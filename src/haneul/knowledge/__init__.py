"""Document search: Korean morphology, a persisted lexical + vector index, hybrid retrieval.

Status: the retrieval core (this package) and its benchmark exist; loaders, collections,
the REST API and the CLI are still to come. `knowledge` calls `store` for persistence and
the e5 model through `engine`; it knows nothing of HTTP.
"""
