"""Serving benchmark: Haneul against llama.cpp's own `llama-server`, measured in one run.

For concurrency 1, 4, 8 and 16 it streams chat completions (fixed length: `ignore_eos`) and
reports aggregate generated tokens/s and time to first token (p50/p95) for:

- peer:   llama.cpp's `llama-server`, built from its public source outside this repository
          (see docs/benchmarks.md for the build), same model, threads, slots and context;
- haneul: `haneul serve` over HTTP, the product;
- engine: Haneul's llama.cpp backend in-process, no HTTP, to isolate the server's overhead;
- before: with `--before REF`, `haneul serve` from an older commit (a temporary `git worktree`
          outside the repository, removed afterwards), same virtualenv, model and settings, so a
          refactor can be shown not to slow serving down (same run, before vs after).

The peer is optional: without a `llama-server` binary it is left out. The systems take
turns at each level, in rotating order, several times, and the medians are
reported, so a change in machine load hits all of them.
Usage: python -m bench.serve [--peer PATH] [--before REF] [--no-engine] [--model NAME]
       [--levels 1 4 8] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.report import write_section
from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from haneul.engine.llamacpp import LlamaCppBackend, LlamaCppOptions

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (1, 4, 8, 16)
PROMPTS = [
    "Explain how a bicycle works.",
    "Write a story about a lighthouse keeper.",
    "Describe the water cycle.",
    "What makes a good cup of coffee?",
    "Tell me about the history of Seoul.",
    "How do airplanes fly?",
    "Describe a day at the beach.",
    "Why is the sky blue?",
]
Stream = Callable[[dict[str, Any]], AsyncIterator[dict[str, Any]]]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not become ready")


def http_stream(base: str) -> Stream:
    # No keep-alive: a pooled connection the server closed while idle fails a POST.
    limits = httpx.Limits(max_keepalive_connections=0)
    client = httpx.AsyncClient(base_url=base, timeout=600, limits=limits)

    async def stream(body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async with client.stream("POST", "/v1/chat/completions", json=body) as res:
            res.raise_for_status()
            async for line in res.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    yield json.loads(line[6:])

    return stream


async def one_request(stream: Stream, body: dict[str, Any]) -> tuple[float, int]:
    start = time.perf_counter()
    ttft, tokens = None, 0
    async for chunk in stream(body):
        for choice in chunk.get("choices", []):
            if choice.get("delta", {}).get("content"):
                tokens += 1
                ttft = ttft or time.perf_counter() - start
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
    return ttft or float("nan"), tokens


async def run_level(
    stream: Stream, model: str, concurrency: int, max_tokens: int, rounds: int, tag: str = ""
) -> dict[str, float]:
    ttfts: list[float] = []
    total_tokens, wall = 0, 0.0
    for r in range(rounds):
        bodies = [
            {
                "model": model,
                "messages": [{"role": "user", "content": f"{PROMPTS[i % 8]} ({tag}{r}-{i})"}],
                "max_tokens": max_tokens,
                "temperature": 0.8,
                "seed": i,
                "ignore_eos": True,
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            for i in range(concurrency)
        ]
        start = time.perf_counter()
        results = await asyncio.gather(*(one_request(stream, b) for b in bodies))
        wall += time.perf_counter() - start
        ttfts += [t for t, _ in results]
        total_tokens += sum(n for _, n in results)
    ttfts.sort()
    return {
        "tok_s": total_tokens / wall,
        "ttft_p50": statistics.median(ttfts) * 1000,
        "ttft_p95": ttfts[min(len(ttfts) - 1, int(0.95 * len(ttfts)))] * 1000,
    }


def rss_mib(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def find_peer(peer: str) -> str | None:
    """The llama-server binary, or None when it is not built (the peer is then left out)."""
    if os.sep in peer:
        return peer if os.access(peer, os.X_OK) else None
    return shutil.which(peer)


@contextmanager
def before_tree(ref: str) -> Iterator[tuple[Path, str]]:
    """A temporary `git worktree` of REF outside the repository, removed on exit."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{ref}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    path = Path(tempfile.mkdtemp(prefix="haneul-before-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), commit],
        check=True,
    )
    try:
        yield path, commit
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False
        )
        shutil.rmtree(path.parent, ignore_errors=True)


def start_haneul(src: Path, env: dict[str, str], home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`haneul serve` importing the package from SRC (same virtualenv), on a free port."""
    port = free_port()
    Catalog(Settings(home=home)).add(
        ModelEntry(name="echo", kind="echo", task="chat", source="bench")
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", "from haneul.cli.main import app; app()", "serve"],
        env={**env, "PYTHONPATH": str(src), "HANEUL_HOME": str(home), "HANEUL_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def start_peer(
    binary: str, path: Path, name: str, args: argparse.Namespace
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    flags = ["-t", str(args.threads), "-tb", str(args.threads), "-np", str(args.parallel)]
    proc = subprocess.Popen(
        [binary, "-m", str(path), "--port", str(port), "--host", "127.0.0.1", *flags,
         "-c", str(args.ctx_size * args.parallel), "--no-webui", "-a", name, "--log-disable"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


async def interleave(
    systems: dict[str, Stream], model: str, args: argparse.Namespace
) -> dict[str, dict[int, dict[str, float]]]:
    """Each level: every system in turn, in rotating order, `repeat` times; medians kept."""
    for stream in systems.values():  # warm-up: load pages, fill caches
        await run_level(stream, model, 2, 8, 1)
    table: dict[str, dict[int, dict[str, float]]] = {name: {} for name in systems}
    names = list(systems)
    for level in args.levels:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        for rep in range(args.repeat):
            order = names[rep % len(names) :] + names[: rep % len(names)]  # rotate
            for name in order:
                await asyncio.sleep(1)  # let the last system's threads go idle
                rounds = max(1, args.requests // (level * args.repeat))
                runs[name].append(
                    await run_level(systems[name], model, level, args.max_tokens, rounds, f"{rep}/")
                )
        for name in names:
            table[name][level] = {
                key: statistics.median(r[key] for r in runs[name]) for key in runs[name][0]
            }
            print(f"c={level:<3} {name:<7} {table[name][level]} {runs[name]}", file=sys.stderr)
    return table


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(home=Path(tempfile.mkdtemp(prefix="haneul-bench-")))
    catalog = Catalog(settings)
    entry = catalog.resolve(args.model)
    path = catalog.model_path(entry)
    env = {
        **os.environ,
        "HANEUL_THREADS": str(args.threads),
        "HANEUL_PARALLEL": str(args.parallel),
        "HANEUL_CTX_SIZE": str(args.ctx_size),
        "HANEUL_DEFAULT_MODEL": entry.name,
        "HANEUL_LOG_LEVEL": "warning",
        "HANEUL_RATE_LIMIT_RPM": "100000",
        "HANEUL_MAX_CONCURRENT": "64",
    }
    result: dict[str, Any] = {"model": entry.name, "args": vars(args), "rss": {}}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    engine = None
    with ExitStack() as stack:
        peer = find_peer(args.peer)
        if peer:
            procs["peer"], urls["peer"] = start_peer(peer, path, entry.name, args)
        else:
            print(f"no llama-server at {args.peer!r}: the peer is left out", file=sys.stderr)
        if args.before:
            tree, result["before"] = stack.enter_context(before_tree(args.before))
            procs["before"], urls["before"] = start_haneul(
                tree / "src", env, settings.home / "before"
            )
        procs["haneul"], urls["haneul"] = start_haneul(ROOT / "src", env, settings.home)
        try:
            for name, proc in procs.items():
                wait_ready(urls[name], proc)
            systems: dict[str, Stream] = {name: http_stream(urls[name]) for name in procs}
            if args.engine:
                options = LlamaCppOptions(
                    threads=args.threads, parallel=args.parallel, ctx_size=args.ctx_size
                )
                engine = LlamaCppBackend(entry.name, path, options)
                await engine.start()
                systems["engine"] = engine.stream_chat
            result["table"] = await interleave(systems, entry.name, args)
            # The server's own cost: the same HTTP path with a backend that does no work.
            result["echo_ttft"] = {
                name: (await run_level(systems[name], "echo", 1, 4, 30))["ttft_p50"]
                for name in ("before", "haneul")
                if name in systems
            }
            result["rss"] = {name: rss_mib(proc.pid) for name, proc in procs.items()}
        finally:
            if engine is not None:
                await engine.close()
            for proc in procs.values():
                proc.terminate()
                proc.wait(timeout=30)
    return result


def machine(result: dict[str, Any]) -> str:
    a = result["args"]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}. Model `{result['model']}`, {a['threads']} threads, "
        f"{a['parallel']} slots x {a['ctx_size']} context, {a['max_tokens']} generated tokens per "
        f"request (ignore_eos), about {a['requests']} requests per level and system in "
        f"{a['repeat']} interleaved repetitions (medians shown; the order rotates). Measured "
        f"{time.strftime('%Y-%m-%d')}."
    )


def render(result: dict[str, Any]) -> str:
    """The peer table (needs the peer and the engine)."""
    t, a, rss = result["table"], result["args"], result["rss"]
    lines = [
        "## Serving (`bench/serve.py`)",
        "",
        machine(result),
        "",
        "| concurrency | peer tok/s | Haneul tok/s | ratio | engine tok/s | peer TTFT p50/p95 ms "
        "| Haneul TTFT p50/p95 ms | engine TTFT p50/p95 ms | server overhead p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for level in a["levels"]:
        p, h, e = t["peer"][level], t["haneul"][level], t["engine"][level]
        lines.append(
            f"| {level} | {p['tok_s']:.1f} | {h['tok_s']:.1f} | {h['tok_s'] / p['tok_s']:.2f}x "
            f"| {e['tok_s']:.1f} | {p['ttft_p50']:.0f} / {p['ttft_p95']:.0f} "
            f"| {h['ttft_p50']:.0f} / {h['ttft_p95']:.0f} | {e['ttft_p50']:.0f} / "
            f"{e['ttft_p95']:.0f} | {h['ttft_p50'] - e['ttft_p50']:+.1f} |"
        )
    lines += [
        "",
        "Server overhead is Haneul's time to first token over HTTP minus the same engine's "
        "in-process (no HTTP) time, measured in the same run; at higher concurrency it also "
        "holds the CPU the Python server takes from the two decoding threads on a 2-core "
        "machine. The server's own path with a backend that does no work (the `echo` test "
        f"model, same HTTP client): {result['echo_ttft']['haneul']:.1f} ms p50 to the first token.",
        "",
        f"Resident memory of `haneul serve` after the run: {rss['haneul'][0]:.0f} MiB "
        f"(peak {rss['haneul'][1]:.0f} MiB); llama-server: {rss['peer'][0]:.0f} MiB "
        f"(peak {rss['peer'][1]:.0f} MiB).",
        "",
    ]
    return "\n".join(lines)


def render_before(result: dict[str, Any]) -> str:
    """Today's `haneul serve` against the `--before` commit's, from the same run."""
    t, a, rss, echo = result["table"], result["args"], result["rss"], result["echo_ttft"]
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"### Before and after: `haneul serve` at {result['before']} against {head}",
        "",
        machine(result),
        "",
        "| concurrency | before tok/s | after tok/s | after/before | before TTFT p50/p95 ms "
        "| after TTFT p50/p95 ms | TTFT p50 after/before |",
        "|---|---|---|---|---|---|---|",
    ]
    for level in a["levels"]:
        b, h = t["before"][level], t["haneul"][level]
        lines.append(
            f"| {level} | {b['tok_s']:.1f} | {h['tok_s']:.1f} | {h['tok_s'] / b['tok_s']:.2f}x "
            f"| {b['ttft_p50']:.0f} / {b['ttft_p95']:.0f} "
            f"| {h['ttft_p50']:.0f} / {h['ttft_p95']:.0f} | {h['ttft_p50'] / b['ttft_p50']:.2f}x |"
        )
    others = [name for name in t if name not in ("before", "haneul")]
    lines += [
        "",
        f"Also in the rotation: {', '.join(others) or 'nothing else'}. With the `echo` test "
        f"model (no decoding work, 30 single requests) the first token came after "
        f"{echo['before']:.1f} ms before and {echo['haneul']:.1f} ms after (p50). Resident "
        f"memory after the run: {rss['before'][0]:.0f} MiB before, {rss['haneul'][0]:.0f} MiB "
        "after.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peer",
        default=os.environ.get("LLAMA_SERVER", "llama-server"),
        help="llama-server binary (or $LLAMA_SERVER)",
    )
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--ctx-size", type=int, default=1024)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--requests", type=int, default=48, help="requests per level and system")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (median)")
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--before", metavar="REF", help="also serve this commit (before/after)")
    parser.add_argument(
        "--no-engine", dest="engine", action="store_false", help="leave out the in-process engine"
    )
    parser.add_argument("--write", type=Path, help="update this markdown file's section")
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    sections = {}
    if "before" in result:
        sections["bench/serve.py --before"] = render_before(result)
    if "peer" in result["table"] and "engine" in result["table"]:
        sections["bench/serve.py"] = render(result)
    for name, section in sections.items():
        print(section)
        if args.write:
            write_section(args.write, name, section)


if __name__ == "__main__":
    main()
