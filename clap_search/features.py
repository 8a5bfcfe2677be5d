"""Log-mel spectrogram in plain torch, the one front end shared by training and inference."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
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


def slaney_mel_filters(cfg: AudioConfig) -> torch.Tensor:
    """librosa.filters.mel(htk=False, norm="slaney") in numpy: the PANNs / torchlibrosa filters,
    shape (n_freqs, n_mels). Only builds a fresh model: checkpoints carry their own."""
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp

    def to_mel(hz: np.ndarray) -> np.ndarray:
        log_part = min_log_mel + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep
        return np.where(hz >= min_log_hz, log_part, hz / f_sp)

    def to_hz(mel: np.ndarray) -> np.ndarray:
        log_part = min_log_hz * np.exp(logstep * (mel - min_log_mel))
        return np.where(mel >= min_log_mel, log_part, f_sp * mel)

    fft_freqs = np.linspace(0, cfg.sample_rate / 2, cfg.n_fft // 2 + 1)
    lo, hi = to_mel(np.array(cfg.f_min)), to_mel(np.array(cfg.f_max))
    edges = to_hz(np.linspace(lo, hi, cfg.n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return torch.from_numpy(weights.T.astype(np.float32))


class ConvStftLogMel(nn.Module):
    """PANNs' front end (torchlibrosa Spectrogram + LogmelFilterBank, then CNN14's bn0).

    The STFT is a conv1d whose kernels (DFT rows times a Hann window) and the mel filters are
    weights of the checkpoint, used as stored: reflect padding, power spectrum, 10 log10 with
    amin 1e-10 and no top_db, then a batch-norm over mel bins. Output (batch, frames, mels).
    """

    def __init__(self, cfg: AudioConfig) -> None:
        super().__init__()
        self.cfg = cfg
        n_freqs = cfg.n_fft // 2 + 1
        window = torch.hann_window(cfg.n_fft, periodic=True, dtype=torch.float64)
        k = torch.arange(n_freqs, dtype=torch.float64)[:, None]
        n = torch.arange(cfg.n_fft, dtype=torch.float64)[None, :]
        angle = -2 * math.pi * k * n / cfg.n_fft
        self.stft_real = nn.Parameter((torch.cos(angle) * window)[:, None, :].float(), requires_grad=False)
        self.stft_imag = nn.Parameter((torch.sin(angle) * window)[:, None, :].float(), requires_grad=False)
        self.melW = nn.Parameter(slaney_mel_filters(cfg), requires_grad=False)
        self.bn0 = nn.BatchNorm1d(cfg.n_mels)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        half = self.cfg.n_fft // 2
        x = F.pad(wave[:, None, :], (half, half), mode="reflect")
        real = F.conv1d(x, self.stft_real, stride=self.cfg.hop_length)
        imag = F.conv1d(x, self.stft_imag, stride=self.cfg.hop_length)
        power = (real**2 + imag**2).transpose(1, 2)  # (batch, frames, freqs)
        db = 10.0 * torch.log10(torch.clamp(torch.matmul(power, self.melW), min=1e-10))
        return self.bn0(db.transpose(1, 2)).transpose(1, 2)

    def num_frames(self, num_samples: int) -> int:
        return num_samples // self.cfg.hop_length + 1


def make_front_end(cfg: AudioConfig) -> nn.Module:
    if cfg.front_end == "aisfx":
        return LogMel(cfg)
    if cfg.front_end == "torchlibrosa":
        return ConvStftLogMel(cfg)
    raise ValueError(f"unknown audio front end {cfg.front_end!r}")
