"""`status --check`: does the saved FAISS index hold exactly the database's segment ids?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from clap_search.db import Segment
from clap_search.library import Library
from clap_search.store import VectorStore

SHOW_IDS = 20


@dataclass
class IndexCheck:
    """What the check found; `repaired` when the index was rebuilt from the database."""

    db_segments: int
    index_segments: int | None  # None: no readable index for the current generation
    missing: list[int] = field(default_factory=list)  # in the DB, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not in the DB
    problem: str | None = None
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.missing and not self.extra

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "db_segments": self.db_segments,
            "index_segments": self.index_segments,
            "missing": len(self.missing),
            "extra": len(self.extra),
            "missing_ids": self.missing[:SHOW_IDS],
            "extra_ids": self.extra[:SHOW_IDS],
            "problem": self.problem,
            "repaired": self.repaired,
        }

    def summary(self) -> str:
        if self.ok:
            return f"index and database agree ({self.db_segments} segments)"
        parts = [self.problem] if self.problem else []
        if self.missing:
            parts.append(f"{len(self.missing)} segment ids in the database are missing from the index")
        if self.extra:
            parts.append(f"{len(self.extra)} ids in the index are not in the database")
        done = "; rebuilt the index from the database" if self.repaired else ""
        return "; ".join(parts) + done


def check_index(library: Library, repair: bool = True) -> IndexCheck:
    """Compare the saved index's ids with the database's; rebuild it from the DB when they differ."""
    with library.session() as s:
        db_ids = np.array(sorted(s.scalars(select(Segment.id)).all()), dtype=np.int64)
    found = IndexCheck(db_segments=len(db_ids), index_segments=None)
    if library.model() is None:
        return found  # nothing indexed yet
    if not library.separate_index:  # PostgreSQL: the vectors are indexed in the rows themselves
        found.index_segments = found.db_segments
        return found
    store = VectorStore.load(library.index_path, library.generation(), library.dim)
    if store is None:
        problem = "the saved index is missing, unreadable or from an older generation"
        return _problem(found, problem, library, repair)
    held = store.ids()
    found.index_segments = len(held)
    found.missing = np.setdiff1d(db_ids, held).tolist()
    found.extra = np.setdiff1d(held, db_ids).tolist()
    if len(np.unique(held)) != len(held):
        found.problem = "the index holds some ids twice"
    if not found.ok and repair:
        library.rebuild_index()
        found.repaired = True
    return found


def _problem(found: IndexCheck, problem: str, library: Library, repair: bool) -> IndexCheck:
    found.problem = problem
    if repair:
        library.rebuild_index()
        found.repaired = True
    return found
