"""Symmetric contrastive loss over a batch's similarity matrix (the CLAP / CLIP objective)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pair_targets(group_ids: torch.Tensor | None, n: int, device: torch.device) -> torch.Tensor:
    """Row-stochastic targets: item i matches every item j with the same group (same caption).

    Without groups this is the identity, the paper's objective. With groups, two clips that
    share a caption are not pushed apart as if one were a negative of the other.
    """
    if group_ids is None:
        return torch.eye(n, device=device)
    same = (group_ids[:, None] == group_ids[None, :]).float()
    return same / same.sum(dim=1, keepdim=True)


def contrastive_loss(
    x: torch.Tensor,
    y: torch.Tensor,
    logit_scale: torch.Tensor,
    group_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean of cross-entropy x->y and y->x over `logit_scale * x @ y.T` (rows L2-normalised)."""
    logits = logit_scale * x @ y.t()
    targets = pair_targets(group_ids, x.shape[0], x.device)
    loss_xy = F.cross_entropy(logits, targets)
    loss_yx = F.cross_entropy(logits.t(), targets.t())
    return 0.5 * (loss_xy + loss_yx)
