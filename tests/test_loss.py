"""The contrastive loss: symmetric, equal to a naive loop, lower for aligned than shuffled pairs."""

import math

import torch
import torch.nn.functional as F

from clap_search.training.loss import contrastive_loss


def _pairs(n=8, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = F.normalize(torch.randn(n, d, generator=g), dim=-1)
    y = F.normalize(x + 0.1 * torch.randn(n, d, generator=g), dim=-1)
    return x, y


def test_symmetric_in_its_two_modalities():
    x, y = _pairs()
    scale = torch.tensor(20.0)
    assert torch.allclose(contrastive_loss(x, y, scale), contrastive_loss(y, x, scale), atol=1e-6)


def test_matches_a_naive_loop():
    x, y = _pairs()
    scale = 10.0
    total = 0.0
    n = len(x)
    for i in range(n):
        row = [scale * float(x[i] @ y[j]) for j in range(n)]
        col = [scale * float(y[i] @ x[j]) for j in range(n)]
        total += -row[i] + math.log(sum(math.exp(v) for v in row))
        total += -col[i] + math.log(sum(math.exp(v) for v in col))
    naive = total / (2 * n)
    assert abs(float(contrastive_loss(x, y, torch.tensor(scale))) - naive) < 1e-4


def test_aligned_pairs_score_lower_than_shuffled():
    x, y = _pairs()
    scale = torch.tensor(20.0)
    shuffled = y[torch.roll(torch.arange(len(y)), 1)]
    assert contrastive_loss(x, y, scale) < contrastive_loss(x, shuffled, scale)


def test_clips_sharing_a_caption_are_interchangeable():
    x, y = _pairs()
    scale = torch.tensor(50.0)
    groups = torch.tensor([0, 0, 1, 2, 3, 4, 5, 6])  # clips 0 and 1 share one caption
    swapped = y[torch.tensor([1, 0, 2, 3, 4, 5, 6, 7])]
    assert torch.allclose(contrastive_loss(x, y, scale, groups), contrastive_loss(x, swapped, scale, groups))
    assert not torch.allclose(contrastive_loss(x, y, scale), contrastive_loss(x, swapped, scale))
