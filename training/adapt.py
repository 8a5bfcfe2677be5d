"""`clap-search adapt`: fine-tune the text projection on the library's own (words, audio) pairs.

Pairs are each named file's words (the sentence the text tower reads) and the file's mean
window vector, already stored: nothing is decoded and the audio tower is not run. The text
tower's pooled states are computed once; only the small projection head trains (seconds to
minutes on a CPU), with the same contrastive loss as training (files sharing a sentence are one
group, not negatives). A fixed fifth of the named files is held out and the text->audio mAP on
them is reported before and after, so a user sees whether it helped.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sqlalchemy import select

from clap_search.db import FileWords, blob_to_vectors
from clap_search.errors import UsageError
from clap_search.library import Library
from clap_search.training.loss import contrastive_loss
from clap_search.words import adapt as layer

MIN_FILES = 8


@dataclass
class AdaptReport:
    pairs: int
    held_out: int
    before: float
    after: float
    epochs: int

    def to_json(self) -> dict[str, float | int]:
        return {"pairs": self.pairs, "held_out": self.held_out, "map_before": round(self.before, 4),
                "map_after": round(self.after, 4), "epochs": self.epochs}


def check_named(n: int) -> None:
    if n < MIN_FILES:
        raise UsageError(f"adapt needs at least {MIN_FILES} files with words; this library has {n}: "
                         "index a folder with named or tagged files first")


def named_files(library: Library) -> int:
    return len(_pairs(library)[0])


def _held_out(file_id: int) -> bool:
    return hashlib.blake2b(str(file_id).encode(), digest_size=2).digest()[0] % 5 == 0


def _pairs(library: Library) -> tuple[list[int], list[str], np.ndarray, np.ndarray]:
    """(file ids, sentences, mean audio vectors) of named files, and every file's audio vector."""
    with library.session() as s:
        rows = s.execute(select(FileWords.file_id, FileWords.sentence, FileWords.audio_mean)
                         .where(FileWords.audio_mean.is_not(None))).all()
    dim = library.dim
    audio = blob_to_vectors([r[2] for r in rows], dim)
    named = [i for i, r in enumerate(rows) if r[1]]
    return [rows[i][0] for i in named], [rows[i][1] for i in named], audio[named], audio


@torch.no_grad()
def _pooled(embedder, sentences: list[str], batch: int = 128) -> torch.Tensor:  # noqa: ANN001
    out = []
    for i in range(0, len(sentences), batch):
        ids, mask = embedder.tokenizer(sentences[i : i + batch], embedder.cfg.text.max_length)
        out.append(embedder.model.text_encoder(ids.to(embedder.device), mask.to(embedder.device)))
    return torch.cat(out).float()


def heldout_map(head: torch.nn.Module, pooled: torch.Tensor, sentences: list[str], rows: list[int],
                targets: np.ndarray, library_audio: np.ndarray) -> float:
    """mAP of text->file retrieval over the whole library for the held-out sentences."""
    with torch.no_grad():
        q = F.normalize(head(pooled[rows]), dim=-1).numpy()
    sims = q @ library_audio.T
    aps = []
    for qi, r in enumerate(rows):
        relevant = {j for j, s in enumerate(sentences) if s == sentences[r]}
        own = np.array([targets[j] for j in relevant])
        # a file's rank: how many library files score above its own vector's score
        scores = sorted((own @ q[qi]).tolist(), reverse=True)
        ranks = [int((sims[qi] > sc).sum()) + 1 for sc in scores]
        aps.append(float(np.mean([(k + 1) / rank for k, rank in enumerate(sorted(ranks))])))
    return float(np.mean(aps)) if aps else 0.0


def adapt_library(library: Library, embedder, epochs: int = 40, lr: float = 1e-3,  # noqa: ANN001
                  progress: Callable[[int, int], None] | None = None, seed: int = 0) -> AdaptReport:
    """Train, report on the held-out fifth, store the layer and re-embed the word vectors."""
    fids, sentences, targets, library_audio = _pairs(library)
    check_named(len(fids))
    layer.reset_layer(library, embedder) if layer.record(library) else layer.apply_layer(embedder, library)
    pooled = _pooled(embedder, sentences)
    held = [i for i, f in enumerate(fids) if _held_out(f)]
    train = [i for i, f in enumerate(fids) if not _held_out(f)]
    base = embedder.model.text_projection
    before = heldout_map(base.eval(), pooled, sentences, held, targets, library_audio)
    head = copy.deepcopy(base).train()
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.01)
    scale = embedder.model.logit_scale.detach()
    group = {s: i for i, s in enumerate(dict.fromkeys(sentences))}
    audio_t = torch.from_numpy(targets)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # the head's dropout draws from the global generator:
        torch.manual_seed(seed)  # seeded here, so the same library adapts to the same head
        for epoch in range(epochs):
            order = torch.tensor(train)[torch.randperm(len(train), generator=gen)]
            for b in range(0, len(order), 64):
                idx = order[b : b + 64]
                if len(idx) < 2:
                    continue
                text = F.normalize(head(pooled[idx]), dim=-1)
                groups = torch.tensor([group[sentences[i]] for i in idx.tolist()])
                loss = contrastive_loss(text, audio_t[idx], scale, groups)
                opt.zero_grad()
                loss.backward()
                opt.step()
            if progress:
                progress(epoch + 1, epochs)
    head.eval()
    after = heldout_map(head, pooled, sentences, held, targets, library_audio)
    report = AdaptReport(len(fids), len(held), before, after, epochs)
    layer.save_layer(library, embedder, {k: v.detach().clone() for k, v in head.state_dict().items()},
                     report.to_json())
    return report
