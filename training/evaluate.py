"""Metrics: zero-shot top-k accuracy, text->audio mAP and recall@k, audio->text recall@k."""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def zero_shot_scores(windows: list[np.ndarray], prompts: np.ndarray, scale: float) -> np.ndarray:
    """Per clip: label probabilities averaged over its windows, the engine's classify rule."""
    return np.stack([softmax(scale * (w @ prompts.T)).mean(axis=0) for w in windows])


def topk_accuracy(scores: np.ndarray, truth: np.ndarray, ks: tuple[int, ...] = (1, 5)) -> dict:
    order = np.argsort(-scores, axis=1)
    return {f"top{k}": float(np.mean([t in row[:k] for t, row in zip(truth, order)])) for k in ks}


def per_class_accuracy(scores: np.ndarray, truth: np.ndarray, labels: list[str]) -> dict[str, float]:
    pred = scores.argmax(axis=1)
    return {lab: float(np.mean(pred[truth == i] == i)) for i, lab in enumerate(labels) if (truth == i).any()}


def retrieval_metrics(audio: np.ndarray, text: np.ndarray, relevant: np.ndarray) -> dict:
    """`relevant[t, a]` is True where text query t describes clip a (rows of both normalised).

    text->audio: mAP and recall@k (a hit if any relevant clip is in the top k);
    audio->text: recall@k over the distinct captions.
    """
    sims = text @ audio.T
    order = np.argsort(-sims, axis=1)
    rel_sorted = np.take_along_axis(relevant, order, axis=1)
    hits = np.cumsum(rel_sorted, axis=1)
    ranks = np.arange(1, audio.shape[0] + 1)
    ap = (rel_sorted * hits / ranks).sum(axis=1) / np.maximum(relevant.sum(axis=1), 1)
    out = {"t2a_mAP": float(ap.mean())}
    for k in (1, 5, 10):
        out[f"t2a_R@{k}"] = float((hits[:, min(k, hits.shape[1]) - 1] > 0).mean())
    a_order = np.argsort(-sims.T, axis=1)
    a_rel = np.take_along_axis(relevant.T, a_order, axis=1)
    for k in (1, 5, 10):
        out[f"a2t_R@{k}"] = float(a_rel[:, :k].any(axis=1).mean())
    return out
