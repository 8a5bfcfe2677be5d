"""Thread planning: decode workers + compute threads fit the cores, and the limits reach every pool."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import clap_search.indexer.pipeline as pipeline
import clap_search.threads as threads
from clap_search.threads import ThreadPlan, available_cores, plan_index_threads


@pytest.mark.parametrize("total", [1, 2, 3, 4, 8, 16, 64])
def test_plan_never_oversubscribes(total):
    plan = plan_index_threads(total)
    assert plan.compute >= 1 and plan.decode >= 1
    assert plan.compute + plan.decode <= max(total, 2)  # one core still needs a decode thread
    assert plan.compute >= plan.decode  # the model is most of the work
    assert 1 <= plan.words <= total  # the words stage, after decoding, never past the total either


def test_default_plan_follows_the_affinity_mask(monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert available_cores() == 4
    assert plan_index_threads() == plan_index_threads(4)


def test_limit_reaches_torch_faiss_and_blas():
    code = (
        "import json, numpy, faiss, torch, threadpoolctl\n"
        "from clap_search.threads import limit_threads\n"
        "limit_threads(1)\n"
        "pools = {l['internal_api'] + ':' + l['prefix']: l['num_threads']"
        " for l in threadpoolctl.threadpool_info()}\n"
        "print(json.dumps({'torch': torch.get_num_threads(), 'faiss': faiss.omp_get_max_threads(),"
        " 'pools': pools}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["torch"] == 1 and seen["faiss"] == 1
    assert seen["pools"] and set(seen["pools"].values()) == {1}, seen["pools"]


def test_index_threads_option_sets_the_plan(cli, sounds, tmp_path, monkeypatch):
    limits, workers = [], []
    monkeypatch.setattr(threads, "limit_threads", limits.append)
    real = pipeline.index_folder

    def spy(*args, **kwargs):
        workers.append((kwargs.get("workers"), kwargs.get("words_threads")))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "index_folder", spy)
    code, _, err = cli("index", sounds, "--library", tmp_path / "lib", "--model", "tiny", "--threads", "3")
    assert code == 0, err
    plan = plan_index_threads(3)
    assert limits == [plan.compute] and workers == [(plan.decode, 3)]
    assert ThreadPlan(limits[0], workers[0][0], workers[0][1]) == plan


def test_the_words_stage_gets_its_threads_and_gives_them_back(tmp_path, embedder, monkeypatch):
    import torch

    from clap_search.library import Library
    from tests.conftest import write_sound

    for i, name in enumerate(["dog_bark", "rain_on_roof", "door_slam"]):  # names: sentences to embed
        write_sound(tmp_path / "sfx" / f"{name}.wav", seconds=2, freq=300 + 200 * i, seed=i)
    seen = []
    real = embedder.embed_texts

    def spy(texts):
        seen.append(torch.get_num_threads())
        return real(texts)

    monkeypatch.setattr(embedder, "embed_texts", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pipeline.index_folder(Library.open(tmp_path / "lib", create=True), tmp_path / "sfx", embedder,
                              words_threads=2)
        assert seen and set(seen) == {2} and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
