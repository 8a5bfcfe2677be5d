"""Shared fixtures: the tiny seeded model, generated sound folders, a fresh library, a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clap_search.embed import Embedder
from clap_search.library import Library

SR = 22050


def tone(seconds: float, freq: float, sr: int = SR, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    wave = 0.3 * np.sin(2 * np.pi * freq * t)
    if noise:
        wave += noise * np.random.default_rng(seed).standard_normal(len(t))
    return wave.astype(np.float32)


def write_sound(path: Path, seconds: float = 3.0, freq: float = 440.0, seed: int = 0, **kw) -> Path:
    """A short tone with a little noise; opus needs 48 kHz in an OGG container."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sr = 48000 if path.suffix == ".opus" else SR
    if path.suffix == ".opus":
        kw = {"format": "OGG", "subtype": "OPUS", **kw}
    sf.write(os.fsencode(path), tone(seconds, freq, sr, noise=0.05, seed=seed), sr, **kw)
    return path


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.load("tiny")


@pytest.fixture
def sounds(tmp_path: Path) -> Path:
    """Five distinct WAVs of 2-7 s."""
    folder = tmp_path / "sounds"
    for i in range(5):
        write_sound(folder / f"s{i}.wav", seconds=2 + i, freq=200 + 150 * i, seed=i)
    return folder


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib", create=True)
    yield lib
    lib.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the real entry point (where errors become exit codes): returns (code, stdout, stderr)."""
    from clap_search.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
