"""The CLAP model: two towers, two projections into one joint space, a learnable temperature."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from clap_search.config import ModelConfig
from clap_search.encoders.audio import ConvAudioEncoder
from clap_search.encoders.text import TextEncoder
from clap_search.features import make_front_end


class Projection(nn.Module):
    """Linear map into the joint space with a residual GELU refinement and LayerNorm."""

    def __init__(self, d_in: int, d_out: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.linear1 = nn.Linear(d_in, d_out, bias=False)
        self.linear2 = nn.Linear(d_out, d_out, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.linear1(x)
        return self.norm(h + self.dropout(self.linear2(F.gelu(h))))


class CLAPModel(nn.Module):
    """`encode_audio`, `encode_text` and `logit_scale`: the whole surface the engine uses."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.logmel = make_front_end(cfg.audio)
        self.audio_encoder = ConvAudioEncoder(cfg.audio)
        self.text_encoder = TextEncoder(cfg.text)
        self.audio_projection = Projection(cfg.audio.width, cfg.embed_dim)
        self.text_projection = Projection(cfg.text.hidden_size, cfg.embed_dim)
        self.logit_scale_log = nn.Parameter(torch.tensor(cfg.init_logit_scale))

    @property
    def logit_scale(self) -> torch.Tensor:
        """exp(t), clamped at the paper's 100 so that training cannot blow the softmax up."""
        return self.logit_scale_log.clamp(max=math.log(self.cfg.max_logit_scale)).exp()

    def mel(self, wave: torch.Tensor) -> torch.Tensor:
        """(batch, samples) -> (batch, frames, mels), padded with silence to the tower's minimum."""
        mel = self.logmel(wave)
        short = self.cfg.audio.min_frames - mel.shape[1]
        return F.pad(mel, (0, 0, 0, short)) if short > 0 else mel

    def audio_frames(self, wave: torch.Tensor) -> torch.Tensor:
        """(batch, samples) -> frame features (batch, width, frames')."""
        return self.audio_encoder.frame_features(self.mel(wave))

    def project_audio(self, frames: torch.Tensor) -> torch.Tensor:
        """Frame features of a clip or window -> L2-normalised joint-space vector."""
        return F.normalize(self.audio_projection(self.audio_encoder.pool(frames)), dim=-1)

    def encode_audio(self, wave: torch.Tensor) -> torch.Tensor:
        return self.project_audio(self.audio_frames(wave))

    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.text_encoder(input_ids, attention_mask)
        return F.normalize(self.text_projection(hidden), dim=-1)

    def forward(
        self, wave: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.encode_audio(wave), self.encode_text(input_ids, attention_mask), self.logit_scale
