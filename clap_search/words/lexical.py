"""Lexical match of a query on the files' words: SQLite FTS5 (porter-stemmed), IDF-weighted.

On PostgreSQL the same lookups go to its full-text search (`english`: Snowball stemming, a GIN
index on file_words.text); which files contain a word is the same question on both.

Each query word is looked up on its own, so a file's score is the share of the query's
informative words it contains, weighted by how rare each word is in the library (BM25's IDF):
"a cow mooing" gives cow.wav 1.0 when no file says "moo", and a file with both words beats a
file with one. Words no file contains are left out of the share: they can only be matched by
sound, and should not dilute a name that matches everything the library can match.

Which files get the credit: every file holding a word found in at most PER_TERM files. A common
word ("ambience" in 5,000 files) credits the files that are already candidates by their audio
(`among`) and the first PER_TERM files holding it, so the files that both say "dog" and sound
like the query meet in the ranking, at the cost of one unordered lookup: ordering a common word's
files by BM25 to keep 200 of them cost 3 ms a word at 100k files, and chose them by name length.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from clap_search.db import driver_rows
from clap_search.words.pathwords import split_words, useful_words

# (the files holding a phrase, at most `n`, unordered), (how many files hold it), (which of the
# files {ids} hold it), per dialect; run on the driver's cursor (its parameter style):
# SQLAlchemy's row handling cost more than the lookup itself for a word in 4,000 files
MATCH_SQL = {
    "sqlite": (
        "SELECT rowid FROM words_fts WHERE words_fts MATCH :q LIMIT :n",
        "SELECT count(*) FROM words_fts WHERE words_fts MATCH :q",
        "SELECT rowid FROM words_fts WHERE words_fts MATCH :q AND rowid IN ({ids})",
    ),
    "postgresql": (
        "SELECT file_id FROM file_words"
        " WHERE to_tsvector('english', text) @@ phraseto_tsquery('english', %(q)s) LIMIT %(n)s",
        "SELECT count(*) FROM file_words"
        " WHERE to_tsvector('english', text) @@ phraseto_tsquery('english', %(q)s)",
        "SELECT file_id FROM file_words WHERE file_id IN ({ids})"
        " AND to_tsvector('english', text) @@ phraseto_tsquery('english', %(q)s)",
    ),
}
MAX_TERMS = 12
PER_TERM = 200  # a word in more files than this is common: see the module's docstring
READ_ALL = 20_000  # a common word's files are read at once up to this many, then counted


@dataclass
class LexicalMatch:
    """file id -> share of the query's (IDF-weighted) known words it contains, in [0, 1]."""

    scores: dict[int, float] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)  # word -> files containing it


def query_terms(query: str) -> list[str]:
    return list(dict.fromkeys(useful_words(split_words(query))))[:MAX_TERMS]


def _phrase(session: Session, word: str) -> str:
    """The word as a phrase of this dialect's full-text search."""
    return '"' + word.replace('"', '""') + '"' if _dialect(session) == "sqlite" else word


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@dataclass(frozen=True)
class Postings:
    """The files holding one word (stemmed): how many, and up to READ_ALL of them, unordered."""

    phrase: str
    count: int
    files: list[int]

    def credited(self, session: Session, among: Collection[int] = ()) -> list[int]:
        """All the files if the word is rare; else the first PER_TERM and those of `among`."""
        if self.count <= PER_TERM:
            return self.files
        first = self.files[:PER_TERM]
        if self.count <= len(self.files):
            holding = set(self.files)
        else:  # a word in most of a big library: ask only about the candidates
            holding = set(_holding(session, self.phrase, among))
        return first + sorted(holding.intersection(among) - set(first))


def postings(session: Session, word: str) -> Postings:
    find, how_many, _ = MATCH_SQL[_dialect(session)]
    phrase = _phrase(session, word)
    rows = [r[0] for r in driver_rows(session, find, {"q": phrase, "n": READ_ALL + 1})]
    count = len(rows)
    if count > READ_ALL:
        count = driver_rows(session, how_many, {"q": phrase})[0][0] or count
    return Postings(phrase, count, rows[:READ_ALL])


def _holding(session: Session, phrase: str, ids: Collection[int]) -> list[int]:
    """Which of these files hold the phrase."""
    if not ids:
        return []
    sql = MATCH_SQL[_dialect(session)][2].format(ids=",".join(str(int(i)) for i in sorted(ids)))
    return [r[0] for r in driver_rows(session, sql, {"q": phrase})]


def count_documents(session: Session) -> int:
    """Files with a words row (BM25's N); a scan of the table, so callers keep it per generation."""
    return session.execute(text("SELECT count(*) FROM file_words")).scalar() or 0


def look_up(session: Session, query: str) -> dict[str, Postings]:
    """The postings of the query's informative words (words/evidence.py reads them before the
    audio candidates are known, so the two run side by side)."""
    return {term: postings(session, term) for term in query_terms(query)}


def lexical_match(
    session: Session, found: dict[str, Postings], among: Collection[int] = (), total: int | None = None
) -> LexicalMatch:
    """The query's words (look_up) as per-file scores; `among`: the files already candidates;
    `total`: count_documents, when the caller has it."""
    out = LexicalMatch()
    found = {term: p for term, p in found.items() if p.count}
    if not found:
        return out
    total = count_documents(session) if total is None else total
    weights = {term: math.log(1 + (total - p.count + 0.5) / (p.count + 0.5)) for term, p in found.items()}
    out.terms = {term: p.count for term, p in found.items()}
    denominator = sum(weights.values())
    if denominator <= 0:
        return out
    for term, p in found.items():
        share = weights[term] / denominator
        for fid in p.credited(session, among):
            out.scores[fid] = out.scores.get(fid, 0.0) + share
    return out
