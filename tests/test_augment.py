"""Training-time waveform augmentations: each keeps the clip a valid, similar sound."""

import random

import numpy as np

from clap_search.training.augment import Augment, add_noise, band_limit, change_speed, spectral_tilt

SR = 44100


def _tone(freq: float = 440.0, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(wave: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(wave))
    return float(np.fft.rfftfreq(len(wave), 1 / SR)[spec.argmax()])


def test_speed_up_raises_pitch_and_shortens():
    fast = change_speed(_tone(440.0), 1.1)
    assert len(fast) == int(len(_tone()) / 1.1)
    assert abs(_peak_hz(fast) - 484.0) < 5.0


def test_tilt_brightens_high_frequencies_and_keeps_length():
    mix = _tone(100.0) + _tone(8000.0)
    bright = spectral_tilt(mix, SR, 3.0)
    spec, spec0 = np.abs(np.fft.rfft(bright)), np.abs(np.fft.rfft(mix))
    hi, lo = int(8000 * 0.5), int(100 * 0.5)  # bins of a 0.5 s clip are 2 Hz apart
    assert len(bright) == len(mix)
    assert spec[hi] / spec0[hi] > 1.5 and spec[lo] / spec0[lo] < 1.0


def test_noise_sits_at_the_asked_level():
    wave = _tone()
    noisy = add_noise(wave, 20.0, random.Random(0))
    snr = 10 * np.log10(np.mean(wave**2) / np.mean((noisy - wave) ** 2))
    assert abs(snr - 20.0) < 0.5
    assert np.array_equal(add_noise(np.zeros(10, np.float32), 20.0, random.Random(0)), np.zeros(10))


def test_augment_is_seeded_and_stays_in_range():
    aug = Augment(p_speed=1.0, p_tilt=1.0, p_noise=1.0, gain_db=(6.0, 6.0))
    a = aug(_tone(), SR, random.Random(3))
    b = aug(_tone(), SR, random.Random(3))
    assert np.array_equal(a, b)
    assert a.dtype == np.float32 and np.abs(a).max() <= 1.0


def test_band_limit_removes_what_a_lower_rate_cannot_hold_and_keeps_the_rest():
    mix = _tone(1000.0) + _tone(7000.0)
    phone = band_limit(mix, SR, 11025)  # nothing above 5.5 kHz survives
    spec, spec0 = np.abs(np.fft.rfft(phone)), np.abs(np.fft.rfft(mix))
    assert len(phone) == len(mix) and phone.dtype == np.float32
    assert spec[7000 // 2] < 0.01 * spec0[7000 // 2]  # bins are 2 Hz apart
    assert 0.9 < spec[1000 // 2] / spec0[1000 // 2] < 1.1
