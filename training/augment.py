"""Waveform augmentations for end-to-end audio training: speed, gain, tilt, noise, band limit.

The held-out sounds come from other games and recordings than the training clips: other
microphones, levels, mixing and pitch. Training the audio tower on crops that vary in exactly
those ways is meant to make it care about what sounds, not about how a source was produced.
Only training uses these; inference stays deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Augment:
    """Ranges of each random change; `p_*` are the chances a change is applied at all."""

    speed: tuple[float, float] = (0.85, 1.18)  # resampling factor: pitch and tempo together
    gain_db: tuple[float, float] = (-18.0, 6.0)
    tilt_db_per_octave: tuple[float, float] = (-3.0, 3.0)
    snr_db: tuple[float, float] = (15.0, 40.0)
    p_speed: float = 0.5
    p_tilt: float = 0.5
    p_noise: float = 0.3

    def __call__(self, wave: np.ndarray, sample_rate: int, rng: random.Random) -> np.ndarray:
        x = wave.astype(np.float32)
        if len(x) < 2:
            return x
        if rng.random() < self.p_speed:
            x = change_speed(x, rng.uniform(*self.speed))
        if rng.random() < self.p_tilt:
            x = spectral_tilt(x, sample_rate, rng.uniform(*self.tilt_db_per_octave))
        if rng.random() < self.p_noise:
            x = add_noise(x, rng.uniform(*self.snr_db), rng)
        x = x * np.float32(10 ** (rng.uniform(*self.gain_db) / 20))
        return np.clip(x, -1.0, 1.0)


def change_speed(wave: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster (higher and shorter), by linear interpolation."""
    n = max(2, int(len(wave) / factor))
    positions = np.linspace(0, len(wave) - 1, n, dtype=np.float64)
    return np.interp(positions, np.arange(len(wave)), wave).astype(np.float32)


def spectral_tilt(wave: np.ndarray, sample_rate: int, db_per_octave: float) -> np.ndarray:
    """Brighten (>0) or darken (<0) the sound around 1 kHz, as another microphone or EQ would."""
    spec = np.fft.rfft(wave)
    freqs = np.fft.rfftfreq(len(wave), 1.0 / sample_rate)
    octaves = np.log2(np.maximum(freqs, 20.0) / 1000.0)
    spec *= 10 ** (db_per_octave * octaves / 20)
    return np.fft.irfft(spec, n=len(wave)).astype(np.float32)


def band_limit(wave: np.ndarray, sample_rate: int, rate: int) -> np.ndarray:
    """The sound as recorded at `rate` and played back at `sample_rate`: nothing above rate / 2."""
    import soxr

    low = soxr.resample(wave, sample_rate, rate)
    return soxr.resample(low, rate, sample_rate)[: len(wave)].astype(np.float32)


def add_noise(wave: np.ndarray, snr_db: float, rng: random.Random) -> np.ndarray:
    """White noise `snr_db` below the clip's RMS level."""
    rms = float(np.sqrt(np.mean(wave.astype(np.float64) ** 2)))
    if rms == 0.0:
        return wave
    noise = np.random.default_rng(rng.getrandbits(32)).standard_normal(len(wave)).astype(np.float32)
    return wave + noise * np.float32(rms * 10 ** (-snr_db / 20))
