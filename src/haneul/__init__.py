"""Haneul (하늘): a self-hosted, Korean-first LLM platform."""

__version__ = "0.1.0"
