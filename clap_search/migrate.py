"""`library copy`: one library into another (folder <-> PostgreSQL), vectors included, nothing re-embedded.

Rows keep their ids, so a segment id means the same window on both sides. The destination must
be empty; it records the source's model, receives every table in one transaction (a failed copy
leaves it as it was), then builds its vector indexes once at the end.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text

from clap_search.db import File, FileWords, Neighbor, Root, Segment, Tag
from clap_search.errors import UsageError
from clap_search.library import Library

BATCH = 2_000
# Foreign keys point up this list: a row's parent is always copied first.
TABLES = [Root, File, Segment, Tag, FileWords, Neighbor]
LOCAL_FILES = ("adapt.safetensors", "adapt.json")  # the adapted text head (words/adapt.py)


@dataclass
class CopySummary:
    files: int = 0
    segments: int = 0
    rows: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {"files": self.files, "segments": self.segments, "rows": self.rows, "seconds": self.seconds}


def copy_library(src: Library, dst: Library) -> CopySummary:
    """Copy every row of `src` into the empty `dst` and build `dst`'s indexes."""
    t0 = time.monotonic()
    model = src.model()
    if model is None:
        raise UsageError(f"the library at {src.location} holds no vectors yet: nothing to copy")
    with dst.session() as s:
        present = s.scalar(select(func.count(File.id))) or 0
    if present:
        raise UsageError(
            f"the library at {dst.location} already holds {present} files: copy into an empty one"
        )
    summary = CopySummary()
    with dst.writing():
        dst.claim_model(model)
        with dst.bulk_load(), src.session() as read, dst.session() as write, write.begin():
            for table in TABLES:
                summary.rows += _copy_table(read, write, table)
            _advance_sequences(write)
            summary.files = write.scalar(select(func.count(File.id))) or 0
            summary.segments = write.scalar(select(func.count(Segment.id))) or 0
        dst.begin_generation()
        dst.rebuild_index()
        _rebuild_words(dst)
    for name in LOCAL_FILES:
        if (src.root / name).exists():
            shutil.copy2(src.root / name, dst.root / name)
    summary.seconds = time.monotonic() - t0
    return summary


def _copy_table(read, write, model) -> int:  # noqa: ANN001 - two sessions and a mapped class
    table = model.__table__
    rows = read.execute(select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH))
    n = 0
    for chunk in rows.partitions():
        write.execute(insert(table), [dict(r._mapping) for r in chunk])
        n += len(chunk)
    return n


def _advance_sequences(write) -> None:  # noqa: ANN001 - a session
    """PostgreSQL hands out ids from sequences that explicit ids do not move (SQLite's do)."""
    if write.get_bind().dialect.name != "postgresql":
        return
    for model in (Root, File, Segment, Tag):
        name = model.__tablename__
        write.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                           f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"))


def _rebuild_words(dst: Library) -> None:
    from clap_search.words.semantic import rebuild_word_store, save_word_store

    if dst.word_index() is None:
        save_word_store(dst, rebuild_word_store(dst))
    else:
        dst.begin_generation()
