"""The BERT text tower and its projection in numpy, so that a text query never imports torch.

Importing torch costs a cold `clap-search query` more than a second; one sentence through a
6-layer MiniLM is a few milliseconds of matrix products either way. This is the arithmetic of
encoders/bert.py, encoders/text.py (mean pooling) and model.Projection in eval mode, over the
same weights by the same names; tests/test_text_numpy.py checks it against the torch tower.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clap_search.config import ModelConfig, TextConfig

PREFIXES = ("text_encoder.", "text_projection.")
LAYER_NORM_EPS = 1e-12  # BERT's, as encoders/bert.py (importing that module would import torch)
PROJECTION_NORM_EPS = 1e-5  # nn.LayerNorm's default, as in model.Projection
_EMBEDDINGS = "text_encoder.bert.embeddings."
_LAYER_PARTS = (
    "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
    "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
)


def expected_names(cfg: TextConfig) -> set[str]:
    """Every text-tower and projection tensor a checkpoint of this layout holds."""
    names = {_EMBEDDINGS + f"{t}_embeddings.weight" for t in ("word", "position", "token_type")}
    names |= {_EMBEDDINGS + "LayerNorm.weight", _EMBEDDINGS + "LayerNorm.bias"}
    for i in range(cfg.num_layers):
        for part in _LAYER_PARTS:
            names |= {f"text_encoder.bert.encoder.layer.{i}.{part}.{p}" for p in ("weight", "bias")}
    names |= {"text_projection.linear1.weight", "text_projection.linear2.weight"}
    return names | {"text_projection.norm.weight", "text_projection.norm.bias"}


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU, as torch's F.gelu, to float32 precision.

    numpy has no erf: erfc comes from Numerical Recipes' Chebyshev fit (fractional error
    < 1.2e-7), in float64 so that the float32 result is as exact as torch's."""
    z = np.abs(x.astype(np.float64)) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(-z * z + poly)
    # x >= 0: x * (1 - erfc / 2); x < 0: x * erfc(|x|) / 2 (accurate far into the tail)
    out = np.where(x >= 0, x * (1.0 - 0.5 * erfc), 0.5 * x * erfc)
    return out.astype(np.float32)


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class NumpyTextTower:
    """Token ids and attention mask -> L2-normalised joint-space vectors, like CLAPModel.encode_text.

    The encoder stack is BERT's; a subclass changes only the names, the embeddings and the head
    (encoders/roberta_numpy.py: LAION-CLAP's RoBERTa)."""

    prefixes = PREFIXES
    # Linear weights copied transposed, (in, out) in C order, read twice as fast by BLAS as a
    # transposed view of the mapped file: worth it for a small tower (a 22M-parameter MiniLM copies
    # in milliseconds), not for BERT-base or RoBERTa-base, whose copy would cost a cold query more
    # than the views cost it (None: decided by the size of the linear weights)
    transposed: bool | None = None
    TRANSPOSE_LIMIT = 64 * 2**20
    tokenizer: Any = None  # the model's tokenizer (numpy out), set by factory.create_text_tower
    embeddings = _EMBEDDINGS
    word_embedding = _EMBEDDINGS + "word_embeddings.weight"
    layer_prefix = "text_encoder.bert.encoder.layer."
    eps = LAYER_NORM_EPS

    def __init__(self, cfg: ModelConfig, weights: dict[str, np.ndarray], heads: int | None = None,
                 layers: int | None = None) -> None:
        self.cfg = cfg
        self.heads = heads or cfg.text.num_heads  # another family's sizes come from its own config
        self.layers = layers or cfg.text.num_layers
        names = self.expected_names()
        missing = names - set(weights)
        extra = {n for n in weights if n.startswith(self.prefixes)} - names
        if missing or extra:
            raise ValueError(f"another layout: missing {sorted(missing)[:3]}, extra {sorted(extra)[:3]}")
        word = self.word_embedding
        if self.transposed is None:
            linear = sum(weights[n].nbytes for n in names if n != word and self._linear_weight(n, weights[n]))
            self.transposed = linear < self.TRANSPOSE_LIMIT
        # fp16 checkpoints are upcast once, as torch's load does; the big word table stays as
        # stored and only the rows a query uses are upcast (exactly: fp16 -> fp32 is lossless).
        self.w = {n: self._prepared(n, weights[n]) for n in names if n != word}
        self.word = weights[word]


    def expected_names(self) -> set[str]:
        return expected_names(self.cfg.text)

    def _linear_weight(self, name: str, tensor: np.ndarray) -> bool:
        return tensor.ndim == 2 and not name.startswith(self.embeddings)

    def _prepared(self, name: str, tensor: np.ndarray) -> np.ndarray:
        if self.transposed and self._linear_weight(name, tensor):
            return np.array(tensor.T, dtype=np.float32, order="C")
        return np.asarray(tensor, dtype=np.float32)  # float32 as stored: no copy

    def projection(self) -> dict[str, np.ndarray]:
        """The text projection's tensors as a checkpoint holds them (keys without the prefix)."""
        head = "text_projection."
        flip = self.transposed
        return {n[len(head):]: (w.T if flip and w.ndim == 2 else w).copy() for n, w in self.w.items()
                if n.startswith(head)}

    def load_projection(self, state: dict[str, np.ndarray]) -> None:
        """Swap in another text projection (a library's adapted head); shapes must match."""
        for key, tensor in state.items():
            name = "text_projection." + key
            new = self._prepared(name, np.asarray(tensor))
            if name not in self.w or self.w[name].shape != new.shape:
                raise ValueError(f"the text head does not fit this model ({name})")
            self.w[name] = new

    def _linear(self, x: np.ndarray, name: str, bias: bool = True) -> np.ndarray:
        w = self.w[name + ".weight"]
        out = x @ (w if self.transposed else w.T)
        return out + self.w[name + ".bias"] if bias else out

    def _norm(self, x: np.ndarray, name: str, eps: float | None = None) -> np.ndarray:
        eps = self.eps if eps is None else eps
        return layer_norm(x, self.w[name + ".weight"], self.w[name + ".bias"], eps)

    def _attention(self, x: np.ndarray, keep: np.ndarray, prefix: str) -> np.ndarray:
        b, n, d = x.shape
        heads = self.heads

        def split(t: np.ndarray) -> np.ndarray:  # (b, n, d) -> (b, heads, n, d / heads)
            return t.reshape(b, n, heads, d // heads).transpose(0, 2, 1, 3)

        q, k, v = (split(self._linear(x, prefix + "attention.self." + p)) for p in ("query", "key", "value"))
        scores = (q @ k.transpose(0, 1, 3, 2)) / np.float32(np.sqrt(d // heads))
        scores = np.where(keep, scores, np.float32(-np.inf))  # padding is never attended to
        return (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(b, n, d)

    def _embed(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Word + position + token type 0 embeddings, normalised (BERT: positions 0, 1, ...)."""
        e = self.embeddings
        x = self.word[ids].astype(np.float32) + self.w[e + "position_embeddings.weight"][: ids.shape[1]]
        return self._norm(x + self.w[e + "token_type_embeddings.weight"][0], e + "LayerNorm")

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, tokens, hidden_size), as encoders.bert.Bert."""
        x = self._embed(ids, mask)
        keep = mask.astype(bool)[:, None, None, :]
        for i in range(self.layers):
            p = f"{self.layer_prefix}{i}."
            x = self._norm(self._linear(self._attention(x, keep, p), p + "attention.output.dense") + x,
                           p + "attention.output.LayerNorm")
            inner = gelu(self._linear(x, p + "intermediate.dense"))
            x = self._norm(self._linear(inner, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def head(self, hidden: np.ndarray, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pooling as encoders.text.TextEncoder (the mean over the real tokens, or the [CLS]
        token's state: msclap 2022), then model.Projection (eval mode)."""
        if self.cfg.text.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
        h = self._linear(pooled, "text_projection.linear1", bias=False)
        return self._norm(h + self._linear(gelu(h), "text_projection.linear2", bias=False),
                          "text_projection.norm", eps=PROJECTION_NORM_EPS)

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = self.head(self.hidden(ids, mask), ids, mask)
        norm = np.linalg.norm(out, axis=-1, keepdims=True)
        return (out / np.maximum(norm, 1e-12)).astype(np.float32)
