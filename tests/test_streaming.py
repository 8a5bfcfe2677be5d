"""Long files are decoded and embedded block by block, with the same results as whole-file embedding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

import clap_search.streaming as streaming
from clap_search.db import File, Segment, blob_to_vectors
from clap_search.indexer import decode
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from tests.conftest import tone, write_sound

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_chunks(monkeypatch):
    """10 s chunks with 2 s of context: a 61 s file runs through seven chunks."""
    monkeypatch.setattr(streaming, "CHUNK_SECONDS", 10.0)
    monkeypatch.setattr(streaming, "MARGIN_SECONDS", 2.0)


def _wave(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(3)
    return (tone(seconds, 440.0, 44100) + 0.05 * rng.standard_normal(int(seconds * 44100))).astype(np.float32)


@pytest.mark.parametrize("block", [441, 4410 + 7, 44100 * 3 + 11])
def test_blocks_give_the_vectors_of_the_whole_wave(embedder, small_chunks, block):
    wave = _wave(61.3)
    whole = embedder.embed_wave(wave)
    pieces = embedder.embed_blocks(wave[i : i + block] for i in range(0, len(wave), block))
    assert np.array_equal(pieces.starts, whole.starts) and np.array_equal(pieces.ends, whole.ends)
    assert np.array_equal(pieces.vectors, whole.vectors)  # exact: the chunk grid is fixed by the file
    assert whole.ends[-1] == pytest.approx(61.3, abs=1e-3)


def test_chunked_frames_match_one_pass_to_float_tolerance(embedder, small_chunks, monkeypatch):
    """The 2 s of context on each side cover the tower's receptive field: chunking changes
    the window vectors by float noise only, compared with one pass over the whole file."""
    wave = _wave(61.3)
    chunked = embedder.embed_wave(wave).vectors
    monkeypatch.setattr(streaming, "CHUNK_SECONDS", 1e6)
    one_pass = embedder.embed_wave(wave).vectors
    assert chunked.shape == one_pass.shape
    assert np.abs(chunked - one_pass).max() < 1e-4


def test_the_indexer_streams_long_files_with_the_same_rows(tmp_path, embedder, small_chunks, monkeypatch):
    write_sound(tmp_path / "a" / "long.flac", seconds=61.0, freq=330)

    def rows(stream_seconds: float, name: str):
        monkeypatch.setattr(decode, "STREAM_SECONDS", stream_seconds)
        lib = Library.open(tmp_path / name, create=True)
        try:
            summary = index_folder(lib, tmp_path / "a", embedder)
            assert summary.added == 1, summary.failures
            with lib.session() as s:
                f = s.scalars(select(File)).one()
                blobs = s.scalars(select(Segment.vector).order_by(Segment.start)).all()
                meta = (f.duration, f.audio_hash, f.fingerprint, f.sample_rate)
                return meta, blob_to_vectors(list(blobs), lib.dim)
        finally:
            lib.close()

    whole_meta, whole_vectors = rows(600.0, "whole")
    streamed_meta, streamed_vectors = rows(5.0, "streamed")
    assert streamed_meta == whole_meta
    assert np.array_equal(streamed_vectors, whole_vectors)


@pytest.mark.slow
def test_two_hour_file_decodes_in_flat_memory(tmp_path):
    """Peak RSS of decode + embed of a 2-hour 8 kHz WAV stays far below the whole-file cost."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_long_file.py"), "--hours", "2", "--model", "tiny",
         "--folder", str(tmp_path), "--json"],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # the whole wave at 44.1 kHz alone would be 1.27 GB of float32
    assert result["peak_rss_mb"] < 800, result
