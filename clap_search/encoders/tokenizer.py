"""The text towers' tokenizers, numpy arrays out: BERT's WordPiece (the bundled vocabulary), and
RoBERTa's and GPT-2's byte-level BPE (LAION-CLAP, msclap 2023: kept inside the imported checkpoint)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from tokenizers import BertWordPieceTokenizer, Tokenizer


class Batched:
    """A `tokenizers` backend, padded; `encode` gives numpy arrays. Subclasses set `backend`."""

    backend: Any

    def framed(self, texts: list[str]) -> list[str]:
        return texts  # what the model's own tokenizer call adds around each text (GPT-2: see below)

    def encode(self, texts: list[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """(input ids, attention mask), both (batch, tokens) int64; the mask is 0 on padding."""
        self.backend.enable_truncation(max_length)
        batch = self.backend.encode_batch(self.framed(texts))
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        return ids, mask


class WordPiece(Batched):
    """Uncased BERT WordPiece over the vocabulary shipped with the package (no hub access):
    the same normalisation, splitting and [CLS] ... [SEP] framing as BERT's own tokenizer."""

    def __init__(self, vocab: str) -> None:
        self.backend = BertWordPieceTokenizer(vocab, lowercase=True)
        self.backend.enable_padding(pad_id=0, pad_token="[PAD]")


def vocab_file() -> str:
    """The bundled vocabulary (a real file inside the installed package)."""
    return str(resources.files("clap_search") / "assets" / "vocab.txt")


class RobertaBPE(Batched):
    """RoBERTa's byte-level BPE (<s> ... </s>, <pad> = 1) from a `tokenizers` JSON."""

    def __init__(self, tokenizer_json: str) -> None:
        self.backend = Tokenizer.from_str(tokenizer_json)
        pad = self.backend.token_to_id("<pad>")
        self.backend.enable_padding(pad_id=1 if pad is None else pad, pad_token="<pad>")


def roberta_tokenizer_json(vocab: str, merges: str) -> str:
    """A RoBERTa tokenizer (as transformers' RobertaTokenizer behaves) from vocab.json and merges.txt."""
    from tokenizers import AddedToken, decoders, models, pre_tokenizers, processors

    bpe = models.BPE.from_file(vocab, merges)
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok.add_special_tokens([AddedToken(s, lstrip=s == "<mask>", normalized=False) for s in specials
                            if tok.token_to_id(s) is not None])
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.RobertaProcessing(("</s>", eos), ("<s>", bos), trim_offsets=True,
                                                      add_prefix_space=False)
    return tok.to_str()


class Gpt2BPE(Batched):
    """GPT-2's byte-level BPE as msclap 2023 calls it: ' <|endoftext|>' appended to every text, '!'
    a special token (id 0, also the padding), truncation only at `max_length` (GPT-2's positions)."""

    END_OF_TEXT = "<|endoftext|>"
    PAD = "!"  # msclap: tokenizer.add_special_tokens({'pad_token': '!'}), GPT-2's id 0

    def __init__(self, tokenizer_json: str) -> None:
        self.backend = Tokenizer.from_str(tokenizer_json)
        self.backend.enable_padding(pad_id=self.backend.token_to_id(self.PAD), pad_token=self.PAD)

    def framed(self, texts: list[str]) -> list[str]:
        return [f"{text} {self.END_OF_TEXT}" for text in texts]
