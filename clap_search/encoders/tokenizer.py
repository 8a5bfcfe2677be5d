"""BERT's uncased WordPiece tokenizer over the vocabulary shipped with the package, as numpy arrays."""

from __future__ import annotations

from importlib import resources

import numpy as np
from tokenizers import BertWordPieceTokenizer


class WordPiece:
    """Uncased BERT WordPiece over the vocabulary shipped with the package (no hub access):
    the same normalisation, splitting and [CLS] ... [SEP] framing as BERT's own tokenizer."""

    def __init__(self, vocab: str) -> None:
        self.backend = BertWordPieceTokenizer(vocab, lowercase=True)
        self.backend.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """(input ids, attention mask), both (batch, tokens) int64; the mask is 0 on padding."""
        self.backend.enable_truncation(max_length)
        batch = self.backend.encode_batch(texts)
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        return ids, mask


def vocab_file() -> str:
    """The bundled vocabulary (a real file inside the installed package)."""
    return str(resources.files("clap_search") / "assets" / "vocab.txt")
