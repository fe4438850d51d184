"""Prometheus metrics, one registry per app (so tests can run several apps in a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "haneul_requests", "HTTP requests by route and status", ["route", "status"], registry=r
        )
        self.duration = Histogram(
            "haneul_request_duration_seconds",
            "Request duration",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.ttft = Histogram(
            "haneul_time_to_first_token_seconds",
            "Time to the first streamed token",
            ["model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.prompt_tokens = Counter(
            "haneul_prompt_tokens", "Prompt tokens processed", ["model"], registry=r
        )
        self.completion_tokens = Counter(
            "haneul_completion_tokens", "Tokens generated", ["model"], registry=r
        )
        self.inflight = Gauge(
            "haneul_inflight_generations", "Generations running now", ["model"], registry=r
        )
        self.rate_limited = Counter(
            "haneul_rate_limited", "Requests refused with 429", ["code"], registry=r
        )
        self.queued = Gauge(
            "haneul_queued_requests", "Requests waiting for a generation slot", registry=r
        )
        self.disconnects = Counter(
            "haneul_client_disconnects", "Streams whose client went away", ["model"], registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def count_usage(self, model: str, usage: dict[str, int] | None) -> None:
        if usage:
            self.prompt_tokens.labels(model).inc(usage.get("prompt_tokens", 0))
            self.completion_tokens.labels(model).inc(usage.get("completion_tokens", 0))
