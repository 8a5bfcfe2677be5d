"""Feedback in the audio space: the files whose own words match a query lend it their sound.

A user types "cow" into a library where three files are named cow and forty are ZOOM0042.WAV.
The kNN graph (graph.py) passes the three names' match to each one's ten nearest files; this
passes it to every file that sounds like them as a group. The normalised mean of the matched
files' audio vectors (Rocchio's relevance feedback, with the best lexical matches standing in for
the files a user would have marked) is searched like a query, and every candidate's best window
is scored against it as a z-score against the library (semantic.Calibration), credited from
Z_FLOOR (0) to Z_FULL (1). With no file whose words match, there is no feedback query, and the
order stays the audio order.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clap_search.db import FileWords, blob_to_vectors
from clap_search.words.ranker import Signals, lexical_credit

MIN_CREDIT = 0.5  # a file lends its sound when at least half the query's (IDF-weighted) words match
LENDERS = 10
Z_FLOOR = 2.0
Z_FULL = 5.0


def lenders(signals: Signals) -> list[int]:
    """The files whose words match the query best (ties: the better audio score), at most LENDERS."""
    ids = set(signals.lexical) | set(signals.expanded)
    ranked = sorted(((lexical_credit(signals, f), signals.audio.get(f, -1.0), -f) for f in ids), reverse=True)
    return [-neg for credit, _, neg in ranked if credit >= MIN_CREDIT][:LENDERS]


def feedback_query(session: Session, file_ids: list[int], dim: int) -> np.ndarray | None:
    """The normalised mean of these files' audio vectors, or None when none has one."""
    if not file_ids:
        return None
    rows = session.scalars(select(FileWords.audio_mean).where(
        FileWords.file_id.in_(file_ids), FileWords.audio_mean.is_not(None))).all()
    if not rows:
        return None
    mean = blob_to_vectors(list(rows), dim).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm > 0 else None


def credit(z: float) -> float:
    return min(1.0, max(0.0, (z - Z_FLOOR) / (Z_FULL - Z_FLOOR)))
