"""LAION-CLAP's text tower (RoBERTa, pooler, projection) in numpy: its text queries skip torch too.

Importing torch and transformers and building a ClapModel made a cold LAION-CLAP text query
cost ~12 s here; the arithmetic of one sentence needs none of it. This is transformers'
ClapTextModel (RoBERTa embeddings: positions counted from pad_token_id + 1 over the real tokens;
the BERT encoder stack; the pooler's tanh(dense) of the first token) and ClapProjectionLayer
(linear, ReLU, linear), over the weights by the names the engine stores them under (the
`ClapModel` state dict); tests/test_families_laion.py checks it against transformers.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from clap_search.config import ModelConfig
from clap_search.encoders.bert_numpy import NumpyTextTower, gelu

PREFIXES = ("text_model.", "text_projection.")
_LAYER_PARTS = (
    "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
    "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
)
ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0), "gelu": gelu, "tanh": np.tanh}


def text_config(cfg: ModelConfig) -> dict[str, Any]:
    """The `text_config` of the ClapConfig the checkpoint stores (config.reference)."""
    reference = json.loads(cfg.reference) if cfg.reference else {}
    return reference.get("text_config", {}) | {"projection_hidden_act":
                                                reference.get("projection_hidden_act", "relu")}


class NumpyRobertaTower(NumpyTextTower):
    """Token ids and attention mask -> L2-normalised vectors, like LaionCLAP.encode_text."""

    prefixes = PREFIXES
    embeddings = "text_model.embeddings."
    word_embedding = "text_model.embeddings.word_embeddings.weight"
    layer_prefix = "text_model.encoder.layer."

    def __init__(self, cfg: ModelConfig, weights: dict[str, np.ndarray]) -> None:
        text = text_config(cfg)
        self.eps = float(text.get("layer_norm_eps", 1e-12))
        self.pad = int(text.get("pad_token_id", 1))
        if text.get("hidden_act", "gelu") != "gelu" or text["projection_hidden_act"] not in ACTIVATIONS:
            raise ValueError("another text tower: only gelu layers and relu/gelu/tanh projections")
        self.activation = ACTIVATIONS[text["projection_hidden_act"]]
        heads, layers = int(text.get("num_attention_heads", 12)), int(text.get("num_hidden_layers", 12))
        super().__init__(cfg, weights, heads, layers)

    def expected_names(self) -> set[str]:
        e = self.embeddings
        names = {e + f"{t}_embeddings.weight" for t in ("word", "position", "token_type")}
        names |= {e + "LayerNorm.weight", e + "LayerNorm.bias"}
        for i in range(self.layers):
            for part in _LAYER_PARTS:
                names |= {f"{self.layer_prefix}{i}.{part}.{p}" for p in ("weight", "bias")}
        heads = ("text_model.pooler.dense", "text_projection.linear1", "text_projection.linear2")
        return names | {f"{h}.{p}" for h in heads for p in ("weight", "bias")}

    def _embed(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """RoBERTa's positions: pad + 1, pad + 2, ... over the real tokens; padding keeps `pad`."""
        e = self.embeddings
        real = ids != self.pad
        positions = np.cumsum(real, axis=1) * real + self.pad
        x = self.word[ids].astype(np.float32) + self.w[e + "position_embeddings.weight"][positions]
        return self._norm(x + self.w[e + "token_type_embeddings.weight"][0], e + "LayerNorm")

    def head(self, hidden: np.ndarray, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The pooler (tanh of a dense layer on the first token), then ClapProjectionLayer."""
        pooled = np.tanh(self._linear(hidden[:, 0], "text_model.pooler.dense"))
        return self._linear(self.activation(self._linear(pooled, "text_projection.linear1")),
                            "text_projection.linear2")
