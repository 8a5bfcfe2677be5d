"""Training smoke test: a few epochs on synthetic pairs; loss falls; checkpoint reloads."""

import argparse
import json
import random
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from clap_search.factory import create_model
from clap_search.training.train import run

TONES = {"a low hum": 110.0, "a high whistle": 3520.0, "a mid beep": 880.0, "white noise hiss": 0.0}


def _corpus(root):
    (root / "audio").mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows, evals = [], []
    for i in range(48):
        caption, freq = list(TONES.items())[i % 4]
        t = np.arange(int(44100 * rng.uniform(0.5, 2.0))) / 44100
        wave = rng.standard_normal(len(t)) * 0.3 if freq == 0 else 0.5 * np.sin(2 * np.pi * freq * t)
        name = f"audio/c{i}.flac"
        sf.write(root / name, wave.astype(np.float32), 44100)
        split = "val" if i >= 40 else "train"
        row = {"id": f"c{i}", "audio": name, "caption": caption, "captions": [caption], "split": split,
               "splits": {"select": split, "final": "train"}, "source_package": "synthetic"}
        rows.append(row)
        if i >= 40:
            evals.append({"id": f"c{i}", "audio": name, "label": caption.split()[-1]})
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "eval_zeroshot.jsonl").write_text("".join(json.dumps(r) + "\n" for r in evals))


def _args(tmp_path, **changes) -> argparse.Namespace:
    """The trainer's options for a tiny run on the synthetic corpus."""
    _corpus(tmp_path / "corpus")
    base = dict(
        corpus=str(tmp_path / "corpus"), out=str(tmp_path / "run"), cache=str(tmp_path / "cache"),
        epochs=2, batch_size=8, lr=3e-3, text_lr=1e-3, text="frozen", device="cpu", seed=0,
        resume=False, init="tiny", balance=0.0, prompt_aug=0.0, audio="frozen", audio_lr=1e-3,
        crop_seconds=0.0, augment=False, scheme=None, chain_aug=0.0, kind_balance=0.0,
    )
    return argparse.Namespace(**(base | changes))


def test_a_few_epochs_reduce_the_loss_and_leave_a_loadable_checkpoint(tmp_path):
    args = _args(tmp_path, epochs=6, text="finetune", balance=0.5, prompt_aug=0.3)
    run(args)
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    losses = [row["loss"] for row in log]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert {"t2a_mAP", "t2a_R@1", "a2t_R@1", "zs_top1", "zs_top5"} <= set(log[-1])
    model, identity = create_model(str(tmp_path / "run" / "best.safetensors"))
    assert identity.dim == model.cfg.embed_dim == 32
    # resuming a finished run trains no further epochs and keeps the log
    args.resume = True
    run(args)
    assert len((tmp_path / "run" / "log.jsonl").read_text().splitlines()) == 6


def test_without_a_val_split_the_last_epoch_is_the_checkpoint(tmp_path):
    """--scheme final trains on the val packages too: fixed epochs, the last one is kept."""
    run(_args(tmp_path, scheme="final", epochs=2))
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert len(log) == 2 and "t2a_mAP" not in log[-1]
    from safetensors import safe_open

    with safe_open(str(tmp_path / "run" / "best.safetensors"), "pt") as f:
        assert json.loads(f.metadata()["epoch"]) == 2


def test_the_audio_tower_can_be_trained_end_to_end(tmp_path):
    args = _args(tmp_path, audio="train", augment=True, crop_seconds=1.0)
    before, _ = create_model("tiny")
    run(args)
    after, _ = create_model(str(tmp_path / "run" / "best.safetensors"))
    w0 = before.audio_encoder.blocks[0].conv1.weight
    w1 = after.audio_encoder.blocks[0].conv1.weight.float()
    assert not torch.allclose(w0, w1, atol=1e-3)


def test_the_last_conv_block_can_be_tuned_from_cached_inputs(tmp_path):
    args = _args(tmp_path, audio="lastblock", audio_lr=1e-2)
    before, _ = create_model("tiny")
    run(args)
    after, _ = create_model(str(tmp_path / "run" / "best.safetensors"))
    assert torch.allclose(before.audio_encoder.blocks[0].conv1.weight,
                          after.audio_encoder.blocks[0].conv1.weight.float(), atol=1e-3)
    assert not torch.allclose(before.audio_encoder.blocks[-1].conv1.weight,
                              after.audio_encoder.blocks[-1].conv1.weight.float(), atol=1e-3)


def test_cached_features_are_the_engines_even_when_the_model_is_left_in_train_mode(tmp_path):
    """The cache once ran the tower in train mode: batch norm normalised each clip by its own
    statistics, so training saw features the engine never computes. It must not matter what
    mode the caller left the model in."""
    from clap_search.training.cache import FrameCache
    from clap_search.training.data import load_clip, read_manifest

    _corpus(tmp_path / "corpus")
    clips = read_manifest(tmp_path / "corpus")[:3]
    model, _ = create_model("tiny")
    with torch.no_grad():  # give batch norm running statistics unlike any one clip's
        for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
    model.train()
    cache = FrameCache.build(model, clips, tmp_path / "cache", "frames")
    assert model.training  # the caller's mode is restored
    model.eval()
    for clip in clips:
        with torch.inference_mode():
            want = model.audio_frames(torch.from_numpy(load_clip(clip, model.cfg.audio.sample_rate))[None])
        got = cache[clip.id].astype(np.float32)
        np.testing.assert_allclose(got, want[0].t().numpy(), atol=2e-2, rtol=1e-2)


def test_recording_chain_copies_lose_the_high_band_and_feed_training(tmp_path):
    """--chain-aug: some clips are seen as if recorded at 8-22 kHz (cached frames of such a copy)."""
    from clap_search.training.cache import CHAIN_RATES, FrameCache, chain_rate
    from clap_search.training.data import read_manifest

    args = _args(tmp_path, epochs=2, chain_aug=0.5)
    rates = {chain_rate(f"c{i}") for i in range(48)}
    assert rates <= set(CHAIN_RATES) and len(rates) > 1 and chain_rate("c1") == chain_rate("c1")
    run(args)
    assert len((tmp_path / "run" / "log.jsonl").read_text().splitlines()) == 2
    model, _ = create_model("tiny")
    clips = [c for c in read_manifest(tmp_path / "corpus") if c.id in ("c1", "c3")]
    plain = FrameCache.build(model, clips, tmp_path / "cache", "frames")
    chained = FrameCache.build(model, clips, tmp_path / "cache", "frames", chain=True)
    change = {c.id: np.abs(plain[c.id].astype(np.float32) - chained[c.id].astype(np.float32)).max()
              for c in clips}
    assert plain["c3"].shape == chained["c3"].shape
    assert change["c3"] > 10 * change["c1"]  # white noise loses its top band; a 3.5 kHz whistle keeps all


def test_kind_balance_draws_the_rare_kinds_more_often():
    from clap_search.training.data import Clip
    from clap_search.training.train import batches

    clips = [Clip(f"s{i}", Path("x"), (f"speech {i}",), "train", "p", kind="speech") for i in range(90)]
    clips += [Clip(f"a{i}", Path("x"), (f"animal {i}",), "train", "p", kind="animal") for i in range(10)]
    plain = [c for b in batches(clips, 10, random.Random(0)) for c in b]
    assert sum(c.kind == "animal" for c in plain) == 10  # a shuffle: each clip once
    drawn = [c for b in batches(clips, 10, random.Random(0), kind_balance=1.0) for c in b]
    assert 35 <= sum(c.kind == "animal" for c in drawn) <= 65  # count^-1: both kinds equally likely


def test_end_to_end_training_sees_band_limited_copies(tmp_path, monkeypatch):
    """--audio train --chain-aug: a share of the crops goes through a random 8-22 kHz chain."""
    import clap_search.training.train as train_module

    seen = []
    real = train_module.band_limit
    def spy(wave, sr, rate):
        seen.append(rate)
        return real(wave, sr, rate)

    monkeypatch.setattr(train_module, "band_limit", spy)
    run(_args(tmp_path, audio="train", crop_seconds=1.0, chain_aug=0.5))
    assert len((tmp_path / "run" / "log.jsonl").read_text().splitlines()) == 2
    assert seen and set(seen) <= set(train_module.CHAIN_RATES)


def test_a_soup_is_the_mean_of_its_checkpoints_and_refuses_other_models(tmp_path):
    from clap_search.checkpoint import load_checkpoint, save_checkpoint
    from clap_search.errors import CheckpointError
    from clap_search.training.soup import soup

    a, _ = create_model("tiny")
    b, _ = create_model("tiny")
    torch.manual_seed(1)
    with torch.no_grad():
        for p in b.parameters():
            p.add_(torch.randn_like(p))
    save_checkpoint(a, tmp_path / "a.safetensors", dtype=torch.float32)
    save_checkpoint(b, tmp_path / "b.safetensors", dtype=torch.float32)
    soup([tmp_path / "a.safetensors", tmp_path / "b.safetensors"], tmp_path / "s.safetensors")
    s, _ = load_checkpoint(tmp_path / "s.safetensors")
    sa, sb = a.state_dict(), b.state_dict()
    for name, t in s.state_dict().items():
        if t.is_floating_point():
            assert torch.allclose(t.float(), (sa[name].float() + sb[name].float()) / 2, atol=2e-3), name
    with pytest.raises(CheckpointError):
        soup([tmp_path / "a.safetensors"], tmp_path / "one.safetensors")
