"""A text query from the shell imports neither torch nor the server: the cold start stays short.

An import-level check, not a timing one (scripts/bench_query.py measures the time).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from clap_search.checkpoint import save_checkpoint
from clap_search.config import CONFIGS
from clap_search.embed import Embedder
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.model import CLAPModel
from clap_search.query import search_text

CONSOLE_SCRIPT = Path(sys.executable).parent / "clap-search"
NOT_FOR_TEXT = ("torch", "transformers", "fastapi", "uvicorn", "starlette", "soundfile", "soxr",
                "clap_search.indexer", "clap_search.training", "clap_search.server", "clap_search.embed")


def imported(stderr: str) -> set[str]:
    """Module names from `python -X importtime` output."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.fixture
def indexed(tmp_path, sounds):
    """A library indexed with a checkpoint file (the random `tiny` config only exists in torch)."""
    torch.manual_seed(0)
    path = tmp_path / "model.safetensors"
    save_checkpoint(CLAPModel(dataclasses.replace(CONFIGS["tiny"], name="tiny-file")), path)
    lib = Library.open(tmp_path / "lib", create=True)
    embedder = Embedder.load(str(path))
    index_folder(lib, sounds, embedder)
    want = [h.path for h in search_text(lib, embedder, "dog barking in rain", k=3)]
    lib.close()
    return tmp_path / "lib", path, want


def test_text_query_from_the_console_script_never_imports_torch(indexed):
    lib, model, want = indexed
    args = ["query", "dog barking in rain", "-k", "3", "--json", "--library", str(lib), "--model", str(model)]
    run = subprocess.run([sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT), *args],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert [json.loads(line)["path"] for line in run.stdout.splitlines()] == want  # same hits as torch
    names = imported(run.stderr)
    assert "clap_search.encoders.bert_numpy" in names  # the check sees the imports it claims to
    loaded = sorted(n for n in names if n.split(".")[0] in NOT_FOR_TEXT or n.startswith(NOT_FOR_TEXT))
    assert not loaded, f"a text query imported {loaded[:10]}"


def test_in_process_text_query_leaves_torch_unloaded(indexed):
    lib, model, want = indexed
    code = (
        "import sys, json; from clap_search.cli.main import main;"
        f"code = main(['query', 'dog barking in rain', '-k', '3', '--json', '--library', {str(lib)!r},"
        f" '--model', {str(model)!r}]);"
        "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'fastapi') if m in sys.modules)));"
        "sys.exit(code)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.splitlines()[-1]) == []


def test_a_cold_query_reads_the_reference_phrases_stored_at_index_time(indexed):
    """Embedding the ~100 calibration phrases cost a cold hybrid query ~0.4 s; `index` stores them."""
    lib, model, want = indexed
    assert (lib / "words-reference.npz").is_file()
    code = (
        "import json, sys; import clap_search.words.reference as r; from clap_search.cli.main import main;"
        "found = []; load = r._load;"
        "r._load = lambda path, key: found.append(load(path, key) is not None) or load(path, key);"
        f"code = main(['query', 'dog barking in rain', '-k', '3', '--json', '--library', {str(lib)!r},"
        f" '--model', {str(model)!r}]);"
        "print(json.dumps(found)); sys.exit(code)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert [json.loads(line)["path"] for line in run.stdout.splitlines()[:-1]] == want
    assert json.loads(run.stdout.splitlines()[-1]) == [True]  # loaded, not embedded again


def test_reference_phrases_follow_the_text_head(tmp_path):
    """A stored copy made with another text head (or model) is not used: it is recomputed."""
    import numpy as np

    from clap_search.words import reference

    class Fake:
        identity = type("I", (), {"name": "m", "version": "v1"})()
        text_layer = None
        calls = 0

        def embed_texts(self, texts):
            Fake.calls += 1
            return np.full((len(texts), 4), float(Fake.calls), np.float32)

    reference._CACHE.clear()
    reference._IN_FOLDER.clear()
    first = reference.reference_vectors(Fake(), tmp_path)
    reference._CACHE.clear()
    reference._IN_FOLDER.clear()
    assert np.array_equal(reference.reference_vectors(Fake(), tmp_path), first) and Fake.calls == 1
    reference._CACHE.clear()
    reference._IN_FOLDER.clear()
    adapted = Fake()
    adapted.text_layer = "abc123"
    assert reference.reference_vectors(adapted, tmp_path)[0, 0] == 2.0 and Fake.calls == 2
    reference._CACHE.clear()
    reference._IN_FOLDER.clear()
