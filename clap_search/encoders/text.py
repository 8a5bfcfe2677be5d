"""BERT text tower with mean pooling, and its WordPiece tokenizer from the bundled vocabulary."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from clap_search.config import TextConfig
from clap_search.encoders.bert import Bert
from clap_search.encoders.tokenizer import WordPiece, vocab_file


class Tokens(NamedTuple):
    input_ids: torch.Tensor  # (batch, tokens) int64
    attention_mask: torch.Tensor  # (batch, tokens) int64, 0 on padding


class TorchTokens:
    """Calling a tokenizer of encoders/tokenizer.py gives torch tensors, for the torch towers."""

    def __call__(self, texts: list[str], max_length: int) -> Tokens:
        ids, mask = self.encode(texts, max_length)  # type: ignore[attr-defined]
        return Tokens(torch.from_numpy(ids), torch.from_numpy(mask))


class Tokenizer(TorchTokens, WordPiece):
    """The WordPiece tokenizer with torch tensors out."""


def load_tokenizer() -> Tokenizer:
    return Tokenizer(vocab_file())


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
