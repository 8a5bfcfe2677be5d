"""Contrastive training of a CLAP model; resumable, with a progress bar and a metric log.

    python -m clap_search.training.train --corpus data/corpus --out runs/default [--device cuda]

By default the pretrained audio CNN stays frozen and its frame features are cached (see
training/cache.py): the projections, the temperature and (with --text finetune) the text
tower are trained, which fits a 2-core CPU. `--audio train` trains the audio tower end to end
on random crops of the waveforms instead (`--augment` varies them) — what the paper's CNN14
config needs on a GPU, and what a pretrained tower can afford on the CPU for a few epochs.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
import platformdirs
import torch
import torch.nn.functional as F
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from clap_search.checkpoint import load_checkpoint, save_checkpoint
from clap_search.config import CONFIGS
from clap_search.embed import window_starts
from clap_search.encoders.text import load_tokenizer
from clap_search.factory import resolve_device
from clap_search.model import CLAPModel
from clap_search.training.augment import Augment, band_limit
from clap_search.training.cache import CHAIN_RATES, FrameCache
from clap_search.training.data import Clip, load_clip, read_manifest, read_zero_shot
from clap_search.training.evaluate import retrieval_metrics, topk_accuracy, zero_shot_scores
from clap_search.training.loss import contrastive_loss
from clap_search.training.pretrained import pretrained_model

log = logging.getLogger("training")


def window_frames(model: CLAPModel) -> tuple[int, int]:
    a = model.cfg.audio
    frame_s = a.hop_length * a.time_reduction / a.sample_rate
    return max(1, round(model.cfg.window_seconds / frame_s)), max(1, round(model.cfg.hop_seconds / frame_s))


def random_window(frames: np.ndarray, window: int, rng: random.Random) -> np.ndarray:
    """Training's only randomness on audio: which window of the clip is seen this epoch."""
    start = rng.randrange(0, len(frames) - window + 1) if len(frames) > window else 0
    return frames[start : start + window].astype(np.float32).max(axis=0)


def inference_windows(frames: np.ndarray, window: int, hop: int) -> np.ndarray:
    """The engine's fixed windows over cached frames, pooled: (n_windows, width)."""
    f = frames.astype(np.float32)
    return np.stack([f[s : s + window].max(axis=0) for s in window_starts(len(f), window, hop)])


def trainable_parameters(model: CLAPModel, text_mode: str, lr: float, text_lr: float) -> list[dict]:
    for p in model.parameters():
        p.requires_grad = False
    heads = [*model.audio_projection.parameters(), *model.text_projection.parameters(), model.logit_scale_log]
    groups = [{"params": heads, "lr": lr, "weight_decay": 0.01}]
    if text_mode != "frozen":
        layers = model.text_encoder.bert.encoder.layer
        chosen = list(layers) if text_mode == "finetune" else list(layers[-int(text_mode[3:]) :])
        text_params = [p for layer in chosen for p in layer.parameters()]
        groups.append({"params": text_params, "lr": text_lr, "weight_decay": 0.01})
    for g in groups:
        for p in g["params"]:
            p.requires_grad = True
    return groups


def encode_text(model: CLAPModel, tokenizer, texts: list[str], device: torch.device) -> torch.Tensor:
    ids, mask = tokenizer(texts, model.cfg.text.max_length)
    return model.encode_text(ids.to(device), mask.to(device))


class FrozenText:
    """With a frozen text tower, each caption's pooled hidden state is computed once."""

    def __init__(self, model: CLAPModel, tokenizer, device: torch.device) -> None:
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self.hidden: dict[str, torch.Tensor] = {}

    def __call__(self, texts: list[str]) -> torch.Tensor:
        todo = [t for t in dict.fromkeys(texts) if t not in self.hidden]
        if todo:
            with torch.no_grad():
                ids, mask = self.tokenizer(todo, self.model.cfg.text.max_length)
                hidden = self.model.text_encoder(ids.to(self.device), mask.to(self.device))
            self.hidden.update(zip(todo, hidden))
        pooled = torch.stack([self.hidden[t] for t in texts])
        return F.normalize(self.model.text_projection(pooled), dim=-1)


@torch.no_grad()
def evaluate(model, tokenizer, cache, val: list[Clip], zs: list[Clip], device) -> dict:
    """Val retrieval (model selection) and zero-shot accuracy (reported, never selected on)."""
    model.eval()
    window, hop = window_frames(model)
    out: dict = {}

    def clip_windows(clips):
        return [model.project_audio(torch.from_numpy(inference_windows(cache[c.id], window, hop))
                                    .to(device).unsqueeze(-1)).cpu().numpy()
                for c in clips]

    if val:
        val = [c for c in val if c.id in cache]
        audio = np.stack([w.mean(axis=0) for w in clip_windows(val)])
        audio /= np.linalg.norm(audio, axis=1, keepdims=True)
        captions = sorted({c.captions[0] for c in val})
        text = torch.cat([encode_text(model, tokenizer, captions[i : i + 128], device)
                          for i in range(0, len(captions), 128)]).cpu().numpy()
        relevant = np.array([[c.captions[0] == cap for c in val] for cap in captions])
        out.update(retrieval_metrics(audio, text, relevant))
    if zs:
        zs = [c for c in zs if c.id in cache]
        labels = sorted({c.label for c in zs})
        prompts = encode_text(model, tokenizer, [model.cfg.prompt.format(label=lab) for lab in labels],
                              device).cpu().numpy()
        scores = zero_shot_scores(clip_windows(zs), prompts, model.logit_scale.item())
        truth = np.array([labels.index(c.label) for c in zs])
        out.update({f"zs_{k}": v for k, v in topk_accuracy(scores, truth).items()})
    return out


def batches(clips: list[Clip], size: int, rng: random.Random, balance: float = 0.0,
            kind_balance: float = 0.0) -> list[list[Clip]]:
    """An epoch of batches. With `balance` b > 0, clips are drawn with weight count(caption)^-b,
    so the 700 "background music" clips do not drown the 7 dogs; with `kind_balance` k > 0, also
    count(kind)^-k, so that speech and instruments (more than half of the corpus) yield to everyday
    sounds (both 0: a plain shuffle)."""
    if balance > 0 or kind_balance > 0:
        captions = Counter(c.captions[0] for c in clips)
        kinds = Counter(c.kind for c in clips)
        weights = [captions[c.captions[0]] ** -balance * kinds[c.kind] ** -kind_balance for c in clips]
        order = rng.choices(clips, weights=weights, k=len(clips))
    else:
        order = clips[:]
        rng.shuffle(order)
    return [order[i : i + size] for i in range(0, len(order) - size + 1, size)] or [order]


# Ways people phrase a query or a class prompt; training sees captions in them too.
TEMPLATES = ("this is a sound of {}", "the sound of {}", "{} sound effect", "a recording of {}")


def pick_caption(clip: Clip, rng: random.Random, prompt_aug: float) -> str:
    caption = rng.choice(clip.captions)
    return rng.choice(TEMPLATES).format(caption) if rng.random() < prompt_aug else caption


class LiveFrames:
    """Frame features computed by the current audio tower (when it is being trained).

    Decoded waveforms are kept in memory as float16 (6 h of 44.1 kHz audio is about 2 GB), so
    each epoch decodes nothing."""

    def __init__(self, model: CLAPModel, clips: list[Clip], device: torch.device) -> None:
        self.model, self.device = model, device
        self.clips = {c.id: c for c in clips}
        self.waves: dict[str, np.ndarray] = {}

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.clips

    def wave(self, clip: Clip) -> np.ndarray:
        if clip.id not in self.waves:
            self.waves[clip.id] = load_clip(clip, self.model.cfg.audio.sample_rate).astype(np.float16)
        return self.waves[clip.id].astype(np.float32)

    @torch.no_grad()
    def __getitem__(self, clip_id: str) -> np.ndarray:
        wave = self.wave(self.clips[clip_id])
        frames = self.model.audio_frames(torch.from_numpy(wave).to(self.device)[None])[0]
        return frames.t().cpu().numpy()


class HeadFrames:
    """Frame features from cached last-block inputs, through the current last block."""

    def __init__(self, model: CLAPModel, cache: FrameCache, start: int) -> None:
        self.model, self.cache, self.start = model, cache, start

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.cache

    @torch.no_grad()
    def __getitem__(self, clip_id: str) -> np.ndarray:
        x = torch.from_numpy(self.cache[clip_id].astype(np.float32)).permute(1, 0, 2)[None]
        device = next(self.model.parameters()).device
        feats = self.model.audio_encoder.run_blocks(x.to(device), self.start).mean(dim=3)[0]
        return feats.t().cpu().numpy()


def tiled_window(maps: np.ndarray, window: int, rng: random.Random) -> np.ndarray:
    """A random `window`-frame crop of cached maps; short clips are tiled (max-pool friendly)."""
    if len(maps) < window:
        maps = np.concatenate([maps] * (window // len(maps) + 1))[:window]
    start = rng.randrange(0, len(maps) - window + 1)
    return maps[start : start + window]


def random_crop(wave: np.ndarray, length: int, rng: random.Random) -> np.ndarray:
    """A `length`-sample crop, zero-padded (silence) when the clip is shorter."""
    if len(wave) >= length:
        start = rng.randrange(0, len(wave) - length + 1)
        return wave[start : start + length]
    return np.pad(wave, (0, length - len(wave)))


def audio_batch(model, cache, batch, window, rng, device, mode: str,
                augment: Augment | None = None, crop_seconds: float = 5.0,
                chain: FrameCache | None = None, chain_p: float = 0.0) -> torch.Tensor:
    """Joint-space audio vectors of a batch: from cached frames, through the last block from
    cached block inputs, or through the whole tower. A share `chain_p` of the clips is seen as
    through a band-limited recording chain: cached frames of such a copy (`chain`, frozen tower)
    or, when the tower trains, a random 8-22 kHz chain applied to the waveform each draw."""
    if mode == "lastblock":
        maps = np.stack([tiled_window(cache.cache[c.id], window, rng) for c in batch])
        x = torch.from_numpy(maps.astype(np.float32)).to(device).permute(0, 2, 1, 3)
        feats = model.audio_encoder.run_blocks(x, cache.start).mean(dim=3)
        return model.project_audio(feats)
    if mode == "train":
        sr = model.cfg.audio.sample_rate
        raw = [cache.wave(c) for c in batch]
        if augment is not None:
            raw = [augment(w, sr, rng) for w in raw]
        if chain_p > 0:  # a random recording chain per draw (the frozen path's cache fixes one per clip)
            raw = [band_limit(w, sr, rng.choice(CHAIN_RATES)) if rng.random() < chain_p else w for w in raw]
        # crops no longer than the batch's longest clip: short effects are not padded to 5 s
        length = min(int(crop_seconds * sr), max(len(w) for w in raw))
        waves = np.stack([random_crop(w, length, rng) for w in raw])
        return model.encode_audio(torch.from_numpy(waves).to(device))
    def frames(c: Clip) -> np.ndarray:
        return chain[c.id] if chain is not None and c.id in chain and rng.random() < chain_p else cache[c.id]

    pooled = torch.from_numpy(np.stack([random_window(frames(c), window, rng) for c in batch]))
    return model.project_audio(pooled.to(device).unsqueeze(-1))


def train_step(model, text_fn, cache, batch, window, rng, optimizer, device, args, chain=None) -> float:
    captions = [pick_caption(c, rng, args.prompt_aug) for c in batch]
    ids = {cap: i for i, cap in enumerate(dict.fromkeys(captions))}
    groups = torch.tensor([ids[cap] for cap in captions], device=device)
    augment = Augment() if args.augment else None
    crop = args.crop_seconds or model.cfg.window_seconds
    audio = audio_batch(model, cache, batch, window, rng, device, args.audio, augment, crop,
                        chain, args.chain_aug)
    text = text_fn(captions)
    loss = contrastive_loss(audio, text, model.logit_scale, groups)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def save_state(path: Path, model, optimizer, scheduler, epoch: int, best: float, rng) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch, "best": best,
                "rng": json.dumps(rng.getstate())}, tmp)
    tmp.replace(path)


def run(args: argparse.Namespace) -> dict:
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.init == "pretrained":
        model = pretrained_model(Path(args.cache) / "pretrained")
    elif args.init.endswith(".safetensors"):  # warm start from an earlier run's checkpoint
        model, _ = load_checkpoint(args.init)
        model.float()
    else:  # a random named config: the smoke test's tiny model, or a GPU run of the paper's
        model = CLAPModel(CONFIGS[args.init])
    tokenizer = load_tokenizer()
    clips = read_manifest(Path(args.corpus), args.scheme)
    zs = read_zero_shot(Path(args.corpus))
    last = len(model.audio_encoder.blocks) - 1
    if args.audio == "train":
        cache = LiveFrames(model, clips + zs, device)
    elif args.audio == "lastblock":
        cache = HeadFrames(model, FrameCache.build(model, clips + zs, Path(args.cache), "frames", last), last)
    else:
        cache = FrameCache.build(model, clips + zs, Path(args.cache), "frames")
    train = [c for c in clips if c.split == "train" and c.id in cache]
    val = [c for c in clips if c.split == "val" and c.id in cache]
    chain = None
    if args.chain_aug > 0:
        if args.audio == "lastblock":
            raise SystemExit("--chain-aug works with --audio frozen (cached chains) or train (live)")
        if args.audio == "frozen":
            chain = FrameCache.build(model, train, Path(args.cache), "frames", chain=True)
    log.info("train %d clips, val %d, zero-shot eval %d", len(train), len(val), len(zs))
    model.to(device)
    groups = trainable_parameters(model, args.text, args.lr, args.text_lr)
    if args.audio in ("train", "lastblock"):
        tower = model.audio_encoder
        audio_params = list(tower.parameters() if args.audio == "train" else tower.blocks[last].parameters())
        for p in audio_params:
            p.requires_grad = True
        groups.append({"params": audio_params, "lr": args.audio_lr, "weight_decay": 0.01})
    optimizer = torch.optim.AdamW(groups)
    steps = args.epochs * max(1, len(train) // args.batch_size)
    warm = max(1, steps // 20)

    def schedule(step: int) -> float:  # linear warm-up, then cosine decay to zero
        return min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(step, steps) / steps))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    start, best = 0, -math.inf
    state_path = out / "last.pt"
    if args.resume and state_path.exists():
        state = torch.load(state_path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start, best = state["epoch"], state["best"]
        rng.setstate(tuple(tuple(x) if isinstance(x, list) else x for x in json.loads(state["rng"])))
        log.info("resumed after epoch %d", start)
    window, _ = window_frames(model)
    if args.text == "frozen":
        text_fn = FrozenText(model, tokenizer, device)
    else:
        def text_fn(texts: list[str]) -> torch.Tensor:
            return encode_text(model, tokenizer, texts, device)
    metrics: dict = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeRemainingColumn()) as progress:
        task = progress.add_task("training", total=args.epochs, completed=start, info="")
        for epoch in range(start, args.epochs):
            model.train()
            if args.audio != "train" or args.init not in CONFIGS:
                # frozen or pretrained: batch-norm statistics stay as pretrained, so short
                # padded crops cannot skew them and training matches inference
                model.audio_encoder.eval()
            if args.text == "frozen":
                model.text_encoder.eval()
            t0 = time.time()
            losses = []
            for batch in batches(train, args.batch_size, rng, args.balance, args.kind_balance):
                losses.append(train_step(model, text_fn, cache, batch, window, rng, optimizer, device, args,
                                         chain))
                scheduler.step()
            metrics = {"epoch": epoch + 1, "loss": float(np.mean(losses)), "seconds": time.time() - t0,
                       "logit_scale": model.logit_scale.item(),
                       **evaluate(model, tokenizer, cache, val, zs, device)}
            with (out / "log.jsonl").open("a") as f:
                f.write(json.dumps(metrics) + "\n")
            # with no val split (--scheme final: fixed epochs) every epoch replaces the last one
            score = metrics["t2a_mAP"] if val else float(epoch + 1)
            if score > best:
                best = score
                save_checkpoint(model.cpu(), out / "best.safetensors",
                                extra={"epoch": epoch + 1, "val": metrics})
                model.to(device)
            save_state(state_path, model, optimizer, scheduler, epoch + 1, best, rng)
            progress.update(task, advance=1, info=f"loss {metrics['loss']:.3f} "
                            f"mAP {metrics.get('t2a_mAP', 0):.3f} zs@1 {metrics.get('zs_top1', 0):.3f}")
    return metrics


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--corpus", required=True, help="folder made by scripts/build_corpus.py")
    p.add_argument("--out", required=True, help="run folder: log.jsonl, last.pt, best.safetensors")
    p.add_argument(
        "--cache",
        default=platformdirs.user_cache_dir("clap-search", appauthor=False),
        help="wheels + feature cache (default: the per-user cache folder)",
    )
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--text-lr", type=float, default=3e-5)
    p.add_argument("--text", default="finetune", help="frozen | finetune | top<N> (last N layers)")
    p.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    p.add_argument("--init", default="pretrained", help="pretrained | config name | .safetensors")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--audio", default="frozen", help="frozen (cached) | lastblock | train (end to end)")
    p.add_argument("--audio-lr", type=float, default=1e-4)
    p.add_argument("--balance", type=float, default=0.0, help="sample clips by caption count^-B")
    p.add_argument("--kind-balance", type=float, default=0.0, help="and by the count of their kind^-K")
    p.add_argument("--prompt-aug", type=float, default=0.3, help="share of captions put in a template")
    p.add_argument("--crop-seconds", type=float, default=0.0,
                   help="--audio train: crop length (default: the model's window)")
    p.add_argument("--scheme", default=None, help="split scheme: select (default: val = held-out "
                   "packages) | final (train on the val packages too, fixed epochs) | in_source")
    p.add_argument("--chain-aug", type=float, default=0.0,
                   help="share of train clips seen through a band-limited recording chain (8-22 kHz)")
    p.add_argument("--augment", action="store_true",
                   help="--audio train: random speed, gain, spectral tilt and noise")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
