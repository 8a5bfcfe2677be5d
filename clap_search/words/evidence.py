"""Gathers one query's word evidence: lexical (FTS5), semantic (word vectors), propagated (graph)."""

from __future__ import annotations

import heapq

import numpy as np
from sqlalchemy.orm import Session

from clap_search.words.lexical import lexical_match
from clap_search.words.ranker import Signals, semantic_credit
from clap_search.words.semantic import WordState, semantic_scores

SEMANTIC_FETCH = 64
PROPAGATE_FROM = 100


def gather(session: Session, state: WordState, text: str, query: np.ndarray) -> Signals:
    """Word signals for every file with some evidence (audio is added by the caller)."""
    signals = Signals()
    signals.lexical = lexical_match(session, text).scores
    signals.semantic, signals.semantic_z = semantic_scores(state, query, SEMANTIC_FETCH)
    own = dict(signals.lexical)
    for fid, z in signals.semantic_z.items():
        own[fid] = max(own.get(fid, 0.0), semantic_credit(z))
    evidence = dict(heapq.nlargest(PROPAGATE_FROM, ((f, e) for f, e in own.items() if e > 0),
                                   key=lambda kv: kv[1]))
    for src, dst, weight in state.graph.neighbours_of(list(evidence)):
        credit = weight * evidence[src]
        if credit > signals.propagated.get(dst, (0.0, 0))[0]:
            signals.propagated[dst] = (credit, src)
    return signals
