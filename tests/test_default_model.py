"""The shipped default model: loads strictly from the package, offline, and hears a cow."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from clap_search.audio import load_audio
from clap_search.checkpoint import read_metadata
from clap_search.embed import Embedder
from clap_search.factory import bundled_checkpoint

COW = Path(__file__).parent.parent / "examples" / "sounds" / "animals" / "cow.mp3"


def test_default_checkpoint_ships_with_its_config():
    meta = read_metadata(bundled_checkpoint())
    assert meta["format"] == "clap-search/1" and "aisfx-minilm" in meta["config"]


def test_a_cow_is_nearer_to_mooing_than_to_an_engine():
    embedder = Embedder.load("default")
    wave, _ = load_audio(COW, embedder.sample_rate)
    audio = embedder.embed_wave(wave).vectors.mean(axis=0)
    text = embedder.embed_texts(["a cow mooing", "a car engine"])
    assert float(audio @ text[0]) > float(audio @ text[1])


def test_same_file_same_vectors():
    embedder = Embedder.load("default")
    wave, _ = load_audio(COW, embedder.sample_rate)
    assert np.array_equal(embedder.embed_wave(wave).vectors, embedder.embed_wave(wave.copy()).vectors)


def test_the_ten_animals_through_the_cli_classify_at_the_shipped_figure(tmp_path):
    """The quick start's ten CC0 animals (never trained on), as a user runs them. The shipped
    model gets 3 of 10 (MODEL_CARD.md); the issue's target is 8. This holds the line against a
    model that does worse; raise the floor when a better one ships."""
    names = ["cat", "cow", "dog", "duck", "frog", "horse", "owl", "pig", "rooster", "sheep"]
    cli = str(Path(sys.executable).with_name("clap-search"))
    out = subprocess.run([cli, "classify", str(COW.parent), "--labels", ",".join(names), "--json",
                          "--library", str(tmp_path / "lib")],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]  # one JSON object per file
    got = {Path(r["path"]).stem: r["label"] for r in rows}
    assert set(got) == set(names)
    assert sum(got[n] == n for n in names) >= 3, got


def test_the_same_file_gives_the_same_vectors_whatever_the_thread_count():
    """1, 2, 3 and 4 torch threads (an index on four cores gives the model three): bit for bit.
    In a fresh interpreter, so that nothing has started MKL before clap_search is imported."""
    code = (
        "import numpy as np, torch\n"
        "from clap_search.audio import load_audio\n"
        "from clap_search.embed import Embedder\n"
        "e = Embedder.load('default')\n"
        f"w, _ = load_audio({str(COW)!r}, e.sample_rate)\n"
        "out = []\n"
        "for n in (1, 2, 3, 4):\n"
        "    torch.set_num_threads(n)\n"
        "    out.append((e.embed_wave(w).vectors, e.embed_texts(['a cow mooing in a field'])))\n"
        "assert all(np.array_equal(out[0][0], a) and np.array_equal(out[0][1], t) for a, t in out[1:])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=300)


def test_a_text_gives_the_same_vector_whatever_it_is_batched_with():
    embedder = Embedder.load("default")
    alone = embedder.embed_texts(["dog bark close"])
    crowd = ["a very long sentence about many different sounds in a big library of field recordings",
             "dog bark close", "rain", "cat meow far"]
    assert np.array_equal(embedder.embed_texts(crowd)[1], alone[0])
    assert np.array_equal(embedder.embed_texts(crowd * 40)[1::4], np.repeat(alone, 40, axis=0))
