"""BERT text tower with mean pooling, and its WordPiece tokenizer from the bundled vocabulary."""

from __future__ import annotations

from importlib import resources

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertTokenizerFast

from clap_search.config import TextConfig


def load_tokenizer() -> BertTokenizerFast:
    """The uncased BERT WordPiece vocabulary shipped with the package (no hub access)."""
    vocab = resources.files("clap_search") / "assets" / "vocab.txt"
    with resources.as_file(vocab) as path:
        # Positional on purpose: transformers 4 names it `vocab_file`, 5 names it `vocab` and
        # silently ignores `vocab_file=`, leaving an empty vocabulary (every word -> [UNK]).
        return BertTokenizerFast(str(path), do_lower_case=True)


class TextEncoder(nn.Module):
    """Token ids -> mean-pooled hidden states (batch, hidden_size)."""

    def __init__(self, cfg: TextConfig) -> None:
        super().__init__()
        self.cfg = cfg
        bert_cfg = BertConfig(
            vocab_size=cfg.vocab_size,
            hidden_size=cfg.hidden_size,
            num_hidden_layers=cfg.num_layers,
            num_attention_heads=cfg.num_heads,
            intermediate_size=cfg.intermediate_size,
            max_position_embeddings=cfg.max_position_embeddings,
        )
        self.bert = BertModel(bert_cfg, add_pooling_layer=False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
