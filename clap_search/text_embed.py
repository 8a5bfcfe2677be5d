"""Text queries without torch: the numpy text tower behind the Embedder's text surface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from clap_search.config import ModelConfig
from clap_search.errors import UsageError
from clap_search.factory import ModelIdentity, create_text_tower

if TYPE_CHECKING:
    from clap_search.embed import Embedder
    from clap_search.encoders.bert_numpy import NumpyTextTower


def check_texts(texts: Sequence[str]) -> None:
    if not texts or any(not t.strip() for t in texts):
        raise UsageError("empty text: give a description such as \"dog barking in rain\"")


class TextEmbedder:
    """`identity`, `dim` and `embed_texts` of an Embedder, from the numpy text tower alone."""

    def __init__(self, tower: NumpyTextTower, identity: ModelIdentity) -> None:
        self.tower = tower
        self.identity = identity
        self.cfg: ModelConfig = tower.cfg
        self.tokenizer = tower.tokenizer

    @property
    def dim(self) -> int:
        return self.cfg.embed_dim

    def embed_texts(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        check_texts(texts)
        out = []
        for i in range(0, len(texts), batch_size):
            ids, mask = self.tokenizer.encode(texts[i : i + batch_size], self.cfg.text.max_length)
            out.append(self.tower(ids, mask))
        return np.concatenate(out)


def load_text_embedder(name: str, device: str = "auto") -> TextEmbedder | Embedder:
    """What a text query needs: the numpy tower on a CPU when the model has one, else the model."""
    if device in ("auto", "cpu"):
        loaded = create_text_tower(name)
        if loaded is not None:
            tower, identity = loaded
            return TextEmbedder(tower, identity)
    from clap_search.embed import Embedder

    return Embedder.load(name, device=device)
