"""The audio tower's inference precision: int8 when calibrated, bfloat16 on AMX, else float32."""

import json

import numpy as np
import pytest
import torch

from clap_search.embed import Embedder
from clap_search.encoders.int8 import calibrate, quantized_engine
from clap_search.errors import UsageError
from clap_search.factory import bundled_checkpoint, calibration_path, create_model, inference_precision


def _wave(seconds: float = 7.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(44100 * seconds)) / 44100
    tone = 0.3 * np.sin(2 * np.pi * (200 + 300 * seed) * t) * (1 + np.sin(3 * t))
    return (tone + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def _tiny_calibration() -> list[float]:
    model, _ = create_model("tiny")
    mels = [model.mel(torch.from_numpy(_wave(3.0, seed))[None]) for seed in range(4)]
    return calibrate(model.audio_encoder, mels)


def _vectors(precision: str, monkeypatch, calibration=None) -> np.ndarray:
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", precision)
    model, identity = create_model("tiny")
    embedder = Embedder(model, identity, calibration=calibration)
    out = embedder.embed_wave(_wave()).vectors
    assert embedder.precision == precision and out.dtype == np.float32
    return out


def test_bfloat16_windows_stay_close_to_float32(monkeypatch):
    ref, got = _vectors("float32", monkeypatch), _vectors("bfloat16", monkeypatch)
    assert (ref * got).sum(axis=1).min() > 0.99


@pytest.mark.skipif(quantized_engine() is None, reason="no torch quantized backend on this CPU")
def test_int8_windows_stay_close_to_float32_and_repeat_exactly(monkeypatch):
    calibration = _tiny_calibration()
    assert len(calibration) == 5 and all(v > 0 for v in calibration)  # input + 2 blocks x 2 convs
    ref = _vectors("float32", monkeypatch)
    got = _vectors("int8", monkeypatch, calibration)
    assert (ref * got).sum(axis=1).min() > 0.98
    assert np.array_equal(got, _vectors("int8", monkeypatch, calibration))


def test_precision_choice(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "fp32")
    assert inference_precision(cpu, calibrated=True) == "float32"
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "half")
    with pytest.raises(UsageError, match="CLAP_SEARCH_PRECISION"):
        inference_precision(cpu, calibrated=False)
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "int8")
    with pytest.raises(UsageError, match="calibrated"):
        inference_precision(cpu, calibrated=False)
    monkeypatch.delenv("CLAP_SEARCH_PRECISION")
    assert inference_precision(cpu, calibrated=False) in ("float32", "bfloat16")
    if quantized_engine():
        assert inference_precision(cpu, calibrated=True) == "int8"


def test_the_default_model_ships_its_calibration():
    model, identity = create_model("default")
    data = json.loads(calibration_path(bundled_checkpoint()).read_text())
    assert data["version"] == identity.version
    assert len(data["activation_peaks"]) == 2 * len(model.audio_encoder.blocks) + 1
    assert Embedder.load("default").calibration == data["activation_peaks"]
