"""Hybrid ranking: one fused score per file from audio, lexical, semantic and propagated signals.

The rule (documented in the README, tuned on scripts/bench_words.py):

    score = audio_z + W_LEXICAL * lexical + W_SEMANTIC * semantic
            + W_PROPAGATED * min(1, propagated + W_FEEDBACK / W_PROPAGATED * feedback)

- `audio_z`: the CLAP audio-text cosine of the file's best window as a z-score against the
  library (semantic.Calibration). A clear audio match sits several units above the crowd.
- `lexical` in [0, 1]: the IDF-weighted share of the query's known words in the file's words,
  or, if more, the `expanded` credit of a library word that means the query ("plane" for
  "airplane"; words/vocabulary.py).
- `semantic` in [0, 1]: the text tower's cosine between the query and the file's words, as a
  z-score, mapped linearly from Z_FLOOR (0) to Z_FULL (1). Files whose words are only take
  numbers and recorder names have no word vector at all, so they get nothing here.
- `propagated` in [0, 1]: max over the file's audio neighbours n of edge_weight * word(n),
  word(n) = max(lexical(n), semantic(n)): a nameless file borrows its neighbours' match.
- `feedback` in [0, 1]: how much the file sounds like the files whose own words match the query,
  as a group (words/feedback.py). What a file borrows (`borrowed`: both, added) is capped at one
  full neighbour, W_PROPAGATED, below W_LEXICAL.

Every word term is 0 unless some words match, so a file with a junk name can never outrank a
clear audio match when no words match: the order is then exactly the audio order. In `words`
mode audio only breaks ties.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

W_LEXICAL = 4.0
W_SEMANTIC = 4.0
W_PROPAGATED = 3.0
W_FEEDBACK = 3.0
Z_FLOOR = 2.0
Z_FULL = 5.0
TIE_BREAK = 0.01
MODES = ("hybrid", "audio", "words")


@dataclass
class Signals:
    """Per-file evidence for one query (missing keys mean 0 / no evidence)."""

    audio: dict[int, float] = field(default_factory=dict)  # raw cosine of the best window
    audio_z: dict[int, float] = field(default_factory=dict)
    lexical: dict[int, float] = field(default_factory=dict)
    expanded: dict[int, tuple[float, str]] = field(default_factory=dict)  # (credit, the word matched)
    semantic: dict[int, float] = field(default_factory=dict)  # raw cosine, query vs the file's words
    semantic_z: dict[int, float] = field(default_factory=dict)
    propagated: dict[int, tuple[float, int]] = field(default_factory=dict)  # (credit, from file)
    feedback: dict[int, float] = field(default_factory=dict)  # credit: sounds like the matched files


def z_credit(z: float) -> float:
    """A z-score as credit in [0, 1]: 0 up to Z_FLOOR, 1 from Z_FULL (meaning and feedback)."""
    return min(1.0, max(0.0, (z - Z_FLOOR) / (Z_FULL - Z_FLOOR)))


def lexical_credit(signals: Signals, file_id: int) -> float:
    """The query's words in the file's words, exactly or through a word meaning them, in [0, 1]."""
    return max(signals.lexical.get(file_id, 0.0), signals.expanded.get(file_id, (0.0, ""))[0])


def word_evidence(signals: Signals, file_id: int) -> float:
    """How well a file's own words match the query, in [0, 1]."""
    return max(lexical_credit(signals, file_id), z_credit(signals.semantic_z.get(file_id, -1e9)))


def word_part(signals: Signals, file_id: int) -> float:
    """The words' share of a file's score (what `fuse` adds to the audio z-score)."""
    sem = z_credit(signals.semantic_z.get(file_id, -1e9))
    own = W_LEXICAL * lexical_credit(signals, file_id) + W_SEMANTIC * sem
    return own + W_PROPAGATED * borrowed(signals, file_id)


def borrowed(signals: Signals, file_id: int) -> float:
    """What a file borrows from other files' words, in [0, 1]: its neighbours' match and how it
    sounds like the matched files add up, but never past one full neighbour (W_PROPAGATED, below
    W_LEXICAL: a file whose own name matches keeps its lead over the ones that sound like it)."""
    prop = signals.propagated.get(file_id, (0.0, None))[0]
    return min(1.0, prop + W_FEEDBACK / W_PROPAGATED * signals.feedback.get(file_id, 0.0))


def word_candidates(signals: Signals, n: int) -> list[int]:
    """The n files whose words add most; the others could only rank through their audio."""
    ids = set(signals.lexical) | set(signals.expanded) | set(signals.semantic_z) | set(signals.propagated)
    scored = ((word_part(signals, f), f) for f in ids)
    return [f for part, f in heapq.nlargest(n, scored) if part > 0]


@dataclass(frozen=True)
class Ranked:
    file_id: int
    score: float
    explain: dict[str, Any]


def fuse(signals: Signals, candidates: set[int] | list[int], mode: str = "hybrid") -> list[Ranked]:
    """Candidates best first, each with the parts of its score."""
    out = []
    for fid in candidates:
        az = signals.audio_z.get(fid, 0.0)
        sem = z_credit(signals.semantic_z.get(fid, -1e9))
        prop, source = signals.propagated.get(fid, (0.0, None))
        expanded, through = signals.expanded.get(fid, (0.0, None))
        words = word_part(signals, fid)
        score = words + (TIE_BREAK * az if mode == "words" else az)
        explain = {
            "audio": round(signals.audio.get(fid, 0.0), 4),
            "audio_z": round(az, 3),
            "lexical": round(signals.lexical.get(fid, 0.0), 3),
            "expanded": round(expanded, 3),
            "expanded_word": through,
            "semantic": round(signals.semantic.get(fid, 0.0), 4),
            "semantic_credit": round(sem, 3),
            "propagated": round(prop, 3),
            "propagated_from": source,
            "feedback": round(signals.feedback.get(fid, 0.0), 3),
            "borrowed": round(borrowed(signals, fid), 3),
        }
        out.append(Ranked(fid, float(score), explain))
    out.sort(key=lambda r: (-r.score, -signals.audio.get(r.file_id, 0.0), r.file_id))
    return out
