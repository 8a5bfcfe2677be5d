"""Gathers one query's word evidence: lexical (FTS5), semantic (word vectors), propagated (graph)."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from clap_search.words.graph import neighbours_of
from clap_search.words.lexical import lexical_match
from clap_search.words.ranker import Signals, word_evidence
from clap_search.words.semantic import WordState, semantic_scores

SEMANTIC_FETCH = 200
PROPAGATE_FROM = 200


def gather(session: Session, state: WordState, text: str, query: np.ndarray) -> Signals:
    """Word signals for every file with some evidence (audio is added by the caller)."""
    signals = Signals()
    signals.lexical = lexical_match(session, text).scores
    signals.semantic, signals.semantic_z = semantic_scores(state, query, SEMANTIC_FETCH)
    sources = {fid for fid in set(signals.lexical) | set(signals.semantic_z)
               if word_evidence(signals, fid) > 0}
    best = sorted(sources, key=lambda f: -word_evidence(signals, f))[:PROPAGATE_FROM]
    evidence = {f: word_evidence(signals, f) for f in best}
    for src, dst, weight in neighbours_of(session, best):
        credit = weight * evidence[src]
        if credit > signals.propagated.get(dst, (0.0, 0))[0]:
            signals.propagated[dst] = (credit, src)
    return signals
