"""Download a GGUF from a Hugging Face-style hub: `<hub>/<repo>/resolve/<revision>/<file>`.

Downloads resume from a `.part` file after an interruption, are checked against a sha256
(given by the user, or the hub's `X-Linked-Etag` for LFS files), and appear in the catalog
only once complete. A failed check deletes the partial file.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from haneul.engine.catalog import Catalog, ModelEntry
from haneul.engine.files import sha256_file
from haneul.engine.gguf_info import GGUF_MAGIC, read_info
from haneul.errors import HaneulError, InvalidRequestError, NotFoundError, UpstreamError

log = logging.getLogger(__name__)
Progress = Callable[[int, int | None], None]
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _expected_sha(headers: httpx.Headers, given: str | None) -> str | None:
    if given:
        return given.lower()
    for key in ("x-linked-etag", "etag"):
        tag = str(headers.get(key, "")).strip('"').removeprefix("W/").strip('"').lower()
        if _HEX64.match(tag):
            return tag
    return None


def pull_model(
    catalog: Catalog,
    repo: str,
    filename: str,
    *,
    name: str | None = None,
    revision: str = "main",
    sha256: str | None = None,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ModelEntry:
    if not re.match(r"^[\w.-]+/[\w.-]+$", repo) or not filename.endswith(".gguf"):
        raise InvalidRequestError("give a repository as owner/name and a .gguf file name")
    settings = catalog.settings
    name = name or re.sub(r"[^a-z0-9._-]+", "-", Path(filename).stem.lower()).strip("-")
    catalog._check_new_name(name)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    target = settings.models_dir / f"{name}.gguf"
    part = target.with_name(target.name + ".part")
    url = f"{settings.hub_url.rstrip('/')}/{repo}/resolve/{revision}/{filename}"
    headers = {"Authorization": f"Bearer {settings.hub_token}"} if settings.hub_token else {}
    client = httpx.Client(follow_redirects=True, timeout=60, transport=transport)
    try:
        with client:
            expected = _download(client, url, headers, part, sha256, progress)
    except httpx.HTTPError as exc:
        raise UpstreamError(f"download from {url} failed: {exc}; run pull again to resume") from exc
    return _finish(catalog, part, target, name, repo, expected)


def _download(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    part: Path,
    sha256: str | None,
    progress: Progress | None,
) -> str | None:
    """Append to `part` from where it stops; the expected sha256, if anyone knows it."""
    done = part.stat().st_size if part.exists() else 0
    if done:
        headers = {**headers, "Range": f"bytes={done}-"}
    with client.stream("GET", url, headers=headers) as res:
        if res.status_code == 404:
            raise NotFoundError(f"{url.split('/resolve/')[0]} has no such file (HTTP 404): {url}")
        if res.status_code == 416:  # the part file is already whole
            res.read()
            return _expected_sha(res.headers, sha256)
        if res.status_code >= 400:
            raise UpstreamError(f"hub answered HTTP {res.status_code} for {url}")
        if res.status_code == 200:
            done = 0  # the hub ignored the range: start over
        total = res.headers.get("content-length")
        total_bytes = int(total) + done if total else None
        with part.open("ab" if done else "wb") as out:
            for block in res.iter_bytes():  # as received: a dropped connection keeps every byte
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total_bytes)
        return _expected_sha(res.headers, sha256)


def _finish(
    catalog: Catalog, part: Path, target: Path, name: str, repo: str, expected: str | None
) -> ModelEntry:
    digest = sha256_file(part)
    if expected and digest != expected:
        part.unlink()
        raise HaneulError(f"downloaded file has sha256 {digest}, expected {expected}; deleted it")
    with part.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            part.unlink()
            raise InvalidRequestError("downloaded file is not a GGUF model; deleted it")
    os.replace(part, target)
    info = read_info(target)
    entry = ModelEntry(
        name=name,
        kind="gguf",
        task="chat" if info.chat_template else "completion",
        source=f"pulled:{repo}",
        path=str(target),
        sha256=digest,
        size_bytes=target.stat().st_size,
        quantization=info.quantization,
        context_length=info.context_length,
        template=info.template_family,
        description=f"{info.architecture} from {repo}",
    )
    log.info("pulled %s (%d bytes, sha256 %s)", name, entry.size_bytes, digest)
    return catalog.add(entry)
