"""BERT text tower with mean pooling, and its WordPiece tokenizer from the bundled vocabulary."""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import torch
from tokenizers import BertWordPieceTokenizer
from torch import nn

from clap_search.config import TextConfig
from clap_search.encoders.bert import Bert


class Tokens(NamedTuple):
    input_ids: torch.Tensor  # (batch, tokens) int64
    attention_mask: torch.Tensor  # (batch, tokens) int64, 0 on padding


class Tokenizer:
    """Uncased BERT WordPiece over the vocabulary shipped with the package (no hub access):
    the same normalisation, splitting and [CLS] ... [SEP] framing as BERT's own tokenizer."""

    def __init__(self, vocab: str) -> None:
        self.backend = BertWordPieceTokenizer(vocab, lowercase=True)
        self.backend.enable_padding(pad_id=0, pad_token="[PAD]")

    def __call__(self, texts: list[str], max_length: int) -> Tokens:
        self.backend.enable_truncation(max_length)
        batch = self.backend.encode_batch(texts)
        ids = torch.tensor([e.ids for e in batch], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in batch], dtype=torch.long)
        return Tokens(ids, mask)


def load_tokenizer() -> Tokenizer:
    vocab = resources.files("clap_search") / "assets" / "vocab.txt"
    with resources.as_file(vocab) as path:
        return Tokenizer(str(path))


class TextEncoder(nn.Module):
    """Token ids -> pooled hidden states (batch, hidden_size): the mean over tokens, or the
    [CLS] token's last state (msclap 2022)."""

    def __init__(self, cfg: TextConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.bert = Bert(cfg)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids, attention_mask)
        if self.cfg.pooling == "cls":
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
