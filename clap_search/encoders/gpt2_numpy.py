"""msclap 2023's text tower (GPT-2 and msclap's pooling and projection) in numpy: no torch for a query.

Loading torch, transformers and the whole HTSAT + GPT-2 model made a cold msclap 2023 text query
cost ~11 s here. This is transformers' GPT2Model in eval mode (learned positions from 0,
pre-LayerNorm blocks, causal attention over the real tokens, the tanh GELU `gelu_new`, a final
LayerNorm), the hidden state msclap reads (index: number of ids != 0, minus 1) and the engine's
Projection (msclap's), over the weights by the names the engine stores them under;
tests/test_families_msclap2023.py checks it against the torch model and msclap itself.
"""

from __future__ import annotations

import json

import numpy as np

from clap_search.config import ModelConfig
from clap_search.encoders.bert_numpy import PROJECTION_NORM_EPS, NumpyTextTower, gelu, softmax

PREFIXES = ("text_model.", "text_projection.")
_BLOCK_PARTS = ("ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj")


def gelu_new(x: np.ndarray) -> np.ndarray:
    """GPT-2's tanh approximation of GELU (transformers' `gelu_new`)."""
    return (0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))).astype(np.float32)


class NumpyGpt2Tower(NumpyTextTower):
    """Token ids and attention mask -> L2-normalised vectors, like MsclapHtsatGpt2.encode_text."""

    prefixes = PREFIXES
    transposed = False  # nn.Linear heads are read through a view; GPT-2's Conv1D weights are (in, out)
    embeddings = "text_model.w"  # wte, wpe
    word_embedding = "text_model.wte.weight"

    def __init__(self, cfg: ModelConfig, weights: dict[str, np.ndarray]) -> None:
        text = json.loads(cfg.reference)["text_config"] if cfg.reference else {}
        self.eps = float(text.get("layer_norm_epsilon", 1e-5))
        if text.get("activation_function", "gelu_new") != "gelu_new":
            raise ValueError("another text tower: only GPT-2's gelu_new")
        super().__init__(cfg, weights, int(text.get("n_head", 12)), int(text.get("n_layer", 12)))

    def expected_names(self) -> set[str]:
        names = {"text_model.wte.weight", "text_model.wpe.weight"}
        names |= {"text_model.ln_f.weight", "text_model.ln_f.bias"}
        for i in range(self.layers):
            names |= {f"text_model.h.{i}.{part}.{p}" for part in _BLOCK_PARTS for p in ("weight", "bias")}
        names |= {"text_projection.linear1.weight", "text_projection.linear2.weight"}
        return names | {"text_projection.norm.weight", "text_projection.norm.bias"}

    def _conv1d(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def _causal_attention(self, x: np.ndarray, keep: np.ndarray, prefix: str) -> np.ndarray:
        b, n, d = x.shape
        heads = self.heads
        q, k, v = (t.reshape(b, n, heads, d // heads).transpose(0, 2, 1, 3)
                   for t in np.split(self._conv1d(x, prefix + "attn.c_attn"), 3, axis=-1))
        scores = (q @ k.transpose(0, 1, 3, 2)) / np.float32(np.sqrt(d // heads))
        scores = np.where(keep, scores, np.float32(-np.inf))
        out = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
        return self._conv1d(out, prefix + "attn.c_proj")

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """GPT2Model's last_hidden_state (batch, tokens, hidden)."""
        n = ids.shape[1]
        x = self.word[ids].astype(np.float32) + self.w["text_model.wpe.weight"][:n]
        causal = np.tril(np.ones((n, n), dtype=bool))
        keep = causal[None, None] & mask.astype(bool)[:, None, None, :]
        keep |= np.eye(n, dtype=bool)[None, None]  # a padded position still sees itself (never read)
        for i in range(self.layers):
            p = f"text_model.h.{i}."
            x = x + self._causal_attention(self._norm(x, p + "ln_1"), keep, p)
            inner = gelu_new(self._conv1d(self._norm(x, p + "ln_2"), p + "mlp.c_fc"))
            x = x + self._conv1d(inner, p + "mlp.c_proj")
        return self._norm(x, "text_model.ln_f")

    def head(self, hidden: np.ndarray, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The state msclap reads (index: ids != 0, minus 1; '!' is id 0), then model.Projection."""
        pooled = hidden[np.arange(len(ids)), (ids != 0).sum(axis=1) - 1]
        h = self._linear(pooled, "text_projection.linear1", bias=False)
        return self._norm(h + self._linear(gelu(h), "text_projection.linear2", bias=False),
                          "text_projection.norm", eps=PROJECTION_NORM_EPS)
