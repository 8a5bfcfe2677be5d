"""Log-mel spectrogram in plain torch, the one front end shared by training and inference."""

from __future__ import annotations

import math

import torch
from torch import nn

from clap_search.config import AudioConfig


def _hz_to_mel(hz: torch.Tensor) -> torch.Tensor:
    return 2595.0 * torch.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: torch.Tensor) -> torch.Tensor:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank(cfg: AudioConfig) -> torch.Tensor:
    """HTK-scale triangular filters, each summing to one ("unit_sum"), shape (n_freqs, n_mels)."""
    n_freqs = cfg.n_fft // 2 + 1
    freqs = torch.linspace(0, cfg.sample_rate / 2, n_freqs, dtype=torch.float64)
    mels = torch.linspace(
        _hz_to_mel(torch.tensor(cfg.f_min, dtype=torch.float64)),
        _hz_to_mel(torch.tensor(min(cfg.f_max, cfg.sample_rate / 2), dtype=torch.float64)),
        cfg.n_mels + 2,
        dtype=torch.float64,
    )
    edges = _mel_to_hz(mels)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    f = freqs[:, None]
    rising = (f - lower) / (centre - lower)
    falling = (upper - f) / (upper - centre)
    fb = torch.clamp(torch.minimum(rising, falling), min=0.0)
    sums = fb.sum(dim=0, keepdim=True)
    fb = fb / torch.where(sums > 0, sums, torch.ones_like(sums))
    return fb.float()


class LogMel(nn.Module):
    """Waveform (batch, samples) at cfg.sample_rate -> normalised log-mel (batch, frames, mels)."""

    window: torch.Tensor
    fbank: torch.Tensor

    def __init__(self, cfg: AudioConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.register_buffer("window", torch.hann_window(cfg.n_fft, periodic=True), persistent=False)
        self.register_buffer("fbank", mel_filterbank(cfg), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        spec = torch.stft(
            wave,
            n_fft=cfg.n_fft,
            hop_length=cfg.hop_length,
            window=self.window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        power = spec.real.square() + spec.imag.square()  # (batch, freqs, frames)
        mel = torch.matmul(power.transpose(1, 2), self.fbank)  # (batch, frames, mels)
        return torch.log10(1.0 + cfg.log_scale * mel) / cfg.log_norm

    def num_frames(self, num_samples: int) -> int:
        return num_samples // self.cfg.hop_length + 1


def frames_to_seconds(frames: float, cfg: AudioConfig) -> float:
    return frames * cfg.hop_length / cfg.sample_rate


def seconds_to_frames(seconds: float, cfg: AudioConfig) -> int:
    return int(math.floor(seconds * cfg.sample_rate / cfg.hop_length + 0.5))
