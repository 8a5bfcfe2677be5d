"""The plain-torch BERT and WordPiece tokenizer agree with `transformers` (test-only dependency)."""

from importlib import resources

import pytest
import torch

from clap_search.config import TextConfig
from clap_search.encoders.bert import Bert
from clap_search.encoders.text import load_tokenizer

transformers = pytest.importorskip("transformers")

SMALL = TextConfig(vocab_size=120, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64,
                   max_length=16, max_position_embeddings=40)


def test_bert_matches_transformers_with_padding():
    torch.manual_seed(0)
    ours = Bert(SMALL).eval()
    ref = transformers.BertModel(transformers.BertConfig(
        vocab_size=SMALL.vocab_size, hidden_size=SMALL.hidden_size, num_hidden_layers=SMALL.num_layers,
        num_attention_heads=SMALL.num_heads, intermediate_size=SMALL.intermediate_size,
        max_position_embeddings=SMALL.max_position_embeddings), add_pooling_layer=False).eval()
    ref.load_state_dict(ours.state_dict(), strict=True)  # same names, same shapes, nothing left over
    ids = torch.randint(1, SMALL.vocab_size, (3, 9))
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    mask[2, 2:] = 0
    ids = ids * mask
    with torch.no_grad():
        a = ours(ids, mask)
        b = ref(input_ids=ids, attention_mask=mask).last_hidden_state
    keep = mask.bool()
    assert torch.allclose(a[keep], b[keep], atol=1e-5)


def test_tokenizer_matches_berts_own():
    vocab = resources.files("clap_search") / "assets" / "vocab.txt"
    with resources.as_file(vocab) as path:
        ref = transformers.BertTokenizerFast(str(path), do_lower_case=True)
    texts = ["Dog barking in RAIN", "café crème, naïve façade!", "a 747 jet's engines",
             "雨の音", "x" * 300, "glass   shattering\ton tiles", "word " * 80]
    ids, mask = load_tokenizer()(texts, 48)
    want = ref(texts, padding=True, truncation=True, max_length=48, return_tensors="pt")
    assert torch.equal(ids, want["input_ids"])
    assert torch.equal(mask, want["attention_mask"])
