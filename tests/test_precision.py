"""The audio tower's inference precision: bfloat16 where the CPU is fast at it, else float32."""

import numpy as np
import pytest
import torch

from clap_search.embed import Embedder
from clap_search.errors import UsageError
from clap_search.factory import inference_dtype


def _wave(seconds: float = 7.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(44100 * seconds)) / 44100
    return (0.3 * np.sin(2 * np.pi * 330 * t) * (1 + np.sin(3 * t)) + 0.05 * rng.standard_normal(len(t))
            ).astype(np.float32)


def test_bfloat16_windows_stay_close_to_float32(monkeypatch):
    got = {}
    for name in ("float32", "bfloat16"):
        monkeypatch.setenv("CLAP_SEARCH_PRECISION", name)
        embedder = Embedder.load("tiny")
        assert embedder.model.audio_encoder.compute_dtype == getattr(torch, name)
        got[name] = embedder.embed_wave(_wave()).vectors
    assert got["float32"].dtype == got["bfloat16"].dtype == np.float32
    cosine = (got["float32"] * got["bfloat16"]).sum(axis=1)
    assert cosine.min() > 0.99


def test_precision_choice(monkeypatch):
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "fp32")
    assert inference_dtype(torch.device("cpu")) == torch.float32
    monkeypatch.setenv("CLAP_SEARCH_PRECISION", "half")
    with pytest.raises(UsageError, match="CLAP_SEARCH_PRECISION"):
        inference_dtype(torch.device("cpu"))
    monkeypatch.delenv("CLAP_SEARCH_PRECISION")
    assert inference_dtype(torch.device("cpu")) in (torch.float32, torch.bfloat16)
