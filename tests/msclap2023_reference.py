"""msclap 2023 as msclap 1.3.4 itself runs it, on small random towers and without the hub.

msclap's own `CLAPWrapper` loads a file laid out as `CLAP_weights_2023.pth` (config_2023.yml,
`load_clap`), loops short audio to 7 s and embeds it, and tokenises and embeds texts. What is
swapped, and only for the test: `AutoModel.from_pretrained('gpt2')` gives a small random GPT-2;
`HTSATWrapper`, which takes no sizes, builds a narrow HTSAT (the size defaults of its class are
swapped: 16-d patches, two blocks a stage; the real 256 x 256 image, window 8 and shifted
windows), and config_2023.yml's `out_emb` and `transformer_embed_dim` (768) become the small
widths; `AutoTokenizer.from_pretrained('gpt2')` reads the vocabulary clap-search ships;
torchaudio, imported by CLAPWrapper for file reading only, is a stub (the test hands the wrapper
its waveform); and transformers 5 dropped `encode_plus`, which msclap calls, so the tokenizer
answers it with `__call__` and the same arguments.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import shutil
import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from msclap_reference import import_reference, randomise_batch_norm

from clap_search.encoders.htsat_gpt2 import MERGES, VOCAB

SR, SECONDS = 44100, 7
HTSAT_SIZES = {"embed_dim": 16, "depths": [2, 2, 2, 2], "num_heads": [1, 2, 4, 8]}
HTSAT_WIDTH = 16 * 8  # the latent: embed_dim * 2 ** (stages - 1)
GPT_WIDTH, GPT_LAYERS = 128, 2  # 64-d heads, as every GPT-2


@contextmanager
def small_towers() -> Iterator[None]:
    clap = import_reference()
    htsat = importlib.import_module("msclap.models.htsat")
    from transformers import GPT2Config, GPT2Model

    class SmallGpt2:
        @staticmethod
        def from_pretrained(name: str) -> GPT2Model:
            assert name == "gpt2"
            return GPT2Model(GPT2Config(n_embd=GPT_WIDTH, n_layer=GPT_LAYERS, n_head=GPT_WIDTH // 64))

    # HTSATWrapper calls HTSAT_Swin_Transformer(config=config): only the sizes' defaults can change
    init = htsat.HTSAT_Swin_Transformer.__init__
    names = [p.name for p in inspect.signature(init).parameters.values() if p.default is not p.empty]
    defaults = init.__defaults__
    model, clap.AutoModel = clap.AutoModel, SmallGpt2
    init.__defaults__ = tuple(HTSAT_SIZES.get(n, d) for n, d in zip(names, defaults))
    try:
        yield
    finally:
        clap.AutoModel, init.__defaults__ = model, defaults


def save_like_microsoft(path: Path, seed: int = 0) -> Path:
    """A random msclap 2023 CLAP in `CLAP_weights_2023.pth`'s layout: {'model': state_dict, ...},
    with GPT-2's causal-mask buffers that transformers < 4.31 saved (`attn.bias`, `attn.masked_bias`)."""
    clap = import_reference()
    with small_towers():
        torch.manual_seed(seed)
        model = clap.CLAP(audioenc_name="HTSAT", sample_rate=SR, window_size=1024, hop_size=320, mel_bins=64,
                          fmin=50, fmax=8000, classes_num=527, out_emb=HTSAT_WIDTH, text_model="gpt2",
                          transformer_embed_dim=GPT_WIDTH, d_proj=1024)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        randomise_batch_norm(model, gen)
        for name, p in model.named_parameters():
            if name.endswith("relative_position_bias_table"):  # zeros until trained
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        model.logit_scale.fill_(3.2)
    state = dict(model.state_dict())
    for i in range(GPT_LAYERS):
        state[f"caption_encoder.base.h.{i}.attn.bias"] = torch.tril(torch.ones(1024, 1024, dtype=torch.bool))[
            None, None]
        state[f"caption_encoder.base.h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state, "epoch": 1}, path)
    return path


class Msclap2023:
    """msclap's CLAPWrapper on a saved file; vectors normalised as its compute_similarity does."""

    def __init__(self, path: Path, scratch: Path) -> None:
        module = _wrapper_module()
        with small_towers():
            original = module.AutoTokenizer
            module.AutoTokenizer = _LocalTokenizer(scratch)
            try:
                self.wrapper = _small_wrapper(module)(model_fp=str(path), version="2023")
            finally:
                module.AutoTokenizer = original

    @property
    def model(self) -> torch.nn.Module:
        return self.wrapper.clap

    def audio(self, wave: np.ndarray) -> np.ndarray:
        """`get_audio_embeddings` of a file holding `wave` at 44.1 kHz (no resampling)."""
        self.wrapper.read_audio = lambda path, resample=True: (torch.from_numpy(wave)[None], SR)
        vec = self.wrapper.get_audio_embeddings(["clip.wav"], resample=False)
        return torch.nn.functional.normalize(vec, dim=-1)[0].numpy()

    def text(self, texts: list[str]) -> np.ndarray:
        vec = self.wrapper.get_text_embeddings(texts)
        return torch.nn.functional.normalize(vec, dim=-1).numpy()

    def tokens(self, texts: list[str]) -> dict[str, torch.Tensor]:
        return self.wrapper.preprocess_text(texts)


class _LocalTokenizer:
    """AutoTokenizer.from_pretrained('gpt2') on the vocabulary shipped in clap_search/assets/."""

    def __init__(self, scratch: Path) -> None:
        self.folder = scratch / "gpt2-tokenizer"

    def from_pretrained(self, name: str):
        from transformers import GPT2Tokenizer

        assert name == "gpt2"
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(VOCAB, self.folder / "vocab.json")  # the hub names of the same two files
        shutil.copy(MERGES, self.folder / "merges.txt")
        tok = GPT2Tokenizer.from_pretrained(str(self.folder))
        if not hasattr(tok, "encode_plus"):  # transformers 5: __call__ takes the same arguments
            tok.encode_plus = tok.__call__
        return tok


def _small_wrapper(module: types.ModuleType) -> type:
    """CLAPWrapper reading config_2023.yml with the small towers' widths in place of 768."""

    class SmallWrapper(module.CLAPWrapper):
        def read_config_as_args(self, *args, **kwargs):
            config = super().read_config_as_args(*args, **kwargs)
            config.out_emb, config.transformer_embed_dim = HTSAT_WIDTH, GPT_WIDTH
            return config

    return SmallWrapper


def _wrapper_module() -> types.ModuleType:
    import_reference()
    if importlib.util.find_spec("torchaudio") is None and "torchaudio" not in sys.modules:
        stub = types.ModuleType("torchaudio")
        stub.transforms = types.ModuleType("torchaudio.transforms")
        sys.modules["torchaudio"], sys.modules["torchaudio.transforms"] = stub, stub.transforms
    filters = warnings.filters[:]
    try:
        return importlib.import_module("msclap.CLAPWrapper")
    finally:  # CLAPWrapper silences every warning at import
        warnings.filters[:] = filters
