"""The numpy text tower (text queries without torch) agrees with the torch model it stands in for."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from clap_search.checkpoint import save_checkpoint
from clap_search.config import CONFIGS, TextConfig
from clap_search.embed import Embedder
from clap_search.encoders import bert, bert_numpy
from clap_search.factory import create_model, create_text_tower
from clap_search.model import CLAPModel
from clap_search.text_embed import TextEmbedder, load_text_embedder

TEXTS = ["dog barking in rain", "a", "glass shattering on a tiled kitchen floor at night, twice",
         "café crème", "x " * 80]


def assert_close(ours: np.ndarray, ref: np.ndarray) -> None:
    assert ours.shape == ref.shape and ours.dtype == np.float32
    assert float(np.abs(ours - ref).max()) < 2e-5
    cosine = (ours * ref).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    assert float(cosine.min()) > 0.99999


@pytest.fixture(params=["mean", "cls"])
def checkpoint(tmp_path, request):
    """A random model with more heads and layers than `tiny`, saved as fp16 like shipped models;
    pooled by the mean (the default model) or by the [CLS] token (msclap 2022)."""
    cfg = dataclasses.replace(
        CONFIGS["tiny"], name="tiny-ckpt",
        text=TextConfig(hidden_size=48, num_layers=3, num_heads=4, intermediate_size=96, max_length=24,
                        pooling=request.param),
    )
    torch.manual_seed(1)
    model = CLAPModel(cfg)
    with torch.no_grad():  # LayerNorm and projection weights away from their 1/0 init
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    path = tmp_path / "tiny-ckpt.safetensors"
    save_checkpoint(model, path)
    return path


def test_numpy_tower_matches_torch_on_a_random_checkpoint(checkpoint):
    torch_embedder = Embedder.load(str(checkpoint))
    text = load_text_embedder(str(checkpoint))
    assert isinstance(text, TextEmbedder)
    assert text.identity == torch_embedder.identity
    assert_close(text.embed_texts(TEXTS), torch_embedder.embed_texts(TEXTS))


def test_numpy_tower_matches_the_shipped_model():
    torch_embedder = Embedder.load("default")
    text = load_text_embedder("default")
    assert isinstance(text, TextEmbedder) and text.identity == torch_embedder.identity
    assert_close(text.embed_texts(TEXTS), torch_embedder.embed_texts(TEXTS))
    # one query alone (no padding) gives the same vector as inside a padded batch
    assert_close(text.embed_texts(TEXTS[:1]), text.embed_texts(TEXTS)[:1])


def test_gelu_is_the_exact_erf_gelu():
    x = np.concatenate([np.linspace(-12, 12, 20001), [-30.0, -0.0, 1e-8, 40.0]]).astype(np.float32)
    ours = bert_numpy.gelu(x)
    exact = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    assert np.allclose(ours, exact, rtol=3e-7, atol=1e-37)  # float32 rounding, far into the tails
    # torch's float32 GELU loses the far negative tail to cancellation; elsewhere a few ulp apart
    assert float(np.abs(ours - F.gelu(torch.from_numpy(x)).numpy()).max()) < 2e-6


def test_constants_are_the_torch_towers():
    assert bert_numpy.LAYER_NORM_EPS == bert.LAYER_NORM_EPS
    model = create_model("tiny")[0]
    assert model.text_projection.norm.eps == bert_numpy.PROJECTION_NORM_EPS
    assert set(k for k in model.state_dict() if k.startswith(bert_numpy.PREFIXES)) == (
        bert_numpy.expected_names(model.cfg.text)
    )


def test_random_configs_and_other_layouts_fall_back_to_torch(checkpoint, tmp_path):
    assert create_text_tower("tiny") is None  # its weights come from torch's seeded init
    assert isinstance(load_text_embedder("tiny"), Embedder)
    model = create_model(str(checkpoint))[0]
    state = dict(model.state_dict())
    state["text_projection.extra.weight"] = torch.zeros(2)  # a tower this code does not know
    other = tmp_path / "other.safetensors"
    from safetensors.torch import save_file

    meta = {"format": "clap-search/1", "config": model.cfg.to_json(), "version": "x"}
    save_file({k: v.contiguous() for k, v in state.items()}, str(other), metadata=meta)
    assert create_text_tower(str(other)) is None


def test_an_adapted_text_head_gives_the_same_query_vectors_in_numpy_and_torch(checkpoint, tmp_path):
    """`clap-search adapt` stores a text head in the library; queries (numpy) and the words stage
    (torch) must both apply it, and agree."""
    from clap_search.library import Library
    from clap_search.words.adapt import LAYER, RECORD, apply_layer

    torch_embedder = Embedder.load(str(checkpoint))
    text = load_text_embedder(str(checkpoint))
    before = text.embed_texts(TEXTS)
    lib = Library.open(tmp_path / "lib", create=True)
    shipped = torch_embedder.model.text_projection.state_dict()
    head = {k: v + 0.05 * torch.randn_like(v) for k, v in shipped.items()}
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in head.items()}, str(lib.root / LAYER))
    (lib.root / RECORD).write_text(f'{{"layer": "x1", "model_version": "{torch_embedder.identity.version}"}}')
    assert apply_layer(text, lib) == "x1" and apply_layer(torch_embedder, lib) == "x1"
    adapted = text.embed_texts(TEXTS)
    assert float(np.abs(adapted - before).max()) > 1e-3  # the head changed the vectors
    assert_close(adapted, torch_embedder.embed_texts(TEXTS))
    (lib.root / RECORD).unlink()  # reset: back to the shipped head
    assert apply_layer(text, lib) is None
    assert_close(text.embed_texts(TEXTS), before)
    lib.close()
